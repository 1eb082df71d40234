package gateway

import (
	"strconv"
	"strings"
	"testing"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// placeOpen rests n buy orders of c's account, client order ids o0, o1, ….
func placeOpen(t *testing.T, c *client, n int) {
	t.Helper()
	for i := range n {
		if m := c.call(api.MethodPlace, limitOrder("o"+string(rune('0'+i)), "buy", "70000", "1")); m.Status != 200 {
			t.Fatalf("place %d: %s", i, m.raw)
		}
	}
}

// TestOpenOrdersPages: when the engine answers a page at a time, orders.open
// gives each page with a next cursor, the last without; following the
// cursors lists every open order once, in order.
func TestOpenOrdersPages(t *testing.T) {
	e := newEnv(t, nil)
	e.be.page = 2
	c := e.trader("A1")
	placeOpen(t, c, 5)
	var got []string
	params := map[string]any{}
	for pages := 1; ; pages++ {
		r := decode[api.OrdersResult](t, c.call(api.MethodOpenOrders, params).Result)
		if len(r.Orders) > 2 || pages > 5 {
			t.Fatalf("page %d: %+v", pages, r)
		}
		for _, o := range r.Orders {
			got = append(got, o.ClientOrderID)
		}
		if r.Next == "" {
			break
		}
		params["after"] = r.Next
	}
	if strings.Join(got, ",") != "o0,o1,o2,o3,o4" {
		t.Errorf("pages listed %v, want o0..o4 in order", got)
	}
	for _, q := range e.be.queries {
		if q.Kind == QueryOpenOrders && q.Account != "A1" {
			t.Errorf("query %+v: want account A1", q)
		}
	}
}

// TestOpenOrdersBadCursor: an after that orders.open did not give is
// INVALID_FIELD, asks the engine nothing, and the connection stays open.
func TestOpenOrdersBadCursor(t *testing.T) {
	e := newEnv(t, nil)
	c := e.trader("A1")
	for _, after := range []any{"junk", ":5", "005930:", "005930:0", "005930:-1", "005930:x1",
		"005930:99999999999999999999999", strings.Repeat("9", 300) + ":1", 5} {
		c.expectError(c.call(api.MethodOpenOrders, map[string]any{"after": after}), api.InvalidField)
	}
	for _, q := range e.be.queries {
		if q.Kind == QueryOpenOrders {
			t.Errorf("a bad cursor reached the engine: %+v", q)
		}
	}
	c.alive()
}

// TestExecutionsSnapshotFirstPage: the executions stream's openOrders holds
// the first page, and its next cursor reads the rest with orders.open.
func TestExecutionsSnapshotFirstPage(t *testing.T) {
	e := newEnv(t, nil)
	e.be.page = 3
	c := e.trader("A1")
	placeOpen(t, c, 5)
	c.call(api.MethodSubscribe, map[string]any{"streams": []string{"executions"}})
	snap := decode[api.OpenOrders](t, c.next().raw)
	if len(snap.Orders) != 3 || snap.Next == "" {
		t.Fatalf("snapshot %+v, want the first 3 orders and a cursor", snap)
	}
	rest := decode[api.OrdersResult](t, c.call(api.MethodOpenOrders, map[string]any{"after": snap.Next}).Result)
	if len(rest.Orders) != 2 || rest.Orders[0].ClientOrderID != "o3" || rest.Next != "" {
		t.Errorf("after the snapshot's cursor: %+v, want o3 and o4, no more", rest)
	}
}

// TestOrderAnswerBounded: a command with more of the caller's reports than
// a reply holds answers with the first and the latest, in order, marked
// truncated; other accounts' reports never count.
func TestOrderAnswerBounded(t *testing.T) {
	for _, n := range []int{3, api.MaxReplyReports, api.MaxReplyReports + 1, 2500} {
		out := &Outcome{Cmd: matching.Command{Seq: 7}}
		for i := range n {
			out.Events = append(out.Events,
				matching.Event{Kind: matching.EvExec, Account: "A1", OrderID: matching.OrderID(i + 1), ExecType: matching.ExecCanceled},
				matching.Event{Kind: matching.EvExec, Account: "B1", OrderID: matching.OrderID(i + 1)})
		}
		res := orderAnswer(out, "A1", nil).result.(api.OrderResult)
		want := min(n, api.MaxReplyReports)
		if len(res.Reports) != want || res.Truncated != (n > want) || res.Seq != 7 {
			t.Fatalf("%d reports: answered %d, truncated %v; want %d, %v", n, len(res.Reports), res.Truncated, want, n > want)
		}
		last := len(res.Reports) - 1
		if res.Reports[0].OrderID != "1" || res.Reports[last].OrderID != api.OrderID(strconv.Itoa(n)) {
			t.Errorf("%d reports: first %s, last %s; want 1 and %d", n, res.Reports[0].OrderID, res.Reports[last].OrderID, n)
		}
		for i := 2; i <= last; i++ {
			prev, _ := strconv.Atoi(string(res.Reports[i-1].OrderID))
			if cur, _ := strconv.Atoi(string(res.Reports[i].OrderID)); cur != prev+1 || res.Reports[i].Account != "A1" {
				t.Fatalf("%d reports: report %d is %+v after order %d; want A1's latest, consecutive", n, i, res.Reports[i], prev)
			}
		}
	}
}
