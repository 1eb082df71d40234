package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mts-krx/mts/matching"
)

// The session scheduler keeps the engine on the trading day's timetable.
// It owns no state: every tick it asks the engine (a read on the loop's
// goroutine, Engine.DueCommands) which phase commands are due at the
// loop's clock, and submits them one at a time, each after the previous
// one's durable answer. The commands are journaled like orders, so a
// replay reproduces every phase change exactly, and a scheduler that
// restarts (or ticks twice) cannot submit anything twice: the engine's
// state already shows what was done.
type scheduler struct {
	loop  *matching.Loop
	sch   matching.Schedule
	clock func() int64
	tick  time.Duration
	log   *slog.Logger
}

// run ticks until ctx ends.
func (s *scheduler) run(ctx context.Context) {
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		if err := s.step(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("session scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// step submits whatever is due now: all of it at once, so that the loop
// journals the move of every symbol (one command each, see
// Engine.DueCommands) in one group commit rather than a sync per symbol,
// and then waits for every answer. The loop applies them in order.
func (s *scheduler) step(ctx context.Context) error {
	now := s.clock()
	due, err := s.due(ctx, now)
	if err != nil {
		return err
	}
	answers := make([]chan error, 0, len(due))
	var refused error // the loop's queue is full: the rest is due again next tick
	for _, c := range due {
		done, err := submitPhase(s.loop, c)
		if err != nil {
			refused = fmt.Errorf("%s %s %s: %w", c.Kind, c.Symbol, c.Phase, err)
			break
		}
		answers = append(answers, done)
	}
	at := time.Unix(0, now).In(matching.KST).Format("2006-01-02 15:04:05 KST")
	for i, c := range due[:len(answers)] {
		select {
		case err = <-answers[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("%s %s %s: %w", c.Kind, c.Symbol, c.Phase, err)
		}
		level := slog.LevelInfo
		if c.Kind == matching.CmdSetPhase && c.Text == "schedule" {
			level = slog.LevelDebug // one per symbol; the market's move is logged once
		}
		s.log.Log(ctx, level, "session", "command", c.Kind.String(), "symbol", c.Symbol, "phase", c.Phase.String(), "at", at)
	}
	return refused
}

// due reads the commands due at now on the loop's goroutine.
func (s *scheduler) due(ctx context.Context, now int64) ([]matching.Command, error) {
	var cmds []matching.Command
	done := make(chan error, 1)
	req := &matching.Request{
		Read:  func(e *matching.Engine) { cmds = e.DueCommands(now, &s.sch, time.Now().UnixNano(), nil) },
		Reply: func(r *matching.Result) { done <- r.Err },
	}
	if err := s.loop.Submit(req); err != nil {
		return nil, err
	}
	select {
	case err := <-done:
		return cmds, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// submitPhase submits one scheduler command; its answer (nil once it is
// durable) comes on the channel.
func submitPhase(loop *matching.Loop, cmd matching.Command) (chan error, error) {
	done := make(chan error, 1)
	req := &matching.Request{Cmd: cmd, Reply: func(r *matching.Result) {
		if r.Err != nil {
			done <- r.Err
			return
		}
		for _, ev := range r.Events {
			if ev.Kind == matching.EvMarketStatus && ev.Reason != matching.ReasonNone {
				done <- errors.New(ev.Reason.Code())
				return
			}
		}
		done <- nil
	}}
	if err := loop.Submit(req); err != nil {
		return nil, err
	}
	return done, nil
}

// loadSessions reads --sessions: "" or "off" (no scheduler: every symbol
// trades continuously, around the clock), "krx" (KRX's regular day), or a
// schedule file (matching.LoadSchedule's format).
func loadSessions(v string) (*matching.Schedule, error) {
	switch v {
	case "", "off":
		return nil, nil
	case "krx":
		s := matching.DefaultSchedule()
		return &s, nil
	}
	f, err := os.Open(v)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := matching.LoadSchedule(f)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// parseClock reads --clock HH:MM[@SPEED]: the server's clock starts at
// that KST time today and runs SPEED times as fast as the wall clock
// (default 1), so a demo can start at 08:55 and watch the opening auction
// uncross five minutes later — or thirty seconds later at 10×. "" is the
// wall clock.
func parseClock(v string, wall func() time.Time) (func() int64, error) {
	if v == "" {
		return nil, nil
	}
	at, speedS, hasSpeed := strings.Cut(v, "@")
	speed := 1.0
	if hasSpeed {
		var err error
		if speed, err = strconv.ParseFloat(strings.TrimSuffix(speedS, "x"), 64); err != nil || speed <= 0 || speed > 10_000 {
			return nil, fmt.Errorf("--clock %q: speed must be a number in (0, 10000]", v)
		}
	}
	hm, err := time.Parse("15:04", at)
	if err != nil {
		return nil, fmt.Errorf("--clock %q: want HH:MM[@SPEED], e.g. 08:55@10", v)
	}
	w0 := wall()
	today := w0.In(matching.KST)
	start := time.Date(today.Year(), today.Month(), today.Day(), hm.Hour(), hm.Minute(), 0, 0, matching.KST)
	return func() int64 {
		elapsed := wall().Sub(w0)
		return start.UnixNano() + int64(float64(elapsed)*speed)
	}, nil
}
