package bus

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/matching"
)

// sniff counts the messages on subject (wildcards allowed) from another
// connection, and the requests in the batches among them.
func sniff(t *testing.T, nc *nats.Conn, subject string) (msgs, entries *atomic.Int64) {
	t.Helper()
	msgs, entries = new(atomic.Int64), new(atomic.Int64)
	sub, err := nc.Subscribe(subject, func(m *nats.Msg) {
		msgs.Add(1)
		if _, rest, err := decodeBatchHeader(m.Data); err == nil {
			for len(rest) > 0 {
				if _, _, rest, err = nextEntry(rest); err != nil {
					return
				}
				entries.Add(1)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return msgs, entries
}

// TestBatchedRequestsAndReplies: concurrent Submits share NATS messages
// both ways, and every one gets its own outcome.
func TestBatchedRequestsAndReplies(t *testing.T) {
	j := &memJournal{gate: make(chan struct{})}
	e := startEngine(t, false, j, nil)
	var open sync.Once
	release := func() { open.Do(func() { close(j.gate) }) }
	defer release() // the loop cannot stop with its journal held
	requests, sent := sniff(t, e.nc, CmdSubject(3))
	replies, _ := sniff(t, e.nc, "_INBOX.>")
	const callers, each = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, callers*each)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				cl := fmt.Sprintf("c%d-%d", i, k)
				out, err := e.client.Submit(t.Context(), place(fmt.Sprint("A", i), cl, matching.Buy, 70000, 1))
				switch {
				case err != nil:
					errs <- err
				case out.Cmd.ClientOrderID != cl:
					errs <- fmt.Errorf("%s answered with the outcome of %s", cl, out.Cmd.ClientOrderID)
				}
			}
		}()
	}
	// The journal holds the first batch until every caller has sent its
	// first request, so that replies pile up behind it.
	waitFor(t, "every caller's first request", func() bool { return sent.Load() >= callers })
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := int64(callers * each)
	waitFor(t, "the sniffers", func() bool { return requests.Load() > 0 && replies.Load() > 0 })
	// Requests share a message only when callers outpace the sender, which
	// the scheduler decides (TestMuxGathers checks the gathering itself);
	// replies share one whenever a loop batch answers several.
	t.Logf("%d requests in %d messages, answered in %d", n, requests.Load(), replies.Load())
	if replies.Load() >= n {
		t.Errorf("%d requests took %d reply messages: replies not batched", n, replies.Load())
	}
}

// TestMuxGathers: requests made while the sender does not run share one
// batch, framed in order, and a request that would take the batch over the
// payload limit starts the next one.
func TestMuxGathers(t *testing.T) {
	m := newMux(connect(t, runNATS(t)), CmdSubject(0))
	m.inbox, m.limit, m.room = "_INBOX.t", 1<<20, 1<<19 // not started: no sender runs
	var bodies [][]byte
	for i := range 5 {
		bodies = append(bodies, appendCommandRequest(nil, place("A", fmt.Sprint("c", i), matching.Buy, 70000, 1)))
		if _, _, err := m.enqueue(bodies[i]); err != nil {
			t.Fatal(err)
		}
	}
	if m.count != 5 || len(m.sealed) != 0 {
		t.Fatalf("5 requests: open batch of %d, %d sealed; want 5 and 0", m.count, len(m.sealed))
	}
	m.limit = len(m.open) + 10
	if _, _, err := m.enqueue(bodies[0]); err != nil {
		t.Fatal(err)
	}
	if len(m.sealed) != 1 || m.count != 1 || m.openN != 2 {
		t.Fatalf("over the limit: %d sealed, open batch %d of %d; want 1 sealed, batch 2 of 1", len(m.sealed), m.openN, m.count)
	}
	inbox, entries, err := decodeBatchHeader(m.sealed[0].data)
	if err != nil || string(inbox) != "_INBOX.t" {
		t.Fatalf("sealed batch header: %q, %v", inbox, err)
	}
	for i := range 5 {
		id, body, rest, err := nextEntry(entries)
		if err != nil || id != uint64(i+1) || !bytes.Equal(body, bodies[i]) {
			t.Fatalf("entry %d: id %d, %x, %v; want id %d, %x", i, id, body, err, i+1, bodies[i])
		}
		entries = rest
	}
	if len(entries) != 0 {
		t.Errorf("%d bytes after the 5 entries", len(entries))
	}
}

// TestMalformedBatch: a batch entry that does not decode is refused alone,
// beside its good neighbour; a batch that does not frame is refused whole
// on its own reply subject, and none of it is applied.
func TestMalformedBatch(t *testing.T) {
	e := startEngine(t, false, &memJournal{}, nil)
	replies := make(chan *nats.Msg, 8)
	sub, err := e.nc.ChanSubscribe("_INBOX.test.*", replies)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	good := appendCommandRequest(nil, place("A", "c1", matching.Buy, 70000, 1))
	batch := appendBatchHeader(nil, "_INBOX.test")
	batch = appendEntry(batch, 7, []byte{WireVersion, kindCommand, 1})
	batch = appendEntry(batch, 8, good)
	if err := e.nc.PublishRequest(CmdSubject(3), "_INBOX.test.1", batch); err != nil {
		t.Fatal(err)
	}
	got := map[uint64]status{}
	for len(got) < 2 {
		select {
		case m := <-replies:
			if m.Subject != "_INBOX.test.r" {
				t.Fatalf("answer on %s, want the inbox's .r", m.Subject)
			}
			for rest := m.Data; len(rest) > 0; {
				var id uint64
				var body []byte
				if id, body, rest, err = nextEntry(rest); err != nil {
					t.Fatal(err)
				}
				got[id] = status(body[0])
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("answers so far %v, want ids 7 and 8", got)
		}
	}
	if got[7] != statusBadRequest || got[8] != statusOK {
		t.Errorf("answers %v, want 7 bad request, 8 ok", got)
	}

	torn := appendEntry(appendBatchHeader(nil, "_INBOX.test"), 9, good)
	torn = append(torn, 10, 200) // an entry claiming 200 bytes that are not there
	if err := e.nc.PublishRequest(CmdSubject(3), "_INBOX.test.2", torn); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-replies:
		if m.Subject != "_INBOX.test.2" || len(m.Data) == 0 || status(m.Data[0]) != statusBadRequest {
			t.Errorf("torn batch answered on %s with %q, want bad request on _INBOX.test.2", m.Subject, m.Data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer to a torn batch")
	}
	e.j.mu.Lock()
	defer e.j.mu.Unlock()
	if len(e.j.recs) != 1 {
		t.Errorf("journal holds %d records, want only the good entry's", len(e.j.recs))
	}
}

// FuzzBatchFraming: whatever frames cleanly re-frames to the same bytes,
// and nothing panics.
func FuzzBatchFraming(f *testing.F) {
	good := appendCommandRequest(nil, place("A", "c1", matching.Buy, 70000, 1))
	f.Add(appendEntry(appendEntry(appendBatchHeader(nil, "_INBOX.x"), 1, good), 2, nil))
	f.Add([]byte{WireVersion, kindBatch, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		inbox, entries, err := decodeBatchHeader(data)
		if err != nil || checkEntries(entries) != nil {
			return
		}
		again := appendBatchHeader(nil, string(inbox))
		for len(entries) > 0 {
			id, body, rest, _ := nextEntry(entries)
			again, entries = appendEntry(again, id, body), rest
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("%x re-framed as %x", data, again)
		}
	})
}

// TestSubmitConnectionClosed: requests waiting when the client's NATS
// connection closes learn at once that their outcome is unknown (they
// were sent), not after the timeout; later ones are refused as not sent.
func TestSubmitConnectionClosed(t *testing.T) {
	nc := connect(t, runSilentEngine(t))
	c := NewClient(nc, ClientConfig{Timeout: time.Minute})
	errs := make(chan error, 1)
	go func() {
		_, err := c.Submit(t.Context(), place("A", "c1", matching.Buy, 70000, 1))
		errs <- err
	}()
	waitFor(t, "the request to be sent", func() bool {
		c.mux.mu.Lock()
		defer c.mux.mu.Unlock()
		return len(c.mux.pending) == 1 && c.mux.count == 0
	})
	nc.Close()
	select {
	case err := <-errs:
		if !errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("Submit in flight when the connection closed = %v, want ErrOutcomeUnknown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Submit still waiting 5s after its connection closed")
	}
	if _, err := c.Submit(t.Context(), place("A", "c2", matching.Buy, 70000, 1)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Submit after the close = %v, want ErrUnavailable", err)
	}
}

// TestSubmitOverPayload: a request NATS could not carry is refused before
// it is sent, and the client goes on serving.
func TestSubmitOverPayload(t *testing.T) {
	e := startEngine(t, false, &memJournal{}, nil)
	if _, err := e.client.Submit(t.Context(), place("A", "c0", matching.Buy, 70000, 1)); err != nil {
		t.Fatal(err) // starts the mux, so its payload room is known
	}
	big := make([]byte, e.client.mux.room+1)
	if _, err := e.client.mux.do(t.Context(), time.Second, big); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a request over the payload limit = %v, want ErrUnavailable", err)
	}
	if _, err := e.client.Submit(t.Context(), place("A", "c1", matching.Buy, 70000, 1)); err != nil {
		t.Errorf("Submit after the refusal: %v", err)
	}
}

// TestOutboxesBounded: clients that came and went (a new inbox each) do
// not accumulate in the engine: past maxOutboxes, idle ones are forgotten.
func TestOutboxesBounded(t *testing.T) {
	e := startEngine(t, false, &memJournal{}, nil)
	srv, err := NewServer(e.nc, e.loop, ServerConfig{Partition: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	read := appendReadRequest(nil, &Query{Kind: QueryBalance, Account: "A"})
	for i := range 3 * maxOutboxes {
		batch := appendEntry(appendBatchHeader(nil, fmt.Sprintf("_INBOX.gone%d", i)), 1, read)
		srv.handle(&nats.Msg{Data: batch}) // as the subscription would, serially
	}
	if n := len(srv.boxes); n > maxOutboxes+1 {
		t.Errorf("%d outboxes kept after %d one-off clients, want at most %d", n, 3*maxOutboxes, maxOutboxes+1)
	}
}
