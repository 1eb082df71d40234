package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mts-krx/mts/matching"
)

// Funding of the accounts `serve --demo` and `--open-accounts` create:
// enough that demo and load-test orders are never refused for money or
// shares, and small enough that nobody mistakes them for real balances.
const (
	fundCash   = 100_000_000_000 // KRW 1,000억 per account
	fundShares = 10_000_000      // shares of every instrument per account
)

// parseOpenAccounts parses --open-accounts PREFIX:COUNT into the account
// names PREFIX0001 … PREFIXCOUNT.
func parseOpenAccounts(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	prefix, n, ok := strings.Cut(s, ":")
	count, err := strconv.Atoi(n)
	if !ok || err != nil || count < 1 || count > 100_000 || prefix == "" {
		return nil, fmt.Errorf("--open-accounts %q: want PREFIX:COUNT with COUNT 1..100000", s)
	}
	names := make([]string, count)
	for i := range names {
		names[i] = fmt.Sprintf("%s%04d", prefix, i+1)
		if len(names[i]) > matching.MaxAccountLen {
			return nil, fmt.Errorf("--open-accounts: %q is longer than %d bytes", names[i], matching.MaxAccountLen)
		}
	}
	return names, nil
}

// fundingCommands are the back-office commands that open one account and
// fund it with cash and every instrument's shares. Their request ids make
// them idempotent: after a restart they are answered DUPLICATE_REQUEST or
// ACCOUNT_EXISTS and change nothing.
func fundingCommands(account string, ins []matching.Instrument) []matching.Command {
	cmds := []matching.Command{
		{Kind: matching.CmdOpenAccount, Account: account, RequestID: "open", Text: "demo/load-test account"},
		{Kind: matching.CmdDeposit, Account: account, Amount: fundCash, RequestID: "fund-cash", Text: "demo/load-test funding"},
	}
	for _, in := range ins {
		cmds = append(cmds, matching.Command{Kind: matching.CmdCreditShares, Account: account, Symbol: in.Symbol,
			Qty: fundShares, RequestID: "fund-" + in.Symbol, Text: "demo/load-test funding"})
	}
	return cmds
}

// openAccounts submits the funding commands of every account to the loop
// and waits until all are durable. Commands of one account are submitted
// in order (open before deposit) by submitting each after the previous
// one's answer.
func openAccounts(ctx context.Context, loop *matching.Loop, accounts []string, ins []matching.Instrument) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(accounts))
	sem := make(chan struct{}, 64) // accounts in flight: bounds the loop's queue use
	for _, a := range accounts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			for _, c := range fundingCommands(a, ins) {
				if err := submitDurable(ctx, loop, c); err != nil {
					errs <- fmt.Errorf("account %s: %w", a, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // nil when the channel is empty
}

// submitDurable submits one command and waits for its durable answer,
// retrying while the loop is busy. A refusal other than an idempotent
// repeat is an error.
func submitDurable(ctx context.Context, loop *matching.Loop, cmd matching.Command) error {
	done := make(chan error, 1)
	req := &matching.Request{Cmd: cmd, Reply: func(r *matching.Result) {
		if r.Err != nil {
			done <- r.Err
			return
		}
		done <- accountVerdict(r.Events)
	}}
	for {
		err := loop.Submit(req)
		if err == nil {
			break
		}
		if !errors.Is(err, matching.ErrBusy) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// accountVerdict reads a back-office command's answer: applied, or an
// idempotent repeat, is fine.
func accountVerdict(evs []matching.Event) error {
	for i := range evs {
		switch r := evs[i].Reason; {
		case evs[i].Kind != matching.EvAccount:
		case r == matching.ReasonNone, r == matching.DuplicateRequest, r == matching.RejAccountExists:
		default:
			return fmt.Errorf("%s refused: %s", evs[i].Cmd, r.Code())
		}
	}
	return nil
}
