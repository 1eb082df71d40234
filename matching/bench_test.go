package matching_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/matching/benchgen"
	"github.com/mts-krx/mts/risk"
)

// The engine benchmarks run exchange-core's order mix (benchgen) through
// Engine.Apply on one goroutine: the real matching path, with every event
// built. Streams are generated before the timer starts. Figures and the
// commands that produce them are in BENCHMARKS.md:
//
//	go test ./matching -run '^$' -bench 'ExchangeCore|Deep' -benchtime 1x -count 5
//	go test ./matching -run '^$' -bench Latency -benchtime 1x -count 5
//	go test ./matching -run '^$' -bench RiskRatio -benchtime 1x -count 5

type workload struct {
	cfg             benchgen.Config
	prefill, stream []matching.Command
}

var workloads = map[string]*workload{}

func load(b *testing.B, name string, cfg benchgen.Config) *workload {
	if w := workloads[name]; w != nil {
		return w
	}
	p, s := benchgen.Generate(cfg)
	w := &workload{cfg: cfg, prefill: p, stream: s}
	workloads[name] = w
	return w
}

// engineFor builds an engine and applies the prefill (untimed). With risk on,
// every account is opened and funded first, and the thresholds are set so
// that every check runs and none rejects the mix (the mix's prices are far
// from retail sizes): what is measured is the cost of checking.
func engineFor(b *testing.B, w *workload, withRisk bool) (*matching.Engine, []matching.Command) {
	b.Helper()
	cfg := matching.Config{Instruments: []matching.Instrument{w.cfg.Instrument}}
	var setup []matching.Command
	if withRisk {
		rc := risk.DefaultConfig()
		rc.RateMaxOrders, rc.MaxOpenOrders = 1000, 1_000_000
		// The duplicate-order check scans its window on every order either
		// way; a 1 ns window keeps it from refusing the generator's orders,
		// whose ids every later cancel and move depends on.
		rc.DupWindowNanos = 1
		rc.Default = risk.Tiers{WarnNotional: 1e12, WarnListedPPM: -1, WarnPriceDevPPM: 500_000, BlockNotional: 1e13, BlockListedPPM: -1}
		cfg.Risk = risk.New(rc)
		for i := 1; i <= w.cfg.Accounts; i++ {
			a := fmt.Sprintf("A%04d", i)
			setup = append(setup,
				matching.Command{Kind: matching.CmdOpenAccount, Account: a, RequestID: "o"},
				matching.Command{Kind: matching.CmdDeposit, Account: a, Amount: 1e15, RequestID: "d"},
				matching.Command{Kind: matching.CmdCreditShares, Account: a, Symbol: w.cfg.Instrument.Symbol, Qty: 1e12, RequestID: "c"})
		}
	}
	e, err := matching.NewEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	seq := uint64(0)
	apply := func(cmds []matching.Command) []matching.Command {
		out := make([]matching.Command, len(cmds))
		for i := range cmds {
			seq++
			out[i] = cmds[i]
			out[i].Seq = seq
			// 10 ms apart: each of 1,000 accounts sends an order about every
			// 10 s, inside the rate limit and the 2 s duplicate-order window,
			// which both still run on every order.
			out[i].TS = int64(seq) * 10_000_000
		}
		return out
	}
	for _, c := range apply(append(setup, w.prefill...)) {
		e.Apply(&c)
	}
	return e, apply(w.stream)
}

func runStream(b *testing.B, e *matching.Engine, stream []matching.Command) {
	b.Helper()
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	rejects := 0
	for i := range stream {
		if evs := e.Apply(&stream[i]); evs[0].ExecType == matching.ExecRejected {
			rejects++
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	// A stream that the engine mostly rejects would measure the wrong thing;
	// the generator predicts every fill, so this should stay at zero.
	b.ReportMetric(float64(rejects)/float64(len(stream)), "rejects/cmd")
	b.ReportMetric(float64(len(stream))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(len(stream)), "ns/cmd")
}

// BenchmarkExchangeCoreMix: ~1,000 resting orders on ~750 levels, 1,000
// accounts, 1M commands (9% GTC, 3% IOC, 6% cancel, 82% move). Each b.N
// iteration replays the whole stream into a fresh engine; use -benchtime 1x.
func BenchmarkExchangeCoreMix(b *testing.B) {
	for _, c := range []struct {
		name           string
		clientOrderIDs bool
		risk           bool
	}{
		{"risk=off/clOrdID=off", false, false},
		{"risk=off/clOrdID=on", true, false},
		{"risk=on/clOrdID=off", false, true},
		{"risk=on/clOrdID=on", true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := benchgen.DefaultConfig()
			cfg.ClientOrderIDs = c.clientOrderIDs
			w := load(b, fmt.Sprint(c.clientOrderIDs), cfg)
			for range b.N {
				b.StopTimer()
				e, stream := engineFor(b, w, c.risk)
				b.StartTimer()
				runStream(b, e, stream)
			}
		})
	}
}

// BenchmarkRiskRatio measures what the risk checks cost as a ratio that the
// shared machine's noise cannot swamp. The separate risk=off and risk=on runs
// of BenchmarkExchangeCoreMix are seconds apart, and this VM's throughput
// varies by a factor of 1.7 between runs, more than the margin the ratio is
// judged by. Here one process keeps two engines, risk off and risk on, and
// feeds them the same pre-generated stream in alternating chunks of
// ratioChunk commands: each pair of chunks runs within some 20 ms, so a slow
// spell of the machine slows both sides of a pair alike, and the median over
// ~100 pairs drops the pairs that a preemption hit on one side only. Which
// engine goes first alternates from pair to pair, so neither always runs on a
// cache the other has just cooled.
//
// Both engines see the same commands and build the same book (the risk=on
// engine opens and funds the accounts first, which the stream never touches
// in the book), so a pair compares the same work with and without risk.
// The strings=fresh case gives every command its own strings, as commands
// decoded by the gateway have, instead of the generator's one string per
// account: map probes then compare bytes that are not already in the cache.
// Reported: on/off, the median of the pairs' throughput ratios (risk on over
// risk off; the issue 3 target is >= 0.80); on/off-p25 and -p75, their
// spread; on/off-total, total time off over total time on; and each side's
// median throughput, which stays as noisy as the machine.
func BenchmarkRiskRatio(b *testing.B) {
	for _, c := range []struct {
		name                   string
		clOrdIDs, freshStrings bool
	}{
		{"clOrdID=off", false, false},
		{"clOrdID=on", true, false},
		{"clOrdID=on/strings=fresh", true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := benchgen.DefaultConfig()
			cfg.ClientOrderIDs = c.clOrdIDs
			w := load(b, fmt.Sprint(c.clOrdIDs), cfg)
			for range b.N {
				b.StopTimer()
				off, offStream := engineFor(b, w, false)
				on, onStream := engineFor(b, w, true)
				if c.freshStrings {
					freshStrings(offStream)
					freshStrings(onStream)
				}
				runtime.GC()
				b.StartTimer()
				runPairs(b, [2]*matching.Engine{off, on}, [2][]matching.Command{offStream, onStream})
			}
		})
	}
}

// freshStrings gives every command its own copy of its strings, as the
// gateway's decoder does: the generator shares one string per account, so
// without this a cache keyed by a string's address would hit on every
// command, where in production only the commands that name a live order do.
func freshStrings(stream []matching.Command) {
	for i := range stream {
		c := &stream[i]
		c.Account, c.Symbol, c.ClientOrderID = strings.Clone(c.Account), strings.Clone(c.Symbol), strings.Clone(c.ClientOrderID)
	}
}

// ratioChunk is how many commands one side of a pair applies: about 10 ms,
// long enough that timing costs nothing, short enough that the machine
// rarely changes speed between the two sides of a pair.
const ratioChunk = 10_000

// runPairs applies streams[0] to engines[0] (risk off) and streams[1] to
// engines[1] (risk on) chunk by chunk, alternating, and reports the ratios.
func runPairs(b *testing.B, engines [2]*matching.Engine, streams [2][]matching.Command) {
	b.Helper()
	var ratios, wallRatios, offOps, onOps []float64
	var total [2]time.Duration
	rejects := 0
	for pair, lo := 0, 0; lo < len(streams[0]); pair, lo = pair+1, lo+ratioChunk {
		hi := min(lo+ratioChunk, len(streams[0]))
		var cpu, wall [2]time.Duration
		for k := range 2 {
			side := (pair + k) % 2 // off first in even pairs, on first in odd ones
			start, cpuStart := time.Now(), matching.CPUNow()
			for i := lo; i < hi; i++ {
				if evs := engines[side].Apply(&streams[side][i]); evs[0].ExecType == matching.ExecRejected {
					rejects++
				}
			}
			cpu[side], wall[side] = matching.CPUNow()-cpuStart, time.Since(start)
			total[side] += cpu[side]
		}
		n := float64(hi - lo)
		ratios = append(ratios, cpu[0].Seconds()/cpu[1].Seconds())
		wallRatios = append(wallRatios, wall[0].Seconds()/wall[1].Seconds())
		offOps = append(offOps, n/cpu[0].Seconds())
		onOps = append(onOps, n/cpu[1].Seconds())
	}
	b.StopTimer()
	b.ReportMetric(float64(rejects)/float64(2*len(streams[0])), "rejects/cmd")
	b.ReportMetric(quantile(ratios, 0.5), "on/off")
	b.ReportMetric(quantile(ratios, 0.25), "on/off-p25")
	b.ReportMetric(quantile(ratios, 0.75), "on/off-p75")
	b.ReportMetric(total[0].Seconds()/total[1].Seconds(), "on/off-total")
	b.ReportMetric(quantile(wallRatios, 0.5), "on/off-wall")
	b.ReportMetric(quantile(offOps, 0.5), "off-ops/cpu-s")
	b.ReportMetric(quantile(onOps, 0.5), "on-ops/cpu-s")
}

// quantile returns the q-quantile of xs (nearest rank); it sorts xs.
func quantile(xs []float64, q float64) float64 {
	slices.Sort(xs)
	return xs[int(q*float64(len(xs)-1)+0.5)]
}

// BenchmarkDeepBook: 1,000,000 resting orders on 10,000 levels, then 1M
// commands of the same mix; also reports the heap held per resting order.
func BenchmarkDeepBook(b *testing.B) {
	w := load(b, "deep", benchgen.DeepConfig())
	for range b.N {
		b.StopTimer()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e, stream := engineFor(b, w, false)
		runtime.GC()
		runtime.ReadMemStats(&after)
		// The timed stream's copy was allocated in between; it is not the
		// book's (its strings are shared with the cached workload).
		held := int64(after.HeapAlloc) - int64(before.HeapAlloc) - int64(len(stream))*int64(unsafe.Sizeof(stream[0]))
		perOrder := float64(held) / float64(len(w.prefill))
		b.Logf("heap held by the engine: %.1f MiB, %.0f B per resting order", float64(held)/(1<<20), perOrder)
		b.StartTimer()
		runStream(b, e, stream)
		b.ReportMetric(perOrder, "B/resting-order") // after runStream: ResetTimer drops metrics
		runtime.KeepAlive(e)
	}
}

// BenchmarkLatency paces single commands at 1M/s and records how long each
// Apply takes (HDR histogram, ns): the engine's service time, without
// queueing (a command whose slot has passed starts at once and is timed
// from then).
//
// Two more figures tell the engine's tail from the machine's:
//
//   - platform-p99.99-ns: the same paced loop timing fixed arithmetic that
//     lasts as long as the mean Apply. A stall of the machine (the host
//     preempting this VM's vCPU, an interrupt) lands in a timed window with
//     the probability of the windows' share of the time, so this is the
//     p99.99 any work of that length would show here.
//   - replay-min-p99.99-ns: the stream replayed into two more fresh engines,
//     and for each command the least of its three times. A command's own
//     cost recurs in every replay (the engine is deterministic); a stall
//     lands on the same command in all three with negligible probability.
func BenchmarkLatency(b *testing.B) {
	w := load(b, "off", benchgen.DefaultConfig())
	for range b.N {
		b.StopTimer()
		var replays [3][]int64
		for r := range replays {
			e, stream := engineFor(b, w, false)
			runtime.GC()
			if r == 0 {
				b.StartTimer()
			}
			replays[r] = paced(len(stream), func(i int) { e.Apply(&stream[i]) })
			if r == 0 {
				b.StopTimer()
			}
		}
		h := histogram(replays[0])
		b.ReportMetric(float64(h.ValueAtQuantile(50)), "p50-ns")
		b.ReportMetric(float64(h.ValueAtQuantile(99)), "p99-ns")
		b.ReportMetric(float64(h.ValueAtQuantile(99.99)), "p99.99-ns")
		b.ReportMetric(float64(h.Max()), "max-ns")

		least := make([]int64, len(replays[0]))
		for i := range least {
			least[i] = min(replays[0][i], replays[1][i], replays[2][i])
		}
		b.ReportMetric(float64(histogram(least).ValueAtQuantile(99.99)), "replay-min-p99.99-ns")

		n := spinsFor(time.Duration(h.Mean()))
		fixed := histogram(paced(len(least), func(int) { spin(n) }))
		b.ReportMetric(float64(fixed.ValueAtQuantile(99.99)), "platform-p99.99-ns")
	}
}

// paced calls op(0) … op(n-1), one a microsecond (1 M/s), and returns the
// time each call took, in nanoseconds. A call that starts late (the one
// before overran) is not queued behind: only its own time is counted.
func paced(n int, op func(i int)) []int64 {
	took := make([]int64, n)
	start := time.Now()
	for i := range took {
		next := start.Add(time.Duration(i) * time.Microsecond)
		for time.Now().Before(next) {
		}
		t0 := time.Now()
		op(i)
		took[i] = time.Since(t0).Nanoseconds()
	}
	return took
}

func histogram(ns []int64) *hdrhistogram.Histogram {
	h := hdrhistogram.New(1, 10_000_000, 3)
	for _, v := range ns {
		h.RecordValue(v)
	}
	return h
}

var spinSink uint64

// spin does n steps of a linear congruential generator: fixed work that
// touches no memory.
func spin(n int) {
	x := spinSink
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	spinSink = x
}

// spinsFor calibrates spin: the step count that lasts about d.
func spinsFor(d time.Duration) int {
	const steps = 10_000_000
	t0 := time.Now()
	spin(steps)
	per := float64(time.Since(t0)) / steps
	return max(1, int(float64(d)/per))
}

// BenchmarkOpenOrdersDeep is one account's orders.open query (about 1,000
// orders) on the deep book of 1,000,000 resting orders: the time the loop's
// goroutine spends on it, with matching waiting.
func BenchmarkOpenOrdersDeep(b *testing.B) {
	w := load(b, "deep", benchgen.DeepConfig())
	e, _ := engineFor(b, w, false)
	account := w.prefill[0].Account
	var views []matching.OrderView
	for b.Loop() {
		views = e.OpenOrders(account, "", views[:0])
	}
	b.ReportMetric(float64(len(views)), "orders")
}

// BenchmarkOpenOrdersPage is one page (1,000 orders, the protocol's page) of
// orders.open for an account with 200,000 resting orders (risk off, as a
// market maker without an open-order limit might run): the first page, and
// one from the middle. The loop's goroutine does this with matching waiting.
func BenchmarkOpenOrdersPage(b *testing.B) {
	const orders, pageLen = 200_000, 1000
	in := benchgen.Instrument()
	e, err := matching.NewEngine(matching.Config{Instruments: []matching.Instrument{in}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range orders {
		// Bids only, on 2,000 levels below the base price: nothing trades.
		px := in.BasePrice - 5*matching.Price(1+i%2000)
		c := matching.Command{Kind: matching.CmdPlace, Seq: uint64(i + 1), TS: int64(i + 1), Account: "MM", Symbol: in.Symbol,
			Side: matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: px, Qty: 1}
		if evs := e.Apply(&c); evs[0].ExecType != matching.ExecNew {
			b.Fatalf("order %d: %+v", i, evs[0])
		}
	}
	var page []matching.OrderView
	for _, c := range []struct {
		name  string
		after matching.OrderKey
	}{
		{"first", matching.OrderKey{}},
		{"middle", matching.OrderKey{Symbol: in.Symbol, OrderID: orders / 2}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, _ = e.OpenOrdersPage("MM", "", c.after, pageLen, page[:0])
			}
			if len(page) != pageLen {
				b.Fatalf("a page of %d orders, want %d", len(page), pageLen)
			}
		})
	}
}
