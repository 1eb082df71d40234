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
//
// It is a two-stage pipeline: a goroutine walks Badger's iterator and
// copies raw frames into chunks, while the caller's goroutine checks each
// frame (CRC, seq, link) and visits it. At startup, recovery decodes and
// applies on a third goroutine; with Badger's iteration on its own, no stage
// is much slower than another and all cores stay busy. Errors keep their
// order: a record is visited only after every record before it passed, and
// the first problem met is the one returned.
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
		p := newFetch()
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.run(txn, from, limit)
		}()
		// Deferred, so that even a panicking visit leaves with the
		// iterator closed before the transaction ends.
		defer func() {
			close(p.stop)
			<-done
		}()
		return c.consume(p, visit)
	})
}

// fetchChunkRecords is how many frames a chunk carries between the stages:
// enough to make the hand-off rare, few enough to keep a chunk in cache.
const (
	fetchChunkRecords = 512
	fetchChunks       = 4
)

// fetchChunk is a run of consecutive raw frames, copied out of Badger.
type fetchChunk struct {
	buf  []byte
	ends []int    // frame i is buf[ends[i-1]:ends[i]]
	seqs []uint64 // frame i's seq (its key)
	err  error    // after the frames: what stopped the walk
}

func (ch *fetchChunk) frame(i int) []byte {
	start := 0
	if i > 0 {
		start = ch.ends[i-1]
	}
	return ch.buf[start:ch.ends[i]:ch.ends[i]]
}

// fetch is the iterator stage of scan: full carries chunks to the checker,
// free brings them back, stop tells the iterator the checker gave up.
type fetch struct {
	full, free chan *fetchChunk
	stop       chan struct{}
}

func newFetch() *fetch {
	p := &fetch{
		full: make(chan *fetchChunk, fetchChunks),
		free: make(chan *fetchChunk, fetchChunks),
		stop: make(chan struct{}),
	}
	for range fetchChunks {
		p.free <- &fetchChunk{}
	}
	return p
}

// run walks the records from..limit and sends them in chunks, checking
// only that the keys are dense; it closes full at the end.
func (p *fetch) run(txn *badger.Txn, from, limit uint64) {
	defer close(p.full)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixRecord}})
	defer it.Close()
	it.Seek(recordKey(from))
	for next := from; next <= limit; {
		var ch *fetchChunk
		select {
		case ch = <-p.free:
		case <-p.stop:
			return
		}
		ch.buf, ch.ends, ch.seqs, ch.err = ch.buf[:0], ch.ends[:0], ch.seqs[:0], nil
		for ; len(ch.seqs) < fetchChunkRecords && next <= limit; it.Next() {
			if ch.err = p.copyItem(it, next, ch); ch.err != nil {
				break
			}
			next++
		}
		select {
		case p.full <- ch:
		case <-p.stop:
			return
		}
		if ch.err != nil {
			return
		}
	}
}

// copyItem appends the iterator's current record, which must be next's, to
// ch.
func (p *fetch) copyItem(it *badger.Iterator, next uint64, ch *fetchChunk) error {
	if !it.Valid() {
		return corruptRecord(next, "missing (journal ends at %d)", next-1)
	}
	item := it.Item()
	seq, ok := parseKey(item.Key(), prefixRecord)
	if !ok {
		return corruptRecord(next, "malformed key %x where record is expected", item.Key())
	}
	if seq != next {
		return corruptRecord(next, "missing (next stored record is %d)", seq)
	}
	return item.Value(func(v []byte) error {
		ch.buf = append(ch.buf, v...)
		ch.ends = append(ch.ends, len(ch.buf))
		ch.seqs = append(ch.seqs, seq)
		return nil
	})
}

// consume checks and visits the frames p fetches, in order.
func (c *chain) consume(p *fetch, visit func(frame) error) error {
	for ch := range p.full {
		for i, seq := range ch.seqs {
			if err := c.accept(seq, ch.frame(i), visit); err != nil {
				return err
			}
		}
		if ch.err != nil {
			return ch.err
		}
		p.free <- ch // never blocks: there are only fetchChunks chunks
	}
	return nil
}

// chain checks that each record links to the previous (the fetcher has
// already checked that their keys are dense).
type chain struct {
	link Link // the link the next record must carry
}

// newChain starts a check at from, taking the expected link from record
// from-1 (which must exist and pass its CRC) or the zero genesis link.
func newChain(txn *badger.Txn, from uint64) (*chain, error) {
	c := &chain{}
	if from > 1 {
		raw, _, err := getRecord(txn, from-1)
		if err != nil {
			return nil, err
		}
		c.link = linkOf(raw)
	}
	return c, nil
}

// accept checks the frame stored under seq against the chain, visits it
// and advances the chain.
func (c *chain) accept(seq uint64, v []byte, visit func(frame) error) error {
	f, err := checkFrame(seq, v)
	if err != nil {
		return err
	}
	if f.prev != c.link {
		return linkMismatch(seq)
	}
	c.link = linkOf(v)
	return visit(f)
}
