package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/gateway"
	"github.com/mts-krx/mts/risk"
)

// TestE2ESlowSubscriberCutOff: a subscriber that stops reading is cut off
// with SLOW_CONSUMER, while a fast subscriber of the same streams keeps
// every message: contiguous book seq, every trade, no resync.
func TestE2ESlowSubscriberCutOff(t *testing.T) {
	ins, _ := loadInstrumentFile("")
	rc := risk.DefaultConfig()
	rc.RateMaxOrders = -1
	n, err := startNode(context.Background(), nodeOptions{
		Engine: true, Gateway: true, DataDir: t.TempDir(), Instruments: ins, Risk: &rc, Async: true,
		HTTPAddr: "127.0.0.1:0", Secret: e2eSecret, Accounts: []string{"A1", "B1"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		tuneGateway: func(c *gateway.Config) {
			c.SlowConsumerAfter = 500 * time.Millisecond
			c.ConnRate, c.ConnBurst, c.AccountRate, c.AccountBurst = 1e5, 1e5, 1e5, 1e5
		},
		wrapListener: func(ln net.Listener) net.Listener { return smallSendBuffers{ln} },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	streams := []string{"book." + e2eSym, "trades." + e2eSym}
	slow := dialSlow(t, n, streams)
	fast, fi := dialE2E(t, n, "", false), newInbox()
	if err := fast.Subscribe(ctx5(t), streams, fi.add); err != nil {
		t.Fatal(err)
	}
	a, b := dialE2E(t, n, "A1", false), dialE2E(t, n, "B1", false)
	crosses := 0
	// Keep the book busy until the server gives up on the slow client
	// (how long that takes depends on socket buffers and the machine).
	cut := func() bool {
		return strings.Contains(metricsText(t, n), "mts_gateway_slow_consumer_disconnects_total 1")
	}
	for start := time.Now(); time.Since(start) < 20*time.Second && (crosses%50 != 0 || crosses == 0 || !cut()); crosses++ {
		time.Sleep(2 * time.Millisecond) // a busy book, not a flood: the fast subscriber keeps up
		qty := api.Decimal(fmt.Sprint(1 + crosses%5))
		sell := limit("sell", "71000", string(qty), "")
		sell.Confirm = true
		buy := limit("buy", "71000", string(qty), "")
		buy.Confirm = true
		if _, err := a.Place(ctx5(t), sell); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Place(ctx5(t), buy); err != nil {
			t.Fatal(err)
		}
	}
	// The slow client now reads: what the server managed to send, then
	// the close frame, or the connection simply ends.
	slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	var rerr error
	for rerr == nil {
		_, _, rerr = slow.ReadMessage()
	}
	if websocket.IsUnexpectedCloseError(rerr, gateway.CloseSlowConsumer, websocket.CloseAbnormalClosure) {
		t.Fatalf("slow subscriber's connection ended with %v, want close %d", rerr, gateway.CloseSlowConsumer)
	}
	if ne, ok := rerr.(net.Error); ok && ne.Timeout() {
		t.Fatal("the slow subscriber was never cut off")
	}
	fi.waitFor(t, 0, "the last trade", func(m any) bool { tr, ok := m.(*api.MarketTrade); return ok && tr.Seq == uint64(crosses) })
	msgs := fi.snapshot()
	checkContiguous(t, msgs)
	trades := 0
	for _, m := range msgs {
		switch m := m.(type) {
		case *api.Resync:
			t.Fatalf("the fast subscriber was resynced: %+v", m)
		case *api.MarketTrade:
			trades++
			if m.Seq != uint64(trades) {
				t.Fatalf("trade seq %d, want %d", m.Seq, trades)
			}
		}
	}
	if !cut() {
		t.Fatal("the slow-consumer disconnect is not counted in /metrics")
	}
}

// smallSendBuffers gives every accepted connection a small kernel send
// buffer, so that a client that stops reading blocks the server's writer
// after kilobytes rather than megabytes.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(8 << 10)
	}
	return c, err
}

// dialSlow connects a raw WebSocket with a tiny receive buffer, subscribes
// to streams, reads the reply and then never reads again.
func dialSlow(t *testing.T, n *node, streams []string) *websocket.Conn {
	t.Helper()
	nd := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	d := websocket.Dialer{NetDialContext: nd.DialContext, ReadBufferSize: 1024}
	ws, _, err := d.Dial(n.URL("ws")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	req := fmt.Sprintf(`{"id":1,"method":"subscribe","params":{"streams":["%s"]}}`, strings.Join(streams, `","`))
	if err := ws.WriteMessage(websocket.TextMessage, []byte(req)); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, msg, err := ws.ReadMessage(); err != nil || !strings.Contains(string(msg), `"status":200`) {
		t.Fatalf("subscribe: %s %v", msg, err)
	}
	return ws
}

func metricsText(t *testing.T, n *node) string {
	t.Helper()
	resp, err := http.Get(n.URL("") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
