//go:build unix

package main

// TestCrashRecovery kills a real engine process with SIGKILL mid-load, again
// and again over one data directory, and then checks what survived:
//
//   - every acknowledged command is in the journal, at the seq it was
//     acknowledged with, with the account, id and outcome it was
//     acknowledged with (durability before visibility);
//   - seqs are dense from 1 to LastSeq, and no client order id was ever
//     accepted twice (one ExecNew per account and client order id), even
//     across restarts: a re-submitted id comes back
//     DUPLICATE_CLIENT_ORDER_ID naming the order that owns it;
//   - no back-office request was applied twice (idempotency survives the
//     restarts);
//   - the journal verifies, a replay from scratch reproduces every recorded
//     event and every stored snapshot, and ends in the same state as a
//     normal recovery (newest snapshot plus tail).
//
// The child is this test binary re-executed (crash_child_test.go). The
// default run kills it 3 times; the long run is
//
//	MTS_CRASH_KILLS=200 go test ./cmd/mts -run TestCrashRecovery -timeout 60m -v
//
// A failure prints the seed; MTS_CRASH_SEED=<seed> replays the same kill
// plan and load streams (the timing, and so the exact kill points, differ).

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/matching"
)

const (
	crashKillsEnv       = "MTS_CRASH_KILLS"
	crashDefaultKills   = 3
	crashNoProgress     = 15 * time.Second // an incarnation that is not killed by then fails
	crashMaxDups        = 5
	crashMinKillDelay   = 50 * time.Millisecond
	crashMaxKillDelay   = 400 * time.Millisecond
	crashMaxKillAcks    = 400
	crashFirstAcks      = 500 // more than two snapshots' worth (SnapshotEvery 200)
	crashEarlyKillOneIn = 8   // one kill in this many comes at a random moment after start, maybe mid-recovery
)

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	kills := envInt(t, crashKillsEnv, crashDefaultKills)
	if kills < 1 {
		t.Fatalf("%s=%d: want at least 1", crashKillsEnv, kills)
	}
	seed := crashSeed(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d; repro: MTS_CRASH_SEED=%d %s=%d go test ./cmd/mts -run TestCrashRecovery -v", seed, seed, crashKillsEnv, kills)
		}
	})
	dir := t.TempDir()
	h := killRepeatedly(t, dir, kills, seed)
	j, err := journal.Open(journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	problems, err := checkJournal(j, h.acks, h.dups)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range problems {
		if i == 20 {
			t.Errorf("... and %d more", len(problems)-i)
			break
		}
		t.Error(p)
	}
	checkRecovery(t, j)
	t.Logf("%d kills: %d acks, %d dup checks, journal at seq %d", kills, len(h.acks), len(h.dups), j.LastSeq())
}

// crashSeed is MTS_CRASH_SEED, or the clock.
func crashSeed(t *testing.T) uint64 {
	s := os.Getenv(crashSeedEnv)
	if s == "" {
		return uint64(time.Now().UnixNano())
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", crashSeedEnv, s, err)
	}
	return seed
}

// killRepeatedly runs kills incarnations of the child over dir, each killed
// at a random moment, and returns what they acknowledged.
func killRepeatedly(t *testing.T, dir string, kills int, seed uint64) *crashHistory {
	rng := rand.New(rand.NewPCG(seed, 0))
	h := new(crashHistory)
	for inc := 1; inc <= kills; inc++ {
		plan := newKillPlan(rng, inc)
		res := runIncarnation(t, dir, inc, seed, h.lastAccepted(crashMaxDups), plan)
		if err := h.add(res); err != nil {
			t.Fatalf("incarnation %d (%s): %v\nchild stderr:\n%s", inc, plan, err, res.stderr)
		}
		if testing.Verbose() {
			t.Logf("incarnation %d: %s; %s; %d acks, %d dups", inc, plan, res.ready, len(res.acks), len(res.dups))
		}
	}
	return h
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, s)
	}
	return n
}

// killPlan is when the parent kills one incarnation: after acks ACK lines or
// delay after the first one, whichever comes first; or, for an early kill,
// delay after the start whatever the child is doing.
type killPlan struct {
	early bool
	acks  int
	delay time.Duration
}

// newKillPlan draws the plan for incarnation inc. The first one always
// runs past crashFirstAcks acknowledgements, so that snapshots exist and
// every later recovery starts from one.
func newKillPlan(rng *rand.Rand, inc int) killPlan {
	if inc == 1 {
		return killPlan{acks: crashFirstAcks + rng.IntN(crashMaxKillAcks), delay: crashNoProgress / 2}
	}
	if rng.IntN(crashEarlyKillOneIn) == 0 {
		return killPlan{early: true, delay: time.Duration(rng.Int64N(int64(500 * time.Millisecond)))}
	}
	span := int64(crashMaxKillDelay - crashMinKillDelay)
	return killPlan{acks: 1 + rng.IntN(crashMaxKillAcks), delay: crashMinKillDelay + time.Duration(rng.Int64N(span))}
}

func (p killPlan) String() string {
	if p.early {
		return fmt.Sprintf("kill %v after start", p.delay)
	}
	return fmt.Sprintf("kill at %d acks or %v after the first", p.acks, p.delay)
}

// ackLine is one ACK or DUP line of a child.
type ackLine struct {
	inc     int
	seq     uint64
	account string
	id      string // client order id, or request id for back office
	kind    string // command wire name; "order.place" for a DUP
	outcome string // "ok" or a reason code
	dup     bool   // a DUP line: a re-submitted client order id
	ref     uint64 // DUP only: the RefOrderID
}

// placeKind is how an ACK line names an order entry.
var placeKind = matching.CmdPlace.String()

type readyLine struct{ seq, snapshotSeq, replayed uint64 }

func (r *readyLine) String() string {
	if r == nil {
		return "killed before it recovered"
	}
	return fmt.Sprintf("recovered to seq %d (snapshot %d, replayed %d)", r.seq, r.snapshotSeq, r.replayed)
}

// incarnationResult is what the parent read from one child.
type incarnationResult struct {
	ready  *readyLine // nil if killed before it was printed
	acks   []ackLine
	dups   []ackLine
	stderr string
}

// parseLine parses one complete stdout line of the child.
func parseLine(inc int, s string, res *incarnationResult) error {
	f := strings.Fields(s)
	bad := fmt.Errorf("malformed child line %q", s)
	if len(f) == 0 {
		return bad
	}
	nums := func(fs ...string) ([]uint64, error) {
		var out []uint64
		for _, x := range fs {
			n, err := strconv.ParseUint(x, 10, 64)
			if err != nil {
				return nil, bad
			}
			out = append(out, n)
		}
		return out, nil
	}
	switch {
	case f[0] == "READY" && len(f) == 4:
		n, err := nums(f[1:]...)
		if err != nil {
			return err
		}
		res.ready = &readyLine{n[0], n[1], n[2]}
	case f[0] == "ACK" && len(f) == 6:
		n, err := nums(f[1])
		if err != nil {
			return err
		}
		res.acks = append(res.acks, ackLine{inc: inc, seq: n[0], account: f[2], id: f[3], kind: f[4], outcome: f[5]})
	case f[0] == "DUP" && len(f) == 6:
		n, err := nums(f[1], f[5])
		if err != nil {
			return err
		}
		res.dups = append(res.dups, ackLine{inc: inc, seq: n[0], account: f[2], id: f[3], kind: placeKind, outcome: f[4], dup: true, ref: n[1]})
	default:
		return bad
	}
	return nil
}

// runIncarnation starts the child, reads its lines until the plan says
// kill, kills it with SIGKILL and collects every complete line it printed.
func runIncarnation(t *testing.T, dir string, inc int, seed uint64, dups []dupRequest, plan killPlan) incarnationResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.timeout=1m")
	cmd.Env = append(os.Environ(),
		crashChildEnv+"=1", crashDirEnv+"="+dir, crashIncarnationEnv+"="+strconv.Itoa(inc),
		crashSeedEnv+"="+strconv.FormatUint(seed, 10), crashDupsEnv+"="+formatDupRequests(dups),
		"GORACE=halt_on_error=1")
	stdin, err := cmd.StdinPipe() // held open: the child exits when it closes
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 256)
	go readLines(stdout, lines)

	var res incarnationResult
	perr := collect(inc, lines, plan, &res)
	killErr := cmd.Process.Kill() // SIGKILL
	for s := range lines {        // whatever it printed before dying counts
		if err := parseLine(inc, s, &res); err != nil && perr == nil {
			perr = err
		}
	}
	werr := cmd.Wait()
	res.stderr = stderr.String()
	switch {
	case perr != nil:
		t.Fatalf("incarnation %d (%s): %v (wait: %v)\nchild stderr:\n%s\ndata dir:\n%s", inc, plan, perr, werr, res.stderr, listDir(dir))
	case killErr != nil:
		t.Fatalf("incarnation %d: kill: %v", inc, killErr)
	case !killedBySIGKILL(werr):
		t.Fatalf("incarnation %d (%s): child ended with %v, not by our SIGKILL\nchild stderr:\n%s", inc, plan, werr, res.stderr)
	}
	return res
}

// readLines sends every complete line from r and closes lines at EOF. A
// final line without its newline was cut by the kill and is dropped.
func readLines(r io.Reader, lines chan<- string) {
	defer close(lines)
	br := bufio.NewReader(r)
	for {
		s, err := br.ReadString('\n')
		if err != nil {
			return
		}
		lines <- strings.TrimSuffix(s, "\n")
	}
}

// collect reads lines until the kill plan fires. An error means the child
// printed garbage, ended by itself, or made no progress.
func collect(inc int, lines <-chan string, plan killPlan, res *incarnationResult) error {
	stall := time.NewTimer(crashNoProgress)
	defer stall.Stop()
	var kill <-chan time.Time
	if plan.early {
		kill = time.After(plan.delay)
	}
	for {
		select {
		case s, ok := <-lines:
			if !ok {
				return errors.New("child exited before it was killed")
			}
			if err := parseLine(inc, s, res); err != nil {
				return err
			}
			if plan.early || !strings.HasPrefix(s, "ACK ") {
				continue
			}
			if len(res.acks) >= plan.acks {
				return nil
			}
			if kill == nil {
				kill = time.After(plan.delay)
			}
		case <-kill:
			return nil
		case <-stall.C:
			return fmt.Errorf("no kill point reached in %v (%d acks)", crashNoProgress, len(res.acks))
		}
	}
}

// listDir lists the data directory with sizes, for a failure message.
func listDir(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			fmt.Fprintf(&b, "%12d %s %s\n", info.Size(), info.ModTime().Format("15:04:05.000"), e.Name())
		}
	}
	return b.String()
}

func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// crashHistory accumulates the incarnations' lines.
type crashHistory struct {
	acks     []ackLine
	dups     []ackLine
	maxAcked uint64
}

// add checks an incarnation's own lines against the history so far and
// keeps them: the recovered engine must be at least as far as every seq
// acknowledged before, and the child's stderr must be clean.
func (h *crashHistory) add(res incarnationResult) error {
	for _, bad := range []string{"DATA RACE", "panic:", "fatal error:"} {
		if strings.Contains(res.stderr, bad) {
			return fmt.Errorf("child stderr has %q", bad)
		}
	}
	if res.ready != nil && res.ready.seq < h.maxAcked {
		return fmt.Errorf("recovered to seq %d, but seq %d was acknowledged before", res.ready.seq, h.maxAcked)
	}
	for _, a := range append(res.acks, res.dups...) {
		h.maxAcked = max(h.maxAcked, a.seq)
	}
	h.acks = append(h.acks, res.acks...)
	h.dups = append(h.dups, res.dups...)
	return nil
}

// lastAccepted returns up to n of the newest acknowledged, accepted orders:
// their client order ids are taken for the day.
func (h *crashHistory) lastAccepted(n int) []dupRequest {
	var out []dupRequest
	for i := len(h.acks) - 1; i >= 0 && len(out) < n; i-- {
		if a := h.acks[i]; a.kind == placeKind && a.outcome == "ok" {
			out = append(out, dupRequest{a.account, a.id})
		}
	}
	return out
}

// journaled is what the checks need of one record.
type journaled struct {
	account, id, kind, outcome string
	ref                        uint64
}

// orderKey names a client order id or a back-office request of an account.
type orderKey struct{ account, id string }

// journalFacts is the whole journal boiled down for the checks.
type journalFacts struct {
	last     uint64
	records  map[uint64]journaled // only the acknowledged seqs
	newSeqs  map[orderKey][]uint64
	newIDs   map[orderKey]matching.OrderID
	applied  map[orderKey]int // back-office requests applied (reason none)
	problems []string
}

// checkJournal checks every acknowledgement against the journal and the
// journal against itself. It returns the problems found; err is for a
// journal it could not read at all.
func checkJournal(j *journal.Journal, acks, dups []ackLine) ([]string, error) {
	want := make(map[uint64]bool, len(acks)+len(dups))
	for _, a := range append(append([]ackLine(nil), acks...), dups...) {
		want[a.seq] = true
	}
	f, err := readJournal(j, want)
	if err != nil {
		return nil, err
	}
	f.checkAcks(acks, dups)
	f.checkUnique()
	return f.problems, nil
}

func readJournal(j *journal.Journal, want map[uint64]bool) (*journalFacts, error) {
	f := &journalFacts{
		records: make(map[uint64]journaled), newSeqs: make(map[orderKey][]uint64),
		newIDs: make(map[orderKey]matching.OrderID), applied: make(map[orderKey]int),
	}
	var cmd matching.Command
	var evs []matching.Event
	err := j.Read(1, func(r journal.Record) error {
		if r.Seq != f.last+1 {
			return fmt.Errorf("journal: record %d after %d", r.Seq, f.last)
		}
		f.last = r.Seq
		var err error
		if evs, err = matching.DecodeRecord(r.Payload, &cmd, evs[:0]); err != nil {
			return fmt.Errorf("record %d: %w", r.Seq, err)
		}
		if cmd.Seq != r.Seq {
			f.problems = append(f.problems, fmt.Sprintf("record %d holds command seq %d", r.Seq, cmd.Seq))
		}
		f.note(&cmd, evs, want[r.Seq])
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f.last != j.LastSeq() {
		f.problems = append(f.problems, fmt.Sprintf("read up to seq %d, LastSeq is %d", f.last, j.LastSeq()))
	}
	return f, nil
}

func (f *journalFacts) note(c *matching.Command, evs []matching.Event, acked bool) {
	if acked {
		f.records[c.Seq] = journaled{c.Account, commandID(c), c.Kind.String(), outcomeOf(evs), uint64(refOrderOf(evs))}
	}
	for i := range evs {
		ev := &evs[i]
		switch {
		case ev.Kind == matching.EvExec && ev.ExecType == matching.ExecNew:
			k := orderKey{ev.Account, ev.ClientOrderID}
			f.newSeqs[k] = append(f.newSeqs[k], c.Seq)
			f.newIDs[k] = ev.OrderID
		case ev.Kind == matching.EvAccount && ev.Reason == matching.ReasonNone:
			f.applied[orderKey{ev.Account, ev.Extras().RequestID}]++
		}
	}
}

// checkAcks: each ACK and DUP is in the journal as acknowledged; each seq
// was acknowledged once; each DUP was refused as a duplicate of the order
// that owns the id.
func (f *journalFacts) checkAcks(acks, dups []ackLine) {
	seen := make(map[uint64]ackLine, len(acks)+len(dups))
	for _, a := range append(append([]ackLine(nil), acks...), dups...) {
		if prev, ok := seen[a.seq]; ok {
			f.problemf("seq %d acknowledged twice: %+v and %+v", a.seq, prev, a)
		}
		seen[a.seq] = a
		f.checkAck(a)
	}
	dup := matching.RejDuplicateClientOrderID.Code()
	for _, d := range dups {
		owner, ok := f.newIDs[orderKey{d.account, d.id}]
		switch {
		case d.outcome != dup || d.ref == 0:
			f.problemf("incarnation %d re-sent %s/%s: got %s ref %d, want %s with a ref", d.inc, d.account, d.id, d.outcome, d.ref, dup)
		case !ok || uint64(owner) != d.ref:
			f.problemf("incarnation %d re-sent %s/%s: ref %d, but the journal's order with that id is %d", d.inc, d.account, d.id, d.ref, owner)
		}
	}
}

func (f *journalFacts) checkAck(a ackLine) {
	if a.seq == 0 || a.seq > f.last {
		f.problemf("incarnation %d acknowledged seq %d (%s %s/%s), but the journal ends at %d", a.inc, a.seq, a.kind, a.account, a.id, f.last)
		return
	}
	got := f.records[a.seq]
	want := journaled{a.account, a.id, a.kind, a.outcome, a.ref}
	if !a.dup {
		want.ref = got.ref // only a DUP line carries a ref
	}
	if got != want {
		f.problemf("seq %d: journal has %+v, incarnation %d acknowledged %+v", a.seq, got, a.inc, want)
	}
	if a.kind == placeKind && a.outcome == "ok" {
		if seqs := f.newSeqs[orderKey{a.account, a.id}]; len(seqs) == 0 || seqs[0] != a.seq {
			f.problemf("seq %d: acknowledged order %s/%s accepted at seqs %v", a.seq, a.account, a.id, seqs)
		}
	}
}

// checkUnique: no client order id accepted twice, no request applied twice.
func (f *journalFacts) checkUnique() {
	for k, seqs := range f.newSeqs {
		if len(seqs) > 1 && k.id != "" {
			f.problemf("client order id %s/%s accepted %d times, at seqs %v", k.account, k.id, len(seqs), seqs)
		}
	}
	for k, n := range f.applied {
		if n > 1 {
			f.problemf("request %s/%s applied %d times", k.account, k.id, n)
		}
	}
}

func (f *journalFacts) problemf(format string, args ...any) {
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

// checkRecovery verifies the journal and its snapshots, replays it from
// scratch reproducing every recorded event, and compares the end state with
// a normal recovery from the newest snapshot.
func checkRecovery(t *testing.T, j *journal.Journal) {
	t.Helper()
	if err := j.Verify(); err != nil {
		t.Fatalf("journal.Verify: %v", err)
	}
	opts, err := crashEngineOptions("", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := &store{j: j}
	full, fstats, err := matching.Recover(engineFactory(opts), s, s, matching.RecoverOptions{Verify: true, FromScratch: true})
	if err != nil {
		t.Fatalf("replay from scratch: %v", err)
	}
	normal, nstats, err := matching.Recover(engineFactory(opts), s, s, matching.RecoverOptions{})
	if err != nil {
		t.Fatalf("recovery from snapshot: %v", err)
	}
	if full.Seq() != j.LastSeq() || normal.Seq() != j.LastSeq() {
		t.Errorf("recovered to seq %d from scratch and %d from snapshot %d, want LastSeq %d", full.Seq(), normal.Seq(), nstats.SnapshotSeq, j.LastSeq())
	}
	if got, want := normal.StateHash(), full.StateHash(); got != want {
		t.Errorf("state hash from snapshot %d + %d records = %x, from a full replay %x", nstats.SnapshotSeq, nstats.Replayed, got, want)
	}
	if nstats.SnapshotSeq == 0 {
		t.Errorf("recovery found no snapshot in %d records with SnapshotEvery=%d", j.LastSeq(), opts.SnapshotEvery)
	}
	t.Logf("full replay: %d records, %d snapshots checked; normal recovery: snapshot %d + %d records",
		fstats.Replayed, fstats.Checked, nstats.SnapshotSeq, nstats.Replayed)
}

// TestCrashCheckerBites proves the checks can fail: an in-process load
// (the child's own code, no kill) checks clean, and then forged
// acknowledgements — a seq beyond the journal, a seq that holds another
// command, a duplicate that was not refused — are each reported.
func TestCrashCheckerBites(t *testing.T) {
	dir := t.TempDir()
	opts, err := crashEngineOptions(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h, err := openEngine(opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	out := newLineWriter(&buf, crashLineBuffer)
	lerr := runCrashLoad(h.loop, crashLoad{incarnation: 1, seed: 1, out: out, perWorker: 100})
	if err := errors.Join(lerr, out.close(), h.Close()); err != nil {
		t.Fatal(err)
	}
	var res incarnationResult
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		if err := parseLine(1, sc.Text(), &res); err != nil {
			t.Fatal(err)
		}
	}
	j, err := journal.Open(journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if problems, err := checkJournal(j, res.acks, nil); err != nil || len(problems) > 0 {
		t.Fatalf("clean run: problems %q, err %v; want none", problems, err)
	}
	var h2 crashHistory
	if err := h2.add(res); err != nil {
		t.Fatal(err)
	}
	accepted := h2.lastAccepted(1)
	if len(accepted) == 0 {
		t.Fatal("no accepted order in the load")
	}
	last := j.LastSeq()
	forged := map[string]struct {
		acks, dups []ackLine
		want       string
	}{
		"seq beyond the journal": {
			acks: []ackLine{{seq: last + 1, account: "A1", id: "lost", kind: placeKind, outcome: "ok"}},
			want: fmt.Sprintf("acknowledged seq %d", last+1),
		},
		"another command at the seq": {
			acks: []ackLine{{seq: last, account: "A9", id: "other", kind: placeKind, outcome: "ok"}},
			want: fmt.Sprintf("seq %d: journal has", last),
		},
		"seq acknowledged twice": {
			acks: append(append([]ackLine(nil), res.acks...), res.acks[len(res.acks)-1]),
			want: "acknowledged twice",
		},
		"duplicate accepted": {
			dups: []ackLine{{seq: res.acks[len(res.acks)-1].seq, account: accepted[0].account, id: accepted[0].clOrdID, kind: placeKind, outcome: "ok", dup: true}},
			want: "want DUPLICATE_CLIENT_ORDER_ID",
		},
	}
	for name, tc := range forged {
		problems, err := checkJournal(j, tc.acks, tc.dups)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(strings.Join(problems, "\n"), tc.want) {
			t.Errorf("%s: problems %q, want one containing %q", name, problems, tc.want)
		}
	}
}

// TestCrashReadLinesDropsCutLine: the kill can cut the last line; it must
// not be read as an acknowledgement.
func TestCrashReadLinesDropsCutLine(t *testing.T) {
	lines := make(chan string, 4)
	readLines(strings.NewReader("ACK 1 A1 x order.place ok\nACK 2 A1 y order.pl"), lines)
	var got []string
	for s := range lines {
		got = append(got, s)
	}
	if want := []string{"ACK 1 A1 x order.place ok"}; !slices.Equal(got, want) {
		t.Errorf("readLines = %q, want %q", got, want)
	}
}
