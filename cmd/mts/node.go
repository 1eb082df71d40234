package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mts-krx/mts/gateway"
	"github.com/mts-krx/mts/marketdata/natspub"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/matching/bus"
	"github.com/mts-krx/mts/risk"
)

// nodeOptions says which parts a process runs and how. `mts serve` runs
// both halves; `mts engine` and `mts gateway` one each.
type nodeOptions struct {
	Engine, Gateway bool

	DataDir     string
	Instruments []matching.Instrument
	Risk        *risk.Config // nil: risk off
	Async       bool
	// AcceptConfigChange starts the engine even if the journal was written
	// with other instruments or risk settings (configcheck.go).
	AcceptConfigChange bool
	Snapshots          time.Duration // snapshot interval (0: none by time)
	SnapEvery          int           // records between snapshots (0: none by count)

	NATSURL    string // an external NATS; "" runs one in this process
	NATSListen string // the embedded server's TCP address; "" = in-process only
	Partition  int

	HTTPAddr        string // gateway, health and metrics; "" = none
	TLSCert, TLSKey string
	Secret          []byte
	Origins         []string
	// Rate limits of the gateway, requests per second; 0 = its defaults.
	// Bursts are twice the rate.
	ConnRate, AccountRate float64

	Accounts []string // opened and funded at start (demo, --open-accounts)
	Demo     bool
	// Sessions, if set, runs the session scheduler on this timetable;
	// nil trades continuously around the clock.
	Sessions *matching.Schedule

	Pprof bool // serve /debug/pprof/ (operators: profile a live process)
	// tuneGateway, if set, adjusts the gateway's configuration (tests: a
	// small send queue, a short slow-consumer limit).
	tuneGateway func(*gateway.Config)
	// wrapListener, if set, wraps the HTTP listener (tests: small socket
	// buffers, so that a client that stops reading fills them quickly).
	wrapListener func(net.Listener) net.Listener
	Logger       *slog.Logger
	Clock        func() int64
}

// node is one running process of MTS: some of embedded NATS, engine,
// market-data publisher, gateway, HTTP server, demo traders. Close stops
// them in the documented order.
type node struct {
	opts nodeOptions
	log  *slog.Logger
	reg  *prometheus.Registry

	ns     *server.Server // embedded NATS, if any
	engNC  *nats.Conn     // the engine's connection
	gwNC   *nats.Conn     // the gateway's connection
	eng    *engineHost
	md     *natspub.Publisher
	busSrv *bus.Server
	feed   *natspub.Feed
	gw     *gateway.Server
	jh     *journalHandler
	jfeed  *journalFeed

	mdw *mdSnapshotWriter // DATA/marketdata.snap; nil without an engine
	// mdRebuild says how the market data came back at start (tests).
	mdRebuild struct{ From, Replayed uint64 }

	ln       net.Listener
	httpSrv  *http.Server
	httpDone chan error

	demoStop  context.CancelFunc
	demoDone  chan struct{}
	schedStop context.CancelFunc
	schedDone chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// startNode starts the parts opts asks for. On error, whatever started is
// stopped again.
func startNode(ctx context.Context, opts nodeOptions) (n *node, err error) {
	n = &node{opts: opts, log: opts.Logger, reg: prometheus.NewRegistry()}
	if n.log == nil {
		n.log = slog.Default()
	}
	n.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	started := n // the returns below set n to nil
	defer func() {
		if err != nil {
			started.Close()
		}
	}()
	if err = n.startNATS(); err != nil {
		return nil, err
	}
	if opts.Engine {
		if err = n.startEngine(ctx); err != nil {
			return nil, err
		}
	}
	if opts.Gateway {
		if err = n.startGateway(); err != nil {
			return nil, err
		}
	}
	if opts.HTTPAddr != "" {
		if err = n.startHTTP(); err != nil {
			return nil, err
		}
	}
	if opts.Demo {
		if err = n.startDemo(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// startNATS starts the embedded server (when no external URL is given)
// and the connections of the parts this process runs.
func (n *node) startNATS() (err error) {
	if n.opts.NATSURL == "" {
		if n.ns, err = startEmbeddedNATS(n.opts.NATSListen, n.log); err != nil {
			return err
		}
	}
	if n.opts.Engine {
		if n.engNC, err = connectNATS(n.ns, n.opts.NATSURL, "mts-engine", n.log); err != nil {
			return err
		}
	}
	if n.opts.Gateway {
		if n.gwNC, err = connectNATS(n.ns, n.opts.NATSURL, "mts-gateway", n.log); err != nil {
			return err
		}
	}
	return nil
}

// startEngine recovers the engine from the journal, rebuilds the market
// data of the journal's records, starts the loop and the NATS intake, and
// opens the accounts asked for.
func (n *node) startEngine(ctx context.Context) error {
	n.mdw = newMDSnapshotWriter(n.opts.DataDir, n.log)
	md, err := natspub.NewPublisher(n.engNC, n.opts.Instruments, natspub.PublisherConfig{
		// The market-data snapshot follows the engine's snapshot options.
		SaveState: n.mdw.save, StateEvery: n.opts.SnapEvery, StateInterval: n.opts.Snapshots,
	})
	if err != nil {
		return err
	}
	n.md = md
	n.jfeed = newJournalFeed()
	execPub := bus.NewExecPublisher(n.engNC)
	commits := newCommitMetrics(n.reg)
	n.eng, err = openEngine(engineOptions{
		DataDir: n.opts.DataDir, Instruments: n.opts.Instruments, Risk: n.opts.Risk, Async: n.opts.Async,
		AcceptConfigChange: n.opts.AcceptConfigChange,
		VI:                 n.opts.Sessions != nil, // only the scheduler ends a VI auction
		SnapshotEvery:      n.opts.SnapEvery, SnapshotInterval: n.opts.Snapshots, Logger: n.log, Clock: n.opts.Clock,
		Publisher:   publishers{execPub, md, n.jfeed},
		BeforeStart: n.replayMarketData,
		OnCommit:    commits.observe,
	})
	if err != nil {
		return err
	}
	if n.busSrv, err = bus.NewServer(n.engNC, n.eng.loop, bus.ServerConfig{Partition: n.opts.Partition}); err != nil {
		return err
	}
	n.registerEngineMetrics()
	if len(n.opts.Accounts) > 0 {
		start := time.Now()
		if err := openAccounts(ctx, n.eng.loop, n.opts.Accounts, n.opts.Instruments); err != nil {
			return err
		}
		n.log.Info("accounts opened and funded", "count", len(n.opts.Accounts), "took", time.Since(start).Round(time.Millisecond))
	}
	if n.opts.Sessions != nil {
		n.startScheduler()
	}
	return nil
}

// startScheduler runs the session scheduler on the loop's clock.
func (n *node) startScheduler() {
	clock := n.opts.Clock
	if clock == nil {
		clock = func() int64 { return time.Now().UnixNano() }
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.schedStop, n.schedDone = cancel, make(chan struct{})
	s := &scheduler{loop: n.eng.loop, sch: *n.opts.Sessions, clock: clock, tick: 100 * time.Millisecond, log: n.log}
	go func() {
		defer close(n.schedDone)
		s.run(ctx)
	}()
}

// replayMarketData brings the market-data builder up to the recovered
// sequence before the loop starts: the engine came back from a snapshot,
// but books, tickers, candles and per-symbol sequence numbers come from
// the market-data snapshot (DATA/marketdata.snap) and the journal records
// after it, or from every record when there is no usable snapshot, so
// that a subscriber sees the same numbering as before the restart. A
// rebuild that replayed records saves its result at once (on the
// writer's goroutine), so that the next start need not replay them again.
func (n *node) replayMarketData(h *engineHost, upTo uint64) error {
	start := time.Now()
	from := n.loadMarketData(h, upTo)
	var cmd matching.Command
	var evs []matching.Event
	err := h.store.Read(from+1, func(r matching.Record) error {
		if r.Seq > upTo {
			return errStopRead
		}
		var err error
		if evs, err = matching.DecodeRecord(r.Payload, &cmd, evs[:0]); err != nil {
			return fmt.Errorf("record %d: %w", r.Seq, err)
		}
		return n.md.Replay(&cmd, evs)
	})
	if err != nil && !errors.Is(err, errStopRead) {
		return fmt.Errorf("rebuilding market data: %w", err)
	}
	if got := n.md.Seq(); got != upTo {
		return fmt.Errorf("rebuilding market data: the journal ends at %d, not at the recovered %d", got, upTo)
	}
	n.mdRebuild.From, n.mdRebuild.Replayed = from, upTo-from
	if upTo > from {
		state, err := n.md.AppendState(nil)
		if err != nil {
			return err
		}
		n.mdw.save(upTo, 0, state)
	}
	if err := n.md.Start(); err != nil {
		return err
	}
	n.log.Info("market data rebuilt", "snapshot_seq", from, "replayed", upTo-from, "seq", upTo,
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// loadMarketData loads the market-data snapshot into the publisher if it
// is usable (see mdsnapshot.go) and returns its seq; 0, with a log line
// saying why, when the rebuild must start from the journal's first record.
func (n *node) loadMarketData(h *engineHost, upTo uint64) uint64 {
	data, err := readMDSnapshot(n.opts.DataDir)
	if errors.Is(err, os.ErrNotExist) {
		if upTo > 0 {
			n.log.Info("no market-data snapshot: rebuilding market data from the journal's start", "file", n.mdw.path)
		}
		return 0
	}
	if err == nil {
		var seq uint64
		if seq, err = checkMDSnapshot(data, upTo, h.store.Read); err == nil {
			if err = n.md.LoadState(data); err == nil {
				return seq
			}
		}
	}
	n.log.Warn("market-data snapshot not used: rebuilding market data from the journal's start", "file", n.mdw.path, "err", err)
	return 0
}

var errStopRead = errors.New("stop reading")

// startGateway connects the WebSocket gateway to the engine and market
// data over NATS.
func (n *node) startGateway() error {
	n.feed = natspub.NewFeed(n.gwNC, natspub.FeedConfig{})
	symbols := make([]string, len(n.opts.Instruments))
	for i, in := range n.opts.Instruments {
		symbols[i] = in.Symbol
	}
	cfg := gateway.Config{
		Backend:     newBusBackend(bus.NewClient(n.gwNC, bus.ClientConfig{Partition: n.opts.Partition})),
		MarketData:  n.feed,
		Symbols:     symbols,
		TokenSecret: n.opts.Secret,
		Calendar:    calendarOf(n.opts.Sessions),
		Origins:     n.opts.Origins,
		Registerer:  n.reg,
		ConnRate:    n.opts.ConnRate, ConnBurst: int(2 * n.opts.ConnRate),
		AccountRate: n.opts.AccountRate, AccountBurst: int(2 * n.opts.AccountRate),
		Logger: n.log,
	}
	if n.opts.tuneGateway != nil {
		n.opts.tuneGateway(&cfg)
	}
	gw, err := gateway.New(cfg)
	if err != nil {
		return err
	}
	n.gw = gw
	return nil
}

// calendarOf is the business-day calendar for fill dates: the session
// schedule's holidays (weekends only without one), so one list serves the
// trading day, the clients' fills and the journal feed.
func calendarOf(sch *matching.Schedule) *gateway.Calendar {
	if sch == nil || len(sch.Holidays) == 0 {
		return nil
	}
	cal := &gateway.Calendar{Holidays: make(map[string]bool, len(sch.Holidays))}
	for _, d := range sch.Holidays {
		cal.Holidays[d] = true
	}
	return cal
}

// startHTTP serves the gateway, health, metrics and (with the engine) the
// back office's journal feed on one listener.
func (n *node) startHTTP() error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthzHandler)
	mux.Handle("GET /readyz", readyzHandler(n.readiness()))
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.reg, promhttp.HandlerOpts{Registry: n.reg}))
	if n.gw != nil {
		mux.Handle("/ws", n.gw)
		page := n.gw.PageHandler()
		mux.Handle("GET /{$}", page)
		mux.Handle("GET /v1/symbols", page)
	}
	if n.opts.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	if n.eng != nil && len(n.opts.Secret) > 0 {
		jh, err := newJournalHandler(journalHandlerConfig{Journal: n.eng.j, Feed: n.jfeed, Secret: n.opts.Secret,
			Calendar: calendarOf(n.opts.Sessions), Logger: n.log})
		if err != nil {
			return err
		}
		n.jh = jh
		mux.Handle("GET /v1/journal", jh)
	}
	ln, err := net.Listen("tcp", n.opts.HTTPAddr)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", n.opts.HTTPAddr, err)
	}
	if n.opts.wrapListener != nil {
		ln = n.opts.wrapListener(ln)
	}
	n.ln = ln
	n.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelWarn)}
	if n.opts.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(n.opts.TLSCert, n.opts.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		n.httpSrv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, n.httpSrv.TLSConfig)
	}
	n.httpDone = make(chan error, 1)
	go func() { n.httpDone <- n.httpSrv.Serve(ln) }()
	n.log.Info("listening", "addr", n.URL(""))
	return nil
}

// URL returns the server's base URL with the given scheme family ("ws" or
// "" for http), e.g. "ws://127.0.0.1:8080".
func (n *node) URL(family string) string {
	if n.ln == nil {
		return ""
	}
	scheme := "http"
	if family == "ws" {
		scheme = "ws"
	}
	if n.opts.TLSCert != "" {
		scheme += "s"
	}
	return scheme + "://" + n.ln.Addr().String()
}

// readiness lists what /readyz checks for the parts this process runs.
func (n *node) readiness() []check {
	var cs []check
	if n.eng != nil {
		cs = append(cs, check{"engine", func() string {
			select {
			case <-n.eng.loop.Done():
				if err := n.eng.loop.Err(); err != nil {
					return err.Error()
				}
				return "stopped"
			default:
				return ""
			}
		}})
	}
	for _, c := range []struct {
		name string
		nc   *nats.Conn
	}{{"nats_engine", n.engNC}, {"nats_gateway", n.gwNC}} {
		if c.nc != nil {
			cs = append(cs, check{c.name, func() string {
				if !c.nc.IsConnected() {
					return "not connected: " + c.nc.Status().String()
				}
				return ""
			}})
		}
	}
	return cs
}

// commitMetrics exports what the loop reports of each durable batch: how
// long the journal took to sync it (the floor under every order's
// latency), how many commands it carried, running totals, and the engine
// goroutine's busy time.
type commitMetrics struct {
	sync     prometheus.Histogram
	batch    prometheus.Histogram
	commands prometheus.Counter
	events   prometheus.Counter
	bytes    prometheus.Counter
	apply    prometheus.Counter
}

func newCommitMetrics(reg prometheus.Registerer) *commitMetrics {
	m := &commitMetrics{
		sync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "mts_engine_journal_sync_seconds", Help: "Time to write and sync one batch to the journal.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 14), // 50 µs .. 0.4 s
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "mts_engine_batch_commands", Help: "Commands per journaled batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10), // 1 .. 512, the default batch limit
		}),
		commands: prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_engine_commands_total", Help: "Commands journaled."}),
		events:   prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_engine_events_total", Help: "Events the journaled commands produced."}),
		bytes:    prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_engine_journal_bytes_total", Help: "Encoded record bytes written to the journal."}),
		apply: prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_engine_apply_seconds_total",
			Help: "Time the engine goroutine spent applying commands; its rate is how busy matching is (1 = saturated)."}),
	}
	reg.MustRegister(m.sync, m.batch, m.commands, m.events, m.bytes, m.apply)
	return m
}

func (m *commitMetrics) observe(s matching.CommitStats) {
	m.sync.Observe(s.Sync.Seconds())
	m.batch.Observe(float64(s.Commands))
	m.commands.Add(float64(s.Commands))
	m.events.Add(float64(s.Events))
	m.bytes.Add(float64(s.Bytes))
	m.apply.Add(s.Apply.Seconds())
}

// registerEngineMetrics exports the loop's progress and health.
func (n *node) registerEngineMetrics() {
	loop := n.eng.loop
	n.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mts_engine_committed_seq", Help: "Sequence number of the last durable journal record."},
			func() float64 { return float64(loop.CommittedSeq()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mts_engine_queue_length", Help: "Commands waiting in the engine's input queue."},
			func() float64 { return float64(loop.QueueLen()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mts_engine_up", Help: "1 while the engine loop runs, 0 after it stopped or failed."},
			func() float64 {
				select {
				case <-loop.Done():
					return 0
				default:
					return 1
				}
			}),
	)
}

// Failed is closed when the engine loop stopped on its own (a journal
// failure): the process must exit non-zero. nil without an engine.
func (n *node) Failed() <-chan struct{} {
	if n.eng == nil {
		return nil
	}
	return n.eng.loop.Done()
}

// Close stops the node in this order, each step complete before the next:
//
//  1. demo traders and the session scheduler stop;
//  2. intake stops: the gateway closes its WebSocket connections with
//     "going away", the HTTP server stops, the engine unsubscribes from
//     its command subject (commands already received are submitted);
//  3. the loop drains: every accepted command is journaled (synced) and
//     answered, its reports and market data published;
//  4. the journal closes;
//  5. the market-data publisher flushes what it was handed;
//  6. NATS connections drain and close; the embedded server shuts down.
func (n *node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.close() })
	return n.closeErr
}

func (n *node) close() error {
	var errs []error
	if n.demoStop != nil {
		n.demoStop()
		<-n.demoDone
	}
	if n.schedStop != nil {
		n.schedStop()
		<-n.schedDone
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n.gw != nil {
		errs = append(errs, n.gw.Shutdown(ctx))
	}
	if n.jh != nil {
		n.jh.Close()
	}
	if n.httpSrv != nil {
		errs = append(errs, n.httpSrv.Shutdown(ctx))
	}
	if n.busSrv != nil {
		errs = append(errs, n.busSrv.Close())
	}
	if n.eng != nil {
		errs = append(errs, n.eng.Close())
	}
	if n.md != nil {
		n.md.Close() // hands its final state to n.mdw
	}
	if n.mdw != nil {
		n.mdw.close()
	}
	if n.feed != nil {
		n.feed.Close()
	}
	for _, nc := range []*nats.Conn{n.gwNC, n.engNC} {
		if nc != nil {
			if nc.IsConnected() { // a flush to a gone server would wait out its timeout
				nc.FlushTimeout(time.Second)
			}
			nc.Close()
		}
	}
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
	}
	return errors.Join(errs...)
}
