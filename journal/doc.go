// Package journal is the system of record: a durable, append-only log of
// opaque, sequence-numbered records on Badger, with snapshots beside it.
//
// # Contract
//
// The journal knows nothing about orders. The engine loop stamps each command
// with a seq and a timestamp, applies it, encodes the command and its events
// into a Record's Payload, and calls Append once per batch. Append returns
// only when the batch is durable; the loop releases acks, execution reports
// and market data after that and not before (durability before visibility).
// Group commit is the caller's batching: one Append is one sync however many
// records it holds.
//
// Seqs are dense: the first record is 1, and every Append must continue
// LastSeq()+1 exactly, or it is refused with ErrSeq and writes nothing. An
// error from a write that may have reached the disk is fail-stop (ErrStopped):
// the loop must stop accepting orders rather than acknowledge what the
// journal cannot vouch for, and recover by reopening.
//
// # Who calls what
//
//	engine loop (one goroutine)   Append, LastSeq, Head
//	snapshot goroutine            SaveSnapshot        (concurrent with Append)
//	back office, replay, tools    Read, ReadTransient, Verify, Snapshots,
//	                              LoadSnapshot (any number, concurrent with Append)
//	operator tool                 TruncateAfter       (engine stopped)
//	whoever opened it             Close               (waits for calls in flight)
//
// Append is for one goroutine: concurrent calls are serialised, but only the
// owner of the sequence knows what LastSeq()+1 is. Read needs no
// coordination with Append: Badger is MVCC, and Read delivers records only
// up to the LastSeq current when it starts, so a reader never sees part of
// an Append in progress. The back office tails a live journal with a loop of
// Read(last+1, fn). LastSeq and Head are atomic loads. ReadTransient is
// Read for a caller that decodes each record on the spot (recovery): it
// lends each payload until fn returns instead of copying it. All three read
// on two goroutines: one walks Badger's iterator and copies raw frames into
// 512-record chunks, the caller's checks each frame and calls fn, so a
// reader that decodes and applies on a third (recovery) keeps two cores
// busy. fn still sees records one at a time, in order, on the caller's
// goroutine.
//
// # Keys
//
// Each key is one prefix byte and a big-endian uint64 seq, so Badger's byte
// order is seq order and a prefix iterator walks the journal in order:
//
//	'r' seq   record frame
//	's' seq   snapshot frame (the state after record seq)
//	'm' ...   reserved for journal metadata (unused in format 1)
//
// The Badger manifest carries magic version 0x4a01, so Badger refuses to
// open a directory written by something else.
//
// # Record frame (format 1)
//
// All integers are big-endian. The value stored under 'r' seq is:
//
//	0       1              9              17                 33        37          37+n       41+n
//	+-------+--------------+--------------+------------------+---------+-----------+----------+
//	| ver=1 | seq          | ts           | prev link        | n       | payload   | crc32c   |
//	| u8    | u64 = key's  | i64 unix ns  | 16 bytes         | u32     | n bytes   | u32      |
//	+-------+--------------+--------------+------------------+---------+-----------+----------+
//	\_________________ crc32c (Castagnoli) covers [0, 37+n) ______________________/
//
//	prev link(seq) = first 16 bytes of SHA-256( whole frame of record seq-1, crc included )
//	prev link(1)   = 16 zero bytes (genesis)
//
// A record costs 41 bytes of framing plus its 9-byte key. The frame repeats
// the seq so a frame moved to another key (a reorder) is caught even though
// its CRC is intact.
//
// # Why CRC32C and a SHA-256 chain
//
// The two checks answer different questions. The CRC answers "are these the
// bytes that were written?": it catches every single-bit error and every
// burst up to 32 bits, and costs almost nothing (hardware CRC32C). The chain
// answers "is this the record that was written here, after those?": each
// link commits to the previous frame including its link, so to all of
// history, and a record removed, reordered or replaced by another perfectly
// valid frame breaks it. A non-cryptographic hash (xxhash, a CRC) would do
// for accidents, but anyone rewriting a record could then pick bytes that
// keep the old link. With SHA-256 a rewrite cannot keep it (second
// preimages of even 128 bits are out of reach), so a chain head published
// outside the journal (Head) makes history tamper-evident. Truncating to 16
// bytes saves 16 bytes a record and keeps that margin. SHA-256 runs on the
// SHA-NI / ARMv8 instructions; its cost is measured in BenchmarkRead.
//
// What the chain cannot see on its own: records cut off the end. The journal
// then simply looks shorter, which is indistinguishable from a crash before
// they were written. Comparing with a Head recorded elsewhere finds it.
//
// # Snapshot frame (format 1)
//
// The value stored under 's' seq is:
//
//	0       1              9      10           10+h      14+h        14+h+d     18+h+d
//	+-------+--------------+------+------------+---------+-----------+----------+
//	| ver=1 | seq          | h    | state hash | d       | data      | crc32c   |
//	| u8    | u64 = key's  | u8   | h bytes    | u32     | d bytes   | u32      |
//	+-------+--------------+------+------------+---------+-----------+----------+
//	\______________ crc32c covers [0, 14+h+d) ______________________/
//
// A snapshot is one Badger value, so it is written atomically. SaveSnapshot
// keeps the newest Options.KeepSnapshots. Snapshots are not chained: a
// snapshot is a cache of state that the records can always rebuild, and the
// state hash lets a replay check it.
//
// # Durability
//
// Durable mode (the default) sets Badger's SyncWrites, so every transaction
// commit msyncs Badger's write-ahead log before it returns (badgerOptions
// explains why that and not an explicit db.Sync). A normal Append is one
// transaction, so one sync. A batch larger than a Badger transaction (15% of
// MemTableBytes) is split into several, each synced, and a crash can leave a
// prefix of it: dense and valid, and never acknowledged because Append had not
// returned.
//
// One caveat lies inside Badger: when a memtable fills, its new write-ahead
// log file is created without syncing the directory (ristretto's
// OpenMmapFile skips it for preallocated files). On ext4 and XFS the first
// sync of the new file commits its directory entry too; on a file system
// without that guarantee a power cut just after a rotation could lose the
// file. Keep the journal on ext4 or XFS.
//
// A second one: Badger deletes a value-log or memtable file by truncating it
// and then unlinking it, and creates one before preallocating it; a process
// killed in between leaves an empty file that Badger's next Open refuses.
// Open removes zero-length .vlog and .mem files first (they hold nothing and
// nothing points into them) and syncs the directory. The crash test found
// this, about once in 250–600 SIGKILLs.
//
// Async mode does not sync at all. Records reach the page cache (Badger's
// log is memory-mapped) before Append returns, so they survive the process
// being killed, but a kernel panic or power cut can lose any of them. It is
// for tests, benchmarks and replicas, never the system of record.
//
// # Corruption and repair
//
// Read, ReadTransient and Verify check each record's CRC, version, length,
// seq (key against frame, and no gap) and link, and return a *CorruptError
// naming the first bad seq; errors.Is(err, ErrCorrupt) holds. Open checks
// only the newest record and its link, so opening is quick whatever the
// journal's size (after a reboot too: it first has the kernel read every
// table's index at once, see prefetch_linux.go). If
// that fails Open refuses, unless Options.Repair is set: then the journal
// opens with appends stopped, and an operator can Read, Verify, and
// TruncateAfter the last good record.
//
// # Limits
//
// A payload is at most MaxPayloadBytes, a state hash MaxStateHashBytes and a
// snapshot MaxSnapshotBytes; more is refused with ErrTooLarge. Append keeps
// a reusable frame buffer of at most 1 MiB; Read copies payloads into
// 64 KiB blocks; ReadTransient lends them from the reader's chunks (four of
// 512 frames, reused). Badger's memory is bounded by the options in
// badgerOptions: two memtables of MemTableBytes, no block cache, an index
// cache of IndexCacheBytes.
package journal
