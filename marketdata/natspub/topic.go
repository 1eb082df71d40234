package natspub

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/marketdata"
)

// topic is one (symbol, stream) of a Feed: its NATS subscription, its
// subscribers and its goroutine (see Feed).
type topic struct {
	f    *Feed
	key  topicKey
	sub  *nats.Subscription
	msgs chan *nats.Msg // NATS delivers here; full = dropped
	subs atomic.Pointer[[]*subscriber]
	kick chan struct{} // cap 1: a subscriber joined
	stop chan struct{} // closed by shut

	ctx    context.Context // canceled by shut: ends a snapshot request
	cancel context.CancelFunc

	dropNext atomic.Bool // InjectGap

	// Owned by the goroutine.
	msg       marketdata.Message // decode target of a plain stream
	ticker    marketdata.Ticker  // the latest, for new subscribers
	hasTicker bool
	status    marketdata.Status // the latest, for new subscribers
	hasStatus bool
	book      *bookSync // StreamBook only
}

func newTopic(f *Feed, k topicKey) *topic {
	t := &topic{f: f, key: k, msgs: make(chan *nats.Msg, f.cfg.BufferLen),
		kick: make(chan struct{}, 1), stop: make(chan struct{})}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.setSubs(nil)
	switch k.stream {
	case marketdata.StreamBook:
		t.book = newBookSync(f.cfg)
	case marketdata.StreamDepth:
		t.msg = &marketdata.Depth{}
	case marketdata.StreamTrade:
		t.msg = &marketdata.Trade{}
	case marketdata.StreamTicker:
		t.msg = &marketdata.Ticker{}
	case marketdata.StreamCandle:
		t.msg = &marketdata.Candle{}
	case marketdata.StreamStatus:
		t.msg = &marketdata.Status{}
	}
	return t
}

func (t *topic) list() []*subscriber     { return *t.subs.Load() }
func (t *topic) setSubs(s []*subscriber) { t.subs.Store(&s) }

// shut stops the topic; Feed.mu is held. The goroutine may be inside a
// subscriber's function, which may be the caller: nothing here waits.
func (t *topic) shut() {
	if err := t.sub.Unsubscribe(); err != nil {
		t.f.report(t.key.symbol, err)
	}
	t.cancel()
	close(t.stop)
}

// run is the topic's goroutine.
func (t *topic) run() {
	defer t.f.wg.Done()
	var replies <-chan error
	if t.book != nil {
		replies = t.book.replies
		t.requestSnapshot()
	}
	for {
		var retry <-chan time.Time
		if t.book != nil && t.book.retry != nil {
			retry = t.book.retry.C
		}
		select {
		case <-t.stop:
			return
		case <-t.kick:
			t.greet()
		case m := <-t.msgs:
			t.handle(m)
		case err := <-replies:
			t.snapshotDone(err)
		case <-retry:
			t.book.retry = nil
			t.requestSnapshot()
		}
	}
}

// deliver calls every subscriber still there with m.
func (t *topic) deliver(m marketdata.Message) {
	for _, s := range t.list() {
		if !s.gone.Load() {
			s.fresh = false
			s.fn(m)
		}
	}
}

// greet gives each new subscriber its first message where the stream has
// one to give: the book now, or the latest ticker. A new book subscriber
// waits, fresh, while the replica is not synced.
func (t *topic) greet() {
	var first marketdata.Message
	switch {
	case t.book != nil && !t.book.replica.Synced():
		return
	case t.book != nil:
		t.book.replica.Snapshot(&t.book.depth)
		first = &t.book.depth
	case t.hasTicker:
		c := t.ticker // a copy: what fn gets is not the cache
		first = &c
	case t.hasStatus:
		c := t.status
		first = &c
	}
	for _, s := range t.list() {
		if s.fresh && !s.gone.Load() {
			s.fresh = false
			if first != nil {
				s.fn(first)
			}
		}
	}
}

// handle takes one message from NATS.
func (t *topic) handle(m *nats.Msg) {
	if t.book != nil {
		t.bookDelta(m)
		return
	}
	if err := t.msg.Decode(m.Data); err != nil {
		t.f.report(t.key.symbol, err)
		return
	}
	switch m := t.msg.(type) {
	case *marketdata.Ticker:
		t.ticker, t.hasTicker = *m, true
	case *marketdata.Status:
		if t.hasStatus && m.Seq <= t.status.Seq {
			return // the fetched status, older than one already delivered
		}
		t.status, t.hasStatus = *m, true
	}
	t.deliver(t.msg)
}
