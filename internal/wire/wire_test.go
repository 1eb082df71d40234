package wire

import (
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var w Writer
	w.Uvarint(1 << 60)
	w.Varint(-12345)
	w.String("삼성전자")
	w.Bytes([]byte{0, 1, 2})
	w.Bool(true)
	w.Strings([]string{"a", "", "bc"})
	r := Reader{B: w.B}
	if got := r.Uvarint(); got != 1<<60 {
		t.Errorf("Uvarint = %d", got)
	}
	if got := r.Varint(); got != -12345 {
		t.Errorf("Varint = %d", got)
	}
	if got := r.String(); got != "삼성전자" {
		t.Errorf("String = %q", got)
	}
	if got := r.Bytes(); len(got) != 3 || got[2] != 2 {
		t.Errorf("Bytes = %v", got)
	}
	if !r.Bool() {
		t.Error("Bool = false")
	}
	if got := r.Strings(); len(got) != 3 || got[2] != "bc" {
		t.Errorf("Strings = %q", got)
	}
	if err := r.Done(); err != nil {
		t.Errorf("Done = %v", err)
	}
}

func TestTruncatedAndHostile(t *testing.T) {
	var w Writer
	w.String("hello")
	for cut := range len(w.B) {
		r := Reader{B: w.B[:cut]}
		_ = r.String()
		if !errors.Is(r.Done(), ErrMalformed) {
			t.Errorf("String from %d of %d bytes: no error", cut, len(w.B))
		}
	}
	r := Reader{B: []byte{0xff, 0xff, 0xff, 0xff, 0x0f}} // a count of 4 billion
	if got := r.Strings(); len(got) != 0 || !errors.Is(r.Err(), ErrMalformed) {
		t.Errorf("a huge count: got %d strings, err %v; want none and ErrMalformed", len(got), r.Err())
	}
	r = Reader{B: []byte{2}}
	if r.Bool(); r.Err() == nil {
		t.Error("Bool(2) accepted")
	}
}
