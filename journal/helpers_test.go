package journal

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

const testPayloadBytes = 100

// testOptions is a quiet, Async journal in a fresh directory: most tests are
// about format and checks, not fsync, and Async keeps them quick.
func testOptions(t testing.TB) Options {
	return Options{Dir: t.TempDir(), Durability: Async, Logger: slog.New(slog.DiscardHandler)}
}

// openJournal opens opts and closes the journal when the test ends.
func openJournal(t testing.TB, opts Options) *Journal {
	t.Helper()
	j, err := Open(opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", opts.Dir, err)
	}
	t.Cleanup(func() {
		if err := j.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return j
}

// reopen closes j and opens its directory again with the same options.
func reopen(t testing.TB, j *Journal) *Journal {
	t.Helper()
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openJournal(t, j.opts)
}

// payloadFor is a deterministic payload, different for every seq.
func payloadFor(seq uint64) []byte {
	p := make([]byte, testPayloadBytes)
	for i := range p {
		p[i] = byte(seq*31 + uint64(i)*7)
	}
	return p
}

func recordFor(seq uint64) Record {
	return Record{Seq: seq, TS: int64(seq) * 1_000_000, Payload: payloadFor(seq)}
}

// batch returns records from..from+n-1.
func batch(from uint64, n int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = recordFor(from + uint64(i))
	}
	return recs
}

// appendN appends n records after LastSeq in batches of at most size.
func appendN(t testing.TB, j *Journal, n, size int) {
	t.Helper()
	for n > 0 {
		k := min(n, size)
		if err := j.Append(batch(j.LastSeq()+1, k)); err != nil {
			t.Fatalf("Append %d records after %d: %v", k, j.LastSeq(), err)
		}
		n -= k
	}
}

// readAll returns every record from from on.
func readAll(t testing.TB, j *Journal, from uint64) []Record {
	t.Helper()
	var got []Record
	if err := j.Read(from, func(r Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("Read(%d): %v", from, err)
	}
	return got
}

// checkRecords fails unless recs are exactly recordFor(from..to).
func checkRecords(t testing.TB, recs []Record, from, to uint64) {
	t.Helper()
	if want := int(to - from + 1); len(recs) != want {
		t.Fatalf("read %d records, want %d (%d..%d)", len(recs), want, from, to)
	}
	for i, got := range recs {
		want := recordFor(from + uint64(i))
		if got.Seq != want.Seq || got.TS != want.TS || !bytes.Equal(got.Payload, want.Payload) {
			t.Fatalf("record %d: got seq %d ts %d payload %x, want seq %d ts %d payload %x",
				i, got.Seq, got.TS, got.Payload, want.Seq, want.TS, want.Payload)
		}
	}
}

// rawGet reads a stored value behind the journal's back.
func rawGet(t testing.TB, j *Journal, key []byte) []byte {
	t.Helper()
	var v []byte
	err := j.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err == nil {
			v, err = item.ValueCopy(nil)
		}
		return err
	})
	if err != nil {
		t.Fatalf("raw get %x: %v", key, err)
	}
	return v
}

// rawSet overwrites a stored value behind the journal's back.
func rawSet(t testing.TB, j *Journal, key, val []byte) {
	t.Helper()
	if err := j.db.Update(func(txn *badger.Txn) error { return txn.Set(key, val) }); err != nil {
		t.Fatalf("raw set %x: %v", key, err)
	}
}

// rawDelete deletes a key behind the journal's back.
func rawDelete(t testing.TB, j *Journal, key []byte) {
	t.Helper()
	if err := j.db.Update(func(txn *badger.Txn) error { return txn.Delete(key) }); err != nil {
		t.Fatalf("raw delete %x: %v", key, err)
	}
}

// wantCorrupt fails unless err is a *CorruptError naming seq.
func wantCorrupt(t testing.TB, what string, err error, seq uint64) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%s: got %v, want a *CorruptError for seq %d", what, err, seq)
	}
	if ce.Seq != seq {
		t.Fatalf("%s: got corrupt seq %d (%v), want %d", what, ce.Seq, err, seq)
	}
}

// recordingHandler keeps "LEVEL message" for each log record.
type recordingHandler struct{ lines *[]string }

func (h recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordingHandler) WithGroup(string) slog.Handler            { return h }

func (h recordingHandler) Handle(_ context.Context, r slog.Record) error {
	*h.lines = append(*h.lines, r.Level.String()+" "+r.Message)
	return nil
}

func newRecordingLogger(lines *[]string) *slog.Logger { return slog.New(recordingHandler{lines}) }
