package loadtest

import (
	"strings"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
)

func TestRunFanoutCounts(t *testing.T) {
	f := newFakeGateway(t, testInstruments)
	driver := testConfig(f)
	driver.Rate = 200
	rep, err := RunFanout(runCtx(t), FanoutConfig{
		URL: f.url(), Symbol: "005930", Subscribers: 4, Duration: 200 * time.Millisecond, Driver: &driver,
	})
	if err != nil {
		t.Fatalf("RunFanout: %v", err)
	}
	if rep.ByType["bookDelta"] == 0 || rep.ByType["marketTrade"] == 0 || rep.Messages == 0 {
		t.Errorf("messages by type %v, want book deltas and trades", rep.ByType)
	}
	if rep.BookGaps != 0 || rep.TradeGaps != 0 || rep.BookErrors != 0 || rep.Disconnects != 0 {
		t.Errorf("gaps: book %d, trades %d, book errors %d, disconnects %d; want none from a gap-free feed",
			rep.BookGaps, rep.TradeGaps, rep.BookErrors, rep.Disconnects)
	}
	if rep.Healthy != 4 || rep.HealthyGaps != 0 {
		t.Errorf("healthy %d with %d gaps, want all 4 and none", rep.Healthy, rep.HealthyGaps)
	}
	if rep.Driver == nil || rep.Driver.Sent == 0 {
		t.Errorf("driver report %+v, want orders sent", rep.Driver)
	}
	if text := rep.Text(); !strings.Contains(text, "fanout    005930, 4 subscribers") {
		t.Errorf("text report:\n%s", text)
	}
}

// TestFanoutHealthy: a subscriber the server resynced (dropped messages
// for) is no longer healthy, and the trade gap it then sees is not counted
// against the healthy ones; a healthy subscriber's gap is.
func TestFanoutHealthy(t *testing.T) {
	var tally fanoutTally
	tally.counting.Store(true)
	cut, ok := &subscriber{tally: &tally}, &subscriber{tally: &tally}
	tally.subs = []*subscriber{cut, ok}
	cut.handle(&api.MarketTrade{MarketHeader: api.MarketHeader{Type: api.TypeMarketTrade, Seq: 1}})
	cut.handle(&api.Resync{Type: api.TypeResync, Stream: "trades.005930", Reason: "slow_consumer"})
	cut.handle(&api.MarketTrade{MarketHeader: api.MarketHeader{Type: api.TypeMarketTrade, Seq: 5}})
	rep := tally.report(FanoutConfig{Symbol: "005930", Subscribers: 2, Duration: time.Second})
	if rep.Healthy != 1 || rep.HealthyGaps != 0 || rep.TradeGaps != 1 || rep.Resyncs != 1 {
		t.Errorf("healthy %d, healthy gaps %d, trade gaps %d, resyncs %d; want 1, 0, 1, 1",
			rep.Healthy, rep.HealthyGaps, rep.TradeGaps, rep.Resyncs)
	}
	ok.handle(&api.MarketTrade{MarketHeader: api.MarketHeader{Type: api.TypeMarketTrade, Seq: 1}})
	ok.handle(&api.MarketTrade{MarketHeader: api.MarketHeader{Type: api.TypeMarketTrade, Seq: 3}})
	if rep := tally.report(FanoutConfig{Subscribers: 2, Duration: time.Second}); rep.Healthy != 1 || rep.HealthyGaps != 1 {
		t.Errorf("after a gap at a healthy subscriber: healthy %d with %d gaps, want 1 with 1", rep.Healthy, rep.HealthyGaps)
	}
}
