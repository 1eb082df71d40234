package journal

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// TruncateAfter deletes every record after seq, and every snapshot after
// seq, so that seq becomes the last record (0 empties the journal). It is
// the explicit tool for a tail that was never acknowledged: the records of
// an Append that did not return, or a damaged tail found by Open in Repair
// mode. Record seq must pass its checks; it becomes the chain head.
//
// It deletes what is on disk, not what LastSeq says, so it also clears a
// journal stopped by a failed write, and then lifts ErrStopped. A Read
// running while records are deleted may report them missing.
func (j *Journal) TruncateAfter(seq uint64) error {
	if err := j.enter(); err != nil {
		return err
	}
	defer j.life.RUnlock()
	j.wmu.Lock()
	defer j.wmu.Unlock()
	j.snapMu.Lock()
	defer j.snapMu.Unlock()
	t, last, err := j.truncationPoint(seq)
	if err != nil {
		return err
	}
	if err := j.truncate(seq, last); err != nil {
		j.stopErr = fmt.Errorf("%w: %w", ErrStopped, err)
		return err
	}
	j.tail.Store(&t)
	j.stopErr = nil
	return nil
}

// truncationPoint verifies record seq and finds the newest stored record.
func (j *Journal) truncationPoint(seq uint64) (t tail, last uint64, err error) {
	err = j.db.View(func(txn *badger.Txn) error {
		if last, err = newestRecord(txn); err != nil {
			return err
		}
		if seq > last {
			return fmt.Errorf("%w: truncate after %d, beyond the last record %d", ErrSeq, seq, last)
		}
		t, err = tailAt(txn, seq)
		return err
	})
	return t, last, err
}

// truncate deletes snapshots after seq, then records from last down to
// seq+1. With many records the deletes span several transactions; in this
// order a crash part way always leaves a dense journal, and no snapshot of
// state that includes a deleted record.
func (j *Journal) truncate(seq, last uint64) error {
	if err := j.deleteSnapshotsAfter(seq); err != nil {
		return fmt.Errorf("journal: truncate snapshots after %d: %w", seq, err)
	}
	w := newTxnWriter(j.db)
	defer w.discard()
	defer func() { j.commits.Add(uint64(w.commits)) }()
	for s := last; s > seq; s-- {
		if err := w.delete(recordKey(s)); err != nil {
			return fmt.Errorf("journal: truncate record %d: %w", s, err)
		}
	}
	if err := w.finish(); err != nil {
		return fmt.Errorf("journal: truncate after %d: %w", seq, err)
	}
	return nil
}

func (j *Journal) deleteSnapshotsAfter(seq uint64) error {
	seqs, err := j.snapshotSeqs()
	if err != nil {
		return err
	}
	n := 0
	for n < len(seqs) && seqs[n] > seq { // newest first
		n++
	}
	return j.deleteSnapshots(seqs[:n])
}
