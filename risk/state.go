package risk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
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
	w := writer{b: dst}
	w.u(stateVersion)
	ids := make([]string, 0, len(c.accounts))
	for id := range c.accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	w.u(uint64(len(ids)))
	for _, id := range ids {
		w.account(c.accounts[id])
	}
	w.i(c.fees)
	w.i(c.tax)
	w.bool(c.halted)
	w.strings(sortedKeys(c.haltedSymbols))
	return w.b
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (w *writer) account(a *account) {
	w.str(a.id)
	w.str(a.group)
	w.i(a.bal.Cash)
	w.i(a.bal.Hold)
	syms := a.symbols()
	w.u(uint64(len(syms)))
	for _, s := range syms {
		p := a.positions[s]
		w.str(s)
		w.i(int64(p.Qty))
		w.i(int64(p.Hold))
	}
	w.strings(sortedKeys(a.requests))
	w.i(int64(a.open))
	w.bool(a.killed)
	w.ring(&a.rate)
	for k := range dupDepth {
		r := &a.recent[(a.next+k)%dupDepth] // oldest first
		w.str(r.symbol)
		w.u(uint64(r.side))
		w.i(int64(r.price))
		w.i(int64(r.qty))
		w.i(r.ts)
	}
	w.ring(&a.surv.quick)
	w.i(int64(a.surv.orders))
	w.i(int64(a.surv.fills))
	w.bool(a.surv.otrAlerted)
}

// LoadState replaces the Checker's state with one AppendState produced.
func (c *Checker) LoadState(src []byte) error {
	r := reader{b: src}
	if v := r.u(); v != stateVersion {
		return fmt.Errorf("%w: version %d", ErrState, v)
	}
	n := r.count()
	accounts := make(map[string]*account, n)
	for range n {
		a := r.account(c)
		if r.err != nil {
			break
		}
		accounts[a.id] = a
	}
	fees, tax, halted := r.i(), r.i(), r.bool()
	halts := map[string]bool{}
	for _, s := range r.strings() {
		halts[s] = true
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return fmt.Errorf("%w: %v", ErrState, r.err)
	}
	c.accounts, c.fees, c.tax, c.halted, c.haltedSymbols = accounts, fees, tax, halted, halts
	return nil
}

func (r *reader) account(c *Checker) *account {
	a := newAccount(r.str(), r.str(), c.cfg.RateMaxOrders, c.cfg.Surveillance.QuickCancelMax)
	a.bal.Cash, a.bal.Hold = r.i(), r.i()
	for range r.count() {
		s := r.str()
		a.positions[s] = &Position{Qty: qty(r.i()), Hold: qty(r.i())}
	}
	for _, id := range r.strings() {
		a.requests[id] = struct{}{}
	}
	a.open, a.killed = int(r.i()), r.bool()
	r.ring(&a.rate)
	for k := range dupDepth {
		a.recent[k] = recentOrder{symbol: r.str(), side: sideOf(r.u()), price: price(r.i()), qty: qty(r.i()), ts: r.i()}
	}
	r.ring(&a.surv.quick)
	a.surv.orders, a.surv.fills, a.surv.otrAlerted = int(r.i()), int(r.i()), r.bool()
	return a
}

// writer and reader are the little binary codec of the state: varints and
// length-prefixed strings. The reader records the first error and returns
// zero values after it, so decoding code reads straight through.
type writer struct{ b []byte }

func (w *writer) u(v uint64)   { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) i(v int64)    { w.b = binary.AppendVarint(w.b, v) }
func (w *writer) str(s string) { w.u(uint64(len(s))); w.b = append(w.b, s...) }
func (w *writer) bool(v bool) {
	if v {
		w.u(1)
	} else {
		w.u(0)
	}
}
func (w *writer) strings(ss []string) {
	w.u(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

// ring writes the timestamps oldest first; a reader pushes them back in
// order into a ring of the configured size.
func (w *writer) ring(r *ring) {
	w.u(uint64(r.n))
	for k := range r.n {
		w.i(r.ts[(r.head+k)%len(r.ts)])
	}
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("truncated or malformed %s", what)
	}
	r.b = nil
}

func (r *reader) u() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) i() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length and refuses one larger than the bytes left, so a
// corrupt length cannot make the decoder allocate without bound.
func (r *reader) count() int {
	n := r.u()
	if n > uint64(len(r.b)) {
		r.fail("count")
		return 0
	}
	return int(n)
}

func (r *reader) str() string {
	n := r.count()
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) bool() bool { return r.u() == 1 }

func (r *reader) strings() []string {
	n := r.count()
	out := make([]string, 0, n)
	for range n {
		out = append(out, r.str())
	}
	return out
}

func (r *reader) ring(dst *ring) {
	for range r.count() {
		dst.push(r.i())
	}
}
