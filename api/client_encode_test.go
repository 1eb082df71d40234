package api

import (
	"bytes"
	"testing"
)

// FuzzFastRequestEncoding holds fastRequest to json.Marshal's bytes.
//
//	go test ./api -run '^$' -fuzz FuzzFastRequestEncoding -fuzztime 1m
func FuzzFastRequestEncoding(f *testing.F) {
	f.Add(uint64(1), "005930", "buy", "71000", "", "10", "day", "lt-0-1a", true)
	f.Add(uint64(1<<63), "<&>", "\u2028", "", "7", "", "", "\xff\"\\", false)
	f.Fuzz(func(t *testing.T, id uint64, symbol, side, price, stop, qty, tif, coid string, confirm bool) {
		for _, p := range []any{
			PlaceParams{Symbol: symbol, Side: side, Type: "limit", Price: Decimal(price), StopPrice: Decimal(stop), Qty: Decimal(qty), TIF: tif, ClientOrderID: coid, STP: tif, Confirm: confirm},
			CancelParams{Symbol: symbol, OrderID: OrderID(price), OrigClientOrderID: coid, Qty: Decimal(qty)},
		} {
			want, _, err := encodeRequest(id, MethodPlace, p)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := fastRequest(id, MethodPlace, p); ok && !bytes.Equal(got, want) {
				t.Fatalf("fastRequest(%d, %+v)\n got %s\nwant %s", id, p, got, want)
			}
		}
	})
}

func TestFastRequestTakesOrders(t *testing.T) {
	p := PlaceParams{Symbol: "005930", Side: "buy", Type: "limit", Price: "71000", Qty: "10", TIF: "day", ClientOrderID: "lt-0-1a"}
	got, ok := fastRequest(7, MethodPlace, p)
	want, _, _ := encodeRequest(7, MethodPlace, p)
	if !ok || !bytes.Equal(got, want) {
		t.Errorf("fastRequest (ok %v)\n got %s\nwant %s", ok, got, want)
	}
	if _, ok := fastRequest(7, MethodCancel, CancelParams{Symbol: "005930", OrigClientOrderID: "lt-0-1a"}); !ok {
		t.Errorf("fastRequest declined a cancel")
	}
}
