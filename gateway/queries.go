package gateway

import (
	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// The read methods. Each asks the backend about the token's account only,
// and keeps only what belongs to it, should a backend answer more.

func orderStatus(c *conn, r *call) answer {
	var p api.StatusParams
	if err := decodeParams(r.params, &p); err != nil {
		return fail(err)
	}
	q := Query{Kind: QueryOrder, Account: c.account, Symbol: p.Symbol}
	if err := statusTarget(&p, &q); err != nil {
		return fail(err)
	}
	res, e := c.query(r, &q)
	if e != nil {
		return fail(e)
	}
	states := orderStates(res.Orders, c.account)
	if !res.Found || len(states) == 0 {
		return fail(api.Errorf(api.UnknownOrder, "no such order for this account"))
	}
	return answer{result: states[0]}
}

func openOrders(c *conn, r *call) answer {
	var p api.OpenOrdersParams
	if err := decodeParams(r.params, &p); err != nil {
		return fail(err)
	}
	after, e := parseOpenCursor(p.After)
	if e != nil {
		return fail(e)
	}
	res, e := c.query(r, &Query{Kind: QueryOpenOrders, Account: c.account, Symbol: p.Symbol, After: after})
	if e != nil {
		return fail(e)
	}
	return answer{result: api.OrdersResult{Orders: orderStates(res.Orders, c.account), Next: nextCursor(res)}}
}

// nextCursor is the cursor after a page of open orders, or "" after the
// last page.
func nextCursor(res *QueryResult) string {
	if !res.More || len(res.Orders) == 0 {
		return ""
	}
	return openCursor(res.Orders[len(res.Orders)-1].Key())
}

func balance(c *conn, r *call) answer {
	if err := decodeParams(r.params, &struct{}{}); err != nil {
		return fail(err)
	}
	res, e := c.query(r, &Query{Kind: QueryBalance, Account: c.account})
	if e != nil {
		return fail(e)
	}
	b := res.Balance
	return answer{result: api.BalanceResult{
		Account: c.account, Cash: number(b.Cash), Hold: number(b.Hold), Available: number(b.Cash - b.Hold),
	}}
}

func positions(c *conn, r *call) answer {
	if err := decodeParams(r.params, &struct{}{}); err != nil {
		return fail(err)
	}
	res, e := c.query(r, &Query{Kind: QueryPositions, Account: c.account})
	if e != nil {
		return fail(e)
	}
	out := api.PositionsResult{Account: c.account, Positions: make([]api.Position, 0, len(res.Positions))}
	for _, p := range res.Positions {
		out.Positions = append(out.Positions, api.Position{
			Symbol: p.Symbol, Qty: number(int64(p.Qty)), Hold: number(int64(p.Hold)), Available: number(int64(p.Qty - p.Hold)),
		})
	}
	return answer{result: out}
}

func (c *conn) query(r *call, q *Query) (*QueryResult, *api.Error) {
	res, err := c.srv.cfg.Backend.Query(r.ctx, q)
	if err != nil {
		return nil, c.srv.backendError(err, false)
	}
	return res, nil
}

// orderStates converts the account's orders, skipping any other's.
func orderStates(vs []matching.OrderView, account string) []api.OrderState {
	out := make([]api.OrderState, 0, len(vs))
	for i := range vs {
		if vs[i].Account == account {
			out = append(out, orderState(&vs[i]))
		}
	}
	return out
}

// orderState renders one order: an open one, a closed one with the state it
// ended in, or a closed one known by its ids only ("closed").
func orderState(v *matching.OrderView) api.OrderState {
	s := api.OrderState{OrderID: orderID(v.OrderID), ClientOrderID: v.ClientOrderID, Symbol: v.Symbol, Open: v.Open, Status: "closed"}
	switch {
	case v.Open:
		s.Status = openStatus(v)
	case v.Status != 0:
		s.Status = known(v.Status.String())
	default:
		return s
	}
	s.Side, s.OrdType, s.TIF = side(v.Side), known(v.Type.String()), known(v.TIF.String())
	s.Price, s.StopPrice = optional(int64(v.Price)), optional(int64(v.StopPrice))
	s.Qty, s.CumQty, s.LeavesQty = number(int64(v.Qty)), number(int64(v.CumQty)), number(int64(v.LeavesQty))
	s.AvgPx = "0"
	if v.CumQty > 0 {
		s.AvgPx = AvgPx(v.CumValue, int64(v.CumQty))
	}
	return s
}

func openStatus(v *matching.OrderView) string {
	switch {
	case v.Type == matching.StopLimit && !v.Triggered:
		return "pending"
	case v.CumQty > 0:
		return "partially_filled"
	}
	return "new"
}
