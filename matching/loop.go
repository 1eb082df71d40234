package matching

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mts-krx/mts/internal/queue"
)

// The loop's errors. A caller that gets ErrBusy or ErrStopped knows the
// command was never applied; ErrOutcomeUnknown means it was applied but its
// batch may or may not have reached the disk: the client must query by
// client order id after the restart.
var (
	ErrBusy           = errors.New("matching: input queue full")
	ErrStopped        = errors.New("matching: loop stopped")
	ErrOutcomeUnknown = errors.New("matching: journal failed; outcome unknown")
	ErrTooLong        = errors.New("matching: a command string is longer than the codec allows")
)

// Record is one journal record: a command and its events, encoded with
// AppendRecord, under the command's sequence number.
type Record struct {
	Seq     uint64
	TS      int64
	Payload []byte
}

// Journal is what the loop needs from the system of record: append a batch
// of records, durably, with one sync. Append returns only when the records
// will survive a crash (in durable mode); an error is fatal to the loop.
type Journal interface {
	Append(recs []Record) error
}

// SnapshotSink stores an engine snapshot taken at seq. The loop calls it
// only after every record up to seq is durable, so a snapshot is never ahead
// of the journal. A failure is reported but not fatal: recovery falls back
// to an older snapshot or a longer replay.
type SnapshotSink interface {
	SaveSnapshot(seq uint64, stateHash []byte, data []byte) error
}

// Publisher receives every batch once it is durable: replies have been
// sent, and now execution reports, market data and the live journal feed go
// out. It is called from the loop's commit goroutine and must not keep b.
type Publisher interface {
	Publish(b *Batch)
}

// Result is what a submitter learns about its command (or read).
type Result struct {
	Cmd    *Command // stamped with Seq and TS; nil for a read
	Events []Event  // valid only during the Reply call
	Err    error    // ErrOutcomeUnknown or ErrStopped; nil when durable
}

// Request is one command, or one read, for the loop. Reply, if set, is
// called exactly once from the loop's commit goroutine: after the request's
// batch is durable, or with an error. It must not block for long: it holds
// up the whole batch.
//
// Read, if set, makes the request a read: Cmd is ignored, nothing is
// stamped or journaled, and Read is called on the apply goroutine (the only
// goroutine that may touch the engine) at the request's place in input
// order, so it sees every command submitted before it. Read must only read
// the engine and copy what it needs out: the engine changes right after it
// returns. Its Reply (Result.Cmd nil) waits for the batch that holds it to be
// durable like any command's, so that nothing a read reveals can be lost to
// a crash. A read refused or caught by a journal failure gets ErrStopped or
// ErrOutcomeUnknown like a command; either way its answer was not released.
type Request struct {
	Cmd   Command
	Read  func(e *Engine)
	Reply func(*Result)
}

// LoopConfig configures a Loop. Engine, Journal and Clock are required.
type LoopConfig struct {
	Engine    *Engine
	Journal   Journal
	Publisher Publisher    // optional
	Snapshots SnapshotSink // optional
	Clock     func() int64 // Unix nanoseconds; stamped on every command

	QueueLen      int // input queue capacity; full = ErrBusy (default 65,536)
	MaxBatchLen   int // commands per batch (default 512)
	MaxBatchBytes int // encoded bytes per batch (default 1 MiB)
	SnapshotEvery int // records between snapshots; 0 = no count trigger
	// SnapshotInterval takes a snapshot once this much (loop clock) time
	// has passed since the last, if any command arrived since; 0 = no time
	// trigger. Whichever trigger fires first wins.
	SnapshotInterval time.Duration
	// ChannelQueue uses the buffered-channel hand-off instead of the
	// lock-free ring. The ring is the default: in internal/queue's benchmark
	// it had the lower median hand-off latency at every producer count, with
	// throughput of both far above what the engine applies (BENCHMARKS.md).
	ChannelQueue bool

	// OnSnapshotError, if set, hears about snapshots that could not be saved.
	OnSnapshotError func(seq uint64, err error)
	// OnCommit, if set, hears about each batch made durable, before its
	// replies go out, on the commit goroutine: it must be quick (a metrics
	// update).
	OnCommit func(CommitStats)
}

// CommitStats describes one batch the loop made durable, for metrics.
type CommitStats struct {
	Commands int           // commands journaled (reads are not counted)
	Events   int           // events they produced
	Bytes    int           // encoded record bytes written
	Sync     time.Duration // the journal append, its fsync included
	// Apply is the time the apply goroutine spent applying the batch's
	// commands (and reads): summed over batches and divided by wall time,
	// how busy the engine itself is.
	Apply time.Duration
}

func (c *LoopConfig) defaults() error {
	if c.Engine == nil || c.Journal == nil || c.Clock == nil {
		return errors.New("matching: LoopConfig needs Engine, Journal and Clock")
	}
	if c.QueueLen <= 0 {
		c.QueueLen = 1 << 16
	}
	if c.MaxBatchLen <= 0 {
		c.MaxBatchLen = 512
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = 1 << 20
	}
	return nil
}

// Loop is the single goroutine that owns the Engine, and the pipeline that
// makes its output durable before anyone sees it.
//
//	Submit ──► queue ──► apply goroutine ──full──► commit goroutine ──► Reply, Publisher
//	  (any      (bounded,   stamps seq+ts,             Journal.Append (one
//	goroutine)   ErrBusy)   Engine.Apply,              sync), then release
//	                        encodes records,           outputs; a snapshot
//	                        takes snapshots            goes to the saver goroutine
//	                             ▲                            │
//	                             └──────────free◄─────────────┘
//
// Reads (Request.Read) travel the same path: the apply goroutine runs them
// between commands, in input order, and the commit goroutine answers them
// with the batch they landed in. A batch of reads only still waits its turn
// behind the batch before it (which is what makes the state they saw
// durable) but costs no Journal.Append.
//
// Two batch buffers circulate between the goroutines, so the sync of batch
// N overlaps the matching of batch N+1 but never more: when the disk falls
// behind, the apply goroutine waits for a free buffer and the input queue
// fills up, which callers see as ErrBusy. Nothing of a batch — replies,
// execution reports, market data — leaves before its Append returns
// (durability before visibility); the commit goroutine is the only place
// outputs are released.
//
// A journal error is fail-stop: the engine has applied commands the disk may
// not hold, so the loop refuses everything from then on. Commands of the
// batch whose write failed are answered ErrOutcomeUnknown; later batches and
// queued commands, never written, ErrStopped. Err reports the cause and Done
// closes; the process must exit and recover from the journal.
//
// Why a channel between the stages and not a lock: the engine and its batch
// are handed over, never shared, so no mutex sits on the matching path.
type Loop struct {
	cfg   LoopConfig
	e     *Engine
	q     queue.Queue[*Request]
	full  chan *Batch
	free  chan *Batch
	fail  chan struct{} // closed on the first journal error
	done  chan struct{} // closed when both goroutines have exited
	start sync.Once

	failErr   atomic.Pointer[error]
	failOnce  sync.Once
	committed atomic.Uint64 // highest durable seq
	lastTS    int64         // apply goroutine only
	lastSnap  uint64        // apply goroutine only: seq of the last snapshot
	lastSnapT int64         // apply goroutine only: clock at the last snapshot
	snaps     chan snapJob  // commit goroutine → snapshot saver
	idle      atomic.Bool   // the commit goroutine waits for a batch
	onReplies atomic.Pointer[[]func()]
}

// snapJob is one snapshot for the saver goroutine: its own copy of the
// bytes, since the batch that carried them is reused at once.
type snapJob struct {
	seq  uint64
	hash [32]byte
	data []byte
}

// NewLoop builds a loop around an engine that has already recovered its
// state; sequence numbers continue from the engine's.
func NewLoop(cfg LoopConfig) (*Loop, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	l := &Loop{
		cfg: cfg, e: cfg.Engine,
		full: make(chan *Batch), free: make(chan *Batch, 2),
		fail: make(chan struct{}), done: make(chan struct{}),
		snaps: make(chan snapJob, 1),
	}
	if cfg.ChannelQueue {
		l.q = queue.NewChan[*Request](cfg.QueueLen, cfg.MaxBatchLen)
	} else {
		l.q = queue.NewRing[*Request](cfg.QueueLen, cfg.MaxBatchLen)
	}
	l.free <- newBatch()
	l.free <- newBatch()
	l.idle.Store(true) // the commit goroutine starts out waiting for a batch
	l.committed.Store(cfg.Engine.Seq())
	l.lastSnap = cfg.Engine.Seq()
	return l, nil
}

// Start starts the loop's goroutines. It may be called once.
func (l *Loop) Start() {
	l.start.Do(func() {
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); l.applyLoop() }()
		go func() { defer wg.Done(); defer close(l.snaps); l.commitLoop() }()
		go func() { defer wg.Done(); l.snapshotLoop() }()
		go func() { wg.Wait(); close(l.done) }()
	})
}

// Submit queues a command. It never blocks: a full queue is ErrBusy, a
// stopped loop ErrStopped, an over-long string ErrTooLong (the codec could
// not journal it). On a nil error Reply will be called exactly once.
func (l *Loop) Submit(r *Request) error {
	if l.Err() != nil {
		return ErrStopped
	}
	if r.Read == nil && !FitsCodec(&r.Cmd) {
		return ErrTooLong
	}
	if !l.q.Push(r) {
		select {
		case <-l.done:
			return ErrStopped
		default:
		}
		if l.Err() != nil {
			return ErrStopped
		}
		return ErrBusy
	}
	return nil
}

// FitsCodec reports whether every string of c is within MaxStringLen, so
// that the codec can encode it. An encoder panics on a command that does
// not fit; a producer checks first.
func FitsCodec(c *Command) bool {
	for _, s := range [...]string{c.Account, c.Symbol, c.ClientOrderID, c.OrigClientOrderID, c.RequestID, c.Text, c.Group} {
		if len(s) > MaxStringLen {
			return false
		}
	}
	return true
}

// Stop refuses new commands, lets every accepted one through the pipeline,
// and waits for the goroutines to exit. It returns the fail-stop error, if
// any. Call Start first.
func (l *Loop) Stop() error {
	l.q.Close()
	<-l.done
	return l.Err()
}

// Done is closed when the loop's goroutines have exited (after Stop, or
// after a journal failure once the queue is drained).
func (l *Loop) Done() <-chan struct{} { return l.done }

// Err returns the journal error that stopped the loop, or nil while it is
// healthy.
func (l *Loop) Err() error {
	if p := l.failErr.Load(); p != nil {
		return *p
	}
	return nil
}

// OnReplies registers fn to run after each group of Reply calls: on the
// commit goroutine once a batch's replies are out (before its Publisher
// hears of it), and on the goroutine that refuses requests after a journal
// failure. A transport that coalesces replies (package bus sends one NATS
// message per gateway per batch) sends what it gathered there. fn must not
// block for long, like Reply. Register it before submitting the requests it
// should cover.
func (l *Loop) OnReplies(fn func()) {
	for {
		old := l.onReplies.Load()
		var fns []func()
		if old != nil {
			fns = append(fns, *old...)
		}
		fns = append(fns, fn)
		if l.onReplies.CompareAndSwap(old, &fns) {
			return
		}
	}
}

// replied runs the OnReplies functions.
func (l *Loop) replied() {
	if fns := l.onReplies.Load(); fns != nil {
		for _, fn := range *fns {
			fn()
		}
	}
}

// CommittedSeq returns the highest sequence number known durable.
func (l *Loop) CommittedSeq() uint64 { return l.committed.Load() }

// QueueLen returns how many commands wait in the input queue.
func (l *Loop) QueueLen() int { return l.q.Len() }

func (l *Loop) setFailed(err error) {
	l.failOnce.Do(func() {
		err = fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		l.failErr.Store(&err)
		close(l.fail)
		l.q.Close()
	})
}

// applyLoop is the apply goroutine: the only code that touches the engine
// while the loop runs.
func (l *Loop) applyLoop() {
	defer close(l.full)
	var buf []*Request // Drain's scratch, reused: it keeps its full capacity
	b := l.openBatch()
	for {
		reqs, ok := l.q.Drain(buf[:0])
		buf = reqs
		for len(reqs) > 0 {
			if b == nil {
				refuse(reqs, ErrStopped)
				l.replied()
				break
			}
			n := l.fill(b, reqs)
			reqs = reqs[n:]
			if l.batchFull(b) {
				b = l.handOver(b) // at a cap: wait for the disk
			}
		}
		clear(buf) // answered requests must not stay reachable from the scratch slice
		switch {
		case b == nil || len(b.reqs) == 0:
		case !ok || l.snapshotDue():
			b = l.handOver(b)
		default:
			b = l.offer(b)
		}
		if !ok {
			return
		}
	}
}

// openBatch takes a free batch buffer and readies it for commands; nil once
// the loop failed.
func (l *Loop) openBatch() *Batch {
	b := l.freeBatch()
	if b != nil {
		b.reset()
	}
	return b
}

// batchFull reports whether b has reached a batch cap.
func (l *Loop) batchFull(b *Batch) bool {
	return len(b.reqs) >= l.cfg.MaxBatchLen || len(b.buf) >= l.cfg.MaxBatchBytes
}

// offer hands b to the commit goroutine if it is idle, and otherwise keeps
// filling it: commands that arrive while the disk syncs one batch all ride
// in the next, which goes out the moment the sync is done (the commit
// goroutine marks itself idle and wakes the queue when it frees a
// buffer). Sealing a batch early
// instead would send a sliver of a batch and make the rest wait a third
// sync.
func (l *Loop) offer(b *Batch) *Batch {
	if !l.idle.Load() {
		return b // sealed, with more commands, at the next hand-over
	}
	b.seal()
	l.full <- b // the commit goroutine is at its receive, or about to be
	return l.openBatch()
}

// handOver seals b (with a snapshot if one is due) and waits until the
// commit goroutine takes it.
func (l *Loop) handOver(b *Batch) *Batch {
	b.seal()
	if l.snapshotDue() {
		b.snapshot = l.e.AppendSnapshot(b.snapshot[:0])
		b.snapSeq, b.snapHash = l.e.Seq(), sha256.Sum256(b.snapshot)
		l.lastSnap, l.lastSnapT = l.e.Seq(), l.lastTS
	}
	l.full <- b
	return l.openBatch()
}

// freeBatch waits for a batch buffer, or returns nil once the loop failed.
func (l *Loop) freeBatch() *Batch {
	select {
	case b := <-l.free:
		return b
	case <-l.fail:
		return nil
	}
}

// fill applies requests into b until a batch cap is reached and returns how
// many it took.
func (l *Loop) fill(b *Batch, reqs []*Request) int {
	start := time.Now()
	n := 0
	for n < len(reqs) && !l.batchFull(b) {
		l.apply(b, reqs[n])
		n++
	}
	b.applying += time.Since(start)
	return n
}

// snapshotDue reports whether the count or the time trigger has fired. The
// snapshot is taken on the apply goroutine between batches (matching pauses
// for the encoding, milliseconds for a retail-sized book) and written by the
// commit goroutine after the batch is durable.
func (l *Loop) snapshotDue() bool {
	if l.cfg.Snapshots == nil || l.e.Seq() == l.lastSnap {
		return false
	}
	if every := uint64(l.cfg.SnapshotEvery); every > 0 && l.e.Seq()-l.lastSnap >= every {
		return true
	}
	if l.lastSnapT == 0 {
		l.lastSnapT = l.lastTS // the interval counts from the first batch
	}
	iv := int64(l.cfg.SnapshotInterval)
	return iv > 0 && l.lastTS-l.lastSnapT >= iv
}

// apply stamps one command, applies it and adds it to the batch. The clock
// is kept monotonic so that journal timestamps never go backwards even when
// the wall clock does. A read runs here, between commands, and joins the
// batch only to be answered with it.
func (l *Loop) apply(b *Batch, r *Request) {
	if r.Read != nil {
		r.Read(l.e)
		b.addRead(r)
		return
	}
	cmd := r.Cmd
	cmd.Seq = l.e.Seq() + 1
	cmd.TS = max(l.cfg.Clock(), l.lastTS)
	l.lastTS = cmd.TS
	evs := l.e.Apply(&cmd)
	own := len(evs) > maxKeptEvents // an uncross: take them rather than copy
	if own {
		l.e.disown()
	}
	b.add(r, &cmd, evs, own)
}

// commitLoop is the commit goroutine: it makes each batch durable, then
// releases its outputs, then hands the buffer back.
func (l *Loop) commitLoop() {
	for b := range l.full {
		l.idle.Store(false)
		l.commit(b)
		// Idle before the wake-up, so that an apply goroutine woken with a
		// batch waiting sees it may hand the batch over now.
		l.idle.Store(true)
		l.q.Wake()
	}
}

func (l *Loop) commit(b *Batch) {
	if l.Err() != nil {
		b.refuse(ErrStopped) // never written: lost with the process
		l.replied()
		return
	}
	if err := l.append(b); err != nil {
		l.setFailed(err)
		b.refuse(ErrOutcomeUnknown) // the write may or may not have landed
		l.replied()
		return
	}
	l.saveSnapshot(b)
	b.reply()
	l.replied()
	b.publish(l.cfg.Publisher)
	l.free <- b
}

// append makes b's records durable. A batch of reads only has none: it is
// durable as soon as the batch before it is, which the commit goroutine has
// already waited for.
func (l *Loop) append(b *Batch) error {
	if len(b.records) == 0 {
		return nil
	}
	start := time.Now()
	if err := l.cfg.Journal.Append(b.records); err != nil {
		return err
	}
	if l.cfg.OnCommit != nil {
		l.cfg.OnCommit(CommitStats{Commands: len(b.cmds), Events: b.eventCount(), Bytes: len(b.buf), Sync: time.Since(start), Apply: b.applying})
	}
	l.committed.Store(b.lastSeq())
	return nil
}

// saveSnapshot hands the batch's snapshot, durable now, to the saver
// goroutine. Saving (a Badger write and sync, tens of milliseconds for a
// big engine) on the commit goroutine held up every reply of the batch;
// here it costs a copy. Only if snapshots come faster than the disk saves
// them (a trigger far too eager) does the commit goroutine wait here.
func (l *Loop) saveSnapshot(b *Batch) {
	if len(b.snapshot) == 0 {
		return
	}
	l.snaps <- snapJob{seq: b.snapSeq, hash: b.snapHash, data: append([]byte(nil), b.snapshot...)}
}

// snapshotLoop is the saver goroutine. It ends when the commit goroutine
// does, after saving what it was handed.
func (l *Loop) snapshotLoop() {
	for job := range l.snaps {
		err := l.cfg.Snapshots.SaveSnapshot(job.seq, job.hash[:], job.data)
		if err != nil && l.cfg.OnSnapshotError != nil {
			l.cfg.OnSnapshotError(job.seq, err)
		}
	}
}

func refuse(reqs []*Request, err error) {
	for _, r := range reqs {
		if r.Reply == nil {
			continue
		}
		if r.Read != nil {
			r.Reply(&Result{Err: err})
		} else {
			r.Reply(&Result{Cmd: &r.Cmd, Err: err})
		}
	}
}
