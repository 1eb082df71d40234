package gateway

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/matching"
)

// fakeBackend is a Backend over a real matching.Engine (risk off), so
// replies carry real execution reports and real rejections. It records
// every command it receives, and publishes each outcome's reports to the
// account's execution subscribers as the NATS backend would.
type fakeBackend struct {
	mu       sync.Mutex
	eng      *matching.Engine
	seq      uint64
	cmds     []matching.Command
	subs     map[string][]*execSub
	queries  []Query
	err      error                       // returned by Submit and Query when set
	gate     func()                      // called by Submit before applying, unlocked
	onQuery  func(q *Query)              // called by Query before answering, unlocked
	answer   func(q *Query) *QueryResult // Query's answer; nil: open orders from the engine's reports
	open     map[matching.OrderID]matching.OrderView
	page     int // open orders per answer, as the engine pages them; 0: all
	inflight atomic.Int32
	maxIn    atomic.Int32
}

type execSub struct {
	fn      func([]matching.Event)
	stopped atomic.Bool
}

func testInstruments() []matching.Instrument {
	return []matching.Instrument{
		{Symbol: "005930", Name: "Samsung Electronics", Market: "KOSPI", BasePrice: 71000, Tick: matching.TickStock, MaxOrderQty: 500000},
		{Symbol: "000660", Name: "SK hynix", Market: "KOSPI", BasePrice: 195500, Tick: matching.TickStock, MaxOrderQty: 200000},
	}
}

func newFakeBackend(t testing.TB) *fakeBackend {
	eng, err := matching.NewEngine(matching.Config{Instruments: testInstruments()})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeBackend{eng: eng, subs: map[string][]*execSub{}, open: map[matching.OrderID]matching.OrderView{}}
}

func (b *fakeBackend) Submit(ctx context.Context, cmd *matching.Command) (*Outcome, error) {
	n := b.inflight.Add(1)
	defer b.inflight.Add(-1)
	for m := b.maxIn.Load(); n > m && !b.maxIn.CompareAndSwap(m, n); m = b.maxIn.Load() {
	}
	if b.gate != nil {
		b.gate()
	}
	b.mu.Lock()
	b.cmds = append(b.cmds, *cmd)
	if b.err != nil {
		b.mu.Unlock()
		return nil, b.err
	}
	b.seq++
	c := *cmd
	c.Seq = b.seq
	out := &Outcome{Cmd: c, Events: append([]matching.Event(nil), b.eng.Apply(&c)...)}
	b.track(out.Events)
	subs := b.subs
	b.mu.Unlock()
	for _, s := range subs[cmd.Account] {
		if !s.stopped.Load() {
			s.fn(out.Events)
		}
	}
	return out, nil
}

// track keeps the open orders from the reports, for QueryOpenOrders.
func (b *fakeBackend) track(evs []matching.Event) {
	for _, e := range evs {
		if e.Kind != matching.EvExec || e.OrderID == 0 || e.ExecType == matching.ExecRejected {
			continue
		}
		if e.LeavesQty == 0 {
			delete(b.open, e.OrderID)
			continue
		}
		b.open[e.OrderID] = matching.OrderView{
			Account: e.Account, Symbol: e.Symbol, OrderID: e.OrderID, ClientOrderID: e.ClientOrderID, Open: true,
			Side: e.Side, Type: e.Type, TIF: e.TIF, Price: e.Price, Qty: e.Qty, CumQty: e.CumQty, LeavesQty: e.LeavesQty, CumValue: e.CumValue,
		}
	}
}

func (b *fakeBackend) Query(ctx context.Context, q *Query) (*QueryResult, error) {
	if b.onQuery != nil {
		b.onQuery(q)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queries = append(b.queries, *q)
	if b.err != nil {
		return nil, b.err
	}
	if b.answer != nil {
		return b.answer(q), nil
	}
	res := &QueryResult{Found: true}
	for _, v := range b.open {
		if v.Account == q.Account && (q.Symbol == "" || v.Symbol == q.Symbol) && keyAfter(v.Key(), q.After) {
			res.Orders = append(res.Orders, v)
		}
	}
	slices.SortFunc(res.Orders, func(x, y matching.OrderView) int { return cmpKeys(x.Key(), y.Key()) })
	if b.page > 0 && len(res.Orders) > b.page {
		res.Orders, res.More = res.Orders[:b.page], true
	}
	return res, nil
}

func cmpKeys(x, y matching.OrderKey) int {
	return cmp.Or(cmp.Compare(x.Symbol, y.Symbol), cmp.Compare(x.OrderID, y.OrderID))
}

func keyAfter(k, after matching.OrderKey) bool { return cmpKeys(k, after) > 0 }

func (b *fakeBackend) SubscribeExec(account string, fn func(evs []matching.Event)) (func() error, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &execSub{fn: fn}
	b.subs[account] = append(append([]*execSub(nil), b.subs[account]...), s)
	return func() error { s.stopped.Store(true); return nil }, nil
}

// publishExec sends evs to the account's subscribers, as the engine's
// reports of someone else's command would arrive.
func (b *fakeBackend) publishExec(account string, evs []matching.Event) {
	b.mu.Lock()
	subs := b.subs[account]
	b.mu.Unlock()
	for _, s := range subs {
		if !s.stopped.Load() {
			s.fn(evs)
		}
	}
}

func (b *fakeBackend) commands() []matching.Command {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]matching.Command(nil), b.cmds...)
}

// fakeMD is a MarketData whose test publishes by hand. Publish holds the
// feed's lock, so calls are serial per (symbol, stream) as promised.
type fakeMD struct {
	mu    sync.Mutex
	feeds map[feedKey]*fakeFeed
	subs  atomic.Int32 // Subscribe calls
}

type fakeFeed struct {
	mu sync.Mutex
	fn func(marketdata.Message)
}

func newFakeMD() *fakeMD { return &fakeMD{feeds: map[feedKey]*fakeFeed{}} }

func (m *fakeMD) Subscribe(symbol string, stream marketdata.Stream, fn func(marketdata.Message)) (func(), error) {
	m.subs.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	f := &fakeFeed{fn: fn}
	m.feeds[feedKey{symbol, stream}] = f
	return func() {
		f.mu.Lock()
		f.fn = nil
		f.mu.Unlock()
	}, nil
}

// publish delivers msg on the stream's feed (a *Depth goes on book
// feeds too); false if nobody subscribed.
func (m *fakeMD) publish(stream marketdata.Stream, msg marketdata.Message) bool {
	m.mu.Lock()
	f := m.feeds[feedKey{msg.Head().Symbol, stream}]
	m.mu.Unlock()
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fn == nil {
		return false
	}
	f.fn(msg)
	return true
}

func contextDeadline() error {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	<-ctx.Done()
	return ctx.Err()
}
