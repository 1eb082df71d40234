package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"testing"
)

// FuzzReplayLine puts arbitrary lines through the whole edge into a live
// engine that already holds the sample session's book. Whatever the line,
// neither the decoder nor the engine may panic: anything the gateway lets
// through must be something the engine can answer.
//
//	go test -fuzz=FuzzReplayLine -fuzztime=1m ./cmd/mts/
func FuzzReplayLine(f *testing.F) {
	sample, err := os.ReadFile(sampleOrders)
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(sample))
	for sc.Scan() {
		f.Add(append([]byte(nil), sc.Bytes()...))
	}
	f.Add([]byte(`{"ts": 1, "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "stop_limit", "price": "92300", "stopPrice": "49700", "qty": "500000", "stp": "cancel_both"}}`))
	f.Add([]byte(`{"ts": 9223372036854775807, "account": "A1", "method": "order.amend", "params": {"symbol": "005930", "orderId": "18446744073709551615", "qty": "9223372036854775807"}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		eng, err := newReplayEngine("")
		if err != nil {
			t.Fatal(err)
		}
		r := newReplayer(eng, io.Discard, io.Discard, replayOptions{})
		for _, l := range bytes.Split(sample, []byte("\n")) {
			if _, err := r.line(l); err != nil {
				t.Fatal(err)
			}
		}
		r.lastTS = 0 // let the fuzzed line choose any time
		if _, err := r.line(line); err != nil {
			t.Fatal(err)
		}
	})
}
