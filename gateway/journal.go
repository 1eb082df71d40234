package gateway

// The back office's rendering of the journal. A journal record's payload is
// matching's binary encoding of one command and its events (matching's
// codec.go). JournalRecord turns the decoded pair into one api.JournalRecord;
// JournalWriter writes the same rendering, the record's head and then one
// event at a time (never the whole record at once), as JSON lines or CSV:
//
//	journal.Record{Seq, TS, Payload}
//	    │ matching.DecodeRecord
//	    ▼
//	matching.Command + []matching.Event ──JournalWriter (head, then event by event)
//	                                        ┌──────────────────────┴────────────────┐
//	                                   JSONL: one record a line          CSV: one event a row
//
// Every number keeps the wire protocol's form: prices, quantities and KRW
// amounts as decimal strings, ids as digit strings, counters as JSON
// numbers. Dates are the Korean market's: a fill's trade date is the date
// in KST (UTC+9, no daylight saving) of its command's timestamp, and its
// settlement date is two business days later (T+2), where a business day
// is Monday to Friday and not in the calendar's holiday set.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// KST is Korea Standard Time. A fixed zone, so no tz database is needed:
// Korea has not observed daylight saving since 1988.
var KST = time.FixedZone("KST", 9*60*60)

// DateLayout is how trade and settlement dates are written.
const DateLayout = "2006-01-02"

// SettlementDays is the settlement cycle of Korean equities: T+2.
const SettlementDays = 2

// maxCalendarDays bounds the search for business days, so a holiday list
// covering every day of a year cannot hang a writer.
const maxCalendarDays = 366

// Calendar says which days are business days. A nil *Calendar knows no
// holidays: every Monday to Friday is a business day.
type Calendar struct {
	// Holidays holds the market's non-business weekdays as "YYYY-MM-DD".
	Holidays map[string]bool
}

// TradeDate returns the date in KST of ts (Unix nanoseconds), as a time at
// midnight UTC so that day arithmetic never meets a zone transition.
func (c *Calendar) TradeDate(ts int64) time.Time {
	y, m, d := time.Unix(0, ts).In(KST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// BusinessDay reports whether date (as TradeDate returns it) is a business
// day.
func (c *Calendar) BusinessDay(date time.Time) bool {
	switch date.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return c == nil || !c.Holidays[date.Format(DateLayout)]
}

// SettlementDate returns the business day SettlementDays business days
// after trade, or ok false when none comes within a year.
func (c *Calendar) SettlementDate(trade time.Time) (date time.Time, ok bool) {
	n := 0
	for range maxCalendarDays {
		trade = trade.AddDate(0, 0, 1)
		if c.BusinessDay(trade) {
			if n++; n == SettlementDays {
				return trade, true
			}
		}
	}
	return time.Time{}, false
}

// fillDates returns the trade date of a fill at ts and its settlement
// date (empty when none comes within a year), as YYYY-MM-DD.
func (c *Calendar) fillDates(ts int64) (trade, settle string) {
	day := c.TradeDate(ts)
	if d, ok := c.SettlementDate(day); ok {
		settle = d.Format(DateLayout)
	}
	return day.Format(DateLayout), settle
}

// JournalRecord renders one journal record: cmd (stamped with its Seq and
// TS) and the events it produced. Fills get the trade date and the
// settlement date from cal.
func JournalRecord(cmd *matching.Command, evs []matching.Event, cal *Calendar) api.JournalRecord {
	trade, settle := cal.fillDates(cmd.TS)
	rec := journalHead(cmd, trade)
	rec.Events = make([]any, 0, len(evs))
	for i := range evs {
		rec.Events = append(rec.Events, journalEvent(&evs[i], trade, settle))
	}
	return rec
}

// journalHead is a record without its events.
func journalHead(cmd *matching.Command, tradeDate string) api.JournalRecord {
	return api.JournalRecord{Seq: cmd.Seq, TS: FormatTS(cmd.TS), TradeDate: tradeDate, Command: JournalCommand(cmd)}
}

// journalEvent is Message with the dates on fills. An event kind Message
// does not know is kept, as "unknown" with its number, rather than dropped:
// the journal feed must show everything.
func journalEvent(e *matching.Event, trade, settle string) any {
	m := Message(e)
	switch r := m.(type) {
	case nil:
		return unknownEvent{Type: "unknown", Kind: uint8(e.Kind), Seq: e.Seq, TS: FormatTS(e.TS)}
	case api.ExecutionReport:
		if e.ExecType == matching.ExecTrade {
			r.TradeDate, r.SettlementDate = trade, settle
		}
		return r
	}
	return m
}

// unknownEvent stands for an event of a kind this build cannot render.
type unknownEvent struct {
	Type string `json:"type"` // "unknown"
	Kind uint8  `json:"kind"`
	Seq  uint64 `json:"seq"`
	TS   string `json:"ts"`
}

// JournalCommand renders a command as the method and params a client (or a
// back-office tool) would have sent for it. Fields with a "keep" or
// "default" meaning when zero (an amend's price, a cancel's qty, the STP
// mode) are left out when zero; an enum value the engine does not know is
// written as "unknown(N)", so that the journal shows what was sent even
// when the engine rejected it.
func JournalCommand(c *matching.Command) api.JournalCommand {
	jc := api.JournalCommand{Method: c.Kind.String(), Account: c.Account}
	switch c.Kind {
	case matching.CmdPlace:
		jc.Params = placeParams(c)
	case matching.CmdAmend:
		jc.Params = api.AmendParams{
			Symbol: c.Symbol, OrderID: orderID(c.OrderID), OrigClientOrderID: c.OrigClientOrderID,
			Price: optional(int64(c.Price)), Qty: optional(int64(c.Qty)),
		}
	case matching.CmdCancel:
		jc.Params = api.CancelParams{
			Symbol: c.Symbol, OrderID: orderID(c.OrderID), OrigClientOrderID: c.OrigClientOrderID,
			Qty: optional(int64(c.Qty)),
		}
	case matching.CmdOpenAccount:
		jc.Params = api.OpenAccountParams{Group: c.Group, RequestID: c.RequestID}
	case matching.CmdDeposit, matching.CmdWithdraw:
		jc.Params = api.CashParams{Amount: number(c.Amount), RequestID: c.RequestID, Text: c.Text}
	case matching.CmdCreditShares, matching.CmdDebitShares:
		jc.Params = api.SharesParams{Symbol: c.Symbol, Qty: number(int64(c.Qty)), RequestID: c.RequestID, Text: c.Text}
	case matching.CmdCancelAll:
		jc.Params = api.CancelAllParams{Symbol: c.Symbol}
	case matching.CmdKillSwitch:
		jc.Params = api.KillSwitchParams{Scope: enum(c.Scope.String(), uint8(c.Scope)), Symbol: c.Symbol, Active: c.Active, Text: c.Text}
	case matching.CmdSetPhase:
		jc.Params = SetPhaseParams{Symbol: c.Symbol, Phase: enum(c.Phase.String(), uint8(c.Phase)), Text: c.Text}
	case matching.CmdNewDay:
		jc.Params = NewDayParams{Phase: enum(c.Phase.String(), uint8(c.Phase)), Seed: number(c.Amount), Text: c.Text}
	case matching.CmdMarketPhase:
		jc.Params = MarketPhaseParams{Phase: enum(c.Phase.String(), uint8(c.Phase)), Text: c.Text}
	default:
		jc.Method = enum("unknown", uint8(c.Kind))
		jc.Params = struct{}{}
	}
	return jc
}

// SetPhaseParams are the params of admin.setPhase as the journal shows them
// (issued by the session scheduler; no client sends it).
type SetPhaseParams struct {
	Symbol string `json:"symbol,omitempty"` // absent: every symbol
	Phase  string `json:"phase"`
	Text   string `json:"text,omitempty"`
}

// MarketPhaseParams are the params of admin.marketPhase as the journal
// shows them: the session scheduler's record that the market has entered
// Phase, after an admin.setPhase for each symbol that moved with it.
type MarketPhaseParams struct {
	Phase string `json:"phase"`
	Text  string `json:"text,omitempty"`
}

// NewDayParams are the params of admin.newDay (the day rollover) as the
// journal shows them. Phase is the phase the day starts in ("unknown(0)":
// closed).
type NewDayParams struct {
	Phase string      `json:"phase"`
	Seed  api.Decimal `json:"seed"` // the day's VI seed
	Text  string      `json:"text,omitempty"`
}

func placeParams(c *matching.Command) api.PlaceParams {
	p := api.PlaceParams{
		Symbol: c.Symbol, Side: sideName(c.Side),
		Type: enum(c.Type.String(), uint8(c.Type)), TIF: enum(c.TIF.String(), uint8(c.TIF)),
		Price: optional(int64(c.Price)), StopPrice: optional(int64(c.StopPrice)), Qty: number(int64(c.Qty)),
		ClientOrderID: c.ClientOrderID, Confirm: c.Confirm,
	}
	if c.STP != matching.STPDefault {
		p.STP = enum(c.STP.String(), uint8(c.STP))
	}
	return p
}

// enum returns name, or "unknown(v)" where matching has no name for v.
func enum(name string, v uint8) string {
	if name == "unknown" {
		return "unknown(" + strconv.Itoa(int(v)) + ")"
	}
	return name
}

func sideName(s matching.Side) string {
	if !s.Valid() {
		return enum("unknown", uint8(s))
	}
	return s.String()
}

// JournalFormat is a rendering of the journal.
type JournalFormat uint8

// Journal formats.
const (
	JSONL JournalFormat = 1 // one api.JournalRecord per line
	CSV   JournalFormat = 2 // a header, then one row per event (api.JournalCSVColumns)
)

// ErrJournalFormat is returned by ParseJournalFormat for an unknown name.
var ErrJournalFormat = errors.New("gateway: journal format must be jsonl or csv")

// ErrJournalRecord means a journal record's payload does not hold the
// command its key and timestamp say it does.
var ErrJournalRecord = errors.New("gateway: journal record does not match its payload")

// ParseJournalFormat parses "jsonl" or "csv"; "" is JSONL.
func ParseJournalFormat(s string) (JournalFormat, error) {
	switch s {
	case "", "jsonl":
		return JSONL, nil
	case "csv":
		return CSV, nil
	}
	return 0, fmt.Errorf("%w, not %q", ErrJournalFormat, s)
}

func (f JournalFormat) String() string {
	if f == CSV {
		return "csv"
	}
	return "jsonl"
}

// ContentType is the HTTP media type of the format.
func (f JournalFormat) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/x-ndjson"
}

// JournalWriter writes journal records to w in one format. It buffers only
// CSV rows (encoding/csv's 4 KiB); Flush pushes them out. Not safe for
// concurrent use.
//
// A record is written an event at a time, never rendered whole: an
// auction's uncross can put hundreds of thousands of events in one record,
// and its JSON line is 7 to 13 times the payload, so a whole-record
// encoding would hold a gigabyte per stream for the largest payload the
// journal takes. What a record costs is its decoded events (the Event
// structs) and one event's JSON at a time.
type JournalWriter struct {
	format JournalFormat
	cal    *Calendar
	w      io.Writer
	enc    *json.Encoder // into buf
	buf    bytes.Buffer  // one JSON value at a time
	csv    *csv.Writer
	began  bool
	cmd    matching.Command
	evs    []matching.Event // decoding scratch, reused
	row    []string         // CSV scratch, reused
}

// NewJournalWriter returns a writer of records in format f to w, dating
// fills with cal (nil: weekends only).
func NewJournalWriter(w io.Writer, f JournalFormat, cal *Calendar) *JournalWriter {
	jw := &JournalWriter{format: f, cal: cal, w: w}
	if f == CSV {
		jw.csv = csv.NewWriter(w)
		jw.row = make([]string, numCols)
	} else {
		jw.enc = json.NewEncoder(&jw.buf)
		jw.enc.SetEscapeHTML(false)
	}
	return jw
}

// WritePayload decodes one journal record (its seq, timestamp and payload
// as the journal stores them) and writes it. A payload that does not
// decode, or holds another seq or timestamp, is an error naming the seq.
func (jw *JournalWriter) WritePayload(seq uint64, ts int64, payload []byte) error {
	var err error
	jw.evs, err = matching.DecodeRecord(payload, &jw.cmd, jw.evs[:0])
	if err != nil {
		return fmt.Errorf("gateway: journal record %d: %w", seq, err)
	}
	if jw.cmd.Seq != seq || jw.cmd.TS != ts {
		return fmt.Errorf("%w: record %d (ts %d) holds command %d (ts %d)", ErrJournalRecord, seq, ts, jw.cmd.Seq, jw.cmd.TS)
	}
	trade, settle := jw.cal.fillDates(jw.cmd.TS)
	head := journalHead(&jw.cmd, trade)
	return jw.write(&head, len(jw.evs), func(i int) any { return journalEvent(&jw.evs[i], trade, settle) })
}

// write writes the record head (its Events unused) with the n events that
// event renders. The CSV header goes out before the first record (or at the
// first Flush).
func (jw *JournalWriter) write(head *api.JournalRecord, n int, event func(i int) any) error {
	if err := jw.begin(); err != nil {
		return err
	}
	if jw.format == CSV {
		return csvRows(head, n, event, jw.row, jw.csv.Write)
	}
	return jw.writeJSON(head, n, event)
}

// writeJSON writes the line encoding/json would write for the whole record,
// byte for byte (TestJournalWriterStreamsJSON): the head encoded with no
// events, cut open before its closing "]}", then each event, then "]}".
// That Events is the record's last field is what makes the cut right.
func (jw *JournalWriter) writeJSON(head *api.JournalRecord, n int, event func(i int) any) error {
	head.Events = []any{}
	if err := jw.encode(head); err != nil {
		return err
	}
	open := bytes.TrimSuffix(jw.buf.Bytes(), []byte("]}"))
	if len(open) != jw.buf.Len()-2 {
		return fmt.Errorf("gateway: journal record %d: head encodes as %q", head.Seq, jw.buf.Bytes())
	}
	if _, err := jw.w.Write(open); err != nil {
		return err
	}
	for i := range n {
		if err := jw.encode(event(i)); err != nil {
			return err
		}
		if i > 0 {
			if _, err := io.WriteString(jw.w, ","); err != nil {
				return err
			}
		}
		if _, err := jw.w.Write(jw.buf.Bytes()); err != nil {
			return err
		}
	}
	_, err := io.WriteString(jw.w, "]}\n")
	return err
}

// encode leaves v's JSON in jw.buf, without the encoder's newline.
func (jw *JournalWriter) encode(v any) error {
	jw.buf.Reset()
	if err := jw.enc.Encode(v); err != nil {
		return err
	}
	jw.buf.Truncate(jw.buf.Len() - 1)
	return nil
}

// Flush writes the CSV header if nothing has been written yet, and any
// buffered rows.
func (jw *JournalWriter) Flush() error {
	if err := jw.begin(); err != nil || jw.csv == nil {
		return err
	}
	jw.csv.Flush()
	return jw.csv.Error()
}

func (jw *JournalWriter) begin() error {
	if jw.began {
		return nil
	}
	jw.began = true
	if jw.csv == nil {
		return nil
	}
	return jw.csv.Write(api.JournalCSVColumns())
}

// CSV column positions, in api.JournalCSVColumns order (a test keeps the
// two in step).
const (
	colSeq = iota
	colTS
	colTradeDate
	colMethod
	colCmdAccount
	colType
	colAccount
	colSymbol
	colOrderID
	colClientOrderID
	colExecType
	colStatus
	colReason
	colSide
	colOrdType
	colTIF
	colPrice
	colQty
	colStopPrice
	colCumQty
	colLeavesQty
	colAvgPx
	colLastPx
	colLastQty
	colLiquidity
	colTradeID
	colFee
	colTax
	colSettlementDate
	colMakerOrderID
	colMakerAccount
	colRefOrderID
	colCount
	colRequestID
	colAmount
	colCash
	colCashHold
	colShares
	colSharesHold
	colScope
	colActive
	colAlert
	colFills
	colText
	numCols
)

// csvRows emits one row per event of the record (one row with empty event
// columns if it has none): head's command columns, then the columns of the
// n events that event renders. row is scratch of numCols cells.
func csvRows(head *api.JournalRecord, n int, event func(i int) any, row []string, emit func([]string) error) error {
	if n == 0 {
		csvCommand(head, row)
		return emit(row)
	}
	for i := range n {
		csvCommand(head, row)
		csvEvent(event(i), row)
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

func csvCommand(rec *api.JournalRecord, row []string) {
	clear(row)
	row[colSeq] = strconv.FormatUint(rec.Seq, 10)
	row[colTS], row[colTradeDate] = rec.TS, rec.TradeDate
	row[colMethod], row[colCmdAccount] = rec.Command.Method, rec.Command.Account
}

func csvEvent(ev any, row []string) {
	switch e := ev.(type) {
	case api.ExecutionReport:
		csvExecution(&e, row)
	case api.Trade:
		csvTrade(&e, row)
	case api.BookLevel:
		csvBook(&e, row)
	case api.AccountUpdate:
		csvAccount(&e, row)
	case api.KillSwitchUpdate:
		csvKillSwitch(&e, row)
	case api.Alert:
		csvAlert(&e, row)
	case MarketStatus:
		row[colType], row[colSymbol], row[colReason] = e.Type, e.Symbol, string(e.Reason)
		row[colPrice], row[colText] = string(e.Price), e.Phase
		if e.Text != "" {
			row[colText] += " " + e.Text
		}
	case Auction:
		row[colType], row[colSymbol], row[colText] = e.Type, e.Symbol, e.Phase
		row[colPrice], row[colQty] = string(e.Price), string(e.Qty)
	case unknownEvent:
		row[colType] = e.Type + "(" + strconv.Itoa(int(e.Kind)) + ")"
	default:
		panic(fmt.Sprintf("gateway: no CSV form for %T", ev))
	}
}

func csvExecution(e *api.ExecutionReport, row []string) {
	row[colType], row[colAccount], row[colSymbol] = e.Type, e.Account, e.Symbol
	row[colOrderID], row[colClientOrderID] = string(e.OrderID), e.ClientOrderID
	row[colExecType], row[colStatus], row[colReason] = e.ExecType, e.Status, string(e.Reason)
	row[colSide], row[colOrdType], row[colTIF] = e.Side, e.OrdType, e.TIF
	row[colPrice], row[colQty], row[colStopPrice] = string(e.Price), string(e.Qty), string(e.StopPrice)
	row[colCumQty], row[colLeavesQty], row[colAvgPx] = string(e.CumQty), string(e.LeavesQty), string(e.AvgPx)
	row[colLastPx], row[colLastQty], row[colLiquidity] = string(e.LastPx), string(e.LastQty), e.Liquidity
	row[colTradeID], row[colFee], row[colTax] = e.TradeID, string(e.Fee), string(e.Tax)
	row[colSettlementDate], row[colRefOrderID] = e.SettlementDate, string(e.RefOrderID)
}

func csvTrade(e *api.Trade, row []string) {
	row[colType], row[colAccount], row[colSymbol] = e.Type, e.TakerAccount, e.Symbol
	row[colOrderID], row[colSide], row[colTradeID] = string(e.TakerOrderID), e.Side, e.TradeID
	row[colPrice], row[colQty] = string(e.Price), string(e.Qty)
	row[colMakerOrderID], row[colMakerAccount] = string(e.MakerOrderID), e.MakerAccount
}

func csvBook(e *api.BookLevel, row []string) {
	row[colType], row[colSymbol], row[colSide] = e.Type, e.Symbol, e.Side
	row[colPrice], row[colQty], row[colCount] = string(e.Price), string(e.Qty), strconv.Itoa(int(e.Count))
}

func csvAccount(e *api.AccountUpdate, row []string) {
	row[colType], row[colAccount], row[colSymbol], row[colReason] = e.Type, e.Account, e.Symbol, string(e.Reason)
	row[colRequestID], row[colAmount], row[colText] = e.RequestID, string(e.Amount), e.Text
	row[colCash], row[colCashHold] = string(e.Cash), string(e.CashHold)
	row[colShares], row[colSharesHold] = string(e.Shares), string(e.SharesHold)
}

func csvKillSwitch(e *api.KillSwitchUpdate, row []string) {
	row[colType], row[colAccount], row[colSymbol], row[colReason] = e.Type, e.Account, e.Symbol, string(e.Reason)
	row[colScope], row[colActive], row[colCount] = e.Scope, strconv.FormatBool(e.Active), strconv.Itoa(int(e.Count))
	row[colText] = e.Text
}

func csvAlert(e *api.Alert, row []string) {
	row[colType], row[colAccount], row[colSymbol] = e.Type, e.Account, e.Symbol
	row[colOrderID], row[colAlert] = string(e.OrderID), e.Alert
	if e.Orders != nil {
		row[colCount] = strconv.FormatInt(*e.Orders, 10)
	}
	if e.Fills != nil {
		row[colFills] = strconv.FormatInt(*e.Fills, 10)
	}
}
