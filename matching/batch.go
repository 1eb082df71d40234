package matching

import (
	"slices"
	"time"

	"github.com/mts-krx/mts/internal/hugepage"
)

// Batch is one group of commands the loop applied together and journals
// with one sync, and the reads that ran between them. A Publisher sees its
// commands after it is durable; all of it is reused for a later batch once
// Publish returns.
type Batch struct {
	reqs   []*Request // commands and reads, in input order
	cmdOf  []int      // cmdOf[i] is request i's index in cmds, or -1 for a read
	cmds   []Command
	ends   []int   // ends[i] is the end of command i's events in events
	events []Event // copies: the engine's slice is reused by every Apply
	// whole holds the events of commands that produced too many to copy
	// (an uncross's): the engine gave their array up (Engine.disown), and
	// their span in events is empty.
	whole   []wholeEvents
	nWhole  int    // events in whole
	buf     []byte // encoded records, back to back
	offs    []int  // offs[i] is where record i starts in buf
	records []Record

	snapshot []byte // engine snapshot taken after this batch, if any
	snapSeq  uint64
	snapHash [32]byte

	applying time.Duration // the apply goroutine's time filling it (CommitStats.Apply)
}

// recordBytesPerEvent is a generous estimate of an uncross event's encoded
// size (trades and fill reports average under 40 bytes).
const recordBytesPerEvent = 48

// wholeEvents are the events of command cmd, kept as the engine left them.
type wholeEvents struct {
	cmd int
	evs []Event
}

func newBatch() *Batch { return &Batch{} }

// Len returns the number of commands in the batch.
func (b *Batch) Len() int { return len(b.cmds) }

// Command returns the i-th command, stamped with its Seq and TS.
func (b *Batch) Command(i int) *Command { return &b.cmds[i] }

// Events returns the events of the i-th command.
func (b *Batch) Events(i int) []Event {
	for _, w := range b.whole {
		if w.cmd == i {
			return w.evs
		}
	}
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.events[start:b.ends[i]]
}

// Record returns the i-th journal record (its Payload is AppendRecord's
// encoding of the command and its events).
func (b *Batch) Record(i int) Record { return b.records[i] }

func (b *Batch) reset() {
	clear(b.reqs)  // drop references to requests already answered
	clear(b.whole) // and to events already published
	b.whole, b.nWhole = b.whole[:0], 0
	b.reqs, b.cmdOf, b.cmds, b.ends, b.events = b.reqs[:0], b.cmdOf[:0], b.cmds[:0], b.ends[:0], b.events[:0]
	b.buf, b.offs, b.records, b.snapshot = b.buf[:0], b.offs[:0], b.records[:0], b.snapshot[:0]
	b.applying = 0
}

// evs is copied unless own is set: then the batch keeps the slice itself,
// which the caller must have taken from the engine (Engine.disown).
func (b *Batch) add(r *Request, cmd *Command, evs []Event, own bool) {
	b.reqs = append(b.reqs, r)
	b.cmdOf = append(b.cmdOf, len(b.cmds))
	b.cmds = append(b.cmds, *cmd)
	if own {
		b.whole = append(b.whole, wholeEvents{cmd: len(b.cmds) - 1, evs: evs})
		b.nWhole += len(evs)
		// Its record runs to megabytes: one allocation on huge pages,
		// rather than doubling through fresh memory (see Engine.reserve).
		if need := len(evs) * recordBytesPerEvent; cap(b.buf)-len(b.buf) < need {
			b.buf = slices.Grow(b.buf, need)
			hugepage.Advise(b.buf)
		}
	} else {
		b.events = append(b.events, evs...)
	}
	b.ends = append(b.ends, len(b.events))
	b.offs = append(b.offs, len(b.buf))
	b.buf = AppendRecord(b.buf, cmd, evs)
}

// eventCount is the number of events of the batch's commands.
func (b *Batch) eventCount() int { return len(b.events) + b.nWhole }

// addRead adds a read that has already run; it is only answered here.
func (b *Batch) addRead(r *Request) {
	b.reqs = append(b.reqs, r)
	b.cmdOf = append(b.cmdOf, -1)
}

// seal builds the records once buf has stopped growing, so that no payload
// points into an array that a later append moved away from.
func (b *Batch) seal() {
	b.records = b.records[:0] // sealing again after more commands rebuilds them all
	for i := range b.cmds {
		end := len(b.buf)
		if i+1 < len(b.offs) {
			end = b.offs[i+1]
		}
		b.records = append(b.records, Record{Seq: b.cmds[i].Seq, TS: b.cmds[i].TS, Payload: b.buf[b.offs[i]:end]})
	}
}

func (b *Batch) lastSeq() uint64 { return b.cmds[len(b.cmds)-1].Seq }

// reply answers every request, in input order.
func (b *Batch) reply() {
	for i, r := range b.reqs {
		if r.Reply == nil {
			continue
		}
		if k := b.cmdOf[i]; k >= 0 {
			r.Reply(&Result{Cmd: &b.cmds[k], Events: b.Events(k)})
		} else {
			r.Reply(&Result{})
		}
	}
}

// publish hands the batch to the publisher, unless it holds reads only.
func (b *Batch) publish(p Publisher) {
	if p != nil && len(b.cmds) > 0 {
		p.Publish(b)
	}
}

// refuse answers every request with err: the batch is not known durable.
func (b *Batch) refuse(err error) {
	for i, r := range b.reqs {
		if r.Reply == nil {
			continue
		}
		if k := b.cmdOf[i]; k >= 0 {
			r.Reply(&Result{Cmd: &b.cmds[k], Err: err})
		} else {
			r.Reply(&Result{Err: err})
		}
	}
}
