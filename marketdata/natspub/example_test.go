package natspub_test

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/marketdata/natspub"
	"github.com/mts-krx/mts/matching"
)

// The engine side publishes, a gateway's Feed subscribes to the book: the
// first message is the book as it stands, then deltas.
func Example() {
	s, _ := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	s.Start()
	defer s.Shutdown()
	s.ReadyForConnections(10 * time.Second)
	engineConn, _ := nats.Connect(s.ClientURL())
	defer engineConn.Close()
	gatewayConn, _ := nats.Connect(s.ClientURL())
	defer gatewayConn.Close()

	ins := []matching.Instrument{{Symbol: "005930", Market: "KOSPI", BasePrice: 71_000, Tick: matching.TickStock, MaxOrderQty: 1000}}
	e, _ := matching.NewEngine(matching.Config{Instruments: ins})
	p, _ := natspub.NewPublisher(engineConn, ins, natspub.PublisherConfig{Depth: 5})
	_ = p.Start() // after Replay of the day's journal, before the engine loop starts

	feed := natspub.NewFeed(gatewayConn, natspub.FeedConfig{Depth: 5})
	defer feed.Close()
	got := make(chan string, 10)
	unsubscribe, _ := feed.Subscribe("005930", marketdata.StreamBook, func(m marketdata.Message) {
		switch m := m.(type) {
		case *marketdata.Depth:
			got <- fmt.Sprintf("depth #%d bids %v asks %v", m.Seq, m.Bids, m.Asks)
		case *marketdata.BookDelta:
			got <- fmt.Sprintf("delta #%d %+v", m.Seq, m.Changes)
		}
	})
	defer unsubscribe()
	fmt.Println(<-got)

	cmd := matching.Command{Kind: matching.CmdPlace, Seq: 1, TS: time.Date(2026, 3, 2, 9, 0, 0, 0, marketdata.KST).UnixNano(),
		Account: "A", Symbol: "005930", Side: matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: 70_900, Qty: 5}
	p.PublishCommand(&cmd, e.Apply(&cmd)) // the loop calls p.Publish(batch) instead
	fmt.Println(<-got)
	_ = p.Close()
	// Output:
	// depth #0 bids [] asks []
	// delta #1 [{Side:buy Price:70900 Qty:5 Count:1}]
}
