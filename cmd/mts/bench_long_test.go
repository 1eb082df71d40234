//go:build linux

package main

// The slow benchmarks: restart time and the memory of a deep book. They read
// Linux's /proc and use posix_fadvise; sizes grow with MTS_BENCH_RECORDS.

import (
	"bufio"
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/matching/benchgen"
	"golang.org/x/sys/unix"
)

// BenchmarkRecovery: restart time. The parent writes a journal of N records
// (MTS_BENCH_RECORDS, default 200,000; the figure is 10,000,000):
// the set-up, benchgen's prefill and stream, through openEngine and the loop
// in Async mode (one producer, so the stream runs exactly as generated),
// with SnapshotEvery = N·19/80, so that the snapshots land at about 24%,
// 48%, 71% and 95% of the journal and the newest is 5% of N before its end.
// Recovery reads the same records whichever durability wrote them.
//
// One op is one restart: journal.Open in Durable mode with compaction
// deferred, matching.Recover through the program's store adapter and
// engine factory, then ResumeCompaction: what openEngine does before it
// starts the loop. (Each restart closes the journal right after, which
// stops compaction once the one in progress ends, so the next restart
// mostly reads level 0 still uncompacted: the slower read, but without a
// compaction competing for the cores.) snapshot=none recovers FromScratch (a full
// replay), snapshot=recent from the newest snapshot. Reported, as medians
// over the b.N restarts:
//
//	restart-s   journal.Open + Recover + ResumeCompaction
//	records/s   records replayed per second of Recover (snapshot=none)
//	replayed    records replayed after the snapshot
//
// cache=warm leaves the journal in the page cache, as after a process crash;
// cache=cold first drops its files from the page cache (fsync, then
// posix_fadvise DONTNEED), as after a reboot.
func BenchmarkRecovery(b *testing.B) {
	n := benchEnvInt(b, "MTS_BENCH_RECORDS", 200_000)
	stream := generateRecoveryStream(n)
	type built struct {
		dir   string
		every int
	}
	var journals [2]built
	for i, withRisk := range []bool{false, true} {
		journals[i].dir, journals[i].every = buildRecoveryJournal(b, n, withRisk, stream)
	}
	// A restarting process holds nothing else: at 10M the generated
	// stream is gigabytes the collector would otherwise mark again and
	// again during the timed replays.
	stream = nil
	for i, withRisk := range []bool{false, true} {
		dir, every := journals[i].dir, journals[i].every
		for _, c := range []struct {
			snapshot bool
			cold     bool
		}{{false, false}, {true, false}, {false, true}, {true, true}} {
			if withRisk && c.cold {
				continue // the cold read costs the same with risk on
			}
			name := "risk=" + onOff(withRisk) + "/snapshot=none"
			if c.snapshot {
				name = "risk=" + onOff(withRisk) + "/snapshot=recent"
			}
			name += map[bool]string{false: "/cache=warm", true: "/cache=cold"}[c.cold]
			b.Run(name, func(b *testing.B) {
				b.ReportMetric(float64(every), "snapshot-every")
				benchRecover(b, dir, n, withRisk, c.snapshot, c.cold)
			})
		}
	}
}

// generateRecoveryStream generates a stream of benchgen's mix long enough to
// follow benchSetup up to n commands. It is benchWorkload's stream (cancels
// and amends by client order id), longer than the one cached for the loop
// benchmarks and not kept.
func generateRecoveryStream(n int) []matching.Command {
	return generateBenchWorkload(max(n-len(benchSetup(false)), 1)).stream
}

// buildRecoveryJournal writes the journal BenchmarkRecovery restarts from,
// in a directory that lasts as long as b, and returns it with the snapshot
// interval it used.
func buildRecoveryJournal(b *testing.B, n int, withRisk bool, stream []matching.Command) (string, int) {
	b.Helper()
	dir := b.TempDir()
	every := max(n*19/80, 1)
	opts := recoveryEngineOptions(dir, withRisk)
	opts.Async, opts.SnapshotEvery = true, every
	h, err := openEngine(opts)
	if err != nil {
		b.Fatal(err)
	}
	cmds := benchSetup(withRisk)
	cmds = append(cmds[:len(cmds):len(cmds)], stream[:max(n-len(cmds), 0)]...)
	if len(cmds) != n {
		b.Fatalf("built %d commands, want %d", len(cmds), n)
	}
	f := newBenchFeed(cmds)
	f.run(h.loop, 1)
	f.check(b)
	if f.rejected > 0 {
		b.Fatalf("%d of %d journaled commands refused: the stream did not run as generated", f.rejected, n)
	}
	closeBenchEngine(b, h)
	return dir, every
}

func recoveryEngineOptions(dir string, withRisk bool) engineOptions {
	opts := engineOptions{
		DataDir: dir, Instruments: []matching.Instrument{benchgen.Instrument()},
		Logger: slog.New(slog.DiscardHandler),
	}
	if withRisk {
		rc := benchRiskConfig()
		opts.Risk = &rc
	}
	return opts
}

// benchRecover restarts from dir b.N times and reports the medians.
func benchRecover(b *testing.B, dir string, n int, withRisk, snapshot, cold bool) {
	b.StopTimer()
	opts := recoveryEngineOptions(dir, withRisk)
	var restarts, recovers []time.Duration
	var stats matching.RecoverStats
	for range b.N {
		// The last restart's engine (and, the first time, the stream) is
		// garbage now: collect it and hand its memory back to the kernel
		// before timing, not in the background during the replay.
		debug.FreeOSMemory()
		// Both start from files on disk: the journal was built in async
		// mode, and a warm restart must not pay for the kernel writing it
		// back (it did, by seconds, at 10M).
		syncFiles(b, dir, cold)
		b.StartTimer()
		start := time.Now()
		j, err := journal.Open(journal.Options{Dir: dir, Logger: opts.Logger, DeferCompaction: true})
		if err != nil {
			b.Fatal(err)
		}
		opened := time.Now()
		st := &store{j: j}
		e, s, err := matching.Recover(engineFactory(opts), st, st, matching.RecoverOptions{FromScratch: !snapshot})
		recovered := time.Now()
		if err == nil {
			err = j.ResumeCompaction()
		}
		done := time.Now()
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if e.Seq() != uint64(n) {
			b.Fatalf("recovered to seq %d, want %d", e.Seq(), n)
		}
		if err := j.Close(); err != nil {
			b.Fatal(err)
		}
		stats = s
		restarts = append(restarts, done.Sub(start))
		// Every restart, with -v: the medians hide the first one, which a
		// compaction left pending by the build used to double.
		b.Logf("restart %d of %d: %v (open %v, recover %v, resume compaction %v)", len(restarts), b.N,
			done.Sub(start).Round(time.Millisecond), opened.Sub(start).Round(time.Millisecond),
			recovered.Sub(opened).Round(time.Millisecond), done.Sub(recovered).Round(time.Millisecond))
		recovers = append(recovers, recovered.Sub(opened))
	}
	b.ReportMetric(median(restarts).Seconds(), "restart-s")
	if !snapshot { // with one, Recover's time is mostly loading it
		b.ReportMetric(float64(stats.Replayed)/median(recovers).Seconds(), "records/s")
	}
	b.ReportMetric(float64(stats.Replayed), "replayed")
	b.ReportMetric(float64(stats.SnapshotSeq), "snapshot-seq")
}

// syncFiles writes every file under dir back to disk and, if evict, drops
// it from the page cache.
func syncFiles(b *testing.B, dir string, evict bool) {
	b.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := f.Sync(); err != nil || !evict {
			return err
		}
		return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRSSRestingOrders: the memory of a book of 1,000,000 resting
// orders, benchgen's deep book (DeepConfig's prefill: one account in 1,000
// per order, 10,000 price levels of the synthetic ETF's flat 5 KRW tick,
// about 100 orders a level, nothing trades). Risk is off.
//
// path=engine applies the orders straight to a matching.Engine and reports
// what the engine holds: heap-B is the live heap after a GC minus the live
// heap before the orders were generated, heap-B/order that over the orders.
// path=host runs them through openEngine (Async journal, the loop) and so
// also counts the journal's memtables and the loop's buffers. rss-B is the
// process's VmRSS after the commands are dropped, a GC and
// debug.FreeOSMemory, and rss-B/order its growth over the same baseline per
// order. clOrdID=on gives every order a client order id, which the engine
// keeps in a per-account table for the day.
func BenchmarkRSSRestingOrders(b *testing.B) {
	for _, c := range []struct {
		host, coids bool
	}{{false, false}, {false, true}, {true, true}} {
		name := map[bool]string{false: "path=engine", true: "path=host"}[c.host] + "/clOrdID=" + onOff(c.coids)
		b.Run(name, func(b *testing.B) {
			benchWorkloadCache = nil // not part of the baseline
			for range b.N {
				benchRestingOrders(b, c.host, c.coids)
			}
		})
	}
}

func benchRestingOrders(b *testing.B, host, coids bool) {
	cfg := benchgen.DeepConfig()
	cfg.ClientOrderIDs = coids
	heap0, rss0 := memoryNow(b)
	cmds := benchgen.Prefill(cfg)
	orders := len(cmds)
	var keep any
	if host {
		h := openBenchEngine(b, b.TempDir(), false, true, nil)
		defer closeBenchEngine(b, h)
		f := newBenchFeed(cmds)
		f.run(h.loop, 1)
		f.check(b)
		if f.rejected > 0 {
			b.Fatalf("%d of %d orders refused", f.rejected, orders)
		}
		// The loop still points at its last requests, and through their
		// Reply at f: let go of the rest.
		f.reqs = nil
		keep = h
	} else {
		keep = restingEngine(b, cfg.Instrument, cmds)
	}
	cmds = nil
	heap1, rss1 := memoryNow(b)
	runtime.KeepAlive(keep)
	b.ReportMetric(float64(heap1-heap0), "heap-B")
	b.ReportMetric(float64(heap1-heap0)/float64(orders), "heap-B/order")
	b.ReportMetric(float64(rss1), "rss-B")
	b.ReportMetric(float64(rss1-rss0)/float64(orders), "rss-B/order")
}

// restingEngine applies cmds, which must all rest, to a new engine.
func restingEngine(b *testing.B, inst matching.Instrument, cmds []matching.Command) *matching.Engine {
	b.Helper()
	e, err := matching.NewEngine(matching.Config{Instruments: []matching.Instrument{inst}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range cmds {
		for _, ev := range e.Apply(&cmds[i]) {
			if ev.Kind == matching.EvTrade || ev.ExecType == matching.ExecRejected {
				b.Fatalf("seq %d: %v %v %v: the deep book's prefill should only rest", cmds[i].Seq, ev.Kind, ev.ExecType, ev.Reason)
			}
		}
	}
	return e
}

// memoryNow returns the live heap and the process's resident set after a
// full GC that also hands freed memory back to the OS.
func memoryNow(b *testing.B) (heap, rss int64) {
	b.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc), vmRSS(b)
}

// vmRSS reads VmRSS from /proc/self/status, in bytes.
func vmRSS(b *testing.B) int64 {
	b.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			if err != nil {
				b.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}
