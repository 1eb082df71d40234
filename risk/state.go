package risk

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mts-krx/mts/internal/wire"
)

// ErrState is wrapped by every LoadState error.
var ErrState = errors.New("risk: bad state encoding")

const stateVersion = 1

// AppendState appends a canonical encoding of the whole risk state to dst:
// accounts in id order with their balances, positions, request ids, open
// counts, kill flags, rate and duplicate windows and surveillance counters,
// then the collected fees and tax and the halts. Equal states encode to equal
// bytes, so the engine hashes it for StateHash and stores it in snapshots.
// The configuration is not part of it: it comes from the operator.
func (c *Checker) AppendState(dst []byte) []byte {
	w := stateWriter{wire.Writer{B: dst}}
	w.Uvarint(stateVersion)
	ids := sortedKeys(c.accounts)
	w.Uvarint(uint64(len(ids)))
	for _, id := range ids {
		w.account(c.accounts[id])
	}
	w.Varint(c.fees)
	w.Varint(c.tax)
	w.Bool(c.halted)
	w.Strings(sortedKeys(c.haltedSymbols))
	return w.B
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

type stateWriter struct{ wire.Writer }

func (w *stateWriter) account(a *account) {
	w.String(a.id)
	w.String(a.group)
	w.Varint(a.bal.Cash)
	w.Varint(a.bal.Hold)
	syms := a.symbols()
	w.Uvarint(uint64(len(syms)))
	for _, s := range syms {
		p := a.positions[s]
		w.String(s)
		w.Varint(int64(p.Qty))
		w.Varint(int64(p.Hold))
	}
	w.Strings(sortedKeys(a.requests))
	w.Varint(int64(a.open))
	w.Bool(a.killed)
	w.ring(&a.rate)
	for k := range dupDepth {
		i := (a.next + k) % dupDepth // oldest first
		r := &a.recent[i]
		w.String(r.symbol)
		w.Uvarint(uint64(r.side))
		w.Varint(int64(r.price))
		w.Varint(int64(r.qty))
		w.Varint(a.recentTS[i])
	}
	w.ring(&a.surv.quick)
	w.Varint(int64(a.surv.orders))
	w.Varint(int64(a.surv.fills))
	w.Bool(a.surv.otrAlerted)
}

// ring writes the timestamps oldest first; the reader pushes them back in
// order into a ring of the configured size.
func (w *stateWriter) ring(r *ring) {
	w.Uvarint(uint64(r.n))
	for k := range r.n {
		w.Varint(r.ts[(r.head+k)%len(r.ts)])
	}
}

// LoadState replaces the Checker's state with one AppendState produced.
func (c *Checker) LoadState(src []byte) error {
	r := stateReader{wire.Reader{B: src}}
	if v := r.Uvarint(); v != stateVersion {
		return fmt.Errorf("%w: version %d", ErrState, v)
	}
	n := r.Count()
	accounts := make(map[string]*account, n)
	for range n {
		a := r.account(c)
		accounts[a.id] = a
	}
	fees, tax, halted := r.Varint(), r.Varint(), r.Bool()
	halts := map[string]bool{}
	for _, s := range r.Strings() {
		halts[s] = true
	}
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", ErrState, err)
	}
	c.accounts, c.fees, c.tax, c.halted, c.haltedSymbols = accounts, fees, tax, halted, halts
	c.last, c.killedCount = nil, 0
	for _, a := range accounts {
		if a.killed {
			c.killedCount++
		}
	}
	return nil
}

type stateReader struct{ wire.Reader }

func (r *stateReader) account(c *Checker) *account {
	a := newAccount(r.String(), r.String(), c.cfg.RateMaxOrders, c.cfg.Surveillance.QuickCancelMax)
	a.bal.Cash, a.bal.Hold = r.Varint(), r.Varint()
	for range r.Count() {
		s := r.String()
		a.positions[s] = &Position{Qty: qty(r.Varint()), Hold: qty(r.Varint())}
	}
	for _, id := range r.Strings() {
		a.requests[id] = struct{}{}
	}
	a.open, a.killed = int(r.Varint()), r.Bool()
	r.ring(&a.rate)
	for k := range dupDepth {
		a.recent[k] = recentOrder{symbol: r.String(), side: sideOf(r.Uvarint()), price: price(r.Varint()), qty: qty(r.Varint())}
		a.recentTS[k] = r.Varint()
	}
	r.ring(&a.surv.quick)
	a.surv.orders, a.surv.fills, a.surv.otrAlerted = int(r.Varint()), int(r.Varint()), r.Bool()
	return a
}

func (r *stateReader) ring(dst *ring) {
	for range r.Count() {
		dst.push(r.Varint())
	}
}
