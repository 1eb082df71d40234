package gateway

import (
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// A fill on a client's reply and executions stream carries its trade date
// (KST) and T+2 settlement date, skipping weekends and the calendar's
// holidays; other reports carry neither.
func TestClientFillsCarryTradeAndSettlementDates(t *testing.T) {
	// Thursday 2026-12-24 10:00 KST; Christmas is a holiday, then a weekend.
	ts := time.Date(2026, 12, 24, 10, 0, 0, 0, KST).UnixNano()
	cal := &Calendar{Holidays: map[string]bool{"2026-12-25": true}}
	fill := matching.Event{Kind: matching.EvExec, Seq: 9, TS: ts, Account: "A1", Symbol: "005930", OrderID: 3,
		Cmd: matching.CmdPlace, ExecType: matching.ExecTrade, Status: matching.StatusFilled, Side: matching.Buy,
		Type: matching.Limit, TIF: matching.Day, Price: 71000, Qty: 1, CumQty: 1, CumValue: 71000, LastPx: 71000, LastQty: 1}
	ack := fill
	ack.ExecType, ack.Status, ack.CumQty, ack.CumValue, ack.LastPx, ack.LastQty = matching.ExecNew, matching.StatusNew, 0, 0, 0, 0
	a := orderAnswer(&Outcome{Cmd: matching.Command{Seq: 9, TS: ts}, Events: []matching.Event{ack, fill}}, "A1", cal)
	reps := a.result.(api.OrderResult).Reports
	if reps[0].TradeDate != "" || reps[0].SettlementDate != "" {
		t.Errorf("the ack has dates: %+v", reps[0])
	}
	if reps[1].TradeDate != "2026-12-24" || reps[1].SettlementDate != "2026-12-29" {
		t.Errorf("fill dates %q / %q, want 2026-12-24 / 2026-12-29", reps[1].TradeDate, reps[1].SettlementDate)
	}
}
