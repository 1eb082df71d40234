package matching

// resolve maps STPDefault to the mode it stands for.
func (m STPMode) resolve() STPMode {
	if m == STPDefault {
		return STPCancelIncoming
	}
	return m
}

// selfMatch applies the taker's self-match prevention mode to a resting order
// m of the same account. Every prevented match is reported on the resting
// order's stream (canceled or restated, reason SELF_MATCH_PREVENTED); the
// taker's side is reported by the caller when it stops, or here when it is
// decremented. It reports whether the taker must stop matching.
func (e *Engine) selfMatch(s *symbolState, t *taker, m *restingOrder) (stop bool) {
	e.alert(s, AlertSelfMatch, t.info.owner.name, t.id)
	switch t.info.stp.resolve() {
	case STPCancelResting:
		e.cancelResting(s, m, m.Qty, CxlSelfMatch)
		return false
	case STPCancelBoth:
		e.cancelResting(s, m, m.Qty, CxlSelfMatch)
		return true
	case STPDecrement:
		q := min(t.leaves, m.Qty)
		e.cancelResting(s, m, q, CxlSelfMatch)
		e.decrementTaker(s, t, q)
		return false
	}
	return true // STPCancelIncoming
}

// decrementTaker takes q off the taker's order quantity without a trade. A
// taker decremented to nothing is canceled; otherwise restated.
func (e *Engine) decrementTaker(s *symbolState, t *taker, q Qty) {
	t.leaves -= q
	et, st := ExecCanceled, StatusCanceled
	if t.leaves > 0 {
		t.info.qty -= q
		et, st = ExecRestated, openStatus(&t.info)
	}
	ev := e.exec(s, t.id, t.side, t.price, t.leaves, &t.info, et, st)
	ev.Reason, ev.LastQty = CxlSelfMatch, q
	e.release(s, t.side, &t.info, q, t.leaves == 0)
}

// cancelResting takes q off a resting order (all of it when q is its whole
// remainder) and reports it: canceled on request or when nothing is left,
// restated when self-match decrement left some. An order that stays open
// has its quantity lowered too, so cumQty + leavesQty = qty keeps holding; a
// finished one keeps the quantity it was entered with, as FIX reports it.
func (e *Engine) cancelResting(s *symbolState, o *restingOrder, q Qty, r Reason) {
	leaves := o.Qty - q
	et, st := ExecCanceled, StatusCanceled
	if leaves > 0 {
		o.Data.qty -= q
		st = openStatus(&o.Data)
		if r == CxlSelfMatch {
			et = ExecRestated
		}
	}
	ev := e.exec(s, o.ID, o.Side, o.Price, leaves, &o.Data, et, st)
	ev.Reason, ev.LastQty = r, q
	e.release(s, o.Side, &o.Data, q, leaves == 0)
	bookReduce(s, o, q) // last: o is recycled if this empties it
}
