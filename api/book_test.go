package api

import (
	"errors"
	"strconv"
	"testing"
)

func TestBookAppliesSnapshotAndDeltas(t *testing.T) {
	var b Book
	snap := &BookSnapshot{
		MarketHeader: MarketHeader{Type: TypeBookSnapshot, Symbol: "005930", Seq: 4},
		Bids:         []Level{{"70900", "5", 1}, {"71000", "10", 2}},
		Asks:         []Level{{"71200", "7", 1}, {"71100", "3", 1}},
	}
	if err := b.Apply(snap); err != nil {
		t.Fatalf("Apply(snapshot): %v", err)
	}
	steps := []struct {
		changes    []LevelChange
		bids, asks []Level
	}{
		{ // a new best bid, a level gone
			[]LevelChange{{"buy", "71050", "1", 1}, {"sell", "71100", "0", 0}},
			[]Level{{"71050", "1", 1}, {"71000", "10", 2}, {"70900", "5", 1}},
			[]Level{{"71200", "7", 1}},
		},
		{ // a level's new total; removing a level that is not there changes nothing
			[]LevelChange{{"buy", "71000", "4", 1}, {"sell", "71300", "0", 0}},
			[]Level{{"71050", "1", 1}, {"71000", "4", 1}, {"70900", "5", 1}},
			[]Level{{"71200", "7", 1}},
		},
	}
	for i, s := range steps {
		d := &BookDelta{MarketHeader: MarketHeader{Type: TypeBookDelta, Symbol: "005930", Seq: uint64(5 + i)}, Changes: s.changes}
		if err := b.Apply(d); err != nil {
			t.Fatalf("step %d: Apply: %v", i, err)
		}
		if !b.Equal(s.bids, s.asks) {
			t.Errorf("step %d: got bids %v asks %v, want %v %v", i, b.Bids(), b.Asks(), s.bids, s.asks)
		}
	}
	bid, ask, okb, oka := b.Best()
	if !okb || !oka || bid.Price != "71050" || ask.Price != "71200" {
		t.Errorf("Best() = %v %v %v %v, want 71050 and 71200", bid, ask, okb, oka)
	}
}

func TestBookReportsGap(t *testing.T) {
	var b Book
	d := &BookDelta{MarketHeader: MarketHeader{Symbol: "005930", Seq: 3}}
	if err := b.Apply(d); !errors.Is(err, ErrBookGap) {
		t.Errorf("delta before a snapshot: %v, want ErrBookGap", err)
	}
	b.Apply(&BookSnapshot{MarketHeader: MarketHeader{Symbol: "005930", Seq: 1}})
	if err := b.Apply(d); !errors.Is(err, ErrBookGap) || b.Synced() {
		t.Errorf("seq 3 after 1: %v, synced %v; want ErrBookGap and not synced", err, b.Synced())
	}
	b.Apply(&BookSnapshot{MarketHeader: MarketHeader{Symbol: "005930", Seq: 2}})
	if err := b.Apply(d); err != nil || !b.Synced() {
		t.Errorf("seq 3 after a snapshot at 2: %v, synced %v; want nil and synced", err, b.Synced())
	}
}

func TestDecimalInt64(t *testing.T) {
	for in, want := range map[Decimal]int64{"71000": 71000, "71000.00": 71000, "0": 0, "-5": -5, "+7": 7, "007": 7,
		"999999999999999999": 999999999999999999, "9223372036854775807": 9223372036854775807} {
		if got, err := in.Int64(); err != nil || got != want {
			t.Errorf("Decimal(%q).Int64() = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []Decimal{"", "71000.5", "1e3", "x", ".", "-", "9223372036854775808", "1 ", "٣"} {
		if _, err := in.Int64(); err == nil {
			t.Errorf("Decimal(%q).Int64(): no error", in)
		}
	}
}

// FuzzDecimalInt64: the fast path agrees with strconv on everything.
func FuzzDecimalInt64(f *testing.F) {
	for _, s := range []string{"71000", "-5", "+7", "", "1.0", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, ok := plainInt(s); ok {
			if want, err := strconv.ParseInt(s, 10, 64); err != nil || want != v {
				t.Fatalf("plainInt(%q) = %d; strconv says %d, %v", s, v, want, err)
			}
		}
	})
}
