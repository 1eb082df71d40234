package marketdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/mts-krx/mts/matching"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the seed corpus in testdata/fuzz from the samples")

type sample struct {
	name string
	m    Message
}

// samples are fixed messages of every stream. Their encodings are the fuzz
// seed corpus and, compared byte for byte, the format's golden files.
func samples() []sample {
	h := func(seq uint64) Header {
		return Header{Symbol: "005930", Seq: seq, SrcSeq: 123_456, TS: 1_772_409_600_123_456_789}
	}
	var ten []Level
	for i := range 10 {
		ten = append(ten, Level{Price: Price(71_000 - 100*i), Qty: Qty(10 * (i + 1)), Count: i + 1})
	}
	asks := []Level{{Price: 71_100, Qty: 1, Count: 1}, {Price: 71_300, Qty: 250_000, Count: 31}}
	return []sample{
		{"book_change", &BookDelta{Header: h(1), Changes: []Change{{Side: buy, Price: 71_000, Qty: 500, Count: 3}}}},
		{"book_enter_leave", &BookDelta{Header: h(2), Changes: []Change{
			{Side: buy, Price: 71_100, Qty: 10, Count: 1}, {Side: buy, Price: 70_100, Qty: 0, Count: 0},
			{Side: sell, Price: 71_100, Qty: 0, Count: 0}, {Side: sell, Price: 71_400, Qty: 7, Count: 2},
		}}},
		{"book_empty", &BookDelta{Header: h(3)}},
		{"depth_full", &Depth{Header: h(4), Bids: ten, Asks: asks}},
		{"depth_empty", &Depth{Header: Header{Symbol: "069500"}}},
		{"trade", &Trade{Header: h(5), TradeID: 98_765, Price: 71_000, Qty: 37, Side: sell}},
		{"ticker_no_trade", &Ticker{Header: h(6), BasePrice: 71_000, BidPrice: 70_900, BidQty: 100, AskPrice: 71_100, AskQty: 3}},
		{"ticker_down", &Ticker{Header: h(7), BasePrice: 71_000, BidPrice: 69_900, BidQty: 5, AskPrice: 70_000, AskQty: 9,
			Last: 69_900, LastQty: 12, Change: -1_100, ChangeBP: -155, Open: 71_200, High: 71_500, Low: 69_800,
			Volume: 1_234_567, Value: 87_000_000_000}},
		{"candle_open", &Candle{Header: h(8), Interval: Minute5, Start: 1_772_409_600_000_000_000,
			Open: 71_000, High: 71_200, Low: 70_900, Close: 71_100, Volume: 500, Value: 35_550_000}},
		{"candle_closed_day", &Candle{Header: h(9), Interval: Day1, Start: 1_772_377_200_000_000_000,
			Open: 71_000, High: 71_200, Low: 70_900, Close: 71_100, Volume: 500, Value: 35_550_000, Closed: true}},
		{"status_auction", &Status{Header: h(10), Phase: matching.PhaseOpeningAuction, IndicativePrice: 71_100, IndicativeQty: 1_500}},
		{"status_vi", &Status{Header: h(11), Phase: matching.PhaseVIAuction, Until: 1_772_409_720_000_000_000, Trigger: "dynamic"}},
		{"status_uncrossed", &Status{Header: h(12), Phase: matching.PhaseContinuous, AuctionPrice: 71_200}},
		{"extremes", &Trade{Header: Header{Symbol: "ABCDEFGHIJKL", Seq: math.MaxUint64, SrcSeq: math.MaxUint64, TS: math.MinInt64},
			TradeID: math.MaxUint64, Price: math.MaxInt64, Qty: math.MinInt64, Side: buy}},
	}
}

// fuzzTargets maps each fuzz function to the streams whose samples seed it.
var fuzzTargets = map[string]Stream{
	"FuzzDecodeBook": StreamBook, "FuzzDecodeDepth": StreamDepth, "FuzzDecodeTrade": StreamTrade,
	"FuzzDecodeTicker": StreamTicker, "FuzzDecodeCandle": StreamCandle, "FuzzDecodeStatus": StreamStatus,
	"FuzzDecodeMessage": 0,
}

// TestSeedCorpus checks that testdata/fuzz holds the samples' encodings,
// byte for byte: the golden test of the wire format. After an intended
// format change (and a CodecVersion bump), regenerate with
//
//	go test ./marketdata -run TestSeedCorpus -rewrite
func TestSeedCorpus(t *testing.T) {
	for target, stream := range fuzzTargets {
		for _, s := range samples() {
			if stream != 0 && s.m.Stream() != stream {
				continue
			}
			path := filepath.Join("testdata", "fuzz", target, "seed-"+s.name)
			want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s.m.Append(nil))) + ")\n"
			if *rewrite {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != want {
				t.Errorf("%s: %v\n got %q\nwant %q\n(the encoding changed: bump CodecVersion, or rerun with -rewrite if intended)", path, err, got, want)
			}
		}
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, s := range samples() {
		enc := s.m.Append(nil)
		got, err := DecodeMessage(enc)
		if err != nil {
			t.Errorf("%s: %v", s.name, err)
			continue
		}
		if !reflect.DeepEqual(got, s.m) {
			t.Errorf("%s: decoded\n %+v\nwant %+v", s.name, got, s.m)
		}
		if st, _ := PeekStream(enc); st != s.m.Stream() {
			t.Errorf("%s: PeekStream = %v", s.name, st)
		}
	}
}

// TestDecodeReuses: decoding into a used value replaces all of it.
func TestDecodeReuses(t *testing.T) {
	ss := samples()
	for _, a := range ss {
		for _, b := range ss {
			if a.m.Stream() != b.m.Stream() {
				continue
			}
			m := Clone(a.m)
			if err := m.Decode(b.m.Append(nil)); err != nil {
				t.Fatal(err)
			}
			if got, want := m.Append(nil), b.m.Append(nil); !bytes.Equal(got, want) {
				t.Errorf("%s decoded over %s: left %q, want %q", b.name, a.name, got, want)
			}
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, s := range samples() {
		enc := s.m.Append(nil)
		for cut := range len(enc) {
			if _, err := DecodeMessage(enc[:cut]); !errors.Is(err, ErrCodec) {
				t.Errorf("%s cut to %d of %d bytes: %v, want ErrCodec", s.name, cut, len(enc), err)
			}
		}
		if _, err := DecodeMessage(append(enc, 0)); !errors.Is(err, ErrCodec) {
			t.Errorf("%s with a trailing byte: %v", s.name, err)
		}
	}
	trade := (&Trade{Header: Header{Symbol: "A", Seq: 1}, Price: 1, Qty: 1, Side: buy}).Append(nil)
	patch := func(i int, b ...byte) []byte {
		out := append([]byte(nil), trade[:i]...)
		out = append(out, b...)
		return append(out, trade[i+1:]...)
	}
	hostile := binary.AppendUvarint([]byte{CodecVersion, byte(StreamDepth), 1, 'A', 1, 0, 0}, 1<<40)
	for name, b := range map[string][]byte{
		"version 2":               patch(0, 2),
		"unknown stream":          patch(1, 9),
		"empty symbol":            patch(2, 0),
		"symbol too long":         patch(2, 13),
		"non-canonical seq":       patch(4, 0x81, 0x00),
		"side 3":                  patch(len(trade)-1, 3),
		"a trade as a depth":      append([]byte{CodecVersion, byte(StreamDepth)}, trade[2:]...),
		"four billion levels":     hostile,
		"51 levels":               binary.AppendUvarint([]byte{CodecVersion, byte(StreamDepth), 1, 'A', 1, 0, 0}, MaxDepth+1),
		"varint beyond 64 bits":   append([]byte{CodecVersion, byte(StreamTrade), 1, 'A'}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
		"order count above int32": append([]byte{CodecVersion, byte(StreamDepth), 1, 'A', 1, 0, 0, 1, 2, 2, 0x80, 0x80, 0x80, 0x80, 0x08}, 0),
	} {
		if _, err := DecodeMessage(b); !errors.Is(err, ErrCodec) {
			t.Errorf("%s: %v, want ErrCodec", name, err)
		}
	}
	candle := (&Candle{Header: Header{Symbol: "A"}, Interval: Minute1}).Append(nil)
	for name, b := range map[string][]byte{
		"interval 5":    append(append(append([]byte(nil), candle[:7]...), 5), candle[8:]...),
		"closed flag 2": append(append([]byte(nil), candle[:len(candle)-1]...), 2),
	} {
		if _, err := DecodeMessage(b); !errors.Is(err, ErrCodec) {
			t.Errorf("%s: %v, want ErrCodec", name, err)
		}
	}
	if err := (&Trade{}).Decode((&Depth{Header: Header{Symbol: "A"}}).Append(nil)); !errors.Is(err, ErrCodec) {
		t.Errorf("a depth decoded as a trade: %v", err)
	}
}

// TestDecodeAllocs: a gateway decoding one symbol's stream into one value
// allocates nothing once the value has grown.
func TestDecodeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race runtime allocates behind the code's back")
	}
	for _, s := range samples() {
		enc := s.m.Append(nil)
		m := Clone(s.m)
		if n := testing.AllocsPerRun(100, func() { _ = m.Decode(enc) }); n != 0 {
			t.Errorf("%s: %v allocations per decode", s.name, n)
		}
	}
}

// The fuzz targets: any input either fails with ErrCodec or decodes to a
// message whose encoding is the input (the encoding is canonical), and
// decoding into a used value gives the same message as into a new one.

func FuzzDecodeBook(f *testing.F)   { fuzzDecode(f, func() Message { return &BookDelta{} }) }
func FuzzDecodeDepth(f *testing.F)  { fuzzDecode(f, func() Message { return &Depth{} }) }
func FuzzDecodeTrade(f *testing.F)  { fuzzDecode(f, func() Message { return &Trade{} }) }
func FuzzDecodeTicker(f *testing.F) { fuzzDecode(f, func() Message { return &Ticker{} }) }
func FuzzDecodeCandle(f *testing.F) { fuzzDecode(f, func() Message { return &Candle{} }) }
func FuzzDecodeStatus(f *testing.F) { fuzzDecode(f, func() Message { return &Status{} }) }

func FuzzDecodeMessage(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMessage(data)
		if err != nil {
			if !errors.Is(err, ErrCodec) {
				t.Fatalf("error %v does not wrap ErrCodec", err)
			}
			return
		}
		if enc := m.Append(nil); !bytes.Equal(enc, data) {
			t.Fatalf("decode-encode changed %q into %q", data, enc)
		}
	})
}

func fuzzDecode(f *testing.F, fresh func() Message) {
	used := fresh() // the stream's longest sample, for decoding over
	for _, s := range samples() {
		if s.m.Stream() == used.Stream() && len(s.m.Append(nil)) > len(used.Append(nil)) {
			used = Clone(s.m)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := fresh()
		err := m.Decode(data)
		if err != nil {
			if !errors.Is(err, ErrCodec) {
				t.Fatalf("error %v does not wrap ErrCodec", err)
			}
			return
		}
		enc := m.Append(nil)
		if !bytes.Equal(enc, data) {
			t.Fatalf("decode-encode changed %q into %q", data, enc)
		}
		u := Clone(used)
		if err := u.Decode(data); err != nil || !bytes.Equal(u.Append(nil), enc) {
			t.Fatalf("decoding into a used value: %v, %q; want %q", err, u.Append(nil), enc)
		}
	})
}
