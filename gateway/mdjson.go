package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/marketdata"
)

// Encoders of market-data messages into their wire JSON. The fan-out calls
// each once per message, whatever the number of subscribers.

func header(typ string, h marketdata.Header) api.MarketHeader {
	return api.MarketHeader{Type: typ, Symbol: h.Symbol, Seq: h.Seq, SrcSeq: h.SrcSeq, TS: FormatTS(h.TS)}
}

func levels(ls []marketdata.Level) []api.Level {
	out := make([]api.Level, len(ls))
	for i, l := range ls {
		out[i] = api.Level{Price: number(int64(l.Price)), Qty: number(int64(l.Qty)), Count: int32(l.Count)}
	}
	return out
}

// encodeBook renders a Depth as a bookSnapshot (typ TypeBookSnapshot) or a
// depth message (TypeDepth); both have the same shape.
func encodeBook(typ string, d *marketdata.Depth) []byte {
	return mustJSON(api.BookSnapshot{MarketHeader: header(typ, d.Header), Bids: levels(d.Bids), Asks: levels(d.Asks)})
}

func encodeDelta(d *marketdata.BookDelta) []byte {
	changes := make([]api.LevelChange, len(d.Changes))
	for i, c := range d.Changes {
		changes[i] = api.LevelChange{Side: side(c.Side), Price: number(int64(c.Price)), Qty: number(int64(c.Qty)), Count: int32(c.Count)}
	}
	return mustJSON(api.BookDelta{MarketHeader: header(api.TypeBookDelta, d.Header), Changes: changes})
}

func encodeTrade(t *marketdata.Trade) []byte {
	return mustJSON(api.MarketTrade{
		MarketHeader: header(api.TypeMarketTrade, t.Header),
		TradeID:      strconv.FormatUint(t.TradeID, 10),
		Price:        number(int64(t.Price)), Qty: number(int64(t.Qty)), Side: side(t.Side),
	})
}

func encodeTicker(t *marketdata.Ticker) []byte {
	return mustJSON(api.Ticker{
		MarketHeader: header(api.TypeTicker, t.Header),
		BasePrice:    number(int64(t.BasePrice)),
		Bid:          number(int64(t.BidPrice)), BidQty: number(int64(t.BidQty)),
		Ask: number(int64(t.AskPrice)), AskQty: number(int64(t.AskQty)),
		Last: number(int64(t.Last)), LastQty: number(int64(t.LastQty)),
		Change: number(int64(t.Change)), ChangePct: percent(t.ChangeBP),
		Open: number(int64(t.Open)), High: number(int64(t.High)), Low: number(int64(t.Low)),
		Volume: number(int64(t.Volume)), Value: number(t.Value),
	})
}

func encodeCandle(c *marketdata.Candle) []byte {
	return mustJSON(api.Candle{
		MarketHeader: header(api.TypeCandle, c.Header),
		Interval:     c.Interval.String(), Start: FormatTS(c.Start),
		Open: number(int64(c.Open)), High: number(int64(c.High)), Low: number(int64(c.Low)),
		Close: number(int64(c.Close)), Volume: number(int64(c.Volume)), Value: number(c.Value),
		Closed: c.Closed,
	})
}

func encodeStatus(s *marketdata.Status) []byte {
	return mustJSON(api.MarketStatus{
		MarketHeader:    header(api.TypeMarketStatus, s.Header),
		Phase:           s.Phase.String(),
		IndicativePrice: optional(int64(s.IndicativePrice)), IndicativeQty: optional(int64(s.IndicativeQty)),
		AuctionPrice: optional(int64(s.AuctionPrice)), Until: optionalTS(s.Until), Trigger: s.Trigger,
	})
}

// optionalTS formats a Unix-ns time, or "" for 0.
func optionalTS(ns int64) string {
	if ns == 0 {
		return ""
	}
	return FormatTS(ns)
}

func encodeResync(stream, reason string) []byte {
	return mustJSON(api.Resync{Type: api.TypeResync, Stream: stream, Reason: reason})
}

// percent renders basis points as a percentage with two decimals:
// -125 is "-1.25", 5 is "0.05".
func percent(bp int64) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	frac := strconv.FormatInt(bp%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(bp/100, 10) + "." + frac
}

// mustJSON marshals values built from the api types, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("gateway: marshal " + err.Error())
	}
	return b
}
