package gateway

import (
	"net"
	"strings"
	"testing"
	"time"
)

// recConn records the writes and write deadlines that reach the socket.
type recConn struct {
	net.Conn
	writes    []string
	deadlines []time.Time
}

func (r *recConn) Write(p []byte) (int, error) {
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func (r *recConn) SetWriteDeadline(t time.Time) error {
	r.deadlines = append(r.deadlines, t)
	return nil
}

func TestBatchConnOneWritePerBatch(t *testing.T) {
	rec := &recConn{}
	b := &batchConn{Conn: rec}
	b.Write([]byte("a")) // not corked: straight through
	deadline := time.Unix(100, 0)
	b.cork(deadline)
	b.SetWriteDeadline(time.Unix(1, 0)) // gorilla's, per frame: the batch's applies
	for _, s := range []string{"b", "c", "d"} {
		b.Write([]byte(s))
	}
	if len(rec.writes) != 1 {
		t.Fatalf("writes while corked reached the socket: %q", rec.writes)
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rec.writes, "|"), "a|bcd"; got != want {
		t.Errorf("socket writes %q, want %q", got, want)
	}
	if len(rec.deadlines) != 1 || !rec.deadlines[0].Equal(deadline) {
		t.Errorf("deadlines %v, want only the batch's %v", rec.deadlines, deadline)
	}
	b.Write([]byte("e"))
	if last := rec.writes[len(rec.writes)-1]; last != "e" {
		t.Errorf("after flush a write went to %q, want straight through", last)
	}
}

func TestBatchConnLargeBatchWritesInPieces(t *testing.T) {
	rec := &recConn{}
	b := &batchConn{Conn: rec}
	b.cork(time.Unix(100, 0))
	frame := make([]byte, 1000)
	for range 3 * maxBatchBytes / len(frame) {
		b.Write(frame)
	}
	b.flush()
	total := 0
	for _, w := range rec.writes {
		if len(w) > maxBatchBytes+len(frame) {
			t.Errorf("a write of %d bytes, want at most %d", len(w), maxBatchBytes+len(frame))
		}
		total += len(w)
	}
	if n := 3 * maxBatchBytes / len(frame) * len(frame); total != n || len(rec.writes) < 3 {
		t.Errorf("%d writes of %d bytes in all, want %d bytes in at least 3", len(rec.writes), total, n)
	}
}
