package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/loadtest"
)

const loadtestUsage = `usage: mts loadtest [orders|fanout] [flags]

Drives a running server over WebSocket and prints a report; it stops by
itself after --warmup + --duration. The accounts must exist and be funded:
start the server with --open-accounts PREFIX:COUNT (the same value as
--accounts here), and --risk-rate -1 if one account sends more than 50
orders a second. Tokens are signed with the server's secret.

  orders  open-loop order entry (place and cancel around the base price):
          order → reply latency from the scheduled send time (no
          coordinated omission), p50/p90/p99/p99.9/max, throughput, counts
          by outcome
  fanout  --subscribers connections subscribe to one symbol's book, trades
          and ticker while --rate orders/s keep it busy: messages/s
          received in total, gaps, resyncs

e.g.
  mts serve --open-accounts lt:100 --risk-rate -1 &
  mts loadtest orders --accounts lt:100 --connections 100 --rate 50000 --duration 20s

flags:
`

type loadtestFlags struct {
	url, secretFile, accounts, instruments, profile, symbol string
	cpuProfile                                              string
	connections, subscribers                                int
	rate, cancelRatio                                       float64
	duration, warmup                                        time.Duration
	json                                                    bool
}

// runLoadtest is `mts loadtest`.
func (m *Main) runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	mode := "orders"
	if len(args) > 0 && (args[0] == "orders" || args[0] == "fanout") {
		mode, args = args[0], args[1:]
	}
	f, code, ok := parseLoadtestFlags(args, stderr)
	if !ok {
		return code
	}
	cfg, err := m.loadtestConfig(f)
	if err != nil {
		fmt.Fprintf(stderr, "mts loadtest: %v\n", err)
		return exitUsage
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "mts loadtest: %v\n", err)
			return exitUsage
		}
		defer stop()
	}
	var rep interface {
		WriteText(io.Writer) error
		JSON() ([]byte, error)
	}
	if mode == "orders" {
		rep, err = loadtest.Run(ctx, cfg)
	} else {
		rep, err = runFanout(ctx, f, cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mts loadtest: %v\n", err)
		return exitFail
	}
	if f.json {
		b, _ := rep.JSON()
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		rep.WriteText(stdout)
	}
	return exitOK
}

func runFanout(ctx context.Context, f loadtestFlags, driver loadtest.Config) (*loadtest.FanoutReport, error) {
	driver.Warmup = 0
	return loadtest.RunFanout(ctx, loadtest.FanoutConfig{
		URL: driver.URL, Symbol: f.symbol, Subscribers: f.subscribers, Duration: f.duration, Driver: &driver,
	})
}

func parseLoadtestFlags(args []string, stderr io.Writer) (f loadtestFlags, code int, ok bool) {
	fs := newFlagSet("loadtest", loadtestUsage, stderr)
	fs.StringVar(&f.url, "url", "ws://127.0.0.1:8080/ws", "the gateway's WebSocket `URL`")
	fs.StringVar(&f.secretFile, "secret-file", "", "token signing secret `FILE` (default: $MTS_TOKEN_SECRET)")
	fs.StringVar(&f.accounts, "accounts", "lt:100", "trading accounts `PREFIX:COUNT`, opened by the server's --open-accounts")
	fs.StringVar(&f.instruments, "instruments", "", "instrument `FILE` (default: the built-in KRX sample)")
	fs.StringVar(&f.profile, "profile", "steady", "rate `PROFILE`: steady, open (10× burst at the start) or news (10× burst mid-run)")
	fs.StringVar(&f.symbol, "symbol", "005930", "fanout: the `SYMBOL` subscribers watch (orders are sent on it only)")
	fs.IntVar(&f.connections, "connections", 0, "order-entry WebSocket connections `N` (default: one per account)")
	fs.IntVar(&f.subscribers, "subscribers", 1000, "fanout: subscriber connections `N`")
	fs.Float64Var(&f.rate, "rate", 1000, "orders per second `N`, all connections together (the base rate of a profile)")
	fs.Float64Var(&f.cancelRatio, "cancel-ratio", 0.2, "share of requests that cancel a resting order instead of placing")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "measured window `DURATION`")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "unmeasured warm-up `DURATION` before the window")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write the load generator's CPU profile to `FILE` (is the generator the bottleneck?)")
	if code, ok := parseFlags(fs, args); !ok {
		return f, code, false
	}
	if fs.NArg() > 0 {
		return f, usageError(stderr, "loadtest", "unexpected argument %q", fs.Arg(0)), false
	}
	return f, exitOK, true
}

func (m *Main) loadtestConfig(f loadtestFlags) (loadtest.Config, error) {
	secret, err := m.tokenSecret(f.secretFile, io.Discard)
	if err != nil {
		return loadtest.Config{}, err
	}
	accounts, err := parseOpenAccounts(f.accounts)
	if err != nil {
		return loadtest.Config{}, fmt.Errorf("--accounts: %w", err)
	}
	ins, err := loadInstrumentFile(f.instruments)
	if err != nil {
		return loadtest.Config{}, fmt.Errorf("--instruments: %w", err)
	}
	lins := loadtestInstruments(ins)
	if f.symbol != "" {
		for _, in := range lins {
			if in.Symbol == f.symbol {
				lins = []loadtest.Instrument{in}
				break
			}
		}
	}
	return loadtest.Config{
		URL: f.url, Accounts: accounts, Instruments: lins, Connections: f.connections,
		Rate: f.rate, Duration: f.duration, Warmup: f.warmup, Profile: loadtest.Profile(f.profile),
		CancelRatio: f.cancelRatio,
		Token: func(account string) (string, error) {
			return api.IssueToken(secret, account, api.RoleTrader, time.Hour, time.Now())
		},
	}, nil
}

// startCPUProfile profiles this process into path until the returned
// function runs.
func startCPUProfile(path string) (stop func(), err error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}, nil
}
