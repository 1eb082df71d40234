package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

// engineOptions is everything needed to bring the engine up over a data
// directory.
type engineOptions struct {
	DataDir          string
	Instruments      []matching.Instrument
	Risk             *risk.Config  // nil: risk off
	Async            bool          // journal.Async: survives a process crash, not a power cut
	SnapshotEvery    int           // records between snapshots (0: no count trigger)
	SnapshotInterval time.Duration // loop time between snapshots (0: no time trigger)
	Verify           bool          // compare replayed events with the journal while recovering
	// AcceptConfigChange lets the engine start on a journal written with
	// other instruments or risk settings (see configcheck.go).
	AcceptConfigChange bool
	VI                 bool // volatility interruptions (needs the session scheduler to end them)
	Logger             *slog.Logger
	Clock              func() int64 // nil: the wall clock
	Publisher          matching.Publisher
	// BeforeStart, if set, runs after recovery and before the loop starts,
	// with the recovered sequence number: the place to bring consumers of
	// the journal (the market-data builder) up to the engine's state.
	BeforeStart func(h *engineHost, seq uint64) error
	// OnCommit, if set, hears about each batch made durable (metrics).
	OnCommit func(matching.CommitStats)
}

// engineHost is a running engine: journal open, state recovered, loop
// started. Close stops it in order: intake, loop drain, journal.
type engineHost struct {
	j     *journal.Journal
	store *store
	loop  *matching.Loop
	stats matching.RecoverStats
}

// openEngine opens (or creates) the journal in opts.DataDir, recovers the
// engine from its newest good snapshot and the records after it, and starts
// the loop. A corrupt record in the middle of the journal stops it here,
// with the record's sequence number in the error: the operator decides (see
// `mts journal truncate`), never the program.
func openEngine(opts engineOptions) (*engineHost, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	dur := journal.Durable
	if opts.Async {
		dur = journal.Async
	}
	// Compaction waits for the replay: on two cores a compaction left
	// pending by the last run doubled a restart (BENCHMARKS.md).
	j, err := journal.Open(journal.Options{Dir: opts.DataDir, Durability: dur, Logger: log, DeferCompaction: true})
	if err != nil {
		return nil, err
	}
	if err := checkEngineConfig(opts.DataDir, opts, opts.AcceptConfigChange, log); err != nil {
		j.Close()
		return nil, err
	}
	h := &engineHost{j: j, store: &store{j: j}}
	start := time.Now()
	e, stats, err := matching.Recover(engineFactory(opts), h.store, h.store, matching.RecoverOptions{
		Verify: opts.Verify,
		OnSkippedSnapshot: func(seq uint64, err error) {
			log.Warn("snapshot skipped", "seq", seq, "err", err)
		},
	})
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("recovering from %s: %w", opts.DataDir, err)
	}
	h.stats = stats
	log.Info("engine recovered", "seq", e.Seq(), "snapshot_seq", stats.SnapshotSeq,
		"replayed", stats.Replayed, "took", time.Since(start).Round(time.Millisecond))
	if opts.BeforeStart != nil { // the market data's replay reads the journal too
		if err := opts.BeforeStart(h, e.Seq()); err != nil {
			j.Close()
			return nil, err
		}
	}
	if err := j.ResumeCompaction(); err != nil {
		return nil, err // the journal is closed
	}
	clock := opts.Clock
	if clock == nil {
		clock = func() int64 { return time.Now().UnixNano() }
	}
	h.loop, err = matching.NewLoop(matching.LoopConfig{
		Engine: e, Journal: h.store, Snapshots: h.store, Publisher: opts.Publisher,
		Clock: clock, SnapshotEvery: opts.SnapshotEvery, SnapshotInterval: opts.SnapshotInterval,
		OnSnapshotError: func(seq uint64, err error) { log.Error("snapshot not saved", "seq", seq, "err", err) },
		OnCommit:        opts.OnCommit,
	})
	if err != nil {
		j.Close()
		return nil, err
	}
	h.loop.Start()
	return h, nil
}

// engineFactory builds fresh engines with the operator's instruments and
// risk configuration, for recovery to load snapshots into.
func engineFactory(opts engineOptions) func() (*matching.Engine, error) {
	return func() (*matching.Engine, error) {
		cfg := matching.Config{Instruments: opts.Instruments}
		if opts.VI {
			cfg.VI = matching.DefaultVI()
		}
		if opts.Risk != nil {
			cfg.Risk = risk.New(*opts.Risk)
		}
		return matching.NewEngine(cfg)
	}
}

// Close drains the loop (every accepted command is journaled and answered)
// and closes the journal. It returns the loop's fail-stop error if there was
// one.
func (h *engineHost) Close() error {
	lerr := h.loop.Stop()
	jerr := h.j.Close()
	if lerr != nil {
		return lerr
	}
	return jerr
}
