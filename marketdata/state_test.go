package marketdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"github.com/mts-krx/mts/matching"
)

// sessionStream records the package's random flow over the sample
// instruments through an engine with volatility interruptions, with the
// trading day's phases laid over it: every 1,000 commands a day rollover
// (CmdNewDay into the opening auction, moving base prices and limits), the
// open's uncross, a closing auction and the close. So the stream has
// trades, candles closing on every interval, auction indicative prices,
// VIs, phase changes and day rollovers: everything the builder carries
// from one command to the next.
func sessionStream(t testing.TB, seed uint64, n int) *recorded {
	ins := sampleInstruments(t)
	e, err := matching.NewEngine(matching.Config{Instruments: ins, VI: matching.DefaultVI()})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorded{ins: ins}
	f := newFlow(seed, ins, false)
	for i := range n {
		var c matching.Command
		switch i % 1000 {
		case 0:
			c = matching.Command{Kind: matching.CmdNewDay, Phase: matching.PhaseOpeningAuction, Amount: int64(i + 1)}
		case 150:
			c = matching.Command{Kind: matching.CmdSetPhase, Phase: matching.PhaseContinuous}
		case 800:
			c = matching.Command{Kind: matching.CmdSetPhase, Phase: matching.PhaseClosingAuction}
		case 900:
			c = matching.Command{Kind: matching.CmdSetPhase, Phase: matching.PhaseClosed}
		default:
			r.add(f.nextApplied(e))
			continue
		}
		f.stamp(&c)
		r.add(c, e.Apply(&c))
	}
	return r
}

// nextApplied generates the next command and applies it.
func (f *flow) nextApplied(e *matching.Engine) (matching.Command, []matching.Event) {
	c := f.next()
	evs := e.Apply(&c)
	f.observe(evs)
	return c, evs
}

// replay feeds r's commands from..to-1 to b and returns each command's
// messages, encoded and concatenated.
func replay(t testing.TB, b *Builder, r *recorded, from, to int) [][]byte {
	t.Helper()
	out := make([][]byte, 0, to-from)
	var buf []byte
	sink := SinkFunc(func(m Message) { buf = m.Append(buf) })
	start := 0
	if from > 0 {
		start = r.ends[from-1]
	}
	for i := from; i < to; i++ {
		buf = nil
		if err := b.ApplyCommand(&r.cmds[i], r.events[start:r.ends[i]], sink); err != nil {
			t.Fatalf("command %d: %v", r.cmds[i].Seq, err)
		}
		out = append(out, buf)
		start = r.ends[i]
	}
	return out
}

// TestStateContinues: a builder saved after any command and loaded into a
// fresh builder publishes, from there on, byte for byte what an
// uninterrupted builder publishes, and ends in the same state.
func TestStateContinues(t *testing.T) {
	const n = 6_000
	r := sessionStream(t, 11, n)
	whole, err := NewBuilder(r.ins, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := replay(t, whole, r, 0, n)
	checkStreamVariety(t, r)
	final := whole.AppendState(nil)
	for _, cut := range []int{0, 1, 149, 150, 151, 500, 801, 950, 1000, 1001, 2345, 3999, 4000, n - 1, n} {
		first, _ := NewBuilder(r.ins, Config{})
		replay(t, first, r, 0, cut)
		state := first.AppendState(nil)
		second, _ := NewBuilder(r.ins, Config{})
		if err := second.LoadState(state); err != nil {
			t.Fatalf("cut %d: LoadState: %v", cut, err)
		}
		if again := second.AppendState(nil); !bytes.Equal(again, state) {
			t.Fatalf("cut %d: state after a load encodes differently (%d bytes, want %d)", cut, len(again), len(state))
		}
		if second.Seq() != first.Seq() || second.TS() != first.TS() {
			t.Fatalf("cut %d: loaded seq %d ts %d, want %d %d", cut, second.Seq(), second.TS(), first.Seq(), first.TS())
		}
		got := replay(t, second, r, cut, n)
		for i := range got {
			if !bytes.Equal(got[i], want[cut+i]) {
				t.Fatalf("cut %d: command %d published\n%x\nwant\n%x", cut, r.cmds[cut+i].Seq, got[i], want[cut+i])
			}
		}
		if end := second.AppendState(nil); !bytes.Equal(end, final) {
			t.Fatalf("cut %d: final state differs from the uninterrupted builder's", cut)
		}
	}
}

// checkStreamVariety makes sure the stream exercises what the state must
// carry: every stream, closed candles, auctions and a VI.
func checkStreamVariety(t *testing.T, r *recorded) {
	t.Helper()
	b, _ := NewBuilder(r.ins, Config{})
	var streams [StreamStatus + 1]int
	closed, indicative, vi, opening := 0, 0, 0, 0
	start := 0
	for i := range r.cmds {
		err := b.ApplyCommand(&r.cmds[i], r.events[start:r.ends[i]], SinkFunc(func(m Message) {
			streams[m.Stream()]++
			switch m := m.(type) {
			case *Candle:
				if m.Closed {
					closed++
				}
			case *Status:
				if m.IndicativeQty > 0 {
					indicative++
				}
				if m.Phase == matching.PhaseVIAuction {
					vi++
				}
				if m.Phase == matching.PhaseOpeningAuction && m.IndicativePrice == 0 {
					opening++
				}
			}
		}))
		if err != nil {
			t.Fatal(err)
		}
		start = r.ends[i]
	}
	for st := StreamBook; st <= StreamStatus; st++ {
		if streams[st] == 0 {
			t.Errorf("no %v messages in the stream", st)
		}
	}
	if closed == 0 || indicative == 0 || vi == 0 || opening == 0 {
		t.Errorf("stream lacks variety: %d closed candles, %d indicative prices, %d VIs, %d opening auctions", closed, indicative, vi, opening)
	}
	t.Logf("messages per stream %v; %d closed candles, %d indicative, %d VI, %d opening-auction statuses", streams[1:], closed, indicative, vi, opening)
}

// stateAt returns the builder and its state after the first n commands.
func stateAt(t *testing.T, n int) (*recorded, []byte) {
	r := sessionStream(t, 3, n)
	b, err := NewBuilder(r.ins, Config{})
	if err != nil {
		t.Fatal(err)
	}
	replay(t, b, r, 0, n)
	return r, b.AppendState(nil)
}

// TestStateCorrupt: every truncation and every flipped bit is refused
// (the checksum, or the frame), and the refusing builder is unchanged.
func TestStateCorrupt(t *testing.T) {
	r, state := stateAt(t, 1_200)
	b, _ := NewBuilder(r.ins, Config{})
	replay(t, b, r, 0, 10)
	before := b.AppendState(nil)
	check := func(what string, bad []byte) {
		t.Helper()
		if err := b.LoadState(bad); !errors.Is(err, ErrState) {
			t.Fatalf("%s: LoadState = %v, want ErrState", what, err)
		}
		if _, _, err := StateSeq(bad); err == nil && what != "trailing byte" { // StateSeq reads the header only
			t.Fatalf("%s: StateSeq accepted it", what)
		}
		if !bytes.Equal(b.AppendState(nil), before) {
			t.Fatalf("%s: a refused state changed the builder", what)
		}
	}
	for n := 0; n < len(state); n += 1 + n/8 {
		check("truncated", state[:n])
	}
	for i := 0; i < len(state); i += 1 + i/16 {
		bad := bytes.Clone(state)
		bad[i] ^= 1 << (i % 8)
		check("bit flip", bad)
	}
	// A body that is wrong but correctly checksummed.
	bad := bytes.Clone(state[:len(state)-4])
	bad = append(bad, 0)
	check("trailing byte", binary.LittleEndian.AppendUint32(bad, crc32.Checksum(bad, castagnoli)))
}

// TestStateMismatch: a state from another depth or other instruments is
// refused with ErrStateMismatch.
func TestStateMismatch(t *testing.T) {
	r, state := stateAt(t, 300)
	if seq, _, err := StateSeq(state); err != nil || seq != 300 {
		t.Fatalf("StateSeq = %d, %v; want 300", seq, err)
	}
	deeper, _ := NewBuilder(r.ins, Config{Depth: 5})
	if err := deeper.LoadState(state); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("other depth: %v", err)
	}
	fewer, _ := NewBuilder(r.ins[1:], Config{})
	if err := fewer.LoadState(state); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("fewer instruments: %v", err)
	}
	moved := append([]matching.Instrument(nil), r.ins...)
	moved[2].BasePrice += moved[2].Tick.Tick(moved[2].BasePrice)
	other, _ := NewBuilder(moved, Config{})
	if err := other.LoadState(state); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("another base price: %v", err)
	}
	reordered := append([]matching.Instrument(nil), r.ins...)
	reordered[0], reordered[1] = reordered[1], reordered[0]
	same, _ := NewBuilder(reordered, Config{})
	if err := same.LoadState(state); err != nil {
		t.Errorf("the same instruments in another order: %v", err)
	}
}

// FuzzLoadState: no input makes LoadState panic, and what it accepts
// encodes to a state it accepts again, unchanged. The fuzzer's input gets
// a valid checksum, so that it reaches the body's decoder.
func FuzzLoadState(f *testing.F) {
	ins := sampleInstruments(f)
	for _, n := range []int{0, 40, 1_100} {
		r := sessionStream(f, 5, n)
		b, _ := NewBuilder(ins, Config{})
		replay(f, b, r, 0, n)
		f.Add(b.AppendState(nil))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) >= 4 {
			body := src[:len(src)-4]
			src = binary.LittleEndian.AppendUint32(body[:len(body):len(body)], crc32.Checksum(body, castagnoli))
		}
		b, _ := NewBuilder(ins, Config{})
		if err := b.LoadState(src); err != nil {
			return
		}
		enc := b.AppendState(nil)
		again, _ := NewBuilder(ins, Config{})
		if err := again.LoadState(enc); err != nil {
			t.Fatalf("re-encoded state refused: %v", err)
		}
		if !bytes.Equal(again.AppendState(nil), enc) {
			t.Fatal("re-encoded state changes on a second load")
		}
	})
}
