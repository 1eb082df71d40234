package orderbook

// AppendOrders appends to dst every order of side at the levels from the
// best down to the first whose price fails within (best first, time
// priority within a level, as Orders walks them) and returns dst.
//
// It is Orders for a large walk. Each level's queue is a linked list
// through orders scattered over memory, so a plain walk waits for one cache
// miss per order; here several levels are walked at once, each into its
// own stretch of dst, so that their misses overlap. An auction uncross
// lists most of a 100,000-order book this way.
func (b *Book[T]) AppendOrders(dst []*Order[T], side Side, within func(Price) bool) []*Order[T] {
	type run struct {
		o   *Order[T] // next order to write
		pos int       // where it goes in dst
		end int       // end of the level's stretch
	}
	// The levels and their stretches first: a walk of the ladder, not of
	// the orders.
	var runs []run
	n := len(dst)
	b.side(side).levels.scan(func(l *level[T]) bool {
		if !within(l.price) {
			return false
		}
		runs = append(runs, run{o: l.head, pos: n, end: n + l.count})
		n += l.count
		return true
	})
	dst = growOrders(dst, n)
	// Walk lanes levels at a time; a lane that finishes its level takes
	// the next one not yet started.
	const lanes = 4
	var lane [lanes]run
	next, active := 0, 0
	for ; active < lanes && next < len(runs); active, next = active+1, next+1 {
		lane[active] = runs[next]
	}
	for active > 0 {
		for i := 0; i < active; {
			r := &lane[i]
			dst[r.pos] = r.o
			r.o, r.pos = r.o.next, r.pos+1
			if r.pos < r.end {
				i++
				continue
			}
			if next < len(runs) {
				*r = runs[next]
				next++
				i++
				continue
			}
			active--
			lane[i] = lane[active]
		}
	}
	return dst
}

// growOrders returns dst extended to length n.
func growOrders[T any](dst []*Order[T], n int) []*Order[T] {
	if cap(dst) < n {
		grown := make([]*Order[T], len(dst), n)
		copy(grown, dst)
		dst = grown
	}
	return dst[:n]
}
