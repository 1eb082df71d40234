package main

import (
	"context"
	"errors"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/gateway"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/matching/bus"
)

// busBackend is the gateway's view of the engine over NATS: it adapts
// bus.Client to gateway.Backend. The two packages declare the same shapes
// separately so that the gateway can be tested without NATS and the bus
// without a gateway; this is the one place they meet.
type busBackend struct{ c *bus.Client }

func newBusBackend(c *bus.Client) gateway.Backend { return busBackend{c} }

func (b busBackend) Submit(ctx context.Context, cmd *matching.Command) (*gateway.Outcome, error) {
	// The engine stamps Seq and TS; the bus refuses a command that
	// arrives with either set, so the gateway's receive time stays here.
	c := *cmd
	c.Seq, c.TS = 0, 0
	out, err := b.c.Submit(ctx, &c)
	if err != nil {
		return nil, gatewayError(err)
	}
	return &gateway.Outcome{Cmd: out.Cmd, Events: out.Events}, nil
}

func (b busBackend) Query(ctx context.Context, q *gateway.Query) (*gateway.QueryResult, error) {
	res, err := b.c.Query(ctx, &bus.Query{Kind: bus.QueryKind(q.Kind), Account: q.Account, Symbol: q.Symbol,
		OrderID: q.OrderID, ClientOrderID: q.ClientOrderID, After: q.After})
	if err != nil {
		return nil, gatewayError(err)
	}
	return &gateway.QueryResult{Found: res.Found, More: res.More, Orders: res.Orders, Balance: res.Balance, Positions: res.Positions}, nil
}

func (b busBackend) SubscribeExec(account string, fn func(evs []matching.Event)) (func() error, error) {
	return b.c.SubscribeExec(account, fn)
}

// gatewayError maps the bus's errors onto the gateway's, keeping the cause
// for logs. A request the engine could not decode was not applied: the
// gateway validated it, so this is a version mismatch, reported as
// unavailable rather than as the client's fault.
func gatewayError(err error) error {
	switch {
	case errors.Is(err, bus.ErrBusy):
		return errors.Join(gateway.ErrBusy, err)
	case errors.Is(err, bus.ErrUnavailable), errors.Is(err, bus.ErrBadRequest):
		return errors.Join(gateway.ErrUnavailable, err)
	case errors.Is(err, bus.ErrOutcomeUnknown), errors.Is(err, context.DeadlineExceeded):
		return errors.Join(gateway.ErrOutcomeUnknown, err)
	}
	return err
}

// The query kinds are converted by value: each line fails to compile if
// the two packages ever number one differently.
var (
	_ = [1]struct{}{}[int(bus.QueryOrder)-int(gateway.QueryOrder)]
	_ = [1]struct{}{}[int(bus.QueryOpenOrders)-int(gateway.QueryOpenOrders)]
	_ = [1]struct{}{}[int(bus.QueryBalance)-int(gateway.QueryBalance)]
	_ = [1]struct{}{}[int(bus.QueryPositions)-int(gateway.QueryPositions)]
	// The engine's page of open orders is the page the protocol promises.
	_ = [1]struct{}{}[bus.OpenOrdersPage-api.OpenOrdersPage]
)
