package bus

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// mux is the Client's batching: it gathers the requests of every caller
// into as few NATS messages as the load allows, and routes the engine's
// batched replies back to the callers waiting on them.
//
// Why: a NATS message costs the same few microseconds whether it carries
// one request or fifty (the client's write, the server's parse and route,
// the receiver's parse and handler), and nats.go's request/reply adds a
// subject, a map entry and a timer per request on top. At load the engine
// answers whole batches at once, so per-request messages were most of the
// transport's cost (BENCHMARKS.md).
//
// How: a caller appends its request to the open batch and kicks the sender
// goroutine, which sends everything gathered since it last ran as one
// message. Batches form only while the sender is busy or waking up, so an
// idle gateway still sends each request at once. The engine answers on
// inbox+".r", one message per loop batch holding the replies of every
// request of this client in it (Server.flush); each reply carries its
// request's id.
//
// Batch n goes out with the reply subject inbox+"."+n. The engine never
// answers there except to refuse the whole batch before applying any of
// it, and NATS answers there with a 503 when no engine listens (no
// responders): either way every request of batch n still waiting is
// failed at once, as not applied.
type mux struct {
	nc      *nats.Conn
	subject string
	inbox   string // the subscription covers inbox.*
	limit   int    // bytes in one message: NATS's payload limit
	room    int    // bytes of one request alone in a message

	startMu sync.Mutex
	started atomic.Bool
	kick    chan struct{} // capacity 1: work for the sender

	mu      sync.Mutex
	open    []byte // the batch being gathered: header and entries
	openN   uint64 // its number
	count   int    // its entries
	sealed  []sealedBatch
	spare   [][]byte // sent batches' buffers, for reuse
	nextID  uint64
	pending map[uint64]*waiter
	waiters sync.Pool // *waiter
}

type sealedBatch struct {
	n    uint64
	data []byte
}

// waiter is one caller waiting for its reply.
type waiter struct {
	batch uint64
	ch    chan answer // capacity 1: exactly one answer is ever sent
}

// answer is a reply (status byte and payload) or the error that stands
// for one.
type answer struct {
	data []byte
	err  error
}

// keepBatchBytes bounds a batch buffer kept for reuse.
const keepBatchBytes = 256 << 10

func newMux(nc *nats.Conn, subject string) *mux {
	m := &mux{nc: nc, subject: subject, kick: make(chan struct{}, 1), pending: make(map[uint64]*waiter)}
	m.waiters.New = func() any { return &waiter{ch: make(chan answer, 1)} }
	return m
}

// start subscribes to the inbox and starts the sender, once it succeeds:
// a failure (NATS slow to confirm the subscription) is returned to that
// request alone, and the next one tries again.
func (m *mux) start() error {
	if m.started.Load() {
		return nil
	}
	m.startMu.Lock()
	defer m.startMu.Unlock()
	if m.started.Load() {
		return nil
	}
	inbox := m.nc.NewInbox()
	m.inbox = inbox
	// What one request may take: the payload limit less the header.
	m.limit = int(m.nc.MaxPayload())
	m.room = m.limit - len(appendBatchHeader(nil, inbox)) - entryOverhead
	replies := inbox + ".r"
	sub, err := m.nc.Subscribe(inbox+".*", func(msg *nats.Msg) { m.receive(msg, replies) })
	if err != nil {
		return fmt.Errorf("%w: subscribe %s: %w", ErrUnavailable, inbox, err)
	}
	// Called when the subscription's delivery ends: unsubscribed, or the
	// connection closed (which does not change a subscription's status, so
	// StatusChanged would never say).
	closed := make(chan struct{})
	sub.SetClosedHandler(func(string) { close(closed) })
	// The first request must not beat the SUB to the server: the engine's
	// replies would go nowhere.
	if err := m.nc.FlushTimeout(5 * time.Second); err != nil {
		sub.Unsubscribe()
		return fmt.Errorf("%w: subscribe %s: %w", ErrUnavailable, inbox, err)
	}
	go m.send(closed)
	m.started.Store(true) // publishes the fields above to enqueue's callers
	return nil
}

// do sends one request (a whole single-request encoding) and waits for its
// reply's payload.
func (m *mux) do(ctx context.Context, timeout time.Duration, body []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err) // never sent
	}
	if !m.nc.IsConnected() {
		// While nats.go reconnects it would buffer the request and maybe
		// send it later; refusing now keeps "not applied" certain.
		return nil, fmt.Errorf("%w: NATS %s", ErrUnavailable, m.nc.Status())
	}
	if err := m.start(); err != nil {
		return nil, err
	}
	w, id, err := m.enqueue(body)
	if err != nil {
		return nil, err
	}
	a := m.wait(ctx, timeout, w, id)
	m.waiters.Put(w)
	if a.err != nil {
		return nil, a.err
	}
	return replyPayload(a.data)
}

// enqueue adds body to the open batch and wakes the sender.
func (m *mux) enqueue(body []byte) (*waiter, uint64, error) {
	if len(body) > m.room {
		return nil, 0, fmt.Errorf("%w: %w", ErrUnavailable, nats.ErrMaxPayload) // never sent
	}
	w := m.waiters.Get().(*waiter)
	m.mu.Lock()
	if m.count > 0 && len(m.open)+len(body)+entryOverhead > m.limit {
		m.seal()
	}
	if m.count == 0 {
		m.openN++
		m.open = appendBatchHeader(m.takeBuffer(), m.inbox)
	}
	m.nextID++
	id := m.nextID
	w.batch = m.openN
	m.pending[id] = w
	m.open = appendEntry(m.open, id, body)
	m.count++
	m.mu.Unlock()
	select {
	case m.kick <- struct{}{}:
	default: // the sender has been kicked and has not run yet: it will take this too
	}
	return w, id, nil
}

// seal moves the open batch to the sealed list. m.mu is held.
func (m *mux) seal() {
	m.sealed = append(m.sealed, sealedBatch{n: m.openN, data: m.open})
	m.open, m.count = nil, 0
}

// takeBuffer returns a reusable batch buffer, emptied. m.mu is held.
func (m *mux) takeBuffer() []byte {
	if n := len(m.spare); n > 0 {
		b := m.spare[n-1]
		m.spare = m.spare[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 4096)
}

// wait waits for w's answer, or gives up on the caller's context or the
// timeout: then the outcome is unknown, unless the answer is already on
// its way, in which case it is taken.
func (m *mux) wait(ctx context.Context, timeout time.Duration, w *waiter, id uint64) answer {
	var expired <-chan time.Time
	// A caller's deadline within the timeout already bounds the request
	// (the gateway shares one among many requests): a timer per request
	// would only cost.
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > timeout {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var cause error
	select {
	case a := <-w.ch:
		return a
	case <-ctx.Done():
		cause = context.Cause(ctx)
	case <-expired:
		cause = fmt.Errorf("no answer in %v: %w", timeout, context.DeadlineExceeded) // as a context timeout would say
	}
	m.mu.Lock()
	_, waiting := m.pending[id]
	delete(m.pending, id)
	m.mu.Unlock()
	if !waiting {
		return <-w.ch // answered meanwhile: the answer is in the channel or about to be
	}
	return answer{err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, cause)}
}

// send is the sender goroutine: it sends what callers gathered, one
// message per batch, until the connection closes.
func (m *mux) send(closed <-chan struct{}) {
	var batches []sealedBatch
	for {
		select {
		case <-m.kick:
		case <-closed:
			m.failAll(fmt.Errorf("%w: NATS connection closed", ErrOutcomeUnknown))
			return
		}
		m.mu.Lock()
		if m.count > 0 {
			m.seal()
		}
		batches = append(batches[:0], m.sealed...)
		clear(m.sealed)
		m.sealed = m.sealed[:0]
		m.mu.Unlock()
		for _, b := range batches {
			m.publish(b)
		}
		m.mu.Lock()
		for _, b := range batches {
			if cap(b.data) <= keepBatchBytes {
				m.spare = append(m.spare, b.data)
			}
		}
		m.mu.Unlock()
		clear(batches)
	}
}

// publish sends one batch. nats.go copies it into its buffer, so the
// buffer may be reused at once.
func (m *mux) publish(b sealedBatch) {
	if !m.nc.IsConnected() {
		m.failBatch(b.n, fmt.Errorf("%w: NATS %s", ErrUnavailable, m.nc.Status())) // never sent
		return
	}
	if err := m.nc.PublishRequest(m.subject, m.inbox+"."+strconv.FormatUint(b.n, 10), b.data); err != nil {
		m.failBatch(b.n, transportError(err))
	}
}

// receive handles every message on the inbox: a batch of replies, or a
// refusal of one whole batch (by the engine, or NATS's no responders).
func (m *mux) receive(msg *nats.Msg, replies string) {
	if msg.Subject == replies {
		m.deliver(msg.Data)
		return
	}
	n, err := strconv.ParseUint(msg.Subject[strings.LastIndexByte(msg.Subject, '.')+1:], 10, 64)
	if err != nil {
		return // not ours to read
	}
	if len(msg.Data) == 0 && msg.Header.Get("Status") == "503" {
		m.failBatch(n, fmt.Errorf("%w: no engine on the partition", ErrUnavailable))
		return
	}
	if _, err := replyPayload(msg.Data); err != nil {
		m.failBatch(n, err)
	}
}

// deliver hands each reply of a batch to its waiter. A reply nobody waits
// for (its caller gave up) is dropped; a batch that does not frame is
// dropped from there on, like a lost message: its callers time out.
func (m *mux) deliver(data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(data) > 0 {
		id, body, rest, err := nextEntry(data)
		if err != nil {
			return
		}
		data = rest
		if w, ok := m.pending[id]; ok {
			delete(m.pending, id)
			w.ch <- answer{data: body} // nats.go gives each message its own Data
		}
	}
}

// failBatch answers every request of batch n still waiting with err.
func (m *mux) failBatch(n uint64, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, w := range m.pending {
		if w.batch == n {
			delete(m.pending, id)
			w.ch <- answer{err: err}
		}
	}
}

// failAll answers every waiting request with err.
func (m *mux) failAll(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, w := range m.pending {
		delete(m.pending, id)
		w.ch <- answer{err: err}
	}
}
