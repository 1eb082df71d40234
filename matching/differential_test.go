package matching

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The differential test runs random command streams through the fast Engine
// and the naive refEngine (reference_test.go) and demands identical events
// after every command. A failure prints the seed, the command, both event
// lists, a repro line and a shrunk command sequence in scenario syntax, ready
// to paste into testdata/scenarios.
//
//	go test ./matching -run TestDifferential              # 50 seeds × 2,000 commands
//	go test ./matching -run TestDifferential -seed=N      # one seed
//	MTS_LONG=1 go test ./matching -run TestDifferential -timeout 30m

var seedFlag = flag.Uint64("seed", 0, "run TestDifferential / TestSimulation for this seed only")

// longRun reports whether MTS_LONG asks for the long versions of the
// randomized tests.
func longRun() bool { return os.Getenv("MTS_LONG") != "" }

// testSeeds returns the seeds to run: the -seed flag, or 1…n.
func testSeeds(n int) []uint64 {
	if *seedFlag != 0 {
		return []uint64{*seedFlag}
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	return seeds
}

func TestDifferential(t *testing.T) {
	seeds, n := testSeeds(50), 2_000
	if longRun() {
		seeds, n = testSeeds(1_000), 5_000
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runDifferential(t, seed, n)
		})
	}
}

// runDifferential feeds one seed's stream to the fast engine, a second fast
// engine (its twin, for StateHash) and the reference.
func runDifferential(t *testing.T, seed uint64, n int) {
	ins := loadTestInstruments(t)
	fast, twin := newTestEngine(t), newTestEngine(t)
	ref := newRefEngine(ins, fast.maxOrdersPerDay)
	g := newCmdGen(seed, ins)
	cmds := make([]Command, 0, n)
	for i := range n {
		c := g.next()
		cmds = append(cmds, c)
		got, want, crash := applyBoth(fast, ref, c)
		if k := firstDiff(got, want); k >= 0 || crash != "" {
			t.Fatalf("%s", diffReport(seed, i, c, got, want, k, crash, cmds, ins))
		}
		twin.Apply(&c)
		if (i+1)%500 == 0 || i == n-1 {
			if h1, h2 := fast.StateHash(), twin.StateHash(); h1 != h2 {
				t.Fatalf("seed %d: after command %d two engines fed the same stream hash %x and %x\nrepro: go test ./matching -run TestDifferential -seed=%d",
					seed, i, h1[:8], h2[:8], seed)
			}
		}
		g.observe(want)
	}
}

// applyBoth applies c to both engines, turning a panic in either into a
// message so that a crash is reported with its seed like any difference.
// got is the fast engine's reused slice: valid until its next Apply.
func applyBoth(fast *Engine, ref *refEngine, c Command) (got, want []Event, crash string) {
	defer func() {
		if p := recover(); p != nil {
			crash = fmt.Sprint(p)
		}
	}()
	fc, rc := c, c
	want = ref.Apply(&rc)
	got = fast.Apply(&fc)
	return got, want, ""
}

// firstDiff returns the index of the first event that differs, or -1.
func firstDiff(got, want []Event) int {
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || !got[i].Equal(&want[i]) {
			return i
		}
	}
	return -1
}

func diffReport(seed uint64, i int, c Command, got, want []Event, k int, crash string, cmds []Command, ins []Instrument) string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d, command %d (seq %d): %s\n", seed, i, c.Seq, formatCommand(&c))
	if crash != "" {
		fmt.Fprintf(&b, "panic: %s\n", crash)
	} else {
		fmt.Fprintf(&b, "first difference at event %d: %s\n", k, fieldDiff(got, want, k))
	}
	writeEvents(&b, "fast engine", got)
	writeEvents(&b, "reference", want)
	fmt.Fprintf(&b, "repro: go test ./matching -run TestDifferential -seed=%d\n", seed)
	small := shrinkDivergence(cmds, ins, 20*time.Second)
	fmt.Fprintf(&b, "shrunk to %d commands (scenario syntax):\n", len(small))
	for _, c := range small {
		fmt.Fprintf(&b, "> %s\n", formatCommand(&c))
	}
	return b.String()
}

func writeEvents(b *strings.Builder, who string, evs []Event) {
	fmt.Fprintf(b, "%s (%d events):\n", who, len(evs))
	for i := range evs {
		fmt.Fprintf(b, "  %s\n", formatEvent(&evs[i]))
	}
}

// fieldDiff names the fields in which event k differs.
func fieldDiff(got, want []Event, k int) string {
	switch {
	case k >= len(got):
		return fmt.Sprintf("fast engine has no event, reference has %+v", want[k])
	case k >= len(want):
		return fmt.Sprintf("reference has no event, fast engine has %+v", got[k])
	}
	var diffs []string
	g, w := reflect.ValueOf(got[k]), reflect.ValueOf(want[k])
	for f := range g.NumField() {
		if g.Field(f).Interface() != w.Field(f).Interface() {
			diffs = append(diffs, fmt.Sprintf("%s got %v want %v", g.Type().Field(f).Name, g.Field(f), w.Field(f)))
		}
	}
	return strings.Join(diffs, "; ")
}

// diverges replays cmds (renumbered from seq 1) into fresh engines and
// reports whether they disagree anywhere.
func diverges(cmds []Command, ins []Instrument) bool {
	fast, err := NewEngine(Config{Instruments: ins, MaxOrdersPerAccountDay: 50})
	if err != nil {
		panic(err)
	}
	ref := newRefEngine(ins, fast.maxOrdersPerDay)
	for i, c := range cmds {
		c.Seq, c.TS = uint64(i+1), int64(i+1)*1_000_000
		got, want, crash := applyBoth(fast, ref, c)
		if crash != "" || firstDiff(got, want) >= 0 {
			return true
		}
	}
	return false
}

// shrinkDivergence removes chunks of commands, halving the chunk size, as
// long as the engines still disagree somewhere: a greedy delta debugging
// that usually ends at a handful of commands. It stops at the deadline.
func shrinkDivergence(cmds []Command, ins []Instrument, budget time.Duration) []Command {
	deadline := time.Now().Add(budget)
	cur := slices.Clone(cmds)
	for chunk := len(cur) / 2; chunk >= 1; chunk /= 2 {
		for i := 0; i < len(cur) && time.Now().Before(deadline); {
			try := slices.Concat(cur[:i], cur[min(i+chunk, len(cur)):])
			if len(try) > 0 && diverges(try, ins) {
				cur = try
			} else {
				i += chunk
			}
		}
	}
	for i := range cur {
		cur[i].Seq, cur[i].TS = uint64(i+1), 0
	}
	return cur
}

// formatCommand prints a command in the scenario files' syntax (parseCommand
// reads it back), with every field that is set.
func formatCommand(c *Command) string {
	var b strings.Builder
	verbs := map[CommandKind]string{
		CmdPlace: "place", CmdAmend: "amend", CmdCancel: "cancel", CmdOpenAccount: "open", CmdDeposit: "deposit",
		CmdWithdraw: "withdraw", CmdCreditShares: "credit", CmdDebitShares: "debit", CmdKillSwitch: "kill",
		CmdCancelAll: "cancelall", CmdSetPhase: "phase", CmdNewDay: "newday", CmdMarketPhase: "marketphase",
	}
	if v, ok := verbs[c.Kind]; ok {
		b.WriteString(v)
	} else {
		fmt.Fprintf(&b, "%d", c.Kind)
	}
	fmt.Fprintf(&b, " acct=%s sym=%s", c.Account, c.Symbol)
	if c.Kind == CmdPlace {
		fmt.Fprintf(&b, " side=%s type=%s tif=%s", enumName(c.Side.String(), int(c.Side)),
			enumName(c.Type.String(), int(c.Type)), enumName(c.TIF.String(), int(c.TIF)))
		if c.STP != STPDefault {
			fmt.Fprintf(&b, " stp=%s", enumName(c.STP.String(), int(c.STP)))
		}
	}
	for _, f := range []struct {
		k string
		v int64
	}{{"id", int64(c.OrderID)}, {"px", int64(c.Price)}, {"stop", int64(c.StopPrice)}, {"qty", int64(c.Qty)}} {
		if f.v != 0 {
			fmt.Fprintf(&b, " %s=%d", f.k, f.v)
		}
	}
	if c.ClientOrderID != "" {
		fmt.Fprintf(&b, " cl=%s", c.ClientOrderID)
	}
	if c.OrigClientOrderID != "" {
		fmt.Fprintf(&b, " orig=%s", c.OrigClientOrderID)
	}
	formatBackOffice(&b, c)
	return b.String()
}

// formatBackOffice adds the fields only back-office, kill switch and risk
// commands use.
func formatBackOffice(b *strings.Builder, c *Command) {
	if c.Amount != 0 {
		fmt.Fprintf(b, " amount=%d", c.Amount)
	}
	for _, f := range [][2]string{{"req", c.RequestID}, {"group", c.Group}} {
		if f[1] != "" {
			fmt.Fprintf(b, " %s=%s", f[0], f[1])
		}
	}
	if c.Confirm {
		b.WriteString(" confirm=true")
	}
	if c.Kind == CmdKillSwitch {
		fmt.Fprintf(b, " scope=%s active=%t", enumName(c.Scope.String(), int(c.Scope)), c.Active)
	}
	if c.Phase != 0 {
		fmt.Fprintf(b, " phase=%s", enumName(c.Phase.String(), int(c.Phase)))
	}
}

// enumName returns the wire name, or the number when there is none, which
// parseCommand accepts as well.
func enumName(s string, n int) string {
	if s == "unknown" || strings.HasPrefix(s, "side(") {
		return fmt.Sprint(n)
	}
	return s
}

// ---- the command generator ----

// cmdGen makes a random but reproducible command stream from a seed. It
// watches the events of the engine it feeds (observe) so that amends and
// cancels usually name real orders, which keeps the stream deterministic for
// a given seed and engine behaviour.
//
// The mix aims at the engine's corners rather than at realism: few accounts
// (self-matches are frequent), prices a few ticks around the base price
// (crossing is frequent), four symbols with different tick rules (005930
// ticks 100; 003530 ticks 5; 069500 an ETF at a flat 5; 015760 just under the
// 20,000 band edge where the tick goes from 10 to 50), and a steady trickle
// of invalid input. Accounts rotate every few hundred commands so that the
// daily order cap (50 in newTestEngine) is reached now and then but does
// not reject most orders.
type cmdGen struct {
	rng    *rand.Rand
	seq    uint64
	syms   []genSymbol
	orders map[OrderID]*genOrder
	open   []OrderID // open orders, in no particular (but deterministic) order
	maxID  OrderID
	used   []genClientID // client order ids of accepted orders
	nextCl int
	last   map[string]Price // last trade price per symbol

	// Risk mode (newCmdGenRisk): accounts are opened, funded and given
	// shares by back-office commands before use, and back-office and kill
	// switch commands are mixed in.
	risk    bool
	setUp   int       // account groups set up so far
	pending []Command // setup commands still to emit
	lifts   []genLift // kill switches to switch off again
	tsStep  int64     // nanoseconds between commands

	// script holds commands to emit at given seqs instead of drawing one
	// (the trading day's phase changes, see dayGen). viEnds are the ends
	// of VI auctions the engine started, due at a seq; inVI says which
	// symbols are in one now.
	script map[uint64]Command
	viEnds []genLift
	inVI   map[string]bool
	market Phase // the last market-wide phase the script set
}

// genLift is a kill switch the generator will switch off at a later seq.
type genLift struct {
	at uint64
	c  Command
}

type genSymbol struct {
	inst         *Instrument
	lower, upper Price
	center       Price // prices are drawn a few ticks around it
	weight       int
}

type genOrder struct {
	id              OrderID
	account, symbol string
	clientID        string
	side            Side
	price           Price
	qty, leaves     Qty
	open            bool
	openIndex       int // in cmdGen.open while open
}

type genClientID struct{ account, id string }

// accountsPerGroup and groupLen set the account rotation.
const (
	accountsPerGroup = 3
	groupLen         = 300
)

func newCmdGen(seed uint64, ins []Instrument) *cmdGen {
	g := &cmdGen{
		rng:    rand.New(rand.NewPCG(seed, 0x6d7473)),
		orders: make(map[OrderID]*genOrder),
		last:   make(map[string]Price),
		tsStep: 1_000_000,
	}
	weights := map[string]int{"005930": 40, "003530": 30, "069500": 15, "015760": 15}
	for i := range ins {
		if w, ok := weights[ins[i].Symbol]; ok {
			lo, hi := ins[i].Limits()
			center := ins[i].BasePrice
			if ins[i].Symbol == "015760" {
				center = 20_000 // the band edge: ticks of 10 below, 50 from here
			}
			g.syms = append(g.syms, genSymbol{inst: &ins[i], lower: lo, upper: hi, center: center, weight: w})
			g.last[ins[i].Symbol] = ins[i].BasePrice
		}
	}
	if len(g.syms) != len(weights) {
		panic("cmdGen: testdata/instruments.json lacks a symbol the generator uses")
	}
	return g
}

func (g *cmdGen) pct(p int) bool { return g.rng.IntN(100) < p }

// next returns the next command, stamped with a dense Seq and a TS.
func (g *cmdGen) next() Command {
	g.seq++
	c, scripted := g.script[g.seq]
	switch {
	case scripted:
		if c.Symbol == "" {
			g.market = c.Phase
		}
	case len(g.viEnds) > 0 && g.viEnds[0].at <= g.seq:
		c = g.viEnds[0].c
		g.viEnds = g.viEnds[1:]
		if !g.inVI[c.Symbol] {
			c = g.draw() // the day's script ended it first
		}
	default:
		c = g.draw()
	}
	c.Seq, c.TS = g.seq, int64(g.seq)*g.tsStep
	return c
}

func (g *cmdGen) draw() Command {
	if g.risk {
		if group := int(g.seq-1) / groupLen; group >= g.setUp {
			g.queueSetup(group)
			g.setUp = group + 1
		}
		if len(g.pending) > 0 {
			c := g.pending[0]
			g.pending = g.pending[1:]
			return c
		}
		if len(g.lifts) > 0 && g.lifts[0].at <= g.seq {
			c := g.lifts[0].c
			g.lifts = g.lifts[1:]
			return c
		}
		if g.pct(3) {
			return g.backOffice()
		}
	}
	var c Command
	cancelWeight := 20
	if len(g.open) > 150 {
		cancelWeight = 40 // keep the book from growing without bound
	}
	switch x := g.rng.IntN(100); {
	case x < 2:
		// Kinds no engine version defines (4–9 are the back office's).
		c = Command{Kind: []CommandKind{0, 99, 255}[g.rng.IntN(3)], Account: g.account(), Symbol: g.symbol().inst.Symbol}
	case x < 2+16:
		c = g.amend()
	case x < 2+16+cancelWeight:
		c = g.cancel()
	default:
		c = g.place()
	}
	return c
}

func (g *cmdGen) account() string {
	group := int(g.seq-1) / groupLen
	if group > 0 && g.pct(10) {
		group-- // the previous group: some of its accounts are at the cap
	}
	return fmt.Sprintf("A%dx%d", group, g.rng.IntN(accountsPerGroup))
}

func (g *cmdGen) symbol() *genSymbol {
	total := 0
	for _, s := range g.syms {
		total += s.weight
	}
	x := g.rng.IntN(total)
	for i := range g.syms {
		if x < g.syms[i].weight {
			return &g.syms[i]
		}
		x -= g.syms[i].weight
	}
	panic("unreachable")
}

// step moves p by k valid ticks (negative: down), staying within limits.
func (s *genSymbol) step(p Price, k int) Price {
	for ; k > 0 && p < s.upper; k-- {
		p += s.inst.Tick.Tick(p)
	}
	for ; k < 0 && p > s.lower; k++ {
		p -= s.inst.Tick.Tick(p - 1)
	}
	return p
}

// badPrice returns an invalid price: off tick, outside the limits, or not
// positive.
func (g *cmdGen) badPrice(s *genSymbol, near Price) Price {
	switch g.rng.IntN(5) {
	case 0, 1:
		return near + 1 // every symbol the generator uses has a tick above 1 here
	case 2:
		return s.upper + s.inst.Tick.Tick(s.upper)
	case 3:
		return s.lower - s.inst.Tick.Tick(s.lower-1)
	}
	return Price(-g.rng.Int64N(2) * 100)
}

// price returns a price a few ticks around center, now and then one exactly
// on a daily limit (valid, and where market orders sweep to), or an invalid
// one.
func (g *cmdGen) price(s *genSymbol, center Price, spread int) Price {
	switch x := g.rng.IntN(100); {
	case x < 4:
		return g.badPrice(s, center)
	case x < 5:
		return []Price{s.lower, s.upper}[g.rng.IntN(2)]
	}
	return s.step(center, g.rng.IntN(2*spread+1)-spread)
}

func (g *cmdGen) place() Command {
	s := g.symbol()
	c := Command{Kind: CmdPlace, Account: g.account(), Symbol: s.inst.Symbol, STP: STPMode(g.rng.IntN(5))}
	c.ClientOrderID = g.clientID(c.Account)
	c.Side = Side(1 + g.rng.IntN(2))
	c.Type, c.TIF = g.typeAndTIF()
	c.Qty = g.qty(s)
	c.Confirm = g.risk && g.pct(50)
	if c.Type == Limit || c.Type == StopLimit {
		c.Price = g.price(s, s.center, 3)
	} else if g.pct(3) {
		c.Price = s.center
	}
	if c.Type == StopLimit {
		c.StopPrice = g.price(s, g.last[s.inst.Symbol], 2)
	} else if g.pct(2) {
		c.StopPrice = s.center
	}
	g.spoil(&c)
	return c
}

func (g *cmdGen) typeAndTIF() (OrderType, TIF) {
	var typ OrderType
	switch x := g.rng.IntN(100); {
	case x < 45:
		typ = Limit
	case x < 55:
		typ = Market
	case x < 67:
		typ = BestLimit
	case x < 75:
		typ = FirstBest
	case x < 98:
		typ = StopLimit
	default:
		typ = []OrderType{0, ConditionalLimit, 77}[g.rng.IntN(3)] // 0 and 77 are invalid
	}
	tif := []TIF{Day, Day, Day, IOC, FOK}[g.rng.IntN(5)]
	if (typ == FirstBest || typ == StopLimit) && g.pct(90) {
		tif = Day
	}
	return typ, tif
}

func (g *cmdGen) qty(s *genSymbol) Qty {
	switch x := g.rng.IntN(200); {
	case x < 2:
		return 0
	case x < 3:
		return -5
	case x < 4:
		return s.inst.MaxOrderQty + 1
	case x < 5:
		return s.inst.MaxOrderQty
	case x < 35:
		return Qty(10 + g.rng.IntN(50))
	}
	return Qty(1 + g.rng.IntN(10))
}

// clientID is usually fresh, sometimes empty (untracked), sometimes reused
// (a duplicate when the account is the same), rarely too long.
func (g *cmdGen) clientID(account string) string {
	switch x := g.rng.IntN(100); {
	case x < 15:
		return ""
	case x < 23 && len(g.used) > 0:
		u := g.used[g.rng.IntN(len(g.used))]
		return u.id
	case x < 24:
		return strings.Repeat("L", 64+g.rng.IntN(2))
	}
	g.nextCl++
	return fmt.Sprintf("c%d", g.nextCl)
}

// spoil breaks one field of a small share of orders in ways only it can:
// invalid enums, accounts and symbols.
func (g *cmdGen) spoil(c *Command) {
	if !g.pct(5) {
		return
	}
	switch g.rng.IntN(7) {
	case 0:
		c.Side = Side(g.rng.IntN(2) * 3)
	case 1:
		c.TIF = TIF(g.rng.IntN(2) * 4)
	case 2:
		c.STP = STPMode(5 + g.rng.IntN(200))
	case 3:
		c.Account = ""
	case 4:
		c.Account = strings.Repeat("a", 32+g.rng.IntN(2))
	case 5:
		c.Symbol = []string{"", "999999", "005930 "}[g.rng.IntN(3)]
	case 6:
		c.Type, c.TIF = FirstBest, []TIF{IOC, FOK}[g.rng.IntN(2)]
	}
}

// target picks the order an amend or cancel names: usually an open one,
// sometimes any earlier order (filled, canceled, …), sometimes none.
func (g *cmdGen) target() *genOrder {
	switch x := g.rng.IntN(100); {
	case x < 80 && len(g.open) > 0:
		return g.orders[g.open[g.rng.IntN(len(g.open))]]
	case x < 93 && g.maxID > 0:
		return g.orders[OrderID(1+g.rng.IntN(int(g.maxID)))]
	}
	return nil
}

// modify fills in how an amend or cancel names its order.
func (g *cmdGen) modify(kind CommandKind) (Command, *genOrder, *genSymbol) {
	c := Command{Kind: kind}
	o := g.target()
	if o == nil {
		s := g.symbol()
		c.Account, c.Symbol = g.account(), s.inst.Symbol
		if g.pct(50) {
			c.OrderID = g.maxID + OrderID(1+g.rng.IntN(3))
		} else if g.pct(80) {
			c.OrigClientOrderID = fmt.Sprintf("c%d", g.rng.IntN(g.nextCl+2))
		}
		return c, nil, s
	}
	c.Account, c.Symbol = o.account, o.symbol
	if g.pct(8) {
		c.Account = g.account()
	}
	if g.pct(4) {
		c.Symbol = g.symbol().inst.Symbol
	}
	c.OrderID = o.id
	if o.clientID != "" && g.pct(40) {
		c.OrderID, c.OrigClientOrderID = 0, o.clientID
		if g.pct(10) {
			c.OrderID = o.id // both: OrderID wins
		}
	}
	for i := range g.syms {
		if g.syms[i].inst.Symbol == o.symbol {
			return c, o, &g.syms[i]
		}
	}
	panic("unreachable")
}

func (g *cmdGen) amend() Command {
	c, o, s := g.modify(CmdAmend)
	price, qty, leaves := s.center, Qty(10), Qty(10)
	if o != nil {
		qty, leaves = o.qty, o.leaves
		if o.price != 0 {
			price = o.price
		}
	}
	switch x := g.rng.IntN(100); {
	case x < 40:
	case x < 52:
		c.Price = price
	case x < 70 && o != nil:
		// Toward the other side, so that the re-entering order often trades.
		k := 1 + g.rng.IntN(5)
		if o.side == Sell {
			k = -k
		}
		c.Price = s.step(price, k)
	default:
		c.Price = g.price(s, price, 2)
	}
	if g.pct(55) {
		cum := qty - leaves
		c.Qty = cum - 1 + Qty(g.rng.IntN(int(qty-cum)+3))
	}
	return c
}

func (g *cmdGen) cancel() Command {
	c, o, _ := g.modify(CmdCancel)
	leaves := Qty(10)
	if o != nil {
		leaves = o.leaves
	}
	switch x := g.rng.IntN(100); {
	case x < 50:
	case x < 88:
		c.Qty = Qty(1 + g.rng.IntN(int(max(leaves, 1))+1))
	case x < 95:
		c.Qty = leaves
	default:
		c.Qty = -1
	}
	return c
}

// observe learns from a command's events which orders exist, are open, and
// what the last prices are.
func (g *cmdGen) observe(evs []Event) {
	for i := range evs {
		ev := &evs[i]
		switch {
		case ev.Kind == EvTrade:
			g.last[ev.Symbol] = ev.LastPx
		case ev.Kind == EvMarketStatus && g.inVI != nil:
			vi := ev.Phase == PhaseVIAuction
			if vi && !g.inVI[ev.Symbol] {
				// The scheduler's end of this VI, some commands later: back
				// to continuous trading, or on to the close it delayed.
				end := PhaseContinuous
				if g.market == PhaseClosed {
					end = PhaseClosed
				}
				g.viEnds = append(g.viEnds, genLift{at: g.seq + 150, c: Command{Kind: CmdSetPhase, Symbol: ev.Symbol, Phase: end}})
			}
			g.inVI[ev.Symbol] = vi
		case ev.Kind != EvExec || ev.OrderID == 0 || ev.ExecType == ExecRejected:
		case ev.ExecType == ExecNew:
			g.add(ev)
		default:
			g.update(ev)
		}
	}
}

func (g *cmdGen) add(ev *Event) {
	o := &genOrder{id: ev.OrderID, account: ev.Account, symbol: ev.Symbol, clientID: ev.ClientOrderID, side: ev.Side}
	g.orders[o.id] = o
	g.maxID = max(g.maxID, o.id)
	if o.clientID != "" {
		g.used = append(g.used, genClientID{o.account, o.clientID})
	}
	o.open, o.openIndex = true, len(g.open)
	g.open = append(g.open, o.id)
	g.update(ev)
}

func (g *cmdGen) update(ev *Event) {
	o := g.orders[ev.OrderID]
	if o == nil {
		return
	}
	o.price, o.qty, o.leaves = ev.Price, ev.Qty, ev.LeavesQty
	if ev.Status == StatusNew || ev.Status == StatusPartiallyFilled || !o.open {
		return
	}
	// Swap-remove from the open list.
	lastID := g.open[len(g.open)-1]
	g.open[o.openIndex] = lastID
	g.orders[lastID].openIndex = o.openIndex
	g.open = g.open[:len(g.open)-1]
	o.open = false
}

// TestDifferentialStreamMix guards the generator: over the default seeds'
// streams (run through the reference alone) every reason, every execution
// type and every self-match prevention mode must occur, as must trades caused
// by amends and by triggered stops. A generator that drifts into exercising
// less fails here rather than passing quietly.
func TestDifferentialStreamMix(t *testing.T) {
	ins := loadTestInstruments(t)
	reasons := make(map[Reason]int)
	execs := make(map[ExecType]int)
	var stp [STPDecrement + 1]int
	amendTrades, stopTrades, refIDs := 0, 0, 0
	for seed := uint64(1); seed <= 10; seed++ {
		ref := newRefEngine(ins, 50)
		g := newCmdGen(seed, ins)
		for range 2_000 {
			c := g.next()
			evs := ref.Apply(&c)
			triggered := false
			for _, ev := range evs {
				reasons[ev.Reason]++
				execs[ev.ExecType]++
				triggered = triggered || ev.ExecType == ExecTriggered
				if ev.Kind == EvTrade && c.Kind == CmdAmend {
					amendTrades++
				}
				if ev.Kind == EvTrade && triggered {
					stopTrades++
				}
				if ev.Extras().RefOrderID != 0 {
					refIDs++
				}
			}
			g.observe(evs)
		}
		for m, n := range ref.selfMatches {
			stp[m] += n
		}
	}
	t.Logf("reasons %v\nexec types %v\nself-matches by mode %v\ntrades: %d by amends, %d after triggers", reasons, execs, stp, amendTrades, stopTrades)
	// The engine's own reasons; those after IOC_REMAINDER belong to the risk
	// and account layers, which the engine alone never reports.
	for r := RejUnknownSymbol; r <= ExpIOCRemainder; r++ {
		if reasons[r] == 0 {
			t.Errorf("no event with reason %s in 10 × 2,000 commands", r.Code())
		}
	}
	for et := ExecNew; et <= ExecRestated; et++ {
		if execs[et] == 0 {
			t.Errorf("no execution report of type %s", et)
		}
	}
	for m := STPCancelResting; m <= STPDecrement; m++ {
		if stp[m] < 20 {
			t.Errorf("self-match under %s: %d, want ≥ 20", m, stp[m])
		}
	}
	if amendTrades < 20 || stopTrades < 20 || refIDs < 20 {
		t.Errorf("trades by amends %d, after stop triggers %d, duplicate ids with RefOrderID %d: want ≥ 20 each", amendTrades, stopTrades, refIDs)
	}
}

// ---- fuzzing ----

// FuzzEngine decodes the fuzzer's bytes into a command stream (fuzzCommands)
// and runs it through the fast engine and the reference, which must agree on
// every event. The seed corpus lives in testdata/fuzz/FuzzEngine.
//
//	go test ./matching -run '^$' -fuzz FuzzEngine -fuzztime 5m
func FuzzEngine(f *testing.F) {
	f.Add([]byte{
		0, 0, 0, 0, 0, 5, 0, 1, // A sells 5 @ base, day, cl k1
		0, 1, 1, 0, 0, 3, 0, 2, // B buys 3 @ base
		0, 0, 1, 3, 16, 9, 0, 3, // A buys 9 one tick up: self-match (decrement)
		9, 0, 0, 0, 32, 2, 1, 0, // A amends #1 two ticks up, qty 2
		12, 1, 0, 0, 0, 0, 2, 0, // B cancels #2
	})
	f.Add([]byte{
		0, 4, 8, 0, 0, 4, 240, 1, // stop-limit sell on 003530 with a stop below
		0, 5, 0, 0, 240, 4, 0, 2, // B sells low: trades nothing yet
		0, 6, 1, 0, 240, 4, 0, 3, // C buys there: a trade, the stop may trigger
		0, 4, 3, 6, 0, 10, 0, 4, // A best-limit buy, ioc
		15, 0, 0, 0, 0, 0, 0, 0, // an unknown command kind
	})
	ins := loadTestInstruments(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cmds := fuzzCommands(data, ins)
		fast, err := NewEngine(Config{Instruments: ins, MaxOrdersPerAccountDay: 50})
		if err != nil {
			t.Fatal(err)
		}
		ref := newRefEngine(ins, fast.maxOrdersPerDay)
		for i, c := range cmds {
			got, want, crash := applyBoth(fast, ref, c)
			if k := firstDiff(got, want); k >= 0 || crash != "" {
				var b strings.Builder
				for _, c := range cmds[:i+1] {
					fmt.Fprintf(&b, "> %s\n", formatCommand(&c))
				}
				writeEvents(&b, "fast engine", got)
				writeEvents(&b, "reference", want)
				t.Fatalf("command %d: panic %q, first difference at event %d: %s\n%s", i, crash, k, fieldDiff(got, want, max(k, 0)), b.String())
			}
		}
	})
}

// fuzzCommands turns each 8 bytes into one command:
//
//	b0  what: %16 < 9 place, < 12 amend, < 15 cancel, else an unknown kind
//	b1  account (bits 0–1: F0…F3) and symbol (bits 2–3)
//	b2  side (bit 0), order type (bits 1–3, 6–7 invalid), ≥ 0xf0: invalid side
//	b3  condition (%3; 0xff invalid) and STP mode (bits 2–4, ≥ 5 invalid)
//	b4  price as signed ticks from the symbol's centre, /16; 0x7f off tick
//	b5  quantity %20 (0 is invalid for place, "all" for cancel)
//	b6  stop price as signed ticks /16 (place); order id (amend, cancel)
//	b7  client order id k<b7%32> (0: none); amend/cancel name by it when odd
func fuzzCommands(data []byte, ins []Instrument) []Command {
	g := newCmdGen(1, ins) // only for its symbols and tick stepping
	var cmds []Command
	for len(data) >= 8 {
		b := data[:8]
		data = data[8:]
		s := &g.syms[(b[1]>>2)&3]
		c := Command{Account: fmt.Sprintf("F%d", b[1]&3), Symbol: s.inst.Symbol, Seq: uint64(len(cmds) + 1)}
		c.TS = int64(c.Seq) * 1_000_000
		price := s.step(s.center, int(int8(b[4]))/16)
		if b[4] == 0x7f {
			price = s.center + 1
		}
		clientID := ""
		if b[7] != 0 {
			clientID = fmt.Sprintf("k%d", b[7]%32)
		}
		switch op := b[0] % 16; {
		case op < 9:
			c.Kind, c.ClientOrderID, c.Qty = CmdPlace, clientID, Qty(b[5]%20)
			c.Side, c.Type = Side(1+b[2]&1), OrderType(1+(b[2]>>1)&7)
			if b[2] >= 0xf0 {
				c.Side = 0
			}
			c.TIF, c.STP = TIF(1+b[3]%3), STPMode((b[3]>>2)&7)
			if b[3] == 0xff {
				c.TIF = 0
			}
			if c.Type == Limit || c.Type == StopLimit {
				c.Price = price
			}
			if c.Type == StopLimit {
				c.StopPrice = s.step(s.center, int(int8(b[6]))/16)
			}
		case op < 15:
			c.Kind, c.OrderID = CmdAmend, OrderID(b[6])
			if op >= 12 {
				c.Kind = CmdCancel
			}
			if b[7]&1 == 1 {
				c.OrderID, c.OrigClientOrderID = 0, clientID
			}
			c.Qty = Qty(b[5] % 20)
			if c.Kind == CmdAmend && b[4] != 0 {
				c.Price = price
			}
		default:
			c.Kind = CommandKind(240 + b[0]%16)
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// ---- risk mode ----

// newCmdGenRisk is newCmdGen for an engine with risk on (newRiskEngine).
// Commands are 100 ms apart so that the per-second order rate limit and the
// duplicate-order window bite now and then rather than always.
func newCmdGenRisk(seed uint64, ins []Instrument) *cmdGen {
	g := newCmdGen(seed, ins)
	g.risk, g.tsStep = true, 100_000_000
	return g
}

// queueSetup opens, funds and stocks the accounts of one rotation group. In
// even groups the first two accounts share a self-match prevention group,
// so that orders of different accounts self-match too.
func (g *cmdGen) queueSetup(group int) {
	for k := range accountsPerGroup {
		acct := fmt.Sprintf("A%dx%d", group, k)
		stpGroup := ""
		if group%2 == 0 && k < 2 {
			stpGroup = fmt.Sprintf("G%d", group)
		}
		g.pending = append(g.pending,
			Command{Kind: CmdOpenAccount, Account: acct, Group: stpGroup, RequestID: "open"},
			Command{Kind: CmdDeposit, Account: acct, Amount: 100_000_000_000, RequestID: "fund"})
		for _, s := range g.syms {
			g.pending = append(g.pending, Command{Kind: CmdCreditShares, Account: acct, Symbol: s.inst.Symbol, Qty: 1_000_000, RequestID: "stock-" + s.inst.Symbol})
		}
	}
}

// sameOwner reports whether self-match prevention treats the two accounts
// as one: the same account, or (risk mode) the same account group as
// queueSetup opened them.
func (g *cmdGen) sameOwner(a, b string) bool {
	if a == b {
		return true
	}
	var ga, ka, gb, kb int
	if !g.risk || groupOf(a, &ga, &ka) != nil || groupOf(b, &gb, &kb) != nil {
		return false
	}
	return ga == gb && ga%2 == 0 && ka < 2 && kb < 2
}

func groupOf(account string, group, k *int) error {
	_, err := fmt.Sscanf(account, "A%dx%d", group, k)
	return err
}

// backOffice returns a random back-office, mass cancel or kill switch
// command: cash and share movements (some of them retries, some refused),
// accounts opened twice, mass cancels, and kill switches going on and off for an account, a symbol or
// everything.
func (g *cmdGen) backOffice() Command {
	c := Command{Account: g.account(), Symbol: g.symbol().inst.Symbol, RequestID: fmt.Sprintf("r%d", g.rng.IntN(50))}
	switch x := g.rng.IntN(100); {
	case x < 20:
		c.Kind, c.Amount = CmdDeposit, g.rng.Int64N(1_000_000_000)
	case x < 40:
		c.Kind, c.Amount = CmdWithdraw, g.rng.Int64N(200_000_000_000)
	case x < 55:
		c.Kind, c.Qty = CmdCreditShares, Qty(g.rng.IntN(1_000))
	case x < 70:
		c.Kind, c.Qty = CmdDebitShares, Qty(g.rng.IntN(2_000_000))
	case x < 75:
		c.Kind = CmdOpenAccount
	case x < 80:
		c.Kind = CmdCancelAll // mass cancel: in the drawn symbol, or in all
		if g.pct(50) {
			c.Symbol = ""
		}
	default:
		c.Kind, c.Text = CmdKillSwitch, "simulation"
		c.Scope, c.Active = KillScope(1+g.rng.IntN(2)), g.pct(50)
		if g.pct(5) {
			c.Scope = KillGlobal
		}
		if c.Active {
			// Switched off again soon, so that trading goes on. Each
			// lift is due no earlier than the one before it, which keeps
			// the queue in seq order.
			off := c
			off.Active = false
			at := g.seq + uint64(20+g.rng.IntN(180))
			if n := len(g.lifts); n > 0 {
				at = max(at, g.lifts[n-1].at)
			}
			g.lifts = append(g.lifts, genLift{at: at, c: off})
		}
	}
	return c
}
