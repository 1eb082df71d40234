package matching

import (
	"errors"
	"strings"
	"testing"
)

func TestStockTickBands(t *testing.T) {
	tests := []struct{ price, want Price }{
		{1, 1}, {1999, 1}, {2000, 5}, {4999, 5}, {5000, 10}, {19999, 10},
		{20000, 50}, {49999, 50}, {50000, 100}, {199999, 100},
		{200000, 500}, {499999, 500}, {500000, 1000}, {3_000_000, 1000},
	}
	for _, tt := range tests {
		if got := TickStock.Tick(tt.price); got != tt.want {
			t.Errorf("TickStock.Tick(%d) = %d, want %d", tt.price, got, tt.want)
		}
		if got := TickFlat5.Tick(tt.price); got != 5 {
			t.Errorf("TickFlat5.Tick(%d) = %d, want 5", tt.price, got)
		}
	}
}

func TestOnTick(t *testing.T) {
	tests := []struct {
		s     TickScheme
		price Price
		want  bool
	}{
		{TickStock, 1999, true}, {TickStock, 2000, true}, {TickStock, 2001, false},
		{TickStock, 49950, true}, {TickStock, 50050, false}, {TickStock, 50100, true},
		{TickStock, 200500, true}, {TickStock, 200100, false}, {TickStock, 501000, true},
		{TickStock, 0, false}, {TickStock, -100, false},
		{TickFlat5, 35245, true}, {TickFlat5, 35241, false}, {TickFlat5, 600005, true},
	}
	for _, tt := range tests {
		if got := tt.s.OnTick(tt.price); got != tt.want {
			t.Errorf("scheme %d OnTick(%d) = %v, want %v", tt.s, tt.price, got, tt.want)
		}
	}
}

// TestPriceLimits checks KRX's method, including prices where it differs from
// the floor(base×1.3) / ceil(base×0.7) shortcut.
func TestPriceLimits(t *testing.T) {
	tests := []struct {
		s                  TickScheme
		base, lower, upper Price
	}{
		{TickStock, 71000, 49700, 92300},
		{TickStock, 3515, 2465, 4565},
		{TickStock, 621, 435, 807},
		{TickStock, 812000, 569000, 1055000},
		// width 46530 truncates to the base's 100 tick (46500); the upper
		// 201600 then truncates to its own band's 500 tick.
		{TickStock, 155100, 108600, 201500},
		// The shortcut gives a lower limit of 140,400 here; KRX's 140,500.
		{TickStock, 200500, 140500, 260500},
		{TickStock, 1995, 1397, 2590},
		{TickStock, 1, 1, 1},
		{TickFlat5, 35245, 24675, 45815},
	}
	for _, tt := range tests {
		lo, hi := tt.s.PriceLimits(tt.base)
		if lo != tt.lower || hi != tt.upper {
			t.Errorf("scheme %d PriceLimits(%d) = [%d, %d], want [%d, %d]", tt.s, tt.base, lo, hi, tt.lower, tt.upper)
		}
		if !tt.s.OnTick(lo) || !tt.s.OnTick(hi) {
			t.Errorf("scheme %d PriceLimits(%d) = [%d, %d]: off tick", tt.s, tt.base, lo, hi)
		}
	}
}

func TestPriceLimitsOnTickEverywhere(t *testing.T) {
	for base := Price(1); base < 1_200_000; base++ {
		if !TickStock.OnTick(base) {
			continue
		}
		lo, hi := TickStock.PriceLimits(base)
		if !TickStock.OnTick(lo) || !TickStock.OnTick(hi) || lo > base || hi < base {
			t.Fatalf("PriceLimits(%d) = [%d, %d]", base, lo, hi)
		}
	}
}

func TestExplicitLimitsWin(t *testing.T) {
	in := Instrument{Symbol: "X", BasePrice: 10000, Tick: TickStock, LowerLimit: 9000, UpperLimit: 11000}
	if lo, hi := in.Limits(); lo != 9000 || hi != 11000 {
		t.Errorf("Limits() = [%d, %d], want [9000, 11000]", lo, hi)
	}
}

func TestLoadInstrumentsErrors(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"not json", `{`, "unexpected EOF"},
		{"unknown field", `[{"symbol":"A","basePrice":1000,"colour":"red"}]`, "unknown field"},
		{"off tick base", `[{"symbol":"A","basePrice":2001}]`, "base price 2001"},
		{"bad tick scheme", `[{"symbol":"A","basePrice":1000,"tick":"bond"}]`, "neither"},
		{"duplicate", `[{"symbol":"A","basePrice":1000},{"symbol":"A","basePrice":1000}]`, "duplicate symbol"},
		{"dotted symbol", `[{"symbol":"A.B","basePrice":1000}]`, "NATS token"},
		{"one limit", `[{"symbol":"A","basePrice":1000,"lowerLimit":900}]`, "both"},
		{"limits exclude base", `[{"symbol":"A","basePrice":1000,"lowerLimit":1100,"upperLimit":1200}]`, "do not contain"},
	}
	for _, tt := range tests {
		_, err := LoadInstruments(strings.NewReader(tt.json))
		if !errors.Is(err, ErrReferenceData) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: LoadInstruments error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestLoadInstrumentsDefaults(t *testing.T) {
	ins, err := LoadInstruments(strings.NewReader(`[{"symbol":"069500","name":"KODEX 200","market":"KOSPI","basePrice":35245,"tick":"etf"}]`))
	if err != nil {
		t.Fatal(err)
	}
	got := ins[0]
	if got.Tick != TickFlat5 || got.MaxOrderQty != DefaultMaxOrderQty || got.KOSPI200 {
		t.Errorf("LoadInstruments = %+v, want flat-5 tick, default max qty, not KOSPI200", got)
	}
}

func TestNewEngineRejectsBadInstruments(t *testing.T) {
	good := Instrument{Symbol: "A", BasePrice: 1000, Tick: TickStock, MaxOrderQty: 10}
	if _, err := NewEngine(Config{Instruments: []Instrument{good, good}}); err == nil {
		t.Error("NewEngine with a duplicate symbol: got nil error")
	}
	bad := good
	bad.BasePrice = 1001
	bad.Tick = TickFlat5
	if _, err := NewEngine(Config{Instruments: []Instrument{bad}}); err == nil {
		t.Error("NewEngine with an off-tick base price: got nil error")
	}
}

func TestTooManyOrdersPerDay(t *testing.T) {
	e := newTestEngine(t) // 50 orders per account per day
	var seq uint64
	apply := func(c Command) []Event {
		seq++
		c.Seq, c.TS = seq, int64(seq)
		return e.Apply(&c)
	}
	for i := range 50 {
		evs := apply(Command{Kind: CmdPlace, Account: "A1", Symbol: "005930", Side: Buy, Type: Limit, TIF: IOC, Price: 70000, Qty: 1})
		if evs[0].ExecType != ExecNew {
			t.Fatalf("order %d: got %v %v, want new", i, evs[0].ExecType, evs[0].Reason)
		}
	}
	evs := apply(Command{Kind: CmdPlace, Account: "A1", Symbol: "005930", Side: Buy, Type: Limit, TIF: IOC, Price: 70000, Qty: 1})
	if evs[0].Reason != RejTooManyOrders {
		t.Errorf("order 51: got %v, want TOO_MANY_ORDERS", evs[0].Reason)
	}
	evs = apply(Command{Kind: CmdPlace, Account: "A2", Symbol: "005930", Side: Buy, Type: Limit, TIF: IOC, Price: 70000, Qty: 1})
	if evs[0].ExecType != ExecNew {
		t.Errorf("another account's first order: got %v %v, want new", evs[0].ExecType, evs[0].Reason)
	}
}

func TestApplyPanicsOnSeqGap(t *testing.T) {
	e := newTestEngine(t)
	defer func() {
		if recover() == nil {
			t.Error("Apply with seq 2 first: no panic")
		}
	}()
	e.Apply(&Command{Kind: CmdPlace, Seq: 2})
}

func TestReasonTable(t *testing.T) {
	seen := map[string]Reason{}
	for _, r := range Reasons() {
		code := r.Code()
		if code == "" || code == "UNKNOWN_REASON" || r.Text() == "" {
			t.Errorf("reason %d has no code or text", r)
		}
		if prev, dup := seen[code]; dup {
			t.Errorf("reasons %d and %d share code %s", prev, r, code)
		}
		seen[code] = r
	}
}

// TestRejectedOrderChangesNothing: a rejection at any step leaves the state
// hash as it was (an early version created the account entry first).
func TestRejectedOrderChangesNothing(t *testing.T) {
	for _, e := range []*Engine{newTestEngine(t), newRiskEngine(t)} {
		before := e.StateHash()
		cmd := Command{Kind: CmdPlace, Seq: 1, Account: "nobody", Symbol: "005930", Side: Buy, Type: FirstBest, TIF: Day, Qty: 1}
		evs := e.Apply(&cmd)
		if evs[0].ExecType != ExecRejected {
			t.Fatalf("got %v, want a rejection", evs[0].ExecType)
		}
		e.seq = 0 // the seq is the only thing a command always advances
		if e.StateHash() != before {
			t.Errorf("risk=%v: state changed by a rejected order (%s)", e.risk != nil, evs[0].Reason.Code())
		}
	}
}
