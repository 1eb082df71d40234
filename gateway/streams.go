package gateway

import (
	"strings"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/marketdata"
)

// StreamExecutions is the private stream of the caller's own execution
// reports.
const StreamExecutions = "executions"

// streamRef is a parsed public stream name: book.005930,
// candles.1m.005930, ...
type streamRef struct {
	name     string
	symbol   string
	stream   marketdata.Stream
	interval marketdata.Interval // candles only
}

// streamPrefixes maps a stream name's first token to the feed behind it.
var streamPrefixes = map[string]marketdata.Stream{
	"book":    marketdata.StreamBook,
	"depth":   marketdata.StreamDepth,
	"trades":  marketdata.StreamTrade,
	"ticker":  marketdata.StreamTicker,
	"candles": marketdata.StreamCandle,
	"status":  marketdata.StreamStatus,
}

var intervalByName = map[string]marketdata.Interval{
	"1m": marketdata.Minute1, "5m": marketdata.Minute5, "1h": marketdata.Hour1, "1d": marketdata.Day1,
}

// parseStream parses a public stream name against the known symbols.
func parseStream(name string, symbols map[string]bool) (streamRef, *api.Error) {
	kind, rest, _ := strings.Cut(name, ".")
	st, ok := streamPrefixes[kind]
	if !ok {
		return streamRef{}, unknownStream(name)
	}
	ref := streamRef{name: name, symbol: rest, stream: st}
	if st == marketdata.StreamCandle {
		iv, sym, _ := strings.Cut(rest, ".")
		if ref.interval, ok = intervalByName[iv]; !ok {
			return streamRef{}, unknownStream(name)
		}
		ref.symbol = sym
	}
	if !symbols[ref.symbol] {
		return streamRef{}, unknownStream(name)
	}
	return ref, nil
}

func unknownStream(name string) *api.Error {
	if len(name) > 64 {
		name = name[:64] + "..."
	}
	return api.Errorf(api.UnknownStream, "stream %q: expected executions, book.<symbol>, depth.<symbol>, trades.<symbol>, ticker.<symbol>, status.<symbol> or candles.<1m|5m|1h|1d>.<symbol> with a known symbol", name)
}
