package matching

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// TickScheme is how an instrument's tick size depends on its price.
type TickScheme uint8

// Tick schemes.
const (
	// TickStock is the KRX stock table in force since 25 January 2023 (KOSPI,
	// KOSDAQ and KONEX alike).
	TickStock TickScheme = 1
	// TickFlat5 is the flat 5 KRW tick of ETFs and ETNs.
	TickFlat5 TickScheme = 2
)

// stockTicks is the 2023 KRX table: a price at or above from uses tick.
// Every tick divides the ticks above it, which is why a lower price limit
// computed from an on-tick base is itself on tick.
var stockTicks = [...]struct{ from, tick Price }{
	{500_000, 1_000},
	{200_000, 500},
	{50_000, 100},
	{20_000, 50},
	{5_000, 10},
	{2_000, 5},
	{0, 1},
}

// Tick returns the tick size at price p under scheme s.
func (s TickScheme) Tick(p Price) Price {
	if s == TickFlat5 {
		return 5
	}
	for _, band := range stockTicks {
		if p >= band.from {
			return band.tick
		}
	}
	return 1
}

// OnTick reports whether p is a multiple of the tick of its own band.
func (s TickScheme) OnTick(p Price) bool { return p > 0 && p%s.Tick(p) == 0 }

// PriceLimits computes the daily price limits (가격제한폭, ±30%) from the base
// price by KRX's method, which differs from floor(base×1.3) for some prices:
// the width is truncated to the tick of the base price's band, the upper limit
// to the tick of its own band, and the lower limit is base − width.
func (s TickScheme) PriceLimits(base Price) (lower, upper Price) {
	width := base * 3 / 10
	width -= width % s.Tick(base)
	upper = base + width
	upper -= upper % s.Tick(upper)
	lower = base - width
	if lower < 1 {
		lower = 1
	}
	return lower, upper
}

// Instrument is one tradable symbol's reference data.
type Instrument struct {
	Symbol      string     // KRX short code, e.g. "005930"; one NATS token
	Name        string     // e.g. "Samsung Electronics"
	Market      string     // "KOSPI", "KOSDAQ" or "KONEX"
	BasePrice   Price      // 기준가격: normally the previous close
	LowerLimit  Price      // explicit limits win over the formula when set
	UpperLimit  Price      //
	Tick        TickScheme //
	KOSPI200    bool       // decides the dynamic VI rate
	MaxOrderQty Qty        // per-order quantity cap
	// ListedShares is the number of shares listed, for the fat-finger check
	// by share of listed shares; 0 when unknown (that check then fails
	// closed).
	ListedShares int64
}

// Class is the instrument's class for risk thresholds: "ETF" for flat-tick
// instruments, else its market.
func (in *Instrument) Class() string {
	if in.Tick == TickFlat5 {
		return "ETF"
	}
	return in.Market
}

// Limits returns the instrument's daily price limits: the explicit ones from
// reference data when present, else KRX's formula.
func (in *Instrument) Limits() (lower, upper Price) {
	if in.LowerLimit > 0 && in.UpperLimit > 0 {
		return in.LowerLimit, in.UpperLimit
	}
	return in.Tick.PriceLimits(in.BasePrice)
}

// ErrReferenceData is wrapped by every error LoadInstruments returns.
var ErrReferenceData = errors.New("matching: bad instrument reference data")

// instrumentJSON is the reference-data file's shape: a JSON array of these.
type instrumentJSON struct {
	Symbol       string `json:"symbol"`
	Name         string `json:"name"`
	Market       string `json:"market"`
	BasePrice    int64  `json:"basePrice"`
	LowerLimit   int64  `json:"lowerLimit,omitempty"`
	UpperLimit   int64  `json:"upperLimit,omitempty"`
	Tick         string `json:"tick,omitempty"` // "stock" (default) or "etf"
	KOSPI200     bool   `json:"kospi200,omitempty"`
	MaxOrderQty  int64  `json:"maxOrderQty,omitempty"`
	ListedShares int64  `json:"listedShares,omitempty"`
}

// DefaultMaxOrderQty applies when reference data gives no maximum.
const DefaultMaxOrderQty Qty = 1_000_000

// LoadInstrumentFile reads the reference-data file at path (see
// LoadInstruments); errors name the file.
func LoadInstrumentFile(path string) ([]Instrument, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ins, err := LoadInstruments(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ins, nil
}

// LoadInstruments reads a reference-data file: a JSON array of objects with
// symbol, name, market, basePrice and optionally lowerLimit/upperLimit,
// tick ("stock" or "etf"), kospi200, maxOrderQty and listedShares. Unknown fields, duplicate
// symbols and inconsistent values are errors naming the symbol.
func LoadInstruments(r io.Reader) ([]Instrument, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var raw []instrumentJSON
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrReferenceData, err)
	}
	out := make([]Instrument, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for i, j := range raw {
		in, err := j.instrument()
		if err == nil && seen[in.Symbol] {
			err = errors.New("duplicate symbol")
		}
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d (%q): %v", ErrReferenceData, i, j.Symbol, err)
		}
		seen[in.Symbol] = true
		out = append(out, in)
	}
	return out, nil
}

func (j instrumentJSON) instrument() (Instrument, error) {
	in := Instrument{
		Symbol: j.Symbol, Name: j.Name, Market: j.Market, BasePrice: Price(j.BasePrice),
		LowerLimit: Price(j.LowerLimit), UpperLimit: Price(j.UpperLimit),
		KOSPI200: j.KOSPI200, MaxOrderQty: Qty(j.MaxOrderQty), Tick: TickStock,
		ListedShares: j.ListedShares,
	}
	switch j.Tick {
	case "", "stock":
	case "etf":
		in.Tick = TickFlat5
	default:
		return in, fmt.Errorf("tick %q is neither \"stock\" nor \"etf\"", j.Tick)
	}
	if in.MaxOrderQty == 0 {
		in.MaxOrderQty = DefaultMaxOrderQty
	}
	return in, in.Validate()
}

// Validate checks an instrument's reference data for internal consistency.
func (in *Instrument) Validate() error {
	switch {
	case in.Symbol == "" || len(in.Symbol) > 12 || strings.ContainsAny(in.Symbol, ". *>\t\r\n"):
		return errors.New("symbol must be 1-12 characters and a single NATS token")
	case !in.Tick.OnTick(in.BasePrice):
		return fmt.Errorf("base price %d is not a positive on-tick price", in.BasePrice)
	case (in.LowerLimit == 0) != (in.UpperLimit == 0):
		return errors.New("give both lowerLimit and upperLimit, or neither")
	case in.MaxOrderQty < 0 || in.ListedShares < 0:
		return errors.New("maxOrderQty and listedShares must not be negative")
	}
	if lo, hi := in.Limits(); !(0 < lo && lo <= in.BasePrice && in.BasePrice <= hi) {
		return fmt.Errorf("limits [%d, %d] do not contain the base price %d", lo, hi, in.BasePrice)
	}
	return nil
}
