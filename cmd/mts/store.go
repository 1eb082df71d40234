package main

import (
	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/matching"
)

// store adapts the journal to the small interfaces matching declares for
// it (Journal, Log and TransientLog, SnapshotSink, SnapshotStore). The two
// record types have the same fields; matching cannot import journal
// (DESIGN.md's table), so the copy happens here, into a slice reused across
// batches.
type store struct {
	j   *journal.Journal
	buf []journal.Record // Append's scratch: only the loop's commit goroutine appends
}

func (s *store) Append(recs []matching.Record) error {
	s.buf = s.buf[:0]
	for _, r := range recs {
		s.buf = append(s.buf, journal.Record{Seq: r.Seq, TS: r.TS, Payload: r.Payload})
	}
	return s.j.Append(s.buf)
}

func (s *store) Read(from uint64, fn func(matching.Record) error) error {
	return s.j.Read(from, func(r journal.Record) error {
		return fn(matching.Record{Seq: r.Seq, TS: r.TS, Payload: r.Payload})
	})
}

// ReadTransient is Read without copying payloads (matching.TransientLog):
// a payload is valid only until fn returns. Recovery uses it.
func (s *store) ReadTransient(from uint64, fn func(matching.Record) error) error {
	return s.j.ReadTransient(from, func(r journal.Record) error {
		return fn(matching.Record{Seq: r.Seq, TS: r.TS, Payload: r.Payload})
	})
}

func (s *store) SaveSnapshot(seq uint64, hash, data []byte) error {
	return s.j.SaveSnapshot(seq, hash, data)
}

func (s *store) SnapshotSeqs() ([]uint64, error) {
	infos, err := s.j.Snapshots()
	if err != nil {
		return nil, err
	}
	seqs := make([]uint64, len(infos))
	for i, in := range infos {
		seqs[i] = in.Seq
	}
	return seqs, nil
}

func (s *store) LoadSnapshot(seq uint64) ([]byte, []byte, error) { return s.j.LoadSnapshot(seq) }
