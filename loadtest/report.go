package loadtest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/mts-krx/mts/api"
)

// Histogram range: 1 µs to 60 s at 3 significant digits (0.1% error),
// about 200 KB per histogram. A latency above the range is recorded as
// the range's top, so max reads "≥ 60 s" rather than being lost.
const (
	histMinMicros = 1
	histMaxMicros = 60_000_000
	histDigits    = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMinMicros, histMaxMicros, histDigits)
}

func record(h *hdrhistogram.Histogram, d time.Duration) {
	us := min(max(d.Microseconds(), histMinMicros), histMaxMicros)
	h.RecordValue(us) // in range by construction, so never an error
}

// Counts are the outcomes of the measured requests.
type Counts struct {
	Scheduled uint64 `json:"scheduled"` // requests the clock called for
	Sent      uint64 `json:"sent"`
	// Skipped were scheduled but not sent: the connection had MaxInFlight
	// requests outstanding, or was down.
	Skipped uint64 `json:"skipped"`
	Places  uint64 `json:"places"`
	Cancels uint64 `json:"cancels"`
	Replies uint64 `json:"replies"` // a reply arrived (whatever its status)

	Accepted    uint64 `json:"accepted"`
	Busy        uint64 `json:"busy"`        // BUSY: the engine's queue was full
	RateLimited uint64 `json:"rateLimited"` // RATE_LIMITED by the gateway
	// OutcomeUnknown: OUTCOME_UNKNOWN, TIMEOUT or INTERNAL replies, calls
	// lost with their connection, and requests with no reply by the end.
	OutcomeUnknown uint64            `json:"outcomeUnknown"`
	Rejected       map[string]uint64 `json:"rejected"` // every other error code
	Errors         uint64            `json:"errors"`   // client-side failures without a code
}

func (c *Counts) add(o *Counts) {
	c.Scheduled += o.Scheduled
	c.Sent += o.Sent
	c.Skipped += o.Skipped
	c.Places += o.Places
	c.Cancels += o.Cancels
	c.Replies += o.Replies
	c.Accepted += o.Accepted
	c.Busy += o.Busy
	c.RateLimited += o.RateLimited
	c.OutcomeUnknown += o.OutcomeUnknown
	c.Errors += o.Errors
	for code, n := range o.Rejected {
		c.reject(code, n)
	}
}

func (c *Counts) reject(code string, n uint64) {
	if c.Rejected == nil {
		c.Rejected = map[string]uint64{}
	}
	c.Rejected[code] += n
}

// RejectedTotal sums Rejected.
func (c *Counts) RejectedTotal() uint64 {
	var n uint64
	for _, v := range c.Rejected {
		n += v
	}
	return n
}

// classify counts one request's outcome. It reports whether a reply came
// from the server (as opposed to a lost connection or a local failure).
func (c *Counts) classify(err error) (replied bool) {
	var e *api.Error
	switch {
	case err == nil:
		c.Accepted++
		return true
	case !errors.As(err, &e):
		c.Errors++
		return false
	}
	switch e.Code {
	case api.Busy:
		c.Busy++
	case api.RateLimited:
		c.RateLimited++
	case api.OutcomeUnknown:
		c.OutcomeUnknown++
		return false // the client's own verdict: the connection was lost
	case api.Timeout, api.Internal:
		c.OutcomeUnknown++
	default:
		c.reject(string(e.Code), 1)
	}
	return true
}

// Latency summarises a histogram, in microseconds.
type Latency struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"meanUs"`
	P50   int64   `json:"p50Us"`
	P90   int64   `json:"p90Us"`
	P99   int64   `json:"p99Us"`
	P999  int64   `json:"p999Us"`
	Max   int64   `json:"maxUs"`
}

func summarize(h *hdrhistogram.Histogram) Latency {
	return Latency{
		Count: h.TotalCount(), Mean: h.Mean(),
		P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99),
		P999: h.ValueAtQuantile(99.9), Max: h.Max(),
	}
}

// Report is the result of Run. Latency is from each request's scheduled
// send time to its reply, over the measured window.
type Report struct {
	Profile     Profile `json:"profile"`
	Rate        float64 `json:"rate"` // base orders/s
	Connections int     `json:"connections"`
	WarmupSec   float64 `json:"warmupSec"`
	DurationSec float64 `json:"durationSec"`
	Planned     float64 `json:"planned"` // Config.Planned
	Counts
	Throughput float64 `json:"throughput"` // replies/s over the window
	Latency    Latency `json:"latencyUs"`
	// Aborted is set when ctx ended the run early.
	Aborted bool `json:"aborted,omitempty"`

	hist *hdrhistogram.Histogram
}

func newReport(cfg Config, counts Counts, h *hdrhistogram.Histogram) *Report {
	return &Report{
		Profile: cfg.Profile, Rate: cfg.Rate, Connections: cfg.Connections,
		WarmupSec: cfg.Warmup.Seconds(), DurationSec: cfg.Duration.Seconds(), Planned: cfg.Planned(),
		Counts: counts, Throughput: float64(counts.Replies) / cfg.Duration.Seconds(),
		Latency: summarize(h), hist: h,
	}
}

// Histogram returns the latency histogram (µs), for merging runs or
// writing HdrHistogram's own formats.
func (r *Report) Histogram() *hdrhistogram.Histogram { return r.hist }

// JSON renders the report as indented JSON.
func (r *Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// Text renders the report for a terminal; see the package doc for the
// layout.
func (r *Report) Text() string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}

// WriteText writes Text to w.
func (r *Report) WriteText(w io.Writer) error {
	l := r.Latency
	_, err := fmt.Fprintf(w, `loadtest  profile %s, %g orders/s base, %d connections, %gs measured after %gs warmup%s
requests  planned %.0f  scheduled %d  sent %d  skipped %d  (places %d, cancels %d)
outcomes  accepted %d  rejected %d  busy %d  rate-limited %d  outcome-unknown %d  errors %d
%sthroughput %.1f replies/s
latency   p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (n=%d, mean %s)
`,
		r.Profile, r.Rate, r.Connections, r.DurationSec, r.WarmupSec, aborted(r.Aborted),
		r.Planned, r.Scheduled, r.Sent, r.Skipped, r.Places, r.Cancels,
		r.Accepted, r.RejectedTotal(), r.Busy, r.RateLimited, r.OutcomeUnknown, r.Errors,
		rejectedLine(r.Rejected), r.Throughput,
		us(l.P50), us(l.P90), us(l.P99), us(l.P999), us(l.Max), l.Count, us(int64(l.Mean)))
	return err
}

func aborted(a bool) string {
	if a {
		return " (ABORTED early)"
	}
	return ""
}

// rejectedLine lists codes by count, most frequent first.
func rejectedLine(rej map[string]uint64) string {
	if len(rej) == 0 {
		return ""
	}
	codes := slices.SortedFunc(maps.Keys(rej), func(a, b string) int {
		if rej[a] != rej[b] {
			return cmp.Compare(rej[b], rej[a])
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	b.WriteString("rejected ")
	for _, c := range codes {
		fmt.Fprintf(&b, " %s %d", c, rej[c])
	}
	b.WriteString("\n")
	return b.String()
}

// us renders microseconds with a unit a reader takes in at a glance.
func us(v int64) string {
	switch {
	case v >= 1_000_000:
		return fmt.Sprintf("%.2fs", float64(v)/1e6)
	case v >= 1000:
		return fmt.Sprintf("%.2fms", float64(v)/1e3)
	}
	return fmt.Sprintf("%dus", v)
}
