package gateway

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mts-krx/mts/marketdata"
)

// BenchmarkFanout measures the publisher side of market data: one book
// feed, 1,000 subscribers, each delta encoded once and queued to all. A
// goroutine per subscriber drains its queue as a writer would (without
// the socket). msgs/s counts deliveries: deltas × subscribers.
//
//	go test ./gateway -run '^$' -bench Fanout -benchtime 20000x
func BenchmarkFanout(b *testing.B) {
	const subs = 1000
	h := newHub(newFakeMD(), noMetrics{}, slog.New(slog.DiscardHandler))
	f := &feed{hub: h, key: feedKey{"005930", marketdata.StreamBook}, replica: marketdata.NewReplica(marketdata.MaxDepth)}
	f.topics[0] = &topic{name: "book.005930", symbol: "005930"}
	var wg sync.WaitGroup
	var delivered [subs]int
	stop := make(chan struct{})
	for i := range subs {
		q := newSendQueue(DefaultSendQueue, DefaultPrivateQueueBytes)
		f.topics[0].members = append(f.topics[0].members, &member{q: q, synced: true})
		wg.Add(1)
		go drain(q, &delivered[i], stop, &wg)
	}
	f.deliver(bookSnap(1))
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		f.deliver(bookDelta(uint64(i) + 2))
	}
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	total := 0
	for _, n := range delivered {
		total += n
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(total)/float64(b.N*subs), "delivered/sent")
}

// drain empties q like a writer until stop, then once more.
func drain(q *sendQueue, n *int, stop chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	var batch [][]byte
	for {
		select {
		case <-q.wake:
		case <-stop:
			batch, _, _ = q.take(batch)
			*n += len(batch)
			return
		}
		batch, _, _ = q.take(batch)
		*n += len(batch)
		q.written()
	}
}

// BenchmarkFanoutWebSocket is the same over real loopback WebSockets:
// 200 connections subscribed to one book, each read by a client goroutine.
// Both ends share the machine's two cores.
//
//	go test ./gateway -run '^$' -bench FanoutWebSocket -benchtime 5000x
func BenchmarkFanoutWebSocket(b *testing.B) {
	const conns = 200
	e := newEnv(b, func(c *Config) { c.MaxSubscriptions = 5 })
	var wg sync.WaitGroup
	var got [conns]atomic.Int64
	for i := range conns {
		c := e.dial(nil)
		c.subscribe("book.005930")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c.ws.SetReadDeadline(time.Now().Add(2 * time.Second))
				if _, _, err := c.ws.ReadMessage(); err != nil {
					return
				}
				got[i].Add(1)
			}
		}()
	}
	e.waitMembers("book.005930", conns)
	e.md.publish(marketdata.StreamBook, bookSnap(1))
	b.ResetTimer()
	start, writes0 := time.Now(), batchWrites.Load()
	for i := range b.N {
		e.md.publish(marketdata.StreamBook, bookDelta(uint64(i)+2))
	}
	want := (b.N + 1) * conns
	total := func() (n int) {
		for i := range got {
			n += int(got[i].Load())
		}
		return n
	}
	// Wait until the clients stop receiving: every message was delivered
	// or dropped (a resync replaces what a slow reader lost).
	last, lastAt := -1, time.Now()
	for total() < want && time.Since(lastAt) < 300*time.Millisecond {
		if n := total(); n != last {
			last, lastAt = n, time.Now()
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := lastAt.Sub(start)
	e.srv.Shutdown(t1())
	wg.Wait()
	b.ReportMetric(float64(total())/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(total())/float64(want), "delivered/sent")
	b.ReportMetric(float64(total())/float64(batchWrites.Load()-writes0), "msgs/write")
}

// TestIdleConnectionMemory measures what an idle, authenticated
// connection costs the server: N raw clients do the handshake (they hold
// only a socket, so the figure is the server's side) and the heap and
// stack growth is divided by N.
func TestIdleConnectionMemory(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("memory figures are meaningless under -race; skipped with -short")
	}
	const n = 500
	e := newEnv(t, nil)
	hdr := "Authorization: Bearer " + e.token("A1", "trader") + "\r\n"
	before := memUse()
	conns := make([]net.Conn, 0, n)
	for range n {
		conns = append(conns, rawUpgrade(t, e.http.Listener.Addr().String(), hdr))
	}
	eventually(t, "connections registered", func() bool { e.srv.mu.Lock(); defer e.srv.mu.Unlock(); return len(e.srv.conns) == n })
	after := memUse()
	perConn := (after - before) / n
	t.Logf("idle connection: %d bytes each (heap + stacks, %d connections)", perConn, n)
	if perConn > 32<<10 {
		t.Errorf("idle connection costs %d bytes, want at most 32 KiB", perConn)
	}
	for _, c := range conns {
		c.Close()
	}
}

func memUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}

// rawUpgrade does a WebSocket handshake by hand and keeps only the socket.
func rawUpgrade(t testing.TB, addr, extra string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n", Path, addr, extra)
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 512), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return c
}
