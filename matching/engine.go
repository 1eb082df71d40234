package matching

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mts-krx/mts/internal/inttable"
	"github.com/mts-krx/mts/internal/invariants"
	"github.com/mts-krx/mts/orderbook"
	"github.com/mts-krx/mts/risk"
)

// Config configures an Engine.
type Config struct {
	Instruments []Instrument
	// Risk holds accounts, cash, holdings and the pre-trade checks. It is
	// part of the engine's state (hashed, snapshotted) and must not be
	// shared. nil switches risk off: every valid order is accepted and no
	// account needs to exist, which is what the pure matching benchmarks and
	// what-if replays use.
	Risk *risk.Checker
	// MaxOrdersPerAccountDay bounds the client-order-id table of one account
	// for one trading day; orders beyond it are rejected with TOO_MANY_ORDERS.
	// Zero means DefaultMaxOrdersPerAccountDay.
	MaxOrdersPerAccountDay int
	// VI switches volatility interruptions on, with these thresholds
	// (DefaultVI for KRX's). nil leaves them off: a VI auction ends only by
	// a command, so an engine without a scheduler (DueCommands) must not
	// start them. Like the instruments, it must be the same for a replay.
	VI *VIConfig
}

// Limits on strings the engine keeps. They bound memory per order and the
// journal record size; the gateway enforces the same limits with a clearer
// message before a command ever reaches the engine.
const (
	MaxAccountLen                 = 32
	MaxClientOrderIDLen           = 64
	DefaultMaxOrdersPerAccountDay = 1_000_000
)

// orderInfo is the engine's payload on each resting order: everything an
// execution report needs that the book itself does not keep.
type orderInfo struct {
	clientOrderID string
	typ           OrderType
	tif           TIF
	stp           STPMode
	closed        int32 // orderRef.closed of the client order id; 0: none, or not known (loaded from a snapshot)
	qty           Qty   // order quantity: cumQty + leaves while the order is open
	cumQty        Qty
	cumValue      int64
	stopPrice     Price
	stpKey        string        // self-match prevention key: the account, or its group
	perShare      int64         // what each open share holds (risk on): KRW for buys, 1 for sells
	acct          risk.Handle   // the account in risk (risk on), for the calls about this order
	owner         *accountState // the account (its name) and the engine's state of it
	entryTS       int64         // when the order was accepted, for surveillance
}

type restingOrder = orderbook.Order[orderInfo]

// symbolState is everything the engine keeps for one instrument.
type symbolState struct {
	inst         Instrument
	lower, upper Price
	last         Price // last trade price; the base price before the first trade
	book         *orderbook.Book[orderInfo]
	stops        stopBook

	// The trading day (phase.go, auction uncross in uncross.go).
	phase  Phase // PhaseContinuous until a phase command says otherwise
	base   Price // today's base price (기준가격): the instrument's, then each close's
	ref    Price // static VI reference: the last auction's price, the base price before the open
	close  Price // today's closing price, set when the symbol closes; 0 before
	viEnd  int64 // a VI auction's scheduled end (Unix ns); 0 outside one
	resume Phase // the phase a VI auction returns to
	traded bool  // a trade happened today
	dirty  bool  // an auction book changed during this command: EvAuction due
	ind    indicativeCache
	// room is how many events the engine keeps room for on account of this
	// symbol's auction (uncrossroom.go); not state: no effect on events.
	room int
}

// orderRef is what a client order id points at.
type orderRef struct {
	id     OrderID
	symbol string
	// closed numbers the order's entry in its account's closedStates: the
	// state it ended in once it has closed, for order.status.
	closed int32
}

// closedOrder is the last state of a closed order (exec records it from
// the order's last execution report): what order.status tells of an order
// that is no longer open, so that a client that lost its execution reports,
// or a reply, learns how the order ended. Zero while the order is open, and
// for an order that closed before snapshots kept it (version 4).
type closedOrder struct {
	status           OrdStatus // 0: not known
	side             Side
	typ              OrderType
	tif              TIF
	price, stopPrice Price
	qty, cumQty      Qty
	cumValue         int64
}

// cmdStamp is what every event copies from the command being applied. The
// engine keeps these values rather than the *Command so that a caller's
// command never escapes to the heap through the engine.
type cmdStamp struct {
	seq  uint64
	ts   int64
	kind CommandKind
}

// accountState is the engine's per-account memory for the trading day.
type accountState struct {
	// name is the account id, the one string every order and report of the
	// account shares: not the command's copy, which would keep one string
	// alive per resting order for the GC to mark, and make comparing two
	// orders' accounts (self-match) a read of two cold strings.
	name           string
	clientOrderIDs map[string]orderRef
	closed         closedStates // by orderRef.closed
	ordersToday    int
	risk           risk.Handle // the account in risk, taken at its first order (risk on)
	// open indexes the account's resting orders (not its stops) by id, so
	// that its queries and cancel-all do not walk every book (openindex.go).
	open  inttable.Table[OrderID, symbolState]
	stale int // entries of open whose order has left its book
}

// Engine is the deterministic matching core. See the package documentation
// for its contract. An Engine is not safe for concurrent use.
type Engine struct {
	maxOrdersPerDay int
	vi              *VIConfig
	risk            *risk.Checker
	symbols         map[string]*symbolState
	lastSymbol      *symbolState   // the last found by symbol
	sorted          []*symbolState // by symbol: the canonical order for hashing
	accounts        map[string]*accountState

	seq         uint64
	nextOrderID OrderID
	nextTradeID uint64
	seed        uint64 // VI auction draws: set by the day rollover command, journaled
	dayStart    int64  // TS of the last CmdNewDay, or of the first command applied
	marketPhase Phase  // the phase last set for the market (DueCommands' record of the timetable)

	cur      cmdStamp       // the command being applied
	events   []Event        // reused by every Apply
	fresh    int            // events' array is zero from here to its cap (slot)
	room     int            // events' capacity kept for the auctions' uncrosses (uncrossroom.go)
	scratch  []OrderID      // reused by kill switch walks
	page     []pageEntry    // reused by OpenOrdersPage
	staleIDs []OrderID      // reused by purgeIndex
	auction  []AuctionOrder // reused by auction walks
	dirty    []*symbolState // auction books this command changed, first change first
}

// NewEngine builds an engine over the given instruments. It fails on invalid
// or duplicate instruments.
func NewEngine(cfg Config) (*Engine, error) {
	e := &Engine{
		maxOrdersPerDay: cfg.MaxOrdersPerAccountDay,
		vi:              cfg.VI,
		risk:            cfg.Risk,
		symbols:         make(map[string]*symbolState, len(cfg.Instruments)),
		accounts:        make(map[string]*accountState),
		events:          make([]Event, 0, 64),
		marketPhase:     PhaseContinuous,
	}
	if e.maxOrdersPerDay <= 0 {
		e.maxOrdersPerDay = DefaultMaxOrdersPerAccountDay
	}
	for _, in := range cfg.Instruments {
		if err := in.Validate(); err != nil {
			return nil, fmt.Errorf("matching: instrument %q: %w", in.Symbol, err)
		}
		if e.symbols[in.Symbol] != nil {
			return nil, fmt.Errorf("matching: duplicate instrument %q", in.Symbol)
		}
		s := &symbolState{
			inst: in, last: in.BasePrice, book: orderbook.New[orderInfo](),
			phase: PhaseContinuous, base: in.BasePrice, ref: in.BasePrice,
		}
		s.lower, s.upper = in.Limits()
		e.symbols[in.Symbol] = s
		e.sorted = append(e.sorted, s)
	}
	slices.SortFunc(e.sorted, func(a, b *symbolState) int { return cmpString(a.inst.Symbol, b.inst.Symbol) })
	return e, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Seq returns the sequence number of the last applied command.
func (e *Engine) Seq() uint64 { return e.seq }

// symbol returns the state of the named instrument, or nil. The last one
// found is tried first: consecutive commands often name the same symbol,
// and comparing one short string is cheaper than a map lookup, which was
// 6-10% of a command on the exchange-core mix. It decides nothing, so
// replay is unaffected.
func (e *Engine) symbol(name string) *symbolState {
	if s := e.lastSymbol; s != nil && s.inst.Symbol == name {
		return s
	}
	s := e.symbols[name]
	if s != nil {
		e.lastSymbol = s
	}
	return s
}

// Instrument returns the reference data of a symbol.
func (e *Engine) Instrument(symbol string) (Instrument, bool) {
	if s := e.symbols[symbol]; s != nil {
		return s.inst, true
	}
	return Instrument{}, false
}

// maxKeptEvents bounds the events slice Apply keeps between commands: an
// ordinary command produces a few events, an uncross up to three a trade.
const maxKeptEvents = 4096

// disown gives the events of the last Apply to the caller for good: the
// engine will not write into their array again. The loop takes an
// uncross's hundreds of thousands of events this way instead of copying
// them (tens of megabytes, fresh memory, page faults). Apply would drop
// so large an array anyway (maxKeptEvents); disown makes the hand-over a
// promise rather than a side effect of that bound.
func (e *Engine) disown() {
	e.events, e.fresh = make([]Event, 0, 64), 0
}

// Apply applies one command and returns the events it produced, in order.
// The returned slice and the strings in it stay valid only until the next
// Apply: a caller that keeps events must copy them. cmd.Seq must be exactly
// one more than the previous command's; anything else is a bug in the caller
// and panics, because a gap would silently break replay.
func (e *Engine) Apply(cmd *Command) []Event {
	if cmd.Seq != e.seq+1 {
		panic(fmt.Sprintf("matching: command seq %d after %d", cmd.Seq, e.seq))
	}
	e.seq = cmd.Seq
	e.cur = cmdStamp{seq: cmd.Seq, ts: cmd.TS, kind: cmd.Kind}
	if e.dayStart == 0 {
		e.dayStart = cmd.TS // the engine's first trading day is the day it starts
	}
	if cmd.Kind == CmdPlace {
		e.makeRoom(cmd.Symbol)
	}
	e.events = e.events[:0]
	switch {
	case cap(e.events) < e.room:
		e.growRoom()
	case cap(e.events) > max(maxKeptEvents, 2*e.room):
		// The last command (an uncross of a large auction book) left a
		// large slice behind: kept, the GC would scan it every cycle and it
		// would hold its strings alive all day.
		e.events, e.fresh = make([]Event, 0, 64), 0
	}
	switch cmd.Kind {
	case CmdPlace:
		e.place(cmd)
	case CmdAmend:
		e.amend(cmd)
	case CmdCancel:
		e.cancel(cmd)
	case CmdOpenAccount, CmdDeposit, CmdWithdraw, CmdCreditShares, CmdDebitShares:
		e.backOffice(cmd)
	case CmdKillSwitch:
		e.killSwitch(cmd)
	case CmdCancelAll:
		e.cancelAll(cmd)
	case CmdSetPhase:
		e.setPhase(cmd)
	case CmdNewDay:
		e.newDay(cmd)
	case CmdMarketPhase:
		e.setMarketPhase(cmd)
	default:
		e.reject(cmd, RejUnknownCommand)
	}
	if len(e.dirty) > 0 {
		e.publishIndicative()
	}
	if invariants.Enabled {
		e.checkInvariants(cmd)
	}
	// Capped, so that a caller appending to what it got reallocates rather
	// than writing into the array slot relies on being zero past e.fresh.
	return e.events[:len(e.events):len(e.events)]
}

// checkInvariants panics if the symbol a command touched is left crossed
// in continuous trading or closed (an auction, or a halt called during one,
// may leave it crossed), or its book is inconsistent. Only invariants builds call it: the book walk
// costs more than the command.
func (e *Engine) checkInvariants(cmd *Command) {
	if cmd.Symbol == "" && (cmd.Kind == CmdSetPhase || cmd.Kind == CmdNewDay) {
		for _, s := range e.sorted {
			e.checkSymbol(s)
		}
		return
	}
	if s := e.symbols[cmd.Symbol]; s != nil {
		e.checkSymbol(s)
	}
}

func (e *Engine) checkSymbol(s *symbolState) {
	symbol := s.inst.Symbol
	if err := s.book.Check(); err != nil {
		panic(err)
	}
	bid, okb := s.book.Best(Buy)
	ask, oka := s.book.Best(Sell)
	if okb && oka && bid.Price >= ask.Price && (s.phase == PhaseContinuous || s.phase == PhaseClosed) {
		panic(fmt.Sprintf("matching: %s crossed after seq %d: bid %d >= ask %d", symbol, e.seq, bid.Price, ask.Price))
	}
}

// account returns the state of an account, creating it on first sight.
func (e *Engine) account(name string) *accountState {
	a := e.accounts[name]
	if a == nil {
		name = strings.Clone(name) // kept all day: it must not pin the command's buffer
		a = &accountState{name: name, clientOrderIDs: make(map[string]orderRef)}
		e.accounts[name] = a
	}
	return a
}

// closedStates holds an account's closedOrder entries, numbered from 1 in
// the order they were added, one per client order id used today. Entries
// live in chunks of closedChunk (the first one grows up to that size), so
// that adding one never copies many, and they hold no pointers, so the GC
// does not scan them.
type closedStates struct {
	chunks [][]closedOrder
	n      int32
}

const closedChunk = 256

// add appends a zero entry and returns its number.
func (c *closedStates) add() int32 {
	if len(c.chunks) == 0 || len(c.chunks[len(c.chunks)-1]) == closedChunk {
		size := closedChunk
		if len(c.chunks) == 0 {
			size = 4 // most accounts place a few orders a day
		}
		c.chunks = append(c.chunks, make([]closedOrder, 0, size))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, closedOrder{})
	c.n++
	return c.n
}

// at returns entry n (from add). Every chunk but the last is full, so
// entry n is at a fixed place.
func (c *closedStates) at(n int32) *closedOrder {
	i := int(n - 1)
	return &c.chunks[i/closedChunk][i%closedChunk]
}
