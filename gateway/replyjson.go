package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/mts-krx/mts/api"
)

// encodeReply renders a reply. Order replies, most of all traffic, are
// written by hand (json.Marshal's reflection over some thirty fields of
// each report was a twentieth of the server's CPU per order); anything
// else, or any string that json.Marshal would escape, goes through
// json.Marshal, so the bytes are always json.Marshal's
// (TestEncodeReplyMatchesMarshal and FuzzEncodeReply hold them to it).
func encodeReply(rep *api.Reply) []byte {
	if res, ok := rep.Result.(api.OrderResult); ok {
		b := make([]byte, 0, 64+448*len(res.Reports))
		if b, ok = appendOrderReply(b, rep, &res); ok {
			return b
		}
	}
	return mustJSON(rep)
}

func appendOrderReply(b []byte, rep *api.Reply, res *api.OrderResult) ([]byte, bool) {
	if !plainRaw(rep.ID) {
		return b, false
	}
	ok := true
	b = append(b, '{')
	if len(rep.ID) > 0 {
		b = append(b, `"id":`...)
		b = append(b, rep.ID...)
		b = append(b, ',')
	}
	b = append(b, `"status":`...)
	b = strconv.AppendInt(b, int64(rep.Status), 10)
	b = append(b, `,"result":{"seq":`...)
	b = strconv.AppendUint(b, res.Seq, 10)
	b = append(b, `,"reports":`...)
	if res.Reports == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range res.Reports {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendReport(b, &res.Reports[i], &ok)
		}
		b = append(b, ']')
	}
	if res.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	b = append(b, '}')
	if e := rep.Error; e != nil {
		b = field(b, `,"error":{"code":`, string(e.Code), &ok)
		b = field(b, `,"msg":`, e.Msg, &ok)
		if e.RetryAfterMs != 0 {
			b = append(b, `,"retryAfterMs":`...)
			b = strconv.AppendInt(b, e.RetryAfterMs, 10)
		}
		b = append(b, '}')
	}
	return append(b, '}'), ok
}

// appendReport writes an ExecutionReport as json.Marshal does: fields in
// declaration order, omitempty ones left out when empty.
func appendReport(b []byte, r *api.ExecutionReport, ok *bool) []byte {
	b = field(b, `{"type":`, r.Type, ok)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, r.Seq, 10)
	b = field(b, `,"ts":`, r.TS, ok)
	b = field(b, `,"account":`, r.Account, ok)
	b = field(b, `,"symbol":`, r.Symbol, ok)
	b = omitEmpty(b, `,"orderId":`, string(r.OrderID), ok)
	b = omitEmpty(b, `,"clientOrderId":`, r.ClientOrderID, ok)
	b = field(b, `,"request":`, r.Request, ok)
	b = field(b, `,"execType":`, r.ExecType, ok)
	b = field(b, `,"status":`, r.Status, ok)
	b = omitEmpty(b, `,"reason":`, string(r.Reason), ok)
	b = omitEmpty(b, `,"side":`, r.Side, ok)
	b = omitEmpty(b, `,"ordType":`, r.OrdType, ok)
	b = omitEmpty(b, `,"tif":`, r.TIF, ok)
	b = omitEmpty(b, `,"price":`, string(r.Price), ok)
	b = omitEmpty(b, `,"stopPrice":`, string(r.StopPrice), ok)
	b = field(b, `,"qty":`, string(r.Qty), ok)
	b = field(b, `,"cumQty":`, string(r.CumQty), ok)
	b = field(b, `,"leavesQty":`, string(r.LeavesQty), ok)
	b = field(b, `,"avgPx":`, string(r.AvgPx), ok)
	b = omitEmpty(b, `,"lastPx":`, string(r.LastPx), ok)
	b = omitEmpty(b, `,"lastQty":`, string(r.LastQty), ok)
	b = omitEmpty(b, `,"liquidity":`, r.Liquidity, ok)
	b = omitEmpty(b, `,"tradeId":`, r.TradeID, ok)
	b = omitEmpty(b, `,"fee":`, string(r.Fee), ok)
	b = omitEmpty(b, `,"tax":`, string(r.Tax), ok)
	b = omitEmpty(b, `,"refOrderId":`, string(r.RefOrderID), ok)
	b = omitEmpty(b, `,"tradeDate":`, r.TradeDate, ok)
	b = omitEmpty(b, `,"settlementDate":`, r.SettlementDate, ok)
	return append(b, '}')
}

func omitEmpty(b []byte, key, v string, ok *bool) []byte {
	if v == "" {
		return b
	}
	return field(b, key, v, ok)
}

// field appends key and v as a JSON string; a v that json.Marshal would
// escape clears ok.
func field(b []byte, key, v string, ok *bool) []byte {
	b = append(b, key...)
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if !plainByte(v[i]) {
			*ok = false
		}
	}
	b = append(b, v...)
	return append(b, '"')
}

// plainByte is a byte json.Marshal writes as it is inside a string.
func plainByte(c byte) bool {
	return 0x20 <= c && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// plainRaw reports whether json.Marshal copies raw (a request id, valid
// JSON) unchanged: no whitespace to compact, nothing to escape.
func plainRaw(raw json.RawMessage) bool {
	for _, c := range raw {
		if c == ' ' || !plainByte(c) && c != '"' && c != '\\' {
			return false
		}
	}
	return true
}
