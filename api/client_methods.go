package api

import (
	"context"
	"fmt"
	"time"
)

// The typed methods below are Call with the protocol's params and results.
// Order methods return the OrderResult even with an error when the reply
// carried one: an engine rejection comes back as an *Error (the reason
// code) together with the rejected execution report.

// Place sends order.place. After an error whose outcome is unknown
// (OUTCOME_UNKNOWN, a 5xx status, ctx ending), resend the same params with
// the same ClientOrderID: if the first one landed, the resend is rejected
// with DUPLICATE_CLIENT_ORDER_ID and the report's RefOrderID names it.
func (c *Client) Place(ctx context.Context, p PlaceParams) (*OrderResult, error) {
	return c.order(ctx, MethodPlace, p)
}

// PlaceAsync sends order.place without waiting. done runs exactly once:
// on the client's reader goroutine with the reply or OUTCOME_UNKNOWN if the
// connection is lost, or on the caller's goroutine before PlaceAsync
// returns if the request could not be sent (ErrNotConnected). done must not
// block: it holds up every reply and stream message of the connection.
// PlaceAsync itself waits while the send queue is full.
func (c *Client) PlaceAsync(p PlaceParams, done func(*OrderResult, error)) {
	c.orderAsync(MethodPlace, p, done)
}

// CancelAsync sends order.cancel without waiting; done runs as for
// PlaceAsync. The load generator uses it to keep cancels open-loop too.
func (c *Client) CancelAsync(p CancelParams, done func(*OrderResult, error)) {
	c.orderAsync(MethodCancel, p, done)
}

func (c *Client) orderAsync(method string, params any, done func(*OrderResult, error)) {
	_, _, err := c.start(context.Background(), method, params, func(env *envelope, err error) {
		if err != nil {
			done(nil, err)
			return
		}
		var r OrderResult
		done(orderReply(&r, decodeReply(env, &r)))
	})
	if err != nil {
		done(nil, err)
	}
}

// Amend sends order.amend.
func (c *Client) Amend(ctx context.Context, p AmendParams) (*OrderResult, error) {
	return c.order(ctx, MethodAmend, p)
}

// Cancel sends order.cancel.
func (c *Client) Cancel(ctx context.Context, p CancelParams) (*OrderResult, error) {
	return c.order(ctx, MethodCancel, p)
}

// CancelAll sends order.cancelAll: every open order of the account, in
// symbol only unless it is "".
func (c *Client) CancelAll(ctx context.Context, symbol string) (*OrderResult, error) {
	return c.order(ctx, MethodCancelAll, CancelAllParams{Symbol: symbol})
}

func (c *Client) order(ctx context.Context, method string, params any) (*OrderResult, error) {
	var r OrderResult
	return orderReply(&r, c.Call(ctx, method, params, &r))
}

// orderReply drops an empty result from an error reply, so a caller can
// test the result for nil.
func orderReply(r *OrderResult, err error) (*OrderResult, error) {
	if err != nil && r.Seq == 0 && len(r.Reports) == 0 {
		return nil, err
	}
	return r, err
}

// Status sends order.status.
func (c *Client) Status(ctx context.Context, p StatusParams) (*OrderState, error) {
	var r OrderState
	if err := c.Call(ctx, MethodStatus, p, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// OpenOrders sends orders.open until it has every page: the account's
// open orders, in symbol only unless it is "". The pages are read one after
// another, not at one instant: an order that changes meanwhile may show its
// state before or after the change (the executions stream has both).
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]OrderState, error) {
	var all []OrderState
	p := OpenOrdersParams{Symbol: symbol}
	for {
		var r OrdersResult
		if err := c.Call(ctx, MethodOpenOrders, p, &r); err != nil {
			return nil, err
		}
		all = append(all, r.Orders...)
		if r.Next == "" {
			return all, nil
		}
		if r.Next == p.After {
			return nil, fmt.Errorf("api: orders.open gave the same cursor %q twice", r.Next)
		}
		p.After = r.Next
	}
}

// Balance sends account.balance.
func (c *Client) Balance(ctx context.Context) (*BalanceResult, error) {
	var r BalanceResult
	if err := c.Call(ctx, MethodBalance, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Positions sends account.positions.
func (c *Client) Positions(ctx context.Context) (*PositionsResult, error) {
	var r PositionsResult
	if err := c.Call(ctx, MethodPositions, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Ping sends ping and returns the round trip time: the client's queue, the
// network and the gateway, not the engine.
func (c *Client) Ping(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	var r PingResult
	if err := c.Call(ctx, MethodPing, nil, &r); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
