package marketdata

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mts-krx/mts/matching"
)

// memJournal keeps the loop's records in memory.
type memJournal struct {
	mu   sync.Mutex
	recs []matching.Record
}

func (j *memJournal) Append(recs []matching.Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range recs {
		j.recs = append(j.recs, matching.Record{Seq: r.Seq, TS: r.TS, Payload: bytes.Clone(r.Payload)})
	}
	return nil
}

// publisher is how the NATS adapter will use the builder: inside the
// loop's Publisher, on the commit goroutine, once each batch is durable.
type publisher struct {
	b       *Builder
	out     [][]byte
	err     error
	batches int
}

func (p *publisher) Publish(batch *matching.Batch) {
	p.batches++
	err := p.b.Apply(batch, SinkFunc(func(m Message) { p.out = append(p.out, m.Append(nil)) }))
	if err != nil && p.err == nil {
		p.err = err
	}
}

// TestLoopAndJournalReplay runs the builder behind a real matching.Loop,
// then replays the loop's journal into a fresh builder: both must publish
// the same bytes. This is what a restarted market-data process relies on.
func TestLoopAndJournalReplay(t *testing.T) {
	ins := sampleInstruments(t)
	e, err := matching.NewEngine(matching.Config{Instruments: ins})
	if err != nil {
		t.Fatal(err)
	}
	live, err := NewBuilder(ins, Config{})
	if err != nil {
		t.Fatal(err)
	}
	j := &memJournal{}
	p := &publisher{b: live}
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 2, 9, 0, 0, 0, KST).UnixNano())
	l, err := matching.NewLoop(matching.LoopConfig{Engine: e, Journal: j, Publisher: p, MaxBatchLen: 8,
		Clock: func() int64 { return now.Add(373 * int64(time.Millisecond)) }})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	f := newFlow(11, ins, false)
	const groups, each = 150, 16
	for range groups {
		var wg sync.WaitGroup
		events := make([][]matching.Event, each)
		for i := range each {
			wg.Add(1)
			r := &matching.Request{Cmd: f.next(), Reply: func(res *matching.Result) {
				events[i] = append([]matching.Event(nil), res.Events...)
				wg.Done()
			}}
			if err := l.Submit(r); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		for _, evs := range events {
			f.observe(evs)
		}
	}
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	if live.Seq() != groups*each || len(p.out) == 0 {
		t.Fatalf("builder at seq %d with %d messages, want seq %d", live.Seq(), len(p.out), groups*each)
	}

	replay, _ := NewBuilder(ins, Config{})
	var out [][]byte
	sink := SinkFunc(func(m Message) { out = append(out, m.Append(nil)) })
	var cmd matching.Command
	var evs []matching.Event
	for _, rec := range j.recs {
		evs, err = matching.DecodeRecord(rec.Payload, &cmd, evs[:0])
		if err != nil {
			t.Fatal(err)
		}
		if err := replay.ApplyCommand(&cmd, evs, sink); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) != len(p.out) {
		t.Fatalf("replay published %d messages, the live builder %d", len(out), len(p.out))
	}
	for i := range out {
		if !bytes.Equal(out[i], p.out[i]) {
			t.Fatalf("message %d differs:\nreplay %q\nlive   %q", i, out[i], p.out[i])
		}
	}
	streams := map[Stream]int{}
	for _, b := range out {
		s, _ := PeekStream(b)
		streams[s]++
	}
	t.Logf("%d commands in %d batches: %d messages %v", live.Seq(), p.batches, len(out), streams)
	for s := StreamBook; s <= StreamCandle; s++ {
		if streams[s] == 0 {
			t.Errorf("no %v message", s)
		}
	}
}
