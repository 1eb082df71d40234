package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mts-krx/mts/api"
)

// TestBadInput: each bad request gets its stable code, reaches no
// backend, and leaves the connection open.
func TestBadInput(t *testing.T) {
	place := func(p string) string { return `{"id":1,"method":"order.place","params":` + p + `}` }
	tests := []struct {
		name  string
		frame string
		code  api.Code
	}{
		{"malformed JSON", `{"id":1,"method":"order.place",`, api.MalformedJSON},
		{"not an object", `[1,2]`, api.InvalidField},
		{"unknown method", `{"id":1,"method":"order.explode"}`, api.UnknownMethod},
		{"no method", `{"id":1}`, api.MissingField},
		{"extra envelope field", `{"id":1,"method":"ping","account":"B1"}`, api.UnknownField},
		{"id of the wrong type", `{"id":{"a":1},"method":"ping"}`, api.InvalidField},
		{"missing params", `{"id":1,"method":"order.place"}`, api.MissingField},
		{"missing qty", place(`{"symbol":"005930","side":"buy","type":"limit","price":"71000"}`), api.MissingField},
		{"extra param", place(`{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"1","account":"B1"}`), api.UnknownField},
		{"wrong type", place(`{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"1","confirm":"yes"}`), api.InvalidField},
		{"JSON number for a price", place(`{"symbol":"005930","side":"buy","type":"limit","price":71000,"qty":"1"}`), api.InvalidNumber},
		{"fraction", place(`{"symbol":"005930","side":"buy","type":"limit","price":"71000.5","qty":"1"}`), api.InvalidNumber},
		{"negative qty", place(`{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"-5"}`), api.InvalidQuantity},
		{"zero qty", place(`{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"0"}`), api.InvalidQuantity},
		{"int64 overflow", place(`{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"9223372036854775808"}`), api.InvalidNumber},
		{"bad side", place(`{"symbol":"005930","side":"long","type":"limit","price":"71000","qty":"1"}`), api.InvalidSide},
		{"amend without change", `{"id":1,"method":"order.amend","params":{"symbol":"005930","orderId":"1"}}`, api.MissingField},
		{"cancel with a number id", `{"id":1,"method":"order.cancel","params":{"symbol":"005930","orderId":1}}`, api.InvalidNumber},
		{"cancelAll extra field", `{"id":1,"method":"order.cancelAll","params":{"all":true}}`, api.UnknownField},
		{"status without ids", `{"id":1,"method":"order.status","params":{}}`, api.MissingField},
		{"status with both ids", `{"id":1,"method":"order.status","params":{"orderId":"1","clientOrderId":"c"}}`, api.InvalidField},
		{"orders.open wrong type", `{"id":1,"method":"orders.open","params":{"symbol":5}}`, api.InvalidField},
		{"balance with params", `{"id":1,"method":"account.balance","params":{"account":"B1"}}`, api.UnknownField},
		{"ping with params", `{"id":1,"method":"ping","params":{"x":1}}`, api.UnknownField},
		{"subscribe without streams", `{"id":1,"method":"subscribe","params":{}}`, api.MissingField},
		{"subscribe unknown stream", `{"id":1,"method":"subscribe","params":{"streams":["news.005930"]}}`, api.UnknownStream},
		{"subscribe unknown symbol", `{"id":1,"method":"subscribe","params":{"streams":["book.999999"]}}`, api.UnknownStream},
		{"subscribe bad interval", `{"id":1,"method":"subscribe","params":{"streams":["candles.2m.005930"]}}`, api.UnknownStream},
		{"streams not an array", `{"id":1,"method":"subscribe","params":{"streams":"book.005930"}}`, api.InvalidField},
	}
	e := newEnv(t, nil)
	c := e.trader("A1")
	for _, tt := range tests {
		c.sendRaw(tt.frame)
		m := c.next()
		if m.Error == nil || m.Error.Code != tt.code || m.Status != tt.code.Status() {
			t.Errorf("%s: %s\n got %s\nwant status %d code %s", tt.name, tt.frame, m.raw, tt.code.Status(), tt.code)
		}
	}
	if n := len(e.be.commands()) + len(e.be.queries); n != 0 {
		t.Errorf("the backend got %d requests, want none", n)
	}
	if n := e.md.subs.Load(); n != 0 {
		t.Errorf("market data got %d subscriptions, want none", n)
	}
	c.alive()
}

func TestBinaryFrame(t *testing.T) {
	e := newEnv(t, nil)
	c := e.trader("A1")
	c.ws.WriteMessage(websocket.BinaryMessage, []byte(`{"id":1,"method":"ping"}`))
	c.expectError(c.next(), api.BadRequest)
	c.alive()
}

func TestOversizedFrameCloses1009(t *testing.T) {
	e := newEnv(t, nil)
	c := e.trader("A1")
	c.sendRaw(`{"id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 17<<10) + `"}}`)
	ce := c.closed()
	if ce.Code != websocket.CloseMessageTooBig || !strings.HasPrefix(ce.Text, string(api.MessageTooLarge)) {
		t.Errorf("close %d %q, want 1009 MESSAGE_TOO_LARGE", ce.Code, ce.Text)
	}
}

func TestFrameAtTheLimitIsRead(t *testing.T) {
	e := newEnv(t, nil)
	c := e.trader("A1")
	pad := 16<<10 - len(`{"id":1,"method":"ping","params":{"pad":""}}`)
	c.sendRaw(`{"id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", pad) + `"}}`)
	c.expectError(c.next(), api.UnknownField) // read whole, then judged
}

// TestFlood: beyond the burst requests are RATE_LIMITED with a retry
// time and the connection stays open; a flood that goes on is closed 1008.
func TestFlood(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ConnRate, c.ConnBurst, c.StrikeRate, c.StrikeBurst = 1, 5, 1, 10 })
	c := e.dial(nil)
	for i := range 5 {
		if m := c.call(api.MethodPing, nil); m.Status != 200 {
			t.Fatalf("ping %d within the burst: %s", i, m.raw)
		}
	}
	m := c.call(api.MethodPing, nil)
	c.expectError(m, api.RateLimited)
	if m.Error.RetryAfterMs < 1 || m.Error.RetryAfterMs > 1000 {
		t.Errorf("retryAfterMs %d, want 1..1000", m.Error.RetryAfterMs)
	}
	e.advance(1e9) // one token back
	c.alive()
	for range 20 { // the clock stands still: all of these are refused
		c.send(api.MethodPing, nil)
	}
	ce := c.closed()
	if ce.Code != websocket.ClosePolicyViolation || !strings.HasPrefix(ce.Text, string(api.RateLimited)) {
		t.Errorf("close %d %q, want 1008 RATE_LIMITED", ce.Code, ce.Text)
	}
}

func TestMalformedFloodCloses(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.StrikeRate, c.StrikeBurst = 1, 3 })
	c := e.dial(nil)
	for range 10 {
		c.sendRaw(`{not json`)
	}
	if ce := c.closed(); ce.Code != websocket.ClosePolicyViolation {
		t.Errorf("close %d %q, want 1008", ce.Code, ce.Text)
	}
}

func TestAccountRateSharedAcrossConnections(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AccountRate, c.AccountBurst = 1, 3 })
	a, b := e.trader("A1"), e.trader("A1")
	for range 3 {
		if m := a.call(api.MethodBalance, nil); m.Status != 200 {
			t.Fatalf("balance: %s", m.raw)
		}
	}
	b.expectError(b.call(api.MethodBalance, nil), api.RateLimited)
	other := e.trader("B1")
	if m := other.call(api.MethodBalance, nil); m.Status != 200 {
		t.Errorf("another account is limited too: %s", m.raw)
	}
	b.alive()
}

func TestAccountLimitsExpire(t *testing.T) {
	a := newAccountLimits(1, 1, 10*time.Second)
	a.allow("A1", testNow)
	a.allow("A2", testNow.Add(6*1e9))
	a.allow("A2", testNow.Add(12*1e9)) // sweeps A1, idle 12 s
	if n := a.len(); n != 1 {
		t.Errorf("%d entries after A1 went idle, want 1", n)
	}
	if _, ok := a.allow("A2", testNow.Add(12*1e9)); ok {
		t.Errorf("A2 allowed twice in a second with burst 1")
	}
}
