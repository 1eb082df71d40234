package benchgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mts-krx/mts/matching"
)

// small is the default book with a stream short enough for -race.
func small(commands int) Config {
	cfg := DefaultConfig()
	cfg.Commands = commands
	return cfg
}

// stock is a KRX stock whose book straddles the 20,000 KRW band edge, where
// the tick goes from 10 to 50 KRW, so that the tick table is exercised.
func stock() Config {
	return Config{
		Instrument: matching.Instrument{
			Symbol: "005930", Name: "stock at a band edge", Market: "KOSPI",
			BasePrice: 20_000, Tick: matching.TickStock, MaxOrderQty: matching.DefaultMaxOrderQty,
		},
		Accounts: 100, TargetOrders: 200, Levels: 100, Commands: 50_000, Seed: 7,
		ClientOrderIDs: true,
	}
}

func all(prefill, stream []matching.Command) []matching.Command {
	return append(slices.Clip(prefill), stream...)
}

func TestPricesOnTickAndWithinLimits(t *testing.T) {
	for _, cfg := range []Config{small(100_000), stock()} {
		t.Run(cfg.Instrument.Symbol, func(t *testing.T) {
			in := cfg.Instrument
			lo, hi := in.Limits()
			bands := map[matching.Price]int{}
			for _, c := range all(Generate(cfg)) {
				if c.Kind == matching.CmdCancel {
					continue
				}
				if !in.Tick.OnTick(c.Price) || c.Price < lo || c.Price > hi {
					t.Fatalf("seq %d: %v at %d: off tick or outside [%d, %d]", c.Seq, c.Kind, c.Price, lo, hi)
				}
				bands[in.Tick.Tick(c.Price)]++
			}
			t.Logf("prices by tick size: %v", bands)
			if in.Tick == matching.TickStock && len(bands) < 2 {
				t.Errorf("stock prices used tick sizes %v, want both sides of the band edge", bands)
			}
		})
	}
}

// TestMix checks the stream's mix against exchange-core's published one:
// 9% GTC, 3% IOC, 6% cancel, 82% move.
func TestMix(t *testing.T) {
	for _, cfg := range []Config{small(100_000), stock()} {
		t.Run(cfg.Instrument.Symbol, func(t *testing.T) {
			_, stream := Generate(cfg)
			var gtc, ioc, cxl, mv int
			for _, c := range stream {
				switch {
				case c.Kind == matching.CmdPlace && c.TIF == matching.Day:
					gtc++
				case c.Kind == matching.CmdPlace && c.TIF == matching.IOC:
					ioc++
				case c.Kind == matching.CmdCancel:
					cxl++
				case c.Kind == matching.CmdAmend:
					mv++
				default:
					t.Fatalf("seq %d: unexpected command %+v", c.Seq, c)
				}
			}
			n := float64(len(stream))
			for _, m := range []struct {
				name      string
				got, want float64
			}{
				{"GTC", float64(gtc) / n, 0.09}, {"IOC", float64(ioc) / n, 0.03},
				{"cancel", float64(cxl) / n, 0.06}, {"move", float64(mv) / n, 0.82},
			} {
				t.Logf("%s %.2f%%", m.name, 100*m.got)
				if d := m.got - m.want; d < -0.015 || d > 0.015 {
					t.Errorf("%s: %.2f%% of %d commands, want %.0f%% ± 1.5", m.name, 100*m.got, len(stream), 100*m.want)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	cfg := small(20_000)
	cfg.ClientOrderIDs = true
	p1, s1 := Generate(cfg)
	p2, s2 := Generate(cfg)
	if !slices.Equal(p1, p2) || !slices.Equal(s1, s2) {
		t.Fatalf("seed %d: two runs differ", cfg.Seed)
	}
	if p3 := Prefill(cfg); !slices.Equal(p1, p3) {
		t.Fatalf("seed %d: Prefill differs from Generate's prefill", cfg.Seed)
	}
	cfg.Seed++
	if _, s4 := Generate(cfg); slices.Equal(s1, s4) {
		t.Fatalf("seeds %d and %d give the same stream", cfg.Seed-1, cfg.Seed)
	}
}

// TestCommandFields checks what the engine relies on: dense Seq, rising TS,
// accounts in range, client order ids unique per account, and amends and
// cancels naming an order id the engine will have assigned to a place of the
// same account (ids are dense from 1 over accepted places, and every place
// here is accepted).
func TestCommandFields(t *testing.T) {
	for _, coids := range []bool{false, true} {
		t.Run(fmt.Sprintf("ClientOrderIDs=%v", coids), func(t *testing.T) {
			cfg := small(50_000)
			cfg.ClientOrderIDs = coids
			prefill, stream := Generate(cfg)
			owner := []string{""} // by order id
			seen := map[[2]string]bool{}
			var lastTS int64
			for i, c := range all(prefill, stream) {
				if c.Seq != uint64(i+1) || c.TS <= lastTS || c.Symbol != cfg.Instrument.Symbol {
					t.Fatalf("command %d: seq %d ts %d (after %d) symbol %q", i, c.Seq, c.TS, lastTS, c.Symbol)
				}
				lastTS = c.TS
				if n, err := strconv.Atoi(strings.TrimPrefix(c.Account, "A")); len(c.Account) != 5 || err != nil || n < 1 || n > cfg.Accounts {
					t.Fatalf("seq %d: account %q", c.Seq, c.Account)
				}
				switch c.Kind {
				case matching.CmdPlace:
					owner = append(owner, c.Account)
					key := [2]string{c.Account, c.ClientOrderID}
					if (c.ClientOrderID != "") != coids || (coids && seen[key]) {
						t.Fatalf("seq %d: client order id %q (wanted: %v; already used: %v)", c.Seq, c.ClientOrderID, coids, seen[key])
					}
					seen[key] = true
					if c.Type != matching.Limit || c.Qty <= 0 || c.OrderID != 0 {
						t.Fatalf("seq %d: place %+v", c.Seq, c)
					}
				default:
					if c.OrderID == 0 || int(c.OrderID) >= len(owner) || owner[c.OrderID] != c.Account {
						t.Fatalf("seq %d: %v of order %d by %s, which is not an earlier order of that account", c.Seq, c.Kind, c.OrderID, c.Account)
					}
				}
			}
			for _, c := range prefill {
				if c.Kind != matching.CmdPlace || c.TIF != matching.Day {
					t.Fatalf("seq %d: prefill holds %v %v, want GTC places only", c.Seq, c.Kind, c.TIF)
				}
			}
		})
	}
}

// TestBookSize steps the generator and checks the feedback loop: each side
// stays near TargetOrders/2, and the book occupies about Levels prices.
func TestBookSize(t *testing.T) {
	for _, tc := range []struct {
		cfg      Config
		minShare float64 // lowest share of target a side may drop to
	}{
		{small(200_000), 0.85},
		{stock(), 0.75},
	} {
		t.Run(tc.cfg.Instrument.Symbol, func(t *testing.T) {
			cfg := tc.cfg
			cfg.validate()
			g := newGenerator(cfg)
			g.prefill()
			if got := g.book.restingCount(); got != cfg.TargetOrders {
				t.Fatalf("prefill left %d resting orders, want %d", got, cfg.TargetOrders)
			}
			var sum, samples, levels int
			low := cfg.TargetOrders
			for i := range cfg.Commands {
				g.step()
				if i%100 == 0 {
					low = min(low, g.book.count[0], g.book.count[1])
					sum += g.book.restingCount()
					levels += g.book.levelCount()
					samples++
				}
			}
			mean := float64(sum) / float64(samples)
			meanLevels := float64(levels) / float64(samples)
			t.Logf("resting: mean %.0f, lowest side %d; levels: mean %.0f; %+v", mean, low, meanLevels, g.stats)
			if want := float64(cfg.TargetOrders); mean < 0.95*want || mean > want {
				t.Errorf("mean resting %.0f, want within 5%% below %d", mean, cfg.TargetOrders)
			}
			if want := tc.minShare * float64(g.half); float64(low) < want {
				t.Errorf("a side fell to %d resting orders, want at least %.0f", low, want)
			}
			if want := float64(cfg.Levels); cfg.Instrument.Tick == matching.TickFlat5 && (meanLevels < 0.85*want || meanLevels > 1.15*want) {
				t.Errorf("mean occupied levels %.0f, want %d ± 15%%", meanLevels, cfg.Levels)
			}
		})
	}
}

// TestDeepBook builds the deep book and runs a short stream over it.
func TestDeepBook(t *testing.T) {
	if testing.Short() {
		t.Skip("a million resting orders")
	}
	cfg := DeepConfig()
	cfg.Commands = 20_000
	r := Run(cfg)
	s := r.Stats
	t.Logf("%+v", s)
	if s.PrefillOrders != cfg.TargetOrders || s.PrefillLevels < cfg.Levels*95/100 || s.PrefillLevels > cfg.Levels*105/100 {
		t.Errorf("prefill: %d orders on %d levels, want %d on %d ± 5%%", s.PrefillOrders, s.PrefillLevels, cfg.TargetOrders, cfg.Levels)
	}
	if s.Resting < cfg.TargetOrders*99/100 || s.Levels < cfg.Levels*95/100 {
		t.Errorf("after the stream: %d orders on %d levels, want about %d on %d", s.Resting, s.Levels, cfg.TargetOrders, cfg.Levels)
	}
}

// TestModelInvariants walks the whole model every few hundred steps.
func TestModelInvariants(t *testing.T) {
	for _, cfg := range []Config{small(30_000), stock()} {
		t.Run(cfg.Instrument.Symbol, func(t *testing.T) {
			cfg.validate()
			g := newGenerator(cfg)
			g.prefill()
			for i := range cfg.Commands {
				g.step()
				if i%500 == 0 {
					if err := g.book.check(); err != nil {
						t.Fatalf("seed %d, after stream command %d: %v", cfg.Seed, i, err)
					}
				}
			}
		})
	}
}

func TestInvalidConfigPanics(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"one account":     func(c *Config) { c.Accounts = 1 },
		"no orders":       func(c *Config) { c.TargetOrders = 0 },
		"no levels":       func(c *Config) { c.Levels = 1 },
		"negative stream": func(c *Config) { c.Commands = -1 },
		"bad instrument":  func(c *Config) { c.Instrument.BasePrice = 150_001 },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Generate did not panic")
				}
			}()
			cfg := small(10)
			mod(&cfg)
			Generate(cfg)
		})
	}
}

// TestStaysInsideVI checks every trade the model prints against the KRX
// volatility-interruption bands: under 2% from the previous trade (dynamic VI
// is 3% for KOSPI200 stocks, 6% for others) and under 10% from the base price
// (static VI).
func TestStaysInsideVI(t *testing.T) {
	for _, cfg := range []Config{small(300_000), stock()} {
		t.Run(cfg.Instrument.Symbol, func(t *testing.T) {
			cfg.validate()
			g := newGenerator(cfg)
			g.prefill()
			base := cfg.Instrument.BasePrice
			last := base
			var worstDyn, worstStatic float64
			for i := range cfg.Commands {
				before := g.stats.Trades
				g.step()
				if g.stats.Trades == before {
					continue
				}
				for _, f := range g.fills {
					p := g.ladder[f.idx]
					dyn := float64(abs(p-last)) / float64(last)
					static := float64(abs(p-base)) / float64(base)
					worstDyn, worstStatic = max(worstDyn, dyn), max(worstStatic, static)
					if dyn >= 0.02 || static >= 0.10 {
						t.Fatalf("stream command %d: trade at %d after %d (base %d)", i, p, last, base)
					}
					last = p
				}
			}
			t.Logf("largest move between trades %.2f%%, from base %.2f%%", 100*worstDyn, 100*worstStatic)
		})
	}
}

func abs(p matching.Price) matching.Price { return max(p, -p) }
