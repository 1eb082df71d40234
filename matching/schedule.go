package matching

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// KST is Korea Standard Time, UTC+9 all year (Korea keeps no daylight
// saving time). A fixed zone, so that nothing here reads the system's time
// zone database.
var KST = time.FixedZone("KST", 9*60*60)

// Session is one phase of the trading day's timetable: Phase starts at
// Start, an offset from midnight KST, and lasts until the next session's
// start (the last one until the end of the day).
type Session struct {
	Start time.Duration
	Phase Phase
}

// Schedule is the regular trading day's timetable (KRX.md, Sessions). It is
// data, not code, because KRX changes it. Before the first session, on
// weekends and on holidays the market is closed. Its methods are pure
// functions of their arguments: the scheduler in cmd/mts feeds them the
// loop's clock.
type Schedule struct {
	Sessions []Session // ascending, distinct starts, within one day
	Holidays []string  // "2006-01-02" dates (KST) on which nothing opens
}

// DefaultSchedule is KRX's regular day: 08:30 opening auction, 09:00
// continuous trading, 15:20 closing auction, 15:30 closed.
func DefaultSchedule() Schedule {
	return Schedule{Sessions: []Session{
		{8*time.Hour + 30*time.Minute, PhaseOpeningAuction},
		{9 * time.Hour, PhaseContinuous},
		{15*time.Hour + 20*time.Minute, PhaseClosingAuction},
		{15*time.Hour + 30*time.Minute, PhaseClosed},
	}}
}

// ErrSchedule is wrapped by every error LoadSchedule and Validate return.
var ErrSchedule = errors.New("matching: bad session schedule")

// scheduleJSON is the schedule file's shape:
//
//	{"sessions": [{"start": "08:30", "phase": "opening_auction"},
//	              {"start": "09:00", "phase": "continuous"},
//	              {"start": "15:20", "phase": "closing_auction"},
//	              {"start": "15:30", "phase": "closed"}],
//	 "holidays": ["2026-12-25"]}
type scheduleJSON struct {
	Sessions []struct {
		Start string `json:"start"` // "15:04" KST
		Phase string `json:"phase"` // a Phase's wire name
	} `json:"sessions"`
	Holidays []string `json:"holidays,omitempty"`
}

// LoadSchedule reads a schedule file (see scheduleJSON). Unknown fields,
// bad times or phases, sessions out of order and bad holiday dates are
// errors.
func LoadSchedule(r io.Reader) (Schedule, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var raw scheduleJSON
	if err := dec.Decode(&raw); err != nil {
		return Schedule{}, fmt.Errorf("%w: %v", ErrSchedule, err)
	}
	var s Schedule
	for i, j := range raw.Sessions {
		t, err := time.Parse("15:04", j.Start)
		p, ok := ParsePhase(j.Phase)
		if err != nil || !ok {
			return Schedule{}, fmt.Errorf("%w: session %d: start %q (want HH:MM) or phase %q not valid", ErrSchedule, i, j.Start, j.Phase)
		}
		s.Sessions = append(s.Sessions, Session{Start: time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, Phase: p})
	}
	s.Holidays = raw.Holidays
	return s, s.Validate()
}

// Validate checks that the sessions are ascending within one day, that the
// day ends closed, and that the holidays are dates.
func (s *Schedule) Validate() error {
	if len(s.Sessions) == 0 {
		return fmt.Errorf("%w: no sessions", ErrSchedule)
	}
	for i, ss := range s.Sessions {
		switch {
		case ss.Start < 0 || ss.Start >= 24*time.Hour:
			return fmt.Errorf("%w: session %d starts outside the day", ErrSchedule, i)
		case i > 0 && ss.Start <= s.Sessions[i-1].Start:
			return fmt.Errorf("%w: session %d does not start after session %d", ErrSchedule, i, i-1)
		case !ss.Phase.Valid() || ss.Phase == PhaseVIAuction || ss.Phase == PhaseHalted:
			return fmt.Errorf("%w: session %d: phase %s is not a scheduled one", ErrSchedule, i, ss.Phase)
		}
	}
	if s.Sessions[len(s.Sessions)-1].Phase != PhaseClosed {
		return fmt.Errorf("%w: the last session must be closed", ErrSchedule)
	}
	for _, h := range s.Holidays {
		if _, err := time.ParseInLocation(time.DateOnly, h, KST); err != nil {
			return fmt.Errorf("%w: holiday %q is not a date", ErrSchedule, h)
		}
	}
	return nil
}

// Date returns the KST calendar day of ts (Unix ns) as days since
// 1970-01-01: two timestamps of one trading day give the same number.
func Date(ts int64) int64 {
	const day = int64(24 * time.Hour)
	t := ts + int64(9*time.Hour)
	d := t / day
	if t%day < 0 {
		d--
	}
	return d
}

// TradingDay reports whether ts falls on a trading day: a weekday (KST) that
// is not a holiday.
func (s *Schedule) TradingDay(ts int64) bool {
	t := time.Unix(0, ts).In(KST)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !slices.Contains(s.Holidays, t.Format(time.DateOnly))
}

// offset returns ts's time since midnight KST.
func offset(ts int64) time.Duration {
	const day = int64(24 * time.Hour)
	return time.Duration(((ts+int64(9*time.Hour))%day + day) % day)
}

// PhaseAt returns the market-wide phase the schedule gives for ts: the
// phase of the last session started by then on a trading day, closed before
// the first session and on other days.
func (s *Schedule) PhaseAt(ts int64) Phase {
	if !s.TradingDay(ts) {
		return PhaseClosed
	}
	p, off := PhaseClosed, offset(ts)
	for _, ss := range s.Sessions {
		if ss.Start > off {
			break
		}
		p = ss.Phase
	}
	return p
}

// Opened reports whether ts is on a trading day at or after its first
// session's start: the moment the day rolls over.
func (s *Schedule) Opened(ts int64) bool {
	return s.TradingDay(ts) && offset(ts) >= s.Sessions[0].Start
}

// Next returns the first session start strictly after ts, and the phase it
// starts; it skips weekends and holidays. With no trading day within a year
// it returns (0, 0).
func (s *Schedule) Next(ts int64) (at int64, p Phase) {
	midnight := ts - int64(offset(ts))
	for range 366 {
		if s.TradingDay(midnight + int64(12*time.Hour)) {
			for _, ss := range s.Sessions {
				if t := midnight + int64(ss.Start); t > ts {
					return t, ss.Phase
				}
			}
		}
		midnight += int64(24 * time.Hour)
	}
	return 0, 0
}

// DueCommands appends to dst the commands a session scheduler should
// submit at now (the loop's clock, Unix ns) to keep the engine on sch, and
// returns the extended slice. In order:
//
//  1. the day rollover, CmdNewDay{Phase: sch.PhaseAt(now), Amount: seed},
//     once a trading day's first session has begun (Opened) while the
//     engine's day (its last rollover, or its first command) is an earlier
//     date (an engine that has applied nothing, or recovered from a
//     snapshot too old to record its day, is taken to be on today's). If
//     some symbol is not closed yet (the server was down over the close),
//     first a CmdSetPhase{Symbol, PhaseClosed} for each such symbol, in
//     symbol order, and the rollover when asked again: CmdNewDay would
//     close them itself, but in one record for all; or else
//  2. when sch.PhaseAt(now) differs from the market's recorded phase, a
//     CmdSetPhase{Symbol, Phase} for every symbol that moves with the
//     market (not halted unless the phase is the close, not there already,
//     not in the VI auction that interrupted its move there), in symbol
//     order, and then CmdMarketPhase{Phase} to record the move; or else
//  3. for every symbol in a VI auction whose scheduled end has passed, in
//     symbol order, CmdSetPhase{Symbol, Phase: the phase it interrupted},
//     which uncrosses it.
//
// One command per symbol rather than one market-wide CmdSetPhase (which
// does the same, see movesWithMarket) keeps each symbol's uncross at the
// open and its expiries at the close in a journal record of its own: a
// brokerage's whole opening auction in one command would make one record
// of every symbol's trades, hundreds of megabytes at KRX scale, which the
// journal (MaxPayloadBytes), NATS and every reader would have to take
// whole. A scheduler stopped part way (a crash) resumes where it was: the
// symbols already moved are no longer due.
//
// seed is the next day's VI seed, carried (so journaled) by the rollover.
// DueCommands only reads: run it on the loop's goroutine (Request.Read),
// submit what it returns in order, and wait for each reply before asking
// again, so that nothing is submitted twice.
func (e *Engine) DueCommands(now int64, sch *Schedule, seed int64, dst []Command) []Command {
	want := sch.PhaseAt(now)
	if sch.Opened(now) && e.dayStart != 0 && Date(e.dayStart) < Date(now) {
		n := len(dst)
		for _, s := range e.sorted {
			if s.phase != PhaseClosed {
				dst = append(dst, Command{Kind: CmdSetPhase, Symbol: s.inst.Symbol, Phase: PhaseClosed, Text: "schedule"})
			}
		}
		if len(dst) > n {
			return dst // the rollover once they are closed (a close a VI delays is closed again)
		}
		return append(dst, Command{Kind: CmdNewDay, Phase: want, Amount: seed, Text: "schedule"})
	}
	if want != e.marketPhase {
		for _, s := range e.sorted {
			if movesWithMarket(s, want) {
				dst = append(dst, Command{Kind: CmdSetPhase, Symbol: s.inst.Symbol, Phase: want, Text: "schedule"})
			}
		}
		return append(dst, Command{Kind: CmdMarketPhase, Phase: want, Text: "schedule"})
	}
	for _, s := range e.sorted {
		if s.phase == PhaseVIAuction && s.viEnd <= now {
			dst = append(dst, Command{Kind: CmdSetPhase, Symbol: s.inst.Symbol, Phase: s.resume, Text: "vi_end"})
		}
	}
	return dst
}
