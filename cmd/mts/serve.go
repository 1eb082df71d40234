package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mts-krx/mts/risk"
)

const serveUsage = `usage: mts serve [flags]     everything in one process
       mts engine [flags]    the engine half: journal, matching, market data, NATS intake
       mts gateway [flags]   the gateway half: WebSocket clients, against a shared NATS

serve starts an embedded NATS server (TCP on --nats-listen so other
processes can join), the engine with its Badger journal under --data, the
market-data publisher and the WebSocket gateway at ws://LISTEN/ws, with
/healthz, /readyz, /metrics and the back office's /v1/journal on the same
listener. --demo also opens and funds demo accounts and runs simulated
traders so the book, trades and candles are alive.

SIGINT or SIGTERM shuts down in order: stop intake (close client
connections, stop taking commands), drain the engine loop (every accepted
command journaled, synced and answered), close the journal, flush market
data, close NATS. A journal failure stops the engine and the process exits
with status 1: it never acknowledges what it cannot keep.

flags:
`

// serveFlags are the flags of serve, engine and gateway; each command
// uses the subset that applies to its parts.
type serveFlags struct {
	demo                  bool
	dataDir, instruments  string
	listen                string
	natsURL, natsListen   string
	partition             int
	secretFile            string
	tlsCert, tlsKey       string
	origins               string
	async, acceptConfig   bool
	snapInterval          time.Duration
	snapEvery             int
	openAccounts          string
	riskMode              string
	riskRate              int
	connRate, accountRate float64
	logLevel              string
	pprof                 bool
	sessions, clock       string
}

// runServe is `mts serve`, `mts engine` and `mts gateway`.
func (m *Main) runServe(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) int {
	f, code, ok := parseServeFlags(cmd, args, stderr)
	if !ok {
		return code
	}
	log := newLogger(stderr, f.logLevel)
	opts, err := m.nodeOptions(cmd, f, log)
	if err != nil {
		fmt.Fprintf(stderr, "mts %s: %v\n", cmd, err)
		return exitUsage
	}
	n, err := startNode(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "mts %s: %v\n", cmd, err)
		return exitFail
	}
	if n.URL("") != "" && opts.Gateway {
		fmt.Fprintf(stdout, "mts %s: WebSocket %s/ws · health %s/readyz · metrics %s/metrics\n", cmd, n.URL("ws"), n.URL(""), n.URL(""))
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down", "signal", context.Cause(ctx))
	case <-n.Failed():
		log.Error("engine stopped on its own; exiting", "err", n.eng.loop.Err())
	}
	if err := n.Close(); err != nil {
		fmt.Fprintf(stderr, "mts %s: %v\n", cmd, err)
		return exitFail
	}
	log.Info("stopped cleanly")
	return exitOK
}

func parseServeFlags(cmd string, args []string, stderr io.Writer) (f serveFlags, code int, ok bool) {
	fs := newFlagSet(cmd, serveUsage, stderr)
	engine, gateway := cmd != "gateway", cmd != "engine"
	fs.StringVar(&f.instruments, "instruments", "", "instrument reference data `FILE` (default: the built-in KRX sample)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "HTTP `ADDR` for the gateway (/ws), /healthz, /readyz, /metrics, /v1/journal; \"\" = none")
	fs.StringVar(&f.natsURL, "nats", "", "use the NATS server at `URL` (e.g. nats://10.0.0.5:4222) instead of an embedded one")
	fs.StringVar(&f.natsListen, "nats-listen", "127.0.0.1:4222", "TCP `ADDR` of the embedded NATS server, for other processes to join; \"\" = in-process only")
	fs.IntVar(&f.partition, "partition", 0, "engine partition `N`: commands travel on mts.cmd.N")
	fs.StringVar(&f.secretFile, "secret-file", "", "token signing secret `FILE` (default: $MTS_TOKEN_SECRET; with --demo, DATA/token.secret is created if neither is set)")
	fs.BoolVar(&f.pprof, "pprof", false, "serve Go's profiler at /debug/pprof/ on the HTTP listener (keep it off the public network)")
	fs.StringVar(&f.logLevel, "log", "info", "log `LEVEL`: debug, info, warn, error")
	if engine {
		fs.StringVar(&f.dataDir, "data", "./data", "journal `DIR` (Badger)")
		fs.BoolVar(&f.async, "async", false, "journal without fsync per batch: survives a process crash, NOT a power cut")
		fs.BoolVar(&f.acceptConfig, "accept-config-change", false, "start even though the journal in --data was written with other instruments or risk settings (replaying it under the new ones may change history: check with mts journal verify)")
		fs.DurationVar(&f.snapInterval, "snapshot-interval", time.Minute, "take an engine snapshot (and save the market-data state) this often (`DURATION`, 0 = never by time)")
		fs.IntVar(&f.snapEvery, "snapshot-every", 1_000_000, "take an engine snapshot (and save the market-data state) every `N` records (0 = never by count)")
		fs.StringVar(&f.openAccounts, "open-accounts", "", "open and fund accounts `PREFIX:COUNT` (PREFIX0001…) at start, for load tests")
		fs.StringVar(&f.riskMode, "risk", "on", "pre-trade risk and accounts: on or off (off: any valid order is accepted, no accounts)")
		fs.StringVar(&f.sessions, "sessions", "off", "trading sessions: off (continuous around the clock), krx (08:30 opening auction, 09:00 continuous, 15:20 closing auction, 15:30 closed, KST, weekdays) or a schedule `FILE`")
		fs.StringVar(&f.clock, "clock", "", "run the server's clock from `HH:MM[@SPEED]` KST today at SPEED× (e.g. 08:55@10 to watch the opening auction); default: the wall clock")
		fs.IntVar(&f.riskRate, "risk-rate", 0, "accepted orders per account per second before ORDER_RATE_EXCEEDED (`N`; 0 = default 50, -1 = no limit)")
	}
	if gateway {
		fs.StringVar(&f.tlsCert, "tls-cert", "", "serve wss:// and https:// with this certificate `FILE` (PEM)")
		fs.StringVar(&f.tlsKey, "tls-key", "", "the certificate's private key `FILE` (PEM)")
		fs.Float64Var(&f.connRate, "conn-rate", 0, "requests per second `N` per WebSocket connection before RATE_LIMITED (0 = default 50; burst 2×)")
		fs.Float64Var(&f.accountRate, "account-rate", 0, "requests per second `N` per account over its connections (0 = default 100; burst 2×)")
		fs.StringVar(&f.origins, "origins", "", "comma-separated browser `ORIGINS` allowed to connect (default: same host only)")
	}
	if cmd == "serve" {
		fs.BoolVar(&f.demo, "demo", false, "open and fund demo accounts and run simulated traders")
	}
	if code, ok := parseFlags(fs, args); !ok {
		return f, code, false
	}
	if fs.NArg() > 0 {
		return f, usageError(stderr, cmd, "unexpected argument %q", fs.Arg(0)), false
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return f, usageError(stderr, cmd, "--tls-cert and --tls-key go together"), false
	}
	if f.riskMode != "on" && f.riskMode != "off" && engine {
		return f, usageError(stderr, cmd, "--risk %q: want on or off", f.riskMode), false
	}
	return f, exitOK, true
}

// nodeOptions turns flags into what startNode needs: files read, the
// secret resolved, accounts named.
func (m *Main) nodeOptions(cmd string, f serveFlags, log *slog.Logger) (nodeOptions, error) {
	opts := nodeOptions{
		Engine: cmd != "gateway", Gateway: cmd != "engine", Demo: f.demo,
		DataDir: f.dataDir, Async: f.async, AcceptConfigChange: f.acceptConfig, Snapshots: f.snapInterval, SnapEvery: f.snapEvery,
		NATSURL: f.natsURL, NATSListen: f.natsListen, Partition: f.partition,
		HTTPAddr: f.listen, TLSCert: f.tlsCert, TLSKey: f.tlsKey, Logger: log,
		ConnRate: f.connRate, AccountRate: f.accountRate, Pprof: f.pprof,
	}
	if cmd == "gateway" && f.natsURL == "" {
		opts.NATSURL = "nats://127.0.0.1:4222" // the engine's embedded server, by default
	}
	if f.origins != "" {
		opts.Origins = strings.Split(f.origins, ",")
	}
	var err error
	if opts.Instruments, err = loadInstrumentFile(f.instruments); err != nil {
		return opts, fmt.Errorf("--instruments: %w", err)
	}
	if opts.Engine && f.riskMode == "on" {
		rc := risk.DefaultConfig()
		if f.riskRate != 0 {
			rc.RateMaxOrders = f.riskRate
		}
		opts.Risk = &rc
	}
	if opts.Sessions, err = loadSessions(f.sessions); err != nil {
		return opts, fmt.Errorf("--sessions: %w", err)
	}
	if opts.Clock, err = parseClock(f.clock, time.Now); err != nil {
		return opts, err
	}
	if opts.Accounts, err = parseOpenAccounts(f.openAccounts); err != nil {
		return opts, err
	}
	if f.demo {
		opts.Accounts = append(opts.Accounts, demoAccounts()...)
	}
	if len(opts.Accounts) > 0 && opts.Risk == nil {
		return opts, errors.New("--demo and --open-accounts need --risk on (accounts live in the risk checker)")
	}
	opts.Secret, err = m.serveSecret(f, log)
	return opts, err
}

// serveSecret finds the token secret: --secret-file, $MTS_TOKEN_SECRET, or
// for --demo a generated DATA/token.secret, so that the demo's first run
// needs no setup and `mts token --secret-file DATA/token.secret` works.
func (m *Main) serveSecret(f serveFlags, log *slog.Logger) ([]byte, error) {
	if f.secretFile != "" || m.getenv("MTS_TOKEN_SECRET") != "" || !f.demo {
		return m.tokenSecret(f.secretFile, io.Discard)
	}
	path := filepath.Join(f.dataDir, "token.secret")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := writeSecret(path); err != nil {
			return nil, err
		}
		log.Info("generated a demo token secret", "file", path)
	}
	log.Info("issue client tokens with: mts token --secret-file "+path+" --account demo01", "file", path)
	return m.tokenSecret(path, io.Discard)
}

func writeSecret(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	return os.WriteFile(path, []byte(base64.RawURLEncoding.EncodeToString(raw)+"\n"), 0o600)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
