package risk

import "github.com/mts-krx/mts/orderbook"

// Checker holds every account and runs the checks. See the package
// documentation for the order in which the engine calls it.
type Checker struct {
	cfg      Config
	accounts map[string]*account

	fees, tax int64 // collected commission and transaction tax, KRW

	halted        bool            // global kill switch
	haltedSymbols map[string]bool // per-instrument trading halts
	killedCount   int             // accounts with their kill switch on

	// last caches the most recent account lookup: the engine asks about
	// the same account several times per command (check, hold, release,
	// settle), and a string-keyed map probe costs more than the compare.
	// Accounts are never removed, so the pointer cannot go stale;
	// LoadState resets it.
	last *account
}

// get returns the account with id, or nil.
func (c *Checker) get(id string) *account {
	if a := c.last; a != nil && a.id == id {
		return a
	}
	a := c.accounts[id]
	if a != nil {
		c.last = a
	}
	return a
}

// Handle is an account as the engine keeps it with an open order, so that
// the calls for that order (Release, Rehold, Fill, Closed) reach the account
// without a lookup by id: on the engine's hot path a string-keyed map probe
// per call was most of what risk cost. A handle stays valid for the
// Checker's life (accounts are never removed) until LoadState, after which
// the caller takes its handles again. The zero Handle is no account.
type Handle struct{ a *account }

// Handle returns the handle of account id, or the zero Handle if there is
// no such account.
func (c *Checker) Handle(id string) Handle { return Handle{c.get(id)} }

// STPKey returns the self-match prevention key of h's account (see Group).
func (h Handle) STPKey() string { return h.must().stpKey }

// must returns h's account; a zero handle is an engine bug.
func (h Handle) must() *account {
	if h.a == nil {
		panic("risk: order call without an account handle")
	}
	return h.a
}

// anyKill reports whether any kill switch is on, so that the common case —
// none — costs no map lookups.
func (c *Checker) anyKill() bool {
	return c.halted || len(c.haltedSymbols) > 0 || c.killedCount > 0
}

// New returns a Checker with no accounts.
func New(cfg Config) *Checker {
	return &Checker{
		cfg:           cfg.withDefaults(),
		accounts:      make(map[string]*account),
		haltedSymbols: make(map[string]bool),
	}
}

// Order is what the checks need to know about a new order.
type Order struct {
	Account, Symbol string
	Class           string // instrument class for the fat-finger tiers
	Side            orderbook.Side
	// Price is the order's own limit; 0 for a market order, whose notional
	// is then judged at RefPrice.
	Price price
	// HoldPrice is what a buy holds per share: its limit, or the upper daily
	// limit for market and best-limit buys.
	HoldPrice    price
	Qty          qty
	RefPrice     price // last trade price, or the base price before it
	ListedShares int64 // 0 when reference data lacks it
	Confirm      bool  // the customer confirmed a warning-tier order
	// Acct is Account's handle when the caller has one (it saves Check and
	// Open the lookup by id); the zero Handle has them look it up.
	Acct Handle
	TS   int64 // the command's time, Unix nanoseconds
}

// Fees is what one trade costs each side, in KRW.
type Fees struct {
	BuyCommission, SellCommission, SellTax int64
}

// Group returns the self-match prevention key of an account: its group
// (marked so that it cannot equal any account id) when it has one, else the
// account itself.
func (c *Checker) Group(id string) string {
	if a := c.get(id); a != nil {
		return a.stpKey
	}
	return id
}

// Balance returns an account's cash.
func (c *Checker) Balance(id string) (Balance, bool) {
	a := c.get(id)
	if a == nil {
		return Balance{}, false
	}
	return a.bal, true
}

// Position returns an account's holding of a symbol.
func (c *Checker) Position(id, symbol string) Position {
	if a := c.get(id); a != nil {
		if p := a.positions[symbol]; p != nil {
			return *p
		}
	}
	return Position{}
}

// Collected returns the commission and tax collected so far.
func (c *Checker) Collected() (fees, tax int64) { return c.fees, c.tax }

// PerShare returns what one share of an order holds: cash (KRW) for a buy,
// one share for a sell.
func (c *Checker) PerShare(side orderbook.Side, holdPrice price) int64 {
	if side == orderbook.Sell {
		return 1
	}
	return int64(holdPrice) + ceilPPM(int64(holdPrice), c.cfg.CommissionPPM)
}

func ceilPPM(v, ppm int64) int64 { return (v*ppm + 999_999) / 1_000_000 }

func floorPPM(v, ppm int64) int64 { return v * ppm / 1_000_000 }

// OpenOrders returns how many open orders the Checker counts for an account.
func (c *Checker) OpenOrders(id string) int {
	if a := c.get(id); a != nil {
		return a.open
	}
	return 0
}

// Positions calls fn with each of an account's positions, in symbol order.
// It is a read for queries: it allocates the sorted symbol list, so it stays
// off the order path.
func (c *Checker) Positions(id string, fn func(symbol string, p Position)) {
	a := c.get(id)
	if a == nil {
		return
	}
	for _, s := range a.symbols() {
		fn(s, *a.positions[s])
	}
}
