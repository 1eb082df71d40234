package api

import (
	"bytes"
	"encoding/json"
)

// A fast path for what a busy client reads most: every frame's envelope,
// and order replies (OrderResult with its execution reports), read without
// reflection from input already known to be valid JSON (validJSON, the
// same check encoding/json makes first). It only ever answers "this is
// what json.Unmarshal would have produced", or "not mine": a key that
// matches a field only case-insensitively, null, escapes or non-ASCII in a
// string, a number that is not a plain integer, an "error" object, all go
// to json.Unmarshal. Keys that match no field are skipped, as
// json.Unmarshal ignores them. client_fast_test.go holds it to
// json.Unmarshal by differential fuzzing. (Frames of the busiest streams
// skip the envelope: fastStreamFrame reads their type from the prefix and
// decodes the message at once; FuzzFastStreamFrame holds that to the
// envelope pass.)

// fastEnvelope reads data's envelope; data must be valid JSON.
func fastEnvelope(data []byte, env *envelope) bool {
	var e envelope
	ok := fastObject(data, func(key, v []byte) bool {
		switch string(key) {
		case "id":
			e.ID = v
		case "status":
			e.Status.UnmarshalJSON(v) // any value: it reads numbers, anything else is 0
		case "result":
			e.Result = v
		case "type":
			s, ok := plainString(v)
			e.Type = internType(s)
			return ok
		default:
			return !foldsTo(key, "id", "status", "type", "result", "error")
		}
		return true
	})
	if ok {
		*env = e
	}
	return ok
}

// peekType returns the type of a frame that starts {"type":"…", as every
// stream frame the server writes does; false for any other frame. A type
// holding an escape is returned raw and matches no stream type.
func peekType(data []byte) (string, bool) {
	const prefix = `{"type":"`
	if !bytes.HasPrefix(data, []byte(prefix)) {
		return "", false
	}
	v := data[len(prefix):]
	end := bytes.IndexByte(v, '"')
	if end < 0 {
		return "", false
	}
	return internType(v[:end]), true
}

// internType returns the message type s names as the package's constant,
// so that the several hundred thousand stream frames a second of a busy
// subscriber cost no allocation for their type; an unknown type is copied.
func internType(s []byte) string {
	switch string(s) { // no allocation: the compiler compares the bytes
	case TypeBookDelta:
		return TypeBookDelta
	case TypeMarketTrade:
		return TypeMarketTrade
	case TypeTicker:
		return TypeTicker
	case TypeDepth:
		return TypeDepth
	case TypeCandle:
		return TypeCandle
	case TypeBookSnapshot:
		return TypeBookSnapshot
	case TypeExecution:
		return TypeExecution
	}
	return string(s)
}

// fastOrderResult reads an order reply's result; data must be valid JSON.
// Every string of the result is a substring of one copy of data.
func fastOrderResult(data []byte, r *OrderResult) bool {
	var res OrderResult
	ok := fastObject(string(data), func(key, v string) bool {
		switch key {
		case "seq":
			var ok bool
			res.Seq, ok = plainUint(v)
			return ok
		case "reports":
			var ok bool
			res.Reports, ok = fastReports(v)
			return ok
		case "truncated":
			res.Truncated = v == "true"
			return v == "true" || v == "false"
		}
		return !foldsTo(key, "seq", "reports", "truncated")
	})
	if ok {
		*r = res
	}
	return ok
}

func fastReports(v string) ([]ExecutionReport, bool) {
	if len(v) == 0 || v[0] != '[' {
		return nil, false
	}
	reports := []ExecutionReport{}
	i := skipWS(v, 1)
	if v[i] == ']' {
		return reports, true
	}
	for {
		end := skipValid(v, i)
		var r ExecutionReport
		if !fastReport(v[i:end], &r) {
			return nil, false
		}
		reports = append(reports, r)
		i = skipWS(v, end)
		if v[i] == ']' {
			return reports, true
		}
		i = skipWS(v, i+1) // past the comma
	}
}

func fastReport(v string, r *ExecutionReport) bool {
	return fastObject(v, func(key, v string) bool {
		if key == "seq" {
			var ok bool
			r.Seq, ok = plainUint(v)
			return ok
		}
		p := r.stringField(key)
		if p == nil {
			return !foldsTo(key, reportFields...)
		}
		var ok bool
		*p, ok = plainString(v)
		return ok
	})
}

// reportFields are ExecutionReport's JSON names.
var reportFields = []string{
	"type", "seq", "ts", "account", "symbol", "orderId", "clientOrderId", "request", "execType", "status",
	"reason", "side", "ordType", "tif", "price", "stopPrice", "qty", "cumQty", "leavesQty", "avgPx",
	"lastPx", "lastQty", "liquidity", "tradeId", "fee", "tax", "refOrderId", "tradeDate", "settlementDate",
}

// stringField returns the string field named key (exactly), or nil.
func (r *ExecutionReport) stringField(key string) *string {
	switch key {
	case "type":
		return &r.Type
	case "ts":
		return &r.TS
	case "account":
		return &r.Account
	case "symbol":
		return &r.Symbol
	case "orderId":
		return (*string)(&r.OrderID)
	case "clientOrderId":
		return &r.ClientOrderID
	case "request":
		return &r.Request
	case "execType":
		return &r.ExecType
	case "status":
		return &r.Status
	case "reason":
		return (*string)(&r.Reason)
	case "side":
		return &r.Side
	case "ordType":
		return &r.OrdType
	case "tif":
		return &r.TIF
	case "price":
		return (*string)(&r.Price)
	case "stopPrice":
		return (*string)(&r.StopPrice)
	case "qty":
		return (*string)(&r.Qty)
	case "cumQty":
		return (*string)(&r.CumQty)
	case "leavesQty":
		return (*string)(&r.LeavesQty)
	case "avgPx":
		return (*string)(&r.AvgPx)
	case "lastPx":
		return (*string)(&r.LastPx)
	case "lastQty":
		return (*string)(&r.LastQty)
	case "liquidity":
		return &r.Liquidity
	case "tradeId":
		return &r.TradeID
	case "fee":
		return (*string)(&r.Fee)
	case "tax":
		return (*string)(&r.Tax)
	case "refOrderId":
		return (*string)(&r.RefOrderID)
	case "tradeDate":
		return &r.TradeDate
	case "settlementDate":
		return &r.SettlementDate
	}
	return nil
}

// foldsTo reports whether key names one of fields the way json.Unmarshal
// matches names (case-insensitively), or might (a key that is not plain
// ASCII); such a key is not the fast path's to decide.
func foldsTo[T ~string | ~[]byte](key T, fields ...string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= 0x80 {
			return true
		}
	}
	for _, f := range fields {
		if equalFoldASCII(key, f) {
			return true
		}
	}
	return false
}

func equalFoldASCII[T ~string | ~[]byte](a T, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// fastObject calls f with each key's contents and raw value of the object
// data (valid JSON), until f returns false. A key with escapes or
// non-ASCII is not plain: fastObject returns false.
func fastObject[T ~string | ~[]byte](data T, f func(key, v T) bool) bool {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipWS(data, i+1)
	if data[i] == '}' {
		return true
	}
	for {
		kend := skipValid(data, i)
		key, ok := plainString(data[i:kend])
		if !ok {
			return false
		}
		vs := skipWS(data, skipWS(data, kend)+1) // past the colon
		ve := skipValid(data, vs)
		if !f(key, data[vs:ve]) {
			return false
		}
		i = skipWS(data, ve)
		if data[i] == '}' {
			return true
		}
		i = skipWS(data, i+1) // past the comma
	}
}

// plainString returns the contents of a JSON string of printable ASCII
// without escapes.
func plainString[T ~string | ~[]byte](v T) (T, bool) {
	if len(v) < 2 || v[0] != '"' {
		return v[:0], false
	}
	for i := 1; i < len(v)-1; i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == '\\' || c == '"' {
			return v[:0], false
		}
	}
	return v[1 : len(v)-1], true
}

// plainUint reads a JSON integer of at most 19 digits (it fits a uint64).
func plainUint(v string) (uint64, bool) {
	if len(v) == 0 || len(v) > 19 || (v[0] == '0' && len(v) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

func skipWS[T ~string | ~[]byte](data T, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValid returns the end of the value at i of valid JSON.
func skipValid[T ~string | ~[]byte](data T, i int) int {
	depth := 0
	for ; i < len(data); i++ {
		switch data[i] {
		case '"':
			i++
			for data[i] != '"' {
				if data[i] == '\\' {
					i++
				}
				i++
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// decodeEnvelope reads the envelope of a frame already checked to be valid
// JSON.
func decodeEnvelope(data []byte, env *envelope) bool {
	return fastEnvelope(data, env) || json.Unmarshal(data, env) == nil
}

// fastResult decodes an order reply's result (valid JSON: the frame was
// checked) into an *OrderResult; false for any other result type, or
// anything the fast path does not take.
func fastResult(data []byte, result any) bool {
	r, ok := result.(*OrderResult)
	return ok && fastOrderResult(data, r)
}
