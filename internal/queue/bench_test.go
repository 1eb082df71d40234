package queue

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The benchmarks' queue shape: roughly what the engine loop would use.
const (
	benchCapacity    = 8192
	benchMaxBatchLen = 256
)

// BenchmarkHandoff measures end-to-end throughput: producers push b.N items
// as fast as they can (yielding with runtime.Gosched when the queue is full)
// while the benchmark goroutine drains batches. ns/op is per item.
//
//	go test -run x -bench Handoff -count 5 ./internal/queue/
func BenchmarkHandoff(b *testing.B) {
	for _, im := range impls {
		for _, producers := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("%s/producers=%d", im.name, producers), func(b *testing.B) {
				handoff(b, im.new(benchCapacity, benchMaxBatchLen), producers)
			})
		}
	}
}

func handoff(b *testing.B, q Queue[item], producers int) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for p := range producers {
		n := share(b.N, producers, p)
		wg.Go(func() {
			<-start
			for i := range n {
				for !q.Push(item{producer: int32(p), n: int64(i)}) {
					runtime.Gosched()
				}
			}
		})
	}
	buf := make([]item, 0, benchMaxBatchLen)
	drains := 0
	b.ResetTimer()
	t0 := time.Now()
	close(start)
	for got := 0; got < b.N; drains++ {
		buf, _ = q.Drain(buf)
		got += len(buf)
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	wg.Wait()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "items/s")
	b.ReportMetric(float64(b.N)/float64(max(drains, 1)), "items/drain")
}

// share splits n items among k producers; producer p gets its share.
func share(n, k, p int) int {
	s := n / k
	if p < n%k {
		s++
	}
	return s
}

// BenchmarkLatency measures how long an item waits between Push and the
// Drain that returns it, at a paced arrival rate spread over the producers:
// 1M items/s (busier than one engine loop should ever be; the consumer
// rarely gets to park) and 100k items/s (gaps of 10µs: the consumer's wait
// strategy decides). Each producer sends on a fixed schedule (open loop: a
// late item is not skipped); the consumer stamps each batch when Drain
// returns. Percentiles are in ns; ns/op is the pacing interval and says
// nothing.
//
//	go test -run x -bench Latency -count 5 ./internal/queue/
func BenchmarkLatency(b *testing.B) {
	for _, im := range impls {
		for _, rate := range []struct {
			name   string
			perSec int
		}{{"1M", 1_000_000}, {"100k", 100_000}} {
			for _, producers := range []int{1, 4} {
				b.Run(fmt.Sprintf("%s/rate=%s/producers=%d", im.name, rate.name, producers), func(b *testing.B) {
					latency(b, im.new(benchCapacity, benchMaxBatchLen), rate.perSec, producers)
				})
			}
		}
	}
}

func latency(b *testing.B, q Queue[item], perSec, producers int) {
	epoch := time.Now()
	interval := time.Duration(producers) * time.Second / time.Duration(perSec)
	start := make(chan time.Duration)
	var wg sync.WaitGroup
	for p := range producers {
		n := share(b.N, producers, p)
		wg.Go(func() {
			t0 := <-start + time.Duration(p)*time.Second/time.Duration(perSec) // stagger
			for i := range n {
				due := t0 + time.Duration(i)*interval
				for time.Since(epoch) < due {
					runtime.Gosched()
				}
				it := item{producer: int32(p), n: int64(i), pushedNS: int64(time.Since(epoch))}
				for !q.Push(it) {
					runtime.Gosched()
				}
			}
		})
	}
	h := hdrhistogram.New(1, int64(10*time.Second), 3)
	buf := make([]item, 0, benchMaxBatchLen)
	b.ResetTimer()
	t0 := time.Since(epoch)
	for range producers {
		start <- t0
	}
	for got := 0; got < b.N; {
		buf, _ = q.Drain(buf)
		now := int64(time.Since(epoch))
		for _, it := range buf {
			_ = h.RecordValue(max(now-it.pushedNS, 1))
		}
		got += len(buf)
	}
	b.StopTimer()
	wg.Wait()
	b.ReportMetric(float64(h.ValueAtQuantile(50)), "p50-ns")
	b.ReportMetric(float64(h.ValueAtQuantile(99)), "p99-ns")
	b.ReportMetric(float64(h.ValueAtQuantile(99.9)), "p99.9-ns")
	b.ReportMetric(float64(h.Max()), "max-ns")
}
