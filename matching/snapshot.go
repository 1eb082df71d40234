package matching

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/mts-krx/mts/internal/wire"
	"github.com/mts-krx/mts/risk"
)

// ErrSnapshot is wrapped by every LoadSnapshot error.
var ErrSnapshot = errors.New("matching: bad snapshot")

// snapshotVersion 2 added the trading day: each symbol's phase and day
// state, and the engine's VI seed; version 3 the day's start and the
// market-wide phase; version 4 the last state of each closed order that has
// a client order id. Older snapshots still load (version 1: every symbol
// continuous, as the engine was then; version 2: the day starts with the
// next command; before 4: closed orders known by their ids only).
const snapshotVersion = 4

// AppendSnapshot appends the engine's whole state, canonically encoded, to
// dst. Equal states give equal bytes: StateHash is the SHA-256 of this
// encoding, and recovery loads it with LoadSnapshot. Instrument reference
// data is not included (it comes from the operator's file); the price limits
// and last prices, which change during and between days, are.
//
//	snapshot  := version seq nextOrderID nextTradeID seed dayStart marketPhase
//	             count symbol*  count account*  hasRisk [riskState]
//	symbol    := name last lower upper  day  bids asks buyStops sellStops
//	day       := phase base ref close viEnd resume traded
//	bids, …   := count order*            (priority order: price, then time)
//	order     := id side price leaves account clientOrderID type tif stp
//	             qty cumQty cumValue stopPrice stpKey perShare entryTS
//	account   := name ordersToday count (clientOrderID orderID symbol final)*
//	final     := status [side type tif price stopPrice qty cumQty cumValue]
//	             (the rest only when status is not 0: the order closed)
//
// Integers are varints, strings length-prefixed (package internal/wire).
func (e *Engine) AppendSnapshot(dst []byte) []byte { return e.appendSnapshot(dst, snapshotVersion) }

// oldestReencoded is the oldest snapshot version appendSnapshot can write:
// `mts journal verify` compares a snapshot an older build stored with the
// replayed state written in that snapshot's own version.
const oldestReencoded = 3

// appendSnapshot is AppendSnapshot in a version from oldestReencoded on:
// version 3 is version 4 without closed orders' states.
func (e *Engine) appendSnapshot(dst []byte, version uint64) []byte {
	w := snapWriter{wire.Writer{B: dst}, version}
	w.Uvarint(version)
	w.Uvarint(e.seq)
	w.Uvarint(uint64(e.nextOrderID))
	w.Uvarint(e.nextTradeID)
	w.Uvarint(e.seed)
	w.Varint(e.dayStart)
	w.Uvarint(uint64(e.marketPhase))
	w.Uvarint(uint64(len(e.sorted)))
	for _, s := range e.sorted {
		w.symbol(s)
	}
	names := make([]string, 0, len(e.accounts))
	for name := range e.accounts {
		names = append(names, name)
	}
	slices.Sort(names)
	w.Uvarint(uint64(len(names)))
	for _, name := range names {
		w.account(name, e.accounts[name])
	}
	w.Bool(e.risk != nil)
	if e.risk != nil {
		w.Bytes(e.risk.AppendState(nil))
	}
	return w.B
}

// StateHash returns the SHA-256 of the snapshot encoding: two engines that
// applied the same commands have equal hashes. Replay, snapshots and audits
// compare them. It walks everything, so call it at checkpoints.
func (e *Engine) StateHash() [32]byte { return sha256.Sum256(e.AppendSnapshot(nil)) }

type snapWriter struct {
	wire.Writer
	version uint64
}

func (w *snapWriter) symbol(s *symbolState) {
	w.String(s.inst.Symbol)
	w.Varint(int64(s.last))
	w.Varint(int64(s.lower))
	w.Varint(int64(s.upper))
	w.Uvarint(uint64(s.phase))
	w.Varint(int64(s.base))
	w.Varint(int64(s.ref))
	w.Varint(int64(s.close))
	w.Varint(s.viEnd)
	w.Uvarint(uint64(s.resume))
	w.Bool(s.traded)
	for _, side := range [2]Side{Buy, Sell} {
		n := 0
		s.book.Orders(side, func(*restingOrder) bool { n++; return true })
		w.Uvarint(uint64(n))
		s.book.Orders(side, func(o *restingOrder) bool {
			w.order(o.ID, o.Side, o.Price, o.Qty, &o.Data)
			return true
		})
	}
	for _, l := range [2][]*stopOrder{s.stops.buys, s.stops.sells} {
		w.Uvarint(uint64(len(l)))
		for _, so := range l {
			w.order(so.id, so.side, so.price, so.leaves, &so.info)
		}
	}
}

func (w *snapWriter) order(id OrderID, side Side, price Price, leaves Qty, in *orderInfo) {
	w.Uvarint(uint64(id))
	w.Uvarint(uint64(side))
	w.Varint(int64(price))
	w.Varint(int64(leaves))
	w.String(in.owner.name)
	w.String(in.clientOrderID)
	w.Uvarint(uint64(in.typ))
	w.Uvarint(uint64(in.tif))
	w.Uvarint(uint64(in.stp))
	w.Varint(int64(in.qty))
	w.Varint(int64(in.cumQty))
	w.Varint(in.cumValue)
	w.Varint(int64(in.stopPrice))
	w.String(in.stpKey)
	w.Varint(in.perShare)
	w.Varint(in.entryTS)
}

func (w *snapWriter) account(name string, a *accountState) {
	w.String(name)
	w.Varint(int64(a.ordersToday))
	ids := make([]string, 0, len(a.clientOrderIDs))
	for id := range a.clientOrderIDs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	w.Uvarint(uint64(len(ids)))
	for _, id := range ids {
		ref := a.clientOrderIDs[id]
		w.String(id)
		w.Uvarint(uint64(ref.id))
		w.String(ref.symbol)
		if w.version >= 4 {
			w.closed(a.closed.at(ref.closed))
		}
	}
}

func (w *snapWriter) closed(f *closedOrder) {
	w.Uvarint(uint64(f.status))
	if f.status == 0 {
		return
	}
	w.Uvarint(uint64(f.side))
	w.Uvarint(uint64(f.typ))
	w.Uvarint(uint64(f.tif))
	w.Varint(int64(f.price))
	w.Varint(int64(f.stopPrice))
	w.Varint(int64(f.qty))
	w.Varint(int64(f.cumQty))
	w.Varint(f.cumValue)
}

// LoadSnapshot replaces the state of a freshly built engine (same
// instruments, same risk configuration) with a snapshot. On error the engine
// is unusable and must be discarded.
func (e *Engine) LoadSnapshot(b []byte) error {
	if e.seq != 0 {
		return fmt.Errorf("%w: engine already applied commands", ErrSnapshot)
	}
	r := snapReader{Reader: wire.Reader{B: b}, e: e}
	r.version = r.Uvarint()
	if r.version < 1 || r.version > snapshotVersion {
		return fmt.Errorf("%w: version %d", ErrSnapshot, r.version)
	}
	e.seq, e.nextOrderID, e.nextTradeID = r.Uvarint(), OrderID(r.Uvarint()), r.Uvarint()
	if r.version >= 2 {
		e.seed = r.Uvarint()
	}
	if r.version >= 3 {
		e.dayStart, e.marketPhase = r.Varint(), Phase(r.Uvarint())
		if r.Err() == nil && !e.marketPhase.Valid() {
			return fmt.Errorf("%w: market phase %d", ErrSnapshot, e.marketPhase)
		}
	}
	for range r.Count() {
		r.symbol()
	}
	for range r.Count() {
		r.account()
	}
	r.risk()
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	return e.takeRiskHandles()
}

// takeRiskHandles gives every loaded order its account's risk handle, which
// the snapshot does not carry (it is a pointer into the risk state loaded
// after the orders).
func (e *Engine) takeRiskHandles() error {
	if e.risk == nil {
		return nil
	}
	var missing string
	take := func(in *orderInfo) {
		if in.acct = e.risk.Handle(in.owner.name); in.acct == (risk.Handle{}) && missing == "" {
			missing = in.owner.name
		}
	}
	for _, s := range e.sorted {
		for _, side := range [2]Side{Buy, Sell} {
			s.book.Orders(side, func(o *restingOrder) bool {
				take(&o.Data)
				return true
			})
		}
		for _, o := range s.stops.buys {
			take(&o.info)
		}
		for _, o := range s.stops.sells {
			take(&o.info)
		}
	}
	if missing != "" {
		return fmt.Errorf("%w: an order of account %q, which the risk state does not have", ErrSnapshot, missing)
	}
	return nil
}

type snapReader struct {
	wire.Reader
	e       *Engine
	version uint64
}

func (r *snapReader) symbol() {
	name := r.String()
	s := r.e.symbols[name]
	if s == nil {
		r.Fail("symbol %q is not among the instruments", name)
		return
	}
	s.last, s.lower, s.upper = Price(r.Varint()), Price(r.Varint()), Price(r.Varint())
	if r.version >= 2 {
		r.day(s)
		s.syncInstrument()
	}
	for range 2 {
		for range r.Count() {
			id, side, price, leaves, info := r.order()
			if r.Err() != nil || !side.Valid() || price <= 0 || leaves <= 0 || s.book.Get(id) != nil {
				r.Fail("bad order %d in %s", id, name)
				return
			}
			r.e.indexOpen(s, s.book.Add(id, side, price, leaves, info))
		}
	}
	for range 2 {
		for range r.Count() {
			id, side, price, leaves, info := r.order()
			if r.Err() != nil || !side.Valid() || leaves <= 0 {
				r.Fail("bad stop %d in %s", id, name)
				return
			}
			s.stops.add(&stopOrder{id: id, side: side, price: price, leaves: leaves, info: info})
		}
	}
}

// day reads a symbol's trading-day state (version 2 on).
func (r *snapReader) day(s *symbolState) {
	s.phase, s.base, s.ref, s.close = Phase(r.Uvarint()), Price(r.Varint()), Price(r.Varint()), Price(r.Varint())
	s.viEnd, s.resume, s.traded = r.Varint(), Phase(r.Uvarint()), r.Bool()
	if r.Err() == nil && (!s.phase.Valid() || s.resume != 0 && !s.resume.Valid()) {
		r.Fail("bad phase %d (resume %d) in %s", s.phase, s.resume, s.inst.Symbol)
	}
}

func (r *snapReader) order() (OrderID, Side, Price, Qty, orderInfo) {
	id, side, price, leaves := OrderID(r.Uvarint()), Side(r.Uvarint()), Price(r.Varint()), Qty(r.Varint())
	owner := r.e.account(r.String())
	in := orderInfo{
		owner:         owner,
		clientOrderID: r.String(),
		typ:           OrderType(r.Uvarint()), tif: TIF(r.Uvarint()), stp: STPMode(r.Uvarint()),
		qty: Qty(r.Varint()), cumQty: Qty(r.Varint()), cumValue: r.Varint(), stopPrice: Price(r.Varint()),
		stpKey: r.String(), perShare: r.Varint(), entryTS: r.Varint(),
	}
	if in.stpKey == owner.name {
		in.stpKey = owner.name // one string per account (accountState.name)
	}
	return id, side, price, leaves, in
}

func (r *snapReader) account() {
	name := r.String()
	a := r.e.account(name)
	a.ordersToday = int(r.Varint())
	n := r.Count()
	// Sized from the count (Count bounds it by the bytes left): growing the
	// map entry by entry was most of a large snapshot's load time.
	a.clientOrderIDs = make(map[string]orderRef, n)
	for range n {
		id := r.String()
		ref := orderRef{id: OrderID(r.Uvarint())}
		sym := r.Bytes()
		if s := r.e.symbols[string(sym)]; s != nil {
			ref.symbol = s.inst.Symbol // one string per symbol, not one per order
		} else {
			ref.symbol = string(sym)
		}
		ref.closed = a.closed.add()
		if r.version >= 4 {
			*a.closed.at(ref.closed) = r.closed()
		}
		a.clientOrderIDs[id] = ref
	}
}

func (r *snapReader) closed() closedOrder {
	f := closedOrder{status: OrdStatus(r.Uvarint())}
	if f.status == 0 {
		return f
	}
	f.side, f.typ, f.tif = Side(r.Uvarint()), OrderType(r.Uvarint()), TIF(r.Uvarint())
	f.price, f.stopPrice = Price(r.Varint()), Price(r.Varint())
	f.qty, f.cumQty, f.cumValue = Qty(r.Varint()), Qty(r.Varint()), r.Varint()
	if !f.status.closed() {
		r.Fail("closed order with status %d", f.status)
	}
	return f
}

func (r *snapReader) risk() {
	has := r.Bool()
	switch {
	case has && r.e.risk == nil:
		r.Fail("snapshot has risk state but the engine runs without risk")
	case !has && r.e.risk != nil:
		r.Fail("engine runs with risk but the snapshot has no risk state")
	case has:
		if err := r.e.risk.LoadState(r.Bytes()); err != nil {
			r.Fail("%v", err)
		}
	}
}
