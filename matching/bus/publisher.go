package bus

import (
	"cmp"
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
	nc      *nats.Conn
	refs    []execRef // this batch's per-account events, grouped by account
	buf     []byte
	dropped atomic.Uint64
}

// execRef points at one event of the batch being published.
type execRef struct {
	account string
	cmd     int // index of the command in the batch
	ev      int // index of the event among the command's events
}

// NewExecPublisher returns a publisher over nc.
func NewExecPublisher(nc *nats.Conn) *ExecPublisher { return &ExecPublisher{nc: nc} }

// Dropped returns how many messages could not be handed to nats.go (a
// closed connection, a payload over the limit). Consumers resync from the
// journal or a query; the count is for metrics.
func (p *ExecPublisher) Dropped() uint64 { return p.dropped.Load() }

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
		p.send(ExecSubject(p.refs[start].account), p.appendExec(b, p.refs[start:end]))
		start = end
	}
	clear(p.refs) // drop the account strings with the batch
}

func (p *ExecPublisher) appendExec(b *matching.Batch, refs []execRef) []byte {
	p.buf = appendExecHeader(p.buf[:0], len(refs))
	for _, r := range refs {
		p.buf = matching.AppendEvent(p.buf, &b.Events(r.cmd)[r.ev])
	}
	return p.buf
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
	for i := range b.Len() {
		p.buf = appendJournal(p.buf[:0], b.Record(i))
		p.send(JournalSubject, p.buf)
	}
}

func (p *ExecPublisher) send(subject string, data []byte) {
	if err := p.nc.Publish(subject, data); err != nil {
		p.dropped.Add(1)
	}
}
