package gateway

import (
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// AvgPxPlaces is how many decimal places avgPx carries.
const AvgPxPlaces = 4

var two = decimal.NewFromInt(2)

// Message converts an engine event into its wire message: an
// api.ExecutionReport, api.Trade, api.BookLevel, api.AccountUpdate,
// api.KillSwitchUpdate, api.Alert, MarketStatus or Auction value. It returns nil for an event kind
// it does not know, which a test keeps from happening.
func Message(e *matching.Event) any {
	switch e.Kind {
	case matching.EvExec:
		return ExecutionReport(e)
	case matching.EvTrade:
		return Trade(e)
	case matching.EvBook:
		return BookLevel(e)
	case matching.EvAccount:
		return AccountUpdate(e)
	case matching.EvKillSwitch:
		return KillSwitchUpdate(e)
	case matching.EvAlert:
		return Alert(e)
	case matching.EvMarketStatus:
		return MarketStatusMessage(e)
	case matching.EvAuction:
		return AuctionMessage(e)
	}
	return nil
}

// MarketStatus is a symbol's trading phase changing (EvMarketStatus), as the
// journal feed renders it. (It lives here rather than in api until the
// public streams carry it.)
type MarketStatus struct {
	Type    string      `json:"type"` // "marketStatus"
	Seq     uint64      `json:"seq"`
	TS      string      `json:"ts"`
	Request string      `json:"request"`
	Symbol  string      `json:"symbol,omitempty"`
	Phase   string      `json:"phase"`
	Reason  api.Code    `json:"reason,omitempty"`
	Price   api.Decimal `json:"price,omitempty"` // the auction price of an uncross
	Until   string      `json:"until,omitempty"` // a VI auction's scheduled end
	Text    string      `json:"text,omitempty"`
}

// Auction is a single-price auction's indicative price and volume
// (EvAuction).
type Auction struct {
	Type   string      `json:"type"` // "auction"
	Seq    uint64      `json:"seq"`
	TS     string      `json:"ts"`
	Symbol string      `json:"symbol"`
	Phase  string      `json:"phase"`
	Price  api.Decimal `json:"price,omitempty"` // absent: nothing would trade
	Qty    api.Decimal `json:"qty"`
}

// MarketStatusMessage converts an EvMarketStatus event.
func MarketStatusMessage(e *matching.Event) MarketStatus {
	x := e.Extras()
	m := MarketStatus{
		Type: "marketStatus", Seq: e.Seq, TS: FormatTS(e.TS), Request: e.Cmd.String(), Symbol: e.Symbol,
		Phase: enum(e.Phase.String(), uint8(e.Phase)), Reason: api.Code(e.Reason.Code()),
		Price: optional(int64(e.Price)), Text: x.Text,
	}
	if x.Until != 0 {
		m.Until = FormatTS(x.Until)
	}
	return m
}

// AuctionMessage converts an EvAuction event.
func AuctionMessage(e *matching.Event) Auction {
	return Auction{
		Type: "auction", Seq: e.Seq, TS: FormatTS(e.TS), Symbol: e.Symbol,
		Phase: enum(e.Phase.String(), uint8(e.Phase)), Price: optional(int64(e.Price)), Qty: number(int64(e.Qty)),
	}
}

// ExecutionReport converts an EvExec event.
func ExecutionReport(e *matching.Event) api.ExecutionReport {
	num, den := e.AvgPx()
	r := api.ExecutionReport{
		Type: api.TypeExecution, Seq: e.Seq, TS: FormatTS(e.TS),
		Account: e.Account, Symbol: e.Symbol,
		OrderID: orderID(e.OrderID), ClientOrderID: e.ClientOrderID,
		Request: e.Cmd.String(), ExecType: e.ExecType.String(), Status: e.Status.String(),
		Reason: api.Code(e.Reason.Code()),
		Side:   side(e.Side), OrdType: known(e.Type.String()), TIF: known(e.TIF.String()),
		Price: optional(int64(e.Price)), StopPrice: optional(int64(e.StopPrice)),
		Qty: number(int64(e.Qty)), CumQty: number(int64(e.CumQty)), LeavesQty: number(int64(e.LeavesQty)),
		AvgPx:  AvgPx(num, den),
		LastPx: optional(int64(e.LastPx)), LastQty: optional(int64(e.LastQty)),
		Fee: optional(e.Fee), Tax: optional(e.Tax),
		RefOrderID: orderID(e.Extras().RefOrderID),
	}
	if e.Liquidity != 0 {
		r.Liquidity = e.Liquidity.String()
	}
	if e.TradeID != 0 {
		r.TradeID = strconv.FormatUint(e.TradeID, 10)
	}
	return r
}

// Trade converts an EvTrade event.
func Trade(e *matching.Event) api.Trade {
	return api.Trade{
		Type: api.TypeTrade, Seq: e.Seq, TS: FormatTS(e.TS), Symbol: e.Symbol,
		TradeID: strconv.FormatUint(e.TradeID, 10),
		Price:   number(int64(e.LastPx)), Qty: number(int64(e.LastQty)), Side: side(e.Side),
		TakerOrderID: orderID(e.OrderID), MakerOrderID: orderID(e.MakerOrderID),
		TakerAccount: e.Account, MakerAccount: e.MakerAccount,
	}
}

// BookLevel converts an EvBook event.
func BookLevel(e *matching.Event) api.BookLevel {
	return api.BookLevel{
		Type: api.TypeBook, Seq: e.Seq, TS: FormatTS(e.TS), Symbol: e.Symbol,
		Side: side(e.Side), Price: number(int64(e.Price)), Qty: number(int64(e.Qty)), Count: e.Count,
	}
}

// AccountUpdate converts an EvAccount event. Cash and CashHold are always
// present (an account can hold nothing); Shares and SharesHold on share
// commands only.
func AccountUpdate(e *matching.Event) api.AccountUpdate {
	x := e.Extras()
	u := api.AccountUpdate{
		Type: api.TypeAccount, Seq: e.Seq, TS: FormatTS(e.TS), Request: e.Cmd.String(),
		Account: e.Account, RequestID: x.RequestID, Reason: api.Code(e.Reason.Code()),
		Symbol: e.Symbol, Amount: optional(x.Amount),
		Cash: number(x.Cash), CashHold: number(x.CashHold), Text: x.Text,
	}
	if e.Symbol != "" {
		u.Shares, u.SharesHold = number(int64(x.Shares)), number(int64(x.SharesHold))
	}
	return u
}

// KillSwitchUpdate converts an EvKillSwitch event.
func KillSwitchUpdate(e *matching.Event) api.KillSwitchUpdate {
	return api.KillSwitchUpdate{
		Type: api.TypeKillSwitch, Seq: e.Seq, TS: FormatTS(e.TS), Scope: enum(e.Scope.String(), uint8(e.Scope)),
		Account: e.Account, Symbol: e.Symbol, Active: e.Active, Count: e.Count,
		Reason: api.Code(e.Reason.Code()), Text: e.Extras().Text,
	}
}

// Alert converts an EvAlert event. The order-to-trade alert carries the
// account's order and fill counts, which may be zero, so they are set only
// on it.
func Alert(e *matching.Event) api.Alert {
	a := api.Alert{
		Type: api.TypeAlert, Seq: e.Seq, TS: FormatTS(e.TS), Alert: e.Alert.String(),
		Request: e.Cmd.String(), Account: e.Account, Symbol: e.Symbol, OrderID: orderID(e.OrderID),
	}
	if e.Alert == matching.AlertOTR {
		orders, fills := int64(e.Count), int64(e.Qty)
		a.Orders, a.Fills = &orders, &fills
	}
	return a
}

// FormatTS renders Unix nanoseconds as RFC 3339 in UTC with as many
// fractional digits as needed.
func FormatTS(ts int64) string {
	t := time.Unix(0, ts).UTC()
	year, month, day := t.Date()
	if year < 1000 || year > 9999 {
		return t.Format(time.RFC3339Nano)
	}
	// As t.Format(time.RFC3339Nano) (FuzzFormatTS), without parsing the
	// layout: it was a twentieth of the server's CPU per order.
	hour, minute, sec := t.Clock()
	var buf [len("2006-01-02T15:04:05.999999999Z")]byte
	b := appendDigits(buf[:0], year, 4)
	b = appendDigits(append(b, '-'), int(month), 2)
	b = appendDigits(append(b, '-'), day, 2)
	b = appendDigits(append(b, 'T'), hour, 2)
	b = appendDigits(append(b, ':'), minute, 2)
	b = appendDigits(append(b, ':'), sec, 2)
	if ns := t.Nanosecond(); ns != 0 {
		b = appendDigits(append(b, '.'), ns, 9)
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return string(append(b, 'Z'))
}

// appendDigits appends v (non-negative) in exactly width digits.
func appendDigits(b []byte, v, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		b = append(b, 0)
	}
	for i := len(b) - 1; width > 0; i, width = i-1, width-1 {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// AvgPx renders num/den as an exact decimal string rounded half to even at
// AvgPxPlaces places, without trailing zeros: 1779000/25 is "71160",
// 100001/3 is "33333.6667". The quotient and remainder are exact (big
// integers), so there is no double rounding. den must not be zero.
func AvgPx(num, den int64) api.Decimal {
	if den > 0 && num%den == 0 {
		return number(num / den) // whole (no fill yet is 0/1): no rounding, no big numbers
	}
	n, d := decimal.NewFromInt(num), decimal.NewFromInt(den)
	q, r := n.QuoRem(d, AvgPxPlaces) // q truncated toward zero, |r| < |d|·10⁻⁴
	unit := decimal.New(1, -AvgPxPlaces)
	half := r.Abs().Mul(two).Cmp(d.Abs().Mul(unit)) // 2|r| against |d|·10⁻⁴
	if half > 0 || half == 0 && q.Shift(AvgPxPlaces).Coefficient().Bit(0) == 1 {
		if (num < 0) != (den < 0) {
			unit = unit.Neg()
		}
		q = q.Add(unit)
	}
	return api.Decimal(trimZeros(q.StringFixed(AvgPxPlaces)))
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

func number(v int64) api.Decimal { return api.Decimal(strconv.FormatInt(v, 10)) }

// optional renders 0 as "" so that omitempty leaves the field out.
func optional(v int64) api.Decimal {
	if v == 0 {
		return ""
	}
	return number(v)
}

func orderID(id matching.OrderID) api.OrderID {
	if id == 0 {
		return ""
	}
	return api.OrderID(strconv.FormatUint(uint64(id), 10))
}

func side(s matching.Side) string {
	if !s.Valid() {
		return ""
	}
	return s.String()
}

// known maps matching's "unknown" spelling of an invalid enum to "", which
// omitempty leaves out: a rejection of a malformed order has no order type.
func known(s string) string {
	if s == "unknown" {
		return ""
	}
	return s
}
