package natspub_test

import (
	"sync/atomic"
	"testing"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/marketdata/natspub"
)

// The benchmarks push a recorded stream (a real engine's events for
// 20,000 commands on one sample symbol, made before the timer starts)
// through a Publisher into an embedded NATS server over TCP on loopback.
//
//	go test ./marketdata/natspub -run '^$' -bench . -benchtime 5x -count 3
//
// Feed: one Feed subscriber per stream of the symbol (all five); the time
// runs from the first PublishCommand until the last message has reached
// its subscriber. msgs/s counts the messages subscribers received.
// Publisher: no subscribers (the server discards), so it measures the
// hand-off, the builder, encoding and the client's writes.
//
// allocs/op counts the whole process for one iteration (the stream), and
// the embedded server runs in it. A profile (-memprofile, -memprofilerate
// 1) puts them in nats-server (processInboundClientMsg, processMsgResults),
// nats.go's reader (a Msg and its data per message received) and the test's
// stream; natspub itself allocates only in NewPublisher and the first
// growth of its chunks, nothing per message, on either side.

const benchCommands = 20_000

func benchStream(b *testing.B) (*world, uint64) {
	w := newWorld(b, 17)
	var msgs uint64
	count := marketdata.SinkFunc(func(marketdata.Message) { msgs++ })
	ref, _ := marketdata.NewBuilder(w.ins, marketdata.Config{})
	for range benchCommands {
		cmd, evs := w.step(0)
		if err := ref.ApplyCommand(cmd, evs, count); err != nil {
			b.Fatal(err)
		}
	}
	return w, msgs
}

func BenchmarkFeed(b *testing.B) {
	s := runServer(b)
	pubConn, feedConn := connect(b, s), connect(b, s)
	w, want := benchStream(b)
	sym := w.ins[0].Symbol
	var got atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		got.Store(0)
		p, err := natspub.NewPublisher(pubConn, w.ins, natspub.PublisherConfig{})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Start(); err != nil {
			b.Fatal(err)
		}
		feed := natspub.NewFeed(feedConn, natspub.FeedConfig{BufferLen: 1 << 16})
		synced := make(chan struct{})
		for st := marketdata.StreamBook; st <= marketdata.StreamCandle; st++ {
			_, err := feed.Subscribe(sym, st, func(m marketdata.Message) {
				if d, ok := m.(*marketdata.Depth); ok && st == marketdata.StreamBook && d.Seq == 0 {
					close(synced) // the first snapshot, before the timed run
					return
				}
				got.Add(1)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		<-synced
		b.StartTimer()
		for i := range w.log {
			p.PublishCommand(&w.log[i].cmd, w.log[i].evs)
		}
		waitFor(b, "every message", func() bool { return got.Load() >= want })
		b.StopTimer()
		if got.Load() != want {
			b.Fatalf("subscribers got %d messages, want %d", got.Load(), want)
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		feed.Close()
		b.StartTimer()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(want)*float64(b.N)/sec, "msgs/s")
	b.ReportMetric(float64(benchCommands)*float64(b.N)/sec, "cmds/s")
}

func BenchmarkPublisher(b *testing.B) {
	s := runServer(b)
	nc := connect(b, s)
	w, want := benchStream(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p, err := natspub.NewPublisher(nc, w.ins, natspub.PublisherConfig{})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Start(); err != nil {
			b.Fatal(err)
		}
		for i := range w.log {
			p.PublishCommand(&w.log[i].cmd, w.log[i].evs)
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		if p.Published() != want {
			b.Fatalf("published %d, want %d", p.Published(), want)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(want)*float64(b.N)/sec, "msgs/s")
	b.ReportMetric(float64(benchCommands)*float64(b.N)/sec, "cmds/s")
}
