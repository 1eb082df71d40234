package natspub

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/matching"
)

// Publisher defaults.
const (
	// DefaultQueueLen is PublisherConfig.QueueLen when zero: batches handed
	// over and not yet published. At the loop's default 512 commands a
	// batch that is a few hundred milliseconds of a busy market's peak.
	DefaultQueueLen = 64
	// DefaultSnapshotQueueLen is PublisherConfig.SnapshotQueueLen when
	// zero: snapshot requests waiting for the builder goroutine.
	DefaultSnapshotQueueLen = 1024
)

// Publisher errors.
var (
	ErrStarted = errors.New("natspub: publisher already started")
	ErrClosed  = errors.New("natspub: closed")
)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Depth is the builder's levels per side; 0 means
	// marketdata.DefaultDepth. Feeds must use the same.
	Depth int
	// StartSeq is the engine seq just before the trading day's first
	// command (marketdata.Config.StartSeq).
	StartSeq uint64
	// QueueLen bounds the hand-offs (one per batch or PublishCommand)
	// between the caller and the publisher goroutine. Full: Publish blocks
	// until one is published. 0 means DefaultQueueLen.
	QueueLen int
	// SnapshotQueueLen bounds the snapshot requests waiting for the
	// builder goroutine. Full: the request is answered at once with a 503
	// error reply, and the feed retries later. 0 means
	// DefaultSnapshotQueueLen.
	SnapshotQueueLen int
	// OnError, if set, is told of a failed NATS publish, reply or flush,
	// and of a command the builder refused (marketdata.ErrSeqGap: the
	// builder missed commands, a wiring bug). It is called on the
	// publisher goroutine once when a kind of failure starts, not for every
	// message while it lasts; Errors counts them all.
	OnError func(err error)

	// SaveState, if set, is handed the builder's state
	// (marketdata.Builder.AppendState) and the seq and TS of the last
	// command it reflects, on the publisher goroutine: after a hand-off
	// that brings StateEvery commands or StateInterval of command time
	// (the commands' TS, the loop's clock) since the last save, and in
	// Close after the last command. state is valid only during the call:
	// copy it, and do the slow part (the file, its fsync) elsewhere, or the
	// market data waits. With neither StateEvery nor StateInterval set it
	// is called only in Close.
	SaveState     func(seq uint64, ts int64, state []byte)
	StateEvery    int           // commands between saves; 0: no count trigger
	StateInterval time.Duration // command time between saves; 0: no time trigger
}

// Publisher runs a marketdata.Builder on its own goroutine, fed with the
// engine's committed commands, and publishes every message it builds on
// md.<symbol>.<stream>. It also answers md.<symbol>.snapshot requests.
//
// Two goroutines meet here. The engine loop's commit goroutine calls
// Publish (it is the loop's matching.Publisher); it must be quick and must
// not keep the batch, so it copies only what the builder reads
// (marketdata.BuilderEvent) into a chunk and sends the chunk over a
// bounded channel. Chunks circulate between a free list and that channel,
// QueueLen of them in all, so the hand-off allocates nothing once warm and
// a full queue blocks the commit goroutine (backpressure) instead of
// dropping: the builder must see every command or its state is wrong for
// the rest of the day. The alternative, building on the commit goroutine,
// would put encoding and NATS writes on the path of the next batch's
// acknowledgements.
//
// The publisher goroutine owns the Builder, the encode buffer and the
// subject table. It takes chunks and snapshot requests from one select, so
// a snapshot is always the builder's state between two commands, after
// every message of the commands before it has been handed to NATS: the
// reply's Seq is exactly where the book stream continues.
type Publisher struct {
	nc    *nats.Conn
	cfg   PublisherConfig
	b     *marketdata.Builder
	queue chan *chunk // to the publisher goroutine
	free  chan *chunk // back from it
	snaps chan *nats.Msg
	sink  emitter

	mu      sync.Mutex // guards started, closed, snapSub: the lifecycle
	started bool
	closed  bool
	snapSub *nats.Subscription
	done    chan struct{}
	// flushErr is written by the publisher goroutine before done closes.
	flushErr error

	// Owned by the publisher goroutine (by the Replay caller before Start).
	subjects map[string]*subjectRow
	lastName string
	lastRow  *subjectRow
	buf      []byte
	cmd      matching.Command
	failing  [numFailures]bool
	// The last SaveState: the seq and TS it reflected (TS 0: none yet,
	// the next command's TS starts the interval).
	savedSeq uint64
	savedTS  int64
	stateBuf []byte

	published atomic.Uint64
	errs      atomic.Uint64
}

// chunk is one hand-off: commands' seq and ts, and their public events.
type chunk struct {
	cmds []cmdHead
	evs  []matching.Event
}

type cmdHead struct {
	seq uint64
	ts  int64
	end int // end of the command's events in chunk.evs
}

// failure kinds, for reporting each once while it lasts.
const (
	failPublish = iota
	failBuild
	numFailures
)

// NewPublisher returns a publisher for the engine's instruments. Replay
// the day's journal into it, then Start it, then start the engine loop.
func NewPublisher(nc *nats.Conn, instruments []matching.Instrument, cfg PublisherConfig) (*Publisher, error) {
	if cfg.QueueLen == 0 {
		cfg.QueueLen = DefaultQueueLen
	}
	if cfg.SnapshotQueueLen == 0 {
		cfg.SnapshotQueueLen = DefaultSnapshotQueueLen
	}
	if cfg.QueueLen < 1 || cfg.SnapshotQueueLen < 1 {
		return nil, fmt.Errorf("natspub: queue lengths %d and %d must be positive", cfg.QueueLen, cfg.SnapshotQueueLen)
	}
	if cfg.StateEvery < 0 || cfg.StateInterval < 0 {
		return nil, fmt.Errorf("natspub: state every %d commands, %v: must not be negative", cfg.StateEvery, cfg.StateInterval)
	}
	b, err := marketdata.NewBuilder(instruments, marketdata.Config{Depth: cfg.Depth, StartSeq: cfg.StartSeq})
	if err != nil {
		return nil, err
	}
	p := &Publisher{
		nc: nc, cfg: cfg, b: b,
		queue:    make(chan *chunk, cfg.QueueLen),
		free:     make(chan *chunk, cfg.QueueLen),
		snaps:    make(chan *nats.Msg, cfg.SnapshotQueueLen),
		done:     make(chan struct{}),
		subjects: make(map[string]*subjectRow, len(instruments)),
	}
	p.sink.p = p
	for range cfg.QueueLen {
		p.free <- &chunk{}
	}
	for _, in := range instruments {
		var s subjectRow
		for st := marketdata.StreamBook; st <= marketdata.StreamStatus; st++ {
			s[st] = Subject(in.Symbol, st)
		}
		p.subjects[in.Symbol] = &s
	}
	return p, nil
}

// Depth returns the levels per side the publisher's builder uses.
func (p *Publisher) Depth() int { return p.b.Depth() }

// Replay feeds one journal record to the builder without publishing
// anything: at process start the builder rebuilds the day's state (books,
// ticker, candles, every per-symbol seq) from the day's first record, so
// that what it publishes next continues the numbers consumers saw from the
// previous process. Commands must come in seq order from StartSeq+1; a
// live batch that overlaps the replayed ones later is skipped where it
// overlaps. Replay must be called before Start, from one goroutine.
func (p *Publisher) Replay(cmd *matching.Command, evs []matching.Event) error {
	if err := p.beforeStart(); err != nil {
		return err
	}
	return p.b.ApplyCommand(cmd, evs, discard{})
}

// LoadState replaces the builder's state with a saved one
// (marketdata.Builder.LoadState): a restart that has one replays only the
// journal records after its seq, instead of the whole day. On error the
// builder is unchanged. Like Replay, it must be called before Start.
func (p *Publisher) LoadState(state []byte) error {
	if err := p.beforeStart(); err != nil {
		return err
	}
	if err := p.b.LoadState(state); err != nil {
		return err
	}
	p.savedSeq, p.savedTS = p.b.Seq(), p.b.TS()
	return nil
}

// AppendState appends the builder's state (marketdata.Builder.AppendState)
// to dst, before Start: the caller saves what a replay rebuilt. It also
// counts as a save for StateEvery and StateInterval.
func (p *Publisher) AppendState(dst []byte) ([]byte, error) {
	if err := p.beforeStart(); err != nil {
		return dst, err
	}
	p.savedSeq, p.savedTS = p.b.Seq(), p.b.TS()
	return p.b.AppendState(dst), nil
}

// Seq returns the seq of the last command the builder applied. Before
// Start only (it belongs to the publisher goroutine after).
func (p *Publisher) Seq() uint64 { return p.b.Seq() }

func (p *Publisher) beforeStart() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.closed {
		return ErrStarted
	}
	return nil
}

// Start subscribes to md.*.snapshot, waits until the server has the
// subscription, and starts the publisher goroutine.
func (p *Publisher) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return ErrClosed
	case p.started:
		return ErrStarted
	}
	sub, err := p.nc.Subscribe(snapshotWildcard, p.onSnapshot)
	if err != nil {
		return fmt.Errorf("natspub: subscribe %s: %w", snapshotWildcard, err)
	}
	// The subscription is only buffered so far: until the server has it, a
	// snapshot request from another connection finds no responder, which a
	// gateway would take for a symbol nobody publishes. A round trip makes
	// Start's return mean that requests are answered.
	if err := p.nc.FlushTimeout(5 * time.Second); err != nil {
		sub.Unsubscribe()
		return fmt.Errorf("natspub: subscribe %s: %w", snapshotWildcard, err)
	}
	p.snapSub, p.started = sub, true
	go p.run()
	return nil
}

// Publish hands a durable batch to the publisher goroutine. It is the
// matching.Publisher method, called on the loop's commit goroutine; it
// copies what the builder needs and does not keep b. It blocks while the
// queue is full (see Publisher); before Start, QueueLen hand-offs fit and
// the next waits for Start. Publish and PublishCommand must be called from
// one goroutine at a time, and not after Close.
func (p *Publisher) Publish(b *matching.Batch) {
	c := <-p.free
	for i := range b.Len() {
		c.add(b.Command(i), b.Events(i))
	}
	p.queue <- c
}

// PublishCommand hands over one committed command and its events, like
// Publish (for startup and tests: a matching.Batch is built only by the
// loop).
func (p *Publisher) PublishCommand(cmd *matching.Command, evs []matching.Event) {
	c := <-p.free
	c.add(cmd, evs)
	p.queue <- c
}

// add copies one command's seq, ts and public events.
func (c *chunk) add(cmd *matching.Command, evs []matching.Event) {
	for i := range evs {
		if ev, ok := marketdata.BuilderEvent(&evs[i]); ok {
			c.evs = append(c.evs, ev)
		}
	}
	c.cmds = append(c.cmds, cmdHead{seq: cmd.Seq, ts: cmd.TS, end: len(c.evs)})
}

func (c *chunk) reset() {
	clear(c.evs) // drop the symbol strings
	c.cmds, c.evs = c.cmds[:0], c.evs[:0]
}

// Close publishes everything handed over, answers the snapshot requests
// that arrived before it, flushes the connection and stops the goroutine.
// Call it after the engine loop has stopped: Publish after Close panics.
// It returns the flush error, if any. A publisher never started is drained
// on the caller's goroutine.
func (p *Publisher) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.done
		return nil
	}
	p.closed = true
	started := p.started
	p.mu.Unlock()
	close(p.queue)
	if !started {
		p.run()
	}
	<-p.done
	return p.flushErr
}

// run is the publisher goroutine: chunks and snapshot requests, in
// arrival order, until the queue is closed and drained.
func (p *Publisher) run() {
	defer close(p.done)
	for {
		select {
		case c, ok := <-p.queue:
			if !ok {
				p.finish()
				return
			}
			p.apply(c)
			c.reset()
			p.free <- c
			p.maybeSaveState()
		case m := <-p.snaps:
			p.answer(m)
		}
	}
}

// apply feeds one chunk to the builder, which publishes through p.sink.
func (p *Publisher) apply(c *chunk) {
	start := 0
	for _, h := range c.cmds {
		p.cmd.Seq, p.cmd.TS = h.seq, h.ts
		err := p.b.ApplyCommand(&p.cmd, c.evs[start:h.end], &p.sink)
		p.report(failBuild, err)
		start = h.end
	}
}

// maybeSaveState hands the state to SaveState when StateEvery commands or
// StateInterval of command time have passed since the last save.
func (p *Publisher) maybeSaveState() {
	seq, ts := p.b.Seq(), p.b.TS()
	if p.cfg.SaveState == nil || seq == p.savedSeq {
		return
	}
	if p.savedTS == 0 {
		p.savedTS = ts // the first command starts the interval
	}
	every, interval := uint64(p.cfg.StateEvery), int64(p.cfg.StateInterval)
	if (every > 0 && seq-p.savedSeq >= every) || (interval > 0 && ts-p.savedTS >= interval) {
		p.saveState()
	}
}

func (p *Publisher) saveState() {
	p.stateBuf = p.b.AppendState(p.stateBuf[:0])
	p.savedSeq, p.savedTS = p.b.Seq(), p.b.TS()
	p.cfg.SaveState(p.savedSeq, p.savedTS, p.stateBuf)
}

// finish stops the snapshot service, answers what is queued, and flushes.
// The builder's final state goes to SaveState.
func (p *Publisher) finish() {
	if p.cfg.SaveState != nil && p.b.Seq() != p.savedSeq {
		p.saveState()
	}
	p.mu.Lock()
	sub := p.snapSub
	p.mu.Unlock()
	if sub != nil {
		// After Unsubscribe no new request reaches onSnapshot; one under way
		// may still land in p.snaps, which is buffered, or be refused busy.
		p.report(failPublish, sub.Unsubscribe())
	}
	for {
		select {
		case m := <-p.snaps:
			p.answer(m)
		default:
			p.flushErr = p.nc.Flush()
			p.report(failPublish, p.flushErr)
			return
		}
	}
}

// emitter is the builder's Sink: it encodes each message into one reused
// buffer and publishes it. nats.Conn.Publish copies the bytes into its
// write buffer, so the buffer is free again when Publish returns.
type emitter struct{ p *Publisher }

func (e *emitter) Publish(m marketdata.Message) {
	p := e.p
	subj := p.subject(m.Head().Symbol, m.Stream())
	p.buf = m.Append(p.buf[:0])
	err := p.nc.Publish(subj, p.buf)
	p.report(failPublish, err)
	if err == nil {
		p.published.Add(1)
	}
}

// subjectRow holds one symbol's subjects, indexed by stream.
type subjectRow [marketdata.StreamStatus + 1]string

// subject returns md.<sym>.<stream> from the table built in NewPublisher,
// so that publishing builds no strings. The messages of one command and
// symbol come together, so the last symbol's row usually answers without a
// map lookup (comparing the builder's own symbol strings is a pointer
// check).
func (p *Publisher) subject(sym string, st marketdata.Stream) string {
	if sym != p.lastName {
		p.lastName, p.lastRow = sym, p.subjects[sym]
	}
	return p.lastRow[st]
}

// report counts an error and tells OnError when a kind of failure starts.
func (p *Publisher) report(kind int, err error) {
	if err == nil {
		p.failing[kind] = false
		return
	}
	p.errs.Add(1)
	if !p.failing[kind] && p.cfg.OnError != nil {
		p.cfg.OnError(err)
	}
	p.failing[kind] = true
}

// Published returns the number of messages published so far (snapshot
// replies not included).
func (p *Publisher) Published() uint64 { return p.published.Load() }

// Errors returns the number of failed publishes, replies, flushes and
// refused commands so far.
func (p *Publisher) Errors() uint64 { return p.errs.Load() }

// QueueLen returns the number of hand-offs waiting for the publisher
// goroutine: near PublisherConfig.QueueLen, the engine is about to be held
// up by market data.
func (p *Publisher) QueueLen() int { return len(p.queue) }

// discard is the Sink of Replay.
type discard struct{}

func (discard) Publish(marketdata.Message) {}
