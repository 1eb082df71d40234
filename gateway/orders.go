package gateway

import (
	"context"
	"errors"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// orderEntry serves order.place, order.amend and order.cancel. The account
// is the token's, never a param: DecodeCommand takes it separately.
func orderEntry(c *conn, r *call) answer {
	cmd, err := DecodeCommand(r.method, r.params, c.account, r.now.UnixNano())
	if err != nil {
		return fail(err.(*api.Error))
	}
	return c.submit(r.ctx, &cmd)
}

// cancelAll serves order.cancelAll: every open order of the account, in
// one symbol if given.
func cancelAll(c *conn, r *call) answer {
	var p api.CancelAllParams
	if err := decodeParams(r.params, &p); err != nil {
		return fail(err)
	}
	cmd := matching.Command{Kind: matching.CmdCancelAll, Account: c.account, Symbol: p.Symbol, TS: r.now.UnixNano()}
	return c.submit(r.ctx, &cmd)
}

func (c *conn) submit(ctx context.Context, cmd *matching.Command) answer {
	out, err := c.srv.cfg.Backend.Submit(ctx, cmd)
	if err != nil {
		return fail(c.srv.backendError(err, true))
	}
	return orderAnswer(out, c.account, c.srv.cfg.Calendar)
}

// orderAnswer is the reply to a command: the caller's own execution
// reports (never another account's, such as a maker's fill), and on a
// rejection its reason as the error beside them. Beyond
// api.MaxReplyReports it keeps the first and the latest (see
// api.OrderResult), so that a cancelAll of ten thousand orders does not
// make a frame of megabytes, over what clients read in one piece.
func orderAnswer(out *Outcome, account string, cal *Calendar) answer {
	mine := func(e *matching.Event) bool { return e.Kind == matching.EvExec && e.Account == account }
	n := 0
	for i := range out.Events {
		if mine(&out.Events[i]) {
			n++
		}
	}
	res := api.OrderResult{Seq: out.Cmd.Seq, Reports: make([]api.ExecutionReport, 0, min(n, api.MaxReplyReports))}
	skip := 0 // the reports after the first that do not fit
	if n > api.MaxReplyReports {
		skip, res.Truncated = n-api.MaxReplyReports, true
	}
	var rej *api.Error
	k := 0
	for i := range out.Events {
		e := &out.Events[i]
		if !mine(e) {
			continue
		}
		if k++; k > 1 && k <= 1+skip {
			continue
		}
		r := clientReport(e, cal)
		res.Reports = append(res.Reports, r)
		if e.ExecType == matching.ExecRejected && rej == nil {
			rej = &api.Error{Code: r.Reason, Msg: r.Reason.Text()}
		}
	}
	return answer{result: res, err: rej}
}

// clientReport is the execution report a client gets: a fill carries its
// trade date (KST) and T+2 settlement date, as in the journal.
func clientReport(e *matching.Event, cal *Calendar) api.ExecutionReport {
	r := ExecutionReport(e)
	if e.ExecType == matching.ExecTrade {
		r.TradeDate, r.SettlementDate = cal.fillDates(e.TS)
	}
	return r
}

// backendError maps a Backend error to its client code. A command whose
// answer is lost has an unknown outcome (OUTCOME_UNKNOWN, or INTERNAL for
// an error the Backend did not classify); a query merely timed out.
func (s *Server) backendError(err error, command bool) *api.Error {
	switch {
	case errors.Is(err, ErrBusy):
		return &api.Error{Code: api.Busy, Msg: "the engine is busy; the request was not accepted", RetryAfterMs: millis(s.cfg.BusyRetryAfter)}
	case errors.Is(err, ErrUnavailable):
		return api.Errorf(api.Unavailable, "the engine is not available")
	case !command && errors.Is(err, context.DeadlineExceeded):
		return api.Errorf(api.Timeout, "no answer in time")
	case errors.Is(err, ErrOutcomeUnknown), errors.Is(err, context.DeadlineExceeded):
		return api.Errorf(api.OutcomeUnknown, "no answer in time: the outcome is unknown, query by client order id")
	}
	s.cfg.Logger.Error("gateway: backend", "err", err)
	return api.Errorf(api.Internal, "internal error: the outcome is unknown, query by client order id")
}
