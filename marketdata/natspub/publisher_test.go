package natspub_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/marketdata/natspub"
	"github.com/mts-krx/mts/matching"
)

// tap records every market-data message (not snapshot traffic) published
// on the server, in order.
type tap struct {
	mu   sync.Mutex
	msgs [][]byte
}

func newTap(t *testing.T, nc *nats.Conn) *tap {
	t.Helper()
	tp := &tap{}
	sub, err := nc.Subscribe("md.*.*", func(m *nats.Msg) {
		if m.Reply == "" && !strings.HasSuffix(m.Subject, ".snapshot") {
			tp.mu.Lock()
			tp.msgs = append(tp.msgs, m.Data)
			tp.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	sub.SetPendingLimits(-1, -1)
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	return tp
}

func (tp *tap) take(t *testing.T, n uint64) [][]byte {
	t.Helper()
	waitFor(t, "the tap", func() bool { tp.mu.Lock(); defer tp.mu.Unlock(); return uint64(len(tp.msgs)) >= n })
	tp.mu.Lock()
	defer tp.mu.Unlock()
	m := tp.msgs
	tp.msgs = nil
	return m
}

// TestReplayContinuesSeq: a publisher that replays the first commands and
// then publishes the rest live sends, byte for byte, what a publisher that
// saw everything live sent for those later commands. Live commands that
// overlap the replay are skipped. Close publishes everything handed over.
func TestReplayContinuesSeq(t *testing.T) {
	s := runServer(t)
	nc := connect(t, s)
	w := newWorld(t, 9)
	for range 400 {
		w.step()
	}
	const replayed = 250

	tp := newTap(t, nc)
	live, all := publishAll(t, s, tp, w, natspub.PublisherConfig{QueueLen: 2})
	if uint64(len(all)) != live.Published() || live.Errors() != 0 {
		t.Fatalf("tap saw %d messages, the publisher says %d published, %d errors", len(all), live.Published(), live.Errors())
	}
	var want [][]byte
	for _, b := range all {
		m, err := marketdata.DecodeMessage(b)
		if err != nil {
			t.Fatal(err)
		}
		if m.Head().SrcSeq > replayed {
			want = append(want, b)
		}
	}

	restarted, _ := natspub.NewPublisher(connect(t, s), w.ins, natspub.PublisherConfig{})
	for _, r := range w.log[:replayed] {
		if err := restarted.Replay(&r.cmd, r.evs); err != nil {
			t.Fatal(err)
		}
	}
	if err := restarted.Start(); err != nil {
		t.Fatal(err)
	}
	if err := restarted.Replay(&w.log[0].cmd, nil); !errors.Is(err, natspub.ErrStarted) {
		t.Errorf("Replay after Start: %v, want ErrStarted", err)
	}
	for _, r := range w.log[replayed-20:] { // overlapping the replay: skipped
		restarted.PublishCommand(&r.cmd, r.evs)
	}
	if err := restarted.Close(); err != nil {
		t.Fatal(err)
	}
	checkRestartedSent(t, tp, want)
}

// checkRestartedSent checks that a restarted publisher sent exactly the
// messages a live one did.
func checkRestartedSent(t *testing.T, tp *tap, want [][]byte) {
	t.Helper()
	got := tp.take(t, uint64(len(want)))
	if len(got) != len(want) {
		t.Fatalf("restarted publisher sent %d messages, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			a, _ := marketdata.DecodeMessage(got[i])
			b, _ := marketdata.DecodeMessage(want[i])
			t.Fatalf("message %d: restarted %+v, live %+v", i, a, b)
		}
	}
}

// TestNewDayResyncs: a feed synced to one publisher sees a new day's
// publisher (numbering from 1 again, later commands) as a gap, and
// resyncs: its subscribers get a new Depth.
func TestNewDayResyncs(t *testing.T) {
	s := runServer(t)
	w := newWorld(t, 4)
	p1, _ := natspub.NewPublisher(connect(t, s), w.ins, natspub.PublisherConfig{})
	if err := p1.Start(); err != nil {
		t.Fatal(err)
	}
	feed := natspub.NewFeed(connect(t, s), natspub.FeedConfig{})
	defer feed.Close()
	sym := w.ins[0].Symbol
	c := &collector{}
	if _, err := feed.Subscribe(sym, marketdata.StreamBook, c.fn); err != nil {
		t.Fatal(err)
	}
	w.run(p1, 60, 0)
	want, _ := w.ref.Snapshot(sym)
	waitFor(t, "day one's book", func() bool { r, _ := bookView(t, c.snapshot()); return sameBook(r, want) })
	if err := p1.Close(); err != nil {
		t.Fatal(err)
	}

	// Day two: the same engine (its books carry over in this test), a
	// builder starting at today's first seq, whose book seq starts at 1.
	day2, _ := natspub.NewPublisher(connect(t, s), w.ins, natspub.PublisherConfig{StartSeq: w.ref.Seq()})
	if err := day2.Start(); err != nil {
		t.Fatal(err)
	}
	defer day2.Close()
	ref2, _ := marketdata.NewBuilder(w.ins, marketdata.Config{StartSeq: w.ref.Seq()})
	for range 60 {
		cmd, evs := w.step(0)
		if err := ref2.ApplyCommand(cmd, evs, marketdata.SinkFunc(func(marketdata.Message) {})); err != nil {
			t.Fatal(err)
		}
		day2.PublishCommand(cmd, evs)
	}
	want2, _ := ref2.Snapshot(sym)
	msgs := c.snapshot()
	waitFor(t, "day two's book", func() bool {
		msgs = c.snapshot()
		return msgs[len(msgs)-1].Head().SrcSeq == want2.SrcSeq
	})
	// The replica restarts at the Depth: check the messages from the last.
	last := 0
	for i, m := range msgs {
		if _, ok := m.(*marketdata.Depth); ok {
			last = i
		}
	}
	r, _ := bookView(t, msgs[last:])
	if last == 0 || !sameBook(r, want2) {
		t.Fatalf("after day two: resync at message %d, book seq %d %v %v, want seq %d %v %v",
			last, r.Seq(), r.Bids(), r.Asks(), want2.Seq, want2.Bids, want2.Asks)
	}
}

// TestPublishCommandCopies: the publisher copies what it is handed, so a
// caller may reuse its events at once (the loop does); commands handed over
// before Start wait in the queue and are published after it.
func TestPublishCommandCopies(t *testing.T) {
	s := runServer(t)
	nc := connect(t, s)
	w := newWorld(t, 2)
	tp := newTap(t, nc)
	p, _ := natspub.NewPublisher(connect(t, s), w.ins, natspub.PublisherConfig{QueueLen: 64})
	var wantN uint64
	counter := marketdata.SinkFunc(func(marketdata.Message) { wantN++ })
	ref, _ := marketdata.NewBuilder(w.ins, marketdata.Config{})
	buf := make([]matching.Event, 0, 64)
	for range 50 { // before Start: queued, then published
		cmd, evs := w.step()
		buf = append(buf[:0], evs...)
		p.PublishCommand(cmd, buf)
		if err := ref.ApplyCommand(cmd, evs, counter); err != nil {
			t.Fatal(err)
		}
		clear(buf) // the caller reuses its slice at once
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := tp.take(t, wantN); uint64(len(got)) != wantN || p.Published() != wantN {
		t.Fatalf("published %d, tap saw %d, want %d", p.Published(), len(got), wantN)
	}
}

// TestSaveState: the publisher hands its builder's state to SaveState
// every StateEvery commands or StateInterval of command time, and once
// more at Close; a publisher that loads a saved state and is handed the
// later commands publishes, byte for byte, what the first one did.
func TestSaveState(t *testing.T) {
	s := runServer(t)
	nc := connect(t, s)
	w := newWorld(t, 12)
	for range 400 {
		w.step()
	}
	type save struct {
		seq   uint64
		state []byte
	}
	for _, tc := range []struct {
		name     string
		every    int
		interval time.Duration
		want     []uint64
	}{
		{"every", 130, 0, []uint64{130, 260, 390, 400}},
		{"interval", 0, 52 * time.Second, []uint64{131, 261, 391, 400}}, // TS steps 0.4 s from the first command
		{"close only", 0, 0, []uint64{400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var saves []save
			cfg := natspub.PublisherConfig{StateEvery: tc.every, StateInterval: tc.interval,
				SaveState: func(seq uint64, ts int64, state []byte) {
					saves = append(saves, save{seq, bytes.Clone(state)})
				}}
			tp := newTap(t, nc)
			_, all := publishAll(t, s, tp, w, cfg)
			var seqs []uint64
			for _, sv := range saves {
				seqs = append(seqs, sv.seq)
			}
			if !slices.Equal(seqs, tc.want) {
				t.Fatalf("saved at %v, want %v", seqs, tc.want)
			}
			if last := saves[len(saves)-1].state; !bytes.Equal(last, w.ref.AppendState(nil)) {
				t.Fatal("the state saved at Close is not the reference builder's")
			}
			from := saves[0]
			var want [][]byte
			for _, b := range all {
				if m, _ := marketdata.DecodeMessage(b); m.Head().SrcSeq > from.seq {
					want = append(want, b)
				}
			}
			restarted, _ := natspub.NewPublisher(connect(t, s), w.ins, natspub.PublisherConfig{})
			if err := restarted.LoadState(from.state); err != nil {
				t.Fatal(err)
			}
			if restarted.Seq() != from.seq {
				t.Fatalf("loaded seq %d, want %d", restarted.Seq(), from.seq)
			}
			if err := restarted.Start(); err != nil {
				t.Fatal(err)
			}
			if err := restarted.LoadState(from.state); !errors.Is(err, natspub.ErrStarted) {
				t.Errorf("LoadState after Start: %v, want ErrStarted", err)
			}
			for _, r := range w.log[from.seq-10:] { // overlapping the state: skipped
				restarted.PublishCommand(&r.cmd, r.evs)
			}
			if err := restarted.Close(); err != nil {
				t.Fatal(err)
			}
			checkRestartedSent(t, tp, want)
		})
	}
}

// publishAll publishes every command of w live through a publisher with
// cfg, closes it (Close must drain its queue) and returns it with the
// messages tp received.
func publishAll(t *testing.T, s *server.Server, tp *tap, w *world, cfg natspub.PublisherConfig) (*natspub.Publisher, [][]byte) {
	t.Helper()
	live, err := natspub.NewPublisher(connect(t, s), w.ins, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	for _, r := range w.log {
		live.PublishCommand(&r.cmd, r.evs)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	return live, tp.take(t, live.Published())
}
