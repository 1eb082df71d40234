package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mts-krx/mts/internal/invariants"
	"github.com/mts-krx/mts/matching"
)

// TestLargeUncrossJournaled: the opening uncross of a large auction book is
// one command with one journal record of several megabytes (here 24,000
// trades, 72,000 events, 5.4 MB, over 4 MiB: the journal's old bound, which would
// have stopped the engine at the open). It must be made durable, answered,
// and replayed on restart to the same state, its events verified.
func TestLargeUncrossJournaled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 24,000-trade auction")
	}
	if invariants.Enabled {
		t.Skip("the invariants build walks the whole 48,000-order book after every order")
	}
	dir := t.TempDir()
	ins, err := loadInstrumentFile("")
	if err != nil {
		t.Fatal(err)
	}
	var tick atomic.Int64
	opts := engineOptions{
		DataDir: dir, Instruments: ins, Verify: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:  func() int64 { return boEpoch + tick.Add(1)*int64(time.Millisecond) },
	}
	h, err := openEngine(opts)
	if err != nil {
		t.Fatal(err)
	}
	const pairs = 24_000
	cmds := []matching.Command{{Kind: matching.CmdSetPhase, Symbol: "005930", Phase: matching.PhaseOpeningAuction}}
	for i := range pairs {
		for _, side := range []matching.Side{matching.Buy, matching.Sell} {
			cmds = append(cmds, matching.Command{
				Kind: matching.CmdPlace, Account: fmt.Sprintf("%s-%05d", side, i%3000), Symbol: "005930",
				ClientOrderID: fmt.Sprintf("%s-%06d-%s", side, i, strings.Repeat("x", 40)),
				Side:          side, Type: matching.Limit, TIF: matching.Day, Price: 71_000, Qty: 1,
			})
		}
	}
	submitPipelined(t, h.loop, cmds)
	answered := false
	submitPipelined(t, h.loop, []matching.Command{{Kind: matching.CmdSetPhase, Symbol: "005930", Phase: matching.PhaseContinuous}},
		func(r *matching.Result) {
			rec := matching.AppendRecord(nil, r.Cmd, r.Events)
			if len(rec) <= 4<<20 {
				t.Errorf("the uncross's record is %d bytes: too small to test records over 4 MiB", len(rec))
			}
			trades := 0
			for _, ev := range r.Events {
				if ev.Kind == matching.EvTrade {
					trades++
				}
			}
			if trades != pairs {
				t.Errorf("the uncross made %d trades, want %d", trades, pairs)
			}
			answered = true
		})
	if !answered {
		t.Fatal("no answer to the uncross")
	}
	hash, seq := stateOf(t, h.loop)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	h, err = openEngine(opts)
	if err != nil {
		t.Fatalf("reopening after the uncross: %v", err)
	}
	defer h.Close()
	if h.stats.Replayed != seq {
		t.Errorf("replayed %d records, want %d", h.stats.Replayed, seq)
	}
	if got, gotSeq := stateOf(t, h.loop); got != hash || gotSeq != seq {
		t.Errorf("after the restart: seq %d, state hash equal %v; want seq %d, equal", gotSeq, got == hash, seq)
	}
}

// submitPipelined submits cmds without waiting for each, and waits for every
// answer; a failed or refused command fails the test. Each answer goes to
// check, if given (on the loop's commit goroutine).
func submitPipelined(t *testing.T, l *matching.Loop, cmds []matching.Command, check ...func(*matching.Result)) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for _, c := range cmds {
		wg.Add(1)
		req := &matching.Request{Cmd: c, Reply: func(r *matching.Result) {
			defer wg.Done()
			if r.Err != nil {
				failed.Store(&r.Err)
				return
			}
			for _, f := range check {
				f(r)
			}
		}}
		for {
			err := l.Submit(req)
			if err == nil {
				break
			}
			if err != matching.ErrBusy {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond) // the queue is full: let it drain
		}
	}
	wg.Wait()
	if p := failed.Load(); p != nil {
		t.Fatalf("a command failed: %v", *p)
	}
}

// stateOf reads the engine's state hash and sequence number on the loop.
func stateOf(t *testing.T, l *matching.Loop) ([32]byte, uint64) {
	t.Helper()
	var hash [32]byte
	var seq uint64
	done := make(chan struct{})
	if err := l.Submit(&matching.Request{Read: func(e *matching.Engine) { hash, seq = e.StateHash(), e.Seq() },
		Reply: func(*matching.Result) { close(done) }}); err != nil {
		t.Fatal(err)
	}
	<-done
	return hash, seq
}
