package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mts-krx/mts/api"
)

// FanoutConfig describes a market-data fan-out run: Subscribers
// connections on one symbol's streams for Duration, while Driver (if set)
// or the caller's own order flow keeps the book busy.
type FanoutConfig struct {
	URL         string
	Header      http.Header
	Token       string // subscribers' token; "" = anonymous
	Symbol      string
	Streams     []string // default book.SYMBOL, trades.SYMBOL, ticker.SYMBOL
	Subscribers int
	Duration    time.Duration
	// Driver, if set, is run alongside with its Duration set to this
	// run's (and no warmup).
	Driver *Config
}

// FanoutReport is the result of RunFanout.
type FanoutReport struct {
	Symbol      string            `json:"symbol"`
	Subscribers int               `json:"subscribers"`
	DurationSec float64           `json:"durationSec"`
	Messages    uint64            `json:"messages"`  // received by all subscribers
	PerSecond   float64           `json:"perSecond"` // Messages / duration
	ByType      map[string]uint64 `json:"byType"`
	// BookGaps are gaps the client found in bookDelta seqs (and repaired
	// by resubscribing); Resyncs the server's resync messages.
	BookGaps uint64 `json:"bookGaps"`
	Resyncs  uint64 `json:"resyncs"`
	// TradeGaps count marketTrade seq jumps (trades are not resent).
	TradeGaps uint64 `json:"tradeGaps"`
	// BookErrors count deltas an api.Book could not apply after the
	// client's own filtering: should be 0.
	BookErrors  uint64 `json:"bookErrors"`
	Disconnects uint64 `json:"disconnects"`
	// Healthy counts the subscribers the server never cut off (no resync
	// from it, no disconnect) and HealthyGaps the book and trade gaps they
	// saw: the "zero gaps for healthy clients" is HealthyGaps == 0.
	Healthy     int     `json:"healthy"`
	HealthyGaps uint64  `json:"healthyGaps"`
	Driver      *Report `json:"driver,omitempty"`
}

// RunFanout connects the subscribers, counts what they receive for
// Duration and returns the report. Every subscriber keeps an api.Book of
// the symbol, so a delta that does not apply is counted, not just a seq
// that does not follow.
func RunFanout(ctx context.Context, cfg FanoutConfig) (*FanoutReport, error) {
	if cfg.URL == "" || cfg.Symbol == "" || cfg.Subscribers <= 0 || cfg.Duration <= 0 {
		return nil, errors.New("loadtest: fanout needs a URL, a symbol, subscribers and a duration")
	}
	if len(cfg.Streams) == 0 {
		cfg.Streams = []string{"book." + cfg.Symbol, "trades." + cfg.Symbol, "ticker." + cfg.Symbol}
	}
	var tally fanoutTally
	clients, err := subscribeAll(ctx, cfg, &tally)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	if err != nil {
		return nil, err
	}
	tally.counting.Store(true)
	driver := runDriver(ctx, cfg)
	select {
	case <-ctx.Done():
	case <-time.After(cfg.Duration):
	}
	tally.counting.Store(false)
	rep := tally.report(cfg)
	rep.Driver, err = driver()
	return rep, errors.Join(err, ctx.Err())
}

// runDriver starts the driver's order flow, if any, and returns a function
// that waits for its report.
func runDriver(ctx context.Context, cfg FanoutConfig) func() (*Report, error) {
	if cfg.Driver == nil {
		return func() (*Report, error) { return nil, nil }
	}
	d := *cfg.Driver
	d.Duration, d.Warmup = cfg.Duration, 0
	var rep *Report
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		rep, err = Run(ctx, d)
	}()
	return func() (*Report, error) {
		<-done
		if err != nil {
			err = fmt.Errorf("loadtest: fanout driver: %w", err)
		}
		return rep, err
	}
}

func subscribeAll(ctx context.Context, cfg FanoutConfig, tally *fanoutTally) ([]*api.Client, error) {
	clients := make([]*api.Client, 0, cfg.Subscribers)
	for i := range cfg.Subscribers {
		s := &subscriber{tally: tally, book: api.Book{Symbol: cfg.Symbol}}
		opts := api.ClientOptions{Token: cfg.Token, Header: cfg.Header, OnStateChange: s.stateChange}
		c, err := api.Dial(ctx, cfg.URL, opts)
		if err != nil {
			return clients, fmt.Errorf("loadtest: subscriber %d: %w", i, err)
		}
		clients = append(clients, c)
		tally.subs = append(tally.subs, s) // before counting starts: report reads it then
		if err := c.Subscribe(ctx, cfg.Streams, s.handle); err != nil {
			return clients, fmt.Errorf("loadtest: subscriber %d: %w", i, err)
		}
	}
	return clients, nil
}

// fanoutTally is shared by every subscriber's handler (each on its
// client's dispatcher goroutine), hence atomics. Counting is on only
// during the measured window. Messages are counted by each subscriber
// (subscriber.counts) and summed at the end: one shared counter, let alone
// a lock, taken for each of hundreds of thousands of messages a second by
// a thousand goroutines, cost the generator a share of the CPU it is
// measuring with.
type fanoutTally struct {
	counting              atomic.Bool
	gaps, resyncs         atomic.Uint64
	tradeGaps, bookErrors atomic.Uint64
	disconnects           atomic.Uint64
	subs                  []*subscriber
}

func (t *fanoutTally) report(cfg FanoutConfig) *FanoutReport {
	var n, healthyGaps uint64
	healthy := 0
	byType := map[string]uint64{}
	for _, s := range t.subs {
		if !s.cut.Load() {
			healthy++
			healthyGaps += s.gaps.Load()
		}
		for k := range s.counts {
			if c := s.counts[k].Load(); c > 0 {
				n += c
				byType[msgTypes[k]] += c
			}
		}
	}
	return &FanoutReport{
		Symbol: cfg.Symbol, Subscribers: cfg.Subscribers, DurationSec: cfg.Duration.Seconds(),
		Messages: n, PerSecond: float64(n) / cfg.Duration.Seconds(), ByType: byType,
		BookGaps: t.gaps.Load(), Resyncs: t.resyncs.Load(), TradeGaps: t.tradeGaps.Load(),
		BookErrors: t.bookErrors.Load(), Disconnects: t.disconnects.Load(),
		Healthy: healthy, HealthyGaps: healthyGaps,
	}
}

// subscriber is one connection's handler state; its client calls handle
// on one goroutine, so it needs no lock.
type subscriber struct {
	tally     *fanoutTally
	book      api.Book
	lastTrade uint64
	counts    [len(msgTypes)]atomic.Uint64 // by msgTypes index
	cut       atomic.Bool                  // the server resynced or dropped it
	gaps      atomic.Uint64                // book and trade gaps it saw
}

// stateChange hears the subscriber's connection go and come back.
func (s *subscriber) stateChange(connected bool, _ error) {
	if !connected {
		s.cut.Store(true)
		s.tally.disconnects.Add(1)
	}
}

func (s *subscriber) handle(msg any) {
	bookErr := s.book.Apply(msg)
	tradeGap := s.checkTrade(msg)
	t := s.tally
	if !t.counting.Load() {
		return
	}
	s.counts[typeOf(msg)].Add(1)
	if bookErr != nil {
		t.bookErrors.Add(1)
	}
	if tradeGap {
		t.tradeGaps.Add(1)
		s.gaps.Add(1)
	}
	if r, ok := msg.(*api.Resync); ok {
		if r.Reason == api.ResyncClientGap {
			t.gaps.Add(1)
			s.gaps.Add(1)
		} else {
			t.resyncs.Add(1)
			s.cut.Store(true) // the server dropped messages for it: no longer healthy
		}
	}
}

// checkTrade reports whether a marketTrade's seq skips one.
func (s *subscriber) checkTrade(msg any) bool {
	m, ok := msg.(*api.MarketTrade)
	if !ok {
		return false
	}
	gap := s.lastTrade != 0 && m.Seq != s.lastTrade+1
	s.lastTrade = m.Seq
	return gap
}

// msgTypes names the messages a subscriber counts, by typeOf's index; the
// names are the protocol's "type" values.
var msgTypes = [...]string{api.TypeBookSnapshot, api.TypeBookDelta, api.TypeDepth, api.TypeMarketTrade,
	api.TypeTicker, api.TypeCandle, api.TypeExecution, api.TypeOpenOrders, api.TypeResync, "other"}

// typeOf returns msg's index in msgTypes.
func typeOf(msg any) int {
	switch msg.(type) {
	case *api.BookSnapshot:
		return 0
	case *api.BookDelta:
		return 1
	case *api.Depth:
		return 2
	case *api.MarketTrade:
		return 3
	case *api.Ticker:
		return 4
	case *api.Candle:
		return 5
	case *api.ExecutionReport:
		return 6
	case *api.OpenOrders:
		return 7
	case *api.Resync:
		return 8
	}
	return len(msgTypes) - 1
}

// JSON renders the report as indented JSON.
func (r *FanoutReport) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// Text renders the report for a terminal.
func (r *FanoutReport) Text() string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}

// WriteText writes Text to w.
func (r *FanoutReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, `fanout    %s, %d subscribers, %gs
messages  %d  (%.1f/s)  %s
gaps      book %d  trades %d  server resyncs %d  book errors %d  disconnects %d
healthy   %d of %d subscribers never cut off (no server resync, no disconnect); their gaps: %d
`,
		r.Symbol, r.Subscribers, r.DurationSec, r.Messages, r.PerSecond, byTypeText(r.ByType),
		r.BookGaps, r.TradeGaps, r.Resyncs, r.BookErrors, r.Disconnects, r.Healthy, r.Subscribers, r.HealthyGaps)
	if err == nil && r.Driver != nil {
		err = r.Driver.WriteText(w)
	}
	return err
}

func byTypeText(m map[string]uint64) string {
	parts := make([]string, 0, len(m))
	for _, typ := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", typ, m[typ]))
	}
	return strings.Join(parts, "  ")
}
