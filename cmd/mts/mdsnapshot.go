package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/matching"
)

// The market-data snapshot: DATA/marketdata.snap holds the market-data
// builder's state (marketdata.Builder.AppendState: versioned, checksummed,
// stamped with the seq and TS of the last command it reflects), so that a
// restart replays only the journal records after it instead of the whole
// day. It is derived data, not the system of record: when it is missing,
// corrupt, newer than the journal, from another journal (its seq's record
// has another TS) or from other instruments, the node rebuilds from the
// journal's first record, as without it, and says why in the log.
const (
	mdSnapshotFile = "marketdata.snap"
	// maxMDSnapshotSize bounds what is read: a real state is a few
	// kilobytes to a few megabytes (every book level of every symbol).
	maxMDSnapshotSize = 256 << 20
)

// mdSnapshotWriter writes the newest market-data state to the file on its
// own goroutine. The publisher goroutine, which owns the builder, encodes
// the state and hands over a copy (save); the write and its two fsyncs
// happen here, so market data never waits for the disk. One state waits
// at most: a newer one replaces it (bounded; only the newest matters).
type mdSnapshotWriter struct {
	path string
	log  *slog.Logger
	ch   chan mdState // capacity 1: the state waiting to be written
	done chan struct{}
}

type mdState struct {
	seq  uint64
	data []byte
}

func newMDSnapshotWriter(dir string, log *slog.Logger) *mdSnapshotWriter {
	w := &mdSnapshotWriter{path: filepath.Join(dir, mdSnapshotFile), log: log,
		ch: make(chan mdState, 1), done: make(chan struct{})}
	go w.run()
	return w
}

// save queues a copy of state for writing, replacing one still waiting.
// Callers take turns (the node before the publisher starts, then the
// publisher goroutine), so the slot freed by the drain is still free for
// the send.
func (w *mdSnapshotWriter) save(seq uint64, _ int64, state []byte) {
	s := mdState{seq, append([]byte(nil), state...)}
	select {
	case w.ch <- s:
		return
	default:
	}
	select {
	case <-w.ch:
	default:
	}
	w.ch <- s
}

func (w *mdSnapshotWriter) run() {
	defer close(w.done)
	for s := range w.ch {
		start := time.Now()
		if err := writeFileAtomic(w.path, s.data); err != nil {
			w.log.Warn("market-data snapshot not saved", "seq", s.seq, "err", err)
			continue
		}
		w.log.Debug("market-data snapshot saved", "seq", s.seq, "bytes", len(s.data), "took", time.Since(start).Round(time.Microsecond))
	}
}

// close writes what is waiting and stops. Call it after the publisher has
// closed (its last state is the one to keep).
func (w *mdSnapshotWriter) close() {
	close(w.ch)
	<-w.done
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, written and synced, renamed over path, and the directory
// synced, so that after a crash path holds the old or the new content,
// never a mix.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readMDSnapshot reads the file; os.ErrNotExist when there is none.
func readMDSnapshot(dir string) ([]byte, error) {
	f, err := os.Open(filepath.Join(dir, mdSnapshotFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMDSnapshotSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMDSnapshotSize {
		return nil, fmt.Errorf("larger than %d bytes", maxMDSnapshotSize)
	}
	return data, nil
}

// errMDSnapshotUnusable wraps every reason loadMDSnapshot gives for not
// using the file.
var errMDSnapshotUnusable = errors.New("market-data snapshot not used")

// checkMDSnapshot decides whether a state may be loaded on top of a
// journal recovered up to upTo: its frame is sound, its seq is in the
// journal, and the journal's record at that seq has the state's TS (a
// journal truncated and written again past that point has other records
// there). It returns the state's seq.
func checkMDSnapshot(data []byte, upTo uint64, read func(from uint64, fn func(matching.Record) error) error) (uint64, error) {
	seq, ts, err := marketdata.StateSeq(data)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%w: %w", errMDSnapshotUnusable, err)
	case seq > upTo:
		return 0, fmt.Errorf("%w: it reflects seq %d, the journal ends at %d", errMDSnapshotUnusable, seq, upTo)
	case seq == 0:
		return 0, nil
	}
	var got *matching.Record
	err = read(seq, func(r matching.Record) error {
		got = &matching.Record{Seq: r.Seq, TS: r.TS}
		return errStopRead
	})
	switch {
	case err != nil && !errors.Is(err, errStopRead):
		return 0, fmt.Errorf("%w: reading journal record %d: %w", errMDSnapshotUnusable, seq, err)
	case got == nil || got.Seq != seq || got.TS != ts:
		return 0, fmt.Errorf("%w: journal record %d is not the one it reflects (another journal, or one rewritten after a truncation)", errMDSnapshotUnusable, seq)
	}
	return seq, nil
}
