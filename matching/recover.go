package matching

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrDiverged means replaying the journal did not reproduce what it
// recorded: the determinism promise is broken (or the instruments or risk
// configuration changed under the journal).
var ErrDiverged = errors.New("matching: replay diverged from the journal")

// Log is the read side of the journal that recovery needs.
type Log interface {
	// Read calls fn for every record from seq on, in order, verifying each
	// (a corrupt record is an error naming its seq).
	Read(from uint64, fn func(Record) error) error
}

// TransientLog is a Log that can also lend each record's payload only until
// fn returns, which saves copying it. Recovery decodes every record inside
// fn and keeps nothing of the payload, so it reads through ReadTransient
// when the log has it.
type TransientLog interface {
	Log
	ReadTransient(from uint64, fn func(Record) error) error
}

// readFunc is how recovery reads log: without copies when it can.
func readFunc(log Log) func(from uint64, fn func(Record) error) error {
	if t, ok := log.(TransientLog); ok {
		return t.ReadTransient
	}
	return log.Read
}

// SnapshotStore lists and loads stored snapshots.
type SnapshotStore interface {
	// SnapshotSeqs returns the sequence numbers of stored snapshots, newest
	// first.
	SnapshotSeqs() ([]uint64, error)
	// LoadSnapshot returns a snapshot's data and the state hash stored with
	// it, after checking the stored bytes are intact.
	LoadSnapshot(seq uint64) (data, stateHash []byte, err error)
}

// RecoverOptions says how much checking recovery does.
type RecoverOptions struct {
	// Verify compares every replayed command's events with the events the
	// journal recorded, and every snapshot met on the way with the state at
	// its seq. Recovery at startup can afford it; it is what
	// `mts journal verify` does from sequence 1.
	Verify bool
	// FromScratch ignores snapshots and replays the whole journal.
	FromScratch bool
	// OnSkippedSnapshot hears about snapshots that could not be used.
	OnSkippedSnapshot func(seq uint64, err error)
}

// RecoverStats reports what recovery did.
type RecoverStats struct {
	SnapshotSeq uint64 // 0 when it started from scratch
	Replayed    uint64 // records applied after the snapshot
	Checked     int    // snapshots whose hash was compared during replay
}

// Recover rebuilds an engine from the journal: the newest snapshot that
// loads and verifies, then every record after it. newEngine must build a
// fresh engine with the same instruments and risk configuration the journal
// was written with; Recover may call it more than once (a corrupt snapshot
// falls back to an older one, and finally to a full replay).
func Recover(newEngine func() (*Engine, error), snaps SnapshotStore, log Log, opts RecoverOptions) (*Engine, RecoverStats, error) {
	e, stats, err := fromSnapshot(newEngine, snaps, opts)
	if err != nil {
		return nil, stats, err
	}
	var seqs []uint64
	if opts.Verify && snaps != nil {
		if seqs, err = snaps.SnapshotSeqs(); err != nil {
			return nil, stats, err
		}
	}
	if !opts.Verify {
		stats.Replayed, err = replayPipelined(e, log, e.Seq()+1)
		if err != nil {
			return nil, stats, err
		}
		return e, stats, nil
	}
	r := replayer{e: e, snaps: snaps, verify: opts.Verify, check: seqs, names: newNames()}
	err = readFunc(log)(e.Seq()+1, r.apply)
	stats.Replayed, stats.Checked = r.applied, r.checked
	if err != nil {
		return nil, stats, err
	}
	return e, stats, nil
}

// fromSnapshot returns an engine loaded from the newest usable snapshot, or
// a fresh one.
func fromSnapshot(newEngine func() (*Engine, error), snaps SnapshotStore, opts RecoverOptions) (*Engine, RecoverStats, error) {
	var stats RecoverStats
	var seqs []uint64
	if snaps != nil && !opts.FromScratch {
		var err error
		if seqs, err = snaps.SnapshotSeqs(); err != nil {
			return nil, stats, err
		}
	}
	for _, seq := range seqs {
		e, err := loadSnapshot(newEngine, snaps, seq)
		if err == nil {
			stats.SnapshotSeq = seq
			return e, stats, nil
		}
		if opts.OnSkippedSnapshot != nil {
			opts.OnSkippedSnapshot(seq, err)
		}
	}
	e, err := newEngine()
	return e, stats, err
}

func loadSnapshot(newEngine func() (*Engine, error), snaps SnapshotStore, seq uint64) (*Engine, error) {
	data, hash, err := snaps.LoadSnapshot(seq)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); !bytes.Equal(sum[:], hash) {
		return nil, fmt.Errorf("matching: snapshot %d does not match its stored hash", seq)
	}
	e, err := newEngine()
	if err != nil {
		return nil, err
	}
	if err := e.LoadSnapshot(data); err != nil {
		return nil, err
	}
	if e.Seq() != seq {
		return nil, fmt.Errorf("matching: snapshot stored under %d holds seq %d", seq, e.Seq())
	}
	return e, nil
}

// replayer applies journal records to an engine, checking what it is asked
// to check.
type replayer struct {
	e       *Engine
	snaps   SnapshotStore
	verify  bool
	check   []uint64 // snapshot seqs to compare against, any order
	applied uint64
	checked int
	cmd     Command
	recEvs  []Event
	names   *names
}

func (r *replayer) apply(rec Record) error {
	var err error
	if r.verify {
		r.recEvs, err = decodeRecord(rec.Payload, &r.cmd, r.recEvs[:0], r.names)
	} else {
		err = decodeRecordCommand(rec.Payload, &r.cmd, r.names) // the events are re-derived, not read
	}
	if err != nil {
		return fmt.Errorf("matching: record %d: %w", rec.Seq, err)
	}
	if r.cmd.Seq != rec.Seq || r.cmd.Seq != r.e.Seq()+1 {
		return fmt.Errorf("%w: record %d holds command seq %d after engine seq %d", ErrDiverged, rec.Seq, r.cmd.Seq, r.e.Seq())
	}
	got := r.e.Apply(&r.cmd)
	r.applied++
	if !r.verify {
		return nil
	}
	if err := sameEvents(rec.Seq, got, r.recEvs); err != nil {
		return err
	}
	return r.checkSnapshot(rec.Seq)
}

func sameEvents(seq uint64, got, want []Event) error {
	if len(got) != len(want) {
		return fmt.Errorf("%w: seq %d produced %d events, the journal has %d", ErrDiverged, seq, len(got), len(want))
	}
	for i := range got {
		if !got[i].Equal(&want[i]) {
			return fmt.Errorf("%w: seq %d event %d:\n got %+v %+v\nwant %+v %+v", ErrDiverged, seq, i,
				got[i], got[i].Extras(), want[i], want[i].Extras())
		}
	}
	return nil
}

// checkSnapshot compares the engine with a stored snapshot taken at seq.
func (r *replayer) checkSnapshot(seq uint64) error {
	for _, s := range r.check {
		if s != seq {
			continue
		}
		data, hash, err := r.snaps.LoadSnapshot(seq)
		if err != nil {
			return err
		}
		// A snapshot an older build wrote is compared in its own format;
		// one older than this build can write is not compared.
		version, n := binary.Uvarint(data)
		if n <= 0 || version < oldestReencoded || version > snapshotVersion {
			continue
		}
		if got := sha256.Sum256(r.e.appendSnapshot(nil, version)); !bytes.Equal(got[:], hash) {
			return fmt.Errorf("%w: state at seq %d differs from the snapshot stored there", ErrDiverged, seq)
		}
		r.checked++
	}
	return nil
}
