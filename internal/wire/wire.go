package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every Reader error.
var ErrMalformed = errors.New("wire: malformed input")

// Writer appends to B.
type Writer struct{ B []byte }

// Uvarint appends v.
func (w *Writer) Uvarint(v uint64) { w.B = binary.AppendUvarint(w.B, v) }

// Varint appends v.
func (w *Writer) Varint(v int64) { w.B = binary.AppendVarint(w.B, v) }

// String appends a length-prefixed string.
func (w *Writer) String(s string) {
	w.Uvarint(uint64(len(s)))
	w.B = append(w.B, s...)
}

// Bytes appends a length-prefixed byte slice.
func (w *Writer) Bytes(b []byte) {
	w.Uvarint(uint64(len(b)))
	w.B = append(w.B, b...)
}

// Bool appends 1 or 0.
func (w *Writer) Bool(v bool) {
	if v {
		w.Uvarint(1)
	} else {
		w.Uvarint(0)
	}
}

// Strings appends a count and the strings.
func (w *Writer) Strings(ss []string) {
	w.Uvarint(uint64(len(ss)))
	for _, s := range ss {
		w.String(s)
	}
}

// Reader consumes B.
type Reader struct {
	B   []byte
	err error
}

// Err returns the first error, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records an error (the first one wins) and stops reading.
func (r *Reader) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	r.B = nil
}

// Done fails the reader if bytes are left over, and returns Err.
func (r *Reader) Done() error {
	if r.err == nil && len(r.B) != 0 {
		r.Fail("%d trailing bytes", len(r.B))
	}
	return r.err
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.Fail("bad uvarint")
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Varint reads a signed varint.
func (r *Reader) Varint() int64 {
	v, n := binary.Varint(r.B)
	if n <= 0 {
		r.Fail("bad varint")
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Count reads a length or element count, refusing one larger than the bytes
// left (every element takes at least one byte).
func (r *Reader) Count() int {
	n := r.Uvarint()
	if n > uint64(len(r.B)) {
		r.Fail("count %d beyond %d bytes left", n, len(r.B))
		return 0
	}
	return int(n)
}

// String reads a length-prefixed string.
func (r *Reader) String() string { return string(r.Bytes()) }

// Bytes reads a length-prefixed byte slice; it aliases B.
func (r *Reader) Bytes() []byte {
	n := r.Count()
	b := r.B[:n:n]
	r.B = r.B[n:]
	return b
}

// Bool reads 1 or 0.
func (r *Reader) Bool() bool {
	switch r.Uvarint() {
	case 0:
		return false
	case 1:
		return true
	}
	r.Fail("bad bool")
	return false
}

// Strings reads a count and that many strings.
func (r *Reader) Strings() []string {
	n := r.Count()
	out := make([]string, 0, n)
	for range n {
		out = append(out, r.String())
	}
	return out
}
