package matching

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/mts-krx/mts/internal/wire"
)

// TestSnapshotResume: an engine restored from a snapshot taken at any point
// produces exactly the events and state hash of the engine that kept going.
func TestSnapshotResume(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		accounts := []string{"A0", "A1", "A2"}
		var cmds []Command
		for i, a := range accounts {
			cmds = append(cmds, Command{Kind: CmdOpenAccount, Account: a, RequestID: "o"},
				Command{Kind: CmdDeposit, Account: a, Amount: 5_000_000, RequestID: "d"},
				Command{Kind: CmdCreditShares, Account: a, Symbol: "005930", Qty: Qty(50 + i), RequestID: "c"})
		}
		for i := range rapid.IntRange(1, 150).Draw(rt, "n") {
			cmds = append(cmds, randomRiskCommand(rt, accounts, i))
		}
		for i := range cmds {
			cmds[i].Seq, cmds[i].TS = uint64(i+1), int64(i+1)*3_000_000_000
		}
		cut := rapid.IntRange(0, len(cmds)).Draw(rt, "cut")
		a := newRiskEngine(t)
		for i := range cmds[:cut] {
			a.Apply(&cmds[i])
		}
		snap := a.AppendSnapshot(nil)
		b := newRiskEngine(t)
		if err := b.LoadSnapshot(snap); err != nil {
			rt.Fatalf("LoadSnapshot: %v", err)
		}
		if a.StateHash() != b.StateHash() {
			rt.Fatalf("hash differs right after loading the snapshot at %d", cut)
		}
		for i := range cmds[cut:] {
			c := cmds[cut+i]
			ea := eventStrings(a.Apply(&c))
			eb := eventStrings(b.Apply(&c))
			if !reflect.DeepEqual(ea, eb) {
				rt.Fatalf("seq %d: events differ after resuming at %d:\n a: %v\n b: %v", c.Seq, cut, ea, eb)
			}
		}
		if a.StateHash() != b.StateHash() {
			rt.Fatalf("final hash differs after resuming at %d", cut)
		}
	})
}

func eventStrings(evs []Event) []string {
	out := make([]string, len(evs))
	for i := range evs {
		out[i] = fmt.Sprintf("%+v", evs[i])
	}
	return out
}

func TestSnapshotRejectsDamage(t *testing.T) {
	a := newRiskEngine(t)
	c := []Command{
		{Kind: CmdOpenAccount, Account: "A", RequestID: "o"},
		{Kind: CmdDeposit, Account: "A", Amount: 1e7, RequestID: "d"},
		{Kind: CmdPlace, Account: "A", Symbol: "005930", Side: Buy, Type: Limit, TIF: Day, Price: 70000, Qty: 3, ClientOrderID: "x"},
	}
	for i := range c {
		c[i].Seq = uint64(i + 1)
		a.Apply(&c[i])
	}
	snap := a.AppendSnapshot(nil)
	for cut := range len(snap) {
		if err := newRiskEngine(t).LoadSnapshot(snap[:cut]); !errors.Is(err, ErrSnapshot) {
			t.Fatalf("LoadSnapshot of %d of %d bytes: %v, want ErrSnapshot", cut, len(snap), err)
		}
	}
	if err := newTestEngine(t).LoadSnapshot(snap); !errors.Is(err, ErrSnapshot) {
		t.Errorf("risk snapshot into a risk-off engine: %v, want ErrSnapshot", err)
	}
	used := newRiskEngine(t)
	used.Apply(&c[0])
	if err := used.LoadSnapshot(snap); !errors.Is(err, ErrSnapshot) {
		t.Errorf("snapshot into a used engine: %v, want ErrSnapshot", err)
	}
}

func FuzzLoadSnapshot(f *testing.F) {
	e := newTestEngine(f)
	cmd := Command{Kind: CmdPlace, Seq: 1, Account: "A", Symbol: "005930", Side: Sell, Type: Limit, TIF: Day, Price: 71000, Qty: 2, ClientOrderID: "c"}
	e.Apply(&cmd)
	f.Add(e.AppendSnapshot(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := newTestEngine(t)
		if d.LoadSnapshot(b) != nil {
			return
		}
		if err := d.checkAll(); err != nil {
			t.Fatalf("loaded snapshot breaks an invariant: %v", err)
		}
	})
}

// checkAll runs the book invariant walk on every symbol.
func (e *Engine) checkAll() error {
	for _, s := range e.sorted {
		if err := s.book.Check(); err != nil {
			return err
		}
	}
	return nil
}

// TestSnapshotOldVersions: snapshots written before the trading day existed
// (version 1), before it recorded its start (version 2) or before closed
// orders kept their last state (version 3) still load, with the defaults
// those engines had, into the state that wrote them.
func TestSnapshotOldVersions(t *testing.T) {
	a := newTestEngine(t)
	for i, c := range []Command{ // TS 0: the day start stays 0, as an old snapshot leaves it
		{Kind: CmdPlace, Account: "A", Symbol: "005930", Side: Buy, Type: Limit, TIF: Day, Price: 70_000, Qty: 3, ClientOrderID: "x"},
		{Kind: CmdPlace, Account: "B", Symbol: "005930", Side: Sell, Type: StopLimit, TIF: Day, Price: 69_000, StopPrice: 69_500, Qty: 2},
		{Kind: CmdPlace, Account: "B", Symbol: "003530", Side: Sell, Type: Limit, TIF: Day, Price: 3_600, Qty: 9},
	} {
		c.Seq = uint64(i + 1)
		a.Apply(&c)
	}
	for _, version := range []uint64{1, 2, 3} {
		b := newTestEngine(t)
		if err := b.LoadSnapshot(appendOldSnapshot(a, version)); err != nil {
			t.Fatalf("version %d: %v", version, err)
		}
		if a.StateHash() != b.StateHash() {
			t.Errorf("version %d: the loaded state differs from the one that wrote it", version)
		}
	}
}

// appendOldSnapshot writes e's state in snapshot version 1, 2 or 3, as the
// builds of those versions did.
func appendOldSnapshot(e *Engine, version uint64) []byte {
	w := snapWriter{Writer: wire.Writer{}, version: version}
	w.Uvarint(version)
	w.Uvarint(e.seq)
	w.Uvarint(uint64(e.nextOrderID))
	w.Uvarint(e.nextTradeID)
	if version >= 2 {
		w.Uvarint(e.seed)
	}
	if version >= 3 {
		w.Varint(e.dayStart)
		w.Uvarint(uint64(e.marketPhase))
	}
	w.Uvarint(uint64(len(e.sorted)))
	for _, s := range e.sorted {
		w.String(s.inst.Symbol)
		w.Varint(int64(s.last))
		w.Varint(int64(s.lower))
		w.Varint(int64(s.upper))
		if version >= 2 {
			w.Uvarint(uint64(s.phase))
			w.Varint(int64(s.base))
			w.Varint(int64(s.ref))
			w.Varint(int64(s.close))
			w.Varint(s.viEnd)
			w.Uvarint(uint64(s.resume))
			w.Bool(s.traded)
		}
		for _, side := range [2]Side{Buy, Sell} {
			var os []*restingOrder
			s.book.Orders(side, func(o *restingOrder) bool { os = append(os, o); return true })
			w.Uvarint(uint64(len(os)))
			for _, o := range os {
				w.order(o.ID, o.Side, o.Price, o.Qty, &o.Data)
			}
		}
		for _, l := range [2][]*stopOrder{s.stops.buys, s.stops.sells} {
			w.Uvarint(uint64(len(l)))
			for _, so := range l {
				w.order(so.id, so.side, so.price, so.leaves, &so.info)
			}
		}
	}
	names := slices.Sorted(maps.Keys(e.accounts))
	w.Uvarint(uint64(len(names)))
	for _, name := range names { // without closed orders' last states
		a := e.accounts[name]
		w.String(name)
		w.Varint(int64(a.ordersToday))
		ids := slices.Sorted(maps.Keys(a.clientOrderIDs))
		w.Uvarint(uint64(len(ids)))
		for _, id := range ids {
			w.String(id)
			w.Uvarint(uint64(a.clientOrderIDs[id].id))
			w.String(a.clientOrderIDs[id].symbol)
		}
	}
	w.Bool(false)
	return w.B
}
