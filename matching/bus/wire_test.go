package bus

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/mts-krx/mts/matching"
)

var sampleResults = []struct {
	kind QueryKind
	r    QueryResult
}{
	{QueryOrder, QueryResult{Found: true, Orders: []matching.OrderView{{Account: "A", Symbol: "005930", OrderID: 7,
		ClientOrderID: "c1", Open: true, Triggered: true, Side: matching.Buy, Type: matching.StopLimit, TIF: matching.Day,
		Price: 72100, StopPrice: 72000, Qty: 5, CumQty: 2, LeavesQty: 3, CumValue: 144200}}}},
	{QueryOrder, QueryResult{}},
	{QueryOrder, QueryResult{Found: true, Orders: []matching.OrderView{{Account: "A", Symbol: "005930", OrderID: 8,
		ClientOrderID: "c2", Status: matching.StatusCanceled, Side: matching.Sell, Type: matching.Limit, TIF: matching.IOC,
		Price: 71000, Qty: 4, CumQty: 2, CumValue: 142000}}}}, // closed, with its last state
	{QueryOpenOrders, QueryResult{Found: true, Orders: []matching.OrderView{{}, {Account: "B", OrderID: 1 << 60, CumValue: -1}}}},
	{QueryOpenOrders, QueryResult{Found: true, More: true, Orders: []matching.OrderView{{Account: "B", Symbol: "005930", OrderID: 3}}}},
	{QueryBalance, QueryResult{Found: true, Balance: matching.BalanceView{Account: "A", Cash: 1e9, Hold: 70_011}}},
	{QueryPositions, QueryResult{Found: true, Positions: []matching.PositionView{{Symbol: "000660", Qty: 50, Hold: 10}, {Symbol: "005930", Qty: 2}}}},
}

func TestReadReplyRoundTrip(t *testing.T) {
	for _, s := range sampleResults {
		data := appendReadReply(nil, s.kind, &s.r)
		var got QueryResult
		k, err := decodeReadReply(data[1:], &got)
		want := s.r
		if want.Orders == nil {
			want.Orders = got.Orders[:0:0]
		}
		if err != nil || k != s.kind || got.Found != want.Found || got.More != want.More || got.Balance != want.Balance ||
			len(got.Orders) != len(s.r.Orders) || len(got.Positions) != len(s.r.Positions) ||
			(len(s.r.Orders) > 0 && !reflect.DeepEqual(got.Orders, s.r.Orders)) ||
			(len(s.r.Positions) > 0 && !reflect.DeepEqual(got.Positions, s.r.Positions)) {
			t.Errorf("kind %d: %+v decoded to %d, %+v, %v", s.kind, s.r, k, got, err)
		}
	}
}

// TestReadRequestCursor: a page's cursor goes with a QueryOpenOrders only,
// and only when it is not zero, so every request has one encoding.
func TestReadRequestCursor(t *testing.T) {
	after := matching.OrderKey{Symbol: "005930", OrderID: 42}
	for _, q := range []Query{
		{Kind: QueryOpenOrders, Account: "A", After: after},
		{Kind: QueryOpenOrders, Account: "A", Symbol: "005930"},
	} {
		var r request
		if err := decodeRequest(appendReadRequest(nil, &q), &r); err != nil || !r.read || r.q != q {
			t.Errorf("%+v decoded to %+v, %v", q, r.q, err)
		}
	}
	q := Query{Kind: QueryOrder, Account: "A", OrderID: 1, After: after}
	var r request
	if err := decodeRequest(appendReadRequest(nil, &q), &r); err != nil || !r.q.After.IsZero() {
		t.Errorf("a cursor on a QueryOrder went over: %+v, %v", r.q, err)
	}
	zero := appendStr(appendReadRequest(nil, &Query{Kind: QueryOpenOrders, Account: "A"}), "")
	if err := decodeRequest(append(zero, 0), &r); err == nil {
		t.Error("a zero cursor written out was accepted")
	}
	var res QueryResult
	if _, err := decodeReadReply([]byte{byte(QueryOrder), replyFound | replyMore, 0}, &res); err == nil {
		t.Error("more on a QueryOrder answer was accepted")
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add(appendReadRequest(nil, &Query{Kind: QueryOpenOrders, Account: "A", After: matching.OrderKey{Symbol: "005930", OrderID: 9}}))
	f.Add(appendCommandRequest(nil, place("A", "c1", matching.Buy, 70000, 5)))
	f.Add(appendCommandRequest(nil, &matching.Command{Kind: matching.CmdCancelAll, Account: "A"}))
	f.Add(appendReadRequest(nil, &Query{Kind: QueryOrder, Account: "A", Symbol: "005930", OrderID: 9, ClientOrderID: "c"}))
	f.Add(appendReadRequest(nil, &Query{Kind: QueryPositions, Account: "A"}))
	f.Add([]byte{WireVersion, kindRead})
	f.Fuzz(func(t *testing.T, data []byte) {
		var r request
		if decodeRequest(data, &r) != nil {
			return
		}
		var again []byte
		if r.read {
			again = appendReadRequest(nil, &r.q)
		} else {
			again = appendCommandRequest(nil, &r.cmd)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("%x decoded to %+v, which encodes to %x", data, r, again)
		}
	})
}

func FuzzDecodeReadReply(f *testing.F) {
	for _, s := range sampleResults {
		f.Add(appendReadReply(nil, s.kind, &s.r)[1:])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r QueryResult
		k, err := decodeReadReply(data, &r)
		if err != nil {
			return
		}
		if again := appendReadReply(nil, k, &r)[1:]; !bytes.Equal(again, data) {
			t.Fatalf("%x decoded to %d %+v, which encodes to %x", data, k, r, again)
		}
	})
}

func FuzzDecodeExec(f *testing.F) {
	ev := matching.Event{Kind: matching.EvExec, Seq: 3, TS: 4, Account: "A", Symbol: "005930", OrderID: 1,
		ExecType: matching.ExecNew, Status: matching.StatusNew, Side: matching.Buy, Qty: 5, LeavesQty: 5}
	f.Add(matching.AppendEvent(appendExecHeader(nil, 1), &ev))
	f.Add(matching.AppendEvent(matching.AppendEvent(appendExecHeader(nil, 2), &ev), &matching.Event{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := decodeExec(data, nil)
		if err != nil {
			return
		}
		again := appendExecHeader(nil, len(evs))
		for i := range evs {
			again = matching.AppendEvent(again, &evs[i])
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("%x decoded to %+v, which encodes to %x", data, evs, again)
		}
	})
}
