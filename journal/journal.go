package journal

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
)

// Record is one journal entry. Payload is opaque to the journal.
type Record struct {
	Seq     uint64
	TS      int64 // unix nanoseconds, stamped by the caller
	Payload []byte
}

// Journal is an open journal directory. See the package documentation for
// which methods may run concurrently.
//
// Locks: life is held shared by every call and exclusively by Close, so
// Close waits for calls in flight and no call touches a closed Badger.
// wmu serialises the record writers (Append, TruncateAfter) and guards
// stopErr and buf. snapMu serialises SaveSnapshot's write-then-prune
// against TruncateAfter's snapshot deletes; it is separate from wmu so that
// writing a large snapshot never holds up Append. The order is wmu, then
// snapMu. Readers take neither: they load the tail atomically and read a
// Badger MVCC snapshot.
type Journal struct {
	db   *badger.DB
	opts Options

	life   sync.RWMutex
	closed bool // guarded by life

	wmu     sync.Mutex
	stopErr error  // guarded by wmu: non-nil refuses Append
	buf     []byte // guarded by wmu: key and frame arena reused across Appends

	snapMu sync.Mutex

	// tail is the last durable record, published after each Append so that
	// LastSeq and Head never take a lock.
	tail atomic.Pointer[tail]

	// commits counts the Badger transactions Append and TruncateAfter have
	// committed for records; each is one sync in Durable mode. Tests use it
	// to see large batches split.
	commits atomic.Uint64
}

// tail is the newest record's seq and the link the next record must carry.
type tail struct {
	seq  uint64
	link Link
}

// Open opens or creates the journal in opts.Dir. It checks the newest record
// (its CRC and its link to the one before) and recovers LastSeq and the chain
// head from it; it does not scan the whole journal (Verify does). A damaged
// tail is a *CorruptError unless opts.Repair is set.
func Open(opts Options) (*Journal, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := removeTornFiles(opts.Dir); err != nil {
		return nil, err
	}
	prefetchTableFooters(opts.Dir)
	db, err := badger.Open(badgerOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", opts.Dir, err)
	}
	j := &Journal{db: db, opts: opts}
	if err := j.recoverTail(); err != nil {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return nil, err
	}
	return j, nil
}

// recoverTail sets the tail from the newest stored record.
func (j *Journal) recoverTail() error {
	var t tail
	err := j.db.View(func(txn *badger.Txn) error {
		last, err := newestRecord(txn)
		if err != nil {
			return err
		}
		t.seq = last // kept in Repair mode even if the check below fails
		got, err := tailAt(txn, last)
		if err == nil {
			t = got
		}
		return err
	})
	if err != nil && j.opts.Repair && errors.Is(err, ErrCorrupt) {
		j.stopErr = fmt.Errorf("%w: %w", ErrStopped, err)
		err = nil
	}
	j.tail.Store(&t)
	return err
}

// Close waits for calls in flight and closes Badger. Later calls, including
// a second Close, return ErrClosed.
func (j *Journal) Close() error {
	j.life.Lock()
	defer j.life.Unlock()
	if j.closed {
		return ErrClosed
	}
	j.closed = true
	if err := j.db.Close(); err != nil {
		return fmt.Errorf("journal: close: %w", err)
	}
	return nil
}

// ResumeCompaction ends what Options.DeferCompaction began: Badger cannot
// start compactors on an open store, so it closes the store and opens it
// again with them (tens of milliseconds: the memtable is flushed, the
// manifest read). Nothing else may use the journal meanwhile; it holds the
// lifetime lock. It does nothing if compaction was not deferred. On an
// error the journal is closed.
func (j *Journal) ResumeCompaction() error {
	j.life.Lock()
	defer j.life.Unlock()
	switch {
	case j.closed:
		return ErrClosed
	case !j.opts.DeferCompaction:
		return nil
	}
	j.closed = true // until the store is open again
	if err := j.db.Close(); err != nil {
		return fmt.Errorf("journal: close to resume compaction: %w", err)
	}
	j.opts.DeferCompaction = false
	db, err := badger.Open(badgerOptions(j.opts))
	if err != nil {
		return fmt.Errorf("journal: reopen %s with compaction: %w", j.opts.Dir, err)
	}
	j.db, j.closed = db, false
	return nil
}

// enter takes the shared lifetime lock for one call. The caller must call
// j.life.RUnlock when enter returns nil.
func (j *Journal) enter() error {
	j.life.RLock()
	if j.closed {
		j.life.RUnlock()
		return ErrClosed
	}
	return nil
}

// LastSeq is the seq of the newest record, 0 for an empty journal. Safe to
// call from any goroutine at any time.
func (j *Journal) LastSeq() uint64 { return j.tail.Load().seq }

// Head returns LastSeq and the link the next record will carry, as one
// consistent pair. Publishing the link outside the journal (an end-of-day
// report, a snapshot, a replica) anchors the chain: any later rewrite of
// history up to seq, including dropping records from the tail, no longer
// reproduces it.
func (j *Journal) Head() (seq uint64, link Link) {
	t := j.tail.Load()
	return t.seq, t.link
}

// newestRecord returns the greatest record seq stored, 0 if none.
func newestRecord(txn *badger.Txn) (uint64, error) {
	it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: []byte{prefixRecord}})
	defer it.Close()
	it.Seek(lastKey(prefixRecord))
	if !it.Valid() {
		return 0, nil
	}
	seq, ok := parseKey(it.Item().Key(), prefixRecord)
	if !ok {
		return 0, corruptRecord(0, "malformed record key %x", it.Item().Key())
	}
	return seq, nil
}

// tailAt verifies record seq, and its link to seq-1, and returns the tail
// that ends at it. seq 0 is the empty journal.
func tailAt(txn *badger.Txn, seq uint64) (tail, error) {
	if seq == 0 {
		return tail{}, nil
	}
	raw, f, err := getRecord(txn, seq)
	if err != nil {
		return tail{}, err
	}
	var want Link // the genesis link, for seq 1
	if seq > 1 {
		prev, _, err := getRecord(txn, seq-1)
		if err != nil {
			return tail{}, err
		}
		want = linkOf(prev)
	}
	if f.prev != want {
		return tail{}, linkMismatch(seq)
	}
	return tail{seq: seq, link: linkOf(raw)}, nil
}

// getRecord reads and checks one record by key. raw is a copy of the stored
// frame; f aliases it.
func getRecord(txn *badger.Txn, seq uint64) (raw []byte, f frame, err error) {
	item, err := txn.Get(recordKey(seq))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, frame{}, corruptRecord(seq, "missing")
	}
	if err != nil {
		return nil, frame{}, fmt.Errorf("journal: read record %d: %w", seq, err)
	}
	if raw, err = item.ValueCopy(nil); err != nil {
		return nil, frame{}, fmt.Errorf("journal: read record %d: %w", seq, err)
	}
	f, err = checkFrame(seq, raw)
	return raw, f, err
}

// checkFrame decodes the frame stored under seq's key and checks that it
// holds that seq (a value moved to another key has a valid CRC).
func checkFrame(seq uint64, raw []byte) (frame, error) {
	f, err := decodeFrame(raw)
	if err != nil {
		return frame{}, corruptRecord(seq, "%v", err)
	}
	if f.seq != seq {
		return frame{}, corruptRecord(seq, "frame holds seq %d", f.seq)
	}
	return f, nil
}

// linkMismatch reports a record whose link is not the one its predecessor
// (or, for seq 1, the genesis) implies: a record before it was replaced or
// removed, or it was.
func linkMismatch(seq uint64) error {
	if seq == 1 {
		return corruptRecord(seq, "chain link is not the genesis link")
	}
	return corruptRecord(seq, "chain link does not match record %d", seq-1)
}
