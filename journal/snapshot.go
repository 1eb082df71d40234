package journal

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// SnapshotInfo describes a stored snapshot, as listed by Snapshots.
type SnapshotInfo struct {
	Seq       uint64 // the last record the snapshotted state includes
	StateHash []byte // nil if the header is unreadable; LoadSnapshot says why
	Bytes     int    // length of the data; -1 if the header is unreadable
}

// gcDiscardRatio is how much of a value-log file must be dead (old
// snapshots) before a GC pass rewrites its live part elsewhere.
const gcDiscardRatio = 0.5

// SaveSnapshot stores data, the caller's serialised state after record seq,
// with stateHash, as one atomic and (in Durable mode) synced write, then
// deletes all but the newest Options.KeepSnapshots snapshots. seq must not
// exceed LastSeq. A snapshot at an existing seq replaces it. Safe to call
// concurrently with Append and Read: a snapshot goroutine can write a large
// snapshot without holding up the engine's appends.
func (j *Journal) SaveSnapshot(seq uint64, stateHash, data []byte) error {
	if err := checkSnapshotSize(stateHash, data); err != nil {
		return err
	}
	if err := j.enter(); err != nil {
		return err
	}
	defer j.life.RUnlock()
	j.snapMu.Lock()
	defer j.snapMu.Unlock()
	if last := j.LastSeq(); seq > last {
		return fmt.Errorf("%w: snapshot at %d is beyond the last record %d", ErrSeq, seq, last)
	}
	frame := encodeSnapshot(seq, stateHash, data)
	err := j.db.Update(func(txn *badger.Txn) error {
		return txn.Set(appendKey(nil, prefixSnapshot, seq), frame)
	})
	if err != nil {
		return fmt.Errorf("journal: save snapshot %d: %w", seq, err)
	}
	return j.pruneSnapshots()
}

func checkSnapshotSize(stateHash, data []byte) error {
	if len(stateHash) > MaxStateHashBytes {
		return fmt.Errorf("%w: state hash is %d bytes, limit %d", ErrTooLarge, len(stateHash), MaxStateHashBytes)
	}
	if len(data) > MaxSnapshotBytes {
		return fmt.Errorf("%w: snapshot is %d bytes, limit %d", ErrTooLarge, len(data), MaxSnapshotBytes)
	}
	return nil
}

// pruneSnapshots keeps the newest KeepSnapshots. Deleting a snapshot only
// marks its value-log space dead; one GC pass then tries to reclaim a file
// that is mostly dead, so old snapshots do not pile up on disk. A failed GC
// pass is logged, not returned: the snapshot itself was saved.
func (j *Journal) pruneSnapshots() error {
	seqs, err := j.snapshotSeqs()
	if err != nil || len(seqs) <= j.opts.KeepSnapshots {
		return err
	}
	if err := j.deleteSnapshots(seqs[j.opts.KeepSnapshots:]); err != nil {
		return fmt.Errorf("journal: prune snapshots: %w", err)
	}
	err = j.db.RunValueLogGC(gcDiscardRatio)
	if err != nil && !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
		j.opts.Logger.Warn("journal value log gc failed", "err", err)
	}
	return nil
}

// Snapshots lists the stored snapshots, newest first. It reads headers only
// and does not check CRCs; LoadSnapshot does.
func (j *Journal) Snapshots() ([]SnapshotInfo, error) {
	if err := j.enter(); err != nil {
		return nil, err
	}
	defer j.life.RUnlock()
	var infos []SnapshotInfo
	err := j.eachSnapshot(func(seq uint64, item *badger.Item) error {
		info := SnapshotInfo{Seq: seq, Bytes: -1}
		err := item.Value(func(v []byte) error {
			if s, err := parseSnapshotHeader(v); err == nil {
				info.StateHash, info.Bytes = append([]byte(nil), s.hash...), len(s.data)
			}
			return nil
		})
		infos = append(infos, info)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("journal: list snapshots: %w", err)
	}
	return infos, nil
}

// LoadSnapshot returns the data and state hash stored at seq after checking
// the snapshot's CRC: ErrNoSnapshot if there is none, a *CorruptError
// (Snapshot set) if it is damaged.
func (j *Journal) LoadSnapshot(seq uint64) (data, stateHash []byte, err error) {
	if err := j.enter(); err != nil {
		return nil, nil, err
	}
	defer j.life.RUnlock()
	var raw []byte
	err = j.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(appendKey(nil, prefixSnapshot, seq))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("%w: seq %d", ErrNoSnapshot, seq)
		}
		if err == nil {
			raw, err = item.ValueCopy(nil)
		}
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("journal: load snapshot: %w", err)
	}
	s, err := checkSnapshot(seq, raw)
	return s.data, s.hash, err
}

// checkSnapshot decodes the snapshot stored under seq's key.
func checkSnapshot(seq uint64, raw []byte) (snapshot, error) {
	s, err := decodeSnapshot(raw)
	if err != nil {
		return snapshot{}, corruptSnapshot(seq, "%v", err)
	}
	if s.seq != seq {
		return snapshot{}, corruptSnapshot(seq, "frame holds seq %d", s.seq)
	}
	return s, nil
}

// verifySnapshots checks every snapshot's CRC, newest first.
func (j *Journal) verifySnapshots() error {
	return j.eachSnapshot(func(seq uint64, item *badger.Item) error {
		return item.Value(func(v []byte) error {
			_, err := checkSnapshot(seq, v)
			return err
		})
	})
}

// snapshotSeqs lists stored snapshot seqs, newest first.
func (j *Journal) snapshotSeqs() ([]uint64, error) {
	var seqs []uint64
	err := j.eachSnapshot(func(seq uint64, _ *badger.Item) error {
		seqs = append(seqs, seq)
		return nil
	})
	return seqs, err
}

// eachSnapshot calls fn for each snapshot key, newest first.
func (j *Journal) eachSnapshot(fn func(seq uint64, item *badger.Item) error) error {
	return j.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: []byte{prefixSnapshot}})
		defer it.Close()
		for it.Seek(lastKey(prefixSnapshot)); it.Valid(); it.Next() {
			seq, ok := parseKey(it.Item().Key(), prefixSnapshot)
			if !ok {
				return corruptSnapshot(0, "malformed snapshot key %x", it.Item().Key())
			}
			if err := fn(seq, it.Item()); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteSnapshots deletes the snapshots at seqs.
func (j *Journal) deleteSnapshots(seqs []uint64) error {
	w := newTxnWriter(j.db)
	defer w.discard()
	for _, seq := range seqs {
		if err := w.delete(appendKey(nil, prefixSnapshot, seq)); err != nil {
			return err
		}
	}
	return w.finish()
}
