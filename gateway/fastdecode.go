package gateway

import (
	"bytes"

	"github.com/mts-krx/mts/api"
)

// A fast path for the requests that make up nearly all traffic: the
// envelope, and the params of order.place and order.cancel, written the
// way every client library writes them. It reads them without reflection
// and with one allocation each (a copy of the frame; a string of the
// params that every field is a substring of), where api.DecodeStrict's
// encoding/json decoder cost about a sixth of the server's CPU per order.
//
// The fast path only ever answers "this is what DecodeStrict would have
// produced, without error", or "not mine": anything outside its narrow
// shape (escapes, non-ASCII, null, a key spelled in another case, a value
// of a type it does not expect, any syntax error) goes to DecodeStrict,
// which produces the result or the exact error it always has. The
// differential fuzz tests in fastdecode_test.go hold it to that.

// maxFastFields bounds the fields the fast path reads of one object; more
// go to DecodeStrict.
const maxFastFields = 16

// fastField is one key and plain value of an object.
type fastField struct {
	key, val string
	str      bool // val is a JSON string's contents; else true or false
}

// fastRequest reads an envelope {"id","method","params"} (data already
// trimmed). The id and params alias one copy of data, as json.RawMessage
// fields are copies too.
func fastRequest(data []byte) (api.Request, bool) {
	var req api.Request
	if len(data) == 0 || data[0] != '{' {
		return req, false
	}
	var buf []byte
	i := skipWS(data, 1)
	if i < len(data) && data[i] == '}' {
		return req, i+1 == len(data)
	}
	for {
		ks, ke, ok := plainString(data, i)
		if !ok {
			return req, false
		}
		i = skipWS(data, ke+1)
		if i >= len(data) || data[i] != ':' {
			return req, false
		}
		vs := skipWS(data, i+1)
		ve, ok := skipValue(data, vs, 0)
		if !ok {
			return req, false
		}
		switch string(data[ks:ke]) {
		case "id":
			buf = copyOnce(buf, data)
			req.ID = buf[vs:ve:ve]
		case "params":
			buf = copyOnce(buf, data)
			req.Params = buf[vs:ve:ve]
		case "method":
			ms, me, ok := plainString(data, vs)
			if !ok {
				return req, false
			}
			req.Method = methodName(data[ms:me])
		default:
			return req, false
		}
		i = skipWS(data, ve)
		switch {
		case i >= len(data):
			return req, false
		case data[i] == '}':
			return req, i+1 == len(data)
		case data[i] != ',':
			return req, false
		}
		i = skipWS(data, i+1)
	}
}

func copyOnce(buf, data []byte) []byte {
	if buf == nil {
		buf = bytes.Clone(data)
	}
	return buf
}

// methodName returns the method table's own string for a known method, so
// that reading one allocates nothing.
func methodName(b []byte) string {
	if m := methods[string(b)]; m != nil {
		return m.name
	}
	return string(b)
}

// fastObject reads an object whose keys and string values are plain and
// whose other values are true or false (s already trimmed). The fields'
// strings are substrings of s.
func fastObject(s string, fields []fastField) ([]fastField, bool) {
	if len(s) == 0 || s[0] != '{' {
		return nil, false
	}
	i := skipWS(s, 1)
	if i < len(s) && s[i] == '}' {
		return fields, i+1 == len(s)
	}
	for {
		ks, ke, ok := plainString(s, i)
		if !ok || len(fields) == cap(fields) {
			return nil, false
		}
		i = skipWS(s, ke+1)
		if i >= len(s) || s[i] != ':' {
			return nil, false
		}
		f, end, ok := plainValue(s, skipWS(s, i+1))
		if !ok {
			return nil, false
		}
		f.key = s[ks:ke]
		fields = append(fields, f)
		i = skipWS(s, end)
		switch {
		case i >= len(s):
			return nil, false
		case s[i] == '}':
			return fields, i+1 == len(s)
		case s[i] != ',':
			return nil, false
		}
		i = skipWS(s, i+1)
	}
}

// plainValue reads a plain string, true or false at i.
func plainValue(s string, i int) (fastField, int, bool) {
	if vs, ve, ok := plainString(s, i); ok {
		return fastField{val: s[vs:ve], str: true}, ve + 1, true
	}
	for _, lit := range [...]string{"true", "false"} {
		if len(s)-i >= len(lit) && s[i:i+len(lit)] == lit {
			return fastField{val: lit}, i + len(lit), true
		}
	}
	return fastField{}, 0, false
}

// plainString finds a JSON string at i made of printable ASCII without
// escapes, and returns where its contents start and end (at the closing
// quote).
func plainString[T ~string | ~[]byte](s T, i int) (int, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return 0, 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return i + 1, j, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return 0, 0, false
		}
	}
	return 0, 0, false
}

func skipWS[T ~string | ~[]byte](s T, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// maxFastDepth bounds the nesting skipValue follows.
const maxFastDepth = 8

// skipValue checks the JSON value at i and returns where it ends; false
// for a value it does not take (or not valid JSON). Strings may hold
// escapes and any bytes but control characters, as JSON allows: a
// json.RawMessage keeps them as they are.
func skipValue(s []byte, i, depth int) (int, bool) {
	if i >= len(s) || depth > maxFastDepth {
		return 0, false
	}
	switch c := s[i]; {
	case c == '"':
		return skipString(s, i)
	case c == '{':
		return skipObject(s, i, depth)
	case c == '[':
		return skipArray(s, i, depth)
	case c == '-' || '0' <= c && c <= '9':
		return skipNumber(s, i)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(s)-i >= len(lit) && string(s[i:i+len(lit)]) == lit {
			return i + len(lit), true
		}
	}
	return 0, false
}

func skipObject(s []byte, i, depth int) (int, bool) {
	i = skipWS(s, i+1)
	if i < len(s) && s[i] == '}' {
		return i + 1, true
	}
	for {
		end, ok := skipString(s, i)
		if !ok {
			return 0, false
		}
		i = skipWS(s, end)
		if i >= len(s) || s[i] != ':' {
			return 0, false
		}
		if i, ok = skipValue(s, skipWS(s, i+1), depth+1); !ok {
			return 0, false
		}
		i = skipWS(s, i)
		switch {
		case i >= len(s):
			return 0, false
		case s[i] == '}':
			return i + 1, true
		case s[i] != ',':
			return 0, false
		}
		i = skipWS(s, i+1)
	}
}

func skipArray(s []byte, i, depth int) (int, bool) {
	i = skipWS(s, i+1)
	if i < len(s) && s[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = skipValue(s, i, depth+1); !ok {
			return 0, false
		}
		i = skipWS(s, i)
		switch {
		case i >= len(s):
			return 0, false
		case s[i] == ']':
			return i + 1, true
		case s[i] != ',':
			return 0, false
		}
		i = skipWS(s, i+1)
	}
}

// skipString checks a string at i, escapes included, and returns the
// index after its closing quote.
func skipString(s []byte, i int) (int, bool) {
	if i >= len(s) || s[i] != '"' {
		return 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			n := escapeLen(s[j+1:])
			if n == 0 {
				return 0, false
			}
			j += n
		}
	}
	return 0, false
}

// escapeLen is the length of the escape after a backslash, 0 if invalid.
func escapeLen(s []byte) int {
	if len(s) == 0 {
		return 0
	}
	switch s[0] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 1
	case 'u':
		if len(s) < 5 {
			return 0
		}
		for _, c := range s[1:5] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return 0
			}
		}
		return 5
	}
	return 0
}

// skipNumber checks a number at i: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(s []byte, i int) (int, bool) {
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(s []byte, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// fastPlace reads order.place params; false means "use DecodeStrict".
func fastPlace(params []byte, p *api.PlaceParams) bool {
	var buf [maxFastFields]fastField
	fs, ok := fastObject(string(bytes.TrimSpace(params)), buf[:0])
	if !ok {
		return false
	}
	var v api.PlaceParams
	for _, f := range fs {
		if f.key == "confirm" {
			if f.str {
				return false
			}
			v.Confirm = f.val == "true"
			continue
		}
		if !f.str {
			return false
		}
		switch f.key {
		case "symbol":
			v.Symbol = f.val
		case "side":
			v.Side = f.val
		case "type":
			v.Type = f.val
		case "price":
			v.Price = api.Decimal(f.val)
		case "stopPrice":
			v.StopPrice = api.Decimal(f.val)
		case "qty":
			v.Qty = api.Decimal(f.val)
		case "tif":
			v.TIF = f.val
		case "clientOrderId":
			v.ClientOrderID = f.val
		case "stp":
			v.STP = f.val
		default:
			return false
		}
	}
	*p = v
	return true
}

// fastCancel reads order.cancel params; false means "use DecodeStrict".
func fastCancel(params []byte, p *api.CancelParams) bool {
	var buf [maxFastFields]fastField
	fs, ok := fastObject(string(bytes.TrimSpace(params)), buf[:0])
	if !ok {
		return false
	}
	var v api.CancelParams
	for _, f := range fs {
		if !f.str {
			return false
		}
		switch f.key {
		case "symbol":
			v.Symbol = f.val
		case "orderId":
			v.OrderID = api.OrderID(f.val)
		case "origClientOrderId":
			v.OrigClientOrderID = f.val
		case "qty":
			v.Qty = api.Decimal(f.val)
		default:
			return false
		}
	}
	*p = v
	return true
}

// smallPositive parses 1 to 18 decimal digits (no sign, dot or anything
// else) into their value, if positive: the form nearly every price and
// quantity takes, read without the decimal parser. Anything else is left
// to parsePositive's general path.
func smallPositive(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, v > 0
}
