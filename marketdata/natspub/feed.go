package natspub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/marketdata"
)

// Feed defaults.
const (
	DefaultSnapshotTimeout = 2 * time.Second
	// DefaultBufferLen is FeedConfig.BufferLen when zero.
	DefaultBufferLen = 8192
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait before a
	// failed snapshot request is sent again.
	DefaultMinBackoff = 50 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
)

// Feed errors.
var (
	ErrBadStream = errors.New("natspub: unknown stream")
	ErrNoFunc    = errors.New("natspub: nil subscriber function")
)

// FeedConfig configures a Feed.
type FeedConfig struct {
	// Depth is the publisher's PublisherConfig.Depth; 0 means
	// marketdata.DefaultDepth.
	Depth int
	// SnapshotTimeout bounds one snapshot request; 0 means
	// DefaultSnapshotTimeout.
	SnapshotTimeout time.Duration
	// BufferLen bounds, per (symbol, stream), the messages NATS queues for
	// the feed's goroutine, and the book deltas kept while a snapshot is
	// awaited. A full queue makes the NATS client drop messages (a slow
	// consumer); for the book that is a gap, and a resync follows. Kept
	// deltas beyond the bound drop the oldest half: those are the ones a
	// snapshot is most likely to cover. 0 means DefaultBufferLen.
	BufferLen int
	// MinBackoff and MaxBackoff bound the wait before a failed snapshot
	// request is retried: it doubles from MinBackoff, with jitter, so that
	// many gateways resyncing after a publisher restart spread out. 0
	// means the defaults.
	MinBackoff, MaxBackoff time.Duration
	// OnError, if set, is told of failed snapshot requests (including
	// ErrUnknownSymbol), book gaps and undecodable messages. It runs on a
	// feed goroutine and must not call Close.
	OnError func(symbol string, err error)
}

// Feed is the gateway's end of the market data: it subscribes to
// md.<symbol>.<stream> on demand and fans each message out to any number of
// subscribers.
//
// Each (symbol, stream) with subscribers is a topic with one goroutine.
// NATS delivers into the topic's bounded channel (a ChanSubscribe: a full
// channel drops, NATS's slow-consumer rule, instead of blocking the
// connection's reader, which serves every topic), and only that goroutine
// decodes and calls the subscribers' functions, so calls are serial per
// topic and a slow subscriber of one symbol never delays another. The
// book topic's goroutine owns the symbol's marketdata.Replica and its
// resync state; the ticker topic's owns the cached ticker. The subscriber
// lists are copy-on-write under Feed.mu, so Subscribe and unsubscribe
// (which may be called from inside a subscriber's function) never wait for
// a topic goroutine.
type Feed struct {
	nc  *nats.Conn
	cfg FeedConfig

	mu     sync.Mutex // guards topics, closed and each topic's subs writes
	topics map[topicKey]*topic
	closed bool

	wg sync.WaitGroup // topic goroutines and their snapshot requests
}

type topicKey struct {
	symbol string
	stream marketdata.Stream
}

type subscriber struct {
	fn   func(m marketdata.Message)
	gone atomic.Bool
	// fresh: has not had its first message yet. Owned by the topic
	// goroutine once the subscriber is in the list.
	fresh bool
}

// NewFeed returns a feed over nc. It panics on a Depth outside
// 1..marketdata.MaxDepth: a wiring bug.
func NewFeed(nc *nats.Conn, cfg FeedConfig) *Feed {
	if cfg.Depth == 0 {
		cfg.Depth = marketdata.DefaultDepth
	}
	if cfg.Depth < 1 || cfg.Depth > marketdata.MaxDepth {
		panic(fmt.Sprintf("natspub: feed depth %d outside 1..%d", cfg.Depth, marketdata.MaxDepth))
	}
	cfg.SnapshotTimeout = orDefault(cfg.SnapshotTimeout, DefaultSnapshotTimeout)
	cfg.MinBackoff = orDefault(cfg.MinBackoff, DefaultMinBackoff)
	cfg.MaxBackoff = max(cfg.MinBackoff, orDefault(cfg.MaxBackoff, DefaultMaxBackoff))
	if cfg.BufferLen <= 0 {
		cfg.BufferLen = DefaultBufferLen
	}
	return &Feed{nc: nc, cfg: cfg, topics: map[topicKey]*topic{}}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Subscribe delivers one symbol's stream to fn. fn is called serially per (symbol, stream), on a NATS or
// feed goroutine; m and what it points to are valid only during the call (encode or Clone to keep).
//
// The first subscriber of a (symbol, stream) waits for one round trip to
// the NATS server, so that every message published after Subscribe
// returns reaches fn (unless NATS loses it).
//
// StreamBook: the first message is a *marketdata.Depth (the book now), then
// *marketdata.BookDelta with contiguous Seq; after a gap, a new *Depth
// replaces the book. Nothing comes until the feed has a snapshot.
// StreamTicker and StreamStatus: the latest message first, at once, if the
// feed has one.
// The others: each message as it comes. After unsubscribe returns, fn is
// not called again, except for a call already under way on the topic's
// goroutine (unsubscribe may be called from inside fn). The symbol must be
// a single subject token (ValidSymbol); whether it exists is the caller's
// business (an unknown book symbol is reported to FeedConfig.OnError).
func (f *Feed) Subscribe(symbol string, stream marketdata.Stream, fn func(m marketdata.Message)) (unsubscribe func(), err error) {
	switch {
	case !ValidSymbol(symbol):
		return nil, fmt.Errorf("%w: %q", ErrBadSymbol, symbol)
	case stream < marketdata.StreamBook || stream > marketdata.StreamStatus:
		return nil, fmt.Errorf("%w: %v", ErrBadStream, stream)
	case fn == nil:
		return nil, ErrNoFunc
	}
	s := &subscriber{fn: fn, fresh: true}
	t, opened, err := f.add(topicKey{symbol, stream}, s)
	if err != nil {
		return nil, err
	}
	if opened {
		// A round trip, so that the server has the subscription when
		// Subscribe returns: what is published after that is delivered.
		// A failure only weakens that promise; the topic stands.
		if err := f.nc.FlushTimeout(f.cfg.SnapshotTimeout); err != nil {
			f.report(symbol, err)
		}
		if stream == marketdata.StreamStatus {
			f.fetchStatus(t)
		}
	}
	var once sync.Once
	return func() { once.Do(func() { f.unsubscribe(t, s) }) }, nil
}

// fetchStatus asks the publisher for the symbol's latest status and feeds
// it to the topic like a live message, so that a subscriber who joins after
// the last phase change still learns the phase; the topic ignores it if a
// newer one arrived meanwhile.
func (f *Feed) fetchStatus(t *topic) {
	ctx, cancel := context.WithTimeout(context.Background(), f.cfg.SnapshotTimeout)
	defer cancel()
	data, err := RequestStatus(ctx, f.nc, t.key.symbol)
	if err != nil {
		f.report(t.key.symbol, err)
		return
	}
	if len(data) == 0 {
		return // no phase set yet
	}
	select {
	case t.msgs <- &nats.Msg{Subject: Subject(t.key.symbol, marketdata.StreamStatus), Data: data}:
	default:
	}
}

// add adds s to its topic, opening the topic if it is the first.
func (f *Feed) add(k topicKey, s *subscriber) (t *topic, opened bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, false, ErrClosed
	}
	if t = f.topics[k]; t == nil {
		if t, err = f.open(k); err != nil {
			return nil, false, err
		}
		opened = true
	}
	t.setSubs(append(slices.Clone(t.list()), s))
	select {
	case t.kick <- struct{}{}:
	default: // a kick is pending already; it covers this subscriber too
	}
	return t, opened, nil
}

// open subscribes to a topic's subject and starts its goroutine. f.mu is
// held.
func (f *Feed) open(k topicKey) (*topic, error) {
	t := newTopic(f, k)
	sub, err := f.nc.ChanSubscribe(Subject(k.symbol, k.stream), t.msgs)
	if err != nil {
		t.cancel()
		return nil, fmt.Errorf("natspub: subscribe %s: %w", Subject(k.symbol, k.stream), err)
	}
	t.sub = sub
	f.topics[k] = t
	f.wg.Add(1)
	go t.run()
	return t, nil
}

// unsubscribe removes s; the last subscriber out closes the topic.
func (f *Feed) unsubscribe(t *topic, s *subscriber) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s.gone.Store(true)
	rest := slices.DeleteFunc(slices.Clone(t.list()), func(x *subscriber) bool { return x == s })
	t.setSubs(rest)
	if len(rest) == 0 && f.topics[t.key] == t {
		delete(f.topics, t.key)
		t.shut()
	}
}

// InjectGap drops the next book delta of symbol as if NATS had lost it: a
// fault for tests and drills, which the book topic must notice (at the
// delta after) and repair with a snapshot. Without a book subscription to
// symbol it does nothing.
func (f *Feed) InjectGap(symbol string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.topics[topicKey{symbol, marketdata.StreamBook}]; t != nil {
		t.dropNext.Store(true)
	}
}

// Close unsubscribes everything and waits for the feed's goroutines. It
// must not be called from a subscriber's function.
func (f *Feed) Close() {
	f.mu.Lock()
	if !f.closed {
		f.closed = true
		for _, t := range f.topics {
			t.shut()
		}
		f.topics = nil
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *Feed) report(symbol string, err error) {
	if f.cfg.OnError != nil {
		f.cfg.OnError(symbol, err)
	}
}
