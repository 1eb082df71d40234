package gateway

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// kst returns Unix nanoseconds of a wall time in Seoul.
func kst(y int, m time.Month, d, hh, mm int) int64 {
	return time.Date(y, m, d, hh, mm, 0, 0, KST).UnixNano()
}

func TestCalendar(t *testing.T) {
	xmas := &Calendar{Holidays: map[string]bool{"2026-12-25": true}}
	tests := []struct {
		name          string
		cal           *Calendar
		ts            int64
		trade, settle string
	}{
		{"Wednesday", nil, kst(2026, 11, 25, 9, 0), "2026-11-25", "2026-11-27"},
		{"Thursday over the weekend", nil, kst(2026, 11, 26, 15, 30), "2026-11-26", "2026-11-30"},
		{"Friday", nil, kst(2026, 11, 27, 10, 0), "2026-11-27", "2026-12-01"},
		{"Saturday (not a business day itself)", nil, kst(2026, 11, 28, 10, 0), "2026-11-28", "2026-12-01"},
		{"UTC evening is the next KST day", nil, time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC).UnixNano(), "2026-11-25", "2026-11-27"},
		{"one ns before KST midnight", nil, kst(2026, 11, 26, 0, 0) - 1, "2026-11-25", "2026-11-27"},
		{"holiday skipped", xmas, kst(2026, 12, 23, 9, 0), "2026-12-23", "2026-12-28"},
		{"holiday ignored without the calendar", nil, kst(2026, 12, 23, 9, 0), "2026-12-23", "2026-12-25"},
		{"year end", &Calendar{Holidays: map[string]bool{"2026-12-31": true, "2027-01-01": true}}, kst(2026, 12, 30, 9, 0), "2026-12-30", "2027-01-05"},
	}
	for _, tt := range tests {
		trade := tt.cal.TradeDate(tt.ts)
		settle, ok := tt.cal.SettlementDate(trade)
		if got := trade.Format(DateLayout); got != tt.trade {
			t.Errorf("%s: trade date %s, want %s", tt.name, got, tt.trade)
		}
		if got := settle.Format(DateLayout); !ok || got != tt.settle {
			t.Errorf("%s: settlement date %s (ok %v), want %s", tt.name, got, ok, tt.settle)
		}
	}
	every := &Calendar{Holidays: map[string]bool{}}
	for d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		every.Holidays[d.Format(DateLayout)] = true
	}
	if d, ok := every.SettlementDate(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Errorf("a calendar of holidays only: settlement %v, want none", d)
	}
}

func TestMessageBackOffice(t *testing.T) {
	ts := int64(1795564800000000000)
	tests := []struct {
		ev   matching.Event
		want string
	}{
		{matching.Event{Kind: matching.EvAccount, Seq: 1, TS: ts, Cmd: matching.CmdOpenAccount, Account: "A1", Extra: &matching.Extra{RequestID: "r1"}},
			`{"type":"account","seq":1,"ts":"2026-11-25T00:00:00Z","request":"account.open","account":"A1","requestId":"r1","cash":"0","cashHold":"0"}`},
		{matching.Event{Kind: matching.EvAccount, Seq: 2, TS: ts, Cmd: matching.CmdDeposit, Account: "A1", Extra: &matching.Extra{RequestID: "r2", Amount: 10_000_000, Cash: 10_000_000, Text: "wire in"}},
			`{"type":"account","seq":2,"ts":"2026-11-25T00:00:00Z","request":"account.deposit","account":"A1","requestId":"r2","amount":"10000000","cash":"10000000","cashHold":"0","text":"wire in"}`},
		{matching.Event{Kind: matching.EvAccount, Seq: 3, TS: ts, Cmd: matching.CmdDebitShares, Account: "A1", Symbol: "005930", Reason: matching.RejInsufficientHoldings, Extra: &matching.Extra{RequestID: "r3", Amount: 5, Cash: 10_000_000}},
			`{"type":"account","seq":3,"ts":"2026-11-25T00:00:00Z","request":"account.debitShares","account":"A1","requestId":"r3","reason":"INSUFFICIENT_HOLDINGS","symbol":"005930","amount":"5","cash":"10000000","cashHold":"0","shares":"0","sharesHold":"0"}`},
		{matching.Event{Kind: matching.EvKillSwitch, Seq: 4, TS: ts, Cmd: matching.CmdKillSwitch, Scope: matching.KillAccount, Account: "A1", Active: true, Count: 3, Extra: &matching.Extra{Text: "margin call"}},
			`{"type":"killSwitch","seq":4,"ts":"2026-11-25T00:00:00Z","scope":"account","account":"A1","active":true,"count":3,"text":"margin call"}`},
		{matching.Event{Kind: matching.EvKillSwitch, Seq: 5, TS: ts, Cmd: matching.CmdKillSwitch, Scope: matching.KillGlobal},
			`{"type":"killSwitch","seq":5,"ts":"2026-11-25T00:00:00Z","scope":"global","active":false,"count":0}`},
		{matching.Event{Kind: matching.EvKillSwitch, Seq: 6, TS: ts, Cmd: matching.CmdKillSwitch, Scope: 9, Reason: matching.RejInvalidScope},
			`{"type":"killSwitch","seq":6,"ts":"2026-11-25T00:00:00Z","scope":"unknown(9)","active":false,"count":0,"reason":"INVALID_SCOPE"}`},
		{matching.Event{Kind: matching.EvAlert, Seq: 7, TS: ts, Cmd: matching.CmdPlace, Alert: matching.AlertSelfMatch, Account: "A1", Symbol: "005930", OrderID: 12},
			`{"type":"alert","seq":7,"ts":"2026-11-25T00:00:00Z","alert":"self_match","request":"order.place","account":"A1","symbol":"005930","orderId":"12"}`},
		{matching.Event{Kind: matching.EvAlert, Seq: 8, TS: ts, Cmd: matching.CmdPlace, Alert: matching.AlertOTR, Account: "A1", Symbol: "005930", Count: 201, Qty: 0},
			`{"type":"alert","seq":8,"ts":"2026-11-25T00:00:00Z","alert":"order_to_trade","request":"order.place","account":"A1","symbol":"005930","orders":201,"fills":0}`},
		{matching.Event{Kind: matching.EvMarketStatus, Seq: 9, TS: ts, Cmd: matching.CmdSetPhase, Symbol: "005930", Phase: matching.PhaseContinuous, Price: 70900},
			`{"type":"marketStatus","seq":9,"ts":"2026-11-25T00:00:00Z","request":"admin.setPhase","symbol":"005930","phase":"continuous","price":"70900"}`},
		{matching.Event{Kind: matching.EvMarketStatus, Seq: 10, TS: ts, Cmd: matching.CmdPlace, Symbol: "005930", Phase: matching.PhaseVIAuction, Extra: &matching.Extra{Until: ts + 135e9, Text: "static"}},
			`{"type":"marketStatus","seq":10,"ts":"2026-11-25T00:00:00Z","request":"order.place","symbol":"005930","phase":"vi_auction","until":"2026-11-25T00:02:15Z","text":"static"}`},
		{matching.Event{Kind: matching.EvMarketStatus, Seq: 11, TS: ts, Cmd: matching.CmdSetPhase, Phase: 9, Reason: matching.RejInvalidPhase},
			`{"type":"marketStatus","seq":11,"ts":"2026-11-25T00:00:00Z","request":"admin.setPhase","phase":"unknown(9)","reason":"INVALID_PHASE"}`},
		{matching.Event{Kind: matching.EvAuction, Seq: 12, TS: ts, Symbol: "005930", Phase: matching.PhaseOpeningAuction, Price: 70800, Qty: 120},
			`{"type":"auction","seq":12,"ts":"2026-11-25T00:00:00Z","symbol":"005930","phase":"opening_auction","price":"70800","qty":"120"}`},
	}
	for _, tt := range tests {
		checkJSON(t, &tt.ev, tt.want)
	}
}

func TestEveryEventKindHasAMessage(t *testing.T) {
	for k := matching.EvExec; k <= matching.EvAuction; k++ {
		if Message(&matching.Event{Kind: k}) == nil {
			t.Errorf("event kind %d has no wire message", k)
		}
	}
}

func TestJournalCommand(t *testing.T) {
	ts := kst(2026, 11, 25, 9, 0)
	tests := []struct {
		cmd  matching.Command
		want string
	}{
		{matching.Command{Kind: matching.CmdPlace, Account: "A1", Symbol: "005930", ClientOrderID: "c1", Side: matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: 71000, Qty: 10},
			`{"method":"order.place","account":"A1","params":{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"10","tif":"day","clientOrderId":"c1"}}`},
		{matching.Command{Kind: matching.CmdPlace, Account: "A1", Symbol: "005930", Side: matching.Sell, Type: matching.StopLimit, TIF: matching.Day, Price: 70000, StopPrice: 70500, Qty: 3, STP: matching.STPCancelBoth, Confirm: true},
			`{"method":"order.place","account":"A1","params":{"symbol":"005930","side":"sell","type":"stop_limit","price":"70000","stopPrice":"70500","qty":"3","tif":"day","stp":"cancel_both","confirm":true}}`},
		{matching.Command{Kind: matching.CmdPlace, Account: "A1", Symbol: "005930", Side: 7, Type: 0, TIF: 9, Qty: 0},
			`{"method":"order.place","account":"A1","params":{"symbol":"005930","side":"unknown(7)","type":"unknown(0)","qty":"0","tif":"unknown(9)"}}`},
		{matching.Command{Kind: matching.CmdAmend, Account: "A1", Symbol: "005930", OrderID: 4, Price: 71100},
			`{"method":"order.amend","account":"A1","params":{"symbol":"005930","orderId":"4","price":"71100"}}`},
		{matching.Command{Kind: matching.CmdCancel, Account: "A1", Symbol: "005930", OrigClientOrderID: "c1", Qty: 2},
			`{"method":"order.cancel","account":"A1","params":{"symbol":"005930","origClientOrderId":"c1","qty":"2"}}`},
		{matching.Command{Kind: matching.CmdOpenAccount, Account: "A1", Group: "fam", RequestID: "o1"},
			`{"method":"account.open","account":"A1","params":{"group":"fam","requestId":"o1"}}`},
		{matching.Command{Kind: matching.CmdDeposit, Account: "A1", Amount: 50_000_000, RequestID: "d1"},
			`{"method":"account.deposit","account":"A1","params":{"amount":"50000000","requestId":"d1"}}`},
		{matching.Command{Kind: matching.CmdWithdraw, Account: "A1", Amount: 1_000, RequestID: "w1", Text: "fee"},
			`{"method":"account.withdraw","account":"A1","params":{"amount":"1000","requestId":"w1","text":"fee"}}`},
		{matching.Command{Kind: matching.CmdCreditShares, Account: "A1", Symbol: "005930", Qty: 100, RequestID: "s1"},
			`{"method":"account.creditShares","account":"A1","params":{"symbol":"005930","qty":"100","requestId":"s1"}}`},
		{matching.Command{Kind: matching.CmdDebitShares, Account: "A1", Symbol: "005930", Qty: 5, RequestID: "s2", Text: "transfer out"},
			`{"method":"account.debitShares","account":"A1","params":{"symbol":"005930","qty":"5","requestId":"s2","text":"transfer out"}}`},
		{matching.Command{Kind: matching.CmdKillSwitch, Scope: matching.KillSymbol, Symbol: "005930", Active: true, Text: "news"},
			`{"method":"admin.killSwitch","params":{"scope":"symbol","symbol":"005930","active":true,"text":"news"}}`},
		{matching.Command{Kind: matching.CmdKillSwitch, Scope: matching.KillAccount, Account: "A1"},
			`{"method":"admin.killSwitch","account":"A1","params":{"scope":"account","active":false}}`},
		{matching.Command{Kind: matching.CmdCancelAll, Account: "A1", Symbol: "005930"},
			`{"method":"order.cancelAll","account":"A1","params":{"symbol":"005930"}}`},
		{matching.Command{Kind: matching.CmdCancelAll, Account: "A1"},
			`{"method":"order.cancelAll","account":"A1","params":{}}`},
		{matching.Command{Kind: matching.CmdSetPhase, Phase: matching.PhaseOpeningAuction},
			`{"method":"admin.setPhase","params":{"phase":"opening_auction"}}`},
		{matching.Command{Kind: matching.CmdSetPhase, Symbol: "005930", Phase: 99, Text: "ops"},
			`{"method":"admin.setPhase","params":{"symbol":"005930","phase":"unknown(99)","text":"ops"}}`},
		{matching.Command{Kind: matching.CmdNewDay, Phase: matching.PhaseOpeningAuction, Amount: 42, Text: "2026-11-26"},
			`{"method":"admin.newDay","params":{"phase":"opening_auction","seed":"42","text":"2026-11-26"}}`},
		{matching.Command{Kind: matching.CmdMarketPhase, Phase: matching.PhaseContinuous, Text: "schedule"},
			`{"method":"admin.marketPhase","params":{"phase":"continuous","text":"schedule"}}`},
		{matching.Command{Kind: 42, Account: "A1"},
			`{"method":"unknown(42)","account":"A1","params":{}}`},
	}
	for _, tt := range tests {
		tt.cmd.TS = ts
		got, err := json.Marshal(JournalCommand(&tt.cmd))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("JournalCommand(%+v)\n got %s\nwant %s", tt.cmd, got, tt.want)
		}
	}
}

func TestMethodNames(t *testing.T) {
	for kind, method := range map[matching.CommandKind]string{
		matching.CmdOpenAccount: api.MethodOpenAccount, matching.CmdDeposit: api.MethodDeposit,
		matching.CmdWithdraw: api.MethodWithdraw, matching.CmdCreditShares: api.MethodCreditShares,
		matching.CmdDebitShares: api.MethodDebitShares, matching.CmdKillSwitch: api.MethodKillSwitch,
		matching.CmdCancelAll: api.MethodCancelAll,
	} {
		if kind.String() != method {
			t.Errorf("CommandKind %d is %q in the journal, api says %q", kind, kind.String(), method)
		}
	}
}

// fillRecord is a buy that takes a resting sell on a Friday in Seoul, with
// fees: the record the README shows.
func fillRecord() (matching.Command, []matching.Event) {
	ts := kst(2026, 11, 27, 9, 1) + 5_000
	cmd := matching.Command{
		Kind: matching.CmdPlace, Seq: 7, TS: ts, Account: "B1", Symbol: "005930", ClientOrderID: "b-1",
		Side: matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: 71000, Qty: 10,
	}
	base := matching.Event{Seq: 7, TS: ts, Symbol: "005930", Cmd: matching.CmdPlace, Type: matching.Limit, TIF: matching.Day}
	taker, maker, trade, book := base, base, base, base
	taker.Kind, taker.Account, taker.OrderID, taker.ClientOrderID = matching.EvExec, "B1", 2, "b-1"
	taker.ExecType, taker.Status, taker.Side, taker.Price, taker.Qty = matching.ExecTrade, matching.StatusFilled, matching.Buy, 71000, 10
	taker.CumQty, taker.CumValue, taker.LastPx, taker.LastQty = 10, 710000, 71000, 10
	taker.Liquidity, taker.TradeID, taker.Fee = matching.Taker, 1, 106
	maker.Kind, maker.Account, maker.OrderID, maker.ClientOrderID = matching.EvExec, "S1", 1, "s-1"
	maker.ExecType, maker.Status, maker.Side, maker.Price, maker.Qty = matching.ExecTrade, matching.StatusFilled, matching.Sell, 71000, 10
	maker.CumQty, maker.CumValue, maker.LastPx, maker.LastQty = 10, 710000, 71000, 10
	maker.Liquidity, maker.TradeID, maker.Fee, maker.Tax = matching.Maker, 1, 106, 1420
	trade.Kind, trade.TradeID, trade.LastPx, trade.LastQty, trade.Side = matching.EvTrade, 1, 71000, 10, matching.Buy
	trade.OrderID, trade.Account, trade.MakerOrderID, trade.MakerAccount = 2, "B1", 1, "S1"
	book.Kind, book.Side, book.Price = matching.EvBook, matching.Sell, 71000
	return cmd, []matching.Event{taker, maker, trade, book}
}

const fillRecordJSON = `{"seq":7,"ts":"2026-11-27T00:01:00.000005Z","tradeDate":"2026-11-27",` +
	`"command":{"method":"order.place","account":"B1","params":{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"10","tif":"day","clientOrderId":"b-1"}},` +
	`"events":[` +
	`{"type":"execution","seq":7,"ts":"2026-11-27T00:01:00.000005Z","account":"B1","symbol":"005930","orderId":"2","clientOrderId":"b-1","request":"order.place","execType":"trade","status":"filled","side":"buy","ordType":"limit","tif":"day","price":"71000","qty":"10","cumQty":"10","leavesQty":"0","avgPx":"71000","lastPx":"71000","lastQty":"10","liquidity":"taker","tradeId":"1","fee":"106","tradeDate":"2026-11-27","settlementDate":"2026-12-01"},` +
	`{"type":"execution","seq":7,"ts":"2026-11-27T00:01:00.000005Z","account":"S1","symbol":"005930","orderId":"1","clientOrderId":"s-1","request":"order.place","execType":"trade","status":"filled","side":"sell","ordType":"limit","tif":"day","price":"71000","qty":"10","cumQty":"10","leavesQty":"0","avgPx":"71000","lastPx":"71000","lastQty":"10","liquidity":"maker","tradeId":"1","fee":"106","tax":"1420","tradeDate":"2026-11-27","settlementDate":"2026-12-01"},` +
	`{"type":"trade","seq":7,"ts":"2026-11-27T00:01:00.000005Z","symbol":"005930","tradeId":"1","price":"71000","qty":"10","side":"buy","takerOrderId":"2","makerOrderId":"1","takerAccount":"B1","makerAccount":"S1"},` +
	`{"type":"book","seq":7,"ts":"2026-11-27T00:01:00.000005Z","symbol":"005930","side":"sell","price":"71000","qty":"0","count":0}]}`

func TestJournalRecordFill(t *testing.T) {
	cmd, evs := fillRecord()
	rec := JournalRecord(&cmd, evs, nil)
	got, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != fillRecordJSON {
		t.Errorf("JournalRecord\n got %s\nwant %s", got, fillRecordJSON)
	}
	// Only fills carry the dates.
	evs[0].ExecType, evs[0].Status = matching.ExecNew, matching.StatusNew
	rec = JournalRecord(&cmd, evs[:1], nil)
	if er := rec.Events[0].(api.ExecutionReport); er.TradeDate != "" || er.SettlementDate != "" {
		t.Errorf("a new-order report has trade date %q and settlement date %q, want none", er.TradeDate, er.SettlementDate)
	}
	rec = JournalRecord(&cmd, []matching.Event{{Kind: 77, Seq: 7, TS: cmd.TS}}, nil)
	if got, _ := json.Marshal(rec.Events); string(got) != `[{"type":"unknown","kind":77,"seq":7,"ts":"2026-11-27T00:01:00.000005Z"}]` {
		t.Errorf("unknown event kind rendered as %s", got)
	}
}

func TestCSVColumnsInStep(t *testing.T) {
	cols := api.JournalCSVColumns()
	if len(cols) != numCols {
		t.Fatalf("api has %d CSV columns, gateway fills %d", len(cols), numCols)
	}
	for name, i := range map[string]int{
		"seq": colSeq, "cmdAccount": colCmdAccount, "type": colType, "clientOrderId": colClientOrderID,
		"tif": colTIF, "price": colPrice, "avgPx": colAvgPx, "settlementDate": colSettlementDate,
		"count": colCount, "sharesHold": colSharesHold, "active": colActive, "fills": colFills, "text": colText,
	} {
		if cols[i] != name {
			t.Errorf("CSV column %d is %q in api, gateway writes %q there", i, cols[i], name)
		}
	}
	if seen := slices.Compact(slices.Sorted(slices.Values(cols))); len(seen) != len(cols) {
		t.Errorf("CSV columns repeat a name: %v", cols)
	}
}

func TestJournalWriterCSV(t *testing.T) {
	cmd, evs := fillRecord()
	var buf bytes.Buffer
	jw := NewJournalWriter(&buf, CSV, &Calendar{Holidays: map[string]bool{"2026-11-30": true}})
	if err := jw.WritePayload(cmd.Seq, cmd.TS, matching.AppendRecord(nil, &cmd, evs)); err != nil {
		t.Fatal(err)
	}
	ks := matching.Command{Kind: matching.CmdKillSwitch, Seq: 8, TS: cmd.TS, Scope: matching.KillGlobal, Active: true, Text: `say "stop", now`}
	if err := jw.WritePayload(8, cmd.TS, matching.AppendRecord(nil, &ks, nil)); err != nil {
		t.Fatal(err)
	}
	if err := jw.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, buf.String())
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want a header and 5\n%s", len(rows), buf.String())
	}
	if !slices.Equal(rows[0], api.JournalCSVColumns()) {
		t.Errorf("header %v, want %v", rows[0], api.JournalCSVColumns())
	}
	cell := func(row int, col string) string { return rows[row][slices.Index(rows[0], col)] }
	checks := []struct {
		row       int
		col, want string
	}{
		{1, "seq", "7"}, {1, "ts", "2026-11-27T00:01:00.000005Z"}, {1, "tradeDate", "2026-11-27"},
		{1, "method", "order.place"}, {1, "cmdAccount", "B1"}, {1, "type", "execution"},
		{1, "execType", "trade"}, {1, "fee", "106"}, {1, "tax", ""}, {1, "settlementDate", "2026-12-02"},
		{2, "account", "S1"}, {2, "tax", "1420"}, {2, "liquidity", "maker"},
		{3, "type", "trade"}, {3, "price", "71000"}, {3, "qty", "10"}, {3, "makerAccount", "S1"}, {3, "orderId", "2"},
		{4, "type", "book"}, {4, "qty", "0"}, {4, "count", "0"}, {4, "settlementDate", ""},
		{5, "seq", "8"}, {5, "method", "admin.killSwitch"}, {5, "type", ""}, {5, "cmdAccount", ""},
	}
	for _, c := range checks {
		if got := cell(c.row, c.col); got != c.want {
			t.Errorf("row %d column %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}
}

func TestJournalWriterJSONL(t *testing.T) {
	cmd, evs := fillRecord()
	var buf bytes.Buffer
	jw := NewJournalWriter(&buf, JSONL, nil)
	if err := jw.WritePayload(cmd.Seq, cmd.TS, matching.AppendRecord(nil, &cmd, evs)); err != nil {
		t.Fatal(err)
	}
	if err := jw.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != fillRecordJSON+"\n" {
		t.Errorf("JSONL\n got %s\nwant %s", got, fillRecordJSON)
	}
	buf.Reset()
	if err := NewJournalWriter(&buf, CSV, nil).Flush(); err != nil || buf.String() != strings.Join(api.JournalCSVColumns(), ",")+"\n" {
		t.Errorf("empty CSV = %q, %v; want the header alone", buf.String(), err)
	}
}

func TestJournalWriterRefuses(t *testing.T) {
	cmd, evs := fillRecord()
	payload := matching.AppendRecord(nil, &cmd, evs)
	jw := NewJournalWriter(new(bytes.Buffer), JSONL, nil)
	if err := jw.WritePayload(8, cmd.TS, payload); !errors.Is(err, ErrJournalRecord) {
		t.Errorf("record stored under seq 8 holding seq 7: error %v, want %v", err, ErrJournalRecord)
	}
	if err := jw.WritePayload(7, cmd.TS+1, payload); !errors.Is(err, ErrJournalRecord) {
		t.Errorf("record with another ts: error %v, want %v", err, ErrJournalRecord)
	}
	if err := jw.WritePayload(7, cmd.TS, payload[:len(payload)-3]); !errors.Is(err, matching.ErrCodec) {
		t.Errorf("truncated payload: error %v, want %v", err, matching.ErrCodec)
	}
}

func TestParseJournalFormat(t *testing.T) {
	for in, want := range map[string]JournalFormat{"": JSONL, "jsonl": JSONL, "csv": CSV} {
		if got, err := ParseJournalFormat(in); err != nil || got != want {
			t.Errorf("ParseJournalFormat(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"json", "CSV", "xml", " csv"} {
		if _, err := ParseJournalFormat(in); !errors.Is(err, ErrJournalFormat) {
			t.Errorf("ParseJournalFormat(%q) error %v, want %v", in, err, ErrJournalFormat)
		}
	}
}

// wholeLine is the line encoding/json writes for the whole rendered record:
// what the streaming JournalWriter must reproduce byte for byte.
func wholeLine(t *testing.T, cmd *matching.Command, evs []matching.Event) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(JournalRecord(cmd, evs, nil)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// countingWriter records the largest single write it was given.
type countingWriter struct {
	bytes.Buffer
	largest int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.largest = max(w.largest, len(p))
	return w.Buffer.Write(p)
}

func TestJournalWriterStreamsJSON(t *testing.T) {
	cmd, evs := fillRecord()
	ks := matching.Command{Kind: matching.CmdKillSwitch, Seq: 8, TS: cmd.TS, Scope: matching.KillGlobal, Active: true, Text: `<halt> & "stop"`}
	unknown := []matching.Event{{Kind: 77, Seq: 7, TS: cmd.TS}}
	for _, c := range []struct {
		name string
		cmd  *matching.Command
		evs  []matching.Event
	}{
		{"fill", &cmd, evs},
		{"one event", &cmd, evs[:1]},
		{"no events, HTML characters kept", &ks, nil},
		{"unknown kind", &cmd, unknown},
	} {
		var w countingWriter
		jw := NewJournalWriter(&w, JSONL, nil)
		if err := jw.WritePayload(c.cmd.Seq, c.cmd.TS, matching.AppendRecord(nil, c.cmd, c.evs)); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := wholeLine(t, c.cmd, c.evs); w.String() != want {
			t.Errorf("%s: streamed\n%s\nwhole record encodes as\n%s", c.name, w.String(), want)
		}
	}
}

// TestJournalWriterHoldsOneEvent: a record of 20,000 events goes out as
// the same line encoding/json would write, yet the writer never holds more
// than one event's JSON (the largest write it makes, and its buffer, stay
// small) where a whole-record encoding would hold the whole multi-megabyte
// line.
func TestJournalWriterHoldsOneEvent(t *testing.T) {
	cmd, four := fillRecord()
	evs := make([]matching.Event, 0, 20_000)
	for len(evs) < cap(evs) {
		evs = append(evs, four...)
	}
	for _, f := range []JournalFormat{JSONL, CSV} {
		var w countingWriter
		jw := NewJournalWriter(&w, f, nil)
		if err := jw.WritePayload(cmd.Seq, cmd.TS, matching.AppendRecord(nil, &cmd, evs)); err != nil {
			t.Fatal(err)
		}
		if err := jw.Flush(); err != nil {
			t.Fatal(err)
		}
		if w.Len() < 2<<20 {
			t.Fatalf("format %v: the record came out as %d bytes, expected megabytes", f, w.Len())
		}
		if w.largest > 8<<10 || jw.buf.Cap() > 8<<10 {
			t.Errorf("format %v: largest write %d B, buffer %d B for a %d-byte record: not streamed", f, w.largest, jw.buf.Cap(), w.Len())
		}
		if f == JSONL && w.String() != wholeLine(t, &cmd, evs) {
			t.Error("the streamed line differs from the whole record's encoding")
		}
	}
}
