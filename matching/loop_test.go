package matching

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memJournal is an in-memory Journal that can be slowed, blocked or made to
// fail, and that remembers how far it has durably written.
type memJournal struct {
	mu      sync.Mutex
	recs    []Record
	durable atomic.Uint64 // highest seq whose Append has returned
	failAt  int           // fail the failAt-th Append (1-based); 0 = never
	appends int
	gate    chan struct{} // when set, each Append waits for a token
}

func (j *memJournal) Append(recs []Record) error {
	if j.gate != nil {
		<-j.gate
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.appends++
	if j.appends == j.failAt {
		return errors.New("disk on fire")
	}
	for _, r := range recs {
		if want := uint64(len(j.recs)) + 1; r.Seq != want {
			return fmt.Errorf("seq %d, want %d", r.Seq, want)
		}
		j.recs = append(j.recs, Record{Seq: r.Seq, TS: r.TS, Payload: append([]byte(nil), r.Payload...)})
	}
	j.durable.Store(recs[len(recs)-1].Seq)
	return nil
}

// visibility checks every output against the journal's durable mark.
type visibility struct {
	j        *memJournal
	violated atomic.Int64
	seen     atomic.Int64
}

func (v *visibility) Publish(b *Batch) {
	for i := range b.Len() {
		v.seen.Add(1)
		if b.Command(i).Seq > v.j.durable.Load() {
			v.violated.Add(1)
		}
	}
}

func newTestLoop(t *testing.T, j *memJournal, p Publisher, mutate func(*LoopConfig)) *Loop {
	t.Helper()
	var now atomic.Int64
	cfg := LoopConfig{Engine: newTestEngine(t), Journal: j, Publisher: p,
		Clock: func() int64 { return now.Add(1000) }, QueueLen: 1024, MaxBatchLen: 16}
	if mutate != nil {
		mutate(&cfg)
	}
	l, err := NewLoop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	t.Cleanup(func() { l.Stop() })
	return l
}

func order(acct string, i int) Command {
	side := Buy
	if i%2 == 1 {
		side = Sell
	}
	return Command{Kind: CmdPlace, Account: acct, Symbol: "005930", Side: side, Type: Limit, TIF: Day,
		Price: 71000, Qty: 1, ClientOrderID: fmt.Sprintf("c%d", i)}
}

// TestLoopDurableBeforeVisible: with a slow journal and many producers,
// every reply and every published batch comes after its Append returned,
// sequence numbers are dense, and the journal holds exactly the commands.
func TestLoopDurableBeforeVisible(t *testing.T) {
	for _, ch := range []bool{false, true} {
		t.Run(fmt.Sprintf("channel=%v", ch), func(t *testing.T) { durableBeforeVisible(t, ch) })
	}
}

func durableBeforeVisible(t *testing.T, channel bool) {
	j := &memJournal{gate: make(chan struct{})}
	go func() { // a slow disk: one Append per 200µs
		for range time.Tick(200 * time.Microsecond) {
			select {
			case j.gate <- struct{}{}:
			case <-t.Context().Done():
				return
			}
		}
	}()
	v := &visibility{j: j}
	l := newTestLoop(t, j, v, func(c *LoopConfig) { c.ChannelQueue = channel })
	const producers, each = 8, 100
	var wg sync.WaitGroup
	var early, replies atomic.Int64
	seqs := make([]atomic.Bool, producers*each+1)
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				done := make(chan struct{})
				r := &Request{Cmd: order(fmt.Sprintf("P%d", p), i), Reply: func(res *Result) {
					if res.Err != nil || res.Cmd.Seq > j.durable.Load() {
						early.Add(1)
					}
					seqs[res.Cmd.Seq].Store(true)
					replies.Add(1)
					close(done)
				}}
				for l.Submit(r) == ErrBusy {
					time.Sleep(time.Millisecond)
				}
				<-done
			}
		}()
	}
	wg.Wait()
	// The last batch's replies come before its Publish call: wait for that.
	for deadline := time.Now().Add(5 * time.Second); v.seen.Load() < producers*each && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if early.Load() != 0 || v.violated.Load() != 0 {
		t.Errorf("%d replies and %d published commands were visible before durable", early.Load(), v.violated.Load())
	}
	if got := replies.Load(); got != producers*each || v.seen.Load() != producers*each {
		t.Errorf("replies %d, published %d, want %d each", got, v.seen.Load(), producers*each)
	}
	for s := 1; s <= producers*each; s++ {
		if !seqs[s].Load() {
			t.Fatalf("seq %d never replied: sequence has a gap", s)
		}
	}
	if len(j.recs) != producers*each {
		t.Fatalf("journal has %d records, want %d", len(j.recs), producers*each)
	}
	var c Command
	if _, err := DecodeRecord(j.recs[0].Payload, &c, nil); err != nil || c.Seq != 1 || c.Kind != CmdPlace {
		t.Errorf("first record decodes to %+v, %v", c, err)
	}
}

func TestLoopFailStop(t *testing.T) {
	j := &memJournal{failAt: 2}
	l := newTestLoop(t, j, nil, func(c *LoopConfig) { c.MaxBatchLen = 1 })
	// Each command's answer, by command: the batch that failed and the
	// command queued behind it are answered from different goroutines, in
	// no promised order.
	var results [10]chan error
	submit := func(i int) error {
		results[i] = make(chan error, 1)
		return l.Submit(&Request{Cmd: order("A", i), Reply: func(r *Result) { results[i] <- r.Err }})
	}
	for i := range 3 {
		if err := submit(i); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
	}
	var got []error
	for i := range 3 {
		got = append(got, <-results[i])
	}
	if got[0] != nil || !errors.Is(got[1], ErrOutcomeUnknown) || !errors.Is(got[2], ErrStopped) {
		t.Errorf("results = %v, want [nil, outcome unknown, stopped]", got)
	}
	select {
	case <-l.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("loop did not stop after a journal error")
	}
	if !errors.Is(l.Err(), ErrOutcomeUnknown) {
		t.Errorf("Err() = %v, want the journal failure", l.Err())
	}
	if err := submit(9); !errors.Is(err, ErrStopped) {
		t.Errorf("Submit after failure = %v, want ErrStopped", err)
	}
}

// TestLoopBusy: a stalled journal backs the pipeline up; the queue fills and
// Submit answers ErrBusy at once instead of blocking.
func TestLoopBusy(t *testing.T) {
	j := &memJournal{gate: make(chan struct{})}
	l := newTestLoop(t, j, nil, func(c *LoopConfig) { c.QueueLen, c.MaxBatchLen = 8, 1 })
	var busy bool
	for i := range 100 {
		start := time.Now()
		err := l.Submit(&Request{Cmd: order("A", i)})
		if time.Since(start) > time.Second {
			t.Fatalf("Submit blocked for %v", time.Since(start))
		}
		if errors.Is(err, ErrBusy) {
			busy = true
			break
		}
	}
	close(j.gate) // let the journal drain so Stop returns
	if !busy {
		t.Error("100 submits against a stalled journal never got ErrBusy")
	}
}

type memSnapshots struct {
	mu     sync.Mutex
	j      *memJournal
	seqs   []uint64
	datas  [][]byte
	hashes [][]byte
	ahead  bool
}

func (m *memSnapshots) SaveSnapshot(seq uint64, hash, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq > m.j.durable.Load() {
		m.ahead = true
	}
	m.seqs = append(m.seqs, seq)
	m.datas = append(m.datas, append([]byte(nil), data...))
	m.hashes = append(m.hashes, append([]byte(nil), hash...))
	return nil
}

// TestLoopSnapshots: snapshots are never ahead of the journal, and one
// snapshot plus the journal tail after it rebuilds the final state.
func TestLoopSnapshots(t *testing.T) {
	j := &memJournal{}
	snaps := &memSnapshots{j: j}
	l := newTestLoop(t, j, nil, func(c *LoopConfig) { c.Snapshots, c.SnapshotEvery, c.MaxBatchLen = snaps, 10, 4 })
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		for l.Submit(&Request{Cmd: order(fmt.Sprintf("A%d", i%3), i), Reply: func(*Result) { wg.Done() }}) != nil {
			time.Sleep(time.Millisecond)
		}
	}
	wg.Wait()
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if snaps.ahead || len(snaps.seqs) < 5 {
		t.Fatalf("snapshots at %v (ahead of journal: %v), want ≥ 5, none ahead", snaps.seqs, snaps.ahead)
	}
	want := l.e.StateHash()
	k := len(snaps.seqs) / 2
	e := newTestEngine(t)
	if err := e.LoadSnapshot(snaps.datas[k]); err != nil {
		t.Fatal(err)
	}
	for _, r := range j.recs[snaps.seqs[k]:] {
		var c Command
		if _, err := DecodeRecord(r.Payload, &c, nil); err != nil {
			t.Fatal(err)
		}
		e.Apply(&c)
	}
	if e.StateHash() != want {
		t.Error("snapshot + journal tail does not reproduce the final state")
	}
}

func TestLoopRefusesOverlongStrings(t *testing.T) {
	l := newTestLoop(t, &memJournal{}, nil, nil)
	c := order("A", 0)
	c.Text = string(make([]byte, MaxStringLen+1))
	if err := l.Submit(&Request{Cmd: c}); !errors.Is(err, ErrTooLong) {
		t.Errorf("Submit with a %d-byte string = %v, want ErrTooLong", len(c.Text), err)
	}
}

// TestLoopSnapshotInterval: with no count trigger, a snapshot is taken once
// the loop clock has moved SnapshotInterval past the last one.
func TestLoopSnapshotInterval(t *testing.T) {
	j := &memJournal{}
	snaps := &memSnapshots{j: j}
	// newTestLoop's clock advances 1 µs per command.
	l := newTestLoop(t, j, nil, func(c *LoopConfig) {
		c.Snapshots, c.SnapshotInterval, c.MaxBatchLen = snaps, 10*time.Microsecond, 1
	})
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		for l.Submit(&Request{Cmd: order("A", i), Reply: func(*Result) { wg.Done() }}) != nil {
		}
	}
	wg.Wait()
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(snaps.seqs); n < 3 || n > 6 {
		t.Errorf("%d snapshots over 50 µs of loop time at a 10 µs interval (%v), want about 4", n, snaps.seqs)
	}
}

// TestLoopReadSeesEarlierCommands: a read submitted after a command sees
// its effect, and its reply comes after the command's, in input order.
func TestLoopReadSeesEarlierCommands(t *testing.T) {
	j := &memJournal{}
	l := newTestLoop(t, j, nil, nil)
	var seen []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	done := make(chan struct{})
	if err := l.Submit(&Request{Cmd: order("A", 0), Reply: func(*Result) { note("cmd") }}); err != nil {
		t.Fatal(err)
	}
	var got OrderView
	var found bool
	read := &Request{
		Read:  func(e *Engine) { got, found = e.Order("A", "005930", 0, "c0") },
		Reply: func(*Result) { note("read"); close(done) },
	}
	if err := l.Submit(read); err != nil {
		t.Fatal(err)
	}
	<-done
	if !found || !got.Open || got.OrderID != 1 || got.LeavesQty != 1 {
		t.Errorf("read after place: %+v, %v; want open order #1 with 1 left", got, found)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != "cmd" || seen[1] != "read" {
		t.Errorf("replies in order %v, want [cmd read]", seen)
	}
}

// TestLoopReadWaitsForDurable: with the journal stalled inside the
// command's Append, the read has run but its reply waits until Append
// returns; a batch of reads alone never calls Append.
func TestLoopReadWaitsForDurable(t *testing.T) {
	j := &memJournal{gate: make(chan struct{})}
	l := newTestLoop(t, j, nil, func(c *LoopConfig) { c.MaxBatchLen = 1 })
	if err := l.Submit(&Request{Cmd: order("A", 0)}); err != nil {
		t.Fatal(err)
	}
	var ran atomic.Bool
	replied := make(chan *Result, 1)
	read := &Request{
		Read:  func(e *Engine) { ran.Store(e.Seq() == 1) },
		Reply: func(r *Result) { replied <- r },
	}
	if err := l.Submit(read); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !ran.Load(); {
		if time.Now().After(deadline) {
			t.Fatal("the read never ran against the engine after the command")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case <-replied:
		t.Fatal("read answered while its predecessor's Append had not returned")
	case <-time.After(20 * time.Millisecond):
	}
	j.gate <- struct{}{} // the command's Append may now finish
	select {
	case r := <-replied:
		if r.Err != nil || r.Cmd != nil {
			t.Errorf("read result = %+v, want no command and no error", r)
		}
		if j.durable.Load() != 1 {
			t.Errorf("read answered at durable seq %d, want 1", j.durable.Load())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read never answered")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.appends != 1 {
		t.Errorf("%d Appends for one command and one read, want 1", j.appends)
	}
}

// TestLoopOnCommit: the commit hook hears about every journaled command
// and event, with the bytes written, a sync time and the time applying
// them took, before the batch's replies go out; a read-only batch is not
// reported.
func TestLoopOnCommit(t *testing.T) {
	j := &memJournal{}
	var mu sync.Mutex
	var got CommitStats
	var batches, untimed int
	l := newTestLoop(t, j, nil, func(c *LoopConfig) {
		c.OnCommit = func(s CommitStats) {
			mu.Lock()
			defer mu.Unlock()
			batches++
			got.Commands += s.Commands
			got.Events += s.Events
			got.Bytes += s.Bytes
			got.Apply += s.Apply
			if s.Sync <= 0 {
				untimed++
			}
		}
	})
	const n = 40
	events := 0
	for i := range n {
		res := submitWait(t, l, order("A", i))
		events += len(res.Events)
		mu.Lock()
		if got.Commands < i+1 {
			t.Fatalf("command %d replied before its commit was reported", i+1)
		}
		mu.Unlock()
	}
	submitRead(t, l)
	mu.Lock()
	defer mu.Unlock()
	bytes := 0
	for _, r := range j.recs {
		bytes += len(r.Payload)
	}
	if got.Commands != n || got.Events != events || got.Bytes != bytes || batches == 0 || untimed != 0 || got.Apply <= 0 {
		t.Errorf("reported %+v over %d batches (%d untimed); want %d commands, %d events, %d bytes",
			got, batches, untimed, n, events, bytes)
	}
}

// submitWait submits cmd and waits for its result.
func submitWait(t *testing.T, l *Loop, cmd Command) *Result {
	t.Helper()
	done := make(chan *Result, 1)
	if err := l.Submit(&Request{Cmd: cmd, Reply: func(r *Result) { done <- r }}); err != nil {
		t.Fatal(err)
	}
	return <-done
}

// submitRead submits a read that looks at nothing and waits for its reply.
func submitRead(t *testing.T, l *Loop) {
	t.Helper()
	done := make(chan struct{})
	if err := l.Submit(&Request{Read: func(*Engine) {}, Reply: func(*Result) { close(done) }}); err != nil {
		t.Fatal(err)
	}
	<-done
}
