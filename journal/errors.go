package journal

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test for them with errors.Is; the journal wraps
// them with the sequence numbers or sizes involved.
var (
	// ErrCorrupt is matched by every *CorruptError.
	ErrCorrupt = errors.New("journal: corrupt record")
	// ErrSeq means a batch does not continue LastSeq()+1 densely (a gap, a
	// duplicate, an out-of-order record), or a sequence argument lies beyond
	// the journal.
	ErrSeq = errors.New("journal: sequence not dense")
	// ErrClosed is returned by every call after Close.
	ErrClosed = errors.New("journal: closed")
	// ErrTooLarge means a payload, state hash or snapshot is over its limit.
	ErrTooLarge = errors.New("journal: too large")
	// ErrNoSnapshot means no snapshot is stored at the requested seq.
	ErrNoSnapshot = errors.New("journal: no such snapshot")
	// ErrStopped means appends are refused: an earlier write failed part way
	// (fail-stop), or the journal was opened in Repair mode with a damaged
	// tail. It is joined with the original cause. TruncateAfter lifts it.
	ErrStopped = errors.New("journal: appends stopped")
)

// CorruptError reports a record or snapshot that failed verification. Seq
// names the first record (or the snapshot) found wrong, so an operator knows
// where the journal stops being trustworthy.
type CorruptError struct {
	Seq      uint64
	Snapshot bool   // the snapshot at Seq, not the record
	Reason   string // what check failed, for humans
}

func (e *CorruptError) Error() string {
	what := "record"
	if e.Snapshot {
		what = "snapshot"
	}
	return fmt.Sprintf("journal: corrupt %s %d: %s", what, e.Seq, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true for every CorruptError.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corruptRecord(seq uint64, format string, args ...any) error {
	return &CorruptError{Seq: seq, Reason: fmt.Sprintf(format, args...)}
}

func corruptSnapshot(seq uint64, format string, args ...any) error {
	return &CorruptError{Seq: seq, Snapshot: true, Reason: fmt.Sprintf(format, args...)}
}
