package matching

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"slices"
)

// StateHash returns a SHA-256 over the engine's canonical state: counters,
// every symbol's last price, limits, book (in price-time order) and stops,
// and every account's client-order-id table (sorted). Two engines that applied
// the same commands have equal hashes; replay, snapshots and audits compare
// them. It walks everything, so call it at checkpoints, not per command.
func (e *Engine) StateHash() [32]byte {
	h := hasher{h: sha256.New()}
	h.str("mts-state-v1")
	h.u64(e.seq)
	h.u64(uint64(e.nextOrderID))
	h.u64(e.nextTradeID)
	for _, s := range e.sorted {
		h.symbol(s)
	}
	names := make([]string, 0, len(e.accounts))
	for name := range e.accounts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		h.account(name, e.accounts[name])
	}
	if e.risk != nil {
		h.h.Write(e.risk.AppendState(nil))
	}
	var out [32]byte
	h.h.Sum(out[:0])
	return out
}

type hasher struct {
	h   hash.Hash
	buf []byte
}

func (h *hasher) u64(v uint64) {
	h.buf = binary.AppendUvarint(h.buf[:0], v)
	h.h.Write(h.buf)
}

func (h *hasher) i64(v int64) {
	h.buf = binary.AppendVarint(h.buf[:0], v)
	h.h.Write(h.buf)
}

func (h *hasher) str(s string) {
	h.u64(uint64(len(s)))
	h.h.Write([]byte(s))
}

func (h *hasher) symbol(s *symbolState) {
	h.str(s.inst.Symbol)
	h.i64(int64(s.last))
	h.i64(int64(s.lower))
	h.i64(int64(s.upper))
	for _, side := range [2]Side{Buy, Sell} {
		h.u64(uint64(s.book.LevelCount(side)))
		s.book.Orders(side, func(o *restingOrder) bool {
			h.order(o.ID, o.Side, o.Price, o.Qty, &o.Data)
			return true
		})
	}
	for _, l := range [2][]*stopOrder{s.stops.buys, s.stops.sells} {
		h.u64(uint64(len(l)))
		for _, so := range l {
			h.order(so.id, so.side, so.price, so.leaves, &so.info)
		}
	}
}

func (h *hasher) order(id OrderID, side Side, price Price, leaves Qty, in *orderInfo) {
	h.u64(uint64(id))
	h.u64(uint64(side))
	h.i64(int64(price))
	h.i64(int64(leaves))
	h.str(in.account)
	h.str(in.clientOrderID)
	h.u64(uint64(in.typ)<<16 | uint64(in.tif)<<8 | uint64(in.stp))
	h.i64(int64(in.qty))
	h.i64(int64(in.cumQty))
	h.i64(in.cumValue)
	h.i64(int64(in.stopPrice))
	h.str(in.stpKey)
	h.i64(in.perShare)
	h.i64(in.entryTS)
}

func (h *hasher) account(name string, a *accountState) {
	h.str(name)
	h.u64(uint64(a.ordersToday))
	ids := make([]string, 0, len(a.clientOrderIDs))
	for id := range a.clientOrderIDs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ref := a.clientOrderIDs[id]
		h.str(id)
		h.u64(uint64(ref.id))
		h.str(ref.symbol)
	}
}
