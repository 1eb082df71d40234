package natspub_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/marketdata/natspub"
	"github.com/mts-krx/mts/matching"
)

// nullJournal accepts every batch: the loop needs one, these tests need no
// durability.
type nullJournal struct{}

func (nullJournal) Append([]matching.Record) error { return nil }

// TestEndToEndThroughLoop runs a real matching.Loop with the Publisher as
// its matching.Publisher, and a Feed on another connection: each stream's
// subscriber sees contiguous seqs, and the book subscriber's book ends
// equal to a reference builder's snapshot.
func TestEndToEndThroughLoop(t *testing.T) {
	s := runServer(t)
	ins := sampleInstruments(t)
	e, err := matching.NewEngine(matching.Config{Instruments: ins})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := marketdata.NewBuilder(ins, marketdata.Config{})
	p, err := natspub.NewPublisher(connect(t, s), ins, natspub.PublisherConfig{QueueLen: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	feed := natspub.NewFeed(connect(t, s), natspub.FeedConfig{})
	defer feed.Close()
	sym := ins[0].Symbol
	subs := map[marketdata.Stream]*collector{}
	for st := marketdata.StreamBook; st <= marketdata.StreamCandle; st++ {
		subs[st] = &collector{}
		if _, err := feed.Subscribe(sym, st, subs[st].fn); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the first Depth", func() bool { return len(subs[marketdata.StreamBook].snapshot()) > 0 })

	now := time.Date(2026, 3, 2, 9, 0, 0, 0, marketdata.KST).UnixNano()
	l, err := matching.NewLoop(matching.LoopConfig{Engine: e, Journal: nullJournal{}, Publisher: p, MaxBatchLen: 8,
		Clock: func() int64 { now += int64(300 * time.Millisecond); return now }})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	g := newGen(3, ins)
	for range 60 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var seen [][]matching.Event
		for range 16 {
			wg.Add(1)
			r := &matching.Request{Cmd: g.next(0, 1), Reply: func(res *matching.Result) {
				// The commit goroutine, in seq order: the reference follows it.
				if err := ref.ApplyCommand(res.Cmd, res.Events, marketdata.SinkFunc(func(marketdata.Message) {})); err != nil {
					t.Error(err)
				}
				mu.Lock()
				seen = append(seen, append([]matching.Event(nil), res.Events...))
				mu.Unlock()
				wg.Done()
			}}
			if err := l.Submit(r); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		for _, evs := range seen {
			g.observe(evs)
		}
	}
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	want, _ := ref.Snapshot(sym)
	if want.Seq < 50 {
		t.Fatalf("only %d book deltas for %s: the flow is too thin to test anything", want.Seq, sym)
	}
	waitFor(t, "the book to catch up", func() bool {
		r, _ := bookView(t, subs[marketdata.StreamBook].snapshot())
		return r.Seq() >= want.Seq
	})
	r, depths := bookView(t, subs[marketdata.StreamBook].snapshot())
	if !sameBook(r, want) || depths != 1 {
		t.Fatalf("book seq %d after %d depths: bids %v asks %v\nwant seq %d, one depth: bids %v asks %v",
			r.Seq(), depths, r.Bids(), r.Asks(), want.Seq, want.Bids, want.Asks)
	}
	tk, _ := ref.Ticker(sym)
	waitFor(t, "the last ticker", func() bool {
		m := subs[marketdata.StreamTicker].snapshot()
		return len(m) > 0 && m[len(m)-1].Head().Seq == tk.Seq
	})
	for st, c := range subs {
		if st == marketdata.StreamBook {
			continue
		}
		checkContiguous(t, st, c.snapshot())
	}
	m := subs[marketdata.StreamTicker].snapshot()
	if got := *m[len(m)-1].(*marketdata.Ticker); got != tk {
		t.Errorf("last ticker %+v, want %+v", got, tk)
	}
}

// checkContiguous checks a stream's seqs run 1, 2, 3, … (depth: strictly
// rising, as it shares the book's numbers).
func checkContiguous(t *testing.T, st marketdata.Stream, msgs []marketdata.Message) {
	t.Helper()
	if len(msgs) == 0 {
		t.Errorf("no %v message", st)
		return
	}
	for i, m := range msgs {
		want := uint64(i + 1)
		if st == marketdata.StreamDepth && i > 0 {
			want = msgs[i-1].Head().Seq + 1
		}
		if m.Head().Seq != want || m.Stream() != st {
			t.Fatalf("%v message %d: %v seq %d, want seq %d", st, i, m.Stream(), m.Head().Seq, want)
		}
	}
}

// setup starts a server, a publisher and a feed, on two connections.
func setup(t *testing.T, fcfg natspub.FeedConfig) (*world, *natspub.Publisher, *natspub.Feed, *nats.Conn) {
	t.Helper()
	s := runServer(t)
	w := newWorld(t, 1)
	p, err := natspub.NewPublisher(connect(t, s), w.ins, natspub.PublisherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	nc := connect(t, s)
	feed := natspub.NewFeed(nc, fcfg)
	t.Cleanup(feed.Close)
	return w, p, feed, nc
}

// run applies n commands on the given symbols and hands each to p.
func (w *world) run(p *natspub.Publisher, n int, syms ...int) {
	for range n {
		p.PublishCommand(w.step(syms...))
	}
}

func TestInjectGapResyncs(t *testing.T) {
	var gaps atomic.Int32
	w, p, feed, _ := setup(t, natspub.FeedConfig{OnError: func(sym string, err error) {
		if errors.Is(err, marketdata.ErrGap) {
			gaps.Add(1)
		}
	}})
	sym := w.ins[0].Symbol
	c := &collector{}
	if _, err := feed.Subscribe(sym, marketdata.StreamBook, c.fn); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first Depth", func() bool { return len(c.snapshot()) > 0 })
	w.run(p, 100, 0)
	caughtUp := func() bool {
		r, _ := bookView(t, c.snapshot())
		want, _ := w.ref.Snapshot(sym)
		return sameBook(r, want)
	}
	waitFor(t, "the book before the gap", caughtUp)

	feed.InjectGap(sym)
	w.run(p, 100, 0)
	waitFor(t, "the book after the gap", caughtUp)
	if _, depths := bookView(t, c.snapshot()); depths != 2 || gaps.Load() != 1 {
		t.Fatalf("%d Depths and %d gaps reported, want 2 and 1", depths, gaps.Load())
	}
}

// TestLateSubscriber: a second subscriber of a synced book gets the
// replica's Depth at once, without waiting for a delta; a subscriber on a
// new feed gets a snapshot as its first message.
func TestLateSubscriber(t *testing.T) {
	w, p, feed, nc := setup(t, natspub.FeedConfig{})
	sym := w.ins[1].Symbol
	first := &collector{}
	if _, err := feed.Subscribe(sym, marketdata.StreamBook, first.fn); err != nil {
		t.Fatal(err)
	}
	w.run(p, 80, 1)
	want, _ := w.ref.Snapshot(sym)
	waitFor(t, "the first subscriber", func() bool { r, _ := bookView(t, first.snapshot()); return sameBook(r, want) })

	for name, f := range map[string]*natspub.Feed{"same feed": feed, "new feed": natspub.NewFeed(nc, natspub.FeedConfig{})} {
		late := &collector{}
		if _, err := f.Subscribe(sym, marketdata.StreamBook, late.fn); err != nil {
			t.Fatal(err)
		}
		waitFor(t, name+": the late Depth", func() bool { return len(late.snapshot()) > 0 })
		r, depths := bookView(t, late.snapshot())
		if !sameBook(r, want) || depths != 1 {
			t.Errorf("%s: late subscriber's book at seq %d (%d depths), want seq %d %v %v", name, r.Seq(), depths, want.Seq, want.Bids, want.Asks)
		}
		if f != feed {
			f.Close()
		}
	}
}

func TestTickerCache(t *testing.T) {
	w, p, feed, _ := setup(t, natspub.FeedConfig{})
	sym := w.ins[2].Symbol
	a := &collector{}
	if _, err := feed.Subscribe(sym, marketdata.StreamTicker, a.fn); err != nil {
		t.Fatal(err)
	}
	w.run(p, 60, 2)
	want, _ := w.ref.Ticker(sym)
	waitFor(t, "the last ticker", func() bool { m := a.snapshot(); return len(m) > 0 && m[len(m)-1].Head().Seq == want.Seq })

	b := &collector{}
	if _, err := feed.Subscribe(sym, marketdata.StreamTicker, b.fn); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the cached ticker", func() bool { return len(b.snapshot()) > 0 })
	if m := b.snapshot(); len(m) != 1 || *m[0].(*marketdata.Ticker) != want {
		t.Fatalf("new subscriber got %v, want the one cached ticker %+v", m, want)
	}
}

// TestUnsubscribe: delivery stops for the subscriber that left, even from
// inside its own function, and the NATS subscription goes with the last.
func TestUnsubscribe(t *testing.T) {
	w, p, feed, nc := setup(t, natspub.FeedConfig{})
	sym := w.ins[0].Symbol
	a, b := &collector{}, &collector{}
	unsubA, err := feed.Subscribe(sym, marketdata.StreamTrade, a.fn)
	if err != nil {
		t.Fatal(err)
	}
	unsubB, _ := feed.Subscribe(sym, marketdata.StreamTrade, b.fn)
	var selfCalls atomic.Int32
	var unsubSelf func()
	ready := make(chan struct{})
	unsubSelf, _ = feed.Subscribe(sym, marketdata.StreamTrade, func(marketdata.Message) {
		<-ready
		selfCalls.Add(1)
		unsubSelf() // from inside fn: must not deadlock
	})
	close(ready)
	if got := nc.NumSubscriptions(); got != 1 {
		t.Fatalf("%d NATS subscriptions for three subscribers of one topic, want 1", got)
	}
	w.run(p, 60, 0)
	waitFor(t, "trades", func() bool { return len(a.snapshot()) > 0 })
	unsubA()
	unsubA() // twice is harmless
	// After unsubscribe returns, only a call already under way may end.
	nA, nB := len(a.snapshot()), len(b.snapshot())
	w.run(p, 60, 0)
	waitFor(t, "more trades for b", func() bool { return len(b.snapshot()) > nB+5 })
	if got := len(a.snapshot()); got > nA+1 {
		t.Errorf("a got %d messages after unsubscribing (%d before)", got-nA, nA)
	}
	if got := selfCalls.Load(); got != 1 {
		t.Errorf("self-unsubscriber called %d times, want 1", got)
	}
	unsubB()
	waitFor(t, "the NATS subscription to go", func() bool { return nc.NumSubscriptions() == 0 })
}

func TestUnknownSymbol(t *testing.T) {
	errs := make(chan error, 100)
	_, _, feed, nc := setup(t, natspub.FeedConfig{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond,
		OnError: func(sym string, err error) {
			select {
			case errs <- err:
			default:
			}
		}})
	var d marketdata.Depth
	if err := natspub.RequestSnapshot(context.Background(), nc, "999999", &d); !errors.Is(err, natspub.ErrUnknownSymbol) {
		t.Fatalf("RequestSnapshot of an unknown symbol: %v, want ErrUnknownSymbol", err)
	}
	c := &collector{}
	if _, err := feed.Subscribe("999999", marketdata.StreamBook, c.fn); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, natspub.ErrUnknownSymbol) {
			t.Fatalf("feed reported %v, want ErrUnknownSymbol", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the feed reported nothing")
	}
	if m := c.snapshot(); len(m) != 0 {
		t.Fatalf("subscriber of an unknown symbol got %v", m)
	}
	for _, bad := range []string{"", "a.b", "*", ">", "00 5930", "0123456789abc"} {
		if _, err := feed.Subscribe(bad, marketdata.StreamBook, c.fn); !errors.Is(err, natspub.ErrBadSymbol) {
			t.Errorf("Subscribe(%q): %v, want ErrBadSymbol", bad, err)
		}
	}
	if _, err := feed.Subscribe("005930", 9, c.fn); !errors.Is(err, natspub.ErrBadStream) {
		t.Errorf("Subscribe to stream 9: %v, want ErrBadStream", err)
	}
}

// TestNoPublisherBacksOff: with no publisher, snapshot requests fail and
// are retried with backoff, not in a loop; once a publisher starts, the
// subscriber gets its Depth.
func TestNoPublisherBacksOff(t *testing.T) {
	s := runServer(t)
	var fails atomic.Int32
	feed := natspub.NewFeed(connect(t, s), natspub.FeedConfig{MinBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		OnError: func(string, error) { fails.Add(1) }})
	defer feed.Close()
	c := &collector{}
	if _, err := feed.Subscribe("005930", marketdata.StreamBook, c.fn); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // the time the backoff is measured over
	// Waits of 2.5-5, 5-10, 10-20, then 20-40 ms: at most about 20 in 400 ms.
	if n := fails.Load(); n < 3 || n > 25 {
		t.Fatalf("%d failed requests in 400 ms, want a few, spaced by the backoff", n)
	}
	if m := c.snapshot(); len(m) != 0 {
		t.Fatalf("got %v before any snapshot", m)
	}
	w := newWorld(t, 1)
	p, _ := natspub.NewPublisher(connect(t, s), w.ins, natspub.PublisherConfig{})
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	waitFor(t, "the Depth once a publisher runs", func() bool { return len(c.snapshot()) > 0 })
}

// TestChurn subscribes and unsubscribes on several goroutines while
// market data flows, then closes the feed with subscribers left: for the
// race detector, and for deadlocks between unsubscribe, the topic
// goroutines and Close.
func TestChurn(t *testing.T) {
	w, p, feed, _ := setup(t, natspub.FeedConfig{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				sym := w.ins[(g+i)%3].Symbol
				st := marketdata.Stream(1 + (g+i)%5)
				unsub, err := feed.Subscribe(sym, st, func(m marketdata.Message) {
					if m.Head().Symbol != sym || m.Stream() != st && !(st == marketdata.StreamBook && m.Stream() == marketdata.StreamDepth) {
						t.Errorf("subscriber of %s %v got %s %v", sym, st, m.Head().Symbol, m.Stream())
					}
				})
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 != 0 {
					unsub()
				}
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for n := 0; ; n++ {
		select {
		case <-finished:
			t.Logf("%d commands during the churn", n)
			feed.Close()
			if _, err := feed.Subscribe(w.ins[0].Symbol, marketdata.StreamTrade, func(marketdata.Message) {}); !errors.Is(err, natspub.ErrClosed) {
				t.Fatalf("Subscribe after Close: %v, want ErrClosed", err)
			}
			return
		default:
			p.PublishCommand(w.step(0, 1, 2))
		}
	}
}
