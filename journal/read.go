package journal

import (
	"bytes"

	"github.com/dgraph-io/badger/v4"
)

// Read calls fn for each record from seq from (0 means 1) to the LastSeq
// current when Read starts, in order, verifying each record's CRC, its seq
// and its link to the one before on the way. It returns the first
// *CorruptError found, or fn's error unchanged, which also stops it.
//
// Read may run in any number of goroutines concurrently with Append: it
// reads a Badger MVCC snapshot and only up to records whose Append has
// returned. A live tail is a loop of Read(last+1, fn). fn may keep Payload
// (it shares a 64 KiB block with its neighbours, which it keeps alive). fn
// must not call Close, which waits for Read to return.
func (j *Journal) Read(from uint64, fn func(Record) error) error {
	if err := j.enter(); err != nil {
		return err
	}
	defer j.life.RUnlock()
	var s slab
	return j.scan(from, func(f frame) error {
		return fn(Record{Seq: f.seq, TS: f.ts, Payload: s.clone(f.payload)})
	})
}

// ReadTransient is Read without the copy: Payload points into Badger's
// buffers and is valid only until fn returns. It checks everything Read
// checks. It is for readers that decode each record on the spot, such as
// recovery at startup, where copying every payload cost time and, worse,
// made garbage that the collector had to trace against the whole engine.
func (j *Journal) ReadTransient(from uint64, fn func(Record) error) error {
	if err := j.enter(); err != nil {
		return err
	}
	defer j.life.RUnlock()
	return j.scan(from, func(f frame) error {
		n := len(f.payload)
		return fn(Record{Seq: f.seq, TS: f.ts, Payload: f.payload[:n:n]}) // capped, as in Read
	})
}

// slabBytes is the block size from which Read carves payload copies.
const slabBytes = 64 << 10

// slab copies payloads into shared blocks so that Read allocates once per
// block rather than once per record: at a million records a second, an
// allocation each was a measurable share of Read's time. A payload the
// caller keeps pins its block, so at most slabBytes per kept payload.
type slab struct{ buf []byte }

func (s *slab) clone(p []byte) []byte {
	if len(p) > slabBytes/8 {
		return bytes.Clone(p)
	}
	if cap(s.buf)-len(s.buf) < len(p) {
		s.buf = make([]byte, 0, slabBytes)
	}
	start := len(s.buf)
	s.buf = append(s.buf, p...)
	return s.buf[start:len(s.buf):len(s.buf)] // capped: an append by fn must not spill into the next
}

// Verify scans every record as Read does, then checks every snapshot's CRC.
// It returns the first *CorruptError found.
func (j *Journal) Verify() error {
	if err := j.enter(); err != nil {
		return err
	}
	defer j.life.RUnlock()
	if err := j.scan(1, func(frame) error { return nil }); err != nil {
		return err
	}
	return j.verifySnapshots()
}

// scan visits records from..LastSeq; f.payload is only valid during visit.
func (j *Journal) scan(from uint64, visit func(f frame) error) error {
	from = max(from, 1)
	// The limit is read before the Badger snapshot is taken, so every record
	// up to it is in the snapshot: one missing is corruption, not a race.
	limit := j.LastSeq()
	if from > limit {
		return nil
	}
	return j.db.View(func(txn *badger.Txn) error {
		c, err := newChain(txn, from)
		if err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixRecord}})
		defer it.Close()
		it.Seek(recordKey(from))
		return c.walk(it, limit, visit)
	})
}

// chain checks that records arrive densely and each links to the previous.
type chain struct {
	next uint64 // the seq the next record must have
	link Link   // the link it must carry
}

// newChain starts a check at from, taking the expected link from record
// from-1 (which must exist and pass its CRC) or the zero genesis link.
func newChain(txn *badger.Txn, from uint64) (*chain, error) {
	c := &chain{next: from}
	if from > 1 {
		raw, _, err := getRecord(txn, from-1)
		if err != nil {
			return nil, err
		}
		c.link = linkOf(raw)
	}
	return c, nil
}

// walk checks and visits records from the iterator's position to limit.
func (c *chain) walk(it *badger.Iterator, limit uint64, visit func(frame) error) error {
	for ; c.next <= limit; it.Next() {
		if !it.Valid() {
			return corruptRecord(c.next, "missing (journal ends at %d)", c.next-1)
		}
		if err := c.step(it.Item(), visit); err != nil {
			return err
		}
	}
	return nil
}

// step checks one item against the chain, visits it and advances the
// chain. The value is checked in place, inside Badger's callback, to save
// copying every frame once more.
func (c *chain) step(item *badger.Item, visit func(frame) error) error {
	seq, ok := parseKey(item.Key(), prefixRecord)
	if !ok {
		return corruptRecord(c.next, "malformed key %x where record is expected", item.Key())
	}
	if seq != c.next {
		return corruptRecord(c.next, "missing (next stored record is %d)", seq)
	}
	return item.Value(func(v []byte) error {
		f, err := checkFrame(seq, v)
		if err != nil {
			return err
		}
		if f.prev != c.link {
			return linkMismatch(seq)
		}
		c.link = linkOf(v)
		c.next++
		return visit(f)
	})
}
