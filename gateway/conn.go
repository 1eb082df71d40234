package gateway

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/mts-krx/mts/api"
)

// conn is one client connection. Two goroutines own it:
//
//   - the reader (the HTTP handler's goroutine, kept after the upgrade)
//     reads frames, decodes envelopes, checks auth and rate limits, and
//     answers cheap methods itself; methods that wait on the backend or a
//     feed run on a worker each (Server.workers), at most MaxInFlight at
//     once, so order entry is pipelined and replies come back in
//     completion order, matched by id;
//   - the writer drains the send queue to the socket in batches, each
//     written with one system call (batchConn), sends pings, and sends
//     the close frame.
//
// Everyone else (request goroutines, the market-data fan-out, the
// execution stream) only pushes to the queue, which never blocks. The
// writer alone writes data frames: gorilla allows one concurrent writer.
type conn struct {
	srv     *Server
	ws      *websocket.Conn
	out     *batchConn // ws's socket: the writer corks it for each batch
	q       *sendQueue
	claims  api.Claims // zero for an anonymous connection
	account string     // the trader's account (the token's sub); "" otherwise

	connLim  *rate.Limiter
	strikes  *rate.Limiter // rejected frames; empty means abuse
	inflight atomic.Int32
	reqs     sync.WaitGroup
	readDone chan struct{}

	subMu  sync.Mutex
	subs   map[string]streamRef // public streams
	exec   *execStream          // the executions stream, if subscribed
	closed bool                 // no subscription may start any more
}

// Close codes beyond RFC 6455's: 4000 is SLOW_CONSUMER.
const (
	CloseSlowConsumer = 4000
	closeGrace        = time.Second // how long the writer waits for the peer's close reply
)

var readBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (s *Server) newConn(ws *websocket.Conn, claims api.Claims) *conn {
	c := &conn{
		srv: s, ws: ws, q: newSendQueue(s.cfg.SendQueue, s.cfg.PrivateQueueBytes), claims: claims,
		connLim:  rate.NewLimiter(rate.Limit(s.cfg.ConnRate), s.cfg.ConnBurst),
		strikes:  rate.NewLimiter(rate.Limit(s.cfg.StrikeRate), s.cfg.StrikeBurst),
		readDone: make(chan struct{}),
	}
	if claims.Role == api.RoleTrader {
		c.account = claims.Subject
	}
	c.q.slowAfter, c.q.onSlow, c.q.now = s.cfg.SlowConsumerAfter, c.cutOffSlow, s.cfg.Clock
	return c
}

// cutOffSlow closes a client that stayed too slow. Its writer may be
// blocked in a write to a socket the client does not read: an expired write
// deadline ends that write within a second rather than after WriteTimeout
// (and still lets the close frame out if the socket has room).
func (c *conn) cutOffSlow() {
	c.slowConsumer()
	c.ws.NetConn().SetWriteDeadline(time.Now().Add(time.Second))
}

// run serves the connection until it ends: the caller's goroutine becomes
// the reader. It returns after the writer and every request goroutine.
func (c *conn) run() {
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	c.readLoop()
	close(c.readDone)
	c.q.kill()
	<-writerDone
	c.reqs.Wait()
	c.stopStreams()
}

func (c *conn) readDeadline() time.Time {
	return time.Now().Add(2 * c.srv.cfg.PingInterval)
}

func (c *conn) readLoop() {
	c.ws.SetReadDeadline(c.readDeadline())
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(c.readDeadline()) })
	c.ws.SetPingHandler(c.pong)
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		c.ws.SetReadDeadline(c.readDeadline())
		buf := readBufs.Get().(*bytes.Buffer)
		buf.Reset()
		n, err := buf.ReadFrom(io.LimitReader(r, c.srv.cfg.ReadLimit+1))
		if err == nil {
			c.frame(typ, buf.Bytes(), n)
		}
		if buf.Cap() <= 2*int(c.srv.cfg.ReadLimit) {
			readBufs.Put(buf)
		}
		if err != nil {
			return
		}
	}
}

// pong answers a client's ping as gorilla's default handler does, but
// with WriteTimeout rather than one second: a shorter deadline would cut
// short a batch the writer is flushing (see batchConn).
func (c *conn) pong(data string) error {
	err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.srv.cfg.WriteTimeout))
	var ne net.Error
	if err == websocket.ErrCloseSent || errors.As(err, &ne) && ne.Timeout() {
		return nil
	}
	return err
}

// frame handles one whole frame. After a close was asked for, frames are
// read (so that the peer's close reply arrives) and ignored.
func (c *conn) frame(typ int, data []byte, n int64) {
	switch {
	case c.q.isClosing():
	case n > c.srv.cfg.ReadLimit:
		c.q.close(websocket.CloseMessageTooBig, closeReason(api.MessageTooLarge, "frames are limited to %d bytes", c.srv.cfg.ReadLimit))
	case typ != websocket.TextMessage:
		c.reject(nil, api.Errorf(api.BadRequest, "requests are JSON text frames, not binary"))
	default:
		c.handle(data)
	}
}

// writeLoop writes queued frames in batches until the queue closes or
// dies, with a ping every PingInterval.
func (c *conn) writeLoop() {
	defer c.ws.Close()
	ping := time.NewTicker(c.srv.cfg.PingInterval)
	defer ping.Stop()
	var batch [][]byte
	for {
		select {
		case <-c.q.wake:
		case <-ping.C:
			if c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.srv.cfg.WriteTimeout)) != nil {
				return
			}
			continue
		}
		// Let the goroutines that were made runnable with this one (request
		// workers woken by one read of backend replies, say) queue their
		// frames first, so that more go out in this batch's one write.
		runtime.Gosched()
		var cl *closeFrame
		var dead bool
		batch, cl, dead = c.q.take(batch)
		if err := c.writeBatch(batch); err != nil || dead {
			return
		}
		clear(batch)
		batch = shrink(batch[:0])
		c.q.written()
		if cl != nil {
			c.sendClose(cl)
			return
		}
	}
}

// writeBatch frames the batch's messages into the corked socket and writes
// them with one system call (more for a batch over maxBatchBytes), all
// within WriteTimeout. A batch that fails counts as not sent.
func (c *conn) writeBatch(batch [][]byte) error {
	if len(batch) == 0 {
		return nil
	}
	deadline := time.Now().Add(c.srv.cfg.WriteTimeout)
	c.ws.SetWriteDeadline(deadline)
	c.out.cork(deadline)
	for _, b := range batch {
		err := c.ws.WriteMessage(websocket.TextMessage, b)
		if err == nil && c.out.buffered() >= maxBatchBytes {
			err = c.out.spill()
		}
		if err != nil {
			c.out.flush()
			return err
		}
	}
	if err := c.out.flush(); err != nil {
		return err
	}
	c.srv.cfg.Metrics.Sent(len(batch))
	return nil
}

// sendClose sends the close frame and waits a moment for the reader to
// see the peer's reply, so the peer reads our frame before the socket
// closes (closing with unread input would reset the connection and could
// destroy it).
func (c *conn) sendClose(cl *closeFrame) {
	msg := websocket.FormatCloseMessage(cl.code, cl.reason)
	if c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace)) != nil {
		return
	}
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-c.readDone:
	case <-t.C:
	}
}
