package gateway

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
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
// the buffer with the deadline given to cork, then passes writes straight
// through again. A batch that outgrows maxBatchBytes is written in pieces
// as it goes, with the same deadline. mu orders the buffer against the
// other goroutines that may write through gorilla meanwhile (the reader's
// pong replies): a frame they write while corked joins the batch, and one
// they write during a flush waits for it. The buffer is pooled and held
// only while corked, so an idle connection keeps none.
type batchConn struct {
	net.Conn
	mu       sync.Mutex
	corked   bool
	deadline time.Time
	buf      *[]byte
}

// maxBatchBytes is how much a corked batch buffers before it writes.
const maxBatchBytes = 64 << 10

var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// cork starts a batch whose writes must be done by deadline.
func (b *batchConn) cork(deadline time.Time) {
	b.mu.Lock()
	b.corked, b.deadline = true, deadline
	b.buf = batchBufs.Get().(*[]byte)
	b.mu.Unlock()
}

// flush writes the batch and ends it.
func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.corked {
		return nil
	}
	err := b.writeLocked()
	b.corked = false
	if cap(*b.buf) <= maxBatchBytes*2 {
		batchBufs.Put(b.buf)
	}
	b.buf = nil
	return err
}

func (b *batchConn) writeLocked() error {
	p := *b.buf
	*b.buf = p[:0]
	if len(p) == 0 {
		return nil
	}
	b.Conn.SetWriteDeadline(b.deadline)
	_, err := b.Conn.Write(p)
	return err
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.corked {
		return b.Conn.Write(p)
	}
	*b.buf = append(*b.buf, p...)
	if len(*b.buf) >= maxBatchBytes {
		if err := b.writeLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// SetWriteDeadline is gorilla's, before each frame. While corked the
// batch's deadline applies instead; otherwise it waits for a flush in
// progress, whose deadline it must not cut short.
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.corked {
		return nil
	}
	return b.Conn.SetWriteDeadline(t)
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
