package gateway

import (
	"context"
	"errors"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/matching"
)

// Backend is the engine as the gateway sees it (implemented over NATS elsewhere).
type Backend interface {
	Submit(ctx context.Context, cmd *matching.Command) (*Outcome, error)
	Query(ctx context.Context, q *Query) (*QueryResult, error)
	// fn runs on another goroutine, serially; evs valid only during the call.
	SubscribeExec(account string, fn func(evs []matching.Event)) (unsubscribe func() error, err error)
}

// Outcome is the engine's answer to one command: the command as the loop
// stamped it (Seq and TS) and every event it produced, for every account.
// The gateway shows a caller only the execution reports of its own account.
type Outcome struct {
	Cmd    matching.Command
	Events []matching.Event
}

// QueryKind says what a Query asks for.
type QueryKind uint8

// Query kinds.
const (
	QueryOrder      QueryKind = iota + 1 // one order, by OrderID or ClientOrderID
	QueryOpenOrders                      // the account's open orders (in Symbol, if set)
	QueryBalance                         // the account's cash
	QueryPositions                       // the account's holdings
)

// Query is a read of the engine's state, always scoped to one Account: the
// gateway sets it from the caller's token, never from params. After, for
// QueryOpenOrders, asks for the page of open orders after that one.
type Query struct {
	Kind          QueryKind
	Account       string
	Symbol        string
	OrderID       matching.OrderID
	ClientOrderID string
	After         matching.OrderKey
}

// QueryResult answers a Query; which fields are set depends on its Kind.
// Found is false when QueryOrder names no order of the account. Open orders
// come a page at a time, in matching.OrderKey order: More says that others
// follow the last one.
type QueryResult struct {
	Found     bool
	More      bool
	Orders    []matching.OrderView
	Balance   matching.BalanceView
	Positions []matching.PositionView
}

// Errors a Backend returns (or wraps). Each becomes a stable client code:
// ErrBusy BUSY (503, retry later: the command was not accepted),
// ErrUnavailable UNAVAILABLE (503), ErrOutcomeUnknown OUTCOME_UNKNOWN (504:
// the command may have been applied; query by client order id).
var (
	ErrOutcomeUnknown = errors.New("gateway: outcome unknown")
	ErrBusy           = errors.New("gateway: engine busy")
	ErrUnavailable    = errors.New("gateway: engine unavailable")
)

// MarketData is the market-data feed (implemented over NATS elsewhere). fn
// is called serially per (symbol, stream); m is valid only during the call.
// For StreamBook the first message is a *marketdata.Depth (snapshot), then
// *marketdata.BookDelta with contiguous Seq; a later *Depth means "replace
// the book" (resync). StreamTicker gives the latest ticker at once if there
// is one. StreamCandle carries every interval.
type MarketData interface {
	Subscribe(symbol string, stream marketdata.Stream, fn func(m marketdata.Message)) (unsubscribe func(), err error)
}
