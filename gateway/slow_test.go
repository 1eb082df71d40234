package gateway

import (
	"testing"
	"time"
)

// A queue whose market data keeps overflowing for longer than slowAfter,
// without draining in between, calls onSlow exactly once; one that drains
// in between is only resynced, never cut off.
func TestSendQueueCutsOffAClientThatStaysSlow(t *testing.T) {
	now := time.Unix(0, 0)
	q := newSendQueue(8, 0)
	cuts := 0
	q.slowAfter, q.onSlow, q.now = 5*time.Second, func() { cuts++ }, func() time.Time { return now }
	frame := []byte("x")
	for q.pushMarket(frame) {
	}
	now = now.Add(4 * time.Second)
	q.pushMarket(frame)
	if cuts != 0 {
		t.Fatal("cut off before slowAfter")
	}
	now = now.Add(2 * time.Second)
	q.pushMarket(frame)
	q.pushMarket(frame)
	if cuts != 1 {
		t.Fatalf("onSlow called %d times after staying full 6 s, want 1", cuts)
	}

	// A client that catches up in between starts its clock again.
	q2 := newSendQueue(8, 0)
	q2.slowAfter, q2.onSlow, q2.now = 5*time.Second, func() { cuts++ }, func() time.Time { return now }
	for range 10 {
		for q2.pushMarket(frame) {
		}
		now = now.Add(3 * time.Second)
		batch, _, _ := q2.take(nil)
		_ = batch
		q2.written()
	}
	if cuts != 1 {
		t.Fatalf("a client that keeps draining was cut off (%d)", cuts)
	}
}

// TestPrivateBurstPastTheFrameLimit: replies and execution reports queue
// past the frame limit up to the private byte budget (a burst of fills is
// not a slow client); market data still stops at its limit; the budget
// counts frames being written until they are, and frees with them.
func TestPrivateBurstPastTheFrameLimit(t *testing.T) {
	q := newSendQueue(8, 1000)
	report := make([]byte, 100)
	for i := range 10 {
		if !q.pushPrivate(report) {
			t.Fatalf("report %d refused with %d bytes queued; want 10 of 100 bytes to fit 1,000", i+1, i*100)
		}
	}
	if q.pushPrivate(report) {
		t.Fatal("an 11th report of 100 bytes fitted a 1,000-byte budget")
	}
	if q.pushMarket([]byte("md")) {
		t.Fatal("market data queued past its limit")
	}
	batch, _, _ := q.take(nil)
	if len(batch) != 10 || q.pushPrivate(report) {
		t.Fatalf("took %d frames; while they are written the budget must stay spent", len(batch))
	}
	q.written()
	if !q.pushPrivate(report) {
		t.Fatal("a report refused once the burst was written")
	}
}

// TestReportsPastTheBudgetResync: execution reports stop at three quarters
// of the private budget (replies keep the rest); the first one dropped
// queues a resync marker, and no other marker goes until that one is
// written; a later overflow marks again.
func TestReportsPastTheBudgetResync(t *testing.T) {
	q := newSendQueue(4, 1000)
	report, marker := make([]byte, 100), []byte("marker")
	for i := range 7 {
		if !q.pushReport(report, marker) {
			t.Fatalf("report %d refused with %d bytes queued; want 7 of 100 bytes in 750", i+1, i*100)
		}
	}
	for range 2 {
		if q.pushReport(report, marker) {
			t.Fatal("a report queued past three quarters of the budget")
		}
	}
	if !q.pushPrivate(report) {
		t.Fatal("a reply refused: the last quarter of the budget is the replies'")
	}
	batch, _, _ := q.take(nil)
	if markers(batch, marker) != 1 || len(batch) != 9 {
		t.Fatalf("took %d frames with %d markers; want 7 reports, one marker, the reply", len(batch), markers(batch, marker))
	}
	if q.pushReport(report, marker) {
		t.Fatal("a report queued while the burst is still being written")
	}
	q.written()
	for range 7 {
		q.pushReport(report, marker)
	}
	q.pushReport(report, marker)
	batch, _, _ = q.take(nil)
	if markers(batch, marker) != 1 {
		t.Errorf("the second overflow queued %d markers; want a new one, the first having been written", markers(batch, marker))
	}
}

func markers(batch [][]byte, marker []byte) int {
	n := 0
	for _, f := range batch {
		if string(f) == string(marker) {
			n++
		}
	}
	return n
}
