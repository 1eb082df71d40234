package natspub_test

import (
	"testing"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/marketdata/natspub"
	"github.com/mts-krx/mts/matching"
)

// A subscriber to the status stream who joins after the last phase change
// still gets the phase at once: the feed fetches it from the publisher.
func TestStatusForALateSubscriber(t *testing.T) {
	s := runServer(t)
	ins := sampleInstruments(t)
	pub, err := natspub.NewPublisher(connect(t, s), ins, natspub.PublisherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Start(); err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sym := ins[0].Symbol
	cmd := &matching.Command{Kind: matching.CmdSetPhase, Seq: 1, TS: 1}
	pub.PublishCommand(cmd, []matching.Event{{Kind: matching.EvMarketStatus, Seq: 1, TS: 1, Cmd: matching.CmdSetPhase,
		Symbol: sym, Phase: matching.PhaseOpeningAuction}})
	feed := natspub.NewFeed(connect(t, s), natspub.FeedConfig{})
	defer feed.Close()
	var c collector
	waitFor(t, "the publisher to hold the status", func() bool {
		_, err := natspub.RequestStatus(t.Context(), connect(t, s), sym)
		return err == nil
	})
	unsub, err := feed.Subscribe(sym, marketdata.StreamStatus, c.fn)
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	waitFor(t, "the fetched status", func() bool { return len(c.snapshot()) == 1 })
	st := c.snapshot()[0].(*marketdata.Status)
	if st.Phase != matching.PhaseOpeningAuction || st.Seq != 1 {
		t.Fatalf("status %+v", st)
	}
}
