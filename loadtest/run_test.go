package loadtest

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func testConfig(f *fakeGateway) Config {
	return Config{
		URL: f.url(), Accounts: []string{"A1", "A2"}, Token: testToken, Instruments: testInstruments,
		Connections: 3, Rate: 2000, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond,
		CancelRatio: 0.3, Seed: 1,
	}
}

func runCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The clock, not the replies, decides how many requests go out: the
// measured window schedules Rate × Duration of them, every one is sent and
// answered, and Run stops by itself.
func TestRunPacesOpenLoop(t *testing.T) {
	f := newFakeGateway(t, testInstruments)
	cfg := testConfig(f)
	start := time.Now()
	rep, err := Run(runCtx(t), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if took, max := time.Since(start), cfg.Warmup+cfg.Duration+2*time.Second; took > max {
		t.Errorf("Run took %v, want it to stop by itself within %v", took, max)
	}
	want := cfg.Rate * cfg.Duration.Seconds() // 600
	if math.Abs(float64(rep.Scheduled)-want) > 1 {
		t.Errorf("scheduled %d, want %.0f (rate × duration)", rep.Scheduled, want)
	}
	if rep.Sent != rep.Scheduled || rep.Replies != rep.Sent || rep.Skipped != 0 {
		t.Errorf("scheduled %d sent %d replied %d skipped %d; want all sent and answered", rep.Scheduled, rep.Sent, rep.Replies, rep.Skipped)
	}
	if rep.Cancels == 0 || rep.Places+rep.Cancels != rep.Sent {
		t.Errorf("places %d + cancels %d, want %d with some cancels", rep.Places, rep.Cancels, rep.Sent)
	}
	if rep.Latency.Count != int64(rep.Replies) {
		t.Errorf("histogram holds %d latencies, want %d", rep.Latency.Count, rep.Replies)
	}
	places, _, _, invalid := f.stats()
	if len(invalid) > 0 {
		t.Errorf("the server refused %d requests, first: %s", len(invalid), invalid[0])
	}
	if uint64(places) < rep.Places {
		t.Errorf("server saw %d places, report says %d measured", places, rep.Places)
	}
}

// Spike profiles schedule what Planned says they will.
func TestRunProfiles(t *testing.T) {
	for _, p := range []Profile{ProfileOpen, ProfileNews} {
		t.Run(string(p), func(t *testing.T) {
			f := newFakeGateway(t, testInstruments)
			cfg := testConfig(f)
			cfg.Profile, cfg.Rate, cfg.Warmup, cfg.CancelRatio = p, 500, 0, 0
			rep, err := Run(runCtx(t), cfg)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got, want := float64(rep.Scheduled), cfg.Planned(); math.Abs(got-want) > want*0.02 {
				t.Errorf("profile %s scheduled %.0f, want %.0f ± 2%%", p, got, want)
			}
		})
	}
}

func TestRateAt(t *testing.T) {
	cfg := Config{Rate: 100, Duration: 10 * time.Second, Warmup: time.Second}
	cases := []struct {
		profile Profile
		at      time.Duration
		want    float64
	}{
		{ProfileOpen, 500 * time.Millisecond, 100}, // warmup
		{ProfileOpen, 1500 * time.Millisecond, 1000},
		{ProfileOpen, 2500 * time.Millisecond, 550}, // halfway down the ramp
		{ProfileOpen, 5 * time.Second, 100},
		{ProfileNews, 5 * time.Second, 100},
		{ProfileNews, 6500 * time.Millisecond, 1000},
		{ProfileSteady, 6500 * time.Millisecond, 100},
	}
	for _, c := range cases {
		cfg.Profile = c.profile
		if got := cfg.RateAt(c.at); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s RateAt(%v) = %v, want %v", c.profile, c.at, got, c.want)
		}
	}
}

// Latency counts from the scheduled time, so a slow server shows in it.
func TestRunLatencyIncludesServerDelay(t *testing.T) {
	f := newFakeGateway(t, testInstruments)
	f.delay = 5 * time.Millisecond
	cfg := testConfig(f)
	cfg.Rate, cfg.Duration, cfg.Warmup = 100, 200*time.Millisecond, 0
	rep, err := Run(runCtx(t), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Latency.P50 < 5000 {
		t.Errorf("p50 %dus with a 5ms server, want at least 5000us", rep.Latency.P50)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	f := newFakeGateway(t, testInstruments)
	cfg := testConfig(f)
	cfg.Duration = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err == nil || rep == nil || !rep.Aborted {
		t.Fatalf("Run with a short ctx: report %v, err %v; want an aborted report and ctx's error", rep, err)
	}
}

func TestReportPercentiles(t *testing.T) {
	h := newHistogram()
	for v := int64(1); v <= 1000; v++ {
		h.RecordValue(v)
	}
	cfg := Config{Profile: ProfileSteady, Rate: 1000, Duration: time.Second, Connections: 1}
	rep := newReport(cfg, Counts{Scheduled: 1000, Sent: 1000, Replies: 1000, Accepted: 990,
		Rejected: map[string]uint64{"PRICE_OFF_TICK": 4, "INSUFFICIENT_FUNDS": 6}}, h)
	want := Latency{Count: 1000, Mean: 500.5, P50: 500, P90: 900, P99: 990, P999: 999, Max: 1000}
	if got := rep.Latency; got != want {
		t.Errorf("latency %+v, want %+v", got, want)
	}
	text := rep.Text()
	for _, s := range []string{
		"p50 500us  p90 900us  p99 990us  p99.9 999us  max 1.00ms",
		"rejected  INSUFFICIENT_FUNDS 6 PRICE_OFF_TICK 4",
		"throughput 1000.0 replies/s",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("text report lacks %q:\n%s", s, text)
		}
	}
	var back Report
	js, err := rep.JSON()
	if err != nil || json.Unmarshal(js, &back) != nil || back.Latency != want || back.Rejected["PRICE_OFF_TICK"] != 4 {
		t.Errorf("JSON report %s (err %v) does not carry the figures", js, err)
	}
}

// A request still unanswered DrainTimeout after the window is sent with an
// unknown outcome, and Run does not wait for it.
func TestRunCountsUnansweredAsOutcomeUnknown(t *testing.T) {
	f := newFakeGateway(t, testInstruments)
	f.delay = 300 * time.Millisecond
	cfg := testConfig(f)
	cfg.Rate, cfg.Duration, cfg.Warmup, cfg.DrainTimeout = 20, 100*time.Millisecond, 0, 20*time.Millisecond
	rep, err := Run(runCtx(t), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Sent != 2 || rep.OutcomeUnknown != 2 || rep.Replies != 0 {
		t.Errorf("sent %d, outcome unknown %d, replies %d; want 2, 2, 0", rep.Sent, rep.OutcomeUnknown, rep.Replies)
	}
}
