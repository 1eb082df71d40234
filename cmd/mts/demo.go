package main

import (
	"context"
	"net/http"
	"time"

	"fmt"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/loadtest"
	"github.com/mts-krx/mts/matching"
)

// The demo's accounts: market makers and takers run by `serve --demo`, and
// a few funded accounts for people to trade with from a client
// (mts token --account demo01 …).
var (
	demoMakers = []string{"mm01", "mm02", "mm03"}
	demoTakers = []string{"tk01", "tk02"}
	demoHumans = []string{"demo01", "demo02", "demo03", "demo04", "demo05"}
)

func demoAccounts() []string {
	var all []string
	for _, g := range [][]string{demoMakers, demoTakers, demoHumans} {
		all = append(all, g...)
	}
	return all
}

// demoTokenTTL is the demo traders' token lifetime; the client asks for a
// new one at every reconnect.
const demoTokenTTL = time.Hour

// startDemo runs the simulated traders as ordinary WebSocket clients of
// this node's gateway.
func (n *node) startDemo() error {
	ctx, cancel := context.WithCancel(context.Background())
	n.demoStop, n.demoDone = cancel, make(chan struct{})
	cfg := loadtest.DemoConfig{
		URL:         n.URL("ws") + "/ws",
		Header:      http.Header{},
		Makers:      demoMakers,
		Takers:      demoTakers,
		Token:       n.tokenFor(demoTokenTTL),
		Instruments: loadtestInstruments(n.opts.Instruments),
		Logf: func(format string, args ...any) {
			n.log.Debug("demo trader", "msg", fmt.Sprintf(format, args...))
		},
	}
	go func() {
		defer close(n.demoDone)
		if err := loadtest.Demo(ctx, cfg); err != nil {
			n.log.Error("demo traders stopped", "err", err)
		}
	}()
	return nil
}

// tokenFor returns a function signing trader tokens with the node's secret.
func (n *node) tokenFor(ttl time.Duration) func(account string) (string, error) {
	return func(account string) (string, error) {
		return api.IssueToken(n.opts.Secret, account, api.RoleTrader, ttl, time.Now())
	}
}

// loadtestInstruments describes the instruments to the load generator and
// the demo traders: a base price on the grid of the tick a little above
// it, so that prices a few ticks either side stay on a valid tick even
// when the base sits just under a KRX tick-band boundary.
func loadtestInstruments(ins []matching.Instrument) []loadtest.Instrument {
	out := make([]loadtest.Instrument, 0, len(ins))
	for _, in := range ins {
		tick := in.Tick.Tick(in.BasePrice + in.BasePrice/50)
		base := in.BasePrice - in.BasePrice%tick
		out = append(out, loadtest.Instrument{Symbol: in.Symbol, Base: int64(base), Tick: int64(tick)})
	}
	return out
}
