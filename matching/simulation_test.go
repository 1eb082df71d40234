package matching

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"testing"

	"github.com/mts-krx/mts/orderbook"
)

// The seeded simulation (STYLE.md, after pebble's metamorphic tests and
// TigerBeetle's VOPR): a random command stream from a seed drives engine A,
// which is checked against the engine's invariants after every command; the
// journaled stream is then replayed into a fresh engine B, which must produce
// the same events command for command and the same StateHash at every
// checkpoint. A third engine C recovers the way the server does: it loads
// A's snapshot from the middle of the run and replays the rest of the
// journal, and must agree with A from there on. A failure prints the seed and
// a one-line repro.
//
//	go test ./matching -run TestSimulation                  # 3 seeds × 20,000 commands
//	go test ./matching -run TestSimulation -seed=N          # one seed
//	MTS_LONG=1 go test ./matching -run TestSimulation -timeout 30m   # 60 × 20,000 = 1.2M commands

// simCheckpoint is how many commands apart StateHash and the full book
// comparisons run; they walk everything.
const simCheckpoint = 1_000

func TestSimulation(t *testing.T) {
	seeds, n := testSeeds(3), 20_000
	if longRun() {
		seeds = testSeeds(60)
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			if err := runSimulation(t, simRiskOff, seed, n); err != nil {
				t.Fatalf("seed %d: %v\nrepro: go test ./matching -run TestSimulation/ -seed=%d", seed, err, seed)
			}
		})
	}
}

// TestSimulationRisk is the simulation with the risk checker on: accounts,
// cash, holds, positions, fees, kill switches and surveillance become part
// of the state that replay and snapshot recovery must reproduce exactly.
//
//	MTS_LONG=1 go test ./matching -run TestSimulationRisk -timeout 30m
func TestSimulationRisk(t *testing.T) {
	seeds, n := testSeeds(2), 20_000
	if longRun() {
		seeds = testSeeds(20)
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			if err := runSimulation(t, simRiskOn, seed, n); err != nil {
				t.Fatalf("seed %d: %v\nrepro: go test ./matching -run TestSimulationRisk -seed=%d", seed, err, seed)
			}
		})
	}
}

// simMode says how the simulation builds engines and streams.
type simMode struct {
	engine func(testing.TB) *Engine
	gen    func(uint64, []Instrument) *cmdGen
}

var (
	simRiskOff = simMode{newTestEngine, newCmdGen}
	simRiskOn  = simMode{newRiskEngine, newCmdGenRisk}
	simDay     = simMode{withVI(newTestEngine), dayGen(newCmdGen)}
	simDayRisk = simMode{withVI(newRiskEngine), dayGen(newCmdGenRisk)}
)

// withVI switches volatility interruptions on with thresholds narrow
// enough for the generator's prices, a few ticks around the base, to reach
// them now and then.
func withVI(engine func(testing.TB) *Engine) func(testing.TB) *Engine {
	return func(t testing.TB) *Engine {
		e := engine(t)
		e.vi = &VIConfig{StaticBP: 250, DynamicK200BP: 80, DynamicOtherBP: 120, DynamicCloseK200BP: 50, DynamicCloseOtherBP: 80}
		return e
	}
}

// TestSimulationDay is the simulation over trading days: the random stream
// runs through an opening auction, continuous trading with VI auctions (the
// engine's, with narrow thresholds, ended 150 commands later, and one by
// command) and a halt on single symbols, the closing auction, the close, a day rollover
// and the next day's opening and closing auctions. Auction books cross,
// uncross, expire and roll over; replay and snapshot recovery must still
// reproduce every event and StateHash.
func TestSimulationDay(t *testing.T) {
	for _, mode := range []struct {
		name string
		m    simMode
	}{{"risk=off", simDay}, {"risk=on", simDayRisk}} {
		for _, seed := range testSeeds(2) {
			t.Run(fmt.Sprintf("%s/seed=%d", mode.name, seed), func(t *testing.T) {
				t.Parallel()
				if err := runSimulation(t, mode.m, seed, 20_000); err != nil {
					t.Fatalf("seed %d: %v\nrepro: go test ./matching -run TestSimulationDay/%s -seed=%d", seed, err, mode.name, seed)
				}
			})
		}
	}
}

// dayGen wraps a generator constructor with the trading day's script of
// phase commands (positions out of a 20,000-command run).
func dayGen(gen func(uint64, []Instrument) *cmdGen) func(uint64, []Instrument) *cmdGen {
	return func(seed uint64, ins []Instrument) *cmdGen {
		g := gen(seed, ins)
		g.inVI = map[string]bool{}
		phase := func(sym string, p Phase) Command { return Command{Kind: CmdSetPhase, Symbol: sym, Phase: p} }
		g.script = map[uint64]Command{
			1:      phase("", PhaseOpeningAuction),
			2_000:  phase("", PhaseContinuous),
			6_000:  phase("005930", PhaseVIAuction),
			6_400:  phase("005930", PhaseContinuous),
			8_000:  phase("003530", PhaseHalted),
			8_300:  phase("003530", PhaseContinuous),
			12_000: phase("", PhaseClosingAuction),
			13_000: phase("", PhaseClosed),
			13_500: {Kind: CmdNewDay, Phase: PhaseOpeningAuction, Amount: int64(seed)},
			15_000: phase("", PhaseContinuous),
			18_500: phase("", PhaseClosingAuction),
			19_500: phase("", PhaseClosed),
		}
		return g
	}
}

func runSimulation(t *testing.T, mode simMode, seed uint64, n int) error {
	a := mode.engine(t)
	g := mode.gen(seed, loadTestInstruments(t))
	check := newSimChecker(g.sameOwner)
	var j simJournal
	digests := make([]uint64, 0, n)
	var hashes [][32]byte
	var snap []byte
	snapAt := (n/2)/simCheckpoint*simCheckpoint - 1 // a checkpoint mid-run
	for i := range n {
		c := g.next()
		j.record(&c)
		evs := a.Apply(&c)
		if err := check.command(a, &c, evs); err != nil {
			return fmt.Errorf("command %d %s: %w\n%s", i, formatCommand(&c), err, eventLines(evs))
		}
		digests = append(digests, digestEvents(evs))
		g.observe(evs)
		if (i+1)%simCheckpoint == 0 || i == n-1 {
			if err := check.books(a); err != nil {
				return fmt.Errorf("after command %d: %w", i, err)
			}
			hashes = append(hashes, a.StateHash())
		}
		if i == snapAt {
			snap = a.AppendSnapshot(nil)
		}
	}
	if err := replay(t, mode, mode.engine(t), 0, &j, digests, hashes); err != nil {
		return fmt.Errorf("replay from the start: %w", err)
	}
	if snap == nil {
		return nil
	}
	c := mode.engine(t)
	if err := c.LoadSnapshot(snap); err != nil {
		return fmt.Errorf("loading the snapshot taken after command %d: %w", snapAt, err)
	}
	if err := replay(t, mode, c, snapAt+1, &j, digests, hashes); err != nil {
		return fmt.Errorf("replay from the snapshot taken after command %d: %w", snapAt, err)
	}
	return nil
}

// replay feeds the journal from entry from on into engine b, which holds the
// state after entry from-1, and compares it with what engine A produced.
func replay(t *testing.T, mode simMode, b *Engine, from int, j *simJournal, digests []uint64, hashes [][32]byte) error {
	if from > 0 {
		if got, want := b.StateHash(), hashes[from/simCheckpoint-1]; got != want {
			return fmt.Errorf("StateHash after loading %x, before snapshotting %x", got[:8], want[:8])
		}
	}
	for i := from; i < len(digests); i++ {
		c, err := j.command(i)
		if err != nil {
			return fmt.Errorf("journal entry %d: %w", i, err)
		}
		evs := b.Apply(&c)
		if digestEvents(evs) != digests[i] {
			return fmt.Errorf("replay diverged at command %d %s\nreplayed:\n%soriginal:\n%s",
				i, formatCommand(&c), eventLines(evs), eventLines(originalEvents(t, mode, j, i)))
		}
		if (i+1)%simCheckpoint == 0 || i == len(digests)-1 {
			k := i / simCheckpoint
			if got := b.StateHash(); got != hashes[k] {
				return fmt.Errorf("after command %d: StateHash of the replay %x, of the original %x", i, got[:8], hashes[k][:8])
			}
		}
	}
	return nil
}

// originalEvents re-runs the journal's first i+1 commands into a fresh
// engine and returns the events of the last: what engine A said, for a
// divergence report.
func originalEvents(t *testing.T, mode simMode, j *simJournal, i int) []Event {
	e := mode.engine(t)
	var evs []Event
	for k := 0; k <= i; k++ {
		c, _ := j.command(k)
		evs = e.Apply(&c)
	}
	return evs
}

func eventLines(evs []Event) string {
	var b strings.Builder
	for i := range evs {
		fmt.Fprintf(&b, "  %s\n", formatEvent(&evs[i]))
	}
	return b.String()
}

// simJournal stands in for the journal: it keeps each command as the
// binary codec encodes it and decodes it again for replay, so the
// simulation covers the codec's round trip as well.
type simJournal struct {
	recs [][]byte
}

func (j *simJournal) record(c *Command) { j.recs = append(j.recs, AppendCommand(nil, c)) }

func (j *simJournal) command(i int) (Command, error) {
	if i >= len(j.recs) {
		return Command{}, errors.New("past the end of the journal")
	}
	var c Command
	n, err := DecodeCommand(j.recs[i], &c)
	if err == nil && n != len(j.recs[i]) {
		err = fmt.Errorf("command %d: %d trailing bytes", i, len(j.recs[i])-n)
	}
	return c, err
}

// digestSeed keys digestEvents; one per test process is all replay needs.
var digestSeed = maphash.MakeSeed()

// digestEvents fingerprints a command's events: cheap to keep for a million
// commands. maphash.Comparable hashes every field by ==, strings by content,
// so a field added to Event is covered without anyone remembering it here.
func digestEvents(evs []Event) uint64 {
	var h maphash.Hash
	h.SetSeed(digestSeed)
	for i := range evs {
		ev := evs[i]
		ev.Extra = nil // a pointer: hash what it points at
		maphash.WriteComparable(&h, ev)
		maphash.WriteComparable(&h, evs[i].Extras())
	}
	return h.Sum64()
}

// ---- invariants ----

// simChecker checks the engine's promises on every command's events, and
// keeps what it needs across commands: each order's fills, the id counters,
// and a market-data view of every book built from EvBook events alone.
type simChecker struct {
	fills     map[OrderID]Qty
	values    map[OrderID]int64
	lastOrder OrderID
	lastTrade uint64
	shadow    map[simLevelKey]orderbook.Level // what a consumer of EvBook events believes
	sameOwner func(a, b string) bool          // may these two accounts never trade?
}

type simLevelKey struct {
	symbol string
	side   Side
	price  Price
}

func newSimChecker(sameOwner func(a, b string) bool) *simChecker {
	return &simChecker{
		fills: make(map[OrderID]Qty), values: make(map[OrderID]int64),
		shadow: make(map[simLevelKey]orderbook.Level), sameOwner: sameOwner,
	}
}

// command checks one command's events and the symbol's book after it.
func (k *simChecker) command(e *Engine, c *Command, evs []Event) error {
	for i := range evs {
		ev := &evs[i]
		if ev.Seq != c.Seq || ev.TS != c.TS {
			return fmt.Errorf("event %d carries seq %d ts %d, the command %d %d", i, ev.Seq, ev.TS, c.Seq, c.TS)
		}
		var err error
		switch ev.Kind {
		case EvExec:
			err = k.exec(ev)
		case EvTrade:
			// An uncross allocates by KRX's rules: self-match prevention
			// does not apply (an alert is raised instead).
			err = k.trade(ev, c.Kind == CmdSetPhase || c.Kind == CmdNewDay)
		case EvBook:
			err = k.level(ev)
		case EvAlert, EvAccount, EvKillSwitch, EvMarketStatus, EvAuction:
			// Surveillance, back office and market status: nothing the book
			// invariants cover.
		default:
			err = fmt.Errorf("unknown event kind %d", ev.Kind)
		}
		if err != nil {
			return fmt.Errorf("event %d (%s): %w", i, formatEvent(ev), err)
		}
	}
	if c.Symbol == "" {
		for _, s := range e.sorted {
			if err := k.uncrossed(e, s.inst.Symbol); err != nil {
				return err
			}
		}
		return nil
	}
	return k.uncrossed(e, c.Symbol)
}

func (k *simChecker) exec(ev *Event) error {
	if ev.ExecType == ExecNew {
		if ev.OrderID != k.lastOrder+1 {
			return fmt.Errorf("new order id %d after %d: ids must be dense", ev.OrderID, k.lastOrder)
		}
		k.lastOrder = ev.OrderID
	}
	if ev.ExecType == ExecTrade {
		if ev.LastQty <= 0 || ev.LastPx <= 0 {
			return fmt.Errorf("fill of %d at %d", ev.LastQty, ev.LastPx)
		}
		k.fills[ev.OrderID] += ev.LastQty
		k.values[ev.OrderID] += int64(ev.LastPx) * int64(ev.LastQty)
	}
	if err := checkQuantities(ev); err != nil {
		return err
	}
	if ev.Status == StatusRejected {
		return nil // a refused command: no order state to check
	}
	if ev.CumQty != k.fills[ev.OrderID] || ev.CumValue != k.values[ev.OrderID] {
		return fmt.Errorf("cumQty %d cumValue %d, but its fills add up to %d and %d",
			ev.CumQty, ev.CumValue, k.fills[ev.OrderID], k.values[ev.OrderID])
	}
	return nil
}

// checkQuantities checks a report's quantities against its status.
func checkQuantities(ev *Event) error {
	switch ev.Status {
	case StatusNew, StatusPartiallyFilled:
		if ev.CumQty+ev.LeavesQty != ev.Qty || ev.LeavesQty <= 0 {
			return fmt.Errorf("open order with cumQty %d + leavesQty %d != qty %d", ev.CumQty, ev.LeavesQty, ev.Qty)
		}
		if (ev.Status == StatusNew) != (ev.CumQty == 0) {
			return fmt.Errorf("status %s with cumQty %d", ev.Status, ev.CumQty)
		}
	case StatusFilled:
		if ev.LeavesQty != 0 || ev.CumQty != ev.Qty {
			return fmt.Errorf("filled with cumQty %d leavesQty %d of qty %d", ev.CumQty, ev.LeavesQty, ev.Qty)
		}
	case StatusCanceled, StatusExpired:
		if ev.LeavesQty != 0 || ev.CumQty > ev.Qty {
			return fmt.Errorf("%s with cumQty %d leavesQty %d of qty %d", ev.Status, ev.CumQty, ev.LeavesQty, ev.Qty)
		}
	case StatusRejected:
		if ev.LeavesQty != 0 || ev.CumQty != 0 {
			return fmt.Errorf("rejected with cumQty %d leavesQty %d", ev.CumQty, ev.LeavesQty)
		}
	default:
		return fmt.Errorf("unknown status %d", ev.Status)
	}
	return nil
}

func (k *simChecker) trade(ev *Event, auction bool) error {
	switch {
	case ev.TradeID != k.lastTrade+1:
		return fmt.Errorf("trade id %d after %d: ids must be dense", ev.TradeID, k.lastTrade)
	case ev.LastQty <= 0:
		return fmt.Errorf("trade of %d shares", ev.LastQty)
	case !auction && k.sameOwner(ev.Account, ev.MakerAccount):
		return errors.New("a self-trade (same account or group): self-match prevention let it through")
	}
	k.lastTrade = ev.TradeID
	return nil
}

func (k *simChecker) level(ev *Event) error {
	if ev.Qty < 0 || ev.Count < 0 || (ev.Qty == 0) != (ev.Count == 0) {
		return fmt.Errorf("level with qty %d and %d orders", ev.Qty, ev.Count)
	}
	key := simLevelKey{ev.Symbol, ev.Side, ev.Price}
	if ev.Qty == 0 {
		delete(k.shadow, key)
	} else {
		k.shadow[key] = orderbook.Level{Price: ev.Price, Qty: ev.Qty, Count: int(ev.Count)}
	}
	return nil
}

// uncrossed checks that the command left its symbol's book uncrossed,
// unless it is in an auction (or halted, which may interrupt one).
func (k *simChecker) uncrossed(e *Engine, symbol string) error {
	s := e.symbols[symbol]
	if s == nil || s.phase.Auction() || s.phase == PhaseHalted {
		return nil
	}
	bid, okb := s.book.Best(Buy)
	ask, oka := s.book.Best(Sell)
	if okb && oka && bid.Price >= ask.Price {
		return fmt.Errorf("%s crossed: best bid %d >= best ask %d", symbol, bid.Price, ask.Price)
	}
	return nil
}

// books checks every book's internal consistency and that the levels a
// market-data consumer rebuilt from EvBook events are exactly the engine's:
// a level change without its EvBook shows up here.
func (k *simChecker) books(e *Engine) error {
	seen := 0
	for _, s := range e.sorted {
		if err := s.book.Check(); err != nil {
			return fmt.Errorf("%s: %w", s.inst.Symbol, err)
		}
		for _, side := range []Side{Buy, Sell} {
			var err error
			s.book.Levels(side, func(l orderbook.Level) bool {
				seen++
				if got := k.shadow[simLevelKey{s.inst.Symbol, side, l.Price}]; got != l {
					err = fmt.Errorf("%s %s %d: the book has %d in %d orders, its EvBook events say %d in %d",
						s.inst.Symbol, side, l.Price, l.Qty, l.Count, got.Qty, got.Count)
				}
				return err == nil
			})
			if err != nil {
				return err
			}
		}
	}
	if seen != len(k.shadow) {
		return fmt.Errorf("EvBook events describe %d levels, the books hold %d", len(k.shadow), seen)
	}
	return checkOpenIndex(e)
}

// checkOpenIndex checks every account's index of resting orders against
// the books: each resting order is in its account's index under its symbol,
// and the indexes hold nothing else but as many stale entries (orders no
// longer on their book) as each account counts.
func checkOpenIndex(e *Engine) error {
	indexed := 0
	for name, a := range e.accounts {
		stale := 0
		a.open.All(func(id OrderID, s *symbolState) bool {
			if s.book.Get(id) == nil {
				stale++
			}
			return true
		})
		if stale != a.stale {
			return fmt.Errorf("account %s: %d stale index entries, it counts %d", name, stale, a.stale)
		}
		indexed += a.open.Len() - stale
	}
	resting := 0
	for _, s := range e.sorted {
		var err error
		for _, side := range []Side{Buy, Sell} {
			s.book.Orders(side, func(o *restingOrder) bool {
				resting++
				a := e.accounts[o.Data.owner.name]
				switch {
				case a == nil || o.Data.owner != a:
					err = fmt.Errorf("order %d of %s: its owner is not the account's state", o.ID, o.Data.owner.name)
				case a.open.Get(o.ID) != s:
					err = fmt.Errorf("order %d of %s rests in %s but its account's index does not say so", o.ID, o.Data.owner.name, s.inst.Symbol)
				}
				return err == nil
			})
		}
		if err != nil {
			return err
		}
	}
	if indexed != resting {
		return fmt.Errorf("the accounts' indexes hold %d orders, the books %d", indexed, resting)
	}
	return nil
}
