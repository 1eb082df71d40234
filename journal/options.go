package journal

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Durability says when Append's records are on stable storage.
type Durability int

const (
	// Durable (the zero value) fsyncs every Append before it returns: the
	// records survive a process crash, a kernel panic and a power cut.
	Durable Durability = iota
	// Async never fsyncs. An Append is in the page cache when it returns, so
	// it survives the process being killed but NOT the machine going down.
	// For tests, benchmarks and replicas that can re-fetch; never for the
	// system of record.
	Async
)

func (d Durability) String() string {
	switch d {
	case Durable:
		return "durable"
	case Async:
		return "async"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

// Options configures Open. Only Dir is required.
type Options struct {
	Dir        string
	Durability Durability

	// Logger receives Badger's warnings and errors (its info and debug lines
	// are dropped: Badger logs every memtable flush and compaction at info).
	// Nil means slog.Default().
	Logger *slog.Logger

	// MemTableBytes is the size of one Badger memtable, the unit in which
	// records move from the write-ahead log to sorted tables. It also caps
	// one Badger transaction at 15% of it, which is where Append splits a
	// large batch. Zero means 16 MiB; the minimum is 1 MiB.
	MemTableBytes int64
	// IndexCacheBytes bounds the memory holding table indexes. Zero means
	// 16 MiB.
	IndexCacheBytes int64
	// KeepSnapshots is how many of the newest snapshots SaveSnapshot keeps.
	// Zero means 3.
	KeepSnapshots int

	// DeferCompaction opens Badger with its compactors off, for a process
	// that first reads the whole journal (recovery) and only then writes:
	// on two cores a compaction the last run left pending (a crash during
	// heavy writing leaves many level-0 tables) took one of them from the
	// replay and doubled a restart. Writes work meanwhile, but nothing is
	// compacted until ResumeCompaction, which a process that goes on to
	// write (an engine) must call once its reads are done: Badger stalls
	// writes when level 0 fills up. A tool that reads and exits need not.
	DeferCompaction bool

	// Repair opens a journal whose tail fails verification instead of
	// refusing to open it, so a tool can Read, Verify and TruncateAfter.
	// Append returns ErrStopped until TruncateAfter succeeds.
	Repair bool
}

// Footprint. The journal shares a small machine with the engine, so every
// Badger default sized for a large database is brought down here.
const (
	defaultMemTableBytes   = 16 << 20
	minMemTableBytes       = 1 << 20
	defaultIndexCacheBytes = 16 << 20
	defaultKeepSnapshots   = 3

	// numMemtables is one memtable taking writes plus one being flushed.
	// Badger's default of 5 holds up to 320 MiB of memtables; a flush of
	// 16 MiB takes well under a second, far quicker than the engine fills one.
	numMemtables = 2
	// valueThreshold keeps every normal record inline in the LSM tree, so a
	// replay is one sequential walk with no value-log lookups; only
	// snapshots (and absurd records) go to the value log. It must stay below
	// 15% of the smallest memtable (Badger's per-transaction limit).
	valueThreshold = 64 << 10
	// valueLogFileBytes is small against Badger's 1 GiB so value-log GC
	// rewrites little at a time; it also caps one snapshot.
	valueLogFileBytes = 256 << 20
	// magicVersion is stored in Badger's manifest, so Open refuses a Badger
	// directory written by something other than this journal format.
	magicVersion uint16 = 0x4a01
)

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, errors.New("journal: Options.Dir is empty")
	}
	if o.Durability != Durable && o.Durability != Async {
		return o, fmt.Errorf("journal: unknown %v", o.Durability)
	}
	o.MemTableBytes = orDefault(o.MemTableBytes, defaultMemTableBytes)
	if o.MemTableBytes < minMemTableBytes {
		return o, fmt.Errorf("journal: MemTableBytes %d below %d", o.MemTableBytes, minMemTableBytes)
	}
	o.IndexCacheBytes = orDefault(o.IndexCacheBytes, defaultIndexCacheBytes)
	o.KeepSnapshots = int(orDefault(int64(o.KeepSnapshots), defaultKeepSnapshots))
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

func orDefault(v, def int64) int64 {
	if v <= 0 {
		return def
	}
	return v
}

// badgerOptions sets every option that matters explicitly rather than
// trusting Badger's defaults, which are tuned for a large general-purpose
// database.
//
// Durability is SyncWrites, not SyncWrites=false plus db.Sync() after each
// batch. With SyncWrites Badger's single write goroutine msyncs the memtable
// WAL (and the value log) right after each transaction's entries land in it,
// before the commit returns. db.Sync() only syncs the *current* memtable's
// WAL: if a memtable filled up and rotated between our write and our Sync,
// the rotated one holding our records would stay unsynced until its flush,
// and an acknowledged batch could vanish in a power cut. SyncWrites also
// returns WAL sync errors from Commit instead of leaving them to a call we
// might forget. The cost is one sync per Badger transaction, which is one
// per Append unless a batch exceeds the transaction limit.
func badgerOptions(o Options) badger.Options {
	return badger.DefaultOptions(o.Dir).
		WithSyncWrites(o.Durability == Durable).
		WithLogger(badgerLogger{o.Logger.With("component", "journal")}).
		WithMemTableSize(o.MemTableBytes).
		WithNumMemtables(numMemtables).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(valueLogFileBytes).
		// One version: the journal never rewrites a record, and a deleted
		// (truncated) one must not linger.
		WithNumVersionsToKeep(1).
		// No compression: frames are compact binary ending in a random
		// 16-byte link and a CRC, so they shrink little, and on two cores the
		// CPU is the engine's. Without compression Badger needs no block
		// cache, and a replay is a sequential walk that a cache would not
		// help: reads go straight to the memory-mapped tables.
		WithCompression(options.None).
		WithBlockCacheSize(0).
		// Bounded, instead of Badger's default of every table's index held
		// in memory forever, which grows with the journal.
		WithIndexCacheSize(o.IndexCacheBytes).
		// Bloom filters speed up point lookups of absent keys; the journal
		// iterates and its few lookups hit, so they would only cost memory.
		WithBloomFalsePositive(0).
		// Two is Badger's minimum when compaction runs at all (one is
		// refused, zero stalls writes once level 0 fills up).
		WithNumCompactors(compactors(o)).
		// Writes are blind appends to fresh keys: nothing to conflict with.
		WithDetectConflicts(false).
		WithMetricsEnabled(false).
		WithExternalMagic(magicVersion)
}

// badgerLogger routes Badger's warnings and errors to slog and drops the
// rest. Badger formats printf-style lines ending in newlines.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(format string, args ...any) {
	b.l.Error(strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (b badgerLogger) Warningf(format string, args ...any) {
	b.l.Warn(strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}

// compactors is Badger's compactor count: two (its minimum when any run;
// one compacts level 0 while the other works the levels below), or none
// while compaction is deferred.
func compactors(o Options) int {
	if o.DeferCompaction {
		return 0
	}
	return 2
}
