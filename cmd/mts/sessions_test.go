package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

// TestE2EOpeningAuction runs the session scheduler on a clock that starts
// at 08:59:58 KST on a weekday at 4× speed: the market opens in the
// opening auction, crossing orders rest without trading while the status
// stream shows the indicative price, and at 09:00 the scheduler's phase
// command uncrosses the book: a marketStatus "continuous" with the auction
// price, then the trade.
func TestE2EOpeningAuction(t *testing.T) {
	start := time.Date(2026, 11, 25, 8, 59, 58, 0, matching.KST) // a Wednesday
	w0 := time.Now()
	clock := func() int64 { return start.UnixNano() + 4*int64(time.Since(w0)) }
	ins, _ := loadInstrumentFile("")
	rc := risk.DefaultConfig()
	sch := matching.DefaultSchedule()
	n, err := startNode(context.Background(), nodeOptions{
		Engine: true, Gateway: true, DataDir: t.TempDir(), Instruments: ins, Risk: &rc, Async: true,
		HTTPAddr: "127.0.0.1:0", Secret: e2eSecret, Accounts: []string{"A1", "B1"},
		Sessions: &sch, Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	watcher, wi := dialE2E(t, n, "", false), newInbox()
	if err := watcher.Subscribe(ctx5(t), []string{"status." + e2eSym, "trades." + e2eSym}, wi.add); err != nil {
		t.Fatal(err)
	}
	phase := func(p string) func(any) bool {
		return func(m any) bool { s, ok := m.(*api.MarketStatus); return ok && s.Phase == p }
	}
	_, at := wi.waitFor(t, 0, "the opening auction", phase("opening_auction"))
	a, b := dialE2E(t, n, "A1", false), dialE2E(t, n, "B1", false)
	if r, err := a.Place(ctx5(t), limit("sell", "71000", "10", "oa-s")); err != nil || r.Reports[0].Status != "new" {
		t.Fatalf("sell in the auction: %+v %v", r, err)
	}
	if r, err := b.Place(ctx5(t), limit("buy", "71100", "10", "oa-b")); err != nil || r.Reports[len(r.Reports)-1].Status != "new" {
		t.Fatalf("a crossing buy in the auction must rest, not trade: %+v %v", r, err)
	}
	ioc := limit("buy", "71100", "1", "oa-ioc")
	ioc.TIF = "ioc"
	if _, err := b.Place(ctx5(t), ioc); err == nil {
		t.Fatal("IOC accepted in the opening auction")
	}
	ind, _ := wi.waitFor(t, at, "an indicative price", func(m any) bool { s, ok := m.(*api.MarketStatus); return ok && s.IndicativeQty == "10" })
	if p := ind.(*api.MarketStatus).IndicativePrice; p != "71000" && p != "71100" {
		t.Fatalf("indicative price %s, want one of the crossing prices", p)
	}
	open, _ := wi.waitFor(t, at, "the open at 09:00", phase("continuous"))
	px := open.(*api.MarketStatus).AuctionPrice
	if px == "" {
		t.Fatalf("the open uncrossed nothing: %+v", open)
	}
	tr, _ := wi.waitFor(t, 0, "the auction trade", func(m any) bool { _, ok := m.(*api.MarketTrade); return ok })
	if got := tr.(*api.MarketTrade); got.Price != px || got.Qty != "10" {
		t.Fatalf("auction trade %+v, want 10 at %s", got, px)
	}
}
