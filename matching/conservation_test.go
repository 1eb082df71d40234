package matching

import (
	"fmt"
	"slices"
	"testing"

	"github.com/mts-krx/mts/risk"
	"pgregory.net/rapid"
)

// TestRiskConservation drives a risk-enabled engine with random streams of
// orders, amends, cancels, back-office commands and kill switches, and after
// every command checks that money and shares are conserved and that every
// hold matches the open orders that justify it.
func TestRiskConservation(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		e := newRiskEngine(t)
		accounts := []string{"A0", "A1", "A2", "A3"}
		c := &conservation{e: e, accounts: accounts, shares: map[string]int64{}}
		for i, a := range accounts {
			c.apply(rt, Command{Kind: CmdOpenAccount, Account: a, RequestID: "open"})
			c.apply(rt, Command{Kind: CmdDeposit, Account: a, Amount: 5_000_000, RequestID: "d0"})
			for _, sym := range []string{"005930", "003530"} {
				c.apply(rt, Command{Kind: CmdCreditShares, Account: a, Symbol: sym, Qty: Qty(50 + 10*i), RequestID: "c" + sym})
			}
		}
		steps := rapid.IntRange(1, 300).Draw(rt, "steps")
		for i := range steps {
			c.apply(rt, randomRiskCommand(rt, accounts, i))
		}
	})
}

type conservation struct {
	e        *Engine
	accounts []string
	seq      uint64
	cash     int64            // deposits − withdrawals
	shares   map[string]int64 // credits − debits per symbol
}

func (c *conservation) apply(rt *rapid.T, cmd Command) {
	c.seq++
	cmd.Seq, cmd.TS = c.seq, int64(c.seq)*3_000_000_000 // 3 s apart: no duplicate-order trips
	for _, ev := range c.e.Apply(&cmd) {
		if ev.Kind != EvAccount || ev.Reason != ReasonNone {
			continue
		}
		switch ev.Cmd {
		case CmdDeposit:
			c.cash += ev.Extras().Amount
		case CmdWithdraw:
			c.cash -= ev.Extras().Amount
		case CmdCreditShares:
			c.shares[ev.Symbol] += ev.Extras().Amount
		case CmdDebitShares:
			c.shares[ev.Symbol] -= ev.Extras().Amount
		}
	}
	if err := c.check(); err != nil {
		rt.Fatalf("after seq %d (%+v): %v", cmd.Seq, cmd, err)
	}
}

func (c *conservation) check() error {
	r := c.e.risk
	fees, tax := r.Collected()
	total := fees + tax
	shares := map[string]int64{}
	for _, name := range c.accounts {
		bal, ok := r.Balance(name)
		if !ok {
			continue
		}
		if bal.Cash < 0 || bal.Hold < 0 || bal.Available() < 0 {
			return fmt.Errorf("account %s balance %+v", name, bal)
		}
		total += bal.Cash
		for _, s := range c.e.sorted {
			p := r.Position(name, s.inst.Symbol)
			if p.Qty < 0 || p.Hold < 0 || p.Available() < 0 {
				return fmt.Errorf("account %s %s position %+v", name, s.inst.Symbol, p)
			}
			shares[s.inst.Symbol] += int64(p.Qty)
		}
	}
	if total != c.cash {
		return fmt.Errorf("cash + fees + tax = %d, deposits − withdrawals = %d", total, c.cash)
	}
	for sym, want := range c.shares {
		if shares[sym] != want {
			return fmt.Errorf("%s: %d shares held, credits − debits = %d", sym, shares[sym], want)
		}
	}
	return c.checkHolds()
}

// checkHolds recomputes every account's holds and open-order count from the
// books and stop lists and compares them with the risk state.
func (c *conservation) checkHolds() error {
	cashHold := map[string]int64{}
	shareHold := map[string]Qty{}
	open := map[string]int{}
	add := func(sym string, side Side, leaves Qty, in *orderInfo) {
		open[in.owner.name]++
		if side == Buy {
			cashHold[in.owner.name] += int64(leaves) * in.perShare
		} else {
			shareHold[in.owner.name+"/"+sym] += leaves
		}
	}
	for _, s := range c.e.sorted {
		for _, side := range [2]Side{Buy, Sell} {
			s.book.Orders(side, func(o *restingOrder) bool { add(s.inst.Symbol, o.Side, o.Qty, &o.Data); return true })
		}
		for _, l := range [2][]*stopOrder{s.stops.buys, s.stops.sells} {
			for _, so := range l {
				add(s.inst.Symbol, so.side, so.leaves, &so.info)
			}
		}
	}
	r := c.e.risk
	for _, name := range c.accounts {
		bal, _ := r.Balance(name)
		if bal.Hold != cashHold[name] || r.OpenOrders(name) != open[name] {
			return fmt.Errorf("account %s: hold %d open %d, orders justify hold %d open %d",
				name, bal.Hold, r.OpenOrders(name), cashHold[name], open[name])
		}
		for _, s := range c.e.sorted {
			if p := r.Position(name, s.inst.Symbol); p.Hold != shareHold[name+"/"+s.inst.Symbol] {
				return fmt.Errorf("account %s %s: %d shares held, orders justify %d", name, s.inst.Symbol, p.Hold, shareHold[name+"/"+s.inst.Symbol])
			}
		}
	}
	return nil
}

func randomRiskCommand(rt *rapid.T, accounts []string, i int) Command {
	acct := rapid.SampledFrom(accounts).Draw(rt, "account")
	sym := rapid.SampledFrom([]string{"005930", "003530"}).Draw(rt, "symbol")
	base, tick := Price(71000), Price(100)
	if sym == "003530" {
		base, tick = 3515, 5
	}
	px := base + tick*Price(rapid.IntRange(-5, 5).Draw(rt, "ticks"))
	c := Command{Account: acct, Symbol: sym, RequestID: fmt.Sprintf("r%d", i)}
	switch rapid.IntRange(0, 10).Draw(rt, "kind") {
	case 0, 1, 2, 3:
		c.Kind, c.Side, c.Price, c.Qty = CmdPlace, rapid.SampledFrom([]Side{Buy, Sell}).Draw(rt, "side"), px, Qty(rapid.IntRange(1, 30).Draw(rt, "qty"))
		c.Type = rapid.SampledFrom([]OrderType{Limit, Limit, Market, BestLimit, FirstBest, StopLimit, ConditionalLimit}).Draw(rt, "type")
		c.TIF = rapid.SampledFrom([]TIF{Day, Day, IOC, FOK}).Draw(rt, "tif")
		c.STP = STPMode(rapid.IntRange(0, 4).Draw(rt, "stp"))
		c.ClientOrderID = fmt.Sprintf("c%d", i)
		switch c.Type {
		case Market, BestLimit, FirstBest:
			c.Price = 0
		case StopLimit:
			c.StopPrice = base + tick*Price(rapid.IntRange(-3, 3).Draw(rt, "stop"))
		}
		if c.Type == FirstBest || c.Type == StopLimit || c.Type == ConditionalLimit {
			c.TIF = Day
		}
	case 4, 5:
		c.Kind, c.OrigClientOrderID = CmdAmend, fmt.Sprintf("c%d", rapid.IntRange(0, i).Draw(rt, "target"))
		c.Price, c.Qty = px, Qty(rapid.IntRange(0, 30).Draw(rt, "newQty"))
	case 6, 7:
		c.Kind, c.OrigClientOrderID = CmdCancel, fmt.Sprintf("c%d", rapid.IntRange(0, i).Draw(rt, "target"))
		c.Qty = Qty(rapid.IntRange(0, 10).Draw(rt, "cancelQty"))
	case 8:
		c.Kind = rapid.SampledFrom([]CommandKind{CmdDeposit, CmdWithdraw, CmdCreditShares, CmdDebitShares}).Draw(rt, "office")
		c.Amount, c.Qty = int64(rapid.IntRange(1, 2_000_000).Draw(rt, "amount")), Qty(rapid.IntRange(1, 40).Draw(rt, "shares"))
	case 9:
		c.Kind, c.Scope, c.Active = CmdKillSwitch, KillScope(rapid.IntRange(1, 3).Draw(rt, "scope")), rapid.Bool().Draw(rt, "active")
	default:
		// Phases: auctions collect orders and uncross into fills that must
		// settle like continuous ones.
		c.Kind, c.Phase = CmdSetPhase, Phase(rapid.IntRange(1, 6).Draw(rt, "phase"))
	}
	return c
}

// TestSurveillanceAlerts: the engine publishes layering and order-to-trade
// alerts as events, from its own command timestamps, without blocking
// anything.
func TestSurveillanceAlerts(t *testing.T) {
	e := newTestEngine(t)
	cfg := risk.DefaultConfig()
	cfg.DupWindowNanos = -1
	cfg.Surveillance.QuickCancelMax, cfg.Surveillance.OTRMinOrders, cfg.Surveillance.OTRMax = 5, 8, 3
	e.risk = risk.New(cfg)
	var seq uint64
	apply := func(c Command) []Event {
		seq++
		c.Seq, c.TS = seq, int64(seq)*1_000_000 // 1 ms apart
		return e.Apply(&c)
	}
	apply(Command{Kind: CmdOpenAccount, Account: "L", RequestID: "o"})
	apply(Command{Kind: CmdDeposit, Account: "L", Amount: 1e9, RequestID: "d"})
	alerts := map[AlertKind]int{}
	for i := range 10 {
		// Apply's slice is reused by the next Apply: copy before applying again.
		evs := slices.Clone(apply(Command{Kind: CmdPlace, Account: "L", Symbol: "005930", Side: Buy, Type: Limit, TIF: Day,
			Price: 70000, Qty: 1, ClientOrderID: fmt.Sprint(i)}))
		evs = append(evs, apply(Command{Kind: CmdCancel, Account: "L", Symbol: "005930", OrigClientOrderID: fmt.Sprint(i)})...)
		for _, ev := range evs {
			if ev.Kind == EvAlert {
				alerts[ev.Alert]++
			}
			if ev.Kind == EvExec && ev.ExecType == ExecRejected {
				t.Fatalf("surveillance blocked something: %s", ev.Reason.Code())
			}
		}
	}
	if alerts[AlertLayering] != 2 || alerts[AlertOTR] != 1 {
		t.Errorf("alerts %v, want 2 layering (5 quick cancels each) and 1 order-to-trade", alerts)
	}
}
