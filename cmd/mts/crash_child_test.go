//go:build unix

package main

// The child half of the crash test (crash_test.go has the parent and the
// checks). TestCrashChild is the test binary re-executed by
// TestCrashRecovery: it opens the engine over the parent's data directory,
// prints what it was acknowledged, and puts load on the engine until the
// parent kills it with SIGKILL. The same load code runs in-process for
// TestCrashCheckerBites.
//
// Stdout protocol, one line per durable reply (complete lines only; the kill
// may cut the last one):
//
//	READY <seq> <snapshot seq> <replayed>          the engine recovered to <seq>
//	ACK <seq> <account> <id> <kind> <outcome>      a reply with Err == nil
//	DUP <seq> <account> <clOrdID> <reason> <ref>   a re-submitted client order id
//
// <id> is the client order id of an order command and the request id of a
// back-office one; <kind> the command's wire name (order.place, ...);
// <outcome> "ok" or the reason code of the rejection (see outcomeOf).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

// Environment of the child process.
const (
	crashChildEnv       = "MTS_CRASH_CHILD"       // "1" in the child
	crashDirEnv         = "MTS_CRASH_DIR"         // the data directory
	crashIncarnationEnv = "MTS_CRASH_INCARNATION" // 1, 2, ...
	crashSeedEnv        = "MTS_CRASH_SEED"        // the parent's seed (also settable by hand)
	crashDupsEnv        = "MTS_CRASH_DUPS"        // account/clOrdID,... to re-submit
)

// The child's load and limits.
const (
	crashSymbol        = "005930" // base 71,000 KRW, 100 KRW tick
	crashBasePrice     = 71000
	crashTick          = 100
	crashWorkers       = 3  // submitting goroutines
	crashWindow        = 8  // commands in flight per worker
	crashOpenRemember  = 32 // recent orders a worker may cancel or amend
	crashChildLifetime = 20 * time.Second
	crashLineBuffer    = 4096 // lines queued for stdout; a full queue holds up the commit goroutine
)

var crashAccounts = []string{"A1", "A2", "A3", "A4"}

// crashEngineOptions is the engine the child runs and the parent checks:
// risk on, with the rate and open-order limits raised so that risk does not
// throttle the load (orders also carry Confirm, which skips the warning tier
// and the double-tap check).
func crashEngineOptions(dir string, log *slog.Logger) (engineOptions, error) {
	ins, err := matching.LoadInstrumentFile("sample/instruments.json")
	if err != nil {
		return engineOptions{}, err
	}
	cfg := risk.DefaultConfig()
	cfg.RateWindowNanos = 1 // a one-nanosecond window never fills
	cfg.MaxOpenOrders = 100_000
	return engineOptions{
		DataDir: dir, Instruments: ins, Risk: &cfg, SnapshotEvery: 200, Verify: true, Logger: log,
	}, nil
}

func TestCrashChild(t *testing.T) {
	if os.Getenv(crashChildEnv) != "1" {
		t.Skip("the child of TestCrashRecovery; runs only when it starts this binary")
	}
	// Never leave an orphan: a parent that died closes our stdin, and a
	// parent that hangs is outlived by at most crashChildLifetime.
	time.AfterFunc(crashChildLifetime, func() {
		fmt.Fprintln(os.Stderr, "crash child: lifetime over")
		os.Exit(4)
	})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	if err := crashChildMain(); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(1)
	}
	os.Exit(0) // not reached: the load runs until the parent kills us
}

func crashChildMain() error {
	inc, err := strconv.Atoi(os.Getenv(crashIncarnationEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", crashIncarnationEnv, err)
	}
	seed, err := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	if err != nil {
		return fmt.Errorf("%s: %w", crashSeedEnv, err)
	}
	dups, err := parseDupRequests(os.Getenv(crashDupsEnv))
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts, err := crashEngineOptions(os.Getenv(crashDirEnv), log)
	if err != nil {
		return err
	}
	h, err := openEngine(opts)
	if err != nil {
		return err
	}
	out := newLineWriter(os.Stdout, crashLineBuffer)
	out.printf("READY %d %d %d", h.loop.CommittedSeq(), h.stats.SnapshotSeq, h.stats.Replayed)
	return runCrashLoad(h.loop, crashLoad{incarnation: inc, seed: seed, dups: dups, out: out})
}

// dupRequest is a client order id from an earlier incarnation, to be sent
// again: it must come back DUPLICATE_CLIENT_ORDER_ID.
type dupRequest struct{ account, clOrdID string }

func parseDupRequests(s string) ([]dupRequest, error) {
	var out []dupRequest
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' }) {
		acct, id, ok := strings.Cut(f, "/")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not account/clOrdID", crashDupsEnv, f)
		}
		out = append(out, dupRequest{acct, id})
	}
	return out, nil
}

func formatDupRequests(dups []dupRequest) string {
	parts := make([]string, len(dups))
	for i, d := range dups {
		parts[i] = d.account + "/" + d.clOrdID
	}
	return strings.Join(parts, ",")
}

// lineWriter prints lines from any goroutine, each flushed on its own so
// that a SIGKILL loses at most the line being written. Replies arrive on the
// loop's commit goroutine, which must not wait on a pipe: it only queues the
// line, and one goroutine writes. The queue is bounded (crashLineBuffer);
// when the reader falls that far behind, the commit goroutine waits.
type lineWriter struct {
	ch   chan string
	done chan struct{}
	err  error // the first write error; read after close
}

func newLineWriter(w io.Writer, n int) *lineWriter {
	lw := &lineWriter{ch: make(chan string, n), done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		bw := bufio.NewWriter(w)
		for s := range lw.ch {
			bw.WriteString(s)
			bw.WriteByte('\n')
			if err := bw.Flush(); err != nil && lw.err == nil {
				lw.err = err
			}
		}
	}()
	return lw
}

func (lw *lineWriter) printf(format string, args ...any) { lw.ch <- fmt.Sprintf(format, args...) }

// close writes what is queued and returns the first write error.
func (lw *lineWriter) close() error {
	close(lw.ch)
	<-lw.done
	return lw.err
}

// outcomeOf sums up a command's events as one word: the reason code of the
// first rejection (an order, amend or cancel refused, or a back-office
// command refused or a repeat), or "ok". The child prints it from the reply
// and the parent recomputes it from the journal: they must agree.
func outcomeOf(evs []matching.Event) string {
	for i := range evs {
		ev := &evs[i]
		rejected := ev.Kind == matching.EvExec && ev.ExecType == matching.ExecRejected
		refused := ev.Kind == matching.EvAccount && ev.Reason != matching.ReasonNone
		if rejected || refused {
			return ev.Reason.Code()
		}
	}
	return "ok"
}

// refOrderOf returns the RefOrderID of the first rejection.
func refOrderOf(evs []matching.Event) matching.OrderID {
	for i := range evs {
		if evs[i].Kind == matching.EvExec && evs[i].ExecType == matching.ExecRejected {
			return evs[i].Extras().RefOrderID
		}
	}
	return 0
}

// commandID is what an ACK line names a command by: the client order id of
// an order command, the request id of a back-office one.
func commandID(c *matching.Command) string {
	if c.RequestID != "" {
		return c.RequestID
	}
	return c.ClientOrderID
}

// crashLoad says what one incarnation submits.
type crashLoad struct {
	incarnation int
	seed        uint64
	dups        []dupRequest
	out         *lineWriter
	perWorker   int // commands per worker; 0: until the process dies
}

// runCrashLoad opens and funds the accounts (every incarnation: the
// back-office commands are idempotent by request id, so a kill during the
// first setup is harmless and later ones are DUPLICATE_REQUEST), re-submits
// the dup requests, then runs the workers. It returns the first error.
func runCrashLoad(loop *matching.Loop, l crashLoad) error {
	if err := crashSetup(loop, l.out); err != nil {
		return err
	}
	if err := resubmit(loop, l.dups, l.out); err != nil {
		return err
	}
	errs := make(chan error, crashWorkers)
	for g := range crashWorkers {
		w := &crashWorker{
			loop: loop, out: l.out, inc: l.incarnation, g: g,
			rng:  rand.New(rand.NewPCG(l.seed, uint64(l.incarnation)<<8|uint64(g))),
			done: make(chan workerResult, crashWindow),
		}
		go func() { errs <- w.run(l.perWorker) }()
	}
	var all []error
	for range crashWorkers {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// submitWait submits one command and waits for its reply; fn sees the
// result while its events are valid.
func submitWait(loop *matching.Loop, cmd matching.Command, fn func(*matching.Result)) error {
	var err error
	done := make(chan struct{})
	req := &matching.Request{Cmd: cmd, Reply: func(r *matching.Result) {
		if err = r.Err; err == nil {
			fn(r)
		}
		close(done)
	}}
	if serr := loop.Submit(req); serr != nil {
		return serr
	}
	<-done
	return err
}

// printAck is the Reply body shared by every command: one ACK line.
func printAck(out *lineWriter, r *matching.Result) {
	c := r.Cmd
	out.printf("ACK %d %s %s %s %s", c.Seq, c.Account, commandID(c), c.Kind, outcomeOf(r.Events))
}

func crashSetup(loop *matching.Loop, out *lineWriter) error {
	for _, a := range crashAccounts {
		cmds := []matching.Command{
			{Kind: matching.CmdOpenAccount, Account: a, RequestID: "open-" + a},
			{Kind: matching.CmdDeposit, Account: a, Amount: 1_000_000_000_000, RequestID: "cash-" + a},
			{Kind: matching.CmdCreditShares, Account: a, Symbol: crashSymbol, Qty: 10_000_000, RequestID: "shares-" + a},
		}
		for _, c := range cmds {
			if err := submitWait(loop, c, func(r *matching.Result) { printAck(out, r) }); err != nil {
				return fmt.Errorf("setup %s: %w", c.RequestID, err)
			}
		}
	}
	return nil
}

// resubmit sends each dup request again as a plain limit order.
func resubmit(loop *matching.Loop, dups []dupRequest, out *lineWriter) error {
	for _, d := range dups {
		c := matching.Command{
			Kind: matching.CmdPlace, Account: d.account, Symbol: crashSymbol, ClientOrderID: d.clOrdID,
			Side: matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: crashBasePrice, Qty: 1, Confirm: true,
		}
		err := submitWait(loop, c, func(r *matching.Result) {
			out.printf("DUP %d %s %s %s %d", r.Cmd.Seq, d.account, d.clOrdID, outcomeOf(r.Events), refOrderOf(r.Events))
		})
		if err != nil {
			return fmt.Errorf("re-submitting %s/%s: %w", d.account, d.clOrdID, err)
		}
	}
	return nil
}

// crashWorker submits a random stream of orders, cancels and amends with up
// to crashWindow in flight. Its replies come back on the commit goroutine,
// which prints the ACK and hands the result to the worker through done
// (capacity crashWindow, so the hand-off never blocks).
type crashWorker struct {
	loop     *matching.Loop
	out      *lineWriter
	inc, g   int
	rng      *rand.Rand
	n        int // commands submitted
	inflight int
	open     []workerOrder // recently accepted day orders, oldest first
	done     chan workerResult
}

type workerOrder struct {
	account, clOrdID string
	side             matching.Side
}

type workerResult struct {
	order    workerOrder
	restable bool // an accepted day order: a target for cancels and amends
	err      error
}

func (w *crashWorker) run(limit int) error {
	for limit == 0 || w.n < limit {
		if w.inflight == crashWindow {
			if err := w.settle(<-w.done); err != nil {
				return err
			}
		}
		c := w.next()
		req := &matching.Request{Cmd: c, Reply: w.reply}
		if err := w.loop.Submit(req); err != nil {
			return fmt.Errorf("worker %d: submit %s: %w", w.g, c.ClientOrderID, err)
		}
		w.inflight++
	}
	for w.inflight > 0 {
		if err := w.settle(<-w.done); err != nil {
			return err
		}
	}
	return nil
}

// reply runs on the loop's commit goroutine.
func (w *crashWorker) reply(r *matching.Result) {
	c := r.Cmd
	res := workerResult{order: workerOrder{c.Account, c.ClientOrderID, c.Side}, err: r.Err}
	if r.Err == nil {
		printAck(w.out, r)
		res.restable = c.Kind == matching.CmdPlace && c.TIF == matching.Day && outcomeOf(r.Events) == "ok"
	}
	w.done <- res
}

func (w *crashWorker) settle(r workerResult) error {
	w.inflight--
	if r.err != nil {
		return fmt.Errorf("worker %d: reply for %s: %w", w.g, r.order.clOrdID, r.err)
	}
	if r.restable {
		if len(w.open) == crashOpenRemember {
			w.open = append(w.open[:0], w.open[1:]...)
		}
		w.open = append(w.open, r.order)
	}
	return nil
}

// next makes the worker's next command: mostly limit orders around the base
// price, so that buys and sells cross, and cancels and amends of its recent
// orders by client order id.
func (w *crashWorker) next() matching.Command {
	w.n++
	id := fmt.Sprintf("i%d-g%d-%06d", w.inc, w.g, w.n)
	r := w.rng
	if len(w.open) > 0 && r.IntN(10) < 4 {
		o := w.open[r.IntN(len(w.open))]
		c := matching.Command{Kind: matching.CmdCancel, Account: o.account, Symbol: crashSymbol, ClientOrderID: id, OrigClientOrderID: o.clOrdID}
		if r.IntN(2) == 0 {
			c.Kind, c.Price = matching.CmdAmend, w.price(o.side)
		}
		return c
	}
	side := matching.Buy
	if r.IntN(2) == 0 {
		side = matching.Sell
	}
	tif := matching.Day
	if r.IntN(5) == 0 {
		tif = matching.IOC
	}
	return matching.Command{
		Kind: matching.CmdPlace, Account: crashAccounts[r.IntN(len(crashAccounts))], Symbol: crashSymbol,
		ClientOrderID: id, Side: side, Type: matching.Limit, TIF: tif, Price: w.price(side),
		Qty: matching.Qty(1 + r.IntN(50)), Confirm: true,
	}
}

// price is a limit within ±5 ticks of the base, leaning across it: buys
// from 4 ticks below to 5 above, sells the mirror image.
func (w *crashWorker) price(side matching.Side) matching.Price {
	k := w.rng.IntN(10) - 4
	if side == matching.Sell {
		k = -k
	}
	return matching.Price(crashBasePrice + k*crashTick)
}
