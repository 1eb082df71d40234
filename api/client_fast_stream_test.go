package api

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The stream fast path must agree with json.Unmarshal whenever it answers.
//
//	go test ./api -run '^$' -fuzz FuzzFastStream -fuzztime 1m

var fastStreamSeeds = []string{
	`{"type":"bookDelta","symbol":"005930","seq":9,"srcSeq":120,"ts":"2026-11-25T00:01:05.123456789Z","changes":[{"side":"buy","price":"71000","qty":"5","count":1},{"side":"sell","price":"71100","qty":"0","count":0}]}`,
	`{"type":"marketTrade","symbol":"005930","seq":3,"srcSeq":121,"ts":"2026-11-25T00:01:05Z","tradeId":"77","price":"71000","qty":"5","side":"sell"}`,
	`{"type":"ticker","symbol":"005930","seq":4,"srcSeq":121,"ts":"t","basePrice":"71000","bid":"70900","bidQty":"3","ask":"71000","askQty":"2","last":"71000","lastQty":"5","change":"0","changePct":"0.00","open":"71000","high":"71000","low":"71000","volume":"5","value":"355000"}`,
	`{"type":"bookDelta","changes":[]}`, `{"type":"bookDelta","changes":null}`, `{"changes":[{"count":-1}]}`,
	`{"changes":[{"count":2147483648}]}`, `{"changes":[{"Count":1}]}`, `{"changes":[{"price":71000}]}`,
	`{"Seq":1}`, `{"seq":1,"seq":2}`, `{"changes":[{"side":"a"}],"changes":[]}`, `{"seq":01}`, `{"seq":1e2}`,
	`{"price":"7\u0031000"}`, `{"tradeId":null}`, `{"x":{"y":[1,"]"]},"symbol":"s"}`, `{"changePct":"-1.25","CHANGEPCT":"1"}`,
	` { "seq" : 5 , "changes" : [ { "side" : "buy" } ] } `, `[]`, `"x"`, `{}`,
}

func FuzzFastStream(f *testing.F) {
	for _, s := range fastStreamSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		for _, typ := range []string{TypeBookDelta, TypeMarketTrade, TypeTicker} {
			got := fastStreamMessage(typ, data)
			if got == nil {
				continue
			}
			want := reflect.New(reflect.TypeOf(got).Elem()).Interface()
			if err := json.Unmarshal(data, want); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("fastStreamMessage(%s, %q)\n got %+v\nwant %+v (%v)", typ, data, got, want, err)
			}
		}
	})
}

// TestFastStreamTakesMessages keeps the fuzz test from passing vacuously:
// the messages the gateway sends take the fast path.
func TestFastStreamTakesMessages(t *testing.T) {
	for i, typ := range []string{TypeBookDelta, TypeMarketTrade, TypeTicker} {
		m := fastStreamMessage(typ, []byte(fastStreamSeeds[i]))
		if m == nil {
			t.Fatalf("%s: the fast path declined %s", typ, fastStreamSeeds[i])
		}
		if d, ok := m.(*BookDelta); ok && (len(d.Changes) != 2 || d.Changes[0].Count != 1 || d.Seq != 9) {
			t.Fatalf("bookDelta decoded as %+v", d)
		}
	}
}

func BenchmarkDecodeStream(b *testing.B) {
	data := []byte(fastStreamSeeds[0])
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			decodeStream(TypeBookDelta, data)
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			decodeAs[BookDelta](data)
		}
	})
}

// FuzzFastStreamFrame: a frame routed in one pass (fastStreamFrame)
// is one the envelope pass and json.Unmarshal would have routed to the
// same stream with the same message.
//
//	go test ./api -run '^$' -fuzz FuzzFastStreamFrame -fuzztime 1m
func FuzzFastStreamFrame(f *testing.F) {
	for _, s := range fastStreamSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{`{"type":"bookDelta","type":"ticker","symbol":"s"}`, `{"type":"ticker","id":1}`,
		`{"type":"ticker","Error":1}`, `{"type":"trades"}`, `{"type":"book\u0044elta"}`, `{"type":"marketTrade","TYPE":"ticker"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !validJSON(data) {
			return // Client.handle checks first
		}
		got, stream, ok := fastStreamFrame(data)
		if !ok {
			return
		}
		var env envelope
		if err := json.Unmarshal(data, &env); err != nil || env.Type == "" {
			t.Fatalf("%q routed in one pass, but its envelope is %+v, %v", data, env, err)
		}
		want := reflect.New(reflect.TypeOf(got).Elem()).Interface()
		if err := json.Unmarshal(data, want); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: one pass gave %+v, json.Unmarshal %+v (%v)", data, got, want, err)
		}
		if _, wantStream := decodeStream(env.Type, data); wantStream != stream {
			t.Fatalf("%q: one pass routed to %q, the envelope pass to %q", data, stream, wantStream)
		}
	})
}
