package bus

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/mts-krx/mts/matching"
)

// BenchmarkBusRoundTrip: order.place from a gateway client through an
// embedded NATS server on loopback to a loop over an in-memory journal (no
// fsync) and back, 16 requests in flight per core. Buys and sells alternate at one
// price so the book stays shallow. It measures the transport and the loop,
// not the disk.
func BenchmarkBusRoundTrip(b *testing.B) {
	e := startEngine(b, false, &memJournal{}, nil)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16) // 32 requests in flight on 2 cores: a busy gateway, not a lockstep one
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		account := fmt.Sprint("B", next.Add(1))
		i := 0
		for pb.Next() {
			i++
			cmd := place(account, "", matching.Buy+matching.Side(i%2), 70000, 1)
			if _, err := e.client.Submit(b.Context(), cmd); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
