package marketdata

import (
	"testing"

	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/matching/benchgen"
)

// The builder benchmarks replay recorded engine output: commands are run
// through a real engine before the timer starts, every event of every
// command is kept (execution reports too: the builder receives whole
// batches and skips what is private), and each iteration feeds the whole
// stream to a fresh Builder.
//
//	go test ./marketdata -run '^$' -bench Builder -benchtime 20x -count 5
//
// exchange-core: benchgen.DefaultConfig's book (one symbol, ~1,000 resting
// orders on ~750 levels; the mix is 83% moves), 100,000 stream commands
// after the prefill. krx-sample: the 18 sample instruments under this
// package's random flow (trades, sweeps, stops, cancels; TS steps of
// seconds so candles close), 30,000 commands.

type recorded struct {
	ins    []matching.Instrument
	cmds   []matching.Command
	events []matching.Event
	ends   []int
	public int // EvBook and EvTrade events
}

func (r *recorded) add(c matching.Command, evs []matching.Event) {
	r.cmds = append(r.cmds, c)
	r.events = append(r.events, evs...)
	r.ends = append(r.ends, len(r.events))
	for i := range evs {
		if evs[i].Kind == matching.EvBook || evs[i].Kind == matching.EvTrade {
			r.public++
		}
	}
}

var benchStreams = map[string]*recorded{}

func exchangeCore(b testing.TB) *recorded {
	if r := benchStreams["exchange-core"]; r != nil {
		return r
	}
	cfg := benchgen.DefaultConfig()
	cfg.Commands = 100_000
	prefill, stream := benchgen.Generate(cfg)
	r := &recorded{ins: []matching.Instrument{cfg.Instrument}}
	e, err := matching.NewEngine(matching.Config{Instruments: r.ins})
	if err != nil {
		b.Fatal(err)
	}
	for _, cmds := range [][]matching.Command{prefill, stream} {
		for i := range cmds {
			r.add(cmds[i], e.Apply(&cmds[i]))
		}
	}
	benchStreams["exchange-core"] = r
	return r
}

func krxSample(b testing.TB) *recorded {
	if r := benchStreams["krx-sample"]; r != nil {
		return r
	}
	ins := sampleInstruments(b)
	r := &recorded{ins: ins}
	e, err := matching.NewEngine(matching.Config{Instruments: ins})
	if err != nil {
		b.Fatal(err)
	}
	f := newFlow(5, ins, false)
	for range 30_000 {
		c := f.next()
		evs := e.Apply(&c)
		f.observe(evs)
		r.add(c, evs)
	}
	benchStreams["krx-sample"] = r
	return r
}

func BenchmarkBuilder(b *testing.B) {
	for _, w := range []struct {
		name string
		load func(testing.TB) *recorded
	}{{"exchange-core", exchangeCore}, {"krx-sample", krxSample}} {
		for _, encode := range []bool{false, true} {
			name := w.name + "/discard"
			if encode {
				name = w.name + "/encode"
			}
			b.Run(name, func(b *testing.B) { benchBuilder(b, w.load(b), encode) })
		}
	}
}

// benchBuilder replays r; with encode, the sink encodes every message into
// a reused buffer, as the NATS adapter will.
func benchBuilder(b *testing.B, r *recorded, encode bool) {
	var buf []byte
	msgs, bytes := 0, 0
	sink := SinkFunc(func(m Message) {
		msgs++
		if encode {
			buf = m.Append(buf[:0])
			bytes += len(buf)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bl, err := NewBuilder(r.ins, Config{})
		if err != nil {
			b.Fatal(err)
		}
		start := 0
		for i := range r.cmds {
			if err := bl.ApplyCommand(&r.cmds[i], r.events[start:r.ends[i]], sink); err != nil {
				b.Fatal(err)
			}
			start = r.ends[i]
		}
	}
	sec := b.Elapsed().Seconds()
	n := float64(b.N)
	b.ReportMetric(float64(len(r.cmds))*n/sec, "cmds/s")
	b.ReportMetric(float64(len(r.events))*n/sec, "events/s")
	b.ReportMetric(float64(r.public)*n/sec, "public-events/s")
	b.ReportMetric(float64(msgs)/sec, "msgs/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e9/(n*float64(len(r.cmds))), "ns/cmd")
	if encode {
		b.ReportMetric(float64(bytes)/float64(msgs), "B/msg")
	}
}

// TestBuilderAllocs: once warm, the builder allocates nothing per command.
func TestBuilderAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race runtime allocates behind the code's back")
	}
	r := krxSample(t)
	b, err := NewBuilder(r.ins, Config{})
	if err != nil {
		t.Fatal(err)
	}
	sink := SinkFunc(func(Message) {})
	i, start := 0, 0
	apply := func() {
		if err := b.ApplyCommand(&r.cmds[i], r.events[start:r.ends[i]], sink); err != nil {
			t.Fatal(err)
		}
		start = r.ends[i]
		i++
	}
	for range 5000 {
		apply()
	}
	if n := testing.AllocsPerRun(20_000, apply); n != 0 {
		t.Errorf("%v allocations per command", n)
	}
}
