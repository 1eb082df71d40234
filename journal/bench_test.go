package journal

import (
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// benchBatches are Append sizes: one command per sync, and two group-commit
// batches the engine loop may build under load.
var benchBatches = []int{1, 64, 512}

// BenchmarkAppend: Durable appends of 100-byte payloads; one op is one
// Append (one sync) of batch records.
func BenchmarkAppend(b *testing.B) { benchEachBatch(b, Durable, benchAppend) }

// BenchmarkRawBadgerBatch is the ceiling for BenchmarkAppend: the same
// Badger options, one synced transaction per batch of 9-byte keys and
// 100-byte values, with no framing, CRC, hash chain or checks.
func BenchmarkRawBadgerBatch(b *testing.B) { benchEachBatch(b, Durable, benchRawBadger) }

// The Async twins leave out the sync, so that the journal's own CPU cost
// per record shows instead of the disk's latency.
func BenchmarkAppendAsync(b *testing.B)         { benchEachBatch(b, Async, benchAppend) }
func BenchmarkRawBadgerBatchAsync(b *testing.B) { benchEachBatch(b, Async, benchRawBadger) }

func benchEachBatch(b *testing.B, d Durability, bench func(*testing.B, Options, int)) {
	for _, n := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			opts := testOptions(b)
			opts.Durability = d
			bench(b, opts, n)
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func benchAppend(b *testing.B, opts Options, n int) {
	j := openJournal(b, opts)
	recs, payload := make([]Record, n), make([]byte, testPayloadBytes)
	b.ReportAllocs()
	for b.Loop() {
		for i := range recs {
			seq := j.LastSeq() + 1 + uint64(i)
			recs[i] = Record{Seq: seq, TS: int64(seq), Payload: payload}
		}
		if err := j.Append(recs); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRawBadger(b *testing.B, opts Options, n int) {
	opts, err := opts.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	db, err := badger.Open(badgerOptions(opts))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val, seq := make([]byte, testPayloadBytes), uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		txn := db.NewTransaction(true)
		for range n {
			seq++
			if err := txn.Set(recordKey(seq), val); err != nil {
				b.Fatal(err)
			}
		}
		if err := txn.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// readBenchRecords is the journal replayed by BenchmarkRead and
// BenchmarkVerify, written once and reopened so that it is read from
// Badger's tables rather than the memtable.
const readBenchRecords = 200_000

func readBenchJournal(b *testing.B) *Journal {
	j := openJournal(b, testOptions(b))
	payload := make([]byte, testPayloadBytes)
	recs := make([]Record, 512)
	for j.LastSeq() < readBenchRecords {
		for i := range recs {
			seq := j.LastSeq() + 1 + uint64(i)
			recs[i] = Record{Seq: seq, TS: int64(seq), Payload: payload}
		}
		if err := j.Append(recs[:min(512, readBenchRecords-int(j.LastSeq()))]); err != nil {
			b.Fatal(err)
		}
	}
	return reopen(b, j)
}

// BenchmarkRead: replay rate, every record checked (CRC, seq, SHA-256
// link) and its payload copied out. One op is a replay of the journal.
func BenchmarkRead(b *testing.B) {
	j := readBenchJournal(b)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := j.Read(1, func(Record) error { n++; return nil }); err != nil || n != readBenchRecords {
			b.Fatalf("Read: %d records, err %v; want %d", n, err, readBenchRecords)
		}
	}
	b.ReportMetric(float64(b.N*readBenchRecords)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReadTransient: as BenchmarkRead, payloads lent instead of
// copied, as recovery reads.
func BenchmarkReadTransient(b *testing.B) {
	j := readBenchJournal(b)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := j.ReadTransient(1, func(Record) error { n++; return nil }); err != nil || n != readBenchRecords {
			b.Fatalf("ReadTransient: %d records, err %v; want %d", n, err, readBenchRecords)
		}
	}
	b.ReportMetric(float64(b.N*readBenchRecords)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkVerify: as BenchmarkRead without handing records out.
func BenchmarkVerify(b *testing.B) {
	j := readBenchJournal(b)
	for b.Loop() {
		if err := j.Verify(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*readBenchRecords)/b.Elapsed().Seconds(), "records/s")
}
