package gateway

import (
	"errors"
	"strings"
	"testing"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

const testTS = 1_795_000_000_000_000_000

func TestDecodeCommandOK(t *testing.T) {
	tests := []struct {
		method, params string
		want           matching.Command
	}{
		{
			api.MethodPlace, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"10","tif":"day","clientOrderId":"c1"}`,
			matching.Command{Kind: matching.CmdPlace, Symbol: "005930", Side: matching.Buy, Type: matching.Limit, Price: 71000, Qty: 10, TIF: matching.Day, ClientOrderID: "c1"},
		},
		{
			api.MethodPlace, `{"symbol":"005930","side":"sell","type":"market","qty":"5"}`,
			matching.Command{Kind: matching.CmdPlace, Symbol: "005930", Side: matching.Sell, Type: matching.Market, Qty: 5, TIF: matching.Day},
		},
		{
			api.MethodPlace, `{"symbol":"005930","side":"buy","type":"stop_limit","price":"72000","stopPrice":"71900","qty":"1","stp":"decrement"}`,
			matching.Command{Kind: matching.CmdPlace, Symbol: "005930", Side: matching.Buy, Type: matching.StopLimit, Price: 72000, StopPrice: 71900, Qty: 1, TIF: matching.Day, STP: matching.STPDecrement},
		},
		{
			api.MethodPlace, `{"symbol":"005930","side":"sell","type":"limit","price":"71000","qty":"400000","confirm":true}`,
			matching.Command{Kind: matching.CmdPlace, Symbol: "005930", Side: matching.Sell, Type: matching.Limit, Price: 71000, Qty: 400000, TIF: matching.Day, Confirm: true},
		},
		{
			api.MethodPlace, `{"symbol":"005930","side":"buy","type":"best_limit","qty":"3","tif":"fok","stp":"default"}`,
			matching.Command{Kind: matching.CmdPlace, Symbol: "005930", Side: matching.Buy, Type: matching.BestLimit, Qty: 3, TIF: matching.FOK},
		},
		{
			api.MethodPlace, `{"symbol":"005930","side":"buy","type":"limit","price":"71000.00","qty":"9223372036854775807","tif":"ioc"}`,
			matching.Command{Kind: matching.CmdPlace, Symbol: "005930", Side: matching.Buy, Type: matching.Limit, Price: 71000, Qty: 9223372036854775807, TIF: matching.IOC},
		},
		{
			api.MethodAmend, `{"symbol":"005930","orderId":"42","price":"71100"}`,
			matching.Command{Kind: matching.CmdAmend, Symbol: "005930", OrderID: 42, Price: 71100},
		},
		{
			api.MethodAmend, `{"symbol":"005930","origClientOrderId":"c1","qty":"5"}`,
			matching.Command{Kind: matching.CmdAmend, Symbol: "005930", OrigClientOrderID: "c1", Qty: 5},
		},
		{
			api.MethodCancel, `{"symbol":"005930","orderId":"18446744073709551615"}`,
			matching.Command{Kind: matching.CmdCancel, Symbol: "005930", OrderID: 18446744073709551615},
		},
		{
			api.MethodCancel, `{"symbol":"005930","orderId":"7","origClientOrderId":"c1","qty":"4"}`,
			matching.Command{Kind: matching.CmdCancel, Symbol: "005930", OrderID: 7, OrigClientOrderID: "c1", Qty: 4},
		},
	}
	for _, tt := range tests {
		got, err := DecodeCommand(tt.method, []byte(tt.params), "A1", testTS)
		tt.want.Account, tt.want.TS = "A1", testTS
		if err != nil || got != tt.want {
			t.Errorf("DecodeCommand(%s, %s)\n got %+v, %v\nwant %+v, nil", tt.method, tt.params, got, err, tt.want)
		}
	}
}

func TestDecodeCommandErrors(t *testing.T) {
	const (
		place  = api.MethodPlace
		amend  = api.MethodAmend
		cancel = api.MethodCancel
	)
	long := strings.Repeat("x", 65)
	tests := []struct {
		name, method, params string
		account              string // "" means "A1"
		code                 api.Code
		msgHas               string
	}{
		// Method and envelope.
		{"no method", "", `{}`, "", api.MissingField, "method"},
		{"unknown method", "order.replace", `{}`, "", api.UnknownMethod, `"order.replace"`},
		{"method case", "Order.Place", `{}`, "", api.UnknownMethod, "Order.Place"},
		{"no params", place, ``, "", api.MissingField, "params"},
		{"null params", place, `null`, "", api.MissingField, "params"},
		{"params array", place, `[]`, "", api.InvalidField, "JSON object"},
		{"params string", cancel, `"x"`, "", api.InvalidField, "JSON object"},
		{"account too long", place, `{}`, strings.Repeat("a", 33), api.InvalidAccount, "account"},

		// JSON shape.
		{"malformed", place, `{"symbol":`, "", api.MalformedJSON, "end of JSON"},
		{"bad syntax", place, `{"symbol" "005930"}`, "", api.MalformedJSON, "invalid JSON"},
		{"trailing data", place, `{"symbol":"005930"} x`, "", api.MalformedJSON, "trailing"},
		{"unknown field", place, `{"symbol":"005930","side":"buy","type":"limit","qty":"1","price":"71000","colour":"red"}`, "", api.UnknownField, `"colour"`},
		{"amend field on cancel", cancel, `{"symbol":"005930","orderId":"1","price":"71000"}`, "", api.UnknownField, `"price"`},
		{"place field on amend", amend, `{"symbol":"005930","orderId":"1","side":"buy"}`, "", api.UnknownField, `"side"`},
		{"symbol number", place, `{"symbol":5930,"side":"buy","type":"limit","qty":"1"}`, "", api.InvalidField, "symbol"},
		{"confirm string", place, `{"symbol":"005930","side":"buy","type":"limit","qty":"1","confirm":"yes"}`, "", api.InvalidField, "confirm: must be a JSON boolean"},
		{"side bool", place, `{"symbol":"005930","side":true,"type":"limit","qty":"1"}`, "", api.InvalidField, "side"},

		// JSON numbers instead of strings.
		{"qty number", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":10}`, "", api.InvalidNumber, "qty"},
		{"price number", place, `{"symbol":"005930","side":"buy","type":"limit","price":71000,"qty":"10"}`, "", api.InvalidNumber, "price"},
		{"stopPrice number", place, `{"symbol":"005930","side":"buy","type":"stop_limit","price":"71000","stopPrice":71000,"qty":"10"}`, "", api.InvalidNumber, "stopPrice"},
		{"orderId number", cancel, `{"symbol":"005930","orderId":7}`, "", api.InvalidNumber, "orderId"},
		{"amend qty number", amend, `{"symbol":"005930","orderId":"7","qty":5}`, "", api.InvalidNumber, "qty"},
		{"cancel qty number", cancel, `{"symbol":"005930","orderId":"7","qty":5}`, "", api.InvalidNumber, "qty"},

		// Missing required fields.
		{"no symbol", place, `{"side":"buy","type":"limit","price":"71000","qty":"1"}`, "", api.MissingField, "symbol"},
		{"empty symbol", place, `{"symbol":"","side":"buy","type":"limit","price":"71000","qty":"1"}`, "", api.MissingField, "symbol"},
		{"no side", place, `{"symbol":"005930","type":"limit","price":"71000","qty":"1"}`, "", api.MissingField, "side"},
		{"no type", place, `{"symbol":"005930","side":"buy","price":"71000","qty":"1"}`, "", api.MissingField, "type"},
		{"no qty", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000"}`, "", api.MissingField, "qty"},
		{"null qty", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":null}`, "", api.MissingField, "qty"},
		{"amend no symbol", amend, `{"orderId":"1","price":"71000"}`, "", api.MissingField, "symbol"},
		{"amend no target", amend, `{"symbol":"005930","price":"71000"}`, "", api.MissingField, "orderId or origClientOrderId"},
		{"amend no change", amend, `{"symbol":"005930","orderId":"1"}`, "", api.MissingField, "price or qty"},
		{"cancel no target", cancel, `{"symbol":"005930"}`, "", api.MissingField, "orderId or origClientOrderId"},
		{"cancel no symbol", cancel, `{"orderId":"1"}`, "", api.MissingField, "symbol"},

		// Enums.
		{"bad side", place, `{"symbol":"005930","side":"BUY","type":"limit","price":"71000","qty":"1"}`, "", api.InvalidSide, `"BUY"`},
		{"bad type", place, `{"symbol":"005930","side":"buy","type":"stop","price":"71000","qty":"1"}`, "", api.InvalidOrderType, `"stop"`},
		{"bad tif", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"1","tif":"gtc"}`, "", api.InvalidTIF, `"gtc"`},
		{"bad stp", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"1","stp":"none"}`, "", api.InvalidSTPMode, `"none"`},

		// Numbers: syntax, fractions, overflow.
		{"fraction price", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000.5","qty":"1"}`, "", api.InvalidNumber, "not a whole number"},
		{"fraction qty", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"0.5"}`, "", api.InvalidNumber, "qty"},
		{"exponent", place, `{"symbol":"005930","side":"buy","type":"limit","price":"7.1e4","qty":"1"}`, "", api.InvalidNumber, "price"},
		{"plus sign", place, `{"symbol":"005930","side":"buy","type":"limit","price":"+71000","qty":"1"}`, "", api.InvalidNumber, "price"},
		{"spaces", place, `{"symbol":"005930","side":"buy","type":"limit","price":" 71000","qty":"1"}`, "", api.InvalidNumber, "price"},
		{"thousands separator", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71,000","qty":"1"}`, "", api.InvalidNumber, "price"},
		{"bare dot", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000.","qty":"1"}`, "", api.InvalidNumber, "price"},
		{"leading dot", place, `{"symbol":"005930","side":"buy","type":"limit","price":".5","qty":"1"}`, "", api.InvalidNumber, "price"},
		{"hex", place, `{"symbol":"005930","side":"buy","type":"limit","price":"0x10","qty":"1"}`, "", api.InvalidNumber, "price"},
		{"word", place, `{"symbol":"005930","side":"buy","type":"limit","price":"market","qty":"1"}`, "", api.InvalidNumber, "price"},
		{"overflow", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"9223372036854775808"}`, "", api.InvalidNumber, "out of range"},
		{"too long", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"` + strings.Repeat("9", 41) + `"}`, "", api.InvalidNumber, "qty"},
		{"orderId letters", amend, `{"symbol":"005930","orderId":"abc","price":"71000"}`, "", api.InvalidNumber, "orderId"},
		{"orderId negative", amend, `{"symbol":"005930","orderId":"-1","price":"71000"}`, "", api.InvalidNumber, "orderId"},
		{"orderId zero", cancel, `{"symbol":"005930","orderId":"0"}`, "", api.InvalidNumber, "orderId"},
		{"orderId overflow", cancel, `{"symbol":"005930","orderId":"18446744073709551616"}`, "", api.InvalidNumber, "orderId"},

		// Zero and negative values.
		{"zero qty", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"0"}`, "", api.InvalidQuantity, "positive"},
		{"negative qty", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"-5"}`, "", api.InvalidQuantity, "positive"},
		{"zero price", place, `{"symbol":"005930","side":"buy","type":"limit","price":"0","qty":"1"}`, "", api.InvalidPrice, "price"},
		{"negative price", place, `{"symbol":"005930","side":"buy","type":"limit","price":"-71000","qty":"1"}`, "", api.InvalidPrice, "price"},
		{"minus zero price", place, `{"symbol":"005930","side":"buy","type":"limit","price":"-0","qty":"1"}`, "", api.InvalidPrice, "price"},
		{"zero stop", place, `{"symbol":"005930","side":"buy","type":"stop_limit","price":"71000","stopPrice":"0","qty":"1"}`, "", api.InvalidStopPrice, "stopPrice"},
		{"amend zero price", amend, `{"symbol":"005930","orderId":"1","price":"0"}`, "", api.InvalidPrice, "price"},
		{"amend zero qty", amend, `{"symbol":"005930","orderId":"1","qty":"0"}`, "", api.InvalidQuantity, "qty"},
		{"cancel zero qty", cancel, `{"symbol":"005930","orderId":"1","qty":"0"}`, "", api.InvalidQuantity, "qty"},
		{"cancel negative qty", cancel, `{"symbol":"005930","orderId":"1","qty":"-1"}`, "", api.InvalidQuantity, "qty"},

		// Lengths.
		{"long clientOrderId", place, `{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"1","clientOrderId":"` + long + `"}`, "", api.InvalidClientOrderID, "clientOrderId"},
		{"long origClientOrderId", cancel, `{"symbol":"005930","origClientOrderId":"` + long + `"}`, "", api.InvalidClientOrderID, "origClientOrderId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			account := tt.account
			if account == "" {
				account = "A1"
			}
			cmd, err := DecodeCommand(tt.method, []byte(tt.params), account, testTS)
			var ae *api.Error
			if !errors.As(err, &ae) {
				t.Fatalf("DecodeCommand(%s, %s) = %+v, %v; want error %s", tt.method, tt.params, cmd, err, tt.code)
			}
			if ae.Code != tt.code || !strings.Contains(ae.Msg, tt.msgHas) {
				t.Errorf("DecodeCommand(%s, %s) = %s: %s; want %s with %q", tt.method, tt.params, ae.Code, ae.Msg, tt.code, tt.msgHas)
			}
			if !ae.Code.Registered() {
				t.Errorf("unregistered code %s", ae.Code)
			}
			if cmd != (matching.Command{}) {
				t.Errorf("a failed decode returned a command: %+v", cmd)
			}
		})
	}
}

func TestDecodeCommandEmptyAccount(t *testing.T) {
	_, err := DecodeCommand(api.MethodCancel, []byte(`{"symbol":"005930","orderId":"1"}`), "", testTS)
	if ae, ok := err.(*api.Error); !ok || ae.Code != api.InvalidAccount {
		t.Errorf("empty account: got %v, want INVALID_ACCOUNT", err)
	}
}

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		in     string
		code   api.Code // "" = success
		wantID string
		method string
	}{
		{`{"id":7,"method":"order.place","params":{}}`, "", "7", "order.place"},
		{`{"id":"r-1","method":"order.cancel"}`, "", `"r-1"`, "order.cancel"},
		{`{"method":"order.cancel","params":{"a":1}}`, "", "", "order.cancel"},
		{`{"id":7}`, api.MissingField, "7", ""},
		{`{"id":{"x":1},"method":"order.place"}`, api.InvalidField, "", "order.place"},
		{`{"id":true,"method":"order.place"}`, api.InvalidField, "", "order.place"},
		{`{"id":"` + strings.Repeat("x", 70) + `","method":"order.place"}`, api.InvalidField, "", "order.place"},
		{`{"id":7,"method":"order.place","extra":1}`, api.UnknownField, "", ""},
		{`{"id":7,"method":1}`, api.InvalidField, "", ""},
		{`not json`, api.MalformedJSON, "", ""},
	}
	for _, tt := range tests {
		req, err := DecodeRequest([]byte(tt.in))
		code := api.Code("")
		if err != nil {
			code = err.(*api.Error).Code
		}
		if code != tt.code || (tt.wantID != "" && string(req.ID) != tt.wantID) || (tt.code == "" && req.Method != tt.method) {
			t.Errorf("DecodeRequest(%s) = %+v, %v; want id %s method %q code %q", tt.in, req, err, tt.wantID, tt.method, tt.code)
		}
	}
}
