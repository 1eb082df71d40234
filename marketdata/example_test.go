package marketdata_test

import (
	"fmt"
	"time"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/matching"
)

// A builder fed from an engine, and a gateway-side replica kept from the
// builder's book deltas.
func Example() {
	ins := []matching.Instrument{{Symbol: "005930", Market: "KOSPI", BasePrice: 71_000, Tick: matching.TickStock, MaxOrderQty: 1000}}
	e, _ := matching.NewEngine(matching.Config{Instruments: ins})
	b, _ := marketdata.NewBuilder(ins, marketdata.Config{Depth: 5})

	snap, _ := b.Snapshot("005930") // a gateway would request md.005930.snapshot
	replica := marketdata.NewReplica(5)
	_ = replica.Reset(&snap)

	sink := marketdata.SinkFunc(func(m marketdata.Message) {
		switch m := m.(type) {
		case *marketdata.BookDelta:
			fmt.Printf("book   #%d %+v\n", m.Seq, m.Changes)
			if err := replica.Apply(m); err != nil {
				fmt.Println("resync:", err)
			}
		case *marketdata.Trade:
			fmt.Printf("trade  #%d %d×%d, %v aggressor\n", m.Seq, m.Price, m.Qty, m.Side)
		case *marketdata.Ticker:
			fmt.Printf("ticker #%d bid %d ask %d last %d (%+d bp) volume %d\n", m.Seq, m.BidPrice, m.AskPrice, m.Last, m.ChangeBP, m.Volume)
		case *marketdata.Candle:
			if m.Interval == marketdata.Minute1 {
				fmt.Printf("candle #%d 1m %s O%d H%d L%d C%d V%d\n", m.Seq,
					time.Unix(0, m.Start).In(marketdata.KST).Format("15:04"), m.Open, m.High, m.Low, m.Close, m.Volume)
			}
		}
	})
	ts := time.Date(2026, 3, 2, 9, 0, 0, 0, marketdata.KST).UnixNano()
	orders := []matching.Command{
		{Account: "A", Side: matching.Sell, Price: 71_100, Qty: 10},
		{Account: "B", Side: matching.Buy, Price: 70_900, Qty: 5},
		{Account: "C", Side: matching.Buy, Price: 71_100, Qty: 4},
	}
	for i, c := range orders {
		c.Kind, c.Symbol, c.Type, c.TIF = matching.CmdPlace, "005930", matching.Limit, matching.Day
		c.Seq, c.TS = uint64(i+1), ts+int64(i)*int64(time.Second)
		if err := b.ApplyCommand(&c, e.Apply(&c), sink); err != nil {
			panic(err)
		}
	}
	fmt.Printf("replica #%d bids %v asks %v\n", replica.Seq(), replica.Bids(), replica.Asks())
	// Output:
	// book   #1 [{Side:sell Price:71100 Qty:10 Count:1}]
	// ticker #1 bid 0 ask 71100 last 0 (+0 bp) volume 0
	// book   #2 [{Side:buy Price:70900 Qty:5 Count:1}]
	// ticker #2 bid 70900 ask 71100 last 0 (+0 bp) volume 0
	// trade  #1 71100×4, buy aggressor
	// book   #3 [{Side:sell Price:71100 Qty:6 Count:1}]
	// ticker #3 bid 70900 ask 71100 last 71100 (+14 bp) volume 4
	// candle #1 1m 09:00 O71100 H71100 L71100 C71100 V4
	// replica #3 bids [{70900 5 1}] asks [{71100 6 1}]
}
