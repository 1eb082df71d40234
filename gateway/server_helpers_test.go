package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mts-krx/mts/api"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-gateway-test")

// testNow is the fake clock's start; tokens are issued at it.
var testNow = time.Unix(1_795_000_000, 0)

type testEnv struct {
	t     testing.TB
	srv   *Server
	http  *httptest.Server
	be    *fakeBackend
	md    *fakeMD
	clock atomic.Int64 // Unix nanoseconds
}

// newEnv starts a Server on an httptest server. edit may change the
// config (the fakes and the clock are set already).
func newEnv(t testing.TB, edit func(*Config)) *testEnv {
	e := &testEnv{t: t, be: newFakeBackend(t), md: newFakeMD()}
	e.clock.Store(testNow.UnixNano())
	cfg := Config{
		Backend: e.be, MarketData: e.md, Symbols: []string{"005930", "000660"},
		TokenSecret: testSecret, Clock: func() time.Time { return time.Unix(0, e.clock.Load()) },
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.http = httptest.NewServer(srv)
	t.Cleanup(e.close)
	return e
}

func (e *testEnv) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	e.http.Close()
}

func (e *testEnv) advance(d time.Duration) { e.clock.Add(int64(d)) }

func (e *testEnv) url() string { return "ws" + strings.TrimPrefix(e.http.URL, "http") + Path }

func (e *testEnv) token(sub, role string) string {
	tok, err := api.IssueToken(testSecret, sub, role, time.Hour, testNow)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// dial connects with the given headers; it fails the test on an error.
func (e *testEnv) dial(h http.Header) *client {
	e.t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(e.url(), h)
	if err != nil {
		e.t.Fatalf("dial: %v (%v)", err, resp)
	}
	c := &client{t: e.t, ws: ws}
	e.t.Cleanup(func() { ws.Close() })
	return c
}

// trader dials with a trader token for account.
func (e *testEnv) trader(account string) *client {
	return e.dial(http.Header{"Authorization": {"Bearer " + e.token(account, api.RoleTrader)}})
}

// client is a test's side of a connection.
type client struct {
	t  testing.TB
	ws *websocket.Conn
	id int
}

// send sends a request and returns its id.
func (c *client) send(method string, params any) string {
	c.t.Helper()
	c.id++
	id := fmt.Sprintf("%q", fmt.Sprint("r", c.id))
	p, _ := json.Marshal(params)
	if s, ok := params.(string); ok {
		p = []byte(s)
	}
	frame := fmt.Sprintf(`{"id":%s,"method":%q,"params":%s}`, id, method, p)
	c.sendRaw(frame)
	return id
}

func (c *client) sendRaw(frame string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// msg is any message from the server, decoded loosely.
type msg struct {
	ID     json.RawMessage `json:"id"`
	Status int             `json:"-"`
	RawSt  json.RawMessage `json:"status"` // a number on replies, a string on execution reports
	Result json.RawMessage `json:"result"`
	Error  *api.Error      `json:"error"`
	Type   string          `json:"type"`
	Seq    uint64          `json:"seq"`
	Stream string          `json:"stream"`
	Reason string          `json:"reason"`
	raw    []byte
}

// next reads the next message within a few seconds.
func (c *client) next() msg {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m msg
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("server sent bad JSON %s: %v", data, err)
	}
	m.raw = data
	m.Status, _ = strconv.Atoi(string(m.RawSt))
	return m
}

// reply reads until the reply to id, returning the messages before it.
func (c *client) reply(id string) (msg, []msg) {
	c.t.Helper()
	var before []msg
	for {
		m := c.next()
		if string(m.ID) == id {
			return m, before
		}
		before = append(before, m)
	}
}

// call sends a request and waits for its reply.
func (c *client) call(method string, params any) msg {
	c.t.Helper()
	m, _ := c.reply(c.send(method, params))
	return m
}

// expectError checks a reply's status and code.
func (c *client) expectError(m msg, code api.Code) {
	c.t.Helper()
	if m.Error == nil || m.Error.Code != code || m.Status != code.Status() {
		c.t.Fatalf("reply %s: want status %d code %s", m.raw, code.Status(), code)
	}
}

// alive checks the connection still answers.
func (c *client) alive() {
	c.t.Helper()
	if m := c.call(api.MethodPing, nil); m.Status != 200 {
		c.t.Fatalf("ping after the error: %s", m.raw)
	}
}

// closed reads until the connection ends and returns the close error.
func (c *client) closed() *websocket.CloseError {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ws.ReadMessage()
		if err == nil {
			continue
		}
		ce, ok := err.(*websocket.CloseError)
		if !ok {
			c.t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce
	}
}

func decode[T any](t testing.TB, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// eventually polls cond until a deadline.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// smallBufferListener shrinks accepted sockets' send buffers so that a
// client that stops reading fills them after a few KiB, not megabytes.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

func newSmallBufferServer(t testing.TB, h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Listener = smallBufferListener{s.Listener}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// anyClosing reports whether some connection has been told to close.
func (s *Server) anyClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.q.isClosing() {
			return true
		}
	}
	return false
}

// closingFrame returns the close code and reason some connection has been
// told to close with, or 0 and "".
func (s *Server) closingFrame() (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.q.mu.Lock()
		f := c.q.closing
		c.q.mu.Unlock()
		if f != nil {
			return f.code, f.reason
		}
	}
	return 0, ""
}

// waitMembers waits until stream has n members: a subscription attaches
// just after its reply, so a test publishes only once it has.
func (e *testEnv) waitMembers(stream string, n int) {
	e.t.Helper()
	ref, err := parseStream(stream, e.srv.symbols)
	if err != nil {
		e.t.Fatal(err)
	}
	eventually(e.t, stream+" members", func() bool {
		e.srv.hub.mu.Lock()
		f := e.srv.hub.feeds[feedKey{ref.symbol, ref.stream}]
		e.srv.hub.mu.Unlock()
		if f == nil {
			return false
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		t := f.topics[ref.interval]
		return t != nil && len(t.members) == n
	})
}

// t1 is a context for a benchmark's Shutdown.
func t1() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	time.AfterFunc(6*time.Second, cancel)
	return ctx
}
