package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mts-krx/mts/matching/benchgen"
)

// BenchmarkMDRestartFill is not a measurement but the set-up of one: it
// writes (or extends) a data directory that `mts serve` restarts from, so
// that the time to ready, the "engine recovered" and "market data rebuilt"
// log lines, can be read with and without a market-data snapshot. It
// journals exchange-core's mix on benchgen's instrument (risk off, engine
// snapshots every 95% of the records) up to MTS_BENCH_RECORDS records in
// all, and writes DIR/bench-instruments.json for --instruments:
//
//	MTS_MD_FILL_DIR=/tmp/md MTS_BENCH_RECORDS=950000 go test ./cmd/mts -run '^$' -bench MDRestartFill -benchtime 1x
//	mts serve --data /tmp/md/data --instruments /tmp/md/bench-instruments.json --risk off   # then stop it
//	MTS_MD_FILL_DIR=/tmp/md MTS_BENCH_RECORDS=1000000 go test ./cmd/mts -run '^$' -bench MDRestartFill -benchtime 1x
//	mts serve … again: the market data replays the last 50,000 records only
func BenchmarkMDRestartFill(b *testing.B) {
	root := os.Getenv("MTS_MD_FILL_DIR")
	if root == "" {
		b.Skip("set MTS_MD_FILL_DIR (see the comment)")
	}
	n := benchEnvInt(b, "MTS_BENCH_RECORDS", 1_000_000)
	in := benchgen.Instrument()
	ref, _ := json.Marshal([]map[string]any{{"symbol": in.Symbol, "name": in.Name, "market": in.Market,
		"basePrice": in.BasePrice, "tick": "etf"}})
	if err := os.MkdirAll(root, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bench-instruments.json"), ref, 0o644); err != nil {
		b.Fatal(err)
	}
	opts := recoveryEngineOptions(filepath.Join(root, "data"), false)
	opts.Async, opts.SnapshotEvery = true, max(n*19/20, 1)
	h, err := openEngine(opts)
	if err != nil {
		b.Fatal(err)
	}
	cmds := benchSetup(false)
	cmds = append(cmds[:len(cmds):len(cmds)], generateRecoveryStream(n)[:max(n-len(cmds), 0)]...)
	have := int(h.loop.CommittedSeq())
	if have > n {
		b.Fatalf("the journal has %d records already, more than %d", have, n)
	}
	f := newBenchFeed(cmds[have:])
	f.run(h.loop, 1)
	f.check(b)
	closeBenchEngine(b, h)
	b.Logf("journal in %s: records %d..%d", opts.DataDir, have+1, n)
}
