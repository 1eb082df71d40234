package marketdata_test

import (
	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

// The simulation's risk-on runs need a risk checker; see WithRisk. The
// limits are loose so that the flow's orders pass and its kill switches
// (which need risk on) run: what the test wants from risk is the kill
// switch, whose cancels touch many levels and symbols in one command.
func init() {
	marketdata.WithRisk = func(c *matching.Config) {
		rc := risk.DefaultConfig()
		rc.RateMaxOrders, rc.MaxOpenOrders, rc.DupWindowNanos = 1_000_000, 1_000_000, 1
		rc.Default = risk.Tiers{WarnNotional: 1e15, WarnListedPPM: -1, WarnPriceDevPPM: -1, BlockNotional: 1e16, BlockListedPPM: -1}
		c.Risk = risk.New(rc)
	}
}
