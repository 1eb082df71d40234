package gateway

import (
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

func TestAvgPx(t *testing.T) {
	tests := []struct {
		num, den int64
		want     api.Decimal
	}{
		{0, 1, "0"},
		{213300, 3, "71100"},
		{1779000, 25, "71160"},
		{100001, 3, "33333.6667"},
		{1, 3, "0.3333"},
		{2, 3, "0.6667"},
		{71050, 2, "35525"},
		{1, 8, "0.125"},
		{1, 20000, "0"},          // 0.00005: tie, 0 is even
		{3, 20000, "0.0002"},     // 0.00015: tie, 2 is even
		{5, 20000, "0.0002"},     // 0.00025: tie, 2 is even
		{7, 20000, "0.0004"},     // 0.00035: tie, 4 is even
		{20001, 20000, "1"},      // 1.00005: tie, 0 is even
		{60001, 20000, "3"},      // 3.00005
		{60003, 20000, "3.0002"}, // 3.00015
		{1, 30000, "0"},          // below the tie
		{2, 30000, "0.0001"},     // above it
		{math.MaxInt64, 1, "9223372036854775807"},
		{math.MaxInt64, 7, "1317624576693539401"},
		{math.MaxInt64, 10000, "922337203685477.5807"},
		{math.MaxInt64, 3, "3074457345618258602.3333"},
		{-1, 8, "-0.125"},
		{-1, 20000, "0"},
		{-3, 20000, "-0.0002"},
	}
	for _, tt := range tests {
		if got := AvgPx(tt.num, tt.den); got != tt.want {
			t.Errorf("AvgPx(%d, %d) = %s, want %s", tt.num, tt.den, got, tt.want)
		}
	}
}

// TestAvgPxReference checks AvgPx against a plain big-integer reference on
// random fractions, with denominators chosen to make ties common.
func TestAvgPxReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		num := rng.Int64() >> rng.IntN(63)
		var den int64
		switch rng.IntN(3) {
		case 0:
			den = 20000 * (rng.Int64N(1000) + 1)
		case 1:
			den = rng.Int64N(1_000_000) + 1
		default:
			den = rng.Int64N(math.MaxInt64) + 1
		}
		if got, want := AvgPx(num, den), refAvgPx(num, den); got != want {
			t.Fatalf("AvgPx(%d, %d) = %s, want %s", num, den, got, want)
		}
		// Whole averages take a shortcut; hold it to the reference too.
		num = (num / den) * den
		if got, want := AvgPx(num, den), refAvgPx(num, den); got != want {
			t.Fatalf("AvgPx(%d, %d) = %s, want %s", num, den, got, want)
		}
	}
}

// refAvgPx rounds num·10⁴/den half to even with big integers, then places
// the decimal point. num >= 0, den > 0.
func refAvgPx(num, den int64) api.Decimal {
	n := new(big.Int).Mul(big.NewInt(num), big.NewInt(10000))
	q, r := new(big.Int).QuoRem(n, big.NewInt(den), new(big.Int))
	switch new(big.Int).Lsh(r, 1).Cmp(big.NewInt(den)) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	s := q.String()
	for len(s) < 5 {
		s = "0" + s
	}
	return api.Decimal(trimZeros(s[:len(s)-4] + "." + s[len(s)-4:]))
}

func TestMessageExecutionReport(t *testing.T) {
	ev := matching.Event{
		Kind: matching.EvExec, Seq: 7, TS: 1795564865123456789, Symbol: "005930", Account: "A6",
		OrderID: 6, ClientOrderID: "c6", Cmd: matching.CmdPlace,
		ExecType: matching.ExecTrade, Status: matching.StatusFilled, Side: matching.Buy,
		Type: matching.Limit, TIF: matching.Day, Price: 71200, Qty: 25, CumQty: 25, LeavesQty: 0,
		CumValue: 1779000, LastPx: 71200, LastQty: 15, Liquidity: matching.Taker, TradeID: 3, Fee: 160,
	}
	want := `{"type":"execution","seq":7,"ts":"2026-11-25T00:01:05.123456789Z","account":"A6","symbol":"005930","orderId":"6","clientOrderId":"c6","request":"order.place","execType":"trade","status":"filled","side":"buy","ordType":"limit","tif":"day","price":"71200","qty":"25","cumQty":"25","leavesQty":"0","avgPx":"71160","lastPx":"71200","lastQty":"15","liquidity":"taker","tradeId":"3","fee":"160"}`
	checkJSON(t, &ev, want)
}

func TestMessageRejection(t *testing.T) {
	// A rejected market order: no order id, no price, a reason.
	ev := matching.Event{
		Kind: matching.EvExec, Seq: 2, TS: 1795564800000000000, Symbol: "005930", Account: "A1",
		ClientOrderID: "x", Cmd: matching.CmdPlace, ExecType: matching.ExecRejected,
		Status: matching.StatusRejected, Reason: matching.RejPriceOffTick, Side: matching.Sell,
		Type: matching.Limit, TIF: matching.Day, Price: 70950, Qty: 10,
	}
	want := `{"type":"execution","seq":2,"ts":"2026-11-25T00:00:00Z","account":"A1","symbol":"005930","clientOrderId":"x","request":"order.place","execType":"rejected","status":"rejected","reason":"PRICE_OFF_TICK","side":"sell","ordType":"limit","tif":"day","price":"70950","qty":"10","cumQty":"0","leavesQty":"0","avgPx":"0"}`
	checkJSON(t, &ev, want)

	dup := matching.Event{
		Kind: matching.EvExec, Seq: 3, Symbol: "005930", Account: "A1", ClientOrderID: "c1",
		Cmd: matching.CmdPlace, ExecType: matching.ExecRejected, Status: matching.StatusRejected,
		Reason: matching.RejDuplicateClientOrderID, Extra: &matching.Extra{RefOrderID: 1},
	}
	want = `{"type":"execution","seq":3,"ts":"1970-01-01T00:00:00Z","account":"A1","symbol":"005930","clientOrderId":"c1","request":"order.place","execType":"rejected","status":"rejected","reason":"DUPLICATE_CLIENT_ORDER_ID","qty":"0","cumQty":"0","leavesQty":"0","avgPx":"0","refOrderId":"1"}`
	checkJSON(t, &dup, want)
}

func TestMessageTradeAndBook(t *testing.T) {
	tr := matching.Event{
		Kind: matching.EvTrade, Seq: 6, TS: 1795564865000000000, Symbol: "005930", TradeID: 1,
		LastPx: 71100, LastQty: 20, Side: matching.Buy, OrderID: 5, Account: "A5", MakerOrderID: 2, MakerAccount: "A2",
	}
	checkJSON(t, &tr, `{"type":"trade","seq":6,"ts":"2026-11-25T00:01:05Z","symbol":"005930","tradeId":"1","price":"71100","qty":"20","side":"buy","takerOrderId":"5","makerOrderId":"2","takerAccount":"A5","makerAccount":"A2"}`)
	bk := matching.Event{Kind: matching.EvBook, Seq: 6, TS: 1795564865000000000, Symbol: "005930", Side: matching.Sell, Price: 71100, Qty: 0, Count: 0}
	checkJSON(t, &bk, `{"type":"book","seq":6,"ts":"2026-11-25T00:01:05Z","symbol":"005930","side":"sell","price":"71100","qty":"0","count":0}`)
	if m := Message(&matching.Event{Kind: 99}); m != nil {
		t.Errorf("Message(kind 99) = %v, want nil", m)
	}
}

func checkJSON(t *testing.T, ev *matching.Event, want string) {
	t.Helper()
	got, err := json.Marshal(Message(ev))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("Message(%+v)\n got %s\nwant %s", *ev, got, want)
	}
}

// TestEnumNames checks that every enum value the engine can put in an event
// has a wire spelling, so no report ever says "unknown".
func TestEnumNames(t *testing.T) {
	for et := matching.ExecNew; et <= matching.ExecRestated; et++ {
		if et.String() == "unknown" {
			t.Errorf("ExecType %d has no wire name", et)
		}
	}
	for st := matching.StatusNew; st <= matching.StatusRejected; st++ {
		if st.String() == "unknown" {
			t.Errorf("OrdStatus %d has no wire name", st)
		}
	}
	for ot := matching.Limit; ot <= matching.StopLimit; ot++ {
		if p, ok := matching.ParseOrderType(ot.String()); !ok || p != ot {
			t.Errorf("OrderType %d: %q does not parse back", ot, ot.String())
		}
	}
	for tif := matching.Day; tif <= matching.FOK; tif++ {
		if p, ok := matching.ParseTIF(tif.String()); !ok || p != tif {
			t.Errorf("TIF %d: %q does not parse back", tif, tif.String())
		}
	}
	for _, l := range []matching.Liquidity{matching.Maker, matching.Taker} {
		if l.String() == "unknown" {
			t.Errorf("Liquidity %d has no wire name", l)
		}
	}
}
