package matching

// Phase is a symbol's trading phase (KRX.md, Sessions). Values are part of
// the journal format: never renumber, only append.
type Phase uint8

// Phases. An engine starts every symbol in PhaseContinuous, so that an
// engine that never sees a phase command trades as it always has.
const (
	PhaseOpeningAuction Phase = 1 // 08:30–09:00: orders collect, one uncross at the end
	PhaseContinuous     Phase = 2 // 09:00–15:20: price-time matching
	PhaseClosingAuction Phase = 3 // 15:20–15:30: orders collect, one uncross at the end
	PhaseVIAuction      Phase = 4 // a volatility interruption: a 2-minute single-price auction
	PhaseHalted         Phase = 5 // trading halt: only cancels are accepted, nothing matches
	PhaseClosed         Phase = 6 // after the close: nothing is accepted
)

var phaseNames = [...]string{
	PhaseOpeningAuction: "opening_auction", PhaseContinuous: "continuous", PhaseClosingAuction: "closing_auction",
	PhaseVIAuction: "vi_auction", PhaseHalted: "halted", PhaseClosed: "closed",
}

func (p Phase) String() string { return name(phaseNames[:], int(p)) }

// ParsePhase parses a phase's wire name, e.g. "opening_auction".
func ParsePhase(s string) (Phase, bool) {
	i, ok := lookup(phaseNames[:], s)
	return Phase(i), ok
}

// Valid reports whether p is a known phase.
func (p Phase) Valid() bool { return p >= PhaseOpeningAuction && p <= PhaseClosed }

// Auction reports whether orders collect without matching in p, to be
// uncrossed when it ends: the opening, closing and VI auctions. Only in these
// phases may a book be crossed.
func (p Phase) Auction() bool {
	return p == PhaseOpeningAuction || p == PhaseClosingAuction || p == PhaseVIAuction
}

// admits checks a new order's type and condition against the phase, by
// KRX.md's table of order types:
//
//	                    opening  continuous  closing  VI      halted  closed
//	limit               yes      yes         yes      yes     no      no
//	market              yes      yes         yes      yes     no      no
//	conditional limit   yes      yes         no       yes     no      no
//	best-limit          no       yes         no       no      no      no
//	first-best          no       yes         no       no      no      no
//	stop-limit          no       yes         no       no      no      no
//	IOC / FOK           no       yes         no       no      no      no
//
// A VI auction interrupts continuous trading, so it takes what the opening
// auction takes. Halted refuses every new order with SYMBOL_HALTED, closed
// with MARKET_CLOSED; a type an auction refuses is ORDER_TYPE_NOT_IN_PHASE,
// a condition other than day TIF_NOT_IN_PHASE.
func (p Phase) admits(typ OrderType, tif TIF) Reason {
	switch {
	case p == PhaseContinuous:
		return ReasonNone
	case p == PhaseClosed:
		return RejMarketClosed
	case p == PhaseHalted:
		return RejSymbolHalted
	case typ != Limit && typ != Market && (typ != ConditionalLimit || p == PhaseClosingAuction):
		return RejOrderTypeNotInPhase
	case tif != Day:
		return RejTIFNotInPhase
	}
	return ReasonNone
}

// setPhase applies CmdSetPhase: every symbol (Symbol "") or one enters
// Phase, in symbol order. A symbol already in the phase is left alone and
// reported by nothing. A halt is the symbol's own: a market-wide change
// passes a halted symbol by (only the close reaches it), and only a command
// naming the symbol lifts it. A refused command (unknown phase or symbol)
// is answered with one EvMarketStatus carrying the reason.
func (e *Engine) setPhase(c *Command) {
	var s *symbolState
	r := ReasonNone
	switch {
	case !c.Phase.Valid():
		r = RejInvalidPhase
	case c.Symbol != "":
		if s = e.symbols[c.Symbol]; s == nil {
			r = RejUnknownSymbol
		}
	}
	if r != ReasonNone {
		e.refusePhase(c, c.Symbol, r)
		return
	}
	if s != nil {
		e.enterPhase(s, c.Phase)
		return
	}
	e.marketPhase = c.Phase
	for _, s := range e.sorted {
		if s.phase != PhaseHalted || c.Phase == PhaseClosed {
			e.enterPhase(s, c.Phase)
		}
	}
}

// setMarketPhase applies CmdMarketPhase: it records that the market has
// moved to the phase, which DueCommands compares with the timetable, and
// moves no symbol (the scheduler moved each with its own CmdSetPhase
// first). It is reported by nothing, unless the phase is not one
// (RejInvalidPhase, as setPhase).
func (e *Engine) setMarketPhase(c *Command) {
	if !c.Phase.Valid() {
		e.refusePhase(c, "", RejInvalidPhase)
		return
	}
	e.marketPhase = c.Phase
}

// refusePhase answers a phase command it cannot apply (CmdSetPhase,
// CmdMarketPhase, CmdNewDay) with one EvMarketStatus carrying the reason.
func (e *Engine) refusePhase(c *Command, symbol string, r Reason) {
	*e.slot() = Event{
		Kind: EvMarketStatus, Seq: c.Seq, TS: c.TS, Cmd: c.Kind, Symbol: symbol, Phase: c.Phase, Reason: r,
		Extra: newExtra(Extra{Text: c.Text}),
	}
}

// movesWithMarket reports whether the scheduler moves s when the market
// enters p: as a market-wide CmdSetPhase would (a halted symbol only to
// the close), unless it is there already, or is in the VI auction that
// interrupted its own move to p (an open or close delayed by a VI; its
// end moves it, see DueCommands).
func movesWithMarket(s *symbolState, p Phase) bool {
	switch {
	case s.phase == p, s.phase == PhaseHalted && p != PhaseClosed:
		return false
	case s.phase == PhaseVIAuction && s.resume == p:
		return false
	}
	return true
}

// enterPhase moves one symbol into phase p. Entering continuous trading or
// the close from any other phase uncrosses the book first (a no-op unless it
// is crossed, which only an auction, or a halt during one, leaves it), with
// KRX's limit rounds when it sets the day's opening price (nothing has
// traded yet today: normally the end of the opening auction, but also the
// lifting of a halt called during it). Entering the close then
// fixes the closing price and expires every open order (eod.go). The status
// event carries the auction price.
func (e *Engine) enterPhase(s *symbolState, p Phase) {
	from := s.phase
	if from == p || e.auctionVI(s, from, p) {
		return
	}
	s.phase = p
	if from.Auction() && !p.Auction() {
		defer e.freeRoom(s) // after the uncross below has used it
	}
	switch {
	case p == PhaseVIAuction:
		s.viEnd, s.resume = e.viEnd(s), PhaseContinuous
		if from == PhaseClosingAuction {
			s.resume = from
		}
	case from == PhaseVIAuction:
		s.viEnd, s.resume = 0, 0
	}
	var px Price
	if (p == PhaseContinuous || p == PhaseClosed) && from != PhaseContinuous {
		px = e.uncrossBook(s, !s.traded)
	}
	if p == PhaseClosed {
		e.closeSymbol(s)
	}
	if p == PhaseClosingAuction {
		e.convertConditional(s)
	}
	if p.Auction() {
		e.markAuction(s)
	}
	e.marketStatus(s).Price = px
	e.runStops(s)
}

// convertConditional turns every resting conditional-limit order into a
// market order as the closing auction starts (KRX: 조건부지정가 remainders
// become market orders for the close): bids then asks, each in priority
// order, it leaves its level for the daily limit (where an auction's market
// orders rest), behind what rests there, and is reported ExecRestated with
// CONVERTED_TO_MARKET and its new type and price. A buy already holds cash
// at the upper limit (see holdPrice), so no hold moves.
func (e *Engine) convertConditional(s *symbolState) {
	ids := e.scratch[:0]
	for _, side := range [2]Side{Buy, Sell} {
		s.book.Orders(side, func(o *restingOrder) bool {
			if o.Data.typ == ConditionalLimit {
				ids = append(ids, o.ID)
			}
			return true
		})
	}
	for _, id := range ids {
		o := s.book.Get(id)
		side, old, qty, info := o.Side, o.Price, o.Qty, o.Data
		px := s.lower
		if side == Buy {
			px = s.upper
		}
		info.typ = Market
		s.book.Remove(o)
		s.book.Add(id, side, px, qty, info)
		e.exec(s, id, side, px, qty, &info, ExecRestated, openStatus(&info)).Reason = RstConvertedToMarket
		e.level(s, side, old)
		e.level(s, side, px)
	}
	e.scratch = ids
}

// marketStatus appends the EvMarketStatus of a symbol's current phase.
func (e *Engine) marketStatus(s *symbolState) *Event {
	ev := e.slot()
	*ev = Event{
		Kind: EvMarketStatus, Seq: e.cur.seq, TS: e.cur.ts, Cmd: e.cur.kind, Symbol: s.inst.Symbol, Phase: s.phase,
	}
	if s.phase == PhaseVIAuction {
		ev.Extra = newExtra(Extra{Until: s.viEnd})
	}
	return ev
}
