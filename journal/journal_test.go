package journal

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func TestAppendReopenRead(t *testing.T) {
	j := openJournal(t, testOptions(t))
	for _, size := range []int{1, 3, 64, 200, 500} {
		appendN(t, j, 232, size)
	}
	const last = 5 * 232
	if got := j.LastSeq(); got != last {
		t.Fatalf("LastSeq after appends: got %d, want %d", got, last)
	}
	checkRecords(t, readAll(t, j, 1), 1, last)
	seq, link := j.Head()

	j = reopen(t, j)
	if gotSeq, gotLink := j.Head(); gotSeq != seq || gotLink != link {
		t.Fatalf("Head after reopen: got %d %x, want %d %x", gotSeq, gotLink, seq, link)
	}
	checkRecords(t, readAll(t, j, 0), 1, last)
	checkRecords(t, readAll(t, j, 700), 700, last)
	if got := readAll(t, j, last+1); len(got) != 0 {
		t.Fatalf("Read(LastSeq+1): got %d records, want 0", len(got))
	}
	appendN(t, j, 10, 10)
	checkRecords(t, readAll(t, j, last-1), last-1, last+10)
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestEmptyJournal(t *testing.T) {
	j := openJournal(t, testOptions(t))
	if seq, link := j.Head(); seq != 0 || link != (Link{}) {
		t.Fatalf("Head of empty journal: got %d %x, want 0 and the zero link", seq, link)
	}
	if got := readAll(t, j, 1); len(got) != 0 {
		t.Fatalf("Read of empty journal: got %d records, want 0", len(got))
	}
	if err := j.Append(nil); err != nil {
		t.Fatalf("Append(nil): got %v, want nil", err)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify of empty journal: %v", err)
	}
}

// ReadTransient delivers what Read does; each payload is copied inside fn,
// where it is valid.
func TestReadTransientMatchesRead(t *testing.T) {
	j := openJournal(t, testOptions(t))
	for _, size := range []int{1, 64, 500} {
		appendN(t, j, 300, size)
	}
	j = reopen(t, j)
	for _, from := range []uint64{0, 1, 450, 900, 901} {
		var got []Record
		err := j.ReadTransient(from, func(r Record) error {
			r.Payload = append([]byte(nil), r.Payload...)
			got = append(got, r)
			return nil
		})
		if err != nil {
			t.Fatalf("ReadTransient(%d): %v", from, err)
		}
		if from > 900 {
			if len(got) != 0 {
				t.Fatalf("ReadTransient(LastSeq+1): got %d records, want 0", len(got))
			}
			continue
		}
		checkRecords(t, got, max(from, 1), 900)
	}
}

func TestAppendRejectsNonDense(t *testing.T) {
	for _, tc := range []struct {
		name string
		seqs []uint64 // after records 1..10
	}{
		{"gap", []uint64{12}},
		{"duplicate", []uint64{10}},
		{"restart at 1", []uint64{1}},
		{"out of order", []uint64{11, 13, 12}},
		{"duplicate in batch", []uint64{11, 12, 12}},
		{"gap in batch", []uint64{11, 12, 14}},
		{"zero", []uint64{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := openJournal(t, testOptions(t))
			appendN(t, j, 10, 10)
			seq, link := j.Head()
			recs := make([]Record, len(tc.seqs))
			for i, s := range tc.seqs {
				recs[i] = recordFor(s)
			}
			if err := j.Append(recs); !errors.Is(err, ErrSeq) {
				t.Fatalf("Append(seqs %v): got %v, want ErrSeq", tc.seqs, err)
			}
			if gotSeq, gotLink := j.Head(); gotSeq != seq || gotLink != link {
				t.Fatalf("Head after rejected Append: got %d %x, want %d %x", gotSeq, gotLink, seq, link)
			}
			checkRecords(t, readAll(t, j, 1), 1, 10)
			appendN(t, j, 1, 1) // the journal is still usable
		})
	}
}

func TestAppendRejectsOversizedPayload(t *testing.T) {
	j := openJournal(t, testOptions(t))
	recs := batch(1, 2)
	recs[1].Payload = make([]byte, MaxPayloadBytes+1)
	if err := j.Append(recs); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Append(payload of %d bytes): got %v, want ErrTooLarge", MaxPayloadBytes+1, err)
	}
	if got := j.LastSeq(); got != 0 {
		t.Fatalf("LastSeq after rejected Append: got %d, want 0", got)
	}
}

// TestAppendLargeRecords: records of tens of megabytes (an uncross of a
// large auction, a market-wide kill switch) are written, survive a reopen,
// read back whole by both readers and pass Verify, between small ones.
func TestAppendLargeRecords(t *testing.T) {
	j := openJournal(t, testOptions(t))
	sizes := []int{7 << 20, 100, 24 << 20}
	var want []Record
	for i, size := range sizes {
		p := make([]byte, size)
		for k := range min(size, 4093) {
			p[k] = byte(k*13 + i)
		}
		for k := 4093; k < size; k *= 2 { // a pattern that repeats every 4,093 bytes, cheaply
			copy(p[k:], p[:k])
		}
		want = append(want, Record{Seq: uint64(i + 1), TS: int64(i), Payload: p})
	}
	if err := j.Append(want[:2]); err != nil {
		t.Fatalf("Append of a 7 MB record and a small one: %v", err)
	}
	if err := j.Append(want[2:]); err != nil {
		t.Fatalf("Append of a 24 MB record: %v", err)
	}
	j = reopen(t, j)
	got := readAll(t, j, 1)
	if len(got) != len(want) {
		t.Fatalf("read %d records after reopen, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Seq != want[i].Seq || !bytes.Equal(got[i].Payload, want[i].Payload) {
			t.Fatalf("record %d: seq %d, %d bytes; want seq %d, %d bytes, equal", i, got[i].Seq, len(got[i].Payload), want[i].Seq, len(want[i].Payload))
		}
	}
	n := 0
	err := j.ReadTransient(1, func(r Record) error {
		if !bytes.Equal(r.Payload, want[n].Payload) {
			return fmt.Errorf("transient record %d differs", r.Seq)
		}
		n++
		return nil
	})
	if err != nil || n != len(want) {
		t.Fatalf("ReadTransient: %d records, %v", n, err)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// A batch over Badger's transaction limit must be split, not refused.
func TestAppendSplitsBigBatch(t *testing.T) {
	opts := testOptions(t)
	opts.MemTableBytes = minMemTableBytes // transaction limit ~150 KiB
	j := openJournal(t, opts)
	appendN(t, j, 1, 1)
	if got := j.commits.Load(); got != 1 {
		t.Fatalf("commits for a 1-record Append: got %d, want 1", got)
	}
	const n = 5000 // ~750 KiB of frames, five times the limit
	if err := j.Append(batch(2, n)); err != nil {
		t.Fatalf("Append(%d records): %v", n, err)
	}
	if got := j.commits.Load() - 1; got < 2 {
		t.Fatalf("commits for a %d-record Append: got %d, want it split into several", n, got)
	}
	j = reopen(t, j)
	checkRecords(t, readAll(t, j, 1), 1, n+1)
}

func TestReadStopsAtCallbackError(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 20, 20)
	stop := errors.New("stop")
	calls := 0
	err := j.Read(3, func(r Record) error {
		calls++
		if r.Seq == 7 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 5 {
		t.Fatalf("Read(3) stopping at 7: got err %v after %d calls, want %v after 5", err, calls, stop)
	}
}

// A reader that stops early, by error or by panic, while the fetching
// goroutine has filled every chunk and waits: each read returns, the
// fetcher is gone, and Close (which waits for readers) does not hang.
func TestReadStopsFetcher(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 3*fetchChunks*fetchChunkRecords, 500)
	before := runtime.NumGoroutine()
	stop := errors.New("stop")
	for _, read := range []func(uint64, func(Record) error) error{j.Read, j.ReadTransient} {
		if err := read(1, func(r Record) error {
			if r.Seq == 3 {
				return stop
			}
			return nil
		}); !errors.Is(err, stop) {
			t.Fatalf("read stopping at 3: %v, want %v", err, stop)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the visit's panic did not reach the caller")
				}
			}()
			_ = read(1, func(r Record) error {
				if r.Seq == 3 {
					panic("visit failed")
				}
				return nil
			})
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the reads, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error, 1)
	go func() { closed <- j.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs after the stopped reads")
	}
}

// The back office tails a live journal while the engine appends.
func TestReadConcurrentWithAppend(t *testing.T) {
	j := openJournal(t, testOptions(t))
	const n = 1000
	done := make(chan error, 1)
	go func() {
		for seq := uint64(1); seq <= n; seq += 5 {
			if err := j.Append(batch(seq, int(min(5, n-seq+1)))); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var got []Record
	deadline := time.Now().Add(20 * time.Second)
	for next := uint64(1); next <= n; next = uint64(len(got)) + 1 {
		if time.Now().After(deadline) {
			t.Fatalf("tail reached %d of %d records before the deadline", len(got), n)
		}
		if err := j.Read(next, func(r Record) error { got = append(got, r); return nil }); err != nil {
			t.Fatalf("Read(%d) while appending: %v", next, err)
		}
		runtime.Gosched()
	}
	if err := <-done; err != nil {
		t.Fatalf("Append: %v", err)
	}
	checkRecords(t, got, 1, n)
}

func TestClosed(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 3, 3)
	if err := j.SaveSnapshot(3, nil, []byte("s")); err != nil {
		t.Fatalf("SaveSnapshot: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	calls := map[string]error{
		"Append":        j.Append(batch(4, 1)),
		"Read":          j.Read(1, func(Record) error { return nil }),
		"Verify":        j.Verify(),
		"SaveSnapshot":  j.SaveSnapshot(3, nil, nil),
		"TruncateAfter": j.TruncateAfter(1),
		"Close":         j.Close(),
	}
	_, err := j.Snapshots()
	calls["Snapshots"] = err
	_, _, err = j.LoadSnapshot(3)
	calls["LoadSnapshot"] = err
	for name, err := range calls {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: got %v, want ErrClosed", name, err)
		}
	}
	if got := j.LastSeq(); got != 3 {
		t.Errorf("LastSeq after Close: got %d, want 3", got)
	}
}

func TestOpenValidatesOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"no dir", Options{}},
		{"tiny memtable", Options{Dir: t.TempDir(), MemTableBytes: 64 << 10}},
		{"unknown durability", Options{Dir: t.TempDir(), Durability: 7}},
	} {
		if j, err := Open(tc.opts); err == nil {
			j.Close()
			t.Errorf("Open(%s): got nil error, want one", tc.name)
		}
	}
}

func TestOpenRefusesForeignBadgerDir(t *testing.T) {
	dir := t.TempDir()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatalf("badger.Open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("badger Close: %v", err)
	}
	if j, err := Open(Options{Dir: dir, Logger: testOptions(t).Logger}); err == nil {
		j.Close()
		t.Fatalf("Open of a plain Badger directory: got nil error, want the magic version refused")
	}
}

func TestBadgerLoggerRoutesWarningsAndErrorsOnly(t *testing.T) {
	var lines []string
	l := badgerLogger{newRecordingLogger(&lines)}
	l.Debugf("debug %d\n", 1)
	l.Infof("info %d\n", 2)
	l.Warningf("warn %d\n", 3)
	l.Errorf("error %d\n", 4)
	want := []string{"WARN warn 3", "ERROR error 4"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("logged lines: got %q, want %q", lines, want)
	}
}

// TestDeferCompaction: a journal opened with compaction deferred runs no
// Badger compactor, reads and writes as usual, and after ResumeCompaction
// runs them again on the same records, head and hash chain intact.
func TestDeferCompaction(t *testing.T) {
	opts := testOptions(t)
	j := openJournal(t, opts)
	appendN(t, j, 300, 50)
	j.Close()
	opts.DeferCompaction = true
	j = openJournal(t, opts)
	if n := j.db.Opts().NumCompactors; n != 0 {
		t.Fatalf("deferred: Badger runs %d compactors, want 0", n)
	}
	checkRecords(t, readAll(t, j, 1), 1, 300)
	appendN(t, j, 20, 10)
	seq, link := j.Head()
	if err := j.ResumeCompaction(); err != nil {
		t.Fatal(err)
	}
	if n := j.db.Opts().NumCompactors; n != 2 {
		t.Fatalf("resumed: Badger runs %d compactors, want 2", n)
	}
	if gotSeq, gotLink := j.Head(); gotSeq != seq || gotLink != link {
		t.Fatalf("Head after resuming: %d %x, want %d %x", gotSeq, gotLink, seq, link)
	}
	appendN(t, j, 10, 10)
	checkRecords(t, readAll(t, j, 1), 1, 330)
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if err := j.ResumeCompaction(); err != nil {
		t.Errorf("a second ResumeCompaction: %v, want nothing to do", err)
	}
}
