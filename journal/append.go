package journal

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// maxArenaBytes bounds the frame arena Append keeps between calls; a larger
// batch allocates its own and the arena is dropped afterwards.
const maxArenaBytes = 1 << 20

// Append writes recs, whose seqs must run densely from LastSeq()+1, and
// returns once they are durable (see Durability). An invalid batch (ErrSeq,
// ErrTooLarge) writes nothing. An empty batch is a no-op.
//
// A batch normally goes in one Badger transaction with one sync. A batch
// larger than Badger's transaction limit (15% of MemTableBytes) is split,
// oldest records first, one sync per part: a crash part way leaves a dense
// prefix of the batch, which is acceptable because Append had not returned,
// so nothing in it was acknowledged.
//
// A write error is fail-stop: it and every later Append return ErrStopped,
// until the journal is reopened or TruncateAfter re-reads the tail, because
// the journal no longer knows what reached the disk.
//
// Append does not keep recs or their payloads. It is meant for one
// goroutine, the engine loop, which owns the sequence: concurrent calls are
// serialised, so they are safe, but only one caller can know LastSeq()+1.
func (j *Journal) Append(recs []Record) error {
	if err := j.enter(); err != nil {
		return err
	}
	defer j.life.RUnlock()
	if len(recs) == 0 {
		return nil
	}
	j.wmu.Lock()
	defer j.wmu.Unlock()
	if j.stopErr != nil {
		return j.stopErr
	}
	t := j.tail.Load()
	if err := checkBatch(recs, t.seq); err != nil {
		return err
	}
	next, err := j.write(recs, t.link)
	if err != nil {
		j.stopErr = fmt.Errorf("%w: %w", ErrStopped, err)
		return j.stopErr
	}
	j.tail.Store(&next)
	return nil
}

// checkBatch rejects a batch that does not continue last densely or holds an
// oversized payload.
func checkBatch(recs []Record, last uint64) error {
	for i, r := range recs {
		if want := last + 1 + uint64(i); r.Seq != want {
			return fmt.Errorf("%w: record %d of the batch has seq %d, want %d", ErrSeq, i, r.Seq, want)
		}
		if len(r.Payload) > MaxPayloadBytes {
			return fmt.Errorf("%w: record %d payload is %d bytes, limit %d",
				ErrTooLarge, r.Seq, len(r.Payload), MaxPayloadBytes)
		}
	}
	return nil
}

// write frames recs onto link and commits them. Keys and frames are carved
// from one arena; Badger holds the slices until Commit returns (it copies
// them into its WAL and memtable), after which the arena is reused.
func (j *Journal) write(recs []Record, link Link) (tail, error) {
	buf := j.arena(recs)
	w := newTxnWriter(j.db)
	defer w.discard()
	for _, r := range recs {
		rec := appendFrame(appendKey(buf, prefixRecord, r.Seq), r, link)
		key, frame := rec[:keySize:keySize], rec[keySize:]
		buf = rec[len(rec):] // the next record goes after this one's slices
		link = linkOf(frame)
		if err := w.set(key, frame); err != nil {
			return tail{}, fmt.Errorf("journal: append record %d: %w", r.Seq, err)
		}
	}
	err := w.finish()
	j.commits.Add(uint64(w.commits))
	if err != nil {
		return tail{}, fmt.Errorf("journal: commit records %d-%d: %w", recs[0].Seq, recs[len(recs)-1].Seq, err)
	}
	return tail{seq: recs[len(recs)-1].Seq, link: link}, nil
}

// arena returns an empty buffer with room for recs' keys and frames.
func (j *Journal) arena(recs []Record) []byte {
	need := 0
	for _, r := range recs {
		need += keySize + frameSize(len(r.Payload))
	}
	if cap(j.buf) < need {
		j.buf = make([]byte, 0, need)
	}
	buf := j.buf[:0]
	if cap(j.buf) > maxArenaBytes {
		j.buf = nil
	}
	return buf
}

// txnWriter feeds sets and deletes into as few Badger transactions as the
// transaction size limit allows, committing each in order as it fills.
// Badger's WriteBatch does the same but commits asynchronously and merges
// errors; a plain loop keeps the order of commits obvious, which
// TruncateAfter's crash safety depends on.
type txnWriter struct {
	db      *badger.DB
	txn     *badger.Txn
	commits int
}

func newTxnWriter(db *badger.DB) *txnWriter {
	return &txnWriter{db: db, txn: db.NewTransaction(true)}
}

func (w *txnWriter) set(key, val []byte) error {
	err := w.txn.Set(key, val)
	if !errors.Is(err, badger.ErrTxnTooBig) {
		return err
	}
	if err := w.rotate(); err != nil {
		return err
	}
	return w.txn.Set(key, val)
}

func (w *txnWriter) delete(key []byte) error {
	err := w.txn.Delete(key)
	if !errors.Is(err, badger.ErrTxnTooBig) {
		return err
	}
	if err := w.rotate(); err != nil {
		return err
	}
	return w.txn.Delete(key)
}

// rotate commits the full transaction and starts the next.
func (w *txnWriter) rotate() error {
	if err := w.finish(); err != nil {
		return err
	}
	w.txn = w.db.NewTransaction(true)
	return nil
}

// finish commits the current transaction.
func (w *txnWriter) finish() error {
	w.commits++
	return w.txn.Commit()
}

// discard releases an uncommitted transaction; after finish it is a no-op.
func (w *txnWriter) discard() { w.txn.Discard() }
