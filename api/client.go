package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Client limits and timings. Each bounds a queue or a wait so that a dead
// or slow peer is noticed rather than waited on forever.
const (
	// WriteWait is how long one frame may take to write; a peer that does
	// not take it in that time is treated as gone.
	WriteWait = 10 * time.Second
	// PongWait is how long the reader waits for any frame (a message, a
	// ping or the pong to the client's own ping) before giving up.
	PongWait = 60 * time.Second
	// pingPeriod is under PongWait so that a healthy server always has a
	// pong on its way before the read deadline.
	pingPeriod = PongWait / 3
	// SendQueueLen bounds the requests waiting for the writer. A caller
	// finding it full waits (until its context ends).
	SendQueueLen = 1024
	// DeliverQueueLen bounds the stream messages waiting for handlers. When
	// it is full the reader waits, so a handler that cannot keep up slows
	// the connection down and the server's slow-consumer policy (resync or
	// disconnect) takes over; messages are never dropped silently here.
	DeliverQueueLen = 4096
	// MaxMessageLen bounds one received frame.
	MaxMessageLen = 1 << 20
	// Backoff bounds used when ClientOptions leaves them zero.
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
	// dialTimeout bounds one (re)connection attempt when the caller's
	// context has no deadline.
	dialTimeout = 10 * time.Second
)

// ErrNotConnected is returned (as an *Error with code UNAVAILABLE) by a call
// made while the client has no connection: the request was not sent, so its
// outcome is known. Compare with errors.Is.
var ErrNotConnected = &Error{Code: Unavailable, Msg: "api: client not connected; the request was not sent"}

// ClientOptions configure Dial.
type ClientOptions struct {
	// Token is sent as "Authorization: Bearer <Token>" at the upgrade;
	// "" connects anonymously (public market data only).
	Token string
	// Reconnect makes the client redial a lost connection with jittered
	// exponential backoff between MinBackoff and MaxBackoff, and subscribe
	// again to every stream it had.
	Reconnect              bool
	MinBackoff, MaxBackoff time.Duration
	// OnStateChange, if set, is called with (false, err) when a connection
	// is lost or a redial fails, and (true, nil) when a redial succeeds. It
	// runs on the client's supervisor goroutine and must not block.
	OnStateChange func(connected bool, err error)
	// Header holds extra upgrade headers (an Origin, say).
	Header http.Header
}

// Client is a client of the gateway's WebSocket protocol: pipelined calls
// matched by id, subscriptions with book gap detection, and optional
// reconnection.
//
// # Goroutines
//
// Each connection has one writer and one reader, because a gorilla
// connection allows one concurrent writer and one concurrent reader. The
// writer drains a bounded queue of encoded requests (SendQueueLen) and
// sends pings; a write that takes longer than WriteWait ends the
// connection. The reader matches replies to pending calls by id and routes
// stream messages; it also runs PlaceAsync callbacks, and fails every
// pending call with OUTCOME_UNKNOWN when the connection ends, so a
// callback always runs exactly once and always on that goroutine.
//
// Handlers of Subscribe run on one dispatcher goroutine per Client, fed
// by the reader through a bounded queue (DeliverQueueLen), so that a
// handler never runs concurrently with itself or another handler and a
// slow handler does not hold up replies until that queue is full.
//
// A supervisor goroutine waits for each connection to end and, with
// Reconnect, dials the next one. The client's mutex guards only the
// current connection and the subscription table; it is never held while
// writing, reading or calling user code.
type Client struct {
	url    string
	opts   ClientOptions
	dialer websocket.Dialer
	nextID atomic.Uint64

	ctx    context.Context // ends at Close
	cancel context.CancelFunc

	deliver chan delivery

	mu     sync.Mutex
	cur    *conn // nil while disconnected
	subs   map[string]*subscription
	closed bool
}

// Dial connects to url (ws://HOST/ws) and returns a client. The first
// connection must succeed: a bad URL or a refused token fails here rather
// than in a retry loop. A refused upgrade with status 401 or 403 is an
// *Error with code UNAUTHORIZED or FORBIDDEN.
func Dial(ctx context.Context, url string, opts ClientOptions) (*Client, error) {
	c := newClient(url, opts)
	cn, err := c.dial(ctx)
	if err != nil {
		c.cancel()
		return nil, err
	}
	c.cur = cn
	go c.dispatch()
	go c.supervise(cn)
	return c, nil
}

func newClient(url string, opts ClientOptions) *Client {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(DefaultMaxBackoff, opts.MinBackoff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{
		url:     url,
		opts:    opts,
		dialer:  websocket.Dialer{HandshakeTimeout: dialTimeout},
		ctx:     ctx,
		cancel:  cancel,
		deliver: make(chan delivery, DeliverQueueLen),
		subs:    make(map[string]*subscription),
	}
}

// Close ends the connection and stops reconnecting. Pending calls fail with
// OUTCOME_UNKNOWN; stream messages not yet delivered are dropped. Close
// does not wait for the client's goroutines, so it may be called from a
// handler or callback.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	cn := c.cur
	c.mu.Unlock()
	c.cancel()
	if cn != nil {
		cn.closeGracefully()
	}
	return nil
}

// dial opens one connection and starts its writer and reader.
func (c *Client) dial(ctx context.Context) (*conn, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, dialTimeout)
		defer cancel()
	}
	h := c.opts.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if c.opts.Token != "" {
		h.Set("Authorization", "Bearer "+c.opts.Token)
	}
	var out *batchConn
	d := c.dialer
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var nd net.Dialer
		nc, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		out = &batchConn{Conn: nc}
		return out, nil
	}
	ws, resp, err := d.DialContext(ctx, c.url, h)
	if err != nil {
		return nil, dialError(c.url, resp, err)
	}
	ws.SetReadLimit(MaxMessageLen)
	cn := &conn{ws: ws, out: out, send: make(chan []byte, SendQueueLen), done: make(chan struct{}), pending: map[uint64]replyFunc{}}
	go cn.writeLoop()
	go c.readLoop(cn)
	return cn, nil
}

// dialError turns a refused upgrade into the protocol's codes, so that a
// caller can tell a bad token from a server that is down.
func dialError(url string, resp *http.Response, err error) error {
	if resp == nil {
		return fmt.Errorf("api: dial %s: %w", url, err)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return Errorf(Unauthorized, "api: dial %s: upgrade refused (401)", url)
	case http.StatusForbidden:
		return Errorf(Forbidden, "api: dial %s: upgrade refused (403)", url)
	}
	return fmt.Errorf("api: dial %s: HTTP %d: %w", url, resp.StatusCode, err)
}

// supervise waits for each connection to end and, with Reconnect, replaces
// it. It is the only goroutine that installs a new connection.
func (c *Client) supervise(cn *conn) {
	for cn != nil {
		<-cn.done
		c.lost(cn)
		c.stateChange(false, cn.err)
		if !c.opts.Reconnect {
			return
		}
		cn = c.redial()
	}
}

// lost forgets the current connection and marks every book stream as
// needing a snapshot: deltas of the next connection cannot continue from
// the last seq seen on this one.
func (c *Client) lost(cn *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == cn {
		c.cur = nil
	}
	for _, s := range c.subs {
		s.synced, s.resyncing = false, true
	}
}

// redial dials until it succeeds or the client is closed (nil).
func (c *Client) redial() *conn {
	for attempt := 0; ; attempt++ {
		select {
		case <-c.ctx.Done():
			return nil
		case <-time.After(c.backoff(attempt)):
		}
		cn, err := c.dial(c.ctx)
		if err != nil {
			c.stateChange(false, err)
			continue
		}
		if !c.install(cn) {
			cn.closeGracefully()
			return nil
		}
		c.stateChange(true, nil)
		go c.resubscribeAll()
		return cn
	}
}

func (c *Client) install(cn *conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.cur = cn
	return true
}

// backoff is exponential from MinBackoff, capped at MaxBackoff, with "equal
// jitter" (half fixed, half random): many clients cut off at once by a
// gateway restart then spread their redials instead of arriving together,
// and none retries sooner than half the step.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.MaxBackoff
	if attempt < 30 {
		d = min(c.opts.MinBackoff<<attempt, c.opts.MaxBackoff)
	}
	half := d / 2
	return half + rand.N(half+1)
}

func (c *Client) stateChange(connected bool, err error) {
	if c.opts.OnStateChange == nil {
		return
	}
	select {
	case <-c.ctx.Done():
		return // the caller closed the client; it knows
	default:
	}
	c.opts.OnStateChange(connected, err)
}

func (c *Client) current() *conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// Connected reports whether the client has a live connection now.
func (c *Client) Connected() bool { return c.current() != nil }

// envelope is the part of every received frame the reader needs to route
// it: a reply has an id and a status, a stream message has a type. Status
// stays raw until the frame is known to be a reply: an execution report
// has a "status" too, the order's ("filled"), a string.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Status replyStatus     `json:"status"`
	Type   string          `json:"type"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}

// replyStatus is a reply's HTTP-like status; a non-number (an execution
// report's order status) reads as 0 rather than failing the frame.
type replyStatus int

func (s *replyStatus) UnmarshalJSON(b []byte) error {
	n, err := strconv.Atoi(string(b))
	if err != nil {
		n = 0
	}
	*s = replyStatus(n)
	return nil
}

// replyFunc receives a call's reply, or the error that ended it.
type replyFunc func(env *envelope, err error)

// Call sends method with params and decodes the reply's result into result
// (if both are non-nil). An error reply is returned as an *Error; its
// result, if the reply had one (an engine rejection carries the rejected
// report), is still decoded. If ctx ends before the reply, Call returns
// ctx.Err(): the request may have reached the server, so its outcome is
// unknown, as with an *Error of code OUTCOME_UNKNOWN (the connection was
// lost) or any 5xx status.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	ch := make(chan callResult, 1)
	id, cn, err := c.start(ctx, method, params, func(env *envelope, err error) {
		ch <- callResult{env, err}
	})
	if err != nil {
		return err
	}
	select {
	case r := <-ch:
		return r.decode(result)
	case <-ctx.Done():
		if cn.take(id) == nil {
			return (<-ch).decode(result) // answered (or failed) meanwhile
		}
		return ctx.Err()
	}
}

type callResult struct {
	env *envelope
	err error
}

func (r callResult) decode(result any) error {
	if r.err != nil {
		return r.err
	}
	return decodeReply(r.env, result)
}

func decodeReply(env *envelope, result any) error {
	if result != nil && len(env.Result) > 0 && string(env.Result) != "null" && !fastResult(env.Result, result) {
		if err := json.Unmarshal(env.Result, result); err != nil {
			return fmt.Errorf("api: reply %s: decoding result: %w", env.ID, err)
		}
	}
	switch {
	case env.Error != nil:
		return env.Error
	case env.Status >= 300:
		return Errorf(Internal, "status %d without an error object", env.Status)
	}
	return nil
}

// start registers f under a fresh id and queues the request. Once start
// returns nil, f is called exactly once (with the reply, or with
// OUTCOME_UNKNOWN if the connection ends first) unless the caller takes the
// id back. On an error f is never called.
func (c *Client) start(ctx context.Context, method string, params any, f replyFunc) (uint64, *conn, error) {
	req, id, err := c.encode(method, params)
	if err != nil {
		return 0, nil, err
	}
	cn := c.current()
	if cn == nil || !cn.register(id, f) {
		return 0, nil, ErrNotConnected
	}
	select {
	case cn.send <- req:
		return id, cn, nil
	case <-cn.done:
		if cn.take(id) != nil {
			return 0, nil, ErrNotConnected
		}
	case <-ctx.Done():
		if cn.take(id) != nil {
			return 0, nil, ctx.Err()
		}
	}
	// The reader failed (or answered) the call while we waited: f has run
	// or will, so report success and let it deliver the outcome.
	return id, cn, nil
}

func (c *Client) encode(method string, params any) ([]byte, uint64, error) {
	id := c.nextID.Add(1)
	if b, ok := fastRequest(id, method, params); ok {
		return b, id, nil
	}
	return encodeRequest(id, method, params)
}

func encodeRequest(id uint64, method string, params any) ([]byte, uint64, error) {
	req := Request{ID: json.RawMessage(strconv.FormatUint(id, 10)), Method: method}
	if params != nil {
		p, err := json.Marshal(params)
		if err != nil {
			return nil, 0, fmt.Errorf("api: %s params: %w", method, err)
		}
		req.Params = p
	}
	b, err := json.Marshal(req)
	return b, id, err
}

// readLoop is the connection's only reader. It ends the connection on the
// first read error.
func (c *Client) readLoop(cn *conn) {
	ws := cn.ws
	extend := func() { ws.SetReadDeadline(time.Now().Add(PongWait)) }
	extend()
	ws.SetPongHandler(func(string) error { extend(); return nil })
	ws.SetPingHandler(func(data string) error {
		extend()
		// WriteControl may run beside the writer goroutine's writes.
		// As gorilla's default handler: a pong that cannot be sent in time
		// is not worth ending the connection over; the next read decides.
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(WriteWait))
		var ne net.Error
		if err == websocket.ErrCloseSent || (errors.As(err, &ne) && ne.Timeout()) {
			return nil
		}
		return err
	})
	// One buffer for every frame: stream messages are decoded into values
	// of their own before the next read, and a reply's raw parts are
	// copied before its caller gets them (handle), so ReadMessage's
	// allocation per frame is not needed.
	var buf []byte
	for {
		_, r, err := ws.NextReader()
		if err == nil {
			buf, err = readFrame(buf[:0], r)
		}
		if err != nil {
			cn.finish(err)
			return
		}
		extend()
		c.handle(cn, buf)
	}
}

// readFrame appends the rest of r to buf.
func readFrame(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// handle routes one frame: a stream message to its subscription, a reply
// to its pending call. A frame that is neither (an error reply without an
// id, say, to a request the server could not parse) has no one to go to
// and is dropped.
func (c *Client) handle(cn *conn, data []byte) {
	if !validJSON(data) {
		return // once for both paths: the fast decoders read only valid JSON
	}
	if msg, stream, ok := fastStreamFrame(data); ok {
		c.dispatchStream(msg, stream)
		return
	}
	var env envelope
	if !decodeEnvelope(data, &env) {
		return
	}
	if env.Type != "" {
		c.route(env.Type, data)
		return
	}
	id, err := strconv.ParseUint(string(env.ID), 10, 64)
	if err != nil {
		return
	}
	if f := cn.take(id); f != nil {
		// data is the read loop's buffer, reused for the next frame.
		env.ID, env.Result = bytes.Clone(env.ID), bytes.Clone(env.Result)
		f(&env, nil)
	}
}

// conn is one WebSocket connection and the calls waiting on it.
type conn struct {
	ws   *websocket.Conn
	out  *batchConn    // ws's socket: the writer corks it for each batch
	send chan []byte   // encoded requests for the writer; bounded
	done chan struct{} // closed when the connection has ended
	err  error         // why it ended; read only after done
	once sync.Once

	mu      sync.Mutex
	pending map[uint64]replyFunc
	dead    bool // no more registrations: finish has failed the rest
}

func (cn *conn) register(id uint64, f replyFunc) bool {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.dead {
		return false
	}
	cn.pending[id] = f
	return true
}

// take removes and returns id's reply function, nil if it is gone
// (answered, failed or taken back).
func (cn *conn) take(id uint64) replyFunc {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	f := cn.pending[id]
	delete(cn.pending, id)
	return f
}

// finish ends the connection and fails every pending call with
// OUTCOME_UNKNOWN: each request may or may not have reached the server.
// Only the reader calls it, so callbacks stay on the reader goroutine.
func (cn *conn) finish(err error) {
	cn.once.Do(func() {
		cn.err = err
		cn.ws.Close()
		cn.mu.Lock()
		cn.dead = true
		pending := cn.pending
		cn.pending = nil
		cn.mu.Unlock()
		close(cn.done)
		lost := Errorf(OutcomeUnknown, "api: connection lost before the reply: %v", err)
		for _, f := range pending {
			f(nil, lost)
		}
	})
}

// closeGracefully sends a close frame and closes the socket; the reader
// then sees the error and finishes the connection.
func (cn *conn) closeGracefully() {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	cn.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	cn.ws.Close()
}

// writeLoop is the connection's only writer of data frames and pings.
func (cn *conn) writeLoop() {
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		var err error
		select {
		case msg := <-cn.send:
			err = cn.writeBatch(msg)
		case <-ping.C:
			err = cn.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(WriteWait))
		case <-cn.done:
			return
		}
		if err != nil {
			cn.ws.Close() // the reader's next read fails and finishes the connection
			return
		}
	}
}

// writeBatch writes msg and every request queued behind it (up to
// maxBatchLen) with one system call, all within WriteWait.
func (cn *conn) writeBatch(msg []byte) error {
	deadline := time.Now().Add(WriteWait)
	cn.ws.SetWriteDeadline(deadline)
	cn.out.cork(deadline)
	err := cn.ws.WriteMessage(websocket.TextMessage, msg)
	// The writer is send's only receiver: what len counts is there to take.
	for n := 1; err == nil && n < maxBatchLen && len(cn.send) > 0; n++ {
		err = cn.ws.WriteMessage(websocket.TextMessage, <-cn.send)
	}
	if ferr := cn.out.flush(); err == nil {
		err = ferr
	}
	return err
}
