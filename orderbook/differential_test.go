package orderbook

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

var (
	seedFlag = flag.Int64("seed", -1, "run TestDifferential for this seed only")
	opsFlag  = flag.Int("ops", 0, "operations per seed in TestDifferential (0: default, or 10^6 with -long)")
	longFlag = flag.Bool("long", false, "run TestDifferential with 10^6 operations per seed (also MTS_LONG=1)")
)

const (
	defaultSeeds = 32
	defaultOps   = 4000
	longSeeds    = 8
	longOps      = 1_000_000
)

// TestDifferential drives Book and the naive refBook with the same random
// operation stream and compares everything observable after every operation.
// A failure prints its seed and the command that replays it.
func TestDifferential(t *testing.T) {
	long := *longFlag || os.Getenv("MTS_LONG") == "1"
	seeds, ops := defaultSeeds, defaultOps
	if long {
		seeds, ops = longSeeds, longOps
	}
	if *opsFlag > 0 {
		ops = *opsFlag
	}
	if *seedFlag >= 0 {
		runDifferential(t, uint64(*seedFlag), ops)
		return
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runDifferential(t, seed, ops)
		})
	}
}

func runDifferential(t *testing.T, seed uint64, ops int) {
	t.Helper()
	g := newOpGen(seed)
	h := newHarness()
	for i := range ops {
		o := g.next(h.r.len())
		if err := h.apply(o); err != nil {
			t.Fatalf("seed %d, op %d %v: %v\nrepro: go test ./orderbook -run TestDifferential -seed=%d -ops=%d",
				seed, i, o, err, seed, i+1)
		}
	}
}

// opKind is one of the operations the differential and fuzz tests apply.
type opKind uint8

const (
	opAdd    opKind = iota // add an order, sometimes under the id of one that left
	opRemove               // remove an order on the book (a cancel)
	opReduce               // reduce an order on the book, sometimes to zero
	opMatch                // sweep the other side from the head while it crosses
	opMove                 // reprice an order on the book (the fuzzer does not generate these)
	numOpKinds
)

// op is one operation. Fields that refer to resting orders (pick, and qty for
// a reduce) are resolved against the book when the op is applied, so that any
// op is valid in any state: that lets the fuzzer mutate freely.
type op struct {
	kind  opKind
	side  Side  // add: the order's side; match: the taker's side
	price Price // add: the order's price; match: the taker's limit
	qty   Qty   // add, match: the quantity; reduce: 1+(qty-1)%leaves is taken off
	pick  int   // remove, reduce: the pick%Len-th order (bids then asks, priority order); add: which dead id to reuse
	flag  bool  // add: reuse a dead id; match: rest the remainder as a new order
}

func (o op) String() string {
	switch o.kind {
	case opAdd:
		return fmt.Sprintf("add{%v %d x %d reuse=%v pick=%d}", o.side, o.price, o.qty, o.flag, o.pick)
	case opRemove:
		return fmt.Sprintf("remove{pick=%d}", o.pick)
	case opReduce:
		return fmt.Sprintf("reduce{pick=%d qty=%d}", o.pick, o.qty)
	case opMatch:
		return fmt.Sprintf("match{%v %d limit %d rest=%v}", o.side, o.qty, o.price, o.flag)
	case opMove:
		return fmt.Sprintf("move{pick=%d to %d x %d}", o.pick, o.price, o.qty)
	}
	return fmt.Sprintf("op(%d)", o.kind)
}

// Prices sit on a grid of KRX ticks around a mid price so that levels collide
// and the two sides cross.
const (
	gridMid  Price = 50_000
	gridTick Price = 100
)

func gridPrice(i int) Price { return gridMid + Price(i)*gridTick }

// opGen makes a random, state-aware operation stream from a seed. The seed also
// picks the shape of the book: a narrow grid gives long FIFO queues, a wide one
// many thin levels, and a ragged one prices off the grid and far from it.
type opGen struct {
	rng    *rand.Rand
	width  int  // prices are gridPrice(-width..width)
	target int  // book size the mix of operations steers towards
	ragged bool // some prices off the grid (the ladder refiles its levels on a finer step) or far out (sparse blocks)
}

func newOpGen(seed uint64) *opGen {
	rng := rand.New(rand.NewPCG(seed, 0x6d7473))
	return &opGen{
		rng:    rng,
		width:  []int{1, 4, 16, 100}[seed%4],
		target: []int{8, 40, 120}[seed%3],
		ragged: seed%5 == 0,
	}
}

func (g *opGen) price() Price {
	if g.ragged {
		switch g.rng.IntN(40) {
		case 0:
			return gridMid + Price(g.rng.IntN(20_001)-10_000)
		case 1:
			return gridMid * Price(1+g.rng.IntN(1000))
		}
	}
	return gridPrice(g.rng.IntN(2*g.width+1) - g.width)
}

func (g *opGen) side() Side { return Buy + Side(g.rng.IntN(2)) }

func (g *opGen) qty() Qty {
	if g.rng.IntN(10) == 0 {
		return 1 + Qty(g.rng.IntN(1000))
	}
	return 1 + Qty(g.rng.IntN(10))
}

// next returns the next operation for a book holding n orders.
func (g *opGen) next(n int) op {
	addPct := 60
	if n > g.target {
		addPct = 35
	}
	r := g.rng.IntN(100)
	switch {
	case r < addPct || n == 0:
		return op{kind: opAdd, side: g.side(), price: g.price(), qty: g.qty(),
			flag: g.rng.IntN(8) == 0, pick: g.rng.IntN(1 << 16)}
	case r < addPct+15:
		return op{kind: opRemove, pick: g.rng.IntN(1 << 16)}
	case r < addPct+30:
		return op{kind: opReduce, pick: g.rng.IntN(1 << 16), qty: g.qty()}
	case r < addPct+40:
		return op{kind: opMove, pick: g.rng.IntN(1 << 16), price: g.price(), qty: g.qty()}
	default:
		return op{kind: opMatch, side: g.side(), price: g.price(), qty: 3 * g.qty(), flag: g.rng.IntN(2) == 0}
	}
}

// fill is one maker's part of a match.
type fill struct {
	id  OrderID
	qty Qty
}

// harness applies operations to a Book and a refBook and compares them.
type harness struct {
	b      *Book[uint64]
	r      refBook
	nextID OrderID
	adds   uint64     // payloads are the add's sequence number
	dead   []OrderID  // recent ids that left the book, for reuse
	buf    [2][]Level // Book, refBook
	fills  [2][]fill
}

func newHarness() *harness { return &harness{b: New[uint64](), nextID: 1} }

const maxDead = 64

func (h *harness) died(id OrderID) {
	if len(h.dead) == maxDead {
		h.dead = append(h.dead[:0], h.dead[1:]...)
	}
	h.dead = append(h.dead, id)
}

// apply runs o on both books and returns the first disagreement.
func (h *harness) apply(o op) error {
	if err := h.step(o); err != nil {
		return err
	}
	return h.compare(o)
}

// picked returns the order o picks on the book under test, with its id;
// nil with no error when there is none to pick, nil with an error when the
// book lost an order the reference has.
func (h *harness) picked(o op) (*Order[uint64], OrderID, error) {
	id, ok := h.pick(o.pick)
	if !ok {
		return nil, 0, nil
	}
	bo := h.b.Get(id)
	if bo == nil {
		return nil, id, fmt.Errorf("Get(%d) = nil, reference has it", id)
	}
	return bo, id, nil
}

func (h *harness) step(o op) error {
	switch o.kind {
	case opAdd:
		h.add(h.newID(o), o.side, o.price, o.qty)
	case opRemove:
		bo, id, err := h.picked(o)
		if bo == nil {
			return err
		}
		side, price := bo.Side, bo.Price
		left := h.b.Remove(bo)
		h.r.remove(id)
		h.died(id)
		if want := h.r.levelAt(side, price); left != want {
			return fmt.Errorf("Remove(%d) left %+v, want %+v", id, left, want)
		}
	case opReduce:
		return h.reduce(o)
	case opMatch:
		return h.match(o)
	case opMove:
		return h.move(o)
	}
	return nil
}

// move reprices the picked order; the reference removes it and adds it
// again with the same id and payload.
func (h *harness) move(o op) error {
	bo, id, err := h.picked(o)
	if bo == nil {
		return err
	}
	side, old, data := bo.Side, bo.Price, bo.Data
	left := h.b.Move(bo, o.price, o.qty)
	h.r.remove(id)
	h.r.add(refOrder{id: id, side: side, price: o.price, qty: o.qty, data: data})
	if want := h.r.levelAt(side, old); old != o.price && left != want {
		return fmt.Errorf("Move(%d) left %+v at %d, want %+v", id, left, old, want)
	}
	if got, want := bo.Level(), h.r.levelAt(side, o.price); got != want {
		return fmt.Errorf("Move(%d): its level is %+v, want %+v", id, got, want)
	}
	return nil
}

func (h *harness) newID(o op) OrderID {
	if o.flag && len(h.dead) > 0 {
		i := o.pick % len(h.dead)
		id := h.dead[i]
		h.dead = slices.Delete(h.dead, i, i+1)
		return id
	}
	h.nextID++
	return h.nextID - 1
}

func (h *harness) add(id OrderID, side Side, price Price, qty Qty) {
	h.adds++
	h.b.Add(id, side, price, qty, h.adds)
	h.r.add(refOrder{id: id, side: side, price: price, qty: qty, data: h.adds})
}

// pick returns the pick%Len-th order of the reference, bids then asks.
func (h *harness) pick(pick int) (OrderID, bool) {
	n := h.r.len()
	if n == 0 {
		return 0, false
	}
	i := pick % n
	if i < len(h.r.bids) {
		return h.r.bids[i].id, true
	}
	return h.r.asks[i-len(h.r.bids)].id, true
}

func (h *harness) reduce(o op) error {
	bo, id, err := h.picked(o)
	if bo == nil {
		return err
	}
	amt := 1 + (o.qty-1)%bo.Qty
	got := h.b.Reduce(bo, amt)
	want := h.r.reduce(id, amt)
	if got != want {
		return fmt.Errorf("Reduce(%d, %d) = %v, want %v", id, amt, got, want)
	}
	if !got {
		h.died(id)
	}
	return nil
}

func crosses(taker Side, limit, maker Price) bool {
	if taker == Buy {
		return maker <= limit
	}
	return maker >= limit
}

// match sweeps the side opposite the taker on both books and compares the
// fills, then rests what is left when the op says so.
func (h *harness) match(o op) error {
	left, fills := h.matchBook(o)
	rleft, rfills := h.matchRef(o)
	if !slices.Equal(fills, rfills) {
		return fmt.Errorf("fills %v, want %v", fills, rfills)
	}
	if left != rleft {
		return fmt.Errorf("taker left with %d, want %d", left, rleft)
	}
	for _, f := range fills {
		if h.b.Get(f.id) == nil {
			h.died(f.id)
		}
	}
	if o.flag && left > 0 {
		h.add(h.newID(op{}), o.side, o.price, left)
	}
	return nil
}

func (h *harness) matchBook(o op) (Qty, []fill) {
	fills, left := h.fills[0][:0], o.qty
	for left > 0 {
		m := h.b.Head(o.side.Opposite())
		if m == nil || !crosses(o.side, o.price, m.Price) {
			break
		}
		n := min(left, m.Qty)
		fills = append(fills, fill{m.ID, n})
		h.b.Reduce(m, n)
		left -= n
	}
	h.fills[0] = fills
	return left, fills
}

func (h *harness) matchRef(o op) (Qty, []fill) {
	fills, left := h.fills[1][:0], o.qty
	for left > 0 {
		m, ok := h.r.head(o.side.Opposite())
		if !ok || !crosses(o.side, o.price, m.price) {
			break
		}
		n := min(left, m.qty)
		fills = append(fills, fill{m.id, n})
		h.r.reduce(m.id, n)
		left -= n
	}
	h.fills[1] = fills
	return left, fills
}

// compare checks every observable of the book against the reference.
func (h *harness) compare(o op) error {
	if err := h.b.Check(); err != nil {
		return err
	}
	if got, want := h.b.Len(), h.r.len(); got != want {
		return fmt.Errorf("Len() = %d, want %d", got, want)
	}
	for _, s := range [2]Side{Buy, Sell} {
		if err := h.compareSide(s, o.price); err != nil {
			return err
		}
	}
	return nil
}

func (h *harness) compareSide(s Side, p Price) error {
	want := h.r.depth(s, h.buf[1])
	got := h.b.Depth(s, len(want)+1, h.buf[0][:0])
	h.buf = [2][]Level{got, want}
	if !slices.Equal(got, want) {
		return fmt.Errorf("Depth(%v) = %v, want %v", s, got, want)
	}
	if n := h.b.LevelCount(s); n != len(want) {
		return fmt.Errorf("LevelCount(%v) = %d, want %d", s, n, len(want))
	}
	best, ok := h.b.Best(s)
	wantBest, wantOK := h.r.best(s)
	if best != wantBest || ok != wantOK {
		return fmt.Errorf("Best(%v) = %v, %v, want %v, %v", s, best, ok, wantBest, wantOK)
	}
	if got, want := h.b.LevelAt(s, p), h.r.levelAt(s, p); got != want {
		return fmt.Errorf("LevelAt(%v, %d) = %v, want %v", s, p, got, want)
	}
	if err := h.compareHead(s); err != nil {
		return err
	}
	return h.compareOrders(s)
}

func (h *harness) compareHead(s Side) error {
	head := h.b.Head(s)
	want, ok := h.r.head(s)
	switch {
	case head == nil && ok:
		return fmt.Errorf("Head(%v) = nil, want %d", s, want.id)
	case head != nil && !ok:
		return fmt.Errorf("Head(%v) = %d, want nil", s, head.ID)
	case head != nil && head.ID != want.id:
		return fmt.Errorf("Head(%v) = %d, want %d", s, head.ID, want.id)
	}
	return nil
}

// compareOrders walks side in priority order and compares each order and its
// payload with the reference. (Check has already matched each to the index.)
func (h *harness) compareOrders(s Side) error {
	want := *h.r.side(s)
	i := 0
	var err error
	h.b.Orders(s, func(o *Order[uint64]) bool {
		got := refOrder{id: o.ID, side: o.Side, price: o.Price, qty: o.Qty, data: o.Data}
		switch {
		case i >= len(want):
			err = fmt.Errorf("Orders(%v)[%d] = %+v, want end of side", s, i, got)
		case got != want[i]:
			err = fmt.Errorf("Orders(%v)[%d] = %+v, want %+v", s, i, got, want[i])
		}
		i++
		return err == nil
	})
	if err == nil && i != len(want) {
		err = fmt.Errorf("Orders(%v) walked %d orders, want %d: %v", s, i, len(want), h.r.ids(s))
	}
	return err
}
