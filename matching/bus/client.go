package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/matching"
)

// The client's errors. Each says whether the command may have been applied.
var (
	// ErrOutcomeUnknown: the request went out but no answer says what
	// became of it (timeout, connection lost after sending, or the engine's
	// journal failed): query by client order id before retrying.
	ErrOutcomeUnknown = errors.New("bus: outcome unknown; query by client order id")
	// ErrBusy: the engine's input queue was full; not applied.
	ErrBusy = errors.New("bus: engine busy; not applied")
	// ErrUnavailable: no engine listens on the partition (NATS no
	// responders), the engine is stopped, or NATS was down before the
	// request was sent; not applied.
	ErrUnavailable = errors.New("bus: engine unavailable; not applied")
	// ErrBadRequest: the engine could not read the request, or a string
	// in it is over matching.MaxStringLen (then it also wraps
	// matching.ErrTooLong); not applied. It is a bug in the sender.
	ErrBadRequest = errors.New("bus: bad request; not applied")
)

// ClientConfig configures a Client.
type ClientConfig struct {
	Partition int           // the engine partition to send to
	Timeout   time.Duration // per request; default 5s
}

// Client is the gateway's end of the bus. It is safe for concurrent use.
// Concurrent Submits and Querys share NATS messages both ways (mux.go).
type Client struct {
	nc      *nats.Conn
	timeout time.Duration
	mux     *mux
	bufs    sync.Pool // *[]byte request encodings
}

// Outcome is a command's answer: the command as journaled, stamped with Seq
// and TS, and every event it produced.
type Outcome struct {
	Cmd    matching.Command
	Events []matching.Event
}

// NewClient returns a client of partition cfg.Partition over nc.
func NewClient(nc *nats.Conn, cfg ClientConfig) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	c := &Client{nc: nc, timeout: cfg.Timeout, mux: newMux(nc, CmdSubject(cfg.Partition))}
	c.bufs.New = func() any { b := make([]byte, 0, 256); return &b }
	return c
}

// Submit sends a command (Account set from the authenticated session, Seq
// and TS zero) and waits for its outcome, which arrives only once the
// command is durable. The error, if any, is one of the package's four, and
// says whether the command may have been applied.
func (c *Client) Submit(ctx context.Context, cmd *matching.Command) (*Outcome, error) {
	if !matching.FitsCodec(cmd) {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, matching.ErrTooLong)
	}
	bp := c.bufs.Get().(*[]byte)
	*bp = appendCommandRequest((*bp)[:0], cmd)
	data, err := c.request(ctx, *bp)
	c.bufs.Put(bp)
	if err != nil {
		return nil, err
	}
	out := &Outcome{}
	if out.Events, err = matching.DecodeRecord(data, &out.Cmd, nil); err != nil {
		return nil, fmt.Errorf("%w: undecodable answer: %w", ErrOutcomeUnknown, err)
	}
	return out, nil
}

// Query sends a read and waits for the answer, which reflects every
// command the engine received before it and only state that is durable.
// A read changes nothing, so any error may simply be retried.
func (c *Client) Query(ctx context.Context, q *Query) (*QueryResult, error) {
	if !queryFits(q) {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, matching.ErrTooLong)
	}
	bp := c.bufs.Get().(*[]byte)
	*bp = appendReadRequest((*bp)[:0], q)
	data, err := c.request(ctx, *bp)
	c.bufs.Put(bp)
	if err != nil {
		return nil, err
	}
	r := &QueryResult{}
	k, err := decodeReadReply(data, r)
	if err == nil && k != q.Kind {
		err = fmt.Errorf("%w: answer of kind %d to a query of kind %d", errWire, k, q.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: undecodable answer: %w", ErrOutcomeUnknown, err)
	}
	return r, nil
}

// request sends data (one request's encoding) in the client's next batch
// and returns its ok reply's payload, or the error the reply or the
// transport amounts to.
func (c *Client) request(ctx context.Context, data []byte) ([]byte, error) {
	return c.mux.do(ctx, c.timeout, data)
}

// transportError classifies a failed NATS request. Only errors that nats.go
// returns before anything is written are "not applied"; a closed or lost
// connection is ambiguous (it may have gone after sending), so it is
// outcome unknown, which is never wrong, only costlier.
func transportError(err error) error {
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return fmt.Errorf("%w: no engine on the partition", ErrUnavailable)
	case errors.Is(err, nats.ErrMaxPayload), errors.Is(err, nats.ErrBadSubject),
		errors.Is(err, nats.ErrInvalidConnection), errors.Is(err, nats.ErrConnectionDraining):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
}

// replyPayload checks a reply's status and returns its payload.
func replyPayload(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty answer", ErrOutcomeUnknown)
	}
	reason := data[1:] // formatted only on errors: an ok payload is not copied
	switch status(data[0]) {
	case statusOK:
		return data[1:], nil
	case statusBusy:
		return nil, ErrBusy
	case statusUnavailable:
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, reason)
	case statusOutcomeUnknown:
		return nil, fmt.Errorf("%w: %s", ErrOutcomeUnknown, reason)
	case statusTooLong:
		return nil, fmt.Errorf("%w: %w: %s", ErrBadRequest, matching.ErrTooLong, reason)
	case statusBadRequest:
		return nil, fmt.Errorf("%w: %s", ErrBadRequest, reason)
	}
	return nil, fmt.Errorf("%w: unknown answer status %d", ErrOutcomeUnknown, data[0])
}

// SubscribeExec calls fn with each batch of the account's events (see
// doc.go for which). fn runs on a NATS goroutine, serially; evs are valid
// only during the call. A message that does not decode is dropped, like a
// lost one: the stream is never the record.
func (c *Client) SubscribeExec(account string, fn func(evs []matching.Event)) (unsubscribe func() error, err error) {
	var evs []matching.Event // reused: the handler runs serially
	sub, err := c.nc.Subscribe(ExecSubject(account), func(m *nats.Msg) {
		var err error
		if evs, err = decodeExec(m.Data, evs[:0]); err == nil {
			fn(evs)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe exec: %w", err)
	}
	return sub.Unsubscribe, nil
}

// SubscribeJournal calls fn with each committed journal record, in seq
// order as the engine published them (a gap means lost messages: read the
// journal). A record too large for one message comes in parts, put back
// together here. fn runs on a NATS goroutine, serially; payload is valid
// only during the call.
func (c *Client) SubscribeJournal(fn func(seq uint64, ts int64, payload []byte)) (unsubscribe func() error, err error) {
	var parts journalParts
	sub, err := c.nc.Subscribe(JournalSubject, func(m *nats.Msg) {
		seq, ts, payload, err := decodeJournal(m.Data)
		if err != nil {
			return
		}
		if v := m.Header.Get(PartHeader); v != "" {
			off, total, ok := parsePart(v)
			if !ok {
				return
			}
			if payload, ok = parts.add(seq, off, total, payload); !ok {
				return
			}
		}
		fn(seq, ts, payload)
	})
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe journal: %w", err)
	}
	return sub.Unsubscribe, nil
}
