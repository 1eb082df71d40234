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
	b.SetWriteDeadline(deadline) // gorilla's, before each frame
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
	if last := rec.deadlines[len(rec.deadlines)-1]; !last.Equal(deadline) {
		t.Errorf("the batch was written with deadline %v, want %v", last, deadline)
	}
	b.Write([]byte("e"))
	if last := rec.writes[len(rec.writes)-1]; last != "e" {
		t.Errorf("after flush a write went to %q, want straight through", last)
	}
}

func TestBatchConnSpillsALargeBatchInPieces(t *testing.T) {
	rec := &recConn{}
	b := &batchConn{Conn: rec}
	b.cork(time.Unix(100, 0))
	frame := make([]byte, 1000)
	n := 3 * maxBatchBytes / len(frame)
	for range n {
		b.Write(frame)
		if b.buffered() >= maxBatchBytes { // as the writer does
			b.spill()
		}
	}
	b.flush()
	total := 0
	for _, w := range rec.writes {
		if len(w) > maxBatchBytes+len(frame) {
			t.Errorf("a write of %d bytes, want at most %d", len(w), maxBatchBytes+len(frame))
		}
		total += len(w)
	}
	if total != n*len(frame) || len(rec.writes) < 3 {
		t.Errorf("%d writes of %d bytes in all, want %d bytes in at least 3", len(rec.writes), total, n*len(frame))
	}
}

// An earlier deadline cuts an open batch short at once; a later one waits
// for the next write after the batch.
func TestBatchConnDeadlines(t *testing.T) {
	rec := &recConn{}
	b := &batchConn{Conn: rec}
	batch, cut, later := time.Unix(100, 0), time.Unix(50, 0), time.Unix(200, 0)
	b.cork(batch)
	b.SetWriteDeadline(later)
	if len(rec.deadlines) != 0 {
		t.Fatalf("a later deadline reached the socket during the batch: %v", rec.deadlines)
	}
	b.SetWriteDeadline(cut)
	if len(rec.deadlines) != 1 || !rec.deadlines[0].Equal(cut) {
		t.Fatalf("socket deadlines %v after a cut, want [%v]", rec.deadlines, cut)
	}
	b.Write([]byte("a"))
	b.flush()
	if last := rec.deadlines[len(rec.deadlines)-1]; !last.Equal(cut) {
		t.Errorf("the batch was written with deadline %v, want the cut %v", last, cut)
	}
	b.SetWriteDeadline(later)
	b.Write([]byte("b"))
	if last := rec.deadlines[len(rec.deadlines)-1]; !last.Equal(later) {
		t.Errorf("a write after the batch had deadline %v, want %v", last, later)
	}
}
