package marketdata

import (
	"errors"
	"reflect"
	"testing"
)

func depthOf(seq uint64, bids, asks []Level) *Depth {
	return &Depth{Header: Header{Symbol: "AAA", Seq: seq}, Bids: bids, Asks: asks}
}

func deltaAt(seq uint64, ch ...Change) *BookDelta {
	return &BookDelta{Header: Header{Symbol: "AAA", Seq: seq}, Changes: ch}
}

func TestReplicaFollowsDeltas(t *testing.T) {
	r := NewReplica(2)
	if err := r.Apply(deltaAt(1)); !errors.Is(err, ErrStale) {
		t.Errorf("Apply before Reset: %v, want ErrStale", err)
	}
	bids := []Level{{Price: 100, Qty: 5, Count: 1}, {Price: 99, Qty: 3, Count: 1}}
	if err := r.Reset(depthOf(7, bids, nil)); err != nil {
		t.Fatal(err)
	}
	// Buffered deltas from before the snapshot are ignored.
	if err := r.Apply(deltaAt(7, Change{Side: buy, Price: 1, Qty: 1, Count: 1})); err != nil {
		t.Errorf("old delta: %v", err)
	}
	// A new best pushes 99 out; the delta lists the entry before the exit,
	// so the side briefly holds three levels.
	err := r.Apply(deltaAt(8, Change{Side: buy, Price: 101, Qty: 1, Count: 1}, Change{Side: buy, Price: 99},
		Change{Side: sell, Price: 103, Qty: 2, Count: 2}))
	if err != nil {
		t.Fatal(err)
	}
	var got Depth
	r.Snapshot(&got)
	want := depthOf(8, []Level{{Price: 101, Qty: 1, Count: 1}, {Price: 100, Qty: 5, Count: 1}}, []Level{{Price: 103, Qty: 2, Count: 2}})
	if !reflect.DeepEqual(&got, want) || r.Seq() != 8 || !r.Synced() {
		t.Errorf("after delta 8: %+v, want %+v", got, *want)
	}
	if !reflect.DeepEqual(r.Bids(), want.Bids) || !reflect.DeepEqual(r.Asks(), want.Asks) {
		t.Errorf("Bids/Asks = %v %v", r.Bids(), r.Asks())
	}
	// A gap: stale until the next Reset.
	if err := r.Apply(deltaAt(10)); !errors.Is(err, ErrGap) || r.Synced() {
		t.Errorf("delta 10 after 8: %v, synced %v; want ErrGap, stale", err, r.Synced())
	}
	if err := r.Apply(deltaAt(9)); !errors.Is(err, ErrStale) {
		t.Errorf("delta 9 on a stale replica: %v, want ErrStale", err)
	}
	if err := r.Reset(depthOf(10, nil, nil)); err != nil || !r.Synced() || r.Seq() != 10 {
		t.Errorf("Reset after a gap: %v, synced %v, seq %d", err, r.Synced(), r.Seq())
	}
	// A new day's builder numbers from 1 again: an old seq from a newer
	// command is a gap, not a duplicate.
	restarted := deltaAt(1)
	restarted.SrcSeq = 5
	if err := r.Apply(restarted); !errors.Is(err, ErrGap) || r.Synced() {
		t.Errorf("seq 1 from command 5 after seq 10 from command 0: %v, synced %v; want ErrGap", err, r.Synced())
	}
}

func TestReplicaRejectsBadInput(t *testing.T) {
	l := func(p Price) Level { return Level{Price: p, Qty: 1, Count: 1} }
	for name, d := range map[string]*Depth{
		"bids not best first": depthOf(1, []Level{l(99), l(100)}, nil),
		"asks not best first": depthOf(1, nil, []Level{l(101), l(100)}),
		"duplicate price":     depthOf(1, []Level{l(100), l(100)}, nil),
		"crossed":             depthOf(1, []Level{l(100)}, []Level{l(100)}),
		"too deep":            depthOf(1, []Level{l(100), l(99), l(98)}, nil),
		"zero quantity":       depthOf(1, []Level{{Price: 100, Count: 1}}, nil),
		"zero count":          depthOf(1, []Level{{Price: 100, Qty: 1}}, nil),
	} {
		r := NewReplica(2)
		if err := r.Reset(d); !errors.Is(err, ErrBadBook) || r.Synced() {
			t.Errorf("Reset with %s: %v, synced %v; want ErrBadBook", name, err, r.Synced())
		}
	}
	base := depthOf(1, []Level{l(100)}, []Level{l(102)})
	for name, d := range map[string]*BookDelta{
		"removal of a missing level": deltaAt(2, Change{Side: buy, Price: 99}),
		"crossing":                   deltaAt(2, Change{Side: buy, Price: 102, Qty: 1, Count: 1}),
		"too deep":                   deltaAt(2, Change{Side: buy, Price: 99, Qty: 1, Count: 1}, Change{Side: buy, Price: 98, Qty: 1, Count: 1}),
		"no side":                    deltaAt(2, Change{Price: 99, Qty: 1, Count: 1}),
		"quantity without count":     deltaAt(2, Change{Side: buy, Price: 99, Qty: 1}),
		"other symbol":               {Header: Header{Symbol: "BBB", Seq: 2}},
		"negative quantity":          deltaAt(2, Change{Side: buy, Price: 100, Qty: -1, Count: 1}),
	} {
		r := NewReplica(2)
		if err := r.Reset(base); err != nil {
			t.Fatal(err)
		}
		if err := r.Apply(d); !errors.Is(err, ErrBadBook) || r.Synced() {
			t.Errorf("delta with %s: %v, synced %v; want ErrBadBook", name, err, r.Synced())
		}
	}
}

func TestReplicaDepthPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewReplica(MaxDepth+1) did not panic")
		}
	}()
	NewReplica(MaxDepth + 1)
}

// FuzzReplica feeds a replica random deltas: it may refuse them, but never
// panics, and whenever it says it is synced its book is a valid top-N.
func FuzzReplica(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReplica(3)
		if err := r.Reset(depthOf(0, nil, nil)); err != nil {
			t.Fatal(err)
		}
		seq := uint64(0)
		for len(data) >= 3 {
			c := Change{Side: Side(data[0]%3 + 0), Price: Price(90 + data[1]%20), Qty: Qty(data[2] % 4)}
			if c.Qty > 0 {
				c.Count = 1
			}
			data = data[3:]
			seq++
			err := r.Apply(deltaAt(seq, c))
			if err != nil {
				if err := r.Reset(depthOf(seq, nil, nil)); err != nil {
					t.Fatal(err)
				}
				continue
			}
			var d Depth
			r.Snapshot(&d)
			if err := NewReplica(3).Reset(&d); err != nil {
				t.Fatalf("synced replica holds an invalid book: %v", err)
			}
		}
	})
}
