package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/marketdata/natspub"
	"github.com/mts-krx/mts/matching"
)

// startMD starts a node like startE2E, logging to log.
func startMD(t *testing.T, dir string, log *lockedBuffer) *node {
	t.Helper()
	return startE2ELogging(t, dir, "127.0.0.1:0", log)
}

// mdView is what a market-data consumer can ask the publisher for.
type mdView struct {
	book   marketdata.Depth
	status []byte
}

func viewMD(t *testing.T, n *node) mdView {
	t.Helper()
	var v mdView
	if err := natspub.RequestSnapshot(ctx5(t), n.gwNC, e2eSym, &v.book); err != nil {
		t.Fatal(err)
	}
	var err error
	if v.status, err = natspub.RequestStatus(ctx5(t), n.gwNC, e2eSym); err != nil {
		t.Fatal(err)
	}
	return v
}

// viewSettled is viewMD once the publisher has caught up with the loop:
// an ack reaches the client before the market-data goroutine has applied
// the same batch, so a view taken right after trade may lag it. trade's
// last order rests on the book, so the book's SrcSeq reaches the loop's
// committed seq once the publisher has applied everything.
func viewSettled(t *testing.T, n *node) mdView {
	t.Helper()
	want := n.eng.loop.CommittedSeq()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v := viewMD(t, n)
		if v.book.SrcSeq >= want {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("market data stuck at source seq %d, the loop committed %d", v.book.SrcSeq, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (v mdView) equal(w mdView) bool {
	return v.book.Header == w.book.Header && slices.Equal(v.book.Bids, w.book.Bids) &&
		slices.Equal(v.book.Asks, w.book.Asks) && bytes.Equal(v.status, w.status)
}

// trade makes the two accounts trade and leaves orders resting on both
// sides; tag keeps client order ids unique, k the orders different from
// another call's (the duplicate-order check).
func trade(t *testing.T, n *node, tag string, k int) {
	t.Helper()
	a, b := dialE2E(t, n, "A1", false), dialE2E(t, n, "B1", false)
	ctx := ctx5(t)
	if _, err := a.Place(ctx, limit("sell", "71000", strconv.Itoa(10*k), tag+"-s1")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Place(ctx, limit("buy", "71000", strconv.Itoa(4*k), tag+"-b1")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Place(ctx, limit("sell", "71500", strconv.Itoa(7*k), tag+"-s2")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Place(ctx, limit("buy", "70500", strconv.Itoa(3*k), tag+"-b2")); err != nil {
		t.Fatal(err)
	}
}

// fullRebuild replays the whole journal in dir into a fresh builder and
// returns its state: what the market data must equal, however it was
// brought back.
func fullRebuild(t *testing.T, dir string) []byte {
	t.Helper()
	ins, _ := loadInstrumentFile("")
	b, err := marketdata.NewBuilder(ins, marketdata.Config{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(journal.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var cmd matching.Command
	var evs []matching.Event
	err = j.Read(1, func(r journal.Record) error {
		var err error
		if evs, err = matching.DecodeRecord(r.Payload, &cmd, evs[:0]); err != nil {
			return err
		}
		return b.ApplyCommand(&cmd, evs, marketdata.SinkFunc(func(marketdata.Message) {}))
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.AppendState(nil)
}

func readSnap(t *testing.T, dir string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, mdSnapshotFile))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMDSnapshotRestart: a clean shutdown saves the market data; the next
// start loads it and replays nothing, and consumers see the same book,
// status and book seq as before. A start from an older snapshot (as after
// a crash) replays only the records after it. Each time the state equals
// a rebuild from the journal's first record.
func TestMDSnapshotRestart(t *testing.T) {
	dir := t.TempDir()
	var log lockedBuffer
	n := startMD(t, dir, &log)
	trade(t, n, "r1", 1)
	before := viewSettled(t, n)
	if before.book.Seq == 0 || len(before.book.Bids) == 0 || len(before.book.Asks) == 0 {
		t.Fatalf("no book to compare: %+v", before.book)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	first := readSnap(t, dir)
	firstSeq, _, err := marketdata.StateSeq(first)
	if err != nil {
		t.Fatal(err)
	}
	if full := fullRebuild(t, dir); !bytes.Equal(first, full) {
		t.Fatal("the snapshot saved at shutdown differs from a full rebuild of the journal")
	}

	n = startMD(t, dir, &log)
	if n.mdRebuild.From != firstSeq || n.mdRebuild.Replayed != 0 {
		t.Fatalf("restart after a clean shutdown: from %d, replayed %d; want from %d, replayed 0", n.mdRebuild.From, n.mdRebuild.Replayed, firstSeq)
	}
	if after := viewMD(t, n); !after.equal(before) {
		t.Fatalf("market data after the restart\n%+v\nwant\n%+v", after, before)
	}
	trade(t, n, "r2", 2)
	second := viewSettled(t, n)
	if second.book.Seq <= before.book.Seq {
		t.Fatalf("book seq %d after more trading, was %d", second.book.Seq, before.book.Seq)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	secondState := readSnap(t, dir)
	if full := fullRebuild(t, dir); !bytes.Equal(secondState, full) {
		t.Fatal("the second snapshot differs from a full rebuild of the journal")
	}

	// As if the process had died before saving again: the older snapshot.
	if err := os.WriteFile(filepath.Join(dir, mdSnapshotFile), first, 0o644); err != nil {
		t.Fatal(err)
	}
	n = startMD(t, dir, &log)
	defer n.Close()
	upTo := n.eng.loop.CommittedSeq()
	if n.mdRebuild.From != firstSeq || n.mdRebuild.Replayed == 0 || n.mdRebuild.From+n.mdRebuild.Replayed > upTo {
		t.Fatalf("restart from an older snapshot: from %d, replayed %d (journal at %d); want from %d and the tail",
			n.mdRebuild.From, n.mdRebuild.Replayed, upTo, firstSeq)
	}
	if got := viewMD(t, n); !got.equal(second) {
		t.Fatalf("market data after the tail replay\n%+v\nwant\n%+v", got, second)
	}
	if !strings.Contains(log.String(), "market data rebuilt") {
		t.Error("no \"market data rebuilt\" log line")
	}
}

// TestMDSnapshotFallback: a snapshot that cannot be used (corrupt, newer
// than the journal) is ignored with a warning, and the market data is
// rebuilt from the journal's first record, the same as always.
func TestMDSnapshotFallback(t *testing.T) {
	dir := t.TempDir()
	var log lockedBuffer
	n := startMD(t, dir, &log)
	trade(t, n, "f1", 1)
	want := viewSettled(t, n)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	good := readSnap(t, dir)
	seq, _, _ := marketdata.StateSeq(good)
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0x40
	for _, tc := range []struct {
		name string
		data []byte
		why  string
	}{
		{"corrupt", corrupt, "checksum"},
		{"truncated", good[:len(good)/3], "checksum"},
		{"empty", nil, "no state header"},
		{"newer than the journal", newerState(t, good, seq+1_000), "the journal ends at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, mdSnapshotFile), tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			var log lockedBuffer
			n := startMD(t, dir, &log)
			if n.mdRebuild.From != 0 || n.mdRebuild.Replayed == 0 {
				t.Errorf("from %d, replayed %d; want a full rebuild", n.mdRebuild.From, n.mdRebuild.Replayed)
			}
			if got := viewMD(t, n); !got.equal(want) {
				t.Errorf("market data after the fallback\n%+v\nwant\n%+v", got, want)
			}
			if err := n.Close(); err != nil {
				t.Fatal(err)
			}
			if l := log.String(); !strings.Contains(l, "market-data snapshot not used") || !strings.Contains(l, tc.why) {
				t.Errorf("log does not say why the snapshot was not used (%q):\n%s", tc.why, l)
			}
			if full := fullRebuild(t, dir); !bytes.Equal(readSnap(t, dir), full) {
				t.Error("the snapshot saved after the fallback differs from a full rebuild")
			}
		})
	}
}

// newerState returns a sound state that claims to reflect seq: a builder
// that loaded state and applied empty commands up to seq.
func newerState(t *testing.T, state []byte, seq uint64) []byte {
	t.Helper()
	ins, _ := loadInstrumentFile("")
	b, _ := marketdata.NewBuilder(ins, marketdata.Config{})
	if err := b.LoadState(state); err != nil {
		t.Fatal(err)
	}
	for s := b.Seq() + 1; s <= seq; s++ {
		if err := b.ApplyCommand(&matching.Command{Seq: s, TS: b.TS() + 1}, nil, marketdata.SinkFunc(func(marketdata.Message) {})); err != nil {
			t.Fatal(err)
		}
	}
	return b.AppendState(nil)
}

// TestCheckMDSnapshot: a snapshot is used only on top of the journal it
// came from: its seq's record must be there, with its TS.
func TestCheckMDSnapshot(t *testing.T) {
	ins, _ := loadInstrumentFile("")
	b, _ := marketdata.NewBuilder(ins, marketdata.Config{})
	for s := uint64(1); s <= 5; s++ {
		b.ApplyCommand(&matching.Command{Seq: s, TS: int64(100 * s)}, nil, marketdata.SinkFunc(func(marketdata.Message) {}))
	}
	state := b.AppendState(nil)
	journalOf := func(recs ...matching.Record) func(uint64, func(matching.Record) error) error {
		return func(from uint64, fn func(matching.Record) error) error {
			for _, r := range recs {
				if r.Seq >= from {
					if err := fn(r); err != nil {
						return err
					}
				}
			}
			return nil
		}
	}
	for _, tc := range []struct {
		name string
		upTo uint64
		recs []matching.Record
		ok   bool
	}{
		{"same journal", 7, []matching.Record{{Seq: 5, TS: 500}, {Seq: 6, TS: 600}}, true},
		{"journal ends at it", 5, []matching.Record{{Seq: 5, TS: 500}}, true},
		{"journal shorter", 4, []matching.Record{{Seq: 4, TS: 400}}, false},
		{"rewritten record", 7, []matching.Record{{Seq: 5, TS: 501}, {Seq: 6, TS: 600}}, false},
		{"record missing", 7, []matching.Record{{Seq: 6, TS: 600}}, false},
	} {
		seq, err := checkMDSnapshot(state, tc.upTo, journalOf(tc.recs...))
		switch {
		case tc.ok && (err != nil || seq != 5):
			t.Errorf("%s: %d, %v; want 5", tc.name, seq, err)
		case !tc.ok && !errors.Is(err, errMDSnapshotUnusable):
			t.Errorf("%s: %d, %v; want errMDSnapshotUnusable", tc.name, seq, err)
		}
	}
}
