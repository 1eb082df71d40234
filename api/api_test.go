package api

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	name := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	seen := map[Code]bool{}
	for _, c := range Codes() {
		if seen[c] {
			t.Errorf("%s registered twice", c)
		}
		seen[c] = true
		if !name.MatchString(string(c)) {
			t.Errorf("%q is not UPPER_SNAKE_CASE", c)
		}
		if s := c.Status(); s < 200 || s > 599 {
			t.Errorf("%s: status %d, want an HTTP status", c, s)
		}
		if c.Class() == 0 || c.Class().String() == "unknown" {
			t.Errorf("%s: no class", c)
		}
		if c.Text() == "" || c.Text() == "unknown code" {
			t.Errorf("%s: no text", c)
		}
		switch c.Class() {
		case ClassCancel, ClassInfo:
			if c.Status() != 200 {
				t.Errorf("%s: %s codes never fail a request; status %d, want 200", c, c.Class(), c.Status())
			}
		case ClassReject:
			if c.Status() < 400 || c.Status() >= 500 {
				t.Errorf("%s: a rejection has a known outcome; status %d, want 4xx", c, c.Status())
			}
		case ClassProtocol:
			if c.Status() < 400 {
				t.Errorf("%s: an error code with status %d, want >= 400", c, c.Status())
			}
		}
	}
	if Code("NOPE").Registered() || Code("NOPE").Status() != 500 {
		t.Errorf("unregistered code: Registered %v Status %d, want false 500", Code("NOPE").Registered(), Code("NOPE").Status())
	}
}

func TestReplyJSON(t *testing.T) {
	tests := []struct {
		reply Reply
		want  string
	}{
		{OK(json.RawMessage(`7`), map[string]string{"orderId": "1"}), `{"id":7,"status":200,"result":{"orderId":"1"}}`},
		{Fail(json.RawMessage(`"r1"`), Errorf(RateLimited, "slow down")), `{"id":"r1","status":429,"error":{"code":"RATE_LIMITED","msg":"slow down"}}`},
		{Fail(nil, Errorf(MalformedJSON, "bad")), `{"status":400,"error":{"code":"MALFORMED_JSON","msg":"bad"}}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.reply)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("Marshal(%+v)\n got %s\nwant %s", tt.reply, got, tt.want)
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		in       string
		code     Code   // "" = success
		msgHas   string // a substring the message must contain
		wantQty  Decimal
		wantSide string
	}{
		{in: `{"symbol":"005930","side":"buy","type":"limit","qty":"10"}`, wantQty: "10", wantSide: "buy"},
		{in: "  \n{\"qty\":\"10\"}\n ", wantQty: "10"},
		{in: `{"qty":null}`},
		{in: ``, code: MalformedJSON, msgHas: "empty"},
		{in: `{"qty":"10"`, code: MalformedJSON, msgHas: "end of JSON"},
		{in: `{"qty":"10",}`, code: MalformedJSON, msgHas: "invalid JSON"},
		{in: `{"qty":"10"} {}`, code: MalformedJSON, msgHas: "trailing"},
		{in: `{"qty":"10"}}`, code: MalformedJSON, msgHas: "trailing"},
		{in: `[1,2]`, code: InvalidField, msgHas: "JSON object, got an array"},
		{in: `"x"`, code: InvalidField, msgHas: "a string"},
		{in: `null`, code: InvalidField, msgHas: "null"},
		{in: `{"qty":"10","colour":"red"}`, code: UnknownField, msgHas: `"colour"`},
		{in: `{"qty":10}`, code: InvalidNumber, msgHas: "qty: must be a string of decimal digits"},
		{in: `{"price":71000.5}`, code: InvalidNumber, msgHas: "price"},
		{in: `{"side":1}`, code: InvalidField, msgHas: "side: must be a JSON string, not number"},
		{in: `{"side":["buy"]}`, code: InvalidField, msgHas: "side"},
		{in: `{"qty":{"v":"1"}}`, code: InvalidNumber, msgHas: "qty"},
	}
	for _, tt := range tests {
		var p PlaceParams
		err := DecodeStrict([]byte(tt.in), &p)
		if tt.code == "" {
			if err != nil || p.Qty != tt.wantQty || p.Side != tt.wantSide {
				t.Errorf("DecodeStrict(%s) = %+v, %v; want qty %q side %q, nil", tt.in, p, err, tt.wantQty, tt.wantSide)
			}
			continue
		}
		var ae *Error
		if !errors.As(err, &ae) {
			t.Errorf("DecodeStrict(%s) = %v, want an *Error %s", tt.in, err, tt.code)
			continue
		}
		if ae.Code != tt.code || !strings.Contains(ae.Msg, tt.msgHas) {
			t.Errorf("DecodeStrict(%s) = %s: %s; want %s with %q", tt.in, ae.Code, ae.Msg, tt.code, tt.msgHas)
		}
		if !ae.Code.Registered() {
			t.Errorf("DecodeStrict(%s): unregistered code %s", tt.in, ae.Code)
		}
	}
}

func TestMessageFieldNames(t *testing.T) {
	// The field names are the contract; a rename must be deliberate.
	er, _ := json.Marshal(ExecutionReport{Type: TypeExecution, Reason: PriceOffTick, Price: "71050", OrderID: "3", LastPx: "1", LastQty: "1", Liquidity: "maker", TradeID: "1", StopPrice: "1", RefOrderID: "2", Fee: "3", Tax: "4", ClientOrderID: "c", Side: "buy", OrdType: "limit", TIF: "day"})
	want := `{"type":"execution","seq":0,"ts":"","account":"","symbol":"","orderId":"3","clientOrderId":"c","request":"","execType":"","status":"","reason":"PRICE_OFF_TICK","side":"buy","ordType":"limit","tif":"day","price":"71050","stopPrice":"1","qty":"","cumQty":"","leavesQty":"","avgPx":"","lastPx":"1","lastQty":"1","liquidity":"maker","tradeId":"1","fee":"3","tax":"4","refOrderId":"2"}`
	if string(er) != want {
		t.Errorf("ExecutionReport JSON\n got %s\nwant %s", er, want)
	}
	tr, _ := json.Marshal(Trade{Type: TypeTrade})
	want = `{"type":"trade","seq":0,"ts":"","symbol":"","tradeId":"","price":"","qty":"","side":"","takerOrderId":"","makerOrderId":""}`
	if string(tr) != want {
		t.Errorf("Trade JSON\n got %s\nwant %s", tr, want)
	}
	bl, _ := json.Marshal(BookLevel{Type: TypeBook})
	want = `{"type":"book","seq":0,"ts":"","symbol":"","side":"","price":"","qty":"","count":0}`
	if string(bl) != want {
		t.Errorf("BookLevel JSON\n got %s\nwant %s", bl, want)
	}
}
