package api

import (
	"net"
	"sync"
	"time"
)

// batchConn is the client's socket with a cork, so that the writer sends
// every request waiting in the send queue in one write system call
// instead of one per frame. gorilla/websocket has no API for this
// (gorilla/websocket#139); the Dialer's NetDialContext wraps the socket,
// and gorilla still frames, masks and serializes every write as before.
// (The gateway corks its end the same way, in its own batchConn.)
//
// Between cork and flush, writes are appended to a buffer; flush writes
// it with the deadline given to cork and passes writes straight through
// again. A batch over maxBatchBytes is written in pieces as it goes. mu
// orders the buffer against the reader's pong replies, which gorilla
// writes from the reader goroutine: one written while corked joins the
// batch, one written during a flush waits for it. The buffer is pooled
// and held only while corked.
type batchConn struct {
	net.Conn
	mu       sync.Mutex
	corked   bool
	deadline time.Time
	buf      *[]byte
}

const (
	// maxBatchBytes is how much a corked batch buffers before it writes.
	maxBatchBytes = 64 << 10
	// maxBatchLen bounds the requests the writer takes per batch.
	maxBatchLen = 256
)

var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

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
	if cap(*b.buf) <= 2*maxBatchBytes {
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

// SetWriteDeadline is gorilla's, before each frame: while corked the
// batch's deadline applies instead.
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.corked {
		return nil
	}
	return b.Conn.SetWriteDeadline(t)
}
