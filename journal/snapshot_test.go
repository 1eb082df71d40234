package journal

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func stateHash(seq uint64) []byte { return []byte(fmt.Sprintf("hash-%d", seq)) }
func stateData(seq uint64) []byte { return bytes.Repeat([]byte{byte(seq)}, int(seq)) }

func saveSnapshots(t *testing.T, j *Journal, seqs ...uint64) {
	t.Helper()
	for _, seq := range seqs {
		if err := j.SaveSnapshot(seq, stateHash(seq), stateData(seq)); err != nil {
			t.Fatalf("SaveSnapshot(%d): %v", seq, err)
		}
	}
}

// wantSnapshots checks the listing, newest first, and loads each one.
func wantSnapshots(t *testing.T, j *Journal, seqs ...uint64) {
	t.Helper()
	infos, err := j.Snapshots()
	if err != nil {
		t.Fatalf("Snapshots: %v", err)
	}
	var got []uint64
	for _, info := range infos {
		got = append(got, info.Seq)
		if !bytes.Equal(info.StateHash, stateHash(info.Seq)) || info.Bytes != len(stateData(info.Seq)) {
			t.Errorf("snapshot %d listed as hash %q, %d bytes; want %q, %d bytes",
				info.Seq, info.StateHash, info.Bytes, stateHash(info.Seq), len(stateData(info.Seq)))
		}
		loadAndCheck(t, j, info.Seq, stateData(info.Seq), stateHash(info.Seq))
	}
	if fmt.Sprint(got) != fmt.Sprint(seqs) {
		t.Fatalf("Snapshots: got seqs %v, want %v", got, seqs)
	}
}

func loadAndCheck(t *testing.T, j *Journal, seq uint64, wantData, wantHash []byte) {
	t.Helper()
	data, hash, err := j.LoadSnapshot(seq)
	if err != nil {
		t.Fatalf("LoadSnapshot(%d): %v", seq, err)
	}
	if !bytes.Equal(data, wantData) || !bytes.Equal(hash, wantHash) {
		t.Fatalf("LoadSnapshot(%d): got %d bytes hash %q, want %d bytes hash %q",
			seq, len(data), hash, len(wantData), wantHash)
	}
}

func TestSnapshotsKeepNewest(t *testing.T) {
	j := openJournal(t, testOptions(t)) // keeps 3
	appendN(t, j, 50, 50)
	saveSnapshots(t, j, 10, 20, 30)
	wantSnapshots(t, j, 30, 20, 10)
	saveSnapshots(t, j, 40, 0)
	wantSnapshots(t, j, 40, 30, 20)
	if _, _, err := j.LoadSnapshot(10); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("LoadSnapshot of a pruned snapshot: got %v, want ErrNoSnapshot", err)
	}
	j = reopen(t, j)
	wantSnapshots(t, j, 40, 30, 20)
}

func TestSnapshotKeepOption(t *testing.T) {
	opts := testOptions(t)
	opts.KeepSnapshots = 1
	j := openJournal(t, opts)
	appendN(t, j, 5, 5)
	saveSnapshots(t, j, 1, 2, 3)
	wantSnapshots(t, j, 3)
}

func TestSnapshotReplacesSameSeq(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 5, 5)
	saveSnapshots(t, j, 5)
	if err := j.SaveSnapshot(5, []byte("h2"), []byte("second")); err != nil {
		t.Fatalf("SaveSnapshot again: %v", err)
	}
	loadAndCheck(t, j, 5, []byte("second"), []byte("h2"))
}

// A snapshot above Badger's value threshold lives in the value log.
func TestSnapshotLarge(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 5, 5)
	data := bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16)
	if err := j.SaveSnapshot(5, []byte("big"), data); err != nil {
		t.Fatalf("SaveSnapshot(%d bytes): %v", len(data), err)
	}
	j = reopen(t, j)
	loadAndCheck(t, j, 5, data, []byte("big"))
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestSnapshotRejects(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 5, 5)
	if err := j.SaveSnapshot(6, nil, nil); !errors.Is(err, ErrSeq) {
		t.Errorf("SaveSnapshot beyond LastSeq: got %v, want ErrSeq", err)
	}
	if err := j.SaveSnapshot(5, make([]byte, MaxStateHashBytes+1), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("SaveSnapshot with a %d-byte hash: got %v, want ErrTooLarge", MaxStateHashBytes+1, err)
	}
	if _, _, err := j.LoadSnapshot(4); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("LoadSnapshot of a missing snapshot: got %v, want ErrNoSnapshot", err)
	}
}

func TestSnapshotCorruptionDetected(t *testing.T) {
	j := openJournal(t, testOptions(t))
	appendN(t, j, 50, 50)
	saveSnapshots(t, j, 20, 30)
	key := appendKey(nil, prefixSnapshot, 20)
	orig := rawGet(t, j, key)
	for bit := 0; bit < len(orig)*8; bit++ {
		bad := append([]byte(nil), orig...)
		bad[bit/8] ^= 1 << (bit % 8)
		rawSet(t, j, key, bad)
		_, _, err := j.LoadSnapshot(20)
		wantCorruptSnapshot(t, fmt.Sprintf("LoadSnapshot with bit %d flipped", bit), err, 20)
		wantCorruptSnapshot(t, fmt.Sprintf("Verify with bit %d flipped", bit), j.Verify(), 20)
	}
	// Listing must survive a damaged header, so that recovery can fall back
	// to an older snapshot.
	rawSet(t, j, key, []byte{9})
	infos, err := j.Snapshots()
	if err != nil || len(infos) != 2 || infos[1].StateHash != nil || infos[1].Bytes != -1 {
		t.Fatalf("Snapshots with snapshot 20's header damaged: got %+v, %v; want 20 listed with no hash and -1 bytes", infos, err)
	}
	rawSet(t, j, key, orig)
	wantSnapshots(t, j, 30, 20)

	// A valid snapshot frame moved under another seq's key.
	rawSet(t, j, appendKey(nil, prefixSnapshot, 30), orig)
	_, _, err = j.LoadSnapshot(30)
	wantCorruptSnapshot(t, "LoadSnapshot of a frame stored under the wrong seq", err, 30)
}

func wantCorruptSnapshot(t *testing.T, what string, err error, seq uint64) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) || !ce.Snapshot || ce.Seq != seq {
		t.Fatalf("%s: got %v, want a corrupt snapshot %d", what, err, seq)
	}
}
