package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// The fast path must agree with json.Unmarshal whenever it answers.
//
//	go test ./api -run '^$' -fuzz FuzzFastEnvelope -fuzztime 1m
//	go test ./api -run '^$' -fuzz FuzzFastOrderResult -fuzztime 1m

const fastReply = `{"id":12345,"status":200,"result":{"seq":42,"reports":[{"type":"execution","seq":42,"ts":"2026-11-25T00:01:05.123456789Z","account":"lt-7","symbol":"005930","orderId":"6","clientOrderId":"r-3-1a","request":"order.place","execType":"new","status":"new","side":"buy","ordType":"limit","tif":"day","price":"71000","qty":"10","cumQty":"0","leavesQty":"10","avgPx":"0"}]}}`

var fastEnvelopeSeeds = []string{
	fastReply,
	`{"id":"r1","status":404,"error":{"code":"UNKNOWN_ORDER","msg":"no such order"},"result":{"seq":3,"reports":[]}}`,
	`{"type":"bookDelta","symbol":"005930","seq":9,"changes":[{"side":"buy","price":"71000","qty":"5","count":1}]}`,
	`{"type":"execution","status":"filled","seq":1}`, `{"ID":1,"status":200}`, `{"Status":1}`, `{"type":null}`,
	`{"status":"200"}`, `{"status":2e2}`, `{"status":{"a":[1]}}`, `{"status":99999999999999999999}`, `{"id":null,"result":null}`,
	` { "id" : [ 1 , "a\"b" ] , "type" : "t" , "x" : { } } `, `{"type":"a\u0062"}`, `{"\u0069d":1}`, "{\"type\":\"\xc3\xa9\"}",
	`{"result":{"seq":1,"reports":null}}`, `{"result":{"seq":-1}}`, `{"result":{"seq":1.5}}`, `{"result":{"Seq":1}}`,
	`{"result":{"seq":1,"reports":[{"qty":"1","QTY":"2"}]}}`, `{"result":{"seq":1,"reports":[{"qty":5}]}}`,
	`{"result":{"seq":1,"reports":[{"extra":{"a":"}"},"qty":"1"}],"more":[1,{"b":"]"}]}}`, `[]`, `"x"`, `{}`,
	`{"id":"r2","status":200,"result":{"seq":4,"reports":[],"truncated":true}}`,
}

func FuzzFastEnvelope(f *testing.F) {
	for _, s := range fastEnvelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var got envelope
		if !fastEnvelope(data, &got) {
			return
		}
		var want envelope
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("fastEnvelope(%q) = %+v, but json.Unmarshal fails: %v", data, got, err)
		}
		if !bytes.Equal(got.ID, want.ID) || (got.ID == nil) != (want.ID == nil) || got.Status != want.Status ||
			got.Type != want.Type || !bytes.Equal(got.Result, want.Result) || (got.Result == nil) != (want.Result == nil) || want.Error != nil {
			t.Fatalf("fastEnvelope(%q)\n got %+v\nwant %+v", data, got, want)
		}
	})
}

func FuzzFastOrderResult(f *testing.F) {
	for _, s := range fastEnvelopeSeeds {
		var env envelope
		json.Unmarshal([]byte(s), &env)
		f.Add([]byte(env.Result))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var got OrderResult
		if !fastOrderResult(data, &got) {
			return
		}
		var want OrderResult
		if err := json.Unmarshal(data, &want); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("fastOrderResult(%q)\n got %+v\nwant %+v (%v)", data, got, want, err)
		}
	})
}

// TestFastPathTakesReplies keeps the fuzz tests from passing vacuously.
func TestFastPathTakesReplies(t *testing.T) {
	var env envelope
	if !fastEnvelope([]byte(fastReply), &env) {
		t.Fatalf("fastEnvelope declined an order reply")
	}
	var r OrderResult
	if !fastOrderResult(env.Result, &r) || len(r.Reports) != 1 || r.Reports[0].LeavesQty != "10" {
		t.Fatalf("fastOrderResult declined or misread an order reply: %+v", r)
	}
	if !fastEnvelope([]byte(fastEnvelopeSeeds[2]), &env) || env.Type != "bookDelta" {
		t.Errorf("fastEnvelope declined or misread a stream message: %+v", env)
	}
	truncated := fastEnvelopeSeeds[len(fastEnvelopeSeeds)-1]
	if !fastEnvelope([]byte(truncated), &env) || !fastOrderResult(env.Result, &r) || !r.Truncated {
		t.Errorf("the fast path declined or misread %s: %+v", truncated, r)
	}
}
