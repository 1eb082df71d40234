package gateway

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

func limitOrder(cid, side, price, qty string) map[string]any {
	return map[string]any{"symbol": "005930", "side": side, "type": "limit", "price": price, "qty": qty, "clientOrderId": cid}
}

func TestPlaceCancelRoundTrip(t *testing.T) {
	e := newEnv(t, nil)
	c := e.trader("A1")
	m := c.call(api.MethodPlace, limitOrder("c1", "buy", "71000", "10"))
	res := decode[api.OrderResult](t, m.Result)
	if m.Status != 200 || m.Error != nil || len(res.Reports) != 1 || res.Reports[0].ExecType != "new" || res.Seq != 1 {
		t.Fatalf("place reply %s: want 200 with one new report at seq 1", m.raw)
	}
	id := res.Reports[0].OrderID
	m = c.call(api.MethodCancel, map[string]any{"symbol": "005930", "orderId": id})
	res = decode[api.OrderResult](t, m.Result)
	if m.Status != 200 || len(res.Reports) != 1 || res.Reports[0].ExecType != "canceled" || res.Reports[0].OrderID != id {
		t.Fatalf("cancel reply %s: want a canceled report for order %s", m.raw, id)
	}
	for _, cmd := range e.be.commands() {
		if cmd.Account != "A1" {
			t.Errorf("backend got account %q, want A1 (the token's)", cmd.Account)
		}
	}
}

func TestTakerSeesOnlyOwnReports(t *testing.T) {
	e := newEnv(t, nil)
	maker, taker := e.trader("M1"), e.trader("T1")
	maker.call(api.MethodPlace, limitOrder("m1", "sell", "71000", "5"))
	m := taker.call(api.MethodPlace, limitOrder("t1", "buy", "71000", "5"))
	res := decode[api.OrderResult](t, m.Result)
	for _, r := range res.Reports {
		if r.Account != "T1" {
			t.Errorf("taker's reply has a report of %s: %s", r.Account, m.raw)
		}
	}
	if len(res.Reports) != 2 || res.Reports[1].Status != "filled" {
		t.Errorf("taker's reply %s: want new + trade (filled)", m.raw)
	}
}

func TestEngineRejectionCarriesReport(t *testing.T) {
	e := newEnv(t, nil)
	c := e.trader("A1")
	p := limitOrder("c1", "buy", "71000", "1")
	p["symbol"] = "999999"
	m := c.call(api.MethodPlace, p)
	c.expectError(m, api.UnknownSymbol)
	res := decode[api.OrderResult](t, m.Result)
	if len(res.Reports) != 1 || res.Reports[0].ExecType != "rejected" || res.Reports[0].Reason != api.UnknownSymbol {
		t.Fatalf("reply %s: want the rejected report as result", m.raw)
	}
	if n := len(e.be.commands()); n != 1 {
		t.Errorf("backend got %d commands, want 1: the engine decides unknown symbols", n)
	}
}

// TestPipelined sends requests without waiting: they must reach the
// backend concurrently and every reply must come back, matched by id.
func TestPipelined(t *testing.T) {
	const n = 8
	e := newEnv(t, nil)
	var wg sync.WaitGroup
	wg.Add(n)
	e.be.gate = func() { wg.Done(); wg.Wait() } // nobody passes until all n are in flight
	c := e.trader("A1")
	ids := map[string]bool{}
	for i := range n {
		ids[c.send(api.MethodPlace, limitOrder(fmt.Sprint("p", i), "buy", "70000", "1"))] = true
	}
	for len(ids) > 0 {
		m := c.next()
		if !ids[string(m.ID)] || m.Status != 200 {
			t.Fatalf("unexpected message %s", m.raw)
		}
		delete(ids, string(m.ID))
	}
	if got := e.be.maxIn.Load(); got != n {
		t.Errorf("backend saw at most %d submits in flight, want %d", got, n)
	}
}

func TestInFlightBound(t *testing.T) {
	release := make(chan struct{})
	e := newEnv(t, func(c *Config) { c.MaxInFlight = 2 })
	e.be.gate = func() { <-release }
	c := e.trader("A1")
	c.send(api.MethodPlace, limitOrder("a", "buy", "70000", "1"))
	c.send(api.MethodPlace, limitOrder("b", "buy", "70000", "1"))
	eventually(t, "two submits in flight", func() bool { return e.be.inflight.Load() == 2 })
	m := c.call(api.MethodPlace, limitOrder("c", "buy", "70000", "1"))
	c.expectError(m, api.RateLimited)
	close(release)
	c.next()
	c.next()
	c.alive()
}

// TestCancelOtherAccountsOrder: the backend gets the caller's account,
// never the order owner's, and the engine finds no such order for it.
func TestCancelOtherAccountsOrder(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.trader("A1"), e.trader("B1")
	res := decode[api.OrderResult](t, a.call(api.MethodPlace, limitOrder("c1", "buy", "71000", "10")).Result)
	id := res.Reports[0].OrderID
	m := b.call(api.MethodCancel, map[string]any{"symbol": "005930", "orderId": id, "account": "A1"})
	b.expectError(m, api.UnknownField) // no account param exists
	m = b.call(api.MethodCancel, map[string]any{"symbol": "005930", "orderId": id})
	b.expectError(m, api.UnknownOrder)
	m = b.call(api.MethodCancel, map[string]any{"symbol": "005930", "origClientOrderId": "c1"})
	b.expectError(m, api.UnknownOrder)
	cmds := e.be.commands()
	for _, cmd := range cmds[1:] {
		if cmd.Account != "B1" {
			t.Errorf("backend got account %q for B1's cancel", cmd.Account)
		}
	}
	st := a.call(api.MethodStatus, map[string]any{"orderId": id})
	if s := decode[api.OrderState](t, st.Result); !s.Open {
		t.Errorf("A1's order after B1's cancels: %s, want open", st.raw)
	}
}

// TestOrderStatusClosed: a closed order the engine knows the end of is
// shown with it (status, quantities, average price, nothing left); one it
// knows by its ids only is "closed" with the ids.
func TestOrderStatusClosed(t *testing.T) {
	e := newEnv(t, nil)
	views := map[string]matching.OrderView{
		"done": {Account: "A1", Symbol: "005930", OrderID: 4, ClientOrderID: "done", Status: matching.StatusCanceled,
			Side: matching.Sell, Type: matching.Limit, TIF: matching.Day, Price: 71000, Qty: 10, CumQty: 4, CumValue: 283_600},
		"old": {Account: "A1", Symbol: "005930", OrderID: 2, ClientOrderID: "old"},
	}
	e.be.answer = func(q *Query) *QueryResult {
		v, ok := views[q.ClientOrderID]
		return &QueryResult{Found: ok, Orders: []matching.OrderView{v}}
	}
	c := e.trader("A1")
	got := decode[api.OrderState](t, c.call(api.MethodStatus, map[string]any{"clientOrderId": "done"}).Result)
	want := api.OrderState{OrderID: "4", ClientOrderID: "done", Symbol: "005930", Status: "canceled", Side: "sell", OrdType: "limit",
		TIF: "day", Price: "71000", Qty: "10", CumQty: "4", LeavesQty: "0", AvgPx: "70900"}
	if got != want {
		t.Errorf("a canceled order's status:\n got %+v\nwant %+v", got, want)
	}
	got = decode[api.OrderState](t, c.call(api.MethodStatus, map[string]any{"clientOrderId": "old"}).Result)
	if want := (api.OrderState{OrderID: "2", ClientOrderID: "old", Symbol: "005930", Status: "closed"}); got != want {
		t.Errorf("a closed order known by its ids: %+v, want %+v", got, want)
	}
}

func TestQueriesAreScopedToTheToken(t *testing.T) {
	e := newEnv(t, nil)
	e.be.answer = func(q *Query) *QueryResult {
		return &QueryResult{
			Found: true,
			Orders: []matching.OrderView{
				{Account: q.Account, Symbol: "005930", OrderID: 1, Open: true, Side: matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: 71000, Qty: 10, CumQty: 4, LeavesQty: 6, CumValue: 284000},
				{Account: "OTHER", Symbol: "005930", OrderID: 2, Open: true},
			},
			Balance:   matching.BalanceView{Account: q.Account, Cash: 1000, Hold: 300},
			Positions: []matching.PositionView{{Symbol: "005930", Qty: 10, Hold: 4}},
		}
	}
	c := e.trader("A1")
	open := decode[api.OrdersResult](t, c.call(api.MethodOpenOrders, nil).Result)
	if len(open.Orders) != 1 || open.Orders[0].Status != "partially_filled" || open.Orders[0].AvgPx != "71000" {
		t.Errorf("orders.open: %+v, want A1's one partially filled order only", open)
	}
	bal := decode[api.BalanceResult](t, c.call(api.MethodBalance, nil).Result)
	if bal != (api.BalanceResult{Account: "A1", Cash: "1000", Hold: "300", Available: "700"}) {
		t.Errorf("balance: %+v", bal)
	}
	pos := decode[api.PositionsResult](t, c.call(api.MethodPositions, map[string]any{}).Result)
	if len(pos.Positions) != 1 || pos.Positions[0].Available != "6" {
		t.Errorf("positions: %+v", pos)
	}
	for _, q := range e.be.queries {
		if q.Account != "A1" {
			t.Errorf("query %+v: want account A1", q)
		}
	}
}

func TestBackendErrors(t *testing.T) {
	tests := []struct {
		err   error
		place api.Code
		query api.Code
	}{
		{ErrBusy, api.Busy, api.Busy},
		{fmt.Errorf("nats: %w", ErrUnavailable), api.Unavailable, api.Unavailable},
		{ErrOutcomeUnknown, api.OutcomeUnknown, api.OutcomeUnknown},
		{fmt.Errorf("wrapped: %w", errTimeout), api.OutcomeUnknown, api.Timeout},
		{errors.New("boom"), api.Internal, api.Internal},
	}
	for _, tt := range tests {
		e := newEnv(t, nil)
		e.be.err = tt.err
		c := e.trader("A1")
		m := c.call(api.MethodPlace, limitOrder("c1", "buy", "71000", "1"))
		c.expectError(m, tt.place)
		if tt.place == api.Busy && m.Error.RetryAfterMs != 100 {
			t.Errorf("BUSY: retryAfterMs %d, want 100", m.Error.RetryAfterMs)
		}
		c.expectError(c.call(api.MethodBalance, nil), tt.query)
	}
}

// errTimeout stands for a context deadline, as a backend reports it.
var errTimeout = contextDeadline()

func TestPing(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(nil)
	m := c.call(api.MethodPing, nil)
	if r := decode[api.PingResult](t, m.Result); r.TS != testNow.UTC().Format(time.RFC3339Nano) {
		t.Errorf("ping: %s", m.raw)
	}
}

func TestCancelAll(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.trader("A1"), e.trader("B1")
	a.call(api.MethodPlace, limitOrder("a1", "buy", "70000", "1"))
	a.call(api.MethodPlace, limitOrder("a2", "buy", "70100", "1"))
	b.call(api.MethodPlace, limitOrder("b1", "buy", "70000", "1"))
	m := a.call(api.MethodCancelAll, nil)
	res := decode[api.OrderResult](t, m.Result)
	if m.Status != 200 || len(res.Reports) != 2 || res.Reports[0].ExecType != "canceled" {
		t.Fatalf("cancelAll reply %s: want A1's two orders canceled", m.raw)
	}
	if cmd := e.be.commands()[3]; cmd.Kind != matching.CmdCancelAll || cmd.Account != "A1" || cmd.Symbol != "" {
		t.Errorf("backend got %+v, want cancelAll of A1 in every symbol", cmd)
	}
	open := decode[api.OrdersResult](t, b.call(api.MethodOpenOrders, nil).Result)
	if len(open.Orders) != 1 {
		t.Errorf("B1's open orders after A1's cancelAll: %+v, want its one order", open)
	}
}
