package matching

import (
	"fmt"
	"sort"
	"testing"
)

// refEngine is a deliberately naive model of the contract in doc.go, written
// from the package documentation (and KRX.md for ticks and limits) rather
// than from the fast engine. The differential and fuzz tests feed both the
// same commands and demand the same events, field for field.
//
// Everything here favours obviousness over speed: each symbol keeps its
// resting orders in one plain slice, the best order is found by a stable sort
// on (price, arrival), level totals are recounted from scratch, and every
// order ever accepted stays in a map. Nothing is shared with the fast engine
// but the public types.
type refEngine struct {
	symbols     map[string]*refSymbol
	orders      map[OrderID]*refOrder         // every accepted order, open or done
	clientIDs   map[string]map[string]OrderID // account → client order id → owner
	ordersToday map[string]int                // account → accepted orders
	maxPerDay   int

	seq       uint64
	nextID    OrderID
	nextTrade uint64
	arrivals  uint64 // time priority: stamped whenever an order joins a level

	cmd *Command // the command being applied
	out []Event

	selfMatches [STPDecrement + 1]int // by the taker's mode: how often each occurred
}

// refSymbol is one instrument's state.
type refSymbol struct {
	inst         Instrument
	lower, upper Price
	last         Price       // last trade price; the base price before the first trade
	resting      []*refOrder // both sides, unordered
	stops        []*refOrder // untriggered stop-limit orders, in arrival order
}

// refOrder is one accepted order.
type refOrder struct {
	id       OrderID
	arrival  uint64
	account  string
	clientID string
	symbol   string
	side     Side
	typ      OrderType
	tif      TIF
	stp      STPMode
	price    Price // 0 for a market order
	stop     Price
	qty      Qty
	cumQty   Qty
	leaves   Qty
	cumValue int64
	status   OrdStatus
	waiting  bool // an untriggered stop
}

func (o *refOrder) open() bool {
	return o.status == StatusNew || o.status == StatusPartiallyFilled
}

// loadTestInstruments reads the instruments newTestEngine uses.
func loadTestInstruments(t testing.TB) []Instrument {
	t.Helper()
	ins, err := LoadInstrumentFile("testdata/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

func newRefEngine(ins []Instrument, maxPerDay int) *refEngine {
	r := &refEngine{
		symbols:     make(map[string]*refSymbol),
		orders:      make(map[OrderID]*refOrder),
		clientIDs:   make(map[string]map[string]OrderID),
		ordersToday: make(map[string]int),
		maxPerDay:   maxPerDay,
	}
	for _, in := range ins {
		lo, hi := refLimits(in)
		r.symbols[in.Symbol] = &refSymbol{inst: in, lower: lo, upper: hi, last: in.BasePrice}
	}
	return r
}

// refTick is KRX.md's tick table, typed in again on purpose.
func refTick(in *Instrument, p Price) Price {
	if in.Tick == TickFlat5 {
		return 5
	}
	switch {
	case p < 2_000:
		return 1
	case p < 5_000:
		return 5
	case p < 20_000:
		return 10
	case p < 50_000:
		return 50
	case p < 200_000:
		return 100
	case p < 500_000:
		return 500
	}
	return 1_000
}

// refLimits is KRX's limit method from KRX.md: explicit limits win; else the
// width is truncated to the base band's tick, the upper limit to its own.
func refLimits(in Instrument) (lo, hi Price) {
	if in.LowerLimit > 0 && in.UpperLimit > 0 {
		return in.LowerLimit, in.UpperLimit
	}
	width := in.BasePrice * 3 / 10
	width -= width % refTick(&in, in.BasePrice)
	hi = in.BasePrice + width
	hi -= hi % refTick(&in, hi)
	lo = max(in.BasePrice-width, 1)
	return lo, hi
}

// Apply applies one command and returns its events (a fresh slice).
func (r *refEngine) Apply(c *Command) []Event {
	if c.Seq != r.seq+1 {
		panic(fmt.Sprintf("reference: command seq %d after %d", c.Seq, r.seq))
	}
	r.seq, r.cmd, r.out = c.Seq, c, nil
	switch c.Kind {
	case CmdPlace:
		r.place()
	case CmdAmend:
		r.amend()
	case CmdCancel:
		r.cancel()
	default:
		// Back-office, kill switch and mass cancel (CmdCancelAll) commands
		// are not modeled: the differential generators never produce them in
		// reference mode, and their scenario files and engine tests cover them.
		r.rejectCommand(RejUnknownCommand, 0)
	}
	// Stops trigger after every command; only the command's symbol can have
	// moved, and a stop elsewhere cannot have become due.
	if s := r.symbols[c.Symbol]; s != nil {
		r.triggerStops(s)
	}
	return r.out
}

// ---- order entry ----

func (r *refEngine) place() {
	c := r.cmd
	if why := r.validatePlace(c); why != ReasonNone {
		r.rejectCommand(why, 0)
		return
	}
	s := r.symbols[c.Symbol]
	if owner, used := r.clientIDs[c.Account][c.ClientOrderID]; used && c.ClientOrderID != "" {
		r.rejectCommand(RejDuplicateClientOrderID, owner)
		return
	}
	if r.ordersToday[c.Account] >= r.maxPerDay {
		r.rejectCommand(RejTooManyOrders, 0)
		return
	}
	price, limit, ok := r.effectivePrice(s, c)
	if !ok {
		r.rejectCommand(RejNoReferenceQuote, 0)
		return
	}
	o := r.accept(c, price)
	r.report(o, ExecNew, ReasonNone)
	if o.typ == StopLimit {
		o.waiting = true
		s.stops = append(s.stops, o)
		return
	}
	r.enter(s, o, limit)
}

// validatePlace is doc.go's validation list, in its order.
func (r *refEngine) validatePlace(c *Command) Reason {
	if c.Account == "" || len(c.Account) > 32 {
		return RejInvalidAccount
	}
	if len(c.ClientOrderID) > 64 {
		return RejInvalidClientOrderID
	}
	s := r.symbols[c.Symbol]
	switch {
	case s == nil:
		return RejUnknownSymbol
	case c.Side != Buy && c.Side != Sell:
		return RejInvalidSide
	case c.Type < Limit || c.Type > ConditionalLimit:
		return RejInvalidOrderType
	case c.TIF < Day || c.TIF > FOK:
		return RejInvalidTIF
	case c.STP > STPDecrement:
		return RejInvalidSTPMode
	case (c.Type == FirstBest || c.Type == StopLimit || c.Type == ConditionalLimit) && c.TIF != Day:
		return RejTIFNotAllowed
	case c.Qty <= 0:
		return RejInvalidQty
	case c.Qty > s.inst.MaxOrderQty:
		return RejQtyExceedsMax
	}
	// The reference models continuous trading only (no phases, auctions or
	// day rollover: the differential streams never change the phase), where
	// a conditional limit order is a limit order.
	priced := c.Type == Limit || c.Type == StopLimit || c.Type == ConditionalLimit
	if why := s.checkPriceRef(c.Price); priced && why != ReasonNone {
		return why
	}
	if !priced && c.Price != 0 {
		return RejInvalidPrice
	}
	if c.Type == StopLimit && s.checkPriceRef(c.StopPrice) != ReasonNone {
		return RejInvalidStopPrice
	}
	if c.Type != StopLimit && c.StopPrice != 0 {
		return RejInvalidStopPrice
	}
	return ReasonNone
}

func (s *refSymbol) checkPriceRef(p Price) Reason {
	switch {
	case p <= 0:
		return RejInvalidPrice
	case p%refTick(&s.inst, p) != 0:
		return RejPriceOffTick
	case p < s.lower || p > s.upper:
		return RejPriceOutOfLimits
	}
	return ReasonNone
}

// effectivePrice returns the price an order reports and the limit it
// matches to. A market order reports no price and sweeps to the daily limit.
func (r *refEngine) effectivePrice(s *refSymbol, c *Command) (price, limit Price, ok bool) {
	switch c.Type {
	case Market:
		if c.Side == Buy {
			return 0, s.upper, true
		}
		return 0, s.lower, true
	case BestLimit:
		h := s.head(c.Side.Opposite())
		if h == nil {
			return 0, 0, false
		}
		return h.price, h.price, true
	case FirstBest:
		h := s.head(c.Side)
		if h == nil {
			return 0, 0, false
		}
		return h.price, h.price, true
	}
	return c.Price, c.Price, true
}

func (r *refEngine) accept(c *Command, price Price) *refOrder {
	r.nextID++
	o := &refOrder{
		id: r.nextID, account: c.Account, clientID: c.ClientOrderID, symbol: c.Symbol,
		side: c.Side, typ: c.Type, tif: c.TIF, stp: c.STP, price: price, stop: c.StopPrice,
		qty: c.Qty, leaves: c.Qty, status: StatusNew,
	}
	if o.stp == STPDefault {
		o.stp = STPCancelIncoming
	}
	r.orders[o.id] = o
	r.ordersToday[c.Account]++
	if c.ClientOrderID != "" {
		if r.clientIDs[c.Account] == nil {
			r.clientIDs[c.Account] = make(map[string]OrderID)
		}
		r.clientIDs[c.Account][c.ClientOrderID] = o.id
	}
	return o
}

// enter runs an order that is not resting against the book as a taker and
// then rests, cancels or expires what is left.
func (r *refEngine) enter(s *refSymbol, o *refOrder, limit Price) {
	if o.tif == FOK && !s.fillable(o, limit) {
		r.finish(o, StatusExpired, ExpFOKNotFillable)
		return
	}
	if !r.match(s, o, limit) {
		return
	}
	switch {
	case o.leaves == 0:
	case o.typ == Market:
		r.finish(o, StatusCanceled, CxlNoLiquidity)
	case o.tif != Day:
		r.finish(o, StatusExpired, ExpIOCRemainder)
	default:
		r.arrivals++
		o.arrival = r.arrivals
		s.resting = append(s.resting, o)
		r.bookEvent(s, o.side, o.price)
	}
}

// fillable is the FOK pre-check: walking the opposite side best first within
// the limit, can other accounts' orders fill o in full before an order of
// o's own account stops it? Under cancel_resting own orders are skipped, as
// matching would cancel them and go on.
func (s *refSymbol) fillable(o *refOrder, limit Price) bool {
	var avail Qty
	for _, m := range s.sorted(o.side.Opposite()) {
		if !crossesRef(o.side, m.price, limit) {
			break
		}
		if m.account == o.account {
			if o.stp == STPCancelResting {
				continue
			}
			break
		}
		avail += m.leaves
		if avail >= o.leaves {
			return true
		}
	}
	return false
}

func crossesRef(taker Side, resting, limit Price) bool {
	if taker == Buy {
		return resting <= limit
	}
	return resting >= limit
}

// ---- the book, naively ----

// sorted returns one side's resting orders best first: a stable sort on
// (price, arrival).
func (s *refSymbol) sorted(side Side) []*refOrder {
	var out []*refOrder
	for _, o := range s.resting {
		if o.side == side {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.price != b.price {
			return (side == Buy) == (a.price > b.price)
		}
		return a.arrival < b.arrival
	})
	return out
}

func (s *refSymbol) head(side Side) *refOrder {
	if l := s.sorted(side); len(l) > 0 {
		return l[0]
	}
	return nil
}

func (s *refSymbol) remove(o *refOrder) {
	for i, x := range s.resting {
		if x == o {
			s.resting = append(s.resting[:i], s.resting[i+1:]...)
			return
		}
	}
	for i, x := range s.stops {
		if x == o {
			s.stops = append(s.stops[:i], s.stops[i+1:]...)
			return
		}
	}
}

// bookEvent reports a level's total, recounted from scratch.
func (r *refEngine) bookEvent(s *refSymbol, side Side, price Price) {
	ev := r.event(EvBook)
	ev.Symbol, ev.Side, ev.Price = s.inst.Symbol, side, price
	for _, o := range s.resting {
		if o.side == side && o.price == price {
			ev.Qty += o.leaves
			ev.Count++
		}
	}
	r.out = append(r.out, ev)
}

// ---- matching ----

// match trades taker t against the opposite side while it crosses limit. It
// reports false when self-match prevention canceled the taker.
func (r *refEngine) match(s *refSymbol, t *refOrder, limit Price) bool {
	opp := t.side.Opposite()
	var level Price
	onLevel := false
	for t.leaves > 0 {
		h := s.head(opp)
		if h == nil || !crossesRef(t.side, h.price, limit) {
			break
		}
		if onLevel && h.price != level {
			r.bookEvent(s, opp, level)
		}
		level, onLevel = h.price, true
		if h.account != t.account {
			r.trade(s, t, h)
			continue
		}
		if !r.selfMatch(s, t, h) {
			// doc.go does not order the level's EvBook against the taker's
			// cancel; the level is reported first, as matching leaves it.
			r.bookEvent(s, opp, level)
			r.finish(t, StatusCanceled, CxlSelfMatch)
			return false
		}
	}
	if onLevel {
		r.bookEvent(s, opp, level)
	}
	return t.status != StatusCanceled
}

func (r *refEngine) trade(s *refSymbol, t, m *refOrder) {
	q, px := min(t.leaves, m.leaves), m.price
	r.nextTrade++
	m.fill(px, q)
	t.fill(px, q)
	s.last = px
	if m.leaves == 0 {
		s.remove(m)
	}
	ev := r.event(EvTrade)
	ev.Symbol, ev.TradeID, ev.LastPx, ev.LastQty, ev.Side = s.inst.Symbol, r.nextTrade, px, q, t.side
	ev.OrderID, ev.Account, ev.MakerOrderID, ev.MakerAccount = t.id, t.account, m.id, m.account
	r.out = append(r.out, ev)
	r.fillReport(m, px, q, Maker)
	r.fillReport(t, px, q, Taker)
}

func (o *refOrder) fill(px Price, q Qty) {
	o.cumQty += q
	o.leaves -= q
	o.cumValue += int64(px) * int64(q)
	o.status = StatusPartiallyFilled
	if o.leaves == 0 {
		o.status = StatusFilled
	}
}

func (r *refEngine) fillReport(o *refOrder, px Price, q Qty, liq Liquidity) {
	r.report(o, ExecTrade, ReasonNone)
	ev := &r.out[len(r.out)-1]
	ev.LastPx, ev.LastQty, ev.Liquidity, ev.TradeID = px, q, liq, r.nextTrade
}

// selfMatch applies the taker's STP mode to resting order m of its own
// account. It reports false when the taker's remainder must be canceled
// (cancel_incoming, cancel_both); match does that after reporting the level.
//
// Every prevented match first raises a surveillance alert naming the taker
// (event.go's EvAlert; doc.go does not mention it, and the engine raises it
// with risk off too).
func (r *refEngine) selfMatch(s *refSymbol, t, m *refOrder) bool {
	r.selfMatches[t.stp]++
	ev := r.event(EvAlert)
	ev.Cmd, ev.Symbol, ev.Account, ev.OrderID, ev.Alert = r.cmd.Kind, s.inst.Symbol, t.account, t.id, AlertSelfMatch
	r.out = append(r.out, ev)
	switch t.stp {
	case STPCancelResting:
		s.remove(m)
		r.finish(m, StatusCanceled, CxlSelfMatch)
		return true
	case STPCancelBoth:
		s.remove(m)
		r.finish(m, StatusCanceled, CxlSelfMatch)
		return false
	case STPDecrement:
		q := min(t.leaves, m.leaves)
		r.decrement(s, m, q)
		r.decrement(s, t, q)
		return true
	}
	return false
}

// decrement lowers an order's quantity by q without a trade: restated, or
// canceled when nothing is left. Per doc.go's Events section only an order
// that stays open has its qty lowered; a finished one keeps its qty.
func (r *refEngine) decrement(s *refSymbol, o *refOrder, q Qty) {
	o.leaves -= q
	if o.leaves > 0 {
		o.qty -= q
		r.report(o, ExecRestated, CxlSelfMatch)
		r.out[len(r.out)-1].LastQty = q
		return
	}
	s.remove(o)
	o.status = StatusCanceled
	r.report(o, ExecCanceled, CxlSelfMatch)
	r.out[len(r.out)-1].LastQty = q
}

// finish ends an order's life with its remainder canceled or expired. The
// caller has already taken it off the book. LastQty is what was taken off,
// on ExecExpired as on ExecCanceled (doc.go, Events).
func (r *refEngine) finish(o *refOrder, status OrdStatus, why Reason) {
	gone := o.leaves
	o.leaves, o.status = 0, status
	et := ExecCanceled
	if status == StatusExpired {
		et = ExecExpired
	}
	r.report(o, et, why)
	r.out[len(r.out)-1].LastQty = gone
}

// ---- stops ----

// triggerStops enters due stops one at a time: buys lowest stop first, sells
// highest first, ties and the choice between a due buy and a due sell by
// arrival.
func (r *refEngine) triggerStops(s *refSymbol) {
	for {
		o := s.dueStop()
		if o == nil {
			return
		}
		s.remove(o)
		o.waiting = false
		r.report(o, ExecTriggered, ReasonNone)
		r.enter(s, o, o.price)
	}
}

func (s *refSymbol) dueStop() *refOrder {
	var buy, sell *refOrder
	for _, o := range s.stops { // arrival order, so strict comparisons keep the earliest
		switch {
		case o.side == Buy && s.last >= o.stop && (buy == nil || o.stop < buy.stop):
			buy = o
		case o.side == Sell && s.last <= o.stop && (sell == nil || o.stop > sell.stop):
			sell = o
		}
	}
	switch {
	case buy == nil:
		return sell
	case sell == nil || buy.id < sell.id:
		return buy
	}
	return sell
}

// ---- amend and cancel ----

// lookup finds the open order an amend or cancel names, or the reason to
// reject it. The order comes back with ORDER_NOT_OPEN too.
//
// doc.go names only UNKNOWN_ORDER and ORDER_NOT_OPEN here; like the fast
// engine, the reference first applies order entry's identity checks
// (account, client order id length) and rejects an unknown symbol as such.
func (r *refEngine) lookup() (*refOrder, Reason) {
	c := r.cmd
	switch {
	case c.Account == "" || len(c.Account) > 32:
		return nil, RejInvalidAccount
	case len(c.ClientOrderID) > 64:
		return nil, RejInvalidClientOrderID
	case r.symbols[c.Symbol] == nil:
		return nil, RejUnknownSymbol
	}
	if c.OrderID != 0 {
		o := r.orders[c.OrderID]
		if o == nil || o.account != c.Account || o.symbol != c.Symbol || !o.open() {
			return nil, RejUnknownOrder
		}
		return o, ReasonNone
	}
	id, ok := r.clientIDs[c.Account][c.OrigClientOrderID]
	if c.OrigClientOrderID == "" || !ok || r.orders[id].symbol != c.Symbol {
		return nil, RejUnknownOrder
	}
	if o := r.orders[id]; !o.open() {
		return o, RejOrderNotOpen
	}
	return r.orders[id], ReasonNone
}

func (r *refEngine) amend() {
	c := r.cmd
	o, why := r.lookup()
	if why != ReasonNone {
		r.rejectModify(o, why)
		return
	}
	s := r.symbols[o.symbol]
	price, qty := c.Price, c.Qty
	if price == 0 {
		price = o.price
	}
	if qty == 0 {
		qty = o.qty
	}
	switch {
	case o.waiting:
		why = RejNotAmendable
	case price != o.price && s.checkPriceRef(price) != ReasonNone:
		why = s.checkPriceRef(price)
	case qty > o.qty || qty <= o.cumQty:
		why = RejAmendQtyIncrease
	case price == o.price && qty == o.qty:
		why = RejAmendNoChange
	}
	if why != ReasonNone {
		r.rejectModify(o, why)
		return
	}
	o.leaves -= o.qty - qty
	o.qty = qty
	if price == o.price {
		r.report(o, ExecReplaced, ReasonNone)
		r.bookEvent(s, o.side, o.price)
		return
	}
	old := o.price
	s.remove(o)
	o.price = price
	r.report(o, ExecReplaced, ReasonNone)
	r.bookEvent(s, o.side, old)
	r.enter(s, o, price)
}

func (r *refEngine) cancel() {
	o, why := r.lookup()
	if why != ReasonNone {
		r.rejectModify(o, why)
		return
	}
	s := r.symbols[o.symbol]
	n, waiting := r.cmd.Qty, o.waiting
	if n < 0 {
		// doc.go defines 0 and too-much as "all"; a negative quantity is
		// refused as the fast engine does.
		r.rejectModify(o, RejInvalidQty)
		return
	}
	if n == 0 || n >= o.leaves {
		s.remove(o)
		o.waiting = false
		r.finish(o, StatusCanceled, ReasonNone)
	} else {
		o.qty -= n
		o.leaves -= n
		r.report(o, ExecCanceled, ReasonNone)
		r.out[len(r.out)-1].LastQty = n
	}
	if !waiting {
		r.bookEvent(s, o.side, o.price)
	}
}

// rejectModify refuses an amend or cancel: an open order reports its
// current state with the reason; anything else echoes the command, with the
// order id a known client order id resolved to (ORDER_NOT_OPEN).
func (r *refEngine) rejectModify(o *refOrder, why Reason) {
	if o != nil && o.open() {
		r.report(o, ExecRejected, why)
		return
	}
	r.rejectCommand(why, 0)
	if o != nil {
		r.out[len(r.out)-1].OrderID = o.id
	}
}

// ---- reports ----

func (r *refEngine) event(kind EventKind) Event {
	return Event{Kind: kind, Seq: r.cmd.Seq, TS: r.cmd.TS}
}

// report appends an execution report with the order's current state.
func (r *refEngine) report(o *refOrder, et ExecType, why Reason) {
	ev := r.event(EvExec)
	ev.Account, ev.Symbol, ev.OrderID, ev.ClientOrderID, ev.Cmd = o.account, o.symbol, o.id, o.clientID, r.cmd.Kind
	ev.ExecType, ev.Status, ev.Reason = et, o.status, why
	ev.Side, ev.Type, ev.TIF, ev.Price, ev.StopPrice = o.side, o.typ, o.tif, o.price, o.stop
	ev.Qty, ev.CumQty, ev.LeavesQty, ev.CumValue = o.qty, o.cumQty, o.leaves, o.cumValue
	r.out = append(r.out, ev)
}

// rejectCommand reports a command refused without an order to describe: it
// echoes the command.
func (r *refEngine) rejectCommand(why Reason, owner OrderID) {
	c := r.cmd
	ev := r.event(EvExec)
	ev.Account, ev.Symbol, ev.OrderID, ev.Cmd = c.Account, c.Symbol, c.OrderID, c.Kind
	ev.ClientOrderID = c.ClientOrderID
	if c.Kind != CmdPlace {
		ev.ClientOrderID = c.OrigClientOrderID
	}
	ev.ExecType, ev.Status, ev.Reason = ExecRejected, StatusRejected, why
	ev.Extra = newExtra(Extra{RefOrderID: owner})
	ev.Side, ev.Type, ev.TIF, ev.Price, ev.StopPrice, ev.Qty = c.Side, c.Type, c.TIF, c.Price, c.StopPrice, c.Qty
	r.out = append(r.out, ev)
}
