package gateway

import (
	"bytes"
	"reflect"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mts-krx/mts/api"
)

// The fast path must agree with DecodeStrict whenever it answers: same
// fields, and DecodeStrict must accept the input too. When it declines,
// DecodeStrict decides, so the errors are DecodeStrict's by construction.
//
//	go test ./gateway -run '^$' -fuzz FuzzFastRequest -fuzztime 1m
//	go test ./gateway -run '^$' -fuzz FuzzFastParams -fuzztime 1m
//	go test ./gateway -run '^$' -fuzz FuzzSmallPositive -fuzztime 30s

var fastRequestSeeds = []string{
	benchPlace,
	`{"id":1,"method":"ping"}`,
	`{"id":"r1","method":"order.cancel","params":{"symbol":"005930","origClientOrderId":"c1"}}`,
	`{ "id" : -1.5e3 , "method" : "x" , "params" : [ 1 , { "a" : null } , "\u00e9\n" ] }`,
	`{"id":null,"params":null}`, `{}`, `{"method":"a","method":"b"}`, `{"ID":1,"method":"ping"}`,
	`{"id":01,"method":"ping"}`, `{"id":1,"method":"ping"} x`, `{"id":1,"method":"ping",}`,
	`{"id":"\u0031","method":"ping"}`, `{"id":{"a":[1,2,{"b":true}]},"method":"ping"}`,
	`{"id":1,"method":"ping","params":{"pad":"` + "\x01" + `"}}`, `{"method":"p\u0069ng"}`,
	`{"id":1,"method":"ping","params":[[[[[[[[[[[[1]]]]]]]]]]]]}`, `{"id":tru}`, `{"id":1.}`, `{"id":1e+}`,
	"{\"id\":\"\xff\",\"method\":\"ping\"}", `[]`, `"x"`, `{"id":1,"method":5}`,
}

func FuzzFastRequest(f *testing.F) {
	for _, s := range fastRequestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.TrimSpace(data)
		got, ok := fastRequest(data)
		if !ok {
			return
		}
		var want api.Request
		if err := api.DecodeStrict(data, &want); err != nil {
			t.Fatalf("fastRequest(%q) = %+v, but DecodeStrict fails: %v", data, got, err)
		}
		if !bytes.Equal(got.ID, want.ID) || (got.ID == nil) != (want.ID == nil) ||
			!bytes.Equal(got.Params, want.Params) || (got.Params == nil) != (want.Params == nil) ||
			got.Method != want.Method {
			t.Fatalf("fastRequest(%q)\n got %q %q %q\nwant %q %q %q", data, got.ID, got.Method, got.Params, want.ID, want.Method, want.Params)
		}
	})
}

var fastParamsSeeds = []string{
	`{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"10","tif":"day","clientOrderId":"lt-0-1a2b"}`,
	`{"symbol":"005930","side":"sell","type":"stop_limit","price":"70000","stopPrice":"70100","qty":"1","stp":"decrement","confirm":true}`,
	`{"symbol":"005930","orderId":"12","origClientOrderId":"c1","qty":"3"}`,
	` { "symbol" : "a" , "symbol" : "b" , "confirm" : false } `, `{}`, `{"Symbol":"a"}`, `{"symbol":null}`,
	`{"confirm":"true"}`, `{"price":71000}`, `{"symbol":"a",}`, `{"symbol":"a"}x`, `{"qty":"1"`, `{"x":1}`,
	`{"symbol":"\u0041"}`, "{\"symbol\":\"\xe2\x82\xa9\"}", `{"confirm":tru}`, `{"confirm":truex}`,
}

func FuzzFastParams(f *testing.F) {
	for _, s := range fastParamsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, params []byte) {
		var place api.PlaceParams
		if fastPlace(params, &place) {
			var want api.PlaceParams
			if err := api.DecodeStrict(params, &want); err != nil || !reflect.DeepEqual(place, want) {
				t.Fatalf("fastPlace(%q)\n got %+v\nwant %+v, %v", params, place, want, err)
			}
		}
		var cancel api.CancelParams
		if fastCancel(params, &cancel) {
			var want api.CancelParams
			if err := api.DecodeStrict(params, &want); err != nil || !reflect.DeepEqual(cancel, want) {
				t.Fatalf("fastCancel(%q)\n got %+v\nwant %+v, %v", params, cancel, want, err)
			}
		}
	})
}

// FuzzSmallPositive holds the fast number path to the decimal parser's
// answer for every string it takes.
func FuzzSmallPositive(f *testing.F) {
	for _, s := range []string{"71000", "1", "0", "000", "007", "999999999999999999", "1000000000000000000", "-1", "1.0", "", " 1", "+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := smallPositive(s)
		if !ok {
			return
		}
		d, err := decimal.NewFromString(s)
		if err != nil || !d.IsInteger() || !d.BigInt().IsInt64() || d.Sign() <= 0 || d.IntPart() != v || !isDecimal(s) {
			t.Fatalf("smallPositive(%q) = %d, but the decimal path says %v, %v", s, v, d, err)
		}
	})
}

// TestFastPathTakesCommonRequests keeps the differential fuzz tests from
// passing vacuously: what clients send must take the fast path.
func TestFastPathTakesCommonRequests(t *testing.T) {
	for _, s := range []string{benchPlace, `{"id":"r1","method":"order.cancel","params":{"symbol":"005930","origClientOrderId":"c1"}}`, `{"id":1,"method":"ping"}`} {
		if _, ok := fastRequest([]byte(s)); !ok {
			t.Errorf("fastRequest(%s) declined", s)
		}
	}
	if !fastPlace([]byte(fastParamsSeeds[0]), new(api.PlaceParams)) || !fastPlace([]byte(fastParamsSeeds[1]), new(api.PlaceParams)) {
		t.Errorf("fastPlace declined an ordinary order")
	}
	if !fastCancel([]byte(`{"symbol":"005930","orderId":"12","qty":"3"}`), new(api.CancelParams)) {
		t.Errorf("fastCancel declined an ordinary cancel")
	}
	for i := int64(1); i < 1e18; i = i*7 + 3 {
		if v, ok := smallPositive(strconv.FormatInt(i, 10)); !ok || v != i {
			t.Errorf("smallPositive(%d) = %d, %v", i, v, ok)
		}
	}
}

// TestDecodeMatchesStrict runs the whole of DecodeRequest and DecodeCommand
// on the seeds, against the same functions with the fast path off: results
// and errors must be identical.
func TestDecodeMatchesStrict(t *testing.T) {
	for _, s := range append(fastRequestSeeds, fastParamsSeeds...) {
		gotReq, gotErr := DecodeRequest([]byte(s))
		wantReq, wantErr := strictRequest([]byte(s))
		if !reflect.DeepEqual(gotReq, wantReq) || !reflect.DeepEqual(gotErr, wantErr) {
			t.Errorf("DecodeRequest(%s)\n got %+v, %v\nwant %+v, %v", s, gotReq, gotErr, wantReq, wantErr)
		}
	}
}

// strictRequest is DecodeRequest without the fast path.
func strictRequest(data []byte) (api.Request, error) {
	var req api.Request
	if err := api.DecodeStrict(data, &req); err != nil {
		return req, err
	}
	return checkRequest(req)
}
