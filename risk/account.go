package risk

import (
	"slices"

	"github.com/mts-krx/mts/orderbook"
)

type (
	price = orderbook.Price
	qty   = orderbook.Qty
)

// Position is an account's holding of one symbol.
type Position struct {
	Qty  qty // shares owned
	Hold qty // shares held by open sell orders
}

// Available returns the shares that new sell orders may use.
func (p Position) Available() qty { return p.Qty - p.Hold }

// Balance is an account's cash.
type Balance struct {
	Cash int64 // KRW
	Hold int64 // KRW held by open buy orders
}

// Available returns the cash that new buy orders and withdrawals may use.
func (b Balance) Available() int64 { return b.Cash - b.Hold }

// account is one customer account's risk state. The fields every order
// reads or writes come first, so that they share the struct's first cache
// lines: with thousands of accounts, each order's account is a cache miss,
// and each further line it touches is another.
type account struct {
	killed bool
	open   int // open orders
	next   int // where the next recent order goes
	bal    Balance
	surv   survState
	id     string
	rate   ring // entry times of the last RateMaxOrders accepted orders
	// The duplicate check's last dupDepth orders, kept as two arrays: the
	// check compares entry times first, and their eight words fill one cache
	// line, so an order that no recent one is within the window of reads
	// nothing else.
	recentTS [dupDepth]int64
	recent   [dupDepth]recentOrder

	group     string
	stpKey    string // "\x00" + group, so no group can pass for an account id
	positions map[string]*Position
	requests  map[string]struct{} // back-office request ids applied

	// posSym and pos cache the last position looked up: an order's check,
	// hold and fills all ask for the same symbol. The map holds pointers, so
	// pos stays valid; positions are never removed.
	posSym string
	pos    *Position
}

// dupDepth is how many recent orders the duplicate check remembers.
const dupDepth = 8

// recentOrder is a recent order's key; its entry time is in recentTS.
type recentOrder struct {
	symbol string
	side   orderbook.Side
	price  price
	qty    qty
}

func newAccount(id, group string, rateMax, quickMax int) *account {
	key := id
	if group != "" {
		key = "\x00" + group
	}
	return &account{
		id: id, group: group, stpKey: key,
		positions: make(map[string]*Position),
		requests:  make(map[string]struct{}),
		rate:      newRing(rateMax),
		surv:      survState{quick: newRing(quickMax)},
	}
}

// position returns the account's position in symbol, creating it.
func (a *account) position(symbol string) *Position {
	if p := a.held(symbol); p != nil {
		return p
	}
	p := &Position{}
	a.positions[symbol] = p
	a.posSym, a.pos = symbol, p
	return p
}

// held returns the account's position in symbol, or nil when it has none.
// Unlike position it never creates one: a check must change nothing.
func (a *account) held(symbol string) *Position {
	if a.pos != nil && a.posSym == symbol {
		return a.pos
	}
	p := a.positions[symbol]
	if p != nil {
		a.posSym, a.pos = symbol, p
	}
	return p
}

// symbols returns the account's symbols in order, for hashing and snapshots.
func (a *account) symbols() []string {
	out := make([]string, 0, len(a.positions))
	for s := range a.positions {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// ring is a fixed-size ring of timestamps: the oldest is overwritten.
type ring struct {
	ts   []int64
	n    int // how many are filled
	head int // index of the oldest when full
}

func newRing(size int) ring {
	if size < 1 {
		size = 1
	}
	return ring{ts: make([]int64, size)}
}

// push adds ts, overwriting the oldest when full. It wraps indexes by
// comparison: an integer division per order cost more than the rest of it.
func (r *ring) push(ts int64) {
	if r.n < len(r.ts) {
		i := r.head + r.n
		if i >= len(r.ts) {
			i -= len(r.ts)
		}
		r.ts[i] = ts
		r.n++
		return
	}
	r.ts[r.head] = ts
	r.head++
	if r.head == len(r.ts) {
		r.head = 0
	}
}

// full reports whether the ring holds its size and the oldest entry is within
// window of now: that many events happened within the window.
func (r *ring) full(now, window int64) bool {
	return r.n == len(r.ts) && now-r.ts[r.head] < window
}

func (r *ring) reset() { r.n, r.head = 0, 0 }

func sideOf(v uint64) orderbook.Side { return orderbook.Side(v) }
