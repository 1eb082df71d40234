package gateway

import (
	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/marketdata"
)

// The fan-out steps of a feed. All run with the feed's lock held.

func (t *topic) watched() bool { return t != nil && len(t.members) > 0 }

// fanout queues frame to every member of t. A member whose queue is full
// loses the message and is marked; once its queue has drained it gets a
// resync marker before the next message, so it knows what it missed.
func (f *feed) fanout(t *topic, frame []byte) {
	dropped := 0
	for _, m := range t.members {
		switch {
		case m.lost == "":
			if !m.q.pushMarket(frame) {
				m.lost = reasonSlow
				dropped++
			}
		case m.q.pushResync(encodeResync(t.name, m.lost), frame):
			m.lost = ""
			f.hub.metrics.Resync()
		default:
			dropped++
		}
	}
	f.dropped(dropped)
}

func (f *feed) dropped(n int) {
	if n > 0 {
		f.hub.metrics.Dropped(n)
	}
}

// depth keeps the latest depth message and puts it in every member's
// conflation slot: a slow member gets the newest when it catches up.
func (f *feed) depth(d *marketdata.Depth) {
	t := f.topics[0]
	if t == nil {
		t = &topic{name: "depth." + d.Symbol, symbol: d.Symbol}
		f.topics[0] = t
	}
	t.last = encodeBook(api.TypeDepth, d)
	for _, m := range t.members {
		m.q.pushDepth(t.symbol, t.last)
	}
}

// latest keeps the latest message of a stream whose every message is a
// whole state (ticker, status) for joining members, and fans it out.
func (f *feed) latest(symbol, prefix string, frame []byte) {
	t := f.topics[0]
	if t == nil {
		t = &topic{name: prefix + symbol, symbol: symbol}
		f.topics[0] = t
	}
	t.last = frame
	f.fanout(t, t.last)
}

// resetBook replaces the book (the first message of the feed, or the
// feed's own resync) and sends every member the new snapshot.
func (f *feed) resetBook(d *marketdata.Depth) {
	f.snapFrame = nil
	if err := f.replica.Reset(d); err != nil {
		f.hub.log.Warn("gateway: bad book snapshot", "symbol", d.Symbol, "seq", d.Seq, "err", err)
		f.lose(reasonGap)
		return
	}
	t := f.topics[0]
	if t == nil {
		return
	}
	dropped := 0
	for _, m := range t.members {
		m.synced = false
		if !f.syncMember(t, m) {
			dropped++
		}
	}
	f.dropped(dropped)
}

// delta applies a book delta to the replica and fans it out; members
// without a current snapshot get one instead (the snapshot includes it).
func (f *feed) delta(d *marketdata.BookDelta) {
	if f.replica.Synced() && d.Seq <= f.replica.Seq() {
		return // already in the book: the feed repeated itself
	}
	f.snapFrame = nil
	if err := f.replica.Apply(d); err != nil {
		f.hub.log.Warn("gateway: book feed gap", "symbol", d.Symbol, "seq", d.Seq, "err", err)
		f.lose(reasonGap)
		return
	}
	t := f.topics[0]
	if !t.watched() {
		return
	}
	frame, dropped := encodeDelta(d), 0
	for _, m := range t.members {
		ok := true
		if m.synced {
			ok = m.q.pushMarket(frame)
			if !ok {
				m.synced, m.lost = false, reasonSlow
			}
		} else {
			ok = f.syncMember(t, m)
		}
		if !ok {
			dropped++
		}
	}
	f.dropped(dropped)
}

// syncMember queues a bookSnapshot of the replica (after a resync marker
// if the member lost messages) once its queue has room.
func (f *feed) syncMember(t *topic, m *member) bool {
	if f.snapFrame == nil {
		f.replica.Snapshot(&f.snap)
		f.snapFrame = encodeBook(api.TypeBookSnapshot, &f.snap)
	}
	frames := [][]byte{f.snapFrame}
	if m.lost != "" {
		frames = [][]byte{encodeResync(t.name, m.lost), f.snapFrame}
	}
	if !m.q.pushResync(frames...) {
		return false
	}
	if m.lost != "" {
		f.hub.metrics.Resync()
	}
	m.synced, m.lost = true, ""
	return true
}

// lose marks every book member out of sync after the feed itself lost
// its place; the feed's next snapshot resyncs them.
func (f *feed) lose(reason string) {
	t := f.topics[0]
	if t == nil {
		return
	}
	for _, m := range t.members {
		if m.lost == "" {
			m.lost = reason
		}
		m.synced = false
	}
}
