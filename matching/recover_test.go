package matching

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

func (j *memJournal) Read(from uint64, fn func(Record) error) error {
	j.mu.Lock()
	recs := slices.Clone(j.recs)
	j.mu.Unlock()
	for _, r := range recs {
		if r.Seq < from {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSnapshots) SnapshotSeqs() ([]uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.seqs)
	slices.Reverse(out)
	return out, nil
}

func (m *memSnapshots) LoadSnapshot(seq uint64) ([]byte, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, s := range m.seqs {
		if s == seq {
			data := m.datas[i]
			hash := m.hashes[i]
			return data, hash, nil
		}
	}
	return nil, nil, fmt.Errorf("no snapshot %d", seq)
}

// runLoop drives n orders through a loop with snapshots every 10 records and
// returns the journal, the snapshots and the final state hash.
func runLoop(t *testing.T, n int) (*memJournal, *memSnapshots, [32]byte) {
	t.Helper()
	j := &memJournal{}
	snaps := &memSnapshots{j: j}
	l := newTestLoop(t, j, nil, func(c *LoopConfig) { c.Snapshots, c.SnapshotEvery, c.MaxBatchLen = snaps, 10, 4 })
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		for l.Submit(&Request{Cmd: order(fmt.Sprintf("A%d", i%3), i), Reply: func(*Result) { wg.Done() }}) != nil {
		}
	}
	wg.Wait()
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	return j, snaps, l.e.StateHash()
}

func newEngineFunc(t *testing.T) func() (*Engine, error) {
	return func() (*Engine, error) { return newTestEngine(t), nil }
}

func TestRecoverFromSnapshotAndTail(t *testing.T) {
	j, snaps, want := runLoop(t, 95)
	e, stats, err := Recover(newEngineFunc(t), snaps, j, RecoverOptions{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.StateHash() != want || e.Seq() != 95 {
		t.Errorf("recovered seq %d, hash equal %v; want 95, true", e.Seq(), e.StateHash() == want)
	}
	if stats.SnapshotSeq == 0 || stats.SnapshotSeq+stats.Replayed != 95 {
		t.Errorf("stats %+v: want a snapshot and the tail after it", stats)
	}
}

func TestRecoverSkipsCorruptSnapshot(t *testing.T) {
	j, snaps, want := runLoop(t, 60)
	newest := len(snaps.seqs) - 1
	snaps.datas[newest][len(snaps.datas[newest])/2] ^= 0x40
	var skipped []uint64
	e, stats, err := Recover(newEngineFunc(t), snaps, j, RecoverOptions{
		OnSkippedSnapshot: func(seq uint64, err error) { skipped = append(skipped, seq) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.StateHash() != want || len(skipped) != 1 || skipped[0] != snaps.seqs[newest] || stats.SnapshotSeq != snaps.seqs[newest-1] {
		t.Errorf("skipped %v, used %d, hash equal %v; want the newest skipped, the one before used, equal", skipped, stats.SnapshotSeq, e.StateHash() == want)
	}
}

// TestVerifyFromScratch is `mts journal verify`: the whole journal replayed,
// every event and every snapshot compared.
func TestVerifyFromScratch(t *testing.T) {
	j, snaps, want := runLoop(t, 50)
	e, stats, err := Recover(newEngineFunc(t), snaps, j, RecoverOptions{Verify: true, FromScratch: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.StateHash() != want || stats.Replayed != 50 || stats.Checked != len(snaps.seqs) {
		t.Errorf("stats %+v, hash equal %v; want 50 replayed and %d snapshots checked", stats, e.StateHash() == want, len(snaps.seqs))
	}
}

// TestVerifyOlderSnapshots: after an upgrade the journal holds snapshots
// the previous build wrote (version 3: no closed orders' states); verify
// compares them in their own format, catches one that differs, and leaves
// out one older than this build can write.
func TestVerifyOlderSnapshots(t *testing.T) {
	j, snaps, _ := runLoop(t, 50) // orders with client order ids, half of them filled
	filled := 0
	for i, seq := range snaps.seqs {
		e := newTestEngine(t)
		if err := e.LoadSnapshot(snaps.datas[i]); err != nil {
			t.Fatal(err)
		}
		for _, a := range e.accounts {
			for _, ref := range a.clientOrderIDs {
				if a.closed.at(ref.closed).status == StatusFilled {
					filled++
				}
			}
		}
		v3 := e.appendSnapshot(nil, 3)
		sum := sha256.Sum256(v3)
		snaps.datas[i], snaps.hashes[i] = v3, sum[:]
		if back := newTestEngine(t); back.LoadSnapshot(v3) != nil || back.Seq() != seq {
			t.Fatalf("the version 3 snapshot at %d does not load", seq)
		}
	}
	if filled == 0 {
		t.Fatal("no filled order in any snapshot: the test would not tell versions apart")
	}
	_, stats, err := Recover(newEngineFunc(t), snaps, j, RecoverOptions{Verify: true, FromScratch: true})
	if err != nil || stats.Checked != len(snaps.seqs) {
		t.Fatalf("verify over version 3 snapshots: %v, %d of %d checked", err, stats.Checked, len(snaps.seqs))
	}
	snaps.hashes[0] = make([]byte, 32) // not the state at its seq
	if _, _, err := Recover(newEngineFunc(t), snaps, j, RecoverOptions{Verify: true, FromScratch: true}); !errors.Is(err, ErrDiverged) {
		t.Fatalf("a version 3 snapshot that differs: %v, want ErrDiverged", err)
	}
	snaps.datas[0][0] = 2 // version 2: this build cannot write it
	_, stats, err = Recover(newEngineFunc(t), snaps, j, RecoverOptions{Verify: true, FromScratch: true})
	if err != nil || stats.Checked != len(snaps.seqs)-1 {
		t.Fatalf("with a version 2 snapshot: %v, %d of %d checked, want all but that one", err, stats.Checked, len(snaps.seqs))
	}
}

// TestVerifyCatchesDivergence: a record whose events were altered (the
// journal's own checks pass, since it is re-framed) is caught by replay.
func TestVerifyCatchesDivergence(t *testing.T) {
	j, snaps, _ := runLoop(t, 30)
	var c Command
	evs, err := DecodeRecord(j.recs[20].Payload, &c, nil)
	if err != nil {
		t.Fatal(err)
	}
	evs[0].Qty++
	j.recs[20].Payload = AppendRecord(nil, &c, evs)
	_, _, err = Recover(newEngineFunc(t), snaps, j, RecoverOptions{Verify: true, FromScratch: true})
	if !errors.Is(err, ErrDiverged) {
		t.Errorf("Recover over an altered record = %v, want ErrDiverged", err)
	}
	j2, snaps2, _ := runLoop(t, 30)
	snaps2.hashes[0][0] ^= 1
	_, _, err = Recover(newEngineFunc(t), snaps2, j2, RecoverOptions{Verify: true, FromScratch: true})
	if !errors.Is(err, ErrDiverged) {
		t.Errorf("Recover with a wrong snapshot hash = %v, want ErrDiverged", err)
	}
}

// clobberingLog lends each payload in one buffer that it scribbles over as
// soon as fn returns, as a journal's ReadTransient may.
type clobberingLog struct {
	*memJournal
	reads int
}

func (l *clobberingLog) ReadTransient(from uint64, fn func(Record) error) error {
	l.reads++
	var buf []byte
	return l.memJournal.Read(from, func(r Record) error {
		buf = append(buf[:0], r.Payload...)
		r.Payload = buf
		err := fn(r)
		for i := range buf {
			buf[i] = 0xa5
		}
		return err
	})
}

// TestRecoverReadsTransient: recovery reads through ReadTransient when the
// log has it, and keeps nothing of a payload after its fn returns.
func TestRecoverReadsTransient(t *testing.T) {
	j, snaps, want := runLoop(t, 60)
	for _, verify := range []bool{false, true} {
		log := &clobberingLog{memJournal: j}
		e, stats, err := Recover(newEngineFunc(t), snaps, log, RecoverOptions{Verify: verify, FromScratch: true})
		if err != nil {
			t.Fatalf("verify=%v: %v", verify, err)
		}
		if log.reads != 1 || e.StateHash() != want || stats.Replayed != 60 {
			t.Errorf("verify=%v: %d transient reads, %d replayed, hash equal %v; want 1, 60, true", verify, log.reads, stats.Replayed, e.StateHash() == want)
		}
	}
}
