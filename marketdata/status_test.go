package marketdata

import (
	"testing"

	"github.com/mts-krx/mts/matching"
)

// The status stream: an auction's indicative price and volume after each
// command that changed its book, the phase change that uncrossed it with
// the auction price, a VI's end and trigger; one per-symbol sequence.
func TestBuilderStatus(t *testing.T) {
	f := newFixture(t, 5)
	msgs := f.cmd(matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdSetPhase, Symbol: "AAA", Phase: matching.PhaseOpeningAuction})
	st := statusOf(t, msgs)
	if st.Seq != 1 || st.Phase != matching.PhaseOpeningAuction || st.AuctionPrice != 0 || st.IndicativePrice != 0 {
		t.Fatalf("opening: %+v", st)
	}
	msgs = f.cmd(lvl("AAA", buy, 13_000, 5, 1), matching.Event{Kind: matching.EvAuction, Symbol: "AAA", Phase: matching.PhaseOpeningAuction, Price: 13_000, Qty: 5})
	if st := statusOf(t, msgs); st.Seq != 2 || st.IndicativePrice != 13_000 || st.IndicativeQty != 5 {
		t.Fatalf("indicative: %+v", st)
	}
	msgs = f.cmd(matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdSetPhase, Symbol: "AAA", Phase: matching.PhaseContinuous, Price: 13_000})
	if st := statusOf(t, msgs); st.Seq != 3 || st.Phase != matching.PhaseContinuous || st.AuctionPrice != 13_000 {
		t.Fatalf("uncross: %+v", st)
	}
	msgs = f.cmd(matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdPlace, Symbol: "AAA", Phase: matching.PhaseVIAuction, Extra: &matching.Extra{Until: 42, Text: "dynamic"}})
	if st := statusOf(t, msgs); st.Seq != 4 || st.Until != 42 || st.Trigger != "dynamic" {
		t.Fatalf("VI: %+v", st)
	}
	refused := matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdSetPhase, Symbol: "AAA", Phase: matching.PhaseClosed, Reason: matching.RejMarketClosed}
	if msgs := f.cmd(refused); len(msgs) != 0 {
		t.Fatalf("a refused phase command published %s", streams(msgs))
	}
}

func statusOf(t *testing.T, msgs []Message) Status {
	t.Helper()
	for _, m := range msgs {
		if s, ok := m.(*Status); ok {
			return *s
		}
	}
	t.Fatalf("no status among %s", streams(msgs))
	return Status{}
}
