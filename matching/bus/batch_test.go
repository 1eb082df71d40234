package bus

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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
	t.Logf("%d requests in %d messages, answered in %d", n, requests.Load(), replies.Load())
	if requests.Load() >= n || replies.Load() >= n {
		t.Errorf("%d requests took %d request messages and %d reply messages: no batching", n, requests.Load(), replies.Load())
	}
}
