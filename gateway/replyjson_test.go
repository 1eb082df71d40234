package gateway

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// TestEncodeReplyMatchesMarshal: order replies written by hand are
// json.Marshal's bytes, and the hand-written path is the one taken.
func TestEncodeReplyMatchesMarshal(t *testing.T) {
	fill := matching.Event{
		Kind: matching.EvExec, Seq: 7, TS: 1795564865123456789, Symbol: "005930", Account: "A6",
		OrderID: 6, ClientOrderID: "c6", Cmd: matching.CmdPlace,
		ExecType: matching.ExecTrade, Status: matching.StatusFilled, Side: matching.Buy,
		Type: matching.Limit, TIF: matching.Day, Price: 71200, Qty: 25, CumQty: 25,
		CumValue: 1779000, LastPx: 71200, LastQty: 15, Liquidity: matching.Taker, TradeID: 3, Fee: 160, Tax: 20,
	}
	reject := matching.Event{Kind: matching.EvExec, Seq: 8, Account: "A6", Symbol: "005930", Cmd: matching.CmdPlace,
		ExecType: matching.ExecRejected, Status: matching.StatusRejected, Reason: matching.Reason(1), Extra: &matching.Extra{RefOrderID: 5}}
	res := api.OrderResult{Seq: 7, Reports: []api.ExecutionReport{ExecutionReport(&fill), ExecutionReport(&reject)}}
	replies := []api.Reply{
		{ID: json.RawMessage(`12345`), Status: 200, Result: res},
		{ID: json.RawMessage(`"r-1"`), Status: 200, Result: api.OrderResult{Seq: 1, Reports: []api.ExecutionReport{}}},
		{Status: 200, Result: api.OrderResult{}},
		{Status: 200, Result: api.OrderResult{Seq: 9, Reports: res.Reports, Truncated: true}},
		{ID: json.RawMessage(`"a\"b"`), Status: 422, Result: res, Error: &api.Error{Code: api.InsufficientFunds, Msg: "not enough cash"}},
		{ID: json.RawMessage(`-1.5e3`), Status: 503, Result: res, Error: &api.Error{Code: api.Busy, Msg: "busy", RetryAfterMs: 100}},
	}
	for _, rep := range replies {
		want, _ := json.Marshal(rep)
		got, ok := appendOrderReply(nil, &rep, new(rep.Result.(api.OrderResult)))
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("appendOrderReply (ok %v)\n got %s\nwant %s", ok, got, want)
		}
	}
}

func FuzzEncodeReply(f *testing.F) {
	f.Add("12345", "c6", "005930", "msg", int64(0), true)
	f.Add(`"a<b"`, "c&d", "\u2028", "\xff", int64(-5), false)
	f.Add(`[1, 2]`, `"q"`, `\`, "", int64(7), true)
	f.Fuzz(func(t *testing.T, id, coid, symbol, msg string, retry int64, withErr bool) {
		ev := matching.Event{Kind: matching.EvExec, Seq: 7, TS: 1795564865123456789, Symbol: symbol, Account: "A6",
			OrderID: 6, ClientOrderID: coid, ExecType: matching.ExecNew, Status: matching.StatusNew, Qty: 10, LeavesQty: 10}
		rep := api.Reply{ID: json.RawMessage(id), Status: 200, Result: api.OrderResult{Seq: 7, Reports: []api.ExecutionReport{ExecutionReport(&ev)}}}
		if withErr {
			rep.Status, rep.Error = 422, &api.Error{Code: api.Code(msg), Msg: msg, RetryAfterMs: retry}
		}
		want, err := json.Marshal(rep)
		if err != nil {
			return // not a valid id: never a request's
		}
		if got := encodeReply(&rep); !bytes.Equal(got, want) {
			t.Fatalf("encodeReply(%+v)\n got %s\nwant %s", rep, got, want)
		}
	})
}

// FuzzFormatTS holds FormatTS to time.Format's RFC 3339.
func FuzzFormatTS(f *testing.F) {
	for _, ts := range []int64{0, 1, 1795564865123456789, 1795564865000000000, 1795564865100000000, -1, math.MinInt64, math.MaxInt64} {
		f.Add(ts)
	}
	f.Fuzz(func(t *testing.T, ts int64) {
		if got, want := FormatTS(ts), time.Unix(0, ts).UTC().Format(time.RFC3339Nano); got != want {
			t.Fatalf("FormatTS(%d) = %s, want %s", ts, got, want)
		}
	})
}
