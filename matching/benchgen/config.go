package benchgen

import (
	"fmt"

	"github.com/mts-krx/mts/matching"
)

// Config says what stream to generate. Every field is required; DefaultConfig
// and DeepConfig are the two books the benchmarks use.
type Config struct {
	// Instrument is the one symbol every command trades. Its tick scheme and
	// daily limits define the grid every price lies on.
	Instrument matching.Instrument
	// Accounts is how many accounts place orders: "A0001", "A0002", …
	// At least 2, so that self-matches can be avoided (see doc.go).
	Accounts int
	// TargetOrders is the number of resting orders, both sides together, the
	// feedback loop holds the book at.
	TargetOrders int
	// Levels is the number of distinct price levels, both sides together, the
	// resting orders should occupy. The generator widens or narrows its price
	// distribution to match; if the instrument's limits leave too little room
	// the book is narrower than asked (Stats.Spread tells).
	Levels int
	// Commands is the length of the timed stream, after the prefill.
	Commands int
	// Seed makes the stream: the same Config always yields the same commands.
	Seed int64
	// ClientOrderIDs sets a client order id on every place, unique per
	// account: a base-36 counter per account ("1", "2", … "a", … "10", …).
	ClientOrderIDs bool
}

// Instrument is the synthetic ETF both standard configurations trade: a flat
// 5 KRW tick and a base price of 150,000 KRW, so that the daily limits
// [105,000, 195,000] hold 18,001 tick prices. A KRX stock cannot host these
// books: under the 2023 tick table the tick grows with the price, and no base
// price gives a stock more than about 920 tick prices inside its ±30% band,
// too few for 1,000 orders on 750 distinct levels and far too few for
// 10,000 levels.
func Instrument() matching.Instrument {
	return matching.Instrument{
		Symbol:      "BENCH",
		Name:        "Benchmark ETF (synthetic)",
		Market:      "KOSPI",
		BasePrice:   150_000,
		Tick:        matching.TickFlat5,
		MaxOrderQty: matching.DefaultMaxOrderQty,
	}
}

// DefaultConfig is exchange-core's benchmark book: 1,000 accounts, about
// 1,000 resting orders on about 750 price levels, one million commands.
func DefaultConfig() Config {
	return Config{
		Instrument:   Instrument(),
		Accounts:     1_000,
		TargetOrders: 1_000,
		Levels:       750,
		Commands:     1_000_000,
		Seed:         1,
	}
}

// DeepConfig is the deep book: one million resting orders on 10,000 price
// levels (about 100 orders a level), one million commands.
func DeepConfig() Config {
	c := DefaultConfig()
	c.TargetOrders = 1_000_000
	c.Levels = 10_000
	return c
}

// validate panics on a configuration the generator cannot honour: these are
// programming errors in a benchmark, not conditions to handle.
func (c *Config) validate() {
	if err := c.Instrument.Validate(); err != nil {
		panic(fmt.Sprintf("benchgen: instrument %q: %v", c.Instrument.Symbol, err))
	}
	switch {
	case c.Accounts < 2:
		panic("benchgen: Accounts must be at least 2")
	case c.TargetOrders < 2:
		panic("benchgen: TargetOrders must be at least 2")
	case c.Levels < 2:
		panic("benchgen: Levels must be at least 2")
	case c.Commands < 0:
		panic("benchgen: Commands must not be negative")
	}
}
