package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/mts-krx/mts/marketdata"
)

// hub fans market data out to connections. It subscribes to MarketData
// once per (symbol, stream), the first time any connection asks, and keeps
// that feed until Shutdown: there are at most len(Symbols)×5 feeds, and
// keeping them spares a resubscription (and a book snapshot) each time a
// symbol's last watcher leaves and the next arrives.
//
// Each feed's callback runs serially (MarketData's promise) and holds the
// feed's lock while it encodes the message once and queues the same bytes
// to every member: the cost per subscriber is one non-blocking push. The
// lock is also what makes a snapshot consistent for a joining or resyncing
// member: it is built from the feed's Replica between two deltas, so the
// member's next delta is exactly the one after it. Lock order: feed, then
// a connection's queue; never the reverse.
type hub struct {
	md      MarketData
	metrics Metrics
	log     *slog.Logger

	mu     sync.Mutex
	feeds  map[feedKey]*feed
	closed bool
}

type feedKey struct {
	symbol string
	stream marketdata.Stream
}

// feed is one MarketData subscription and the topics fed from it: one, or
// one per candle interval.
type feed struct {
	hub    *hub
	key    feedKey
	openMu sync.Mutex // held while MarketData.Subscribe runs
	unsub  func()

	mu        sync.Mutex
	topics    [5]*topic // [0], or [interval] for candles
	replica   *marketdata.Replica
	snap      marketdata.Depth
	snapFrame []byte // bookSnapshot of the replica now; nil until needed
}

// topic is one stream name's members.
type topic struct {
	name    string
	symbol  string
	members []*member
	last    []byte // depth and ticker: the latest, for a joining member
}

// member is one connection's place in a topic.
type member struct {
	q      *sendQueue
	synced bool   // book: has had its snapshot
	lost   string // "", or why messages were dropped for it: slow_consumer or gap
}

// Resync reasons (api.Resync.Reason).
const (
	reasonSlow = "slow_consumer"
	reasonGap  = "gap"
)

var errHubClosed = errors.New("gateway: shutting down")

func newHub(md MarketData, m Metrics, log *slog.Logger) *hub {
	return &hub{md: md, metrics: m, log: log, feeds: make(map[feedKey]*feed)}
}

// attach adds q to the stream, opening its feed if needed, and queues what
// a new member gets at once: a book snapshot, the latest depth or ticker.
func (h *hub) attach(ref streamRef, q *sendQueue) error {
	f, err := h.open(feedKey{ref.symbol, ref.stream})
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.topic(ref)
	m := &member{q: q}
	t.members = append(t.members, m)
	switch ref.stream {
	case marketdata.StreamBook:
		if f.replica.Synced() {
			f.syncMember(t, m)
		}
	case marketdata.StreamDepth:
		if t.last != nil {
			q.pushDepth(t.symbol, t.last)
		}
	case marketdata.StreamTicker, marketdata.StreamStatus:
		if t.last != nil { // a whole state: the latest at once
			q.pushMarket(t.last)
		}
	}
	return nil
}

// detach removes q from the stream.
func (h *hub) detach(ref streamRef, q *sendQueue) {
	h.mu.Lock()
	f := h.feeds[feedKey{ref.symbol, ref.stream}]
	h.mu.Unlock()
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.topics[ref.interval]
	if t == nil {
		return
	}
	for i, m := range t.members {
		if m.q == q {
			last := len(t.members) - 1
			t.members[i], t.members[last] = t.members[last], nil
			t.members = t.members[:last]
			return
		}
	}
}

// open returns the feed for k, subscribing to MarketData the first time.
// A failed subscription is retried by the next attach.
func (h *hub) open(k feedKey) (*feed, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, errHubClosed
	}
	f := h.feeds[k]
	if f == nil {
		f = &feed{hub: h, key: k}
		if k.stream == marketdata.StreamBook {
			f.replica = marketdata.NewReplica(marketdata.MaxDepth)
		}
		h.feeds[k] = f
	}
	h.mu.Unlock()
	f.openMu.Lock()
	defer f.openMu.Unlock()
	if f.unsub != nil {
		return f, nil
	}
	unsub, err := h.md.Subscribe(k.symbol, k.stream, f.deliver)
	if err != nil {
		return nil, fmt.Errorf("%w: market data %s.%s: %v", ErrUnavailable, k.stream, k.symbol, err)
	}
	f.unsub = unsub
	return f, nil
}

// close unsubscribes every feed; attach fails from now on.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	feeds := h.feeds
	h.feeds = map[feedKey]*feed{}
	h.mu.Unlock()
	for _, f := range feeds {
		f.openMu.Lock()
		if f.unsub != nil {
			f.unsub()
		}
		f.openMu.Unlock()
	}
}

func (f *feed) topic(ref streamRef) *topic {
	t := f.topics[ref.interval]
	if t == nil {
		t = &topic{name: ref.name, symbol: ref.symbol}
		f.topics[ref.interval] = t
	}
	return t
}

// deliver is the MarketData callback: encode once, fan out.
func (f *feed) deliver(m marketdata.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch m := m.(type) {
	case *marketdata.Depth:
		if f.key.stream == marketdata.StreamBook {
			f.resetBook(m)
		} else {
			f.depth(m)
		}
	case *marketdata.BookDelta:
		f.delta(m)
	case *marketdata.Trade:
		if t := f.topics[0]; t.watched() {
			f.fanout(t, encodeTrade(m))
		}
	case *marketdata.Ticker:
		f.latest(m.Symbol, "ticker.", encodeTicker(m))
	case *marketdata.Status:
		f.latest(m.Symbol, "status.", encodeStatus(m))
	case *marketdata.Candle:
		if t := f.topics[m.Interval%5]; m.Interval.Valid() && t.watched() {
			f.fanout(t, encodeCandle(m))
		}
	}
}
