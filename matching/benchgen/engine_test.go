package benchgen

import (
	"testing"

	"github.com/mts-krx/mts/matching"
)

// TestStreamOnEngine applies prefill and stream to the real engine (risk off)
// and checks that the model predicted it: no command is rejected, no
// self-match is prevented, and the engine prints exactly the trades the
// model counted. The generator itself never calls the engine; this test is
// what keeps the two in agreement as the engine evolves.
func TestStreamOnEngine(t *testing.T) {
	for _, cfg := range []Config{small(100_000), stock()} {
		t.Run(cfg.Instrument.Symbol, func(t *testing.T) {
			cfg.ClientOrderIDs = true
			r := Run(cfg)
			e, err := matching.NewEngine(matching.Config{Instruments: []matching.Instrument{cfg.Instrument}})
			if err != nil {
				t.Fatal(err)
			}
			apply(t, e, r.Prefill)
			trades := apply(t, e, r.Stream)
			if trades != r.Stats.Trades {
				t.Errorf("engine printed %d trades in the stream, the model %d", trades, r.Stats.Trades)
			}
		})
	}
}

// apply runs commands through e, fails on any rejection or prevented self-
// match, and returns the number of trades.
func apply(t *testing.T, e *matching.Engine, cmds []matching.Command) (trades int) {
	t.Helper()
	for i := range cmds {
		for _, ev := range e.Apply(&cmds[i]) {
			switch {
			case ev.Kind == matching.EvTrade:
				trades++
			case ev.Kind != matching.EvExec:
			case ev.ExecType == matching.ExecRejected, ev.Reason == matching.CxlSelfMatch:
				t.Fatalf("seq %d (%v of order %d by %s): %v %v", cmds[i].Seq, cmds[i].Kind, cmds[i].OrderID, cmds[i].Account, ev.ExecType, ev.Reason)
			}
		}
	}
	return trades
}
