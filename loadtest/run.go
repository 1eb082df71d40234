package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/mts-krx/mts/api"
)

// maxOpenPerConn bounds the resting orders a connection remembers for
// cancels; when full one is forgotten (it stays on the book).
const maxOpenPerConn = 4096

// Run sends cfg's order flow and measures it. It dials every connection
// first (any failure ends the run before it starts), then schedules
// requests by the clock for Warmup + Duration, waits up to DrainTimeout for
// the last replies, and returns the report. If ctx ends first, Run stops
// and returns the report so far (Aborted set) with ctx's error.
//
// Pacing is open-loop: one goroutine walks the schedule (request k at the
// time the profile's rate gives it) and hands each request to the next
// connection without waiting for replies; when it falls behind, it sends
// every overdue request at once, and each one's latency still counts from
// its scheduled time, so a server stall shows in the percentiles instead
// of silently lowering the rate (coordinated omission).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	workers, err := dialWorkers(ctx, cfg)
	defer closeWorkers(workers)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, workers: workers, rng: rand.New(rand.NewPCG(cfg.Seed, 1))}
	r.start = time.Now()
	r.measureFrom = r.start.Add(cfg.Warmup)
	r.pace(ctx)
	r.drain(ctx)
	rep := r.report()
	if ctx.Err() != nil {
		rep.Aborted = true
		return rep, ctx.Err()
	}
	return rep, nil
}

// runner owns the schedule. Only the pacing goroutine (Run's) uses it.
type runner struct {
	cfg         Config
	workers     []*worker
	rng         *rand.Rand
	start       time.Time
	measureFrom time.Time
	next        int // round-robin index into workers
}

// pace walks the schedule until the end of the run or ctx.
func (r *runner) pace(ctx context.Context) {
	end := r.measureFrom.Add(r.cfg.Duration)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for at := r.start; at.Before(end); at = at.Add(r.interval(at)) {
		if wait := time.Until(at); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return
		}
		r.fire(at)
	}
}

func (r *runner) interval(at time.Time) time.Duration {
	return time.Duration(float64(time.Second) / r.cfg.RateAt(at.Sub(r.start)))
}

// fire sends the request scheduled at at on the next connection.
func (r *runner) fire(at time.Time) {
	w := r.workers[r.next]
	r.next = (r.next + 1) % len(r.workers)
	measured := !at.Before(r.measureFrom)
	if !w.admit(measured) {
		return
	}
	if r.rng.Float64() < r.cfg.CancelRatio {
		if o, ok := w.takeOpen(r.rng); ok {
			w.cancel(at, measured, o)
			return
		}
	}
	w.place(at, measured, r.order(w))
}

// order makes a limit order around an instrument's base price: mostly on
// its passive side (up to Levels ticks away), sometimes up to Cross ticks
// through it, so that the book fills up and some orders trade.
func (r *runner) order(w *worker) api.PlaceParams {
	in := r.cfg.Instruments[r.rng.IntN(len(r.cfg.Instruments))]
	side, sign := "buy", int64(-1)
	if r.rng.IntN(2) == 0 {
		side, sign = "sell", 1
	}
	ticks := int64(r.rng.IntN(r.cfg.Levels+r.cfg.Cross) - r.cfg.Cross + 1)
	w.seq++
	return api.PlaceParams{
		Symbol: in.Symbol, Side: side, Type: "limit", TIF: "day",
		Price:         decimal(in.Base + sign*ticks*in.Tick),
		Qty:           decimal(1 + r.rng.Int64N(r.cfg.MaxQty)),
		ClientOrderID: w.prefix + strconv.FormatUint(w.seq, 36),
	}
}

func decimal(v int64) api.Decimal { return api.Decimal(strconv.FormatInt(v, 10)) }

// drain waits until every request has an answer, DrainTimeout passes or
// ctx ends, polling: replies arrive on the workers' reader goroutines.
func (r *runner) drain(ctx context.Context) {
	deadline := time.Now().Add(r.cfg.DrainTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) && r.inFlight() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (r *runner) inFlight() int {
	n := 0
	for _, w := range r.workers {
		n += w.pending()
	}
	return n
}

// report stops the workers (late replies are ignored from here on) and
// merges their counts and histograms.
func (r *runner) report() *Report {
	var total Counts
	h := newHistogram()
	for _, w := range r.workers {
		c, wh := w.stop()
		total.add(&c)
		h.Merge(wh)
	}
	return newReport(r.cfg, total, h)
}

func dialWorkers(ctx context.Context, cfg Config) ([]*worker, error) {
	tokens := map[string]string{}
	workers := make([]*worker, 0, cfg.Connections)
	for i := range cfg.Connections {
		acct := cfg.Accounts[i%len(cfg.Accounts)]
		tok, ok := tokens[acct]
		if !ok {
			var err error
			if tok, err = cfg.Token(acct); err != nil {
				return workers, fmt.Errorf("loadtest: token for %s: %w", acct, err)
			}
			tokens[acct] = tok
		}
		c, err := api.Dial(ctx, cfg.URL, api.ClientOptions{Token: tok, Header: cfg.Header})
		if err != nil {
			return workers, fmt.Errorf("loadtest: connection %d (%s): %w", i, acct, err)
		}
		workers = append(workers, newWorker(c, cfg, fmt.Sprintf("%s-%d-", cfg.RunID, i)))
	}
	return workers, nil
}

func closeWorkers(ws []*worker) {
	for _, w := range ws {
		w.client.Close()
	}
}

// worker is one connection's share of the run. The pacing goroutine sends
// through it; the connection's reader goroutine runs the reply callbacks.
// mu guards what both touch: counts, the histogram, the in-flight count
// and the resting orders. A worker has its own histogram so that
// connections do not contend on one; Run merges them at the end.
type worker struct {
	client *api.Client
	prefix string // of its client order ids
	seq    uint64 // orders made; the pacing goroutine's

	maxInFlight int

	mu       sync.Mutex
	counts   Counts
	hist     *hdrhistogram.Histogram
	inFlight int
	measured int         // of inFlight, those in the measured window
	open     []openOrder // resting orders, bounded by maxOpenPerConn
	stopped  bool
}

func newWorker(c *api.Client, cfg Config, prefix string) *worker {
	return &worker{client: c, prefix: prefix, maxInFlight: cfg.MaxInFlight, hist: newHistogram()}
}

// admit counts a scheduled request and reserves an in-flight slot for it,
// or counts it skipped when the connection has too many outstanding.
func (w *worker) admit(measured bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if measured {
		w.counts.Scheduled++
	}
	if w.inFlight >= w.maxInFlight {
		if measured {
			w.counts.Skipped++
		}
		return false
	}
	w.inFlight++
	if measured {
		w.measured++
	}
	return true
}

func (w *worker) place(at time.Time, measured bool, p api.PlaceParams) {
	w.client.PlaceAsync(p, func(res *api.OrderResult, err error) {
		w.done(at, measured, false, err)
		if err == nil && resting(res) {
			w.addOpen(openOrder{p.Symbol, p.ClientOrderID})
		}
	})
}

func (w *worker) cancel(at time.Time, measured bool, o openOrder) {
	p := api.CancelParams{Symbol: o.symbol, OrigClientOrderID: o.clientOrderID}
	w.client.CancelAsync(p, func(_ *api.OrderResult, err error) { w.done(at, measured, true, err) })
}

// done records one request's outcome and latency from its scheduled time.
func (w *worker) done(at time.Time, measured, cancel bool, err error) {
	latency := time.Since(at)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inFlight--
	if measured {
		w.measured--
	}
	if w.stopped || !measured {
		return
	}
	if errors.Is(err, api.ErrNotConnected) {
		w.counts.Skipped++
		return
	}
	w.counts.Sent++
	if cancel {
		w.counts.Cancels++
	} else {
		w.counts.Places++
	}
	if w.counts.classify(err) {
		w.counts.Replies++
		record(w.hist, latency)
	}
}

// resting reports whether an accepted order is left on the book.
func resting(res *api.OrderResult) bool {
	if res == nil || len(res.Reports) == 0 {
		return false
	}
	last := res.Reports[len(res.Reports)-1]
	return last.LeavesQty != "" && last.LeavesQty != "0" && (last.Status == "new" || last.Status == "partially_filled")
}

// openOrder is a resting order of the run, a candidate for a cancel.
type openOrder struct{ symbol, clientOrderID string }

func (w *worker) addOpen(o openOrder) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.open) == maxOpenPerConn {
		w.open[0] = o // forget the first; it stays on the book
		return
	}
	w.open = append(w.open, o)
}

// takeOpen removes a random resting order. It may have filled since; the
// cancel is then rejected (ORDER_NOT_OPEN), as a real client's would be.
func (w *worker) takeOpen(rng *rand.Rand) (openOrder, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.open) == 0 {
		return openOrder{}, false
	}
	i := rng.IntN(len(w.open))
	o := w.open[i]
	w.open[i] = w.open[len(w.open)-1]
	w.open = w.open[:len(w.open)-1]
	return o, true
}

func (w *worker) pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.inFlight
}

// stop freezes the worker's figures. Requests still unanswered count as
// sent with an unknown outcome.
func (w *worker) stop() (Counts, *hdrhistogram.Histogram) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.counts.Sent += uint64(w.measured)
	w.counts.OutcomeUnknown += uint64(w.measured)
	return w.counts, w.hist
}
