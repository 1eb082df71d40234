package matching

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// queryEngine is a risk-on engine with: A1 funded and stocked, a resting
// buy #1 (cl b1, partly filled by A2's sell #2), a resting sell #3 in 000660
// (cl h1), an untriggered stop #4 (cl st), and #5 (cl gone) canceled.
func queryEngine(t *testing.T) *Engine {
	t.Helper()
	e := newRiskEngine(t)
	applyLines(t, e,
		"open acct=A1 req=o", "deposit acct=A1 amount=10000000 req=d", "credit acct=A1 sym=000660 qty=50 req=c",
		"open acct=A2 req=o", "credit acct=A2 sym=005930 qty=10 req=c",
		"place acct=A1 side=buy px=70000 qty=5 cl=b1",
		"place acct=A2 side=sell px=70000 qty=2 cl=s1",
		"place acct=A1 sym=000660 side=sell px=196000 qty=10 cl=h1",
		"place acct=A1 side=buy type=stop_limit stop=72000 px=72100 qty=2 cl=st",
		"place acct=A1 side=buy px=69000 qty=1 cl=gone",
		"cancel acct=A1 orig=gone",
	)
	return e
}

// applyLines applies commands written as in the scenario files, numbered on
// from the engine's last seq, with the seq as their timestamp.
func applyLines(t *testing.T, e *Engine, lines ...string) {
	t.Helper()
	for _, line := range lines {
		c, err := parseCommand(line)
		if err != nil {
			t.Fatal(err)
		}
		c.Seq = e.seq + 1
		c.TS = int64(c.Seq)
		e.Apply(&c)
	}
}

var (
	viewB1 = OrderView{Account: "A1", Symbol: "005930", OrderID: 1, ClientOrderID: "b1", Open: true, Side: Buy,
		Type: Limit, TIF: Day, Price: 70000, Qty: 5, CumQty: 2, LeavesQty: 3, CumValue: 140000}
	viewH1 = OrderView{Account: "A1", Symbol: "000660", OrderID: 3, ClientOrderID: "h1", Open: true, Side: Sell,
		Type: Limit, TIF: Day, Price: 196000, Qty: 10, LeavesQty: 10}
	viewST = OrderView{Account: "A1", Symbol: "005930", OrderID: 4, ClientOrderID: "st", Open: true, Side: Buy,
		Type: StopLimit, TIF: Day, Price: 72100, StopPrice: 72000, Qty: 2, LeavesQty: 2}
)

func TestEngineOrder(t *testing.T) {
	e := queryEngine(t)
	tests := []struct {
		account, symbol string
		id              OrderID
		cl              string
		want            OrderView
		found           bool
	}{
		{"A1", "005930", 1, "", viewB1, true},
		{"A1", "", 1, "", viewB1, true},
		{"A1", "", 0, "b1", viewB1, true},
		{"A1", "005930", 0, "b1", viewB1, true},
		{"A1", "000660", 0, "b1", OrderView{}, false}, // wrong symbol
		{"A1", "000660", 3, "", viewH1, true},
		{"A1", "005930", 3, "", OrderView{}, false}, // id in another symbol
		{"A1", "005930", 4, "", viewST, true},       // untriggered stop
		{"A1", "", 0, "st", viewST, true},
		{"A1", "", 0, "gone", OrderView{Account: "A1", Symbol: "005930", OrderID: 5, ClientOrderID: "gone", Status: StatusCanceled,
			Side: Buy, Type: Limit, TIF: Day, Price: 69000, Qty: 1}, true}, // closed: its last state
		{"A1", "", 5, "", OrderView{}, false},       // closed, by id: unknown
		{"A2", "005930", 1, "", OrderView{}, false}, // another account's order
		{"A2", "", 0, "b1", OrderView{}, false},     // another account's client id
		{"A2", "", 0, "s1", OrderView{Account: "A2", Symbol: "005930", OrderID: 2, ClientOrderID: "s1", Status: StatusFilled,
			Side: Sell, Type: Limit, TIF: Day, Price: 70000, Qty: 2, CumQty: 2, CumValue: 140000}, true},
		{"A1", "", 0, "", OrderView{}, false},
		{"", "005930", 1, "", OrderView{}, false},
		{"A9", "", 0, "b1", OrderView{}, false},
		{"A1", "XXXXXX", 1, "", OrderView{}, false},
	}
	for _, tt := range tests {
		got, found := e.Order(tt.account, tt.symbol, tt.id, tt.cl)
		if found != tt.found || got != tt.want {
			t.Errorf("Order(%q, %q, %d, %q) = %+v, %v; want %+v, %v", tt.account, tt.symbol, tt.id, tt.cl, got, found, tt.want, tt.found)
		}
	}
}

// TestEngineClosedOrderStates: a closed order found by its client order id
// tells how it ended — an IOC's unfilled remainder expired, a partial fill
// then a cancel, a fill in pieces — and the record survives a snapshot; a
// duplicate's rejection does not overwrite the first order's.
func TestEngineClosedOrderStates(t *testing.T) {
	e := queryEngine(t)
	applyLines(t, e,
		"place acct=A2 side=sell px=71000 qty=1 tif=ioc cl=x1", // #6: nothing to trade with: expires
		"place acct=A2 side=sell px=70000 qty=1 cl=p1",         // #7: fills 1 of b1's 3
		"place acct=A2 side=sell px=70000 qty=4 cl=p2",         // #8: fills b1's last 2, rests 2
		"cancel acct=A2 orig=p2",                               // partly filled, then canceled
		"place acct=A2 side=sell px=71000 qty=1 tif=ioc cl=x1", // a duplicate: rejected
	)
	want := map[string]OrderView{
		"x1": {Account: "A2", Symbol: "005930", OrderID: 6, ClientOrderID: "x1", Status: StatusExpired,
			Side: Sell, Type: Limit, TIF: IOC, Price: 71000, Qty: 1},
		"p1": {Account: "A2", Symbol: "005930", OrderID: 7, ClientOrderID: "p1", Status: StatusFilled,
			Side: Sell, Type: Limit, TIF: Day, Price: 70000, Qty: 1, CumQty: 1, CumValue: 70000},
		"p2": {Account: "A2", Symbol: "005930", OrderID: 8, ClientOrderID: "p2", Status: StatusCanceled,
			Side: Sell, Type: Limit, TIF: Day, Price: 70000, Qty: 4, CumQty: 2, CumValue: 140000},
	}
	b1 := viewB1
	b1.Open, b1.LeavesQty, b1.CumQty, b1.CumValue, b1.Status = false, 0, 5, 350000, StatusFilled
	want["b1"] = b1
	restored := newRiskEngine(t)
	if err := restored.LoadSnapshot(e.AppendSnapshot(nil)); err != nil {
		t.Fatal(err)
	}
	for name, eng := range map[string]*Engine{"engine": e, "restored from a snapshot": restored} {
		for cl, w := range want {
			if got, found := eng.Order(w.Account, "", 0, cl); !found || got != w {
				t.Errorf("%s: Order(%q) = %+v, %v; want %+v", name, cl, got, found, w)
			}
		}
	}
}

func TestEngineOpenOrders(t *testing.T) {
	e := queryEngine(t)
	tests := []struct {
		account, symbol string
		want            []OrderView
	}{
		{"A1", "", []OrderView{viewH1, viewB1, viewST}}, // 000660 before 005930
		{"A1", "005930", []OrderView{viewB1, viewST}},
		{"A1", "000660", []OrderView{viewH1}},
		{"A2", "", nil}, // its sell filled
		{"A9", "", nil},
		{"A1", "XXXXXX", nil},
	}
	for _, tt := range tests {
		got := e.OpenOrders(tt.account, tt.symbol, nil)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("OpenOrders(%q, %q) = %+v, want %+v", tt.account, tt.symbol, got, tt.want)
		}
	}
	// Appends to dst rather than replacing it.
	dst := []OrderView{{OrderID: 99}}
	if got := e.OpenOrders("A1", "000660", dst); len(got) != 2 || got[0].OrderID != 99 || got[1] != viewH1 {
		t.Errorf("OpenOrders onto a non-empty dst = %+v", got)
	}
}

// TestEngineOpenOrdersSorted: within a symbol, ids ascend whatever the
// book's priority order.
func TestEngineOpenOrdersSorted(t *testing.T) {
	e := newTestEngine(t)
	for i, px := range []Price{70000, 71000, 69000, 71000, 72000} {
		side := Buy
		if px >= 72000 {
			side = Sell
		}
		c := Command{Kind: CmdPlace, Seq: uint64(i + 1), Account: "A", Symbol: "005930", Side: side, Type: Limit,
			TIF: Day, Price: px, Qty: 1, ClientOrderID: fmt.Sprint(i)}
		e.Apply(&c)
	}
	got := e.OpenOrders("A", "", nil)
	for i, v := range got {
		if v.OrderID != OrderID(i+1) {
			t.Fatalf("OpenOrders ids %v, want 1..5 ascending", got)
		}
	}
}

// TestEngineOpenOrdersPages: reading page after page, each starting after
// the last key of the one before, lists exactly what OpenOrders lists, in
// its order, whatever the page size; and more is false only on the last.
func TestEngineOpenOrdersPages(t *testing.T) {
	e := queryEngine(t)
	for _, symbol := range []string{"", "005930"} {
		all := e.OpenOrders("A1", symbol, nil)
		for limit := 1; limit <= len(all)+1; limit++ {
			var got []OrderView
			after := OrderKey{}
			for pages := 0; ; pages++ {
				if pages > len(all) {
					t.Fatalf("symbol %q, limit %d: the pages never end", symbol, limit)
				}
				n := len(got)
				var more bool
				got, more = e.OpenOrdersPage("A1", symbol, after, limit, got)
				if len(got)-n > limit {
					t.Fatalf("symbol %q, limit %d: a page of %d", symbol, limit, len(got)-n)
				}
				if !more {
					break
				}
				if len(got) == n {
					t.Fatalf("symbol %q, limit %d: an empty page says more follow", symbol, limit)
				}
				after = got[len(got)-1].Key()
			}
			if !reflect.DeepEqual(got, all) {
				t.Errorf("symbol %q, limit %d: pages give %+v, want %+v", symbol, limit, got, all)
			}
		}
	}
	// After the last order: nothing, and no more.
	all := e.OpenOrders("A1", "", nil)
	if got, more := e.OpenOrdersPage("A1", "", all[len(all)-1].Key(), 10, nil); len(got) != 0 || more {
		t.Errorf("after the last order: %+v, more %v", got, more)
	}
}

func TestEngineBalance(t *testing.T) {
	e := queryEngine(t)
	// A1 holds cash for 3 shares at 70000 and 2 at 72100, commission
	// included; it paid 140,000 and a 21 KRW commission for its fill.
	hold := 3*e.risk.PerShare(Buy, 70000) + 2*e.risk.PerShare(Buy, 72100)
	tests := []struct {
		account string
		want    BalanceView
		found   bool
	}{
		{"A1", BalanceView{Account: "A1", Cash: 10_000_000 - 140_000 - 21, Hold: hold}, true},
		{"A9", BalanceView{}, false},
	}
	for _, tt := range tests {
		got, found := e.Balance(tt.account)
		if found != tt.found || got != tt.want {
			t.Errorf("Balance(%q) = %+v, %v; want %+v, %v", tt.account, got, found, tt.want, tt.found)
		}
	}
	if _, ok := newTestEngine(t).Balance("A1"); ok {
		t.Error("Balance with risk off found an account")
	}
}

func TestEnginePositions(t *testing.T) {
	e := queryEngine(t)
	tests := []struct {
		account string
		want    []PositionView
	}{
		{"A1", []PositionView{{Symbol: "000660", Qty: 50, Hold: 10}, {Symbol: "005930", Qty: 2}}},
		{"A2", []PositionView{{Symbol: "005930", Qty: 8}}},
		{"A9", nil},
	}
	for _, tt := range tests {
		if got := e.Positions(tt.account, nil); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Positions(%q) = %+v, want %+v", tt.account, got, tt.want)
		}
	}
	if got := newTestEngine(t).Positions("A1", nil); got != nil {
		t.Errorf("Positions with risk off = %+v, want none", got)
	}
}

// TestPageSelect: offered keys in random order, across symbols, with
// repeats of none, pageSelect returns exactly the limit least keys after
// the cursor, sorted, and says more when any key after those remains;
// it holds at most twice a page while doing so.
func TestPageSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	symbols := []string{"000660", "005930", "035720"}
	for round := range 300 {
		n := rng.IntN(3000)
		keys := make([]OrderKey, 0, n)
		for i := range n {
			keys = append(keys, OrderKey{Symbol: symbols[rng.IntN(len(symbols))], OrderID: OrderID(i + 1)})
		}
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		var after OrderKey
		if n > 0 && rng.IntN(2) == 0 {
			after = keys[rng.IntN(n)]
		}
		limit := rng.IntN(40) - 5 // some <= 0: everything
		if round%7 == 0 {
			limit = 1000
		}
		want := slices.DeleteFunc(slices.Clone(keys), func(k OrderKey) bool { return !after.IsZero() && k.compare(after) <= 0 })
		slices.SortFunc(want, OrderKey.compare)
		wantMore := false
		if limit > 0 && len(want) > limit {
			want, wantMore = want[:limit], true
		}
		sel := pageSelect{after: after, limit: limit}
		most := 0
		for _, k := range keys {
			if sel.wants(k) {
				sel.add(pageEntry{key: k})
			}
			most = max(most, len(sel.buf))
		}
		page, more := sel.result()
		got := make([]OrderKey, 0, len(page))
		for _, p := range page {
			got = append(got, p.key)
		}
		if !slices.Equal(got, want) || more != wantMore {
			t.Fatalf("round %d: %d keys after %+v, limit %d: got %v (more %v), want %v (more %v)", round, n, after, limit, got, more, want, wantMore)
		}
		if limit > 0 && most > 2*(limit+1) {
			t.Fatalf("round %d: held %d entries for a page of %d", round, most, limit)
		}
	}
}

// TestClosedStatesChunks: entries stay where add put them across chunks,
// and an account with many client order ids keeps each one's end (risk
// off: no rate limit).
func TestClosedStatesChunks(t *testing.T) {
	var c closedStates
	for i := range int32(3*closedChunk + 7) {
		n := c.add()
		if n != i+1 {
			t.Fatalf("add %d returned %d", i, n)
		}
		c.at(n).cumValue = int64(n)
	}
	for n := int32(1); n <= c.n; n++ {
		if got := c.at(n).cumValue; got != int64(n) {
			t.Fatalf("entry %d holds %d", n, got)
		}
	}
	ins, err := LoadInstrumentFile("testdata/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Config{Instruments: ins})
	if err != nil {
		t.Fatal(err)
	}
	const orders = closedChunk + 50
	for i := range orders {
		tif := IOC // expires: nothing to trade with
		if i%3 == 0 {
			tif = Day // rests: stays open
		}
		c := Command{Kind: CmdPlace, Seq: uint64(i + 1), TS: int64(i + 1), Account: "MM", Symbol: "005930", Side: Sell,
			Type: Limit, TIF: tif, Price: 71000, Qty: 1, ClientOrderID: fmt.Sprint("c", i)}
		e.Apply(&c)
	}
	for i := range orders {
		v, found := e.Order("MM", "", 0, fmt.Sprint("c", i))
		open := i%3 == 0
		if !found || v.Open != open || (!open && (v.Status != StatusExpired || v.TIF != IOC || v.Qty != 1)) {
			t.Fatalf("order c%d: %+v, %v", i, v, found)
		}
	}
}
