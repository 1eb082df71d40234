//go:build unix

package main

// Benchmarks of the durable pipeline as openEngine builds it: the Badger
// journal in Durable mode, recovery, and matching.Loop, driven the way the
// gateway drives it (many goroutines calling Submit, replies after the
// fsync). Commands come from benchgen (exchange-core's order mix) and are
// generated, and wrapped in Requests, before any timer starts. Every figure
// is a b.ReportMetric. The commands:
//
//	go test ./cmd/mts -run '^$' -bench DurableLoop -benchtime 200000x -count 5
//	go test ./cmd/mts -run '^$' -bench AckLatency -benchtime 100000x -count 5
//	go test ./cmd/mts -run '^$' -bench 'Recovery|RSS' -count 5
//	MTS_BENCH_RECORDS=10000000 go test ./cmd/mts -run '^$' -bench Recovery -benchtime 3x -timeout 2h
//
// The long and machine-dependent ones (recovery, memory) are in
// bench_long_test.go.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/matching/benchgen"
	"github.com/mts-krx/mts/risk"
)

// benchRawValueBytes is the record size of the raw Badger ceiling, as in
// journal's BenchmarkRawBadgerBatch.
const benchRawValueBytes = 100

// benchBackoff is how long a producer waits after ErrBusy before it tries
// the same command again.
const benchBackoff = 50 * time.Microsecond

// BenchmarkDurableLoop: the whole durable pipeline at full load. One op is
// one command: P producers (MTS_BENCH_PRODUCERS, default 64) submit b.N
// pre-generated commands as fast as the loop takes them (ErrBusy: back off
// benchBackoff and retry the same command); the clock stops at the last
// Reply, which the loop sends only after the command's batch is fsynced.
//
// batch-p50-ms is the median time between two batches leaving the loop
// (one Append and its replies) and raw-batch-p50-ms the median synced
// transaction of the ceiling, and ratio-p50 the second over the first (the
// batches are the same sizes): medians, unlike the rates, are not moved much
// by the multi-second disk stalls of a shared machine. cpu-µs/cmd is the
// process's user+system CPU time over the timed part, per command.
//
// A CPU profile (-cpuprofile) labels samples phase=loop (the engine, its
// journal and the producers), phase=setup and phase=raw (the ceiling);
// pprof's -tagfocus phase=loop shows where the loop's CPU goes (the GC's
// background workers carry no label).
//
// In the same run, after the clock stops, the raw Badger ceiling replays the
// loop's own batch sizes, in order, into a fresh Badger with the journal's
// options: one synced transaction per batch of 9-byte keys and 100-byte
// values (journal.BenchmarkRawBadgerBatch's records). ratio is the loop's
// commands/s over that ceiling's records/s. The loop's records are larger
// than 100 bytes (a command and its events, plus the journal's 41-byte
// frame), so raw-sized-records/s and ratio-sized repeat the ceiling at the
// loop's mean stored record size.
func BenchmarkDurableLoop(b *testing.B) {
	producers := benchEnvInt(b, "MTS_BENCH_PRODUCERS", 64)
	for _, withRisk := range []bool{false, true} {
		b.Run(fmt.Sprintf("risk=%s/producers=%d", onOff(withRisk), producers), func(b *testing.B) {
			b.StopTimer()
			w := benchWorkloadFor(b.N)
			setup := benchSetup(withRisk)
			// A fresh journal starts at seq 1, so the set-up ends at len(setup).
			pub := &benchBatchLog{skipThrough: uint64(len(setup))}
			profilePhase("loop") // the loop's and Badger's goroutines inherit it
			h := openBenchEngine(b, b.TempDir(), withRisk, false, pub)
			profilePhase("setup")
			feedInOrder(b, h, setup)
			f := newBenchFeed(w.stream)
			profilePhase("loop") // and so do the producers
			cpu0 := cpuTime(b)
			b.StartTimer()
			start := time.Now()
			f.run(h.loop, producers)
			elapsed := time.Since(start)
			b.StopTimer()
			cpu := cpuTime(b) - cpu0
			closeBenchEngine(b, h)
			f.check(b)
			if pub.commands != b.N {
				b.Fatalf("publisher saw %d commands in %d batches, want %d", pub.commands, len(pub.sizes), b.N)
			}
			cmdsPerSec := float64(b.N) / elapsed.Seconds()
			recordBytes := int(pub.payloadBytes/int64(b.N)) + journalFrameBytes
			profilePhase("raw")
			defer profilePhase("")
			raw := rawBadgerCeiling(b, b.TempDir(), pub.sizes, benchRawValueBytes)
			sized := rawBadgerCeiling(b, b.TempDir(), pub.sizes, recordBytes)
			b.ReportMetric(cmdsPerSec, "cmds/s")
			b.ReportMetric(raw.recordsPerSec, "raw-records/s")
			b.ReportMetric(cmdsPerSec/raw.recordsPerSec, "ratio")
			b.ReportMetric(sized.recordsPerSec, "raw-sized-records/s")
			b.ReportMetric(cmdsPerSec/sized.recordsPerSec, "ratio-sized")
			b.ReportMetric(float64(b.N)/float64(len(pub.sizes)), "cmds/append")
			b.ReportMetric(float64(recordBytes), "record-B")
			b.ReportMetric(ms(pub.medianInterval()), "batch-p50-ms")
			b.ReportMetric(ms(raw.medianBatch), "raw-batch-p50-ms")
			b.ReportMetric(float64(raw.medianBatch)/float64(pub.medianInterval()), "ratio-p50")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/cmd")
			b.ReportMetric(float64(f.busy.Load())/float64(b.N), "busy/cmd")
			b.ReportMetric(float64(f.rejected)/float64(b.N), "rejects/cmd")
		})
	}
}

// BenchmarkAckLatency: closed loop. Each of P producers submits one command,
// waits for its Reply, and submits the next; one op is one command. The
// latency is from just before Submit to the start of the Reply call on the
// loop's commit goroutine (so it includes queueing, matching, the batch's
// Append and fsync, but not the producer's own wake-up), in µs, from an HDR
// histogram of every command. A batch holds at most P commands here:
// cmds/append says how many it held.
func BenchmarkAckLatency(b *testing.B) {
	for _, producers := range []int{16, 64, 256} {
		b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) {
			b.StopTimer()
			w := benchWorkloadFor(b.N)
			setup := benchSetup(false)
			pub := &benchBatchLog{skipThrough: uint64(len(setup))}
			h := openBenchEngine(b, b.TempDir(), false, false, pub)
			feedInOrder(b, h, setup)
			f := newBenchFeed(w.stream)
			b.StartTimer()
			start := time.Now()
			hist := f.runClosed(h.loop, producers)
			elapsed := time.Since(start)
			b.StopTimer()
			closeBenchEngine(b, h)
			f.check(b)
			b.ReportMetric(float64(hist.ValueAtQuantile(50))/1e3, "p50-µs")
			b.ReportMetric(float64(hist.ValueAtQuantile(99))/1e3, "p99-µs")
			b.ReportMetric(float64(hist.ValueAtQuantile(99.9))/1e3, "p99.9-µs")
			b.ReportMetric(float64(hist.Max())/1e3, "max-µs")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "cmds/s")
			b.ReportMetric(float64(b.N)/float64(len(pub.sizes)), "cmds/append")
			b.ReportMetric(float64(f.rejected)/float64(b.N), "rejects/cmd")
		})
	}
}

// benchWorkload is benchgen.DefaultConfig (1,000 accounts, about 1,000
// resting orders on 750 levels) with client order ids, rewritten so that
// cancels and amends name their order by OrigClientOrderID instead of
// OrderID. benchgen predicts order ids for one strictly ordered stream;
// concurrent producers deliver it slightly reordered (a producer backing off
// after ErrBusy lets others pass it), which shifts every later order id and
// would turn most cancels and amends into UNKNOWN_ORDER. A client order id
// belongs to its account, so a reordering between accounts changes nothing,
// and what is left shows as rejects/cmd.
type benchWorkload struct {
	prefill, stream []matching.Command
}

// benchWorkloadCache keeps the longest stream generated so far: a prefix of
// a benchgen stream is the stream of a smaller Commands, so every b.N of a
// benchmark shares one generation.
var benchWorkloadCache *benchWorkload

// benchWorkloadFor returns the workload with a stream of n commands.
func benchWorkloadFor(n int) benchWorkload {
	if w := benchWorkloadCache; w == nil || len(w.stream) < n {
		benchWorkloadCache = generateBenchWorkload(max(n, 100_000))
	}
	w := benchWorkloadCache
	return benchWorkload{prefill: w.prefill, stream: w.stream[:n]}
}

func generateBenchWorkload(commands int) *benchWorkload {
	cfg := benchgen.DefaultConfig()
	cfg.Commands, cfg.ClientOrderIDs = commands, true
	prefill, stream := benchgen.Generate(cfg)
	nameByClientOrderID(prefill, stream)
	return &benchWorkload{prefill: prefill, stream: stream}
}

// nameByClientOrderID points every cancel and amend at its order's client
// order id. Order ids are assigned densely from 1, one per place, in stream
// order (benchgen's promise).
func nameByClientOrderID(cmdss ...[]matching.Command) {
	var coids []string // coids[id-1] is order id's client order id
	for _, cmds := range cmdss {
		for i := range cmds {
			c := &cmds[i]
			switch c.Kind {
			case matching.CmdPlace:
				coids = append(coids, c.ClientOrderID)
			case matching.CmdAmend, matching.CmdCancel:
				c.OrigClientOrderID, c.OrderID = coids[c.OrderID-1], 0
			}
		}
	}
}

// benchRiskConfig is matching's BenchmarkExchangeCoreMix configuration:
// every check runs and none rejects the mix, so what is measured is the cost
// of checking. The rate limit of 1,000 orders per account per second is 1M/s
// over the 1,000 accounts, far above the loop's rate.
func benchRiskConfig() risk.Config {
	rc := risk.DefaultConfig()
	rc.RateMaxOrders, rc.MaxOpenOrders = 1000, 1_000_000
	rc.DupWindowNanos = 1
	rc.Default = risk.Tiers{WarnNotional: 1e12, WarnListedPPM: -1, WarnPriceDevPPM: 500_000, BlockNotional: 1e13, BlockListedPPM: -1}
	return rc
}

// riskSetup opens and funds every benchgen account.
func riskSetup(accounts int, symbol string) []matching.Command {
	var cmds []matching.Command
	for i := 1; i <= accounts; i++ {
		a := fmt.Sprintf("A%04d", i)
		cmds = append(cmds,
			matching.Command{Kind: matching.CmdOpenAccount, Account: a, RequestID: "o"},
			matching.Command{Kind: matching.CmdDeposit, Account: a, Amount: 1e15, RequestID: "d"},
			matching.Command{Kind: matching.CmdCreditShares, Account: a, Symbol: symbol, Qty: 1e12, RequestID: "c"})
	}
	return cmds
}

// benchSetup returns the commands that bring a fresh engine to the book the
// stream expects: with risk on, every account opened and funded; then the
// benchgen prefill.
func benchSetup(withRisk bool) []matching.Command {
	var setup []matching.Command
	if withRisk {
		setup = riskSetup(benchgen.DefaultConfig().Accounts, benchgen.Instrument().Symbol)
	}
	return append(setup, benchWorkloadFor(0).prefill...)
}

// openBenchEngine opens the engine over dir as the program does, with
// benchgen's instrument and, if withRisk, benchRiskConfig.
func openBenchEngine(b *testing.B, dir string, withRisk, async bool, pub matching.Publisher) *engineHost {
	b.Helper()
	opts := engineOptions{
		DataDir: dir, Instruments: []matching.Instrument{benchgen.Instrument()}, Async: async,
		Logger: slog.New(slog.DiscardHandler), Publisher: pub,
	}
	if withRisk {
		rc := benchRiskConfig()
		opts.Risk = &rc
	}
	h, err := openEngine(opts)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

func closeBenchEngine(b *testing.B, h *engineHost) {
	b.Helper()
	if err := h.Close(); err != nil {
		b.Fatal(err)
	}
}

// feedInOrder submits cmds from one goroutine, waits for every reply and
// fails on any refusal: set-up must build exactly the book it was designed to.
func feedInOrder(b *testing.B, h *engineHost, cmds []matching.Command) {
	b.Helper()
	f := newBenchFeed(cmds)
	f.run(h.loop, 1)
	f.check(b)
	if f.rejected > 0 {
		b.Fatalf("set-up: %d of %d commands refused: %v", f.rejected, len(cmds), f.reasons)
	}
}

// benchFeed is one run of pre-built requests through a loop. Producers claim
// the next request by an atomic index, so the loop sees the stream in order
// but for commands that producers hold at the same time. Each Request is its
// own allocation, as the gateway makes them: the loop keeps pointers to the
// last batches' requests, which must not pin the whole run.
type benchFeed struct {
	reqs []*matching.Request
	next atomic.Int64
	busy atomic.Int64 // ErrBusy answers
	err  atomic.Pointer[error]

	// Written only by the loop's commit goroutine (in Reply) and read after
	// done is closed.
	replied  int
	rejected int
	failed   int
	reasons  map[matching.Reason]int
	done     chan struct{}
}

func newBenchFeed(cmds []matching.Command) *benchFeed {
	f := &benchFeed{reqs: make([]*matching.Request, len(cmds)), reasons: map[matching.Reason]int{}, done: make(chan struct{})}
	reply := f.reply
	for i := range cmds {
		f.reqs[i] = &matching.Request{Cmd: cmds[i], Reply: reply}
	}
	if len(cmds) == 0 {
		close(f.done)
	}
	return f
}

// reply runs on the loop's commit goroutine.
func (f *benchFeed) reply(r *matching.Result) {
	switch {
	case r.Err != nil:
		f.failed++
	default:
		if reason, refused := refusal(r.Events); refused {
			f.rejected++
			f.reasons[reason]++
		}
	}
	f.replied++
	if f.replied == len(f.reqs) {
		close(f.done)
	}
}

// refusal reports whether a command was refused, and why: a rejected order,
// cancel or amend, or a back-office command not applied.
func refusal(evs []matching.Event) (matching.Reason, bool) {
	if len(evs) == 0 {
		return 0, false
	}
	switch ev := &evs[0]; ev.Kind {
	case matching.EvExec:
		return ev.Reason, ev.ExecType == matching.ExecRejected
	case matching.EvAccount:
		return ev.Reason, ev.Reason != 0
	}
	return 0, false
}

// run submits every request from producers goroutines, open loop, and
// returns when the last reply has arrived (or a producer failed).
func (f *benchFeed) run(l *matching.Loop, producers int) {
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for {
				i := int(f.next.Add(1) - 1)
				if i >= len(f.reqs) || !f.submit(l, f.reqs[i]) {
					return
				}
			}
		})
	}
	wg.Wait()
	if f.err.Load() == nil {
		<-f.done
	}
}

// submit submits r, backing off while the queue is full. It returns false
// on any other error, which it keeps for check.
func (f *benchFeed) submit(l *matching.Loop, r *matching.Request) bool {
	for {
		err := l.Submit(r)
		if err == nil {
			return true
		}
		if !errors.Is(err, matching.ErrBusy) {
			failed := err // only a failure's error escapes to the heap
			f.err.CompareAndSwap(nil, &failed)
			return false
		}
		f.busy.Add(1)
		time.Sleep(benchBackoff)
	}
}

// runClosed is run with each producer waiting for its reply before it
// submits again. It returns the submit-to-Reply latencies in nanoseconds.
func (f *benchFeed) runClosed(l *matching.Loop, producers int) *hdrhistogram.Histogram {
	hists := make([]*hdrhistogram.Histogram, producers)
	var wg sync.WaitGroup
	for p := range producers {
		hists[p] = hdrhistogram.New(1, int64(time.Minute), 3)
		wg.Go(func() { f.produceClosed(l, hists[p]) })
	}
	wg.Wait()
	for _, h := range hists[1:] {
		hists[0].Merge(h)
	}
	return hists[0]
}

func (f *benchFeed) produceClosed(l *matching.Loop, h *hdrhistogram.Histogram) {
	replied := make(chan time.Time, 1)
	reply := func(r *matching.Result) {
		at := time.Now()
		f.reply(r)
		replied <- at
	}
	for {
		i := int(f.next.Add(1) - 1)
		if i >= len(f.reqs) {
			return
		}
		r := f.reqs[i]
		r.Reply = reply
		start := time.Now()
		if !f.submit(l, r) {
			return
		}
		h.RecordValue(int64((<-replied).Sub(start)))
	}
}

// check fails b if a producer hit an error other than ErrBusy or a command
// was answered with an error, and logs why commands were refused.
func (f *benchFeed) check(b *testing.B) {
	b.Helper()
	if p := f.err.Load(); p != nil {
		b.Fatalf("Submit: %v", *p)
	}
	if f.failed > 0 {
		b.Fatalf("%d of %d commands answered with an error", f.failed, len(f.reqs))
	}
	if f.rejected > 0 {
		reasons := slices.SortedFunc(maps.Keys(f.reasons), func(x, y matching.Reason) int { return f.reasons[y] - f.reasons[x] })
		var s string
		for _, r := range reasons {
			s += fmt.Sprintf(" %s=%d", r, f.reasons[r])
		}
		b.Logf("%d of %d commands refused:%s", f.rejected, len(f.reqs), s)
	}
}

// benchBatchLog is a Publisher that records the size of every batch the
// loop made durable after the set-up. The loop publishes each batch once,
// after its one Append (the benchmarks take no snapshots), so these are the
// batch sizes the journal was handed. Only the commit goroutine calls
// Publish; the fields are read after the loop has stopped.
type benchBatchLog struct {
	skipThrough  uint64 // set-up batches end at or before this seq
	sizes        []int
	at           []time.Time // when each batch was published
	commands     int
	payloadBytes int64
}

func (p *benchBatchLog) Publish(b *matching.Batch) {
	if b.Command(0).Seq <= p.skipThrough {
		return
	}
	p.at = append(p.at, time.Now())
	p.sizes = append(p.sizes, b.Len())
	p.commands += b.Len()
	for i := range b.Len() {
		p.payloadBytes += int64(len(b.Record(i).Payload))
	}
}

// medianInterval is the median time between consecutive batches.
func (p *benchBatchLog) medianInterval() time.Duration {
	var gaps []time.Duration
	for i := 1; i < len(p.at); i++ {
		gaps = append(gaps, p.at[i].Sub(p.at[i-1]))
	}
	return median(gaps)
}

// journalFrameBytes is what the journal adds to a record's payload: its
// frame (version, seq, ts, link, length, CRC), as journal/frame.go lays it
// out.
const journalFrameBytes = 41

// rawBadgerCeiling appends sizes[i] records of valueBytes each, one synced
// Badger transaction per batch, to a fresh Badger in dir, and returns the
// rate and the median time of one transaction.
func rawBadgerCeiling(b *testing.B, dir string, sizes []int, valueBytes int) rawResult {
	b.Helper()
	db, err := badger.Open(rawBadgerOptions(dir))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val, seq, records := make([]byte, valueBytes), uint64(0), 0
	batches := make([]time.Duration, 0, len(sizes))
	start := time.Now()
	for _, n := range sizes {
		t0 := time.Now()
		keys := make([]byte, 9*n)
		txn := db.NewTransaction(true)
		for i := range n {
			seq++
			k := keys[9*i : 9*i+9 : 9*i+9]
			k[0] = 'r'
			binary.BigEndian.PutUint64(k[1:], seq)
			if err := txn.Set(k, val); err != nil {
				b.Fatal(err)
			}
		}
		if err := txn.Commit(); err != nil {
			b.Fatal(err)
		}
		batches = append(batches, time.Since(t0))
		records += n
	}
	return rawResult{float64(records) / time.Since(start).Seconds(), median(batches)}
}

type rawResult struct {
	recordsPerSec float64
	medianBatch   time.Duration
}

// rawBadgerOptions copies journal's badgerOptions for Durable mode, which is
// unexported (journal/options.go); keep the two in step.
func rawBadgerOptions(dir string) badger.Options {
	return badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithLogger(nil).
		WithMemTableSize(16 << 20).
		WithNumMemtables(2).
		WithValueThreshold(64 << 10).
		WithValueLogFileSize(256 << 20).
		WithNumVersionsToKeep(1).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(16 << 20).
		WithBloomFalsePositive(0).
		WithNumCompactors(2).
		WithDetectConflicts(false).
		WithMetricsEnabled(false)
}

// benchEnvInt reads a positive integer from the environment.
func benchEnvInt(b *testing.B, name string, def int) int {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// profilePhase labels the calling goroutine, and every goroutine it starts
// from now on, for CPU profiles; "" removes the label.
func profilePhase(phase string) {
	ctx := context.Background()
	if phase != "" {
		ctx = pprof.WithLabels(ctx, pprof.Labels("phase", phase))
	}
	pprof.SetGoroutineLabels(ctx)
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// median sorts ds and returns its middle element (0 when empty).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
