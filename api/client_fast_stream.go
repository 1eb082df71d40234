package api

import "math"

// The fast path for the market data a subscriber reads most: book deltas,
// trades and tickers, decoded without reflection from a frame that
// Client.handle has already checked is valid JSON (json.Unmarshal would
// check it a second time, which was a fifth of a busy subscriber's CPU).
// Like the reply fast path (client_fast.go) it either produces exactly
// what json.Unmarshal would or declines; client_fast_stream_test.go holds
// it to json.Unmarshal by differential fuzzing.

// fastStreamMessage decodes a bookDelta, marketTrade or ticker frame (data
// valid JSON) of type typ, or returns nil.
func fastStreamMessage(typ string, data []byte) any {
	s := string(data) // one copy: every string of the message is a substring
	switch typ {
	case TypeBookDelta:
		m := &BookDelta{}
		if fastObject(s, m.field) {
			return m
		}
	case TypeMarketTrade:
		m := &MarketTrade{}
		if fastObject(s, m.field) {
			return m
		}
	case TypeTicker:
		m := &Ticker{}
		if fastObject(s, m.field) {
			return m
		}
	}
	return nil
}

var headerFields = []string{"type", "symbol", "seq", "srcSeq", "ts"}

// field sets the header field named key (exactly) from v. known says key
// is a header field; ok that v was taken.
func (h *MarketHeader) field(key, v string) (known, ok bool) {
	switch key {
	case "type":
		h.Type, ok = plainString(v)
	case "symbol":
		h.Symbol, ok = plainString(v)
	case "ts":
		h.TS, ok = plainString(v)
	case "seq":
		h.Seq, ok = plainUint(v)
	case "srcSeq":
		h.SrcSeq, ok = plainUint(v)
	default:
		return false, false
	}
	return true, ok
}

// fastFields dispatches one key of a message: the header's, or a string
// field of the message's own (named in fields), or declines a key that
// json.Unmarshal might match another way. other handles keys that are
// neither (false: decline).
func fastFields(h *MarketHeader, key, v string, str func(string) *string, own []string) bool {
	if known, ok := h.field(key, v); known {
		return ok
	}
	if p := str(key); p != nil {
		var ok bool
		*p, ok = plainString(v)
		return ok
	}
	// A key json.Unmarshal would take as one of the envelope's (the frame
	// is decoded as an envelope too, on the general path) is declined, so
	// that a frame routed without its envelope pass (Client.handle) is
	// one the envelope pass would have routed the same way.
	return !foldsTo(key, headerFields...) && !foldsTo(key, own...) && !foldsTo(key, envelopeFields...)
}

var envelopeFields = []string{"id", "status", "type", "result", "error"}

var bookDeltaFields = []string{"changes"}

func (m *BookDelta) field(key, v string) bool {
	if key == "changes" {
		var ok bool
		m.Changes, ok = fastChanges(v)
		return ok
	}
	return fastFields(&m.MarketHeader, key, v, func(string) *string { return nil }, bookDeltaFields)
}

var levelChangeFields = []string{"side", "price", "qty", "count"}

// fastChanges reads a bookDelta's array of level changes.
func fastChanges(v string) ([]LevelChange, bool) {
	if len(v) == 0 || v[0] != '[' {
		return nil, false // null, or not an array: json.Unmarshal's business
	}
	changes := []LevelChange{}
	i := skipWS(v, 1)
	if v[i] == ']' {
		return changes, true
	}
	for {
		end := skipValid(v, i)
		var c LevelChange
		ok := fastObject(v[i:end], func(key, v string) bool {
			var ok bool
			switch key {
			case "side":
				c.Side, ok = plainString(v)
			case "price":
				var s string
				s, ok = plainString(v)
				c.Price = Decimal(s)
			case "qty":
				var s string
				s, ok = plainString(v)
				c.Qty = Decimal(s)
			case "count":
				var n uint64
				n, ok = plainUint(v)
				ok = ok && n <= math.MaxInt32
				c.Count = int32(n)
			default:
				return !foldsTo(key, levelChangeFields...)
			}
			return ok
		})
		if !ok {
			return nil, false
		}
		changes = append(changes, c)
		i = skipWS(v, end)
		if v[i] == ']' {
			return changes, true
		}
		i = skipWS(v, i+1) // past the comma
	}
}

var tradeFields = []string{"tradeId", "price", "qty", "side"}

func (m *MarketTrade) field(key, v string) bool {
	return fastFields(&m.MarketHeader, key, v, func(key string) *string {
		switch key {
		case "tradeId":
			return &m.TradeID
		case "price":
			return (*string)(&m.Price)
		case "qty":
			return (*string)(&m.Qty)
		case "side":
			return &m.Side
		}
		return nil
	}, tradeFields)
}

var tickerFields = []string{"basePrice", "bid", "bidQty", "ask", "askQty", "last", "lastQty", "change",
	"changePct", "open", "high", "low", "volume", "value"}

func (m *Ticker) field(key, v string) bool {
	return fastFields(&m.MarketHeader, key, v, func(key string) *string {
		switch key {
		case "basePrice":
			return (*string)(&m.BasePrice)
		case "bid":
			return (*string)(&m.Bid)
		case "bidQty":
			return (*string)(&m.BidQty)
		case "ask":
			return (*string)(&m.Ask)
		case "askQty":
			return (*string)(&m.AskQty)
		case "last":
			return (*string)(&m.Last)
		case "lastQty":
			return (*string)(&m.LastQty)
		case "change":
			return (*string)(&m.Change)
		case "changePct":
			return &m.ChangePct
		case "open":
			return (*string)(&m.Open)
		case "high":
			return (*string)(&m.High)
		case "low":
			return (*string)(&m.Low)
		case "volume":
			return (*string)(&m.Volume)
		case "value":
			return (*string)(&m.Value)
		}
		return nil
	}, tickerFields)
}
