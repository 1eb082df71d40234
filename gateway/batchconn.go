package gateway

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// batchConn is a connection's socket with a cork, so that the writer
// sends a whole batch from the send queue in one write system call
// instead of one per frame (at fan-out rates the per-frame syscall was the
// limit). gorilla/websocket has no API for this (gorilla/websocket#139),
// so the server hands the Upgrader a ResponseWriter whose Hijack wraps the
// socket: gorilla still frames every message and serializes its writes as
// before, and only where the bytes go changes.
//
// Between cork and flush, writes are appended to a buffer; flush writes
// the buffer with the batch's deadline, then writes pass straight through
// again. The writer spills a batch that outgrows maxBatchBytes in pieces
// as it goes. Other goroutines may write through gorilla meanwhile (the
// reader's pong replies): a frame written while corked joins the batch,
// one written during a flush waits for it (wmu orders the socket's
// writes). The buffer is pooled and held only while corked, so an idle
// connection keeps none.
//
// Deadlines behave as on a plain socket: SetWriteDeadline never waits for
// a write in progress, and a deadline earlier than the open batch's cuts
// the batch short (that is how a connection stuck writing to a client
// that reads nothing is ended early). A later one, such as gorilla's own
// before each frame of the batch or before a pong, applies to the next
// write after the batch. Pongs are sent with WriteTimeout (see readLoop),
// so they never cut a batch.
type batchConn struct {
	net.Conn
	wmu sync.Mutex // held across each write to the socket

	mu       sync.Mutex // guards what follows; never held across a write
	open     bool       // a batch is corked or being flushed
	corked   bool       // writes go to buf
	deadline time.Time  // the open batch's
	next     time.Time  // for the next write outside a batch
	buf      *[]byte
}

// maxBatchBytes is how much a corked batch buffers before it writes.
const maxBatchBytes = 64 << 10

var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// cork starts a batch whose writes must be done by deadline.
func (b *batchConn) cork(deadline time.Time) {
	b.mu.Lock()
	b.open, b.corked, b.deadline = true, true, deadline
	b.buf = batchBufs.Get().(*[]byte)
	b.mu.Unlock()
}

// flush writes the batch and ends it.
func (b *batchConn) flush() error {
	b.mu.Lock()
	if !b.corked {
		b.mu.Unlock()
		return nil
	}
	buf := b.buf
	b.corked, b.buf = false, nil
	b.mu.Unlock()
	err := b.writeBatch(buf)
	b.mu.Lock()
	b.open = false
	b.mu.Unlock()
	return err
}

// buffered is how many bytes of the batch wait for a flush.
func (b *batchConn) buffered() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.corked {
		return 0
	}
	return len(*b.buf)
}

// spill writes what the batch holds so far and keeps it open, so that a
// large batch goes out in pieces. Only the writer flushes or spills,
// one after the other, which keeps the pieces in order.
func (b *batchConn) spill() error {
	b.mu.Lock()
	if !b.corked {
		b.mu.Unlock()
		return nil
	}
	buf := b.buf
	b.buf = batchBufs.Get().(*[]byte)
	b.mu.Unlock()
	return b.writeBatch(buf)
}

// writeBatch writes buf with the batch's deadline, as it is when the write
// starts (a cut that comes later applies to the socket directly), and
// returns buf to the pool.
func (b *batchConn) writeBatch(buf *[]byte) error {
	defer func() {
		if cap(*buf) <= 2*maxBatchBytes {
			*buf = (*buf)[:0]
			batchBufs.Put(buf)
		}
	}()
	if len(*buf) == 0 {
		return nil
	}
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.mu.Lock()
	b.Conn.SetWriteDeadline(b.deadline)
	b.mu.Unlock()
	batchWrites.Add(1)
	_, err := b.Conn.Write(*buf)
	return err
}

// batchWrites counts batch writes to sockets, for the benchmarks.
var batchWrites atomic.Uint64

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	if !b.corked {
		b.mu.Unlock()
		return b.writeNow(p)
	}
	*b.buf = append(*b.buf, p...)
	b.mu.Unlock()
	return len(p), nil
}

// writeNow writes outside a batch, after any flush in progress.
func (b *batchConn) writeNow(p []byte) (int, error) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.mu.Lock()
	b.Conn.SetWriteDeadline(b.next)
	b.mu.Unlock()
	return b.Conn.Write(p)
}

// SetWriteDeadline sets the deadline of the next write outside a batch
// and, if earlier than an open batch's, cuts the batch short.
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next = t
	if !b.open {
		return b.Conn.SetWriteDeadline(t)
	}
	if t.Before(b.deadline) {
		b.deadline = t
		return b.Conn.SetWriteDeadline(t)
	}
	return nil
}

// hijacker is the ResponseWriter handed to the Upgrader: its Hijack wraps
// the socket in a batchConn and keeps it for the connection.
type hijacker struct {
	http.ResponseWriter
	out *batchConn
}

var errNoHijack = errors.New("gateway: the ResponseWriter cannot be hijacked")

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errNoHijack
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.out = &batchConn{Conn: nc}
	return h.out, brw, nil
}
