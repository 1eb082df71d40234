package matching

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func kstTS(y int, m time.Month, d, hh, mm int) int64 {
	return time.Date(y, m, d, hh, mm, 0, 0, KST).UnixNano()
}

func TestSchedulePhaseAt(t *testing.T) {
	s := DefaultSchedule()
	s.Holidays = []string{"2026-12-25"}
	for _, tt := range []struct {
		ts   int64
		want Phase
	}{
		{kstTS(2026, 11, 25, 8, 29), PhaseClosed}, // Wednesday, before the open
		{kstTS(2026, 11, 25, 8, 30), PhaseOpeningAuction},
		{kstTS(2026, 11, 25, 8, 59), PhaseOpeningAuction},
		{kstTS(2026, 11, 25, 9, 0), PhaseContinuous},
		{kstTS(2026, 11, 25, 15, 19), PhaseContinuous},
		{kstTS(2026, 11, 25, 15, 20), PhaseClosingAuction},
		{kstTS(2026, 11, 25, 15, 30), PhaseClosed},
		{kstTS(2026, 11, 25, 23, 59), PhaseClosed},
		{kstTS(2026, 11, 28, 10, 0), PhaseClosed}, // Saturday
		{kstTS(2026, 12, 25, 10, 0), PhaseClosed}, // a holiday (Friday)
		{kstTS(2026, 12, 24, 10, 0), PhaseContinuous},
	} {
		if got := s.PhaseAt(tt.ts); got != tt.want {
			t.Errorf("PhaseAt(%s) = %s, want %s", time.Unix(0, tt.ts).In(KST), got, tt.want)
		}
	}
}

func TestScheduleNext(t *testing.T) {
	s := DefaultSchedule()
	s.Holidays = []string{"2026-11-30"} // a Monday
	for _, tt := range []struct {
		ts, at int64
		p      Phase
	}{
		{kstTS(2026, 11, 25, 7, 0), kstTS(2026, 11, 25, 8, 30), PhaseOpeningAuction},
		{kstTS(2026, 11, 25, 8, 30), kstTS(2026, 11, 25, 9, 0), PhaseContinuous}, // strictly after
		{kstTS(2026, 11, 25, 15, 25), kstTS(2026, 11, 25, 15, 30), PhaseClosed},
		{kstTS(2026, 11, 25, 16, 0), kstTS(2026, 11, 26, 8, 30), PhaseOpeningAuction},
		{kstTS(2026, 11, 27, 16, 0), kstTS(2026, 12, 1, 8, 30), PhaseOpeningAuction}, // Friday: past the weekend and the holiday
	} {
		at, p := s.Next(tt.ts)
		if at != tt.at || p != tt.p {
			t.Errorf("Next(%s) = %s %s, want %s %s", time.Unix(0, tt.ts).In(KST), time.Unix(0, at).In(KST), p,
				time.Unix(0, tt.at).In(KST), tt.p)
		}
	}
	if got := Date(kstTS(2026, 11, 25, 23, 59)); got != Date(kstTS(2026, 11, 25, 0, 0)) || got+1 != Date(kstTS(2026, 11, 26, 0, 0)) {
		t.Errorf("Date does not follow KST midnights")
	}
}

func TestLoadSchedule(t *testing.T) {
	good := `{"sessions": [{"start": "08:00", "phase": "opening_auction"}, {"start": "09:00", "phase": "continuous"},
		{"start": "15:20", "phase": "closing_auction"}, {"start": "15:30", "phase": "closed"}], "holidays": ["2026-01-01"]}`
	s, err := LoadSchedule(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Sessions[0].Start != 8*time.Hour || len(s.Holidays) != 1 || s.PhaseAt(kstTS(2026, 11, 25, 8, 15)) != PhaseOpeningAuction {
		t.Errorf("LoadSchedule(%s) = %+v", good, s)
	}
	if def := DefaultSchedule(); def.Validate() != nil {
		t.Errorf("DefaultSchedule: %v", def.Validate())
	}
	if false {
		t.Errorf("DefaultSchedule: %v", err)
	}
	for _, bad := range []string{
		`{"sessions": []}`,
		`{"sessions": [{"start": "9:00am", "phase": "continuous"}, {"start": "15:30", "phase": "closed"}]}`,
		`{"sessions": [{"start": "09:00", "phase": "lunch"}, {"start": "15:30", "phase": "closed"}]}`,
		`{"sessions": [{"start": "15:30", "phase": "closed"}, {"start": "09:00", "phase": "continuous"}]}`,
		`{"sessions": [{"start": "09:00", "phase": "continuous"}]}`,
		`{"sessions": [{"start": "09:00", "phase": "vi_auction"}, {"start": "15:30", "phase": "closed"}]}`,
		`{"sessions": [{"start": "15:30", "phase": "closed"}], "holidays": ["25/12/2026"]}`,
		`{"sessions": [{"start": "15:30", "phase": "closed"}], "extra": 1}`,
	} {
		if _, err := LoadSchedule(strings.NewReader(bad)); !errors.Is(err, ErrSchedule) {
			t.Errorf("LoadSchedule(%s) = %v, want ErrSchedule", bad, err)
		}
	}
}

// TestDueCommands plays a scheduler over two trading days and a weekend,
// minute by minute: it submits what DueCommands returns and checks that the
// engine follows the timetable, rolls over exactly once per trading day and
// ends a VI auction once its drawn end has passed.
func TestDueCommands(t *testing.T) {
	e := newTestEngine(t)
	sch := DefaultSchedule()
	var seq uint64
	var log []string
	moved := 0 // symbols moved one by one since the market's phase was last recorded
	apply := func(c Command, now int64) []Event {
		seq++
		c.Seq, c.TS = seq, now
		switch {
		case c.Kind == CmdSetPhase && c.Text == "schedule":
			moved++
		case c.Kind == CmdMarketPhase:
			log = append(log, time.Unix(0, now).In(KST).Format("Mon 15:04 ")+formatCommand(&c)+fmt.Sprintf(" after %d symbols", moved))
			moved = 0
		default:
			log = append(log, time.Unix(0, now).In(KST).Format("Mon 15:04 ")+formatCommand(&c))
		}
		return e.Apply(&c)
	}
	// The engine starts on Thursday evening, after the close.
	now := kstTS(2026, 11, 26, 20, 0)
	apply(Command{Kind: CmdPlace, Account: "A", Symbol: "005930", Side: Buy, Type: Limit, TIF: Day, Price: 70000, Qty: 1}, now)
	var cmds []Command
	for ; now < kstTS(2026, 11, 30, 9, 10); now += int64(time.Minute) {
		cmds = e.DueCommands(now, &sch, now/1e9, cmds[:0])
		for _, c := range cmds {
			apply(c, now)
		}
		if now == kstTS(2026, 11, 27, 10, 0) { // a VI auction on Friday morning
			apply(Command{Kind: CmdSetPhase, Symbol: "005930", Phase: PhaseVIAuction}, now)
		}
		if got, want := e.symbols["000660"].phase, sch.PhaseAt(now); got != want && (len(cmds) > 0 || now > kstTS(2026, 11, 27, 8, 29)) {
			t.Fatalf("at %s 000660 is %s, the schedule says %s\n%s", time.Unix(0, now).In(KST), got, want, strings.Join(log, "\n"))
		}
	}
	// Each move of the market is one command per symbol (every one of them
	// here: none is halted), then the market's record of it.
	all := len(e.sorted)
	want := []string{
		"Thu 20:00 place acct=A sym=005930 side=buy type=limit tif=day px=70000 qty=1",
		fmt.Sprintf("Thu 20:00 marketphase acct= sym= phase=closed after %d symbols", all), // the engine started continuous: the schedule closes it
		"Fri 08:30 newday acct= sym= amount=1795735800 phase=opening_auction",
		fmt.Sprintf("Fri 09:00 marketphase acct= sym= phase=continuous after %d symbols", all),
		"Fri 10:00 phase acct= sym=005930 phase=vi_auction",
		"Fri 10:03 phase acct= sym=005930 phase=continuous", // 2 min + the draw (0-30 s), at the next minute
		fmt.Sprintf("Fri 15:20 marketphase acct= sym= phase=closing_auction after %d symbols", all),
		fmt.Sprintf("Fri 15:30 marketphase acct= sym= phase=closed after %d symbols", all),
		"Mon 08:30 newday acct= sym= amount=1795995000 phase=opening_auction",
		fmt.Sprintf("Mon 09:00 marketphase acct= sym= phase=continuous after %d symbols", all),
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

func TestStatus(t *testing.T) {
	e := newTestEngine(t)
	e.Apply(&Command{Kind: CmdSetPhase, Seq: 1, TS: 5, Symbol: "005930", Phase: PhaseVIAuction})
	st, ok := e.Status("005930")
	if !ok || st.Phase != PhaseVIAuction || st.Base != 71_000 || st.Lower != 49_700 || st.Upper != 92_300 ||
		st.Last != 71_000 || st.Reference != 71_000 || st.Until < 5+int64(VIAuctionLen) || st.Until > 5+int64(VIAuctionLen+VIRandomEndMax) {
		t.Errorf("Status(005930) = %+v, %v", st, ok)
	}
	if _, ok := e.Status("nope"); ok {
		t.Error("Status of an unknown symbol")
	}
	// A fresh engine is on today's day: the schedule moves it into the
	// opening auction, no rollover.
	sch := DefaultSchedule()
	fresh := newTestEngine(t)
	got := fresh.DueCommands(kstTS(2026, 11, 25, 8, 45), &sch, 1, nil)
	if len(got) != len(fresh.sorted)+1 || got[0].Kind != CmdSetPhase || got[0].Symbol != fresh.sorted[0].inst.Symbol ||
		got[len(got)-1].Kind != CmdMarketPhase || got[len(got)-1].Phase != PhaseOpeningAuction {
		t.Errorf("DueCommands on a fresh engine at 08:45 = %+v, want every symbol into the opening auction", got)
	}
}

// applyAt returns a function that stamps a command with the next seq and
// the time given, and applies it to e.
func applyAt(e *Engine) func(c Command, now int64) []Event {
	var seq uint64
	return func(c Command, now int64) []Event {
		seq++
		c.Seq, c.TS = seq, now
		return e.Apply(&c)
	}
}

// TestDueCommandsDelayedClose: a VI that delays the close is ended by the
// scheduler with the close, once its drawn end has passed, and not before.
func TestDueCommandsDelayedClose(t *testing.T) {
	e := newTestEngine(t)
	e.vi = DefaultVI()
	sch := DefaultSchedule()
	apply := applyAt(e)
	now := kstTS(2026, 11, 25, 15, 20)
	apply(Command{Kind: CmdSetPhase, Phase: PhaseClosingAuction}, now)
	// 72500 is the first tick at or above 71000 + 2% (the last price is the base).
	apply(Command{Kind: CmdPlace, Account: "B", Symbol: "005930", Side: Buy, Type: Limit, TIF: Day, Price: 72_500, Qty: 1}, now)
	apply(Command{Kind: CmdPlace, Account: "S", Symbol: "005930", Side: Sell, Type: Limit, TIF: Day, Price: 72_500, Qty: 1}, now)
	now = kstTS(2026, 11, 25, 15, 30)
	for _, c := range e.DueCommands(now, &sch, 1, nil) {
		apply(c, now)
	}
	st, _ := e.Status("005930")
	if st.Phase != PhaseVIAuction {
		t.Fatalf("005930 is %s after the close, want a VI auction delaying it", st.Phase)
	}
	if due := e.DueCommands(st.Until-1, &sch, 1, nil); len(due) != 0 {
		t.Errorf("before the VI's end: due %+v, want nothing", due)
	}
	due := e.DueCommands(st.Until, &sch, 1, nil)
	if len(due) != 1 || due[0].Symbol != "005930" || due[0].Phase != PhaseClosed {
		t.Fatalf("at the VI's end: due %+v, want 005930's close", due)
	}
	evs := apply(due[0], st.Until)
	if last := evs[len(evs)-1]; last.Kind != EvMarketStatus || last.Phase != PhaseClosed || last.Price != 72_500 {
		t.Errorf("the delayed close ends with %s, want 005930 closed at 72500", formatEvent(&last))
	}
}

// TestScheduledMovePerSymbol: the commands DueCommands gives for the open
// (one CmdSetPhase per symbol, then CmdMarketPhase) make the same trades,
// reports and phases as one market-wide CmdSetPhase: a symbol whose open a
// VI delays stays in its VI auction, a halted symbol stays halted, and
// nothing is due once they are applied but the VI's end.
func TestScheduledMovePerSymbol(t *testing.T) {
	setup := func() (*Engine, *uint64) {
		e := newTestEngine(t)
		e.vi = DefaultVI()
		seq := new(uint64)
		at := kstTS(2026, 11, 25, 8, 40)
		do := func(c Command) {
			*seq++
			c.Seq, c.TS = *seq, at
			e.Apply(&c)
		}
		do(Command{Kind: CmdSetPhase, Phase: PhaseOpeningAuction})
		for i, sym := range []string{"005930", "000660", "035720", "051910"} {
			st, _ := e.Status(sym)
			px := st.Base
			if sym == "035720" {
				px = st.Upper // beyond the static VI band: its open is delayed
			}
			for j := range 3 {
				do(Command{Kind: CmdPlace, Account: fmt.Sprint("B", i, j), Symbol: sym, Side: Buy, Type: Limit, TIF: Day, Price: px, Qty: Qty(10 + j)})
				do(Command{Kind: CmdPlace, Account: fmt.Sprint("S", i, j), Symbol: sym, Side: Sell, Type: Limit, TIF: Day, Price: px, Qty: Qty(12 - j)})
			}
		}
		do(Command{Kind: CmdSetPhase, Symbol: "051910", Phase: PhaseHalted})
		return e, seq
	}
	open := kstTS(2026, 11, 25, 9, 0)
	apply := func(e *Engine, seq *uint64, cmds ...Command) []Event {
		var out []Event
		for _, c := range cmds {
			*seq++
			c.Seq, c.TS = *seq, open
			for _, ev := range e.Apply(&c) {
				ev.Seq, ev.TS, ev.Cmd = 0, 0, 0
				if x := ev.Extras(); x.Until != 0 {
					x.Until = 1 // drawn from the command's seq
					ev.Extra = newExtra(x)
				}
				out = append(out, ev)
			}
		}
		return out
	}
	whole, wseq := setup()
	want := apply(whole, wseq, Command{Kind: CmdSetPhase, Phase: PhaseContinuous})
	split, sseq := setup()
	sch := DefaultSchedule()
	due := split.DueCommands(open, &sch, 1, nil)
	got := apply(split, sseq, due...)

	// Symbol by symbol, the same events in the same order. (Across symbols
	// the order differs: an auction's indicative price is published after
	// each command, so a delayed symbol's comes after its own command rather
	// than after every symbol's.)
	bySymbol := func(evs []Event) map[string][]Event {
		m := map[string][]Event{}
		for _, ev := range evs {
			m[ev.Symbol] = append(m[ev.Symbol], ev)
		}
		return m
	}
	gotBy, wantBy := bySymbol(got), bySymbol(want)
	if len(got) != len(want) || len(gotBy) != len(wantBy) {
		t.Fatalf("per symbol: %d events in %d symbols, market-wide: %d in %d", len(got), len(gotBy), len(want), len(wantBy))
	}
	trades := 0
	for sym, w := range wantBy {
		g := gotBy[sym]
		if len(g) != len(w) {
			t.Fatalf("%s: %d events per symbol, %d market-wide", sym, len(g), len(w))
		}
		for i := range w {
			if !g[i].Equal(&w[i]) {
				t.Fatalf("%s event %d: per symbol %s, market-wide %s", sym, i, formatEvent(&g[i]), formatEvent(&w[i]))
			}
			if w[i].Kind == EvTrade {
				trades++
			}
		}
	}
	if trades == 0 {
		t.Fatal("the open traded nothing: the test proves little")
	}
	for _, sym := range []string{"005930", "000660", "035720", "051910", "377300"} {
		a, _ := whole.Status(sym)
		b, _ := split.Status(sym)
		a.Until, b.Until = 0, 0
		if a != b {
			t.Errorf("%s: per symbol %+v, market-wide %+v", sym, b, a)
		}
	}
	if st, _ := split.Status("035720"); st.Phase != PhaseVIAuction {
		t.Errorf("035720 is %s after the open, want the VI auction delaying it", st.Phase)
	}
	if st, _ := split.Status("051910"); st.Phase != PhaseHalted {
		t.Errorf("051910 is %s after the open, want still halted", st.Phase)
	}
	if again := split.DueCommands(open, &sch, 1, nil); len(again) != 0 {
		t.Errorf("after the open, due %+v; want nothing until the VI ends", again)
	}
}

// TestDueCommandsClosesBeforeRollover: an engine that missed the close (the
// server was down over it) is closed symbol by symbol, each symbol's
// expiries a record of its own, and rolled over when asked again.
func TestDueCommandsClosesBeforeRollover(t *testing.T) {
	e := newTestEngine(t)
	sch := DefaultSchedule()
	apply := applyAt(e)
	wed := kstTS(2026, 11, 25, 14, 0) // continuous trading, then nothing until Thursday
	apply(Command{Kind: CmdPlace, Account: "A", Symbol: "005930", Side: Buy, Type: Limit, TIF: Day, Price: 70000, Qty: 1}, wed)
	thu := kstTS(2026, 11, 26, 8, 30)
	due := e.DueCommands(thu, &sch, 1, nil)
	if len(due) != len(e.sorted) || due[0].Kind != CmdSetPhase || due[0].Phase != PhaseClosed || due[0].Symbol != e.sorted[0].inst.Symbol {
		t.Fatalf("due after a missed close: %+v; want every symbol closed first", due)
	}
	expired := 0
	for _, c := range due {
		for _, ev := range apply(c, thu) {
			if ev.Kind == EvExec && ev.ExecType == ExecExpired {
				expired++
				if c.Symbol != "005930" {
					t.Errorf("%s's close expired an order of %s", c.Symbol, ev.Symbol)
				}
			}
		}
	}
	if expired != 1 {
		t.Errorf("the closes expired %d orders, want the day order", expired)
	}
	due = e.DueCommands(thu, &sch, 1, nil)
	if len(due) != 1 || due[0].Kind != CmdNewDay || due[0].Phase != PhaseOpeningAuction {
		t.Fatalf("due once closed: %+v; want the rollover into the opening auction", due)
	}
}

// TestMarketPhaseCommand: CmdMarketPhase records the phase and moves no
// symbol; an unknown phase is refused with INVALID_PHASE and changes
// nothing.
func TestMarketPhaseCommand(t *testing.T) {
	e := newTestEngine(t)
	apply := applyAt(e)
	now := kstTS(2026, 11, 25, 9, 0)
	if evs := apply(Command{Kind: CmdMarketPhase, Phase: PhaseClosingAuction}, now); len(evs) != 0 || e.marketPhase != PhaseClosingAuction {
		t.Errorf("CmdMarketPhase: %d events, market phase %s; want none, closing_auction", len(evs), e.marketPhase)
	}
	if st, _ := e.Status("005930"); st.Phase != PhaseContinuous {
		t.Errorf("005930 is %s, want continuous: CmdMarketPhase moves no symbol", st.Phase)
	}
	evs := apply(Command{Kind: CmdMarketPhase, Phase: 99}, now)
	if len(evs) != 1 || evs[0].Kind != EvMarketStatus || evs[0].Reason != RejInvalidPhase || e.marketPhase != PhaseClosingAuction {
		t.Errorf("an unknown phase: %+v, market phase %s; want one INVALID_PHASE status, nothing changed", evs, e.marketPhase)
	}
}
