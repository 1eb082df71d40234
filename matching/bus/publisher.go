package bus

import (
	"cmp"
	"encoding/binary"
	"slices"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/matching"
)

// ExecPublisher is the matching.Publisher that puts each durable batch on
// NATS: per account, one message on ExecSubject(account) with that
// account's events of the batch; per journal record, one message on
// JournalSubject. Set it as the Loop's Publisher.
//
// Publish runs on the loop's commit goroutine, one batch at a time, so the
// scratch below needs no lock; nothing of the batch is kept after it
// returns (nats.go copies what it sends).
type ExecPublisher struct {
	nc   *nats.Conn
	refs []execRef // this batch's per-account events, grouped by account
	body []byte    // one message's encoded events
	buf  []byte    // one message: count, then body

	droppedExec, droppedJournal atomic.Uint64
}

// execRef points at one event of the batch being published.
type execRef struct {
	account string
	cmd     int // index of the command in the batch
	ev      int // index of the event among the command's events
}

// NewExecPublisher returns a publisher over nc.
func NewExecPublisher(nc *nats.Conn) *ExecPublisher { return &ExecPublisher{nc: nc} }

// Dropped returns how many execution messages and journal records could
// not be handed to nats.go (a closed connection; messages over the
// payload limit are split, not dropped). Consumers resync from the
// journal or a query; the counts are for metrics.
func (p *ExecPublisher) Dropped() (exec, journal uint64) {
	return p.droppedExec.Load(), p.droppedJournal.Load()
}

// Publish implements matching.Publisher.
func (p *ExecPublisher) Publish(b *matching.Batch) {
	p.publishExec(b)
	p.publishJournal(b)
}

// publishExec sends each account's events of the batch as one message, in
// account order, each account's events in commit order.
func (p *ExecPublisher) publishExec(b *matching.Batch) {
	p.refs = p.refs[:0]
	for i := range b.Len() {
		evs := b.Events(i)
		for j := range evs {
			if forAccount(&evs[j]) {
				p.refs = append(p.refs, execRef{account: evs[j].Account, cmd: i, ev: j})
			}
		}
	}
	// Stable, so that each account's events keep their commit order.
	slices.SortStableFunc(p.refs, func(x, y execRef) int { return cmp.Compare(x.account, y.account) })
	for start := 0; start < len(p.refs); {
		end := start + 1
		for end < len(p.refs) && p.refs[end].account == p.refs[start].account {
			end++
		}
		p.sendExec(b, p.refs[start:end])
		start = end
	}
	clear(p.refs) // drop the account strings with the batch
}

// sendExec sends one account's events of the batch in as few messages as
// the server's payload limit allows, in order. Usually that is one; an
// account with thousands of fills in one batch (a market maker at the
// opening uncross) needs several, where one message over the limit would
// have been refused and every one of those reports lost.
func (p *ExecPublisher) sendExec(b *matching.Batch, refs []execRef) {
	subject := ExecSubject(refs[0].account)
	limit := int(p.nc.MaxPayload()) - binary.MaxVarintLen64 // room for the count
	p.body = p.body[:0]
	n := 0
	for _, r := range refs {
		mark := len(p.body)
		p.body = matching.AppendEvent(p.body, &b.Events(r.cmd)[r.ev])
		if len(p.body) > limit && n > 0 {
			p.sendEvents(subject, p.body[:mark], n)
			p.body = append(p.body[:0], p.body[mark:]...)
			n = 0
		}
		n++
	}
	p.sendEvents(subject, p.body, n)
}

// sendEvents sends one execution message of n encoded events.
func (p *ExecPublisher) sendEvents(subject string, events []byte, n int) {
	p.buf = append(appendExecHeader(p.buf[:0], n), events...)
	if err := p.nc.Publish(subject, p.buf); err != nil {
		p.droppedExec.Add(1)
	}
}

// forAccount reports whether an event goes to its account's stream: its
// execution reports, back-office answers and account kill switch. Trades
// are public (market data has them) and alerts are for surveillance only.
func forAccount(ev *matching.Event) bool {
	if ev.Account == "" {
		return false
	}
	switch ev.Kind {
	case matching.EvExec, matching.EvAccount:
		return true
	case matching.EvKillSwitch:
		return ev.Scope == matching.KillAccount
	}
	return false
}

func (p *ExecPublisher) publishJournal(b *matching.Batch) {
	limit := int(p.nc.MaxPayload())
	for i := range b.Len() {
		rec := b.Record(i)
		p.buf = appendJournal(p.buf[:0], rec)
		if len(p.buf) > limit {
			p.publishParts(rec, limit)
			continue
		}
		if err := p.nc.Publish(JournalSubject, p.buf); err != nil {
			p.droppedJournal.Add(1)
		}
	}
}

// publishParts sends a record over the payload limit (a large symbol's
// uncross) as consecutive part messages, each its seq and ts and a piece of
// the payload, with a PartHeader saying where the piece goes. Any part that
// cannot be handed over counts the record dropped.
func (p *ExecPublisher) publishParts(rec matching.Record, limit int) {
	piece := limit - partOverhead
	total := len(rec.Payload)
	for off := 0; off < total; off += piece {
		end := min(off+piece, total)
		p.buf = appendJournal(p.buf[:0], matching.Record{Seq: rec.Seq, TS: rec.TS, Payload: rec.Payload[off:end]})
		m := &nats.Msg{Subject: JournalSubject, Data: p.buf, Header: nats.Header{}}
		m.Header.Set(PartHeader, formatPart(off, total))
		if err := p.nc.PublishMsg(m); err != nil {
			p.droppedJournal.Add(1)
			return
		}
	}
}
