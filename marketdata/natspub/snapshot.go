package natspub

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/marketdata"
)

// The snapshot reply's error headers, as the NATS micro services framework
// names them, so that `nats req md.005930.snapshot x` shows them too.
const (
	errorHeader     = "Nats-Service-Error"
	errorCodeHeader = "Nats-Service-Error-Code"
)

// The error codes a snapshot reply may carry (HTTP-like).
const (
	CodeUnknownSymbol = 404 // the publisher has no such instrument
	CodeBusy          = 503 // the snapshot queue was full; ask again later
)

const snapshotWildcard = "md.*.snapshot"

// Snapshot errors.
var (
	// ErrUnknownSymbol: the publisher answered that it has no such symbol.
	ErrUnknownSymbol = errors.New("natspub: unknown symbol")
	// ErrSnapshot: the publisher answered with another error, or with a
	// reply that is not the symbol's depth message.
	ErrSnapshot = errors.New("natspub: snapshot request failed")
	// ErrBadSymbol: the symbol is not a single NATS subject token.
	ErrBadSymbol = errors.New("natspub: symbol is not a single subject token")
)

// Subject returns md.<symbol>.<stream>.
func Subject(symbol string, s marketdata.Stream) string {
	return "md." + symbol + "." + s.String()
}

// SnapshotSubject returns md.<symbol>.snapshot.
func SnapshotSubject(symbol string) string { return "md." + symbol + ".snapshot" }

// ValidSymbol reports whether symbol can stand in a subject as one token:
// 1 to marketdata.MaxSymbolLen printable ASCII characters, none of them
// '.', '*' or '>' (matching.Instrument.Validate's rule, and stricter: no
// control or non-ASCII bytes either).
func ValidSymbol(symbol string) bool {
	if symbol == "" || len(symbol) > marketdata.MaxSymbolLen {
		return false
	}
	for i := 0; i < len(symbol); i++ {
		if c := symbol[i]; c <= ' ' || c >= 0x7f || c == '.' || c == '*' || c == '>' {
			return false
		}
	}
	return true
}

// onSnapshot runs on the NATS subscription's goroutine: it queues the
// request for the builder goroutine, or refuses it at once when the queue
// is full (bounded: a burst of resyncs must not grow memory or stall NATS).
func (p *Publisher) onSnapshot(m *nats.Msg) {
	select {
	case p.snaps <- m:
	default:
		_ = p.nc.PublishMsg(errorReply(m.Reply, CodeBusy, "snapshot queue full"))
	}
}

// answer replies to one request from the builder's state; it runs on the
// publisher goroutine, between two commands.
func (p *Publisher) answer(m *nats.Msg) {
	if m.Reply == "" {
		return // a publish, not a request: nobody to answer
	}
	sym, _ := strings.CutPrefix(m.Subject, "md.")
	sym, _ = strings.CutSuffix(sym, ".snapshot")
	if m.Header.Get(streamHeader) == marketdata.StreamStatus.String() {
		p.answerStatus(m, sym)
		return
	}
	d, ok := p.b.Snapshot(sym)
	if !ok {
		p.report(failPublish, p.nc.PublishMsg(errorReply(m.Reply, CodeUnknownSymbol, "unknown symbol "+strconv.Quote(sym))))
		return
	}
	p.buf = d.Append(p.buf[:0])
	p.report(failPublish, p.nc.Publish(m.Reply, p.buf))
}

// streamHeader on a snapshot request names the stream wanted: absent, the
// book (Depth); "status", the symbol's latest Status (an empty reply when
// it has none yet).
const streamHeader = "Mts-Stream"

func (p *Publisher) answerStatus(m *nats.Msg, sym string) {
	if !p.b.HasSymbol(sym) {
		p.report(failPublish, p.nc.PublishMsg(errorReply(m.Reply, CodeUnknownSymbol, "unknown symbol "+strconv.Quote(sym))))
		return
	}
	p.buf = p.buf[:0]
	if st, ok := p.b.Status(sym); ok {
		p.buf = st.Append(p.buf)
	}
	p.report(failPublish, p.nc.Publish(m.Reply, p.buf))
}

// RequestStatus asks the publisher for symbol's latest market status. It
// returns the raw encoding (empty when the symbol has had no status yet),
// for a caller that feeds it where live status messages go.
func RequestStatus(ctx context.Context, nc *nats.Conn, symbol string) ([]byte, error) {
	req := nats.NewMsg(SnapshotSubject(symbol))
	req.Header.Set(streamHeader, marketdata.StreamStatus.String())
	r, err := nc.RequestMsgWithContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("natspub: status of %s: %w", symbol, err)
	}
	if code := r.Header.Get(errorCodeHeader); code != "" {
		return nil, fmt.Errorf("%w: %s: %s %s", ErrSnapshot, symbol, code, r.Header.Get(errorHeader))
	}
	return r.Data, nil
}

func errorReply(subject string, code int, text string) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Header.Set(errorHeader, text)
	m.Header.Set(errorCodeHeader, strconv.Itoa(code))
	return m
}

// RequestSnapshot asks the publisher for symbol's book and decodes the
// reply into dst: the top of the book as of book delta dst.Seq. The wait
// is bounded by ctx. Errors: ErrBadSymbol, ErrUnknownSymbol, ErrSnapshot
// (other error replies, bad replies), nats.ErrNoResponders (no publisher
// running), or the context's error.
func RequestSnapshot(ctx context.Context, nc *nats.Conn, symbol string, dst *marketdata.Depth) error {
	if !ValidSymbol(symbol) {
		return fmt.Errorf("%w: %q", ErrBadSymbol, symbol)
	}
	r, err := nc.RequestWithContext(ctx, SnapshotSubject(symbol), nil)
	if err != nil {
		return fmt.Errorf("natspub: snapshot of %s: %w", symbol, err)
	}
	if code := r.Header.Get(errorCodeHeader); code != "" {
		if code == strconv.Itoa(CodeUnknownSymbol) {
			return fmt.Errorf("%w: %s", ErrUnknownSymbol, symbol)
		}
		return fmt.Errorf("%w: %s: %s %s", ErrSnapshot, symbol, code, r.Header.Get(errorHeader))
	}
	if err := dst.Decode(r.Data); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSnapshot, symbol, err)
	}
	if dst.Symbol != symbol {
		return fmt.Errorf("%w: asked for %s, got %s", ErrSnapshot, symbol, dst.Symbol)
	}
	return nil
}
