package matching

import (
	"cmp"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"testing"
)

// The auction tests: hand-made books with worked answers, then a property
// test over random books that checks Uncross against brute force and a naive
// reference (auctionRef below), then a fuzz target running the same checks.
//
//	go test ./matching -run Auction                       # everything here
//	go test ./matching -run TestAuctionRandom -auction.seed=N   # one seed
//	MTS_LONG=1 go test ./matching -run TestAuctionRandom        # 100,000 seeds
//	go test ./matching -run '^$' -fuzz FuzzAuctionUncross
//	go test ./matching -run '^$' -bench 'Uncross|Indicative' -benchmem

var auctionSeed = flag.Uint64("auction.seed", 0, "run TestAuctionRandom for this seed only")

// 005930-like: base 71,000, stock ticks, limits 49,700–92,300.
const (
	auctionBase  Price = 71_000
	auctionLower Price = 49_700
	auctionUpper Price = 92_300
)

func buyAt(id OrderID, p Price, q Qty, seq uint64) AuctionOrder {
	return AuctionOrder{ID: id, Side: Buy, Price: p, Qty: q, Seq: seq}
}

func sellAt(id OrderID, p Price, q Qty, seq uint64) AuctionOrder {
	return AuctionOrder{ID: id, Side: Sell, Price: p, Qty: q, Seq: seq}
}

// uncross005930 runs Uncross on the 005930-like instrument and checks the
// result's invariants before returning it.
func uncross005930(t *testing.T, orders []AuctionOrder, prev Price, unit Qty) AuctionResult {
	t.Helper()
	res := Uncross(orders, prev, TickStock, auctionLower, auctionUpper, unit)
	if err := checkAuction(orders, prev, TickStock, auctionLower, auctionUpper, unit, res); err != nil {
		t.Fatalf("Uncross(%v, prev %d): %v", orders, prev, err)
	}
	return res
}

func TestAuctionGrid(t *testing.T) {
	for _, c := range []struct {
		scheme       TickScheme
		lower, upper Price
		want         []Price
	}{
		{TickStock, 1_995, 2_015, []Price{1_995, 1_996, 1_997, 1_998, 1_999, 2_000, 2_005, 2_010, 2_015}},
		{TickStock, 49_970, 50_200, []Price{50_000, 50_100, 50_200}}, // lower off tick
		{TickStock, 49_900, 50_000, []Price{49_900, 49_950, 50_000}},
		{TickFlat5, 1_003, 1_020, []Price{1_005, 1_010, 1_015, 1_020}},
	} {
		if got := auctionGrid(c.scheme, c.lower, c.upper); !slices.Equal(got, c.want) {
			t.Errorf("auctionGrid(%d, %d, %d) = %v, want %v", c.scheme, c.lower, c.upper, got, c.want)
		}
	}
	if got := len(auctionGrid(TickStock, auctionLower, auctionUpper)); got != 430 {
		t.Errorf("grid of 49,700–92,300 has %d prices, want 430 (7 at tick 50 to 50,000, 423 at tick 100)", got)
	}
}

// TestAuctionLevels checks the level lookup, with the floor table and with
// binary search, against a walk of the grid, for buys (the highest candidate
// at or below the price) and sells (the lowest at or above), on and off the
// grid and beyond it.
func TestAuctionLevels(t *testing.T) {
	for _, c := range []struct {
		scheme       TickScheme
		lower, upper Price
		table        bool
	}{
		{TickStock, auctionLower, auctionUpper, true},
		{TickStock, 1_393, 2_587, true},
		{TickStock, 350_000, 650_000, true},
		{TickFlat5, 3_500, 6_500, true},
		{TickStock, 2_000, 2_000, false}, // one price
		{TickStock, 1, 1_000_000, false}, // the table would be 1,000,000 for ~7,000 prices
	} {
		fast := newAuctionBook(nil, c.scheme, c.lower, c.upper, false)
		if got := fast.floor != nil; got != c.table {
			t.Errorf("[%d, %d]: floor table %v, want %v", c.lower, c.upper, got, c.table)
		}
		slow := *fast
		slow.floor = nil
		g, below := fast.grid, -1 // g[below] is the highest candidate ≤ p
		for p := max(1, c.lower-3); p <= c.upper+3; p++ {
			if below+1 < len(g) && g[below+1] == p {
				below++
			}
			above := below // the lowest candidate ≥ p
			if above < 0 || g[above] != p {
				above++
			}
			if above == len(g) {
				above = -1
			}
			for _, b := range []*auctionBook{fast, &slow} {
				if got := b.levelOf(&AuctionOrder{Side: Buy, Price: p, Qty: 1}); got != below {
					t.Fatalf("[%d, %d] table %v: buy at %d is at level %d, want %d", c.lower, c.upper, b.floor != nil, p, got, below)
				}
				if got := b.levelOf(&AuctionOrder{Side: Sell, Price: p, Qty: 1}); got != above {
					t.Fatalf("[%d, %d] table %v: sell at %d is at level %d, want %d", c.lower, c.upper, b.floor != nil, p, got, above)
				}
			}
		}
	}
}

// TestAuctionMaxVolume: the price of the largest executable volume wins
// even though the previous price is elsewhere.
//
//	price    bids≥P  asks≤P  volume
//	71,200     300    1,300    300
//	71,100     500      800    500
//	71,000     900      800    800  ← the maximum
//	70,900   1,000      500    500
//	70,800   1,000      200    200
//
// At 71,000 the bids above (500) and all asks at or below fill; the bid at
// 71,000 gets the remaining 300.
func TestAuctionMaxVolume(t *testing.T) {
	orders := []AuctionOrder{
		buyAt(1, 71_200, 300, 1), buyAt(2, 71_100, 200, 2), buyAt(3, 71_000, 400, 3), buyAt(4, 70_900, 100, 4),
		sellAt(5, 70_800, 200, 5), sellAt(6, 70_900, 300, 6), sellAt(7, 71_000, 300, 7), sellAt(8, 71_200, 500, 8),
	}
	res := uncross005930(t, orders, 70_000, 1)
	want := AuctionResult{
		Price: 71_000, Volume: 800,
		Filled: []Qty{300, 200, 300, 0, 200, 300, 300, 0},
		Fills:  []AuctionFill{{1, 5, 200}, {1, 6, 100}, {2, 6, 200}, {3, 7, 300}},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
}

// TestAuctionPreviousPrice: buy 100@71,000 against sell 100@70,500 trades
// 100 at every price from 70,500 to 71,000, and all of them qualify. The
// previous price wins when among them, else the nearest end.
func TestAuctionPreviousPrice(t *testing.T) {
	orders := []AuctionOrder{buyAt(1, 71_000, 100, 1), sellAt(2, 70_500, 100, 2)}
	for _, c := range []struct{ prev, want Price }{
		{70_800, 70_800}, {70_500, 70_500}, {71_000, 71_000}, // qualifies
		{72_000, 71_000}, {69_000, 70_500}, {0, 70_500}, // closest
	} {
		res := uncross005930(t, orders, c.prev, 1)
		if res.Price != c.want || res.Volume != 100 {
			t.Errorf("prev %d: got price %d volume %d, want %d and 100", c.prev, res.Price, res.Volume, c.want)
		}
	}
}

// TestAuctionClosestToPrevious covers a maximizer that fails rule 2 and the
// tie-break on distance.
func TestAuctionClosestToPrevious(t *testing.T) {
	// A market buy of 100 against sells 100@70,000 and 50@71,000: 100
	// trades at every price from 70,000 up. At 71,000 the asks there would
	// get nothing (rule 2), above it the ask at 71,000 is below P and unfilled
	// (rule 1): the qualifying prices are 70,000–70,900, and 70,900 is
	// nearest the previous 71,000.
	orders := []AuctionOrder{buyAt(1, 0, 100, 1), sellAt(2, 70_000, 100, 2), sellAt(3, 71_000, 50, 3)}
	res := uncross005930(t, orders, 71_000, 1)
	if res.Price != 70_900 || res.Volume != 100 || !slices.Equal(res.Filled, []Qty{100, 100, 0}) {
		t.Errorf("got %+v, want price 70,900, volume 100, filled [100 100 0]", res)
	}
	// 70,000 and 70,100 qualify; a previous price of 70,050 (off the grid)
	// is 50 from each: the lower wins.
	orders = []AuctionOrder{buyAt(1, 70_100, 100, 1), sellAt(2, 70_000, 100, 2)}
	if res := uncross005930(t, orders, 70_050, 1); res.Price != 70_000 {
		t.Errorf("equidistant previous price: got %d, want the lower, 70,000", res.Price)
	}
	// Across a band boundary (tick 50 below 50,000, 100 from it) the
	// candidates 49,950, 50,000 and 50,100 all qualify.
	orders = []AuctionOrder{buyAt(1, 50_100, 100, 1), sellAt(2, 49_950, 100, 2)}
	for _, c := range []struct{ prev, want Price }{{49_000, 49_950}, {50_000, 50_000}, {51_000, 50_100}} {
		if res := uncross005930(t, orders, c.prev, 1); res.Price != c.want {
			t.Errorf("band boundary, prev %d: got %d, want %d", c.prev, res.Price, c.want)
		}
	}
}

// TestAuctionRule1Fallback: no maximizer meets rule 2 (at 70,000 the bid
// there gets nothing, at 70,100 the ask there gets nothing); both meet rule
// 1 and the previous price decides.
func TestAuctionRule1Fallback(t *testing.T) {
	orders := []AuctionOrder{
		buyAt(1, 70_100, 100, 1), buyAt(2, 70_000, 50, 2),
		sellAt(3, 70_000, 100, 3), sellAt(4, 70_100, 50, 4),
	}
	for _, c := range []struct{ prev, want Price }{{71_000, 70_100}, {69_000, 70_000}} {
		res := uncross005930(t, orders, c.prev, 1)
		if res.Price != c.want || res.Volume != 100 || !slices.Equal(res.Filled, []Qty{100, 0, 100, 0}) {
			t.Errorf("prev %d: got %+v, want price %d, volume 100, filled [100 0 100 0]", c.prev, res, c.want)
		}
	}
}

func TestAuctionMarketOrders(t *testing.T) {
	for _, c := range []struct {
		name   string
		orders []AuctionOrder
		price  Price
		volume Qty
	}{
		// Balanced market orders trade at every price: the previous wins.
		{"balanced", []AuctionOrder{buyAt(1, 0, 100, 1), sellAt(2, 0, 100, 2)}, auctionBase, 100},
		// Excess market buying: below the upper limit the market buy is a
		// bid above P that cannot fill, so only the limit qualifies.
		{"excess buys", []AuctionOrder{buyAt(1, 0, 100, 1), sellAt(2, 0, 60, 2)}, auctionUpper, 60},
		{"excess sells", []AuctionOrder{buyAt(1, 0, 60, 1), sellAt(2, 0, 100, 2)}, auctionLower, 60},
		// An excess market sell against a limit bid: above the lower limit
		// the market sell is an ask below P that cannot fill, so the price
		// falls to the limit even though the bid is at 70,000.
		{"against limit", []AuctionOrder{buyAt(1, 70_000, 100, 1), sellAt(2, 0, 300, 2)}, auctionLower, 100},
		// Fully filled, the same market sell lets the bid's price stand.
		{"against larger limit", []AuctionOrder{buyAt(1, 70_000, 500, 1), sellAt(2, 0, 300, 2)}, 70_000, 300},
	} {
		res := uncross005930(t, c.orders, auctionBase, 1)
		if res.Price != c.price || res.Volume != c.volume {
			t.Errorf("%s: got price %d volume %d, want %d and %d", c.name, res.Price, res.Volume, c.price, c.volume)
		}
	}
}

func TestAuctionNoCross(t *testing.T) {
	for _, orders := range [][]AuctionOrder{
		nil,
		{buyAt(1, 70_000, 100, 1), sellAt(2, 70_100, 100, 2)},
		{buyAt(1, 0, 100, 1), buyAt(2, 70_000, 100, 2)},
		{sellAt(1, 0, 100, 1)},
	} {
		res := uncross005930(t, orders, auctionBase, 1)
		want := AuctionResult{Filled: make([]Qty, len(orders))}
		if !reflect.DeepEqual(res, want) {
			t.Errorf("Uncross(%v) = %+v, want %+v", orders, res, want)
		}
		if p, v := Indicative(orders, auctionBase, TickStock, auctionLower, auctionUpper); p != 0 || v != 0 {
			t.Errorf("Indicative(%v) = %d, %d; want 0, 0", orders, p, v)
		}
	}
}

// TestAuctionTimePriority: off the limits the short side's orders at P fill
// in Seq order, whatever their size or place in the input.
//
// Bids: 500@71,000 seq 30, 200@71,000 seq 10, 300@71,000 seq 20,
// 100@71,100 seq 40; ask 600@70,900. P = 71,000 (at 70,900 the 1,100 of
// bids above could not fill), volume 600: 100 to the bid above, then 500 at
// 71,000 by time: seq 10 gets 200, seq 20 gets 300, seq 30 (the largest)
// nothing.
func TestAuctionTimePriority(t *testing.T) {
	orders := []AuctionOrder{
		buyAt(1, 71_000, 500, 30), buyAt(2, 71_000, 200, 10), buyAt(3, 71_000, 300, 20),
		buyAt(4, 71_100, 100, 40), sellAt(5, 70_900, 600, 5),
	}
	res := uncross005930(t, orders, auctionBase, 1)
	want := AuctionResult{
		Price: 71_000, Volume: 600,
		Filled: []Qty{0, 200, 300, 100, 600},
		Fills:  []AuctionFill{{4, 5, 100}, {2, 5, 200}, {3, 5, 300}},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
}

// limitUpBuys are six bids at the upper limit (one a market order), 12,651
// shares in all. Ranked for the rounds, largest first, ties by Seq:
// 1 (5,001), 3 (3,000, seq 1), 2 (3,000, seq 2), 6 (1,200), 4 (400), 5 (50).
func limitUpBuys() []AuctionOrder {
	return []AuctionOrder{
		buyAt(1, auctionUpper, 5_001, 5), buyAt(2, auctionUpper, 3_000, 2), buyAt(3, auctionUpper, 3_000, 1),
		buyAt(4, auctionUpper, 400, 3), buyAt(5, 0, 50, 4), buyAt(6, auctionUpper, 1_200, 6),
	}
}

// TestAuctionLimitRounds checks the allocation at the upper limit against
// worked examples. The sells are a market sell of 2,000 and a sell at the
// limit; below the limit only the market sell can trade, so the price is the
// upper limit and the bids share the sells' total (unit 1).
//
// Sells 7,000 (2,000 + 5,000), ids 1 3 2 6 4 5 in rank order:
//
//	round 1, cap   100: 100 100 100 100 100  50   550 given, 6,450 left
//	round 2, cap   500: 500 500 500 500 400  50 1,900 given, 4,550 left
//	round 3, cap 1,000: 1,000 ×4, 400, 50       2,000 given, 2,550 left
//	round 4, cap 2,000: id 1 +1,000, id 3 +1,000, id 2 +550: budget spent
//	final: 1: 2,000  2: 1,550  3: 2,000  4: 400  5: 50  6: 1,000
//
// Sells 11,000 (2,000 + 9,000): rounds 1–3 as above (4,450 given, 6,550
// left); round 4 brings 1, 3, 2 to 2,000 and 6 to its 1,200 (3,350 left);
// round 5 gives half the balance, truncated: 1 +1,500 (of 3,001), 3 +500,
// 2 +500 (850 left); round 6 gives 1 the last 850.
//
//	final: 1: 4,350  2: 2,500  3: 2,500  4: 400  5: 50  6: 1,200
//
// Sells 250 (a market sell, which trades at any price, but below the limit
// all 12,651 of bids are above P): round 1 runs out at id 2.
//
//	final: 1: 100  2: 50  3: 100  others 0
func TestAuctionLimitRounds(t *testing.T) {
	for _, c := range []struct {
		name  string
		sells []AuctionOrder
		want  []Qty // for ids 1–6
	}{
		{"sells 7,000", []AuctionOrder{sellAt(7, 0, 2_000, 7), sellAt(8, auctionUpper, 5_000, 8)},
			[]Qty{2_000, 1_550, 2_000, 400, 50, 1_000}},
		{"sells 11,000", []AuctionOrder{sellAt(7, 0, 2_000, 7), sellAt(8, auctionUpper, 9_000, 8)},
			[]Qty{4_350, 2_500, 2_500, 400, 50, 1_200}},
		{"sells 250", []AuctionOrder{sellAt(7, 0, 250, 7)},
			[]Qty{100, 50, 100, 0, 0, 0}},
	} {
		orders := append(limitUpBuys(), c.sells...)
		res := uncross005930(t, orders, auctionBase, 1)
		var sold Qty
		for _, s := range c.sells {
			sold += s.Qty
		}
		if res.Price != auctionUpper || res.Volume != sold {
			t.Errorf("%s: got price %d volume %d, want %d and %d", c.name, res.Price, res.Volume, auctionUpper, sold)
		}
		if got := res.Filled[:6]; !slices.Equal(got, c.want) {
			t.Errorf("%s: bids filled %v, want %v", c.name, got, c.want)
		}
	}
	// The trades pair the bids in the rounds' rank (1 3 2 6 4 5) with the
	// sells in price order (the market sell first).
	res := uncross005930(t, append(limitUpBuys(), sellAt(7, 0, 2_000, 7), sellAt(8, auctionUpper, 5_000, 8)), auctionBase, 1)
	want := []AuctionFill{{1, 7, 2_000}, {3, 8, 2_000}, {2, 8, 1_550}, {6, 8, 1_000}, {4, 8, 400}, {5, 8, 50}}
	if !slices.Equal(res.Fills, want) {
		t.Errorf("fills %v, want %v", res.Fills, want)
	}
}

// TestAuctionLowerLimitRounds: excess sells at the lower limit with a
// trading unit of 10 (caps 1,000, 5,000, 10,000, 20,000 shares). A market
// buy of 25,000 against sells 30,000@49,700 (id 2), 800 market (id 3) and
// 6,000@49,700 (id 4). Above the limit the 36,800 of sells are all below P,
// so P is the lower limit. Rank: 2, 4, 3.
//
//	round 1: 1,000 1,000 800    (22,200 left)
//	round 2: 5,000 5,000 800    (14,200 left)
//	round 3: 10,000 6,000 800   (8,200 left)
//	round 4: id 2 +8,200 → 18,200
func TestAuctionLowerLimitRounds(t *testing.T) {
	orders := []AuctionOrder{
		buyAt(1, 0, 25_000, 1),
		sellAt(2, auctionLower, 30_000, 2), sellAt(3, 0, 800, 3), sellAt(4, auctionLower, 6_000, 4),
	}
	res := uncross005930(t, orders, auctionBase, 10)
	if want := []Qty{25_000, 18_200, 800, 6_000}; res.Price != auctionLower || !slices.Equal(res.Filled, want) {
		t.Errorf("got price %d filled %v, want %d and %v", res.Price, res.Filled, auctionLower, want)
	}
}

// TestAuctionHalfRoundTruncates: with unit 10, bids of 20,030 (id 1) and
// 20,010 (id 2) at the upper limit share 40,030. Rounds 1–4 give each
// 20,000 (30 left); round 5 gives id 1 half of its 3-unit balance truncated
// to 1 unit (10) and id 2 nothing (half of 1 unit); round 6 gives id 1 its
// last 20. Rounding half up instead would have given 20,020 and 20,010.
func TestAuctionHalfRoundTruncates(t *testing.T) {
	orders := []AuctionOrder{buyAt(1, auctionUpper, 20_030, 2), buyAt(2, auctionUpper, 20_010, 1), sellAt(3, 0, 40_030, 3)}
	res := uncross005930(t, orders, auctionBase, 10)
	if want := []Qty{20_030, 20_000, 40_030}; res.Price != auctionUpper || !slices.Equal(res.Filled, want) {
		t.Errorf("got price %d filled %v, want %d and %v", res.Price, res.Filled, auctionUpper, want)
	}
}

// TestAuctionRandom checks Uncross on random books against brute force and
// the naive reference (checkAuction), and for determinism.
func TestAuctionRandom(t *testing.T) {
	seeds := 1_000
	switch {
	case testing.Short():
		seeds = 200
	case os.Getenv("MTS_LONG") != "":
		seeds = 100_000
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		if *auctionSeed != 0 && seed != *auctionSeed {
			continue
		}
		if err := checkAuctionSeed(seed); err != nil {
			t.Fatalf("seed %d: %v\nrepro: go test ./matching -run TestAuctionRandom -auction.seed=%d", seed, err, seed)
		}
	}
}

func checkAuctionSeed(seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	b := randomAuctionBook(rng)
	res := Uncross(b.orders, b.prev, b.scheme, b.lower, b.upper, b.unit)
	if err := checkAuction(b.orders, b.prev, b.scheme, b.lower, b.upper, b.unit, res); err != nil {
		return fmt.Errorf("%v\nbook %+v\nresult %+v", err, b, res)
	}
	if again := Uncross(b.orders, b.prev, b.scheme, b.lower, b.upper, b.unit); !reflect.DeepEqual(again, res) {
		return fmt.Errorf("not deterministic: %+v then %+v", res, again)
	}
	perm := rng.Perm(len(b.orders))
	shuffled := make([]AuctionOrder, len(b.orders))
	for i, j := range perm {
		shuffled[i] = b.orders[j]
	}
	got := Uncross(shuffled, b.prev, b.scheme, b.lower, b.upper, b.unit)
	for i, j := range perm {
		if got.Filled[i] != res.Filled[j] {
			return fmt.Errorf("permuted input: order %d filled %d, was %d", b.orders[j].ID, got.Filled[i], res.Filled[j])
		}
	}
	if got.Price != res.Price || got.Volume != res.Volume || !slices.Equal(got.Fills, res.Fills) {
		return fmt.Errorf("permuted input: got %+v, was %+v", got, res)
	}
	return nil
}

type auctionBookCase struct {
	orders       []AuctionOrder
	prev         Price
	scheme       TickScheme
	lower, upper Price
	unit         Qty
}

// randomAuctionBook draws up to 40 orders around a random level of a
// random instrument's grid. A third of the books centre on a limit so that
// the rounds run; quantities mix small and large so that every round is
// reached.
func randomAuctionBook(rng *rand.Rand) auctionBookCase {
	bases := []Price{1_200, 1_990, 4_995, 20_000, 49_950, 71_000, 199_500, 500_000}
	b := auctionBookCase{scheme: TickStock, unit: 1}
	base := bases[rng.IntN(len(bases))]
	if rng.IntN(5) == 0 { // an ETF: a flat 5 KRW tick, a price that keeps the grid short
		b.scheme, base = TickFlat5, bases[rng.IntN(4)]
	}
	if rng.IntN(4) == 0 {
		b.unit = 10
	}
	base = ceilTick(b.scheme, base)
	b.lower, b.upper = b.scheme.PriceLimits(base)
	grid := auctionGrid(b.scheme, b.lower, b.upper)
	centre := rng.IntN(len(grid))
	switch rng.IntN(6) {
	case 0:
		centre = 0
	case 1:
		centre = len(grid) - 1
	}
	width := 1 + rng.IntN(8)
	b.prev = grid[min(len(grid)-1, max(0, centre+rng.IntN(2*width+1)-width))]
	switch rng.IntN(8) {
	case 0:
		b.prev = 0
	case 1:
		b.prev = base
	case 2:
		b.prev = b.lower + Price(rng.IntN(int(b.upper-b.lower))) // maybe off the grid
	}
	n := rng.IntN(41)
	seqs := rng.Perm(n)
	for i := range n {
		o := AuctionOrder{ID: OrderID(1000 + i), Side: Buy + Side(rng.IntN(2)), Seq: uint64(seqs[i]) + 1}
		if rng.IntN(10) > 0 {
			o.Price = grid[min(len(grid)-1, max(0, centre+rng.IntN(2*width+1)-width))]
		}
		o.Qty = Qty(1 + rng.IntN(300))
		if rng.IntN(4) == 0 {
			o.Qty = Qty(1 + rng.IntN(30_000))
		}
		o.Qty *= b.unit
		b.orders = append(b.orders, o)
	}
	return b
}

// FuzzAuctionUncross decodes bytes into a book (5 bytes an order) on one of
// a few instruments and runs the same checks as TestAuctionRandom.
func FuzzAuctionUncross(f *testing.F) {
	f.Add([]byte{0, 0, 0, 10, 0, 100, 1, 11, 0, 100})
	f.Add([]byte{1, 9, 0, 255, 255, 0, 2, 255, 200, 0, 1, 0, 8, 0, 255})
	f.Add([]byte{2, 3, 1, 128, 1, 1, 0, 130, 10, 2, 0, 4, 20, 0, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		bases := []Price{1_990, 20_000, 71_000, 500_000}
		b := auctionBookCase{scheme: TickStock, unit: 1 + Qty(data[0]>>7)*9}
		base := bases[int(data[0])%len(bases)]
		b.lower, b.upper = b.scheme.PriceLimits(base)
		grid := auctionGrid(b.scheme, b.lower, b.upper)
		b.prev = grid[int(data[1])*len(grid)/256]
		for i, d := 0, data[2:]; len(d) >= 5 && i < 200; i, d = i+1, d[5:] {
			o := AuctionOrder{ID: OrderID(i + 1), Side: Buy + Side(d[0]&1), Seq: uint64(d[0]>>1)<<16 | uint64(i)}
			if d[1] != 0 { // levels spread over the whole grid, packed near the middle
				o.Price = grid[(int(d[1])-1)*len(grid)/255]
			}
			o.Qty = (Qty(d[2])<<8 | Qty(d[3])) * b.unit
			b.orders = append(b.orders, o)
		}
		res := Uncross(b.orders, b.prev, b.scheme, b.lower, b.upper, b.unit)
		if err := checkAuction(b.orders, b.prev, b.scheme, b.lower, b.upper, b.unit, res); err != nil {
			t.Fatalf("%v\nbook %+v\nresult %+v", err, b, res)
		}
	})
}

// checkAuction checks res = Uncross(orders, …) against brute force and the
// naive reference auctionRef: the price and volume, the allocation, the
// trades, and the book left behind.
func checkAuction(orders []AuctionOrder, prev Price, scheme TickScheme, lower, upper Price, unit Qty, res AuctionResult) error {
	grid := auctionGrid(scheme, lower, upper)
	eff := make([]Price, len(orders)) // effective prices; limit prices are on the grid here
	for i, o := range orders {
		switch {
		case o.Price != 0:
			eff[i] = o.Price
		case o.Side == Buy:
			eff[i] = grid[len(grid)-1]
		default:
			eff[i] = grid[0]
		}
	}
	var vmax Qty
	for _, p := range grid {
		vmax = max(vmax, bruteVolume(orders, p, eff))
	}
	if res.Volume != vmax {
		return fmt.Errorf("volume %d, but the largest executable volume is %d", res.Volume, vmax)
	}
	if p, v := Indicative(orders, prev, scheme, lower, upper); p != res.Price || v != res.Volume {
		return fmt.Errorf("Indicative gives %d, %d; Uncross %d, %d", p, v, res.Price, res.Volume)
	}
	ref := auctionRef(orders, prev, grid, unit, eff)
	if res.Price != ref.Price || !slices.Equal(res.Filled, ref.Filled) {
		return fmt.Errorf("price %d filled %v; reference price %d filled %v", res.Price, res.Filled, ref.Price, ref.Filled)
	}
	if vmax == 0 {
		if res.Price != 0 || len(res.Fills) != 0 {
			return fmt.Errorf("nothing can trade, yet price %d and fills %v", res.Price, res.Fills)
		}
	} else if got := bruteVolume(orders, res.Price, eff); got != vmax {
		return fmt.Errorf("volume at %d is %d, want the maximum %d", res.Price, got, vmax)
	}
	if err := checkAuctionFills(orders, res, eff); err != nil {
		return err
	}
	return checkAuctionRemainder(orders, res, eff)
}

func bruteVolume(orders []AuctionOrder, p Price, eff []Price) Qty {
	var bid, ask Qty
	for i, o := range orders {
		if o.Side == Buy && eff[i] >= p {
			bid += o.Qty
		}
		if o.Side == Sell && eff[i] <= p {
			ask += o.Qty
		}
	}
	return min(bid, ask)
}

// checkAuctionFills checks per-order fills against the price and the trades
// against the fills.
func checkAuctionFills(orders []AuctionOrder, res AuctionResult, eff []Price) error {
	var bought, sold Qty
	byID := map[OrderID]Qty{}
	for i, o := range orders {
		f := res.Filled[i]
		better := o.Side == Buy && eff[i] > res.Price || o.Side == Sell && eff[i] < res.Price
		worse := o.Side == Buy && eff[i] < res.Price || o.Side == Sell && eff[i] > res.Price
		switch {
		case f < 0 || f > o.Qty:
			return fmt.Errorf("order %d of %d filled %d", o.ID, o.Qty, f)
		case res.Volume > 0 && better && f != o.Qty:
			return fmt.Errorf("order %+v is better than %d but filled %d", o, res.Price, f)
		case (res.Volume == 0 || worse) && f != 0:
			return fmt.Errorf("order %+v cannot trade at %d but filled %d", o, res.Price, f)
		}
		if o.Side == Buy {
			bought += f
		} else {
			sold += f
		}
		byID[o.ID] -= f
	}
	if bought != res.Volume || sold != res.Volume {
		return fmt.Errorf("bought %d, sold %d, volume %d", bought, sold, res.Volume)
	}
	for _, f := range res.Fills {
		if f.Qty <= 0 {
			return fmt.Errorf("fill %+v", f)
		}
		byID[f.BuyID] += f.Qty
		byID[f.SellID] += f.Qty
	}
	for id, d := range byID {
		if d != 0 {
			return fmt.Errorf("order %d: trades and Filled differ by %d", id, d)
		}
	}
	return nil
}

// checkAuctionRemainder checks that what is left is uncrossed.
func checkAuctionRemainder(orders []AuctionOrder, res AuctionResult, eff []Price) error {
	bestBid, bestAsk := Price(0), Price(1<<62)
	for i, o := range orders {
		if res.Filled[i] == o.Qty {
			continue
		}
		if o.Side == Buy {
			bestBid = max(bestBid, eff[i])
		} else {
			bestAsk = min(bestAsk, eff[i])
		}
	}
	if bestBid >= bestAsk {
		return fmt.Errorf("remaining book crossed: bid %d, ask %d", bestBid, bestAsk)
	}
	return nil
}

// auctionRef is the naive reference: each candidate's volume and rules by
// a scan of the orders, then one sort of each side in full priority order
// and a walk down it.
func auctionRef(orders []AuctionOrder, prev Price, grid []Price, unit Qty, eff []Price) AuctionResult {
	res := AuctionResult{Filled: make([]Qty, len(orders))}
	type cand struct {
		p            Price
		v, bid, ask  Qty
		above, below Qty
	}
	var cands []cand
	var vmax Qty
	for _, p := range grid {
		c := cand{p: p}
		for i, o := range orders {
			e := eff[i]
			switch {
			case o.Side == Buy && e >= p:
				c.bid += o.Qty
				if e > p {
					c.above += o.Qty
				}
			case o.Side == Sell && e <= p:
				c.ask += o.Qty
				if e < p {
					c.below += o.Qty
				}
			}
		}
		c.v = min(c.bid, c.ask)
		vmax = max(vmax, c.v)
		cands = append(cands, c)
	}
	if vmax == 0 {
		return res
	}
	var strict, loose []Price
	for _, c := range cands {
		if c.v != vmax {
			continue
		}
		bidsAtP, asksAtP := c.bid-c.above, c.ask-c.below
		// rule 2: the side that is not completely filled has orders at P
		// that get ≥ 1 unit (the orders below/above P take what they need
		// first).
		buysOK := c.bid == vmax || bidsAtP > 0 && vmax-c.above >= 1
		sellsOK := c.ask == vmax || asksAtP > 0 && vmax-c.below >= 1
		if c.above <= vmax && c.below <= vmax {
			loose = append(loose, c.p)
			if buysOK && sellsOK {
				strict = append(strict, c.p)
			}
		}
	}
	qual := strict
	if len(qual) == 0 {
		qual = loose
	}
	dist := func(p Price) Price { return max(p-prev, prev-p) }
	res.Price = slices.MinFunc(qual, func(a, b Price) int { // first minimum: the lower on ties
		return cmp.Compare(dist(a), dist(b))
	})
	res.Volume = vmax
	atLimit := res.Price == grid[0] || res.Price == grid[len(grid)-1]
	for _, side := range []Side{Buy, Sell} {
		refAllocate(orders, side, res.Price, vmax, atLimit, unit, eff, res.Filled)
	}
	return res
}

// refAllocate walks side's orders in priority order: better prices in
// full, then the orders at P by time or, at a limit, round by round.
func refAllocate(orders []AuctionOrder, side Side, p Price, budget Qty, atLimit bool, unit Qty, eff []Price, filled []Qty) {
	var atP []int
	for i, o := range orders {
		switch {
		case o.Side != side:
		case eff[i] == p:
			atP = append(atP, i)
		case side == Buy && eff[i] > p || side == Sell && eff[i] < p:
			filled[i] = o.Qty
			budget -= o.Qty
		}
	}
	slices.SortFunc(atP, func(x, y int) int {
		if atLimit && orders[x].Qty != orders[y].Qty {
			return cmp.Compare(orders[y].Qty, orders[x].Qty)
		}
		return cmp.Compare(orders[x].Seq, orders[y].Seq)
	})
	// Off the limits, one round to each order's full quantity; at a limit
	// the six rounds, each as a target total per order.
	targets := []func(q, got Qty) Qty{func(q, _ Qty) Qty { return q }}
	if atLimit {
		targets = nil
		for _, c := range []Qty{100, 500, 1_000, 2_000} {
			targets = append(targets, func(q, _ Qty) Qty { return min(q, c*unit) })
		}
		targets = append(targets,
			func(q, got Qty) Qty { return got + (q-got)/(2*unit)*unit },
			func(q, _ Qty) Qty { return q })
	}
	for _, target := range targets {
		for _, i := range atP {
			d := min(target(orders[i].Qty, filled[i])-filled[i], budget)
			filled[i] += d
			budget -= d
		}
	}
}

// auctionBenchBook is a 005930-like opening book of n orders: bids centred a
// little above the base price and asks a little below (σ about 1.1%), 3%
// market orders, sizes mostly tens to hundreds of shares with a tail to
// tens of thousands, and arrival order unrelated to price.
func auctionBenchBook(n int) []AuctionOrder {
	rng := rand.New(rand.NewPCG(71_000, 5930))
	orders := make([]AuctionOrder, n)
	for i := range orders {
		o := AuctionOrder{ID: OrderID(i + 1), Side: Buy + Side(rng.IntN(2)), Seq: uint64(i + 1)}
		centre := 71_200.0
		if o.Side == Sell {
			centre = 70_800
		}
		p := Price(centre+rng.NormFloat64()*800) / 100 * 100
		o.Price = min(auctionUpper, max(auctionLower, p))
		if rng.IntN(100) < 3 {
			o.Price = 0
		}
		o.Qty = Qty(1 + rng.ExpFloat64()*150)
		if rng.IntN(100) == 0 {
			o.Qty *= 100
		}
		orders[i] = o
	}
	rng.Shuffle(n, func(i, j int) { orders[i], orders[j] = orders[j], orders[i] })
	return orders
}

// auctionLimitUpBook is n orders where the bids overwhelm the asks: most
// bids sit at the upper limit, so the uncross ends there and tens of
// thousands of bids go through the allocation rounds.
func auctionLimitUpBook(n int) []AuctionOrder {
	orders := auctionBenchBook(n)
	for i := range orders {
		if orders[i].Side == Buy && orders[i].Price != 0 {
			orders[i].Price = auctionUpper
		}
		if orders[i].Side == Sell && i%4 != 0 {
			orders[i].Qty = max(1, orders[i].Qty/4)
		}
	}
	return orders
}

func BenchmarkUncross(b *testing.B) {
	for _, c := range []struct {
		name   string
		orders []AuctionOrder
	}{
		{"book=100k", auctionBenchBook(100_000)},
		// The engine is likely to pass orders in arrival order.
		{"book=100k_time_order", slices.SortedFunc(slices.Values(auctionBenchBook(100_000)), func(a, b AuctionOrder) int {
			return cmp.Compare(a.Seq, b.Seq)
		})},
		{"book=100k_limit_up", auctionLimitUpBook(100_000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var res AuctionResult
			for b.Loop() {
				res = Uncross(c.orders, auctionBase, TickStock, auctionLower, auctionUpper, 1)
			}
			b.ReportMetric(float64(res.Volume), "shares")
			b.ReportMetric(float64(len(res.Fills)), "trades")
		})
	}
}

func BenchmarkIndicative(b *testing.B) {
	orders := auctionBenchBook(100_000)
	for b.Loop() {
		Indicative(orders, auctionBase, TickStock, auctionLower, auctionUpper)
	}
}
