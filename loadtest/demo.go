package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mts-krx/mts/api"
)

// DemoConfig describes the simulated traders of `mts serve --demo`. They
// are ordinary clients of the public protocol; the server must have opened
// the accounts and funded them (makers need cash and shares, takers cash
// and shares to sell).
type DemoConfig struct {
	URL         string
	Header      http.Header
	Makers      []string // accounts quoting two-sided ladders
	Takers      []string // accounts sending marketable orders
	Token       func(account string) (string, error)
	Instruments []Instrument

	// Rate is orders/s of all traders together (places, amends and
	// cancels); default 20, enough for a live book, trades and candles.
	Rate float64
	// Levels is each maker's ladder depth per side; default 5.
	Levels int
	// Drift bounds how far (ticks) a maker's mid price wanders from the
	// base price; default 10. Keep (Drift+Levels)×Tick within the daily
	// price limits and the tick band.
	Drift  int
	MaxQty int64 // default 10
	RunID  string
	Seed   uint64
	// Logf, if set, receives one line per failed request.
	Logf func(format string, args ...any)
}

func (c DemoConfig) withDefaults() (DemoConfig, error) {
	switch {
	case c.URL == "" || c.Token == nil:
		return c, errors.New("loadtest: demo needs a URL and a token function")
	case len(c.Makers)+len(c.Takers) == 0 || len(c.Instruments) == 0:
		return c, errors.New("loadtest: demo needs traders and instruments")
	}
	if err := checkInstruments(c.Instruments); err != nil {
		return c, err
	}
	c.Rate = defaultTo(c.Rate, 20)
	c.Levels = defaultTo(c.Levels, 5)
	c.Drift = defaultTo(c.Drift, 10)
	c.MaxQty = defaultTo(c.MaxQty, 10)
	c.RunID = defaultTo(c.RunID, "d"+runID()[1:])
	c.Seed = defaultTo(c.Seed, uint64(time.Now().UnixNano()))
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c, nil
}

// Demo runs the traders until ctx ends, then cancels their orders and
// returns nil. It fails at once if a trader cannot connect; later
// disconnections are retried by the client.
//
// Each trader is one goroutine with its own connection, acting at its
// share of Rate. A maker keeps, for every instrument, a mid price that
// random-walks within Drift ticks of the base, and a ladder of Levels
// orders a side one tick apart around it; each step moves one rung to
// where it should be (placing it, amending its price, or now and then
// canceling it). A taker sends an immediate-or-cancel limit order priced
// through every maker's ladder, so it trades with the best quote.
func Demo(ctx context.Context, cfg DemoConfig) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	traders, err := dialTraders(ctx, cfg)
	defer func() {
		for _, t := range traders {
			t.client.Close()
		}
	}()
	if err != nil {
		return err
	}
	interval := time.Duration(float64(time.Second) * float64(len(traders)) / cfg.Rate)
	var wg sync.WaitGroup
	for _, t := range traders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.run(ctx, interval)
		}()
	}
	wg.Wait()
	return nil
}

func dialTraders(ctx context.Context, cfg DemoConfig) ([]*trader, error) {
	var traders []*trader
	add := func(acct string, maker bool) error {
		tok, err := cfg.Token(acct)
		if err != nil {
			return fmt.Errorf("loadtest: demo token for %s: %w", acct, err)
		}
		c, err := api.Dial(ctx, cfg.URL, api.ClientOptions{Token: tok, Header: cfg.Header, Reconnect: true})
		if err != nil {
			return fmt.Errorf("loadtest: demo trader %s: %w", acct, err)
		}
		traders = append(traders, newTrader(cfg, c, acct, maker, len(traders)))
		return nil
	}
	for _, a := range cfg.Makers {
		if err := add(a, true); err != nil {
			return traders, err
		}
	}
	for _, a := range cfg.Takers {
		if err := add(a, false); err != nil {
			return traders, err
		}
	}
	return traders, nil
}

// trader is one simulated account. Its goroutine owns everything but
// closed, which the executions stream's handler (on the client's
// dispatcher goroutine) fills in: orders that are no longer on the book.
type trader struct {
	cfg     DemoConfig
	client  *api.Client
	account string
	maker   bool
	rng     *rand.Rand
	seq     uint64
	mids    []int64            // per instrument
	rungs   map[rungKey]*quote // the maker's resting quotes

	mu     sync.Mutex
	closed map[api.OrderID]bool
}

// rungKey names one rung of a ladder: instrument, side and level.
type rungKey struct {
	ins   int
	buy   bool
	level int
}

type quote struct {
	id    api.OrderID
	price int64
}

func newTrader(cfg DemoConfig, c *api.Client, account string, maker bool, i int) *trader {
	t := &trader{
		cfg: cfg, client: c, account: account, maker: maker,
		rng:   rand.New(rand.NewPCG(cfg.Seed, uint64(i))),
		rungs: map[rungKey]*quote{}, closed: map[api.OrderID]bool{},
	}
	for _, in := range cfg.Instruments {
		t.mids = append(t.mids, in.Base)
	}
	return t
}

// run steps until ctx ends, then cancels the trader's orders. The first
// step waits a random part of the interval so traders do not act in step.
func (t *trader) run(ctx context.Context, interval time.Duration) {
	if t.maker {
		t.watchExecutions(ctx)
	}
	tick := time.NewTimer(time.Duration(t.rng.Int64N(int64(interval) + 1)))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			t.cancelAll()
			return
		case <-tick.C:
		}
		t.step(ctx)
		tick.Reset(interval)
	}
}

// watchExecutions learns which quotes filled, so the maker replaces them
// instead of amending orders that are gone. Without the stream the maker
// still works: an amend of a filled order fails and the rung is emptied.
func (t *trader) watchExecutions(ctx context.Context) {
	err := t.client.Subscribe(ctx, []string{"executions"}, func(msg any) {
		er, ok := msg.(*api.ExecutionReport)
		if !ok || er.Status == "new" || er.Status == "partially_filled" {
			return
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		t.closed[er.OrderID] = true
	})
	if err != nil {
		t.cfg.Logf("demo %s: subscribe executions: %v", t.account, err)
	}
}

func (t *trader) isClosed(id api.OrderID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	closed := t.closed[id]
	delete(t.closed, id)
	return closed
}

func (t *trader) step(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	i := t.rng.IntN(len(t.cfg.Instruments))
	if t.maker {
		t.quote(ctx, i)
	} else {
		t.take(ctx, i)
	}
}

// quote moves the mid now and then and puts one rung where it belongs.
func (t *trader) quote(ctx context.Context, i int) {
	in := t.cfg.Instruments[i]
	if t.rng.IntN(3) == 0 {
		lo, hi := in.Base-int64(t.cfg.Drift)*in.Tick, in.Base+int64(t.cfg.Drift)*in.Tick
		t.mids[i] = min(max(t.mids[i]+int64(t.rng.IntN(3)-1)*in.Tick, lo), hi)
	}
	k := rungKey{ins: i, buy: t.rng.IntN(2) == 0, level: t.rng.IntN(t.cfg.Levels)}
	price := t.mids[i] + int64(k.level+1)*in.Tick
	if k.buy {
		price = t.mids[i] - int64(k.level+1)*in.Tick
	}
	q := t.rungs[k]
	if q != nil && t.isClosed(q.id) {
		delete(t.rungs, k)
		q = nil
	}
	switch {
	case q == nil:
		t.placeRung(ctx, k, price)
	case t.rng.IntN(10) == 0:
		t.cancelRung(ctx, k)
	case q.price != price:
		t.amendRung(ctx, k, price)
	}
}

func (t *trader) placeRung(ctx context.Context, k rungKey, price int64) {
	in := t.cfg.Instruments[k.ins]
	res, err := t.client.Place(ctx, t.order(in, k.buy, price, "day"))
	if err != nil || res == nil || len(res.Reports) == 0 {
		t.logf("place", err)
		return
	}
	if resting(res) {
		t.rungs[k] = &quote{id: res.Reports[len(res.Reports)-1].OrderID, price: price}
	}
}

func (t *trader) amendRung(ctx context.Context, k rungKey, price int64) {
	q := t.rungs[k]
	p := api.AmendParams{Symbol: t.cfg.Instruments[k.ins].Symbol, OrderID: q.id, Price: decimal(price)}
	if _, err := t.client.Amend(ctx, p); err != nil {
		// Most often the order filled meanwhile; either way, start the
		// rung afresh rather than guess.
		t.logf("amend", err)
		delete(t.rungs, k)
		return
	}
	q.price = price
}

func (t *trader) cancelRung(ctx context.Context, k rungKey) {
	q := t.rungs[k]
	delete(t.rungs, k)
	p := api.CancelParams{Symbol: t.cfg.Instruments[k.ins].Symbol, OrderID: q.id}
	if _, err := t.client.Cancel(ctx, p); err != nil {
		t.logf("cancel", err)
	}
}

// take sends an IOC order priced through the widest ladder any maker can
// have, so it trades with whatever is best.
func (t *trader) take(ctx context.Context, i int) {
	in := t.cfg.Instruments[i]
	buy := t.rng.IntN(2) == 0
	reach := int64(t.cfg.Drift+t.cfg.Levels) * in.Tick
	price := in.Base - reach
	if buy {
		price = in.Base + reach
	}
	if _, err := t.client.Place(ctx, t.order(in, buy, price, "ioc")); err != nil {
		t.logf("take", err)
	}
}

func (t *trader) order(in Instrument, buy bool, price int64, tif string) api.PlaceParams {
	side := "sell"
	if buy {
		side = "buy"
	}
	t.seq++
	return api.PlaceParams{
		Symbol: in.Symbol, Side: side, Type: "limit", TIF: tif, Price: decimal(price),
		Qty:           decimal(1 + t.rng.Int64N(t.cfg.MaxQty)),
		ClientOrderID: t.cfg.RunID + "-" + t.account + "-" + strconv.FormatUint(t.seq, 36),
	}
}

// cancelAll takes the maker's quotes off the book when the demo stops, so
// a server that keeps running is not left with orphaned ladders.
func (t *trader) cancelAll() {
	if !t.maker {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, in := range t.cfg.Instruments {
		t.client.CancelAll(ctx, in.Symbol)
	}
}

func (t *trader) logf(what string, err error) {
	if err != nil {
		t.cfg.Logf("demo %s %s: %v", t.account, what, err)
	}
}
