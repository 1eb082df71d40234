package risk

import (
	"bytes"
	"testing"

	"github.com/mts-krx/mts/orderbook"
)

const buy, sell = orderbook.Buy, orderbook.Sell

// funded returns a Checker with account A funded with cash and 1,000 shares
// of S, under cfg.
func funded(t *testing.T, cfg Config) *Checker {
	t.Helper()
	c := New(cfg)
	for _, v := range []Verdict{
		c.OpenAccount("A", "", "o"),
		c.Deposit("A", 1_000_000_000, "d"),
		c.CreditShares("A", "S", 1000, "c"),
	} {
		if v != OK {
			t.Fatalf("setup: %v", v)
		}
	}
	return c
}

func order(side orderbook.Side, px price, q qty, ts int64) *Order {
	return &Order{Account: "A", Symbol: "S", Class: "KOSPI", Side: side, Price: px, HoldPrice: px,
		Qty: q, RefPrice: 10000, ListedShares: 1_000_000_000, TS: ts}
}

func TestRateLimitAtBoundary(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RateMaxOrders, cfg.RateWindowNanos, cfg.DupWindowNanos = 3, 1000, -1
	c := funded(t, cfg)
	for i := range 3 {
		o := order(buy, 10000, 1, int64(i))
		if v := c.Check(o); v != OK {
			t.Fatalf("order %d: %v, want OK", i, v)
		}
		c.Open(o)
	}
	if v := c.Check(order(buy, 10000, 1, 999)); v != OrderRateExceeded {
		t.Errorf("4th order 999ns after the 1st: %v, want OrderRateExceeded", v)
	}
	if v := c.Check(order(buy, 10000, 1, 1000)); v != OK {
		t.Errorf("4th order exactly one window after the 1st: %v, want OK", v)
	}
}

func TestOpenOrderCap(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxOpenOrders, cfg.DupWindowNanos = 2, -1
	c := funded(t, cfg)
	c.Open(order(buy, 10000, 1, 0))
	c.Open(order(buy, 10000, 1, 1))
	if v := c.Check(order(buy, 10000, 1, 2)); v != TooManyOpenOrders {
		t.Errorf("3rd open order: %v, want TooManyOpenOrders", v)
	}
	c.Release(c.Handle("A"), "S", buy, 1, c.PerShare(buy, 10000), true)
	if v := c.Check(order(buy, 10000, 1, 3)); v != OK {
		t.Errorf("after one closed: %v, want OK", v)
	}
}

func TestFailClosed(t *testing.T) {
	c := funded(t, DefaultConfig())
	o := order(buy, 10000, 1, 0)
	o.RefPrice = 0
	if v := c.Check(o); v != ReferenceDataMissing {
		t.Errorf("no reference price: %v, want ReferenceDataMissing", v)
	}
	o = order(buy, 10000, 1, 0)
	o.ListedShares = 0
	if v := c.Check(o); v != ReferenceDataMissing {
		t.Errorf("no listed shares with the listed-share block on: %v, want ReferenceDataMissing", v)
	}
}

func TestFundsAndHoldingsAtBoundary(t *testing.T) {
	c := New(DefaultConfig())
	c.OpenAccount("A", "", "o")
	per := c.PerShare(buy, 10000) // 10000 + ceil(1.5) = 10002
	if per != 10002 {
		t.Fatalf("PerShare(buy, 10000) = %d, want 10002", per)
	}
	c.Deposit("A", 10*per, "d")
	if v := c.Check(order(buy, 10000, 10, 0)); v != OK {
		t.Errorf("exactly enough cash: %v, want OK", v)
	}
	if v := c.Check(order(buy, 10000, 11, 0)); v != InsufficientFunds {
		t.Errorf("one share over: %v, want InsufficientFunds", v)
	}
	c.CreditShares("A", "S", 5, "c")
	if v := c.Check(order(sell, 10000, 5, 0)); v != OK {
		t.Errorf("selling all shares: %v, want OK", v)
	}
	if v := c.Check(order(sell, 10000, 6, 0)); v != InsufficientHoldings {
		t.Errorf("one share over: %v, want InsufficientHoldings", v)
	}
}

func TestFillSettlesAndConserves(t *testing.T) {
	c := funded(t, DefaultConfig())
	c.OpenAccount("B", "", "o")
	c.CreditShares("B", "S", 100, "c")
	bo, so := order(buy, 10000, 10, 0), order(sell, 9900, 10, 0)
	so.Account = "B"
	per, _ := c.Open(bo)
	c.Open(so)
	f := c.Fill(c.Handle("A"), c.Handle("B"), "S", 9900, 10, per)
	want := Fees{BuyCommission: 14, SellCommission: 14, SellTax: 198} // 99,000 × 150ppm, × 2000ppm
	if f != want {
		t.Errorf("Fill fees = %+v, want %+v", f, want)
	}
	a, _ := c.Balance("A")
	b, _ := c.Balance("B")
	fees, tax := c.Collected()
	if got := a.Cash + b.Cash + fees + tax; got != 1_000_000_000 {
		t.Errorf("cash + fees + tax = %d, want 1,000,000,000", got)
	}
	if a.Hold != 0 || c.Position("A", "S").Qty != 1010 || c.Position("B", "S").Qty != 90 || c.Position("B", "S").Hold != 0 {
		t.Errorf("after fill: A %+v %+v, B %+v", a, c.Position("A", "S"), c.Position("B", "S"))
	}
}

func TestLayeringAlert(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Surveillance.QuickCancelMax, cfg.Surveillance.QuickCancelNanos, cfg.Surveillance.QuickWindowNanos = 3, 100, 1000
	c := funded(t, cfg)
	if a := c.OnCancel(c.Handle("A"), 0, 101, false); a != NoAlert {
		t.Errorf("slow cancel: %v", a)
	}
	if a := c.OnCancel(c.Handle("A"), 0, 50, true); a != NoAlert {
		t.Errorf("cancel after a fill: %v", a)
	}
	for i, want := range []Alert{NoAlert, NoAlert, AlertLayering, NoAlert} {
		if a := c.OnCancel(c.Handle("A"), int64(i*10), int64(i*10+5), false); a != want {
			t.Errorf("quick cancel %d: %v, want %v", i, a, want)
		}
	}
}

func TestOTRAlertOncePerDay(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Surveillance.OTRMinOrders, cfg.Surveillance.OTRMax, cfg.DupWindowNanos = 5, 2, -1
	cfg.RateMaxOrders = 100
	c := funded(t, cfg)
	alerts := 0
	for i := range 10 {
		c.Open(order(buy, 10000, 1, int64(i)))
		if c.CheckOTR(c.Handle("A")) == AlertOTR {
			alerts++
		}
	}
	if alerts != 1 {
		t.Errorf("OTR alerts over 10 unfilled orders = %d, want 1", alerts)
	}
	// The next day counts afresh: no alert until enough orders again.
	c.NewDay()
	if orders, fills := c.Ratio(c.Handle("A")); orders != 0 || fills != 0 {
		t.Fatalf("after NewDay: %d orders, %d fills today", orders, fills)
	}
	alerts = 0
	for i := range 10 {
		c.Open(order(buy, 10000, 1, int64(100+i)))
		if c.CheckOTR(c.Handle("A")) == AlertOTR {
			alerts++
		}
	}
	if alerts != 1 {
		t.Errorf("OTR alerts on the second day = %d, want 1", alerts)
	}
}

func TestGroupKeysCannotCollide(t *testing.T) {
	c := New(DefaultConfig())
	c.OpenAccount("A1", "G", "o")
	c.OpenAccount("G", "", "o")
	if c.Group("A1") == c.Group("G") {
		t.Errorf("group G and account G share the key %q", c.Group("G"))
	}
}

func TestStateRoundTrip(t *testing.T) {
	c := funded(t, DefaultConfig())
	c.OpenAccount("B", "grp", "o")
	c.Open(order(buy, 10000, 3, 7))
	c.Open(order(sell, 10000, 2, 8))
	c.OnCancel(c.Handle("A"), 0, 5, false)
	c.SetKill(KillSymbol, "S", true)
	c.SetKill(KillAccount, "B", true)
	enc := c.AppendState(nil)
	d := New(DefaultConfig())
	if err := d.LoadState(enc); err != nil {
		t.Fatal(err)
	}
	if got := d.AppendState(nil); !bytes.Equal(got, enc) {
		t.Errorf("state after LoadState re-encodes differently:\n got %x\nwant %x", got, enc)
	}
	for cut := 0; cut < len(enc); cut++ {
		if err := New(DefaultConfig()).LoadState(enc[:cut]); err == nil {
			t.Fatalf("LoadState of %d of %d bytes: nil error", cut, len(enc))
		}
	}
}

func FuzzLoadState(f *testing.F) {
	c := New(DefaultConfig())
	c.OpenAccount("A", "g", "o")
	c.Deposit("A", 5, "d")
	f.Add(c.AppendState(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := New(DefaultConfig())
		if d.LoadState(b) != nil {
			return
		}
		enc := d.AppendState(nil)
		e := New(DefaultConfig())
		if err := e.LoadState(enc); err != nil {
			t.Fatalf("re-encoded state does not load: %v", err)
		}
	})
}

func TestDuplicateWindowBoundary(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DupWindowNanos = 2000
	c := funded(t, cfg)
	c.Open(order(buy, 10000, 3, 1000))
	if v := c.Check(order(buy, 10000, 3, 2999)); v != DuplicateOrder {
		t.Errorf("same order 1999 ns later: %v, want DuplicateOrder", v)
	}
	if v := c.Check(order(buy, 10000, 3, 3000)); v != OK {
		t.Errorf("same order exactly one window later: %v, want OK", v)
	}
	if v := c.Check(order(buy, 10000, 4, 2999)); v != OK {
		t.Errorf("different quantity within the window: %v, want OK", v)
	}
	o := order(buy, 10000, 3, 2999)
	o.Confirm = true
	if v := c.Check(o); v != OK {
		t.Errorf("confirmed duplicate: %v, want OK", v)
	}
}

func TestNotionalTiersAtBoundary(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Default = Tiers{WarnNotional: 1_000_000, BlockNotional: 5_000_000, WarnListedPPM: -1, BlockListedPPM: -1, WarnPriceDevPPM: -1}
	c := funded(t, cfg)
	for _, tt := range []struct {
		q       qty
		confirm bool
		want    Verdict
	}{
		{99, false, OK}, {100, false, ConfirmRequired}, {100, true, OK},
		{500, true, OK}, {501, true, NotionalExceedsMax},
	} {
		o := order(buy, 10000, tt.q, 0)
		o.Confirm = tt.confirm
		if v := c.Check(o); v != tt.want {
			t.Errorf("notional %d, confirm %v: %v, want %v", int64(tt.q)*10000, tt.confirm, v, tt.want)
		}
	}
}
