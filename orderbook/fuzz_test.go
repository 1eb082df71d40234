package orderbook

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/fuzz/FuzzBook from fuzzSeeds")

// Fuzz input is a sequence of 4-byte operations; a trailing partial one is
// ignored. Inputs of more than maxFuzzOps operations are not run: every op
// compares the whole book with the reference, so long inputs are slow to run
// and far slower to minimize, and short ones reach the same states.
//
//	byte 0: bits 0-1 kind (add, remove, reduce, match), bit 2 side (buy, sell),
//	        bit 3 flag (add: reuse a dead id; match: rest the remainder),
//	        bit 4 with kind remove: a move instead (to the price and quantity)
//	byte 1: price; bit 7 clear: gridPrice(byte&15 - 8), 16 prices so that levels
//	        collide and cross; bit 7 set: gridPrice(byte&127 - 64), 128 prices so
//	        that a side can hold many levels
//	byte 2: quantity - 1, low 6 bits (reduce: resolved against the order's leaves)
//	byte 3: pick (remove, reduce: which resting order; add: which dead id)
const (
	opSize      = 4
	narrowTicks = 16
	wideTicks   = 128
	maxFuzzOps  = 128
	fuzzQtyMask = 63
)

func decodeOp(b []byte) op {
	kind := opKind(b[0] & 3)
	if kind == opRemove && b[0]>>4&1 == 1 {
		kind = opMove
	}
	return op{
		kind:  kind,
		side:  Buy + Side(b[0]>>2&1),
		flag:  b[0]>>3&1 == 1,
		price: decodePrice(b[1]),
		qty:   1 + Qty(b[2]&fuzzQtyMask),
		pick:  int(b[3]),
	}
}

// encodeOp is the inverse of decodeOp for the ops it can represent; the seeds
// are written with it so that they read as operations.
func encodeOp(o op) []byte {
	b0 := byte(o.kind) | byte(o.side-Buy)<<2
	if o.flag {
		b0 |= 1 << 3
	}
	if o.kind == opMove {
		b0 = byte(opRemove) | byte(o.side-Buy)<<2 | 1<<4
	}
	return []byte{b0, encodePrice(o.price), byte(o.qty - 1), byte(o.pick)}
}

func decodePrice(b byte) Price {
	if b&0x80 == 0 {
		return gridPrice(int(b&(narrowTicks-1)) - narrowTicks/2)
	}
	return gridPrice(int(b&(wideTicks-1)) - wideTicks/2)
}

func encodePrice(p Price) byte {
	tick := int((p - gridMid) / gridTick)
	if tick >= -narrowTicks/2 && tick < narrowTicks/2 {
		return byte(tick + narrowTicks/2)
	}
	return 0x80 | byte(tick+wideTicks/2)
}

func encodeOps(ops ...op) []byte {
	var data []byte
	for _, o := range ops {
		data = append(data, encodeOp(o)...)
	}
	return data
}

// Shorthands for the seeds; price arguments are grid ticks from the mid.
func addOp(s Side, tick int, qty Qty) op {
	return op{kind: opAdd, side: s, price: gridPrice(tick), qty: qty}
}
func addReuseOp(s Side, tick int, qty Qty, pick int) op {
	return op{kind: opAdd, side: s, price: gridPrice(tick), qty: qty, flag: true, pick: pick}
}
func removeOp(pick int) op { return op{kind: opRemove, side: Buy, price: gridMid, qty: 1, pick: pick} }
func reduceOp(pick int, qty Qty) op {
	return op{kind: opReduce, side: Buy, price: gridMid, qty: qty, pick: pick}
}
func moveOp(pick, tick int, qty Qty) op {
	return op{kind: opMove, side: Buy, price: gridPrice(tick), qty: qty, pick: pick}
}
func matchOp(s Side, limitTick int, qty Qty, rest bool) op {
	return op{kind: opMatch, side: s, price: gridPrice(limitTick), qty: qty, flag: rest}
}

// fuzzSeeds are the interesting starting points, by name. The seed corpus in
// testdata/fuzz/FuzzBook is these, encoded; regenerate it with
//
//	go test ./orderbook -run TestFuzzCorpus -write-corpus
var fuzzSeeds = []struct {
	name string
	ops  []op
}{
	{"both-sides-best-empties", []op{
		addOp(Buy, -1, 5), addOp(Buy, -3, 7), addOp(Buy, -2, 1),
		addOp(Sell, 1, 5), addOp(Sell, 3, 7), addOp(Sell, 2, 1),
		removeOp(0), removeOp(2), // best bid, then best ask (priority order, bids first)
		reduceOp(0, 1), reduceOp(1, 1), // empty the new bests
	}},
	{"fifo-queue-reduce-middle", []op{
		addOp(Sell, 0, 3), addOp(Sell, 0, 4), addOp(Sell, 0, 5), addOp(Sell, 0, 6),
		reduceOp(1, 2), reduceOp(2, 5), removeOp(0),
		matchOp(Buy, 0, 6, false),
	}},
	{"sweep-levels-and-rest", []op{
		addOp(Sell, 1, 2), addOp(Sell, 2, 2), addOp(Sell, 2, 3), addOp(Sell, 4, 9),
		addOp(Buy, -1, 4),
		matchOp(Buy, 3, 20, true), // sweeps 1 and 2, stops before 4, rests 13 at 3
		matchOp(Sell, -2, 15, true),
	}},
	{"reuse-dead-ids", []op{
		addOp(Buy, 0, 1), addOp(Buy, 0, 2), removeOp(0), reduceOp(0, 2),
		addReuseOp(Sell, 0, 3, 0), addReuseOp(Sell, 0, 4, 0), addReuseOp(Buy, 0, 5, 0),
		matchOp(Buy, 7, 64, false),
	}},
	{"crossed-book", []op{
		addOp(Buy, 5, 10), addOp(Sell, -5, 10), addOp(Buy, 4, 1), addOp(Sell, -4, 1),
		matchOp(Sell, -7, 64, true), matchOp(Buy, 7, 64, true),
	}},
	{"many-levels-empty-and-refill", manyLevels()},
	{"move-within-and-across-levels", []op{
		addOp(Buy, -1, 5), addOp(Buy, -1, 6), addOp(Buy, -3, 7), addOp(Sell, 2, 8),
		moveOp(0, -1, 4), // the head of its level to the back of the same level
		moveOp(0, -2, 3), // leaves a level for a new one
		moveOp(2, -2, 2), // empties a level, joins an existing one
		moveOp(3, 4, 9),  // the only ask, to a new price
		matchOp(Sell, -3, 64, false),
	}},
}

// manyLevels grows the bids to 66 levels in a scattered order, cancels some
// from the middle, sweeps the rest away so that the side empties, and refills.
func manyLevels() []op {
	var ops []op
	for i := range 66 {
		ops = append(ops, addOp(Buy, (i*37)%66-33, 1)) // a scattered arrival order
	}
	for i := range 10 {
		ops = append(ops, removeOp(30-i))
	}
	ops = append(ops, matchOp(Sell, -64, 64, false), matchOp(Sell, -64, 64, false))
	return append(ops, addOp(Sell, 60, 1), addOp(Buy, -60, 1), addOp(Sell, 0, 1), addOp(Buy, 0, 1))
}

// FuzzBook decodes its input as operations, applies them to Book and the naive
// reference, and checks Check and every observable after each one.
func FuzzBook(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzOps*opSize {
			return
		}
		h := newHarness()
		for i := 0; i+opSize <= len(data); i += opSize {
			o := decodeOp(data[i : i+opSize])
			if err := h.apply(o); err != nil {
				t.Fatalf("op %d %v: %v", i/opSize, o, err)
			}
		}
	})
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzBook in step with fuzzSeeds, so the
// seeds stay readable here and FuzzBook runs them as its seed corpus.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzBook")
	for _, s := range fuzzSeeds {
		path := filepath.Join(dir, s.name)
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", encodeOps(s.ops...))
		if *writeCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("%s is out of date with fuzzSeeds (err %v); run go test ./orderbook -run TestFuzzCorpus -write-corpus", path, err)
		}
	}
}

func TestEncodeDecodeOp(t *testing.T) {
	for _, s := range fuzzSeeds {
		for _, o := range s.ops {
			if got := decodeOp(encodeOp(o)); got != o {
				t.Errorf("%s: decodeOp(encodeOp(%v)) = %v", s.name, o, got)
			}
		}
	}
}
