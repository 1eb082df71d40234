package orderbook

// refBook is a deliberately naive order book with the observable behaviour of
// Book: each side is one slice of orders kept in priority order (price
// best-first, then arrival), and every query is a linear scan. It has no tree,
// no cache, no free list and no index, so there is little in it to get wrong;
// the differential and fuzz tests trust it and check Book against it.
type refBook struct {
	bids, asks []refOrder
}

type refOrder struct {
	id    OrderID
	side  Side
	price Price
	qty   Qty
	data  uint64
}

func (r *refBook) side(s Side) *[]refOrder {
	if s == Buy {
		return &r.bids
	}
	return &r.asks
}

// better reports whether price a has priority over price b on side s.
func better(s Side, a, b Price) bool {
	if s == Buy {
		return a > b
	}
	return a < b
}

// add inserts the order behind every order at a price that is the same or
// better: the back of its level.
func (r *refBook) add(o refOrder) {
	orders := r.side(o.side)
	i := 0
	for i < len(*orders) && !better(o.side, o.price, (*orders)[i].price) {
		i++
	}
	*orders = append(*orders, refOrder{})
	copy((*orders)[i+1:], (*orders)[i:])
	(*orders)[i] = o
}

// find returns the side and position of id, or ok == false.
func (r *refBook) find(id OrderID) (s Side, i int, ok bool) {
	for _, s := range [2]Side{Buy, Sell} {
		for i, o := range *r.side(s) {
			if o.id == id {
				return s, i, true
			}
		}
	}
	return 0, 0, false
}

func (r *refBook) remove(id OrderID) {
	s, i, ok := r.find(id)
	if !ok {
		panic("refBook: remove of an absent order")
	}
	orders := r.side(s)
	*orders = append((*orders)[:i], (*orders)[i+1:]...)
}

// reduce lowers the quantity in place and removes the order at zero. It
// reports whether the order is still on the book, like Book.Reduce.
func (r *refBook) reduce(id OrderID, qty Qty) bool {
	s, i, ok := r.find(id)
	if !ok || qty <= 0 || qty > (*r.side(s))[i].qty {
		panic("refBook: bad reduce")
	}
	(*r.side(s))[i].qty -= qty
	if (*r.side(s))[i].qty == 0 {
		r.remove(id)
		return false
	}
	return true
}

func (r *refBook) len() int { return len(r.bids) + len(r.asks) }

func (r *refBook) head(s Side) (refOrder, bool) {
	orders := *r.side(s)
	if len(orders) == 0 {
		return refOrder{}, false
	}
	return orders[0], true
}

// depth appends every level of side, best first, to levels.
func (r *refBook) depth(s Side, levels []Level) []Level {
	levels = levels[:0]
	for _, o := range *r.side(s) {
		if n := len(levels); n > 0 && levels[n-1].Price == o.price {
			levels[n-1].Qty += o.qty
			levels[n-1].Count++
			continue
		}
		levels = append(levels, Level{Price: o.price, Qty: o.qty, Count: 1})
	}
	return levels
}

func (r *refBook) best(s Side) (Level, bool) {
	orders := *r.side(s)
	if len(orders) == 0 {
		return Level{}, false
	}
	return r.levelAt(s, orders[0].price), true
}

func (r *refBook) levelAt(s Side, p Price) Level {
	l := Level{Price: p}
	for _, o := range *r.side(s) {
		if o.price == p {
			l.Qty += o.qty
			l.Count++
		}
	}
	return l
}

// ids returns the ids of side in priority order.
func (r *refBook) ids(s Side) []OrderID {
	var ids []OrderID
	for _, o := range *r.side(s) {
		ids = append(ids, o.id)
	}
	return ids
}
