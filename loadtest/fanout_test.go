package loadtest

import (
	"strings"
	"testing"
	"time"
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
	if rep.Driver == nil || rep.Driver.Sent == 0 {
		t.Errorf("driver report %+v, want orders sent", rep.Driver)
	}
	if text := rep.Text(); !strings.Contains(text, "fanout    005930, 4 subscribers") {
		t.Errorf("text report:\n%s", text)
	}
}
