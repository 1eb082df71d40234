package journal

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

const corruptN = 300

// corruptJournal is an open journal holding records 1..corruptN.
func corruptJournal(t *testing.T) *Journal {
	j := openJournal(t, testOptions(t))
	appendN(t, j, corruptN, 64)
	return j
}

// wantDetected checks that Verify, Read from the start and Read from just
// after the damage all name seq.
func wantDetected(t *testing.T, j *Journal, seq uint64, what string) {
	t.Helper()
	wantCorrupt(t, what+": Verify", j.Verify(), seq)
	wantCorrupt(t, what+": Read(1)", j.Read(1, func(Record) error { return nil }), seq)
	wantCorrupt(t, what+": ReadTransient(1)", j.ReadTransient(1, func(Record) error { return nil }), seq)
	if seq < corruptN {
		wantCorrupt(t, what+": Read(seq+1)", j.Read(seq+1, func(Record) error { return nil }), seq)
		wantCorrupt(t, what+": ReadTransient(seq+1)", j.ReadTransient(seq+1, func(Record) error { return nil }), seq)
	}
}

// Every single bit of every part of a frame is covered: the CRC catches any
// one-bit error, so detection must be 100%.
func TestBitFlipsDetected(t *testing.T) {
	j := corruptJournal(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		seq := 1 + rng.Uint64N(corruptN)
		key := recordKey(seq)
		orig := rawGet(t, j, key)
		bit := rng.IntN(len(orig) * 8)
		bad := append([]byte(nil), orig...)
		bad[bit/8] ^= 1 << (bit % 8)
		rawSet(t, j, key, bad)
		wantDetected(t, j, seq, "bit flip")
		rawSet(t, j, key, orig)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify after restoring every record: %v", err)
	}
}

// With several records damaged at once the first one is reported.
func TestManyFlipsReportTheFirst(t *testing.T) {
	j := corruptJournal(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 20; trial++ {
		origs := map[uint64][]byte{}
		first := uint64(corruptN + 1)
		for range 1 + rng.IntN(8) {
			seq := 1 + rng.Uint64N(corruptN)
			if _, done := origs[seq]; done {
				continue
			}
			origs[seq] = rawGet(t, j, recordKey(seq))
			bad := append([]byte(nil), origs[seq]...)
			for range 1 + rng.IntN(4) {
				bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
			}
			rawSet(t, j, recordKey(seq), bad)
			first = min(first, seq)
		}
		wantCorrupt(t, "Verify with several damaged records", j.Verify(), first)
		for seq, orig := range origs {
			rawSet(t, j, recordKey(seq), orig)
		}
	}
}

func TestShortenedValueDetected(t *testing.T) {
	j := corruptJournal(t)
	for _, n := range []int{0, 1, frameOverhead - 1, frameOverhead, frameOverhead + 50} {
		orig := rawGet(t, j, recordKey(100))
		rawSet(t, j, recordKey(100), orig[:n])
		wantDetected(t, j, 100, fmt.Sprintf("value cut to %d bytes", n))
		rawSet(t, j, recordKey(100), orig)
	}
}

func TestRemovedRecordDetected(t *testing.T) {
	for _, seq := range []uint64{1, 2, 150, corruptN - 1, corruptN} {
		j := corruptJournal(t)
		rawDelete(t, j, recordKey(seq))
		wantCorrupt(t, "Verify with a record removed", j.Verify(), seq)
	}
}

// A record replaced by a frame with a valid CRC but a link that does not
// follow its predecessor.
func TestWrongLinkDetected(t *testing.T) {
	j := corruptJournal(t)
	forged := appendFrame(nil, Record{Seq: 120, TS: 5, Payload: []byte("forged")}, Link{1})
	rawSet(t, j, recordKey(120), forged)
	wantCorrupt(t, "wrong link: Verify", j.Verify(), 120)
	wantCorrupt(t, "wrong link: Read(1)", j.Read(1, func(Record) error { return nil }), 120)
	wantCorrupt(t, "wrong link: ReadTransient(1)", j.ReadTransient(1, func(Record) error { return nil }), 120)
	// Read(121) only checks record 120's CRC to seed the chain (its link
	// needs 119), so the break shows as 121 not following 120.
	wantCorrupt(t, "wrong link: Read(121)", j.Read(121, func(Record) error { return nil }), 121)
}

// A record replaced by a frame that does carry the right link: only the
// next record's link gives it away.
func TestReplacedRecordDetectedByItsSuccessor(t *testing.T) {
	j := corruptJournal(t)
	orig, err := decodeFrame(rawGet(t, j, recordKey(120)))
	if err != nil {
		t.Fatalf("decode record 120: %v", err)
	}
	forged := appendFrame(nil, Record{Seq: 120, TS: orig.ts, Payload: []byte("forged")}, orig.prev)
	rawSet(t, j, recordKey(120), forged)
	wantCorrupt(t, "Verify with record 120 replaced", j.Verify(), 121)
}

// Two records swapped: both CRCs are fine, but each frame names its own seq.
func TestSwappedRecordsDetected(t *testing.T) {
	j := corruptJournal(t)
	a, b := rawGet(t, j, recordKey(40)), rawGet(t, j, recordKey(41))
	rawSet(t, j, recordKey(40), b)
	rawSet(t, j, recordKey(41), a)
	wantDetected(t, j, 40, "swap")
}
