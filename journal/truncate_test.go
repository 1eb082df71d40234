package journal

import (
	"errors"
	"testing"
)

func TestTruncateAfterThenAppend(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 100, 32)
	saveSnapshots(t, j, 50, 60, 61)
	if err := j.TruncateAfter(60); err != nil {
		t.Fatalf("TruncateAfter(60): %v", err)
	}
	if got := j.LastSeq(); got != 60 {
		t.Fatalf("LastSeq after TruncateAfter(60): got %d, want 60", got)
	}
	wantSnapshots(t, j, 60, 50)
	next := batch(61, 20)
	if err := j.Append(next); err != nil {
		t.Fatalf("Append after truncation: %v", err)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify after truncate and append: %v", err)
	}
	j = reopen(t, j)
	checkRecords(t, readAll(t, j, 1), 1, 80)
}

func TestTruncateAfterToEmpty(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 10, 10)
	saveSnapshots(t, j, 0, 5)
	if err := j.TruncateAfter(0); err != nil {
		t.Fatalf("TruncateAfter(0): %v", err)
	}
	if seq, link := j.Head(); seq != 0 || link != (Link{}) {
		t.Fatalf("Head after TruncateAfter(0): got %d %x, want 0 and the zero link", seq, link)
	}
	wantSnapshots(t, j, 0)
	appendN(t, j, 5, 5)
	checkRecords(t, readAll(t, j, 1), 1, 5)
}

func TestTruncateAfterBeyondEnd(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 10, 10)
	if err := j.TruncateAfter(11); !errors.Is(err, ErrSeq) {
		t.Fatalf("TruncateAfter(11) of 10 records: got %v, want ErrSeq", err)
	}
	if err := j.TruncateAfter(10); err != nil {
		t.Fatalf("TruncateAfter(LastSeq): got %v, want nil", err)
	}
	checkRecords(t, readAll(t, j, 1), 1, 10)
}

// Deleting more records than one Badger transaction holds.
func TestTruncateAfterManyRecords(t *testing.T) {
	opts := testOptions(t)
	opts.MemTableBytes = minMemTableBytes
	j := openJournal(t, opts)
	appendN(t, j, 5000, 1000)
	before := j.commits.Load()
	if err := j.TruncateAfter(7); err != nil {
		t.Fatalf("TruncateAfter(7): %v", err)
	}
	if got := j.commits.Load() - before; got < 2 {
		t.Fatalf("transactions to delete 4993 records: got %d, want it split into several", got)
	}
	j = reopen(t, j)
	checkRecords(t, readAll(t, j, 1), 1, 7)
}

// A damaged last record: Open refuses; Repair opens with appends stopped;
// TruncateAfter the last good record lifts the stop.
func TestRepairDamagedTail(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 30, 30)
	bad := rawGet(t, j, recordKey(30))
	bad[len(bad)/2] ^= 0x10
	rawSet(t, j, recordKey(30), bad)
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	if j2, err := Open(j.opts); err == nil {
		j2.Close()
		t.Fatalf("Open with a damaged tail: got nil error, want a corrupt record 30")
	} else {
		wantCorrupt(t, "Open with a damaged tail", err, 30)
	}

	opts := j.opts
	opts.Repair = true
	j = openJournal(t, opts)
	if got := j.LastSeq(); got != 30 {
		t.Fatalf("LastSeq in Repair mode: got %d, want 30", got)
	}
	err := j.Append(batch(31, 1))
	if !errors.Is(err, ErrStopped) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Append in Repair mode: got %v, want ErrStopped and ErrCorrupt", err)
	}
	wantCorrupt(t, "Verify in Repair mode", j.Verify(), 30)
	if err := j.TruncateAfter(29); err != nil {
		t.Fatalf("TruncateAfter(29): %v", err)
	}
	appendN(t, j, 5, 5)
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify after repair: %v", err)
	}
	checkRecords(t, readAll(t, j, 1), 1, 34)
}

// A record whose link is wrong cannot become the head.
func TestTruncateAfterRefusesBadRecord(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 10, 10)
	rawSet(t, j, recordKey(6), appendFrame(nil, recordFor(6), Link{9}))
	wantCorrupt(t, "TruncateAfter(6) onto a broken link", j.TruncateAfter(6), 6)
	if got := j.LastSeq(); got != 10 {
		t.Fatalf("LastSeq after a refused TruncateAfter: got %d, want 10", got)
	}
}
