package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// TestE2EManyOpenOrders: an account with 10,000 open orders (risk off, so
// no open-order limit) can list them and subscribe to its executions. In
// one piece their JSON (2.2 MB with 60-byte client order ids) is over the
// Go client's 1 MiB frame limit; orders.open and the executions snapshot
// come in pages of at most 1,000, and the client reads every page.
func TestE2EManyOpenOrders(t *testing.T) {
	ins, err := loadInstrumentFile("")
	if err != nil {
		t.Fatal(err)
	}
	n, err := startNode(context.Background(), nodeOptions{
		Engine: true, Gateway: true, DataDir: t.TempDir(), Instruments: ins,
		HTTPAddr: "127.0.0.1:0", Secret: e2eSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	const orders = 10_000
	var cmds []matching.Command
	for i := range orders {
		sym, px := e2eSym, matching.Price(60_000)
		if i%2 == 1 {
			sym, px = "000660", 190_000
		}
		cmds = append(cmds, matching.Command{Kind: matching.CmdPlace, Account: "A1", Symbol: sym,
			ClientOrderID: fmt.Sprintf("%05d-%s", i, strings.Repeat("x", 54)),
			Side:          matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: px, Qty: 1})
	}
	submitPipelined(t, n.eng.loop, cmds, func(r *matching.Result) {
		for _, ev := range r.Events {
			if ev.ExecType == matching.ExecRejected {
				t.Errorf("order %s rejected: %s", ev.ClientOrderID, ev.Reason)
			}
		}
	})

	a := dialE2E(t, n, "A1", false)
	open, err := a.OpenOrders(ctx5(t), "")
	if err != nil {
		t.Fatalf("orders.open over %d orders: %v", orders, err)
	}
	if len(open) != orders {
		t.Fatalf("orders.open listed %d orders, want %d", len(open), orders)
	}
	seen := map[string]bool{}
	for i, o := range open {
		if seen[o.ClientOrderID] || !o.Open || (i > 0 && o.Symbol < open[i-1].Symbol) {
			t.Fatalf("order %d: %+v (listed twice, closed, or out of symbol order)", i, o)
		}
		seen[o.ClientOrderID] = true
	}
	if only, err := a.OpenOrders(ctx5(t), "000660"); err != nil || len(only) != orders/2 {
		t.Fatalf("orders.open in 000660: %d orders, %v; want %d", len(only), err, orders/2)
	}

	msgs := newInbox()
	if err := a.Subscribe(ctx5(t), []string{"executions"}, msgs.add); err != nil {
		t.Fatal(err)
	}
	m, _ := msgs.waitFor(t, 0, "the open-orders snapshot", func(m any) bool { _, ok := m.(*api.OpenOrders); return ok })
	snap := m.(*api.OpenOrders)
	if len(snap.Orders) != api.OpenOrdersPage || snap.Next == "" {
		t.Fatalf("snapshot of %d orders, next %q; want the first %d and a cursor", len(snap.Orders), snap.Next, api.OpenOrdersPage)
	}
	var rest api.OrdersResult
	if err := a.Call(ctx5(t), api.MethodOpenOrders, api.OpenOrdersParams{After: snap.Next}, &rest); err != nil {
		t.Fatal(err)
	}
	if len(rest.Orders) == 0 || rest.Orders[0] != open[api.OpenOrdersPage] {
		t.Errorf("the page after the snapshot starts %+v, want %+v", rest.Orders[:min(1, len(rest.Orders))], open[api.OpenOrdersPage])
	}

	// A cancelAll of them all answers with the first and the latest reports
	// (10,000 in full would be a 4 MB frame). The executions stream carries
	// every one, 4.5 MB at once: what the connection's queue cannot take is
	// dropped with a resync marker, after which the client resubscribes and
	// gets a fresh snapshot; either way the connection stays.
	mark := len(msgs.snapshot())
	res, err := a.CancelAll(ctx5(t), "")
	if err != nil {
		t.Fatalf("cancelAll of %d orders: %v", orders, err)
	}
	last := res.Reports[len(res.Reports)-1]
	if len(res.Reports) != api.MaxReplyReports || !res.Truncated || last.ExecType != "canceled" || last.ClientOrderID != open[len(open)-1].ClientOrderID {
		t.Errorf("cancelAll answered %d reports, truncated %v, the last %+v; want %d, truncated, the last order's cancel",
			len(res.Reports), res.Truncated, last, api.MaxReplyReports)
	}
	if left, err := a.OpenOrders(ctx5(t), ""); err != nil || len(left) != 0 {
		t.Errorf("after cancelAll: %d open orders, %v", len(left), err)
	}
	var canceled int
	var resynced bool
	settled := func() bool {
		canceled, resynced = 0, false
		for _, m := range msgs.snapshot()[mark:] {
			switch m := m.(type) {
			case *api.ExecutionReport:
				if m.ExecType == "canceled" {
					canceled++
				}
			case *api.Resync:
				resynced = true
			case *api.OpenOrders:
				if resynced && len(m.Orders) == 0 {
					return true
				}
			}
		}
		return canceled == orders
	}
	for deadline := time.Now().Add(10 * time.Second); !settled(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after cancelAll: %d cancels on the stream, resync %v, and no fresh empty snapshot", canceled, resynced)
		}
	}
	t.Logf("executions stream after cancelAll: %d cancels, resync %v", canceled, resynced)
	if _, err := a.Status(ctx5(t), api.StatusParams{ClientOrderID: open[0].ClientOrderID}); err != nil {
		t.Errorf("the connection after the burst: %v", err)
	}
}
