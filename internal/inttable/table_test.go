package inttable

import (
	"math/rand/v2"
	"testing"
)

// TestTableAgainstMap runs random puts, gets and deletes against a Go map.
// Small key ranges force long probe runs, wrap-around at the end of the slot
// array and deletions in the middle of runs, where backward shifting can go
// wrong.
func TestTableAgainstMap(t *testing.T) {
	for _, keys := range []int64{8, 40, 1_000, 1 << 40} {
		r := rand.New(rand.NewPCG(uint64(keys), 7))
		var tb Table[int64, int]
		ref := map[int64]*int{}
		for step := range 200_000 {
			k := r.Int64N(keys) - keys/4 // negative keys too
			switch r.IntN(4) {
			case 3:
				v := new(int)
				_, had := ref[k]
				if got := tb.Insert(k, v); got == had {
					t.Fatalf("keys<%d step %d: insert(%d) = %v with the key stored: %v", keys, step, k, got, had)
				}
				if !had {
					ref[k] = v
				}
			case 0:
				v := new(int)
				*v = step
				tb.Put(k, v)
				ref[k] = v
			case 1:
				tb.Del(k)
				delete(ref, k)
			case 2:
				if got, want := tb.Take(k), ref[k]; got != want {
					t.Fatalf("keys<%d step %d: take(%d) = %p, want %p", keys, step, k, got, want)
				}
				delete(ref, k)
			}
			if got, want := tb.Get(k), ref[k]; got != want {
				t.Fatalf("keys<%d step %d: get(%d) = %p, want %p", keys, step, k, got, want)
			}
			if tb.Len() != len(ref) {
				t.Fatalf("keys<%d step %d: len = %d, want %d", keys, step, tb.Len(), len(ref))
			}
		}
		for k, want := range ref {
			if got := tb.Get(k); got != want {
				t.Fatalf("keys<%d at the end: get(%d) = %p, want %p", keys, k, got, want)
			}
		}
	}
}

func TestTableZeroKey(t *testing.T) {
	var tb Table[uint64, int]
	if tb.Get(0) != nil {
		t.Fatal("empty table: get(0) != nil")
	}
	v := new(int)
	tb.Put(0, v)
	if tb.Get(0) != v || tb.Len() != 1 {
		t.Fatalf("after put(0): get(0) = %p, len %d; want %p, 1", tb.Get(0), tb.Len(), v)
	}
	tb.Del(0)
	if tb.Get(0) != nil || tb.Len() != 0 {
		t.Fatalf("after del(0): get(0) = %p, len %d; want nil, 0", tb.Get(0), tb.Len())
	}
}
