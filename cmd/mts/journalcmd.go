package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mts-krx/mts/gateway"
	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

// The back office's tools over a journal directory: export, verify and
// truncate open the journal themselves, so the engine must be stopped
// (Badger locks its directory); tail (journalhttp.go) reads a running
// server's instead. All of them open the journal in Repair mode: a damaged
// tail is then reported by the read that meets it, with its seq, instead of
// refusing to open, and nothing is ever appended.

const journalUsage = `usage: mts journal <command> [flags]

commands:
  tail      stream a running server's journal (GET /v1/journal) to stdout
  export    write a stopped engine's journal as JSON lines or CSV
  verify    replay the whole journal into a fresh engine and check that every
            recorded event and every snapshot is reproduced exactly
  truncate  remove records after a seq: a torn tail that was never acknowledged

Run 'mts journal <command> -h' for its flags.

A record (JSON lines; CSV has one row per event, see api.JournalCSVColumns):
  {"seq":7,"ts":"2026-11-27T00:01:00.000005Z","tradeDate":"2026-11-27",
   "command":{"method":"order.place","account":"B1","params":{...}},
   "events":[{"type":"execution",...,"fee":"106","tradeDate":"2026-11-27",
              "settlementDate":"2026-12-01"}, ...]}
`

// runJournal is `mts journal`.
func (m *Main) runJournal(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, journalUsage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "tail":
		return m.runTail(ctx, rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdout, stderr)
	case "verify":
		return runVerify(ctx, rest, stdout, stderr)
	case "truncate":
		return runTruncate(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, journalUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "mts journal: unknown command %q\n\n%s", cmd, journalUsage)
		return exitUsage
	}
}

// errJournalLocked means another process (a running engine) has the
// journal open.
var errJournalLocked = errors.New("the journal is in use: Badger's directory lock is held, most likely by a running engine")

// openJournalDir opens the journal in dir for a tool. The directory must
// already hold one: Badger would happily create an empty journal in a
// mistyped path. Badger's warnings go to stderr.
func openJournalDir(dir string, stderr io.Writer) (*journal.Journal, error) {
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("no journal at %s: %w", dir, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("no journal at %s: not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		return nil, fmt.Errorf("no journal in %s (no Badger MANIFEST)", dir)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The tools read the whole journal and exit: Badger's compactors would
	// only compete with them for the cores (a truncate's few deletes need
	// none).
	j, err := journal.Open(journal.Options{Dir: dir, Repair: true, Logger: log, DeferCompaction: true})
	if err != nil && strings.Contains(err.Error(), "Cannot acquire directory lock") {
		// Badger formats this error with %v, so the text is all there is.
		return nil, fmt.Errorf("%w; stop it first, or read the live journal with 'mts journal tail' (%s)", errJournalLocked, dir)
	}
	return j, err
}

// closeJournal closes j, reporting an error only if there was none before.
func closeJournal(j *journal.Journal, err *error) {
	if cerr := j.Close(); *err == nil && cerr != nil {
		*err = cerr
	}
}

// ---- export ----

const exportUsage = `usage: mts journal export --data DIR [--from SEQ] [--to SEQ] [--format jsonl|csv] [--sessions FILE | --holidays FILE]

Writes the journal of a stopped engine to stdout, from --from (default 1) to
--to (default: the end): JSON lines, one record a line, or CSV, one row an
event after a header. Fills carry their trade date (KST) and T+2 settlement
date, which skips weekends and market holidays: give the engine's own
schedule with --sessions FILE (the file mts serve --sessions read, so the
export dates fills exactly as the live feed did), or a plain list with
--holidays FILE, one YYYY-MM-DD a line (blank lines and # comments
skipped). Without either, weekends only. A summary goes to stderr.

flags:
`

type exportOptions struct {
	data, format, holidays, sessions string
	from, to                         uint64
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, format, code, ok := parseExportFlags(args, stderr)
	if !ok {
		return code
	}
	cal, err := exportCalendar(opts)
	if err != nil {
		fmt.Fprintf(stderr, "mts journal export: %v\n", err)
		return exitUsage
	}
	n, last, err := export(ctx, opts, format, cal, stdout, stderr)
	fmt.Fprintf(stderr, "export: records=%d from=%d last_seq=%d\n", n, opts.from, last)
	if err != nil {
		fmt.Fprintf(stderr, "mts journal export: %v\n", err)
		return exitFail
	}
	return exitOK
}

func parseExportFlags(args []string, stderr io.Writer) (opts exportOptions, f gateway.JournalFormat, code int, ok bool) {
	fs := newFlagSet("journal export", exportUsage, stderr)
	fs.StringVar(&opts.data, "data", "", "the engine's data `DIR` (required)")
	opts.from = 1
	fs.Func("from", "first `SEQ` to export (default 1)", seqFlag(&opts.from))
	fs.Func("to", "last `SEQ` to export (default: the end)", seqFlag(&opts.to))
	fs.StringVar(&opts.format, "format", "jsonl", "`FORMAT`: jsonl or csv")
	fs.StringVar(&opts.holidays, "holidays", "", "market holidays `FILE` (YYYY-MM-DD a line)")
	fs.StringVar(&opts.sessions, "sessions", "", "the engine's session schedule `FILE`: its holidays date the fills")
	if code, ok := parseFlags(fs, args); !ok {
		return opts, 0, code, false
	}
	f, err := gateway.ParseJournalFormat(opts.format)
	switch {
	case err != nil:
		return opts, 0, usageError(stderr, "journal export", "--format: %v", err), false
	case opts.data == "":
		return opts, 0, usageError(stderr, "journal export", "--data DIR is required"), false
	case opts.to != 0 && opts.to < opts.from:
		return opts, 0, usageError(stderr, "journal export", "--to %d is before --from %d", opts.to, opts.from), false
	case opts.sessions != "" && opts.holidays != "":
		return opts, 0, usageError(stderr, "journal export", "give --sessions or --holidays, not both: each is a holiday list"), false
	}
	return opts, f, exitOK, true
}

// seqFlag parses a sequence number flag (1 or more).
func seqFlag(dst *uint64) func(string) error {
	return func(s string) (err error) {
		*dst, err = parseSeq(s)
		return err
	}
}

// errExportDone stops the read at --to.
var errExportDone = errors.New("export done")

// export writes the records and returns how many, and the journal's last
// seq.
func export(ctx context.Context, opts exportOptions, f gateway.JournalFormat, cal *gateway.Calendar, stdout, stderr io.Writer) (n int, last uint64, err error) {
	j, err := openJournalDir(opts.data, stderr)
	if err != nil {
		return 0, 0, err
	}
	defer closeJournal(j, &err)
	last = j.LastSeq()
	out := bufio.NewWriterSize(stdout, 64<<10)
	jw := gateway.NewJournalWriter(out, f, cal)
	err = j.Read(opts.from, func(r journal.Record) error {
		if opts.to != 0 && r.Seq > opts.to {
			return errExportDone
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted at seq %d: %w", r.Seq, err)
		}
		n++
		return jw.WritePayload(r.Seq, r.TS, r.Payload)
	})
	if errors.Is(err, errExportDone) {
		err = nil
	}
	err = errors.Join(err, jw.Flush(), out.Flush())
	return n, last, err
}

// exportCalendar is the business-day calendar the export dates fills by:
// the holidays of --sessions (a schedule, as mts serve reads it; "krx" is
// the built-in one, which has none) or of --holidays.
func exportCalendar(opts exportOptions) (*gateway.Calendar, error) {
	if opts.sessions == "" {
		return loadHolidays(opts.holidays)
	}
	sch, err := loadSessions(opts.sessions)
	if err != nil {
		return nil, fmt.Errorf("--sessions: %w", err)
	}
	return calendarOf(sch), nil
}

// loadHolidays reads a holiday file: one YYYY-MM-DD a line, optionally
// followed by a comment; blank lines and lines starting with # are
// skipped. "" is no file: weekends only.
func loadHolidays(path string) (*gateway.Calendar, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--holidays: %w", err)
	}
	cal := &gateway.Calendar{Holidays: map[string]bool{}}
	for i, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		d, err := time.Parse(gateway.DateLayout, fields[0])
		if err != nil || len(fields) > 1 && !strings.HasPrefix(fields[1], "#") {
			return nil, fmt.Errorf("--holidays %s line %d: %q is not a date such as 2026-12-25", path, i+1, strings.TrimSpace(line))
		}
		cal.Holidays[d.Format(gateway.DateLayout)] = true
	}
	return cal, nil
}

// ---- verify ----

const verifyUsage = `usage: mts journal verify --data DIR [--instruments FILE] [--risk=true|false]

Replays the whole journal of a stopped engine into a fresh engine and checks
that every command reproduces exactly the events the journal recorded, and
that the state at every stored snapshot hashes to the snapshot's hash (and
the snapshot's bytes to it too): the determinism proof. The engine is built
with the configuration the data directory records the journal was written
with (engine-config.json: instruments, risk settings, VI). --instruments,
--risk and --vi replace the record (and are needed for a directory without
one): defaults then are the built-in sample instruments, risk on with the
default configuration, and VI off.

It prints the records replayed, the snapshots checked, the final state hash
and the journal's chain head (publish it elsewhere to make history
tamper-evident). On a divergence or a damaged record it names the seq and
exits 1.

flags:
`

type verifyOptions struct {
	data, instruments string
	risk, vi          bool
	flagged           bool // a configuration flag was given: it replaces the record
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("journal verify", verifyUsage, stderr)
	var opts verifyOptions
	fs.StringVar(&opts.data, "data", "", "the engine's data `DIR` (required)")
	fs.StringVar(&opts.instruments, "instruments", "", "instrument reference data `FILE` the engine ran with; default: the built-in sample")
	fs.BoolVar(&opts.risk, "risk", true, "the engine ran with the risk checker (accounts, fees) on")
	fs.BoolVar(&opts.vi, "vi", false, "the engine ran with volatility interruptions on (serve --sessions)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if opts.data == "" {
		return usageError(stderr, "journal verify", "--data DIR is required")
	}
	fs.Visit(func(f *flag.Flag) { opts.flagged = opts.flagged || f.Name != "data" })
	eopts, err := verifyEngineOptions(opts)
	if err != nil {
		fmt.Fprintf(stderr, "mts journal verify: %v\n", err)
		return exitUsage
	}
	j, err := openJournalDir(opts.data, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mts journal verify: %v\n", err)
		return exitFail
	}
	rep, err := verify(ctx, j, eopts)
	if cerr := j.Close(); cerr != nil {
		fmt.Fprintf(stderr, "mts journal verify: %v\n", cerr)
	}
	rep.config = "the flags"
	if !opts.flagged {
		rep.config = "recorded in " + filepath.Join(opts.data, engineConfigFile)
	}
	rep.print(stdout, err)
	if err != nil {
		return exitFail
	}
	return exitOK
}

// verifyEngineOptions builds the engine configuration the way the server
// does (engineFactory): the data directory's record of it, or the flags.
func verifyEngineOptions(o verifyOptions) (engineOptions, error) {
	if !o.flagged {
		rec, err := readEngineConfig(o.data)
		switch {
		case err == nil:
			return engineOptions{DataDir: o.data, Instruments: rec.Instruments, Risk: rec.Risk, VI: rec.VI}, nil
		case !errors.Is(err, fs.ErrNotExist):
			return engineOptions{}, err
		}
	}
	ins, err := loadInstrumentFile(o.instruments)
	if err != nil {
		return engineOptions{}, err
	}
	eo := engineOptions{DataDir: o.data, Instruments: ins, VI: o.vi}
	if o.risk {
		rc := risk.DefaultConfig()
		eo.Risk = &rc
	}
	return eo, nil
}

// loadInstrumentFile reads instrument reference data, or the built-in
// sample when path is "".
func loadInstrumentFile(path string) ([]matching.Instrument, error) {
	data := sampleInstruments
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("--instruments: %w", err)
		}
	}
	return matching.LoadInstruments(bytes.NewReader(data))
}

// verifyReport is what verify found.
type verifyReport struct {
	config    string // where the engine configuration came from
	stats     matching.RecoverStats
	snapshots int    // stored
	failSeq   uint64 // the record (or snapshot) where verification failed
	lastSeq   uint64
	hash      [32]byte
	headSeq   uint64
	head      journal.Link
}

// verify replays j into engines built from opts.
func verify(ctx context.Context, j *journal.Journal, opts engineOptions) (rep verifyReport, err error) {
	st := &store{j: j}
	if rep.snapshots, err = checkSnapshotBytes(j); err != nil {
		rep.failSeq = corruptSeq(err, 0)
		return rep, err
	}
	log := &trackingLog{ctx: ctx, log: st}
	e, stats, err := matching.Recover(engineFactory(opts), st, log, matching.RecoverOptions{Verify: true, FromScratch: true})
	rep.stats = stats
	if err != nil {
		rep.failSeq = corruptSeq(err, log.cur)
		return rep, err
	}
	rep.lastSeq, rep.hash = e.Seq(), e.StateHash()
	rep.headSeq, rep.head = j.Head()
	return rep, nil
}

// corruptSeq returns the seq a *journal.CorruptError names, or seq.
func corruptSeq(err error, seq uint64) uint64 {
	var cerr *journal.CorruptError
	if errors.As(err, &cerr) {
		return cerr.Seq
	}
	return seq
}

// checkSnapshotBytes checks that every stored snapshot's bytes hash to its
// stored state hash, so that the snapshot recovery would load is the state
// the replay compares against. It returns how many there are.
func checkSnapshotBytes(j *journal.Journal) (int, error) {
	infos, err := j.Snapshots()
	if err != nil {
		return 0, err
	}
	for _, in := range infos {
		data, hash, err := j.LoadSnapshot(in.Seq)
		if err != nil {
			return 0, err
		}
		if sum := sha256.Sum256(data); !bytes.Equal(sum[:], hash) {
			return 0, &journal.CorruptError{Seq: in.Seq, Snapshot: true, Reason: "its bytes do not hash to its stored state hash"}
		}
	}
	return len(infos), nil
}

func (r *verifyReport) print(w io.Writer, err error) {
	if err != nil {
		fmt.Fprintf(w, "verify: FAILED at seq %d\n", r.failSeq)
	} else {
		fmt.Fprintln(w, "verify: ok")
	}
	fmt.Fprintf(w, "configuration: %s\n", r.config)
	if err != nil {
		fmt.Fprintf(w, "records verified: %d\n", max(r.failSeq, 1)-1)
		fmt.Fprintf(w, "snapshots checked: %d of %d stored\n", r.stats.Checked, r.snapshots)
		fmt.Fprintf(w, "error: %v\n", err)
		return
	}
	fmt.Fprintf(w, "records replayed: %d\n", r.stats.Replayed)
	fmt.Fprintf(w, "snapshots checked: %d of %d stored\n", r.stats.Checked, r.snapshots)
	fmt.Fprintf(w, "last seq: %d\n", r.lastSeq)
	fmt.Fprintf(w, "state hash: %x\n", r.hash)
	fmt.Fprintf(w, "journal head: seq %d link %x\n", r.headSeq, r.head)
}

// trackingLog remembers the seq of the record being replayed, so that a
// divergence can be reported by seq, and stops on ctx.
type trackingLog struct {
	ctx context.Context
	log matching.Log
	cur uint64
}

func (t *trackingLog) Read(from uint64, fn func(matching.Record) error) error {
	return t.log.Read(from, func(r matching.Record) error {
		if err := t.ctx.Err(); err != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		t.cur = r.Seq
		return fn(r)
	})
}

// ---- truncate ----

const truncateUsage = `usage: mts journal truncate --data DIR --after SEQ [--dry-run]

Removes every record after SEQ, and every snapshot after it, from a stopped
engine's journal, so that SEQ becomes the last record. It is the explicit
repair for a torn tail: records a crash left behind whose batch was never
acknowledged, or a damaged tail the engine refuses to start with (its error
names the first bad seq: truncate after the one before). Removing records
that were acknowledged loses them; the tool cannot tell, the operator must.

The removed records that still read are printed on stdout as JSON lines
first, for the record; a summary goes to stderr. --dry-run prints the same
and removes nothing.

flags:
`

type truncateOptions struct {
	data     string
	after    uint64
	afterSet bool
	dryRun   bool
}

func runTruncate(args []string, stdout, stderr io.Writer) int {
	opts, code, ok := parseTruncateFlags(args, stderr)
	if !ok {
		return code
	}
	if err := truncate(opts, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "mts journal truncate: %v\n", err)
		return exitFail
	}
	return exitOK
}

func parseTruncateFlags(args []string, stderr io.Writer) (opts truncateOptions, code int, ok bool) {
	fs := newFlagSet("journal truncate", truncateUsage, stderr)
	fs.StringVar(&opts.data, "data", "", "the engine's data `DIR` (required)")
	fs.Func("after", "keep records up to `SEQ` and remove the rest (required; 0 empties the journal)", func(s string) (err error) {
		if s == "0" {
			opts.after, opts.afterSet = 0, true
			return nil
		}
		opts.after, err = parseSeq(s)
		opts.afterSet = err == nil
		return err
	})
	fs.BoolVar(&opts.dryRun, "dry-run", false, "show what would be removed, remove nothing")
	if code, ok := parseFlags(fs, args); !ok {
		return opts, code, false
	}
	switch {
	case opts.data == "":
		return opts, usageError(stderr, "journal truncate", "--data DIR is required"), false
	case !opts.afterSet:
		return opts, usageError(stderr, "journal truncate", "--after SEQ is required: say which record becomes the last"), false
	}
	return opts, exitOK, true
}

func truncate(opts truncateOptions, stdout, stderr io.Writer) (err error) {
	j, err := openJournalDir(opts.data, stderr)
	if err != nil {
		return err
	}
	defer closeJournal(j, &err)
	last := j.LastSeq()
	if opts.after > last {
		return fmt.Errorf("--after %d is beyond the journal's last record %d", opts.after, last)
	}
	snaps, err := snapshotsAfter(j, opts.after)
	if err != nil {
		return err
	}
	printed, rerr := printRecords(j, opts.after+1, stdout)
	verb := "removed"
	if opts.dryRun {
		verb = "would remove"
	} else if err := j.TruncateAfter(opts.after); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "truncate: %s %d records (%d to %d) and snapshots %v\n", verb, last-opts.after, opts.after+1, last, snaps)
	if rerr != nil {
		fmt.Fprintf(stderr, "truncate: printed %d of them; the rest did not read: %v\n", printed, rerr)
	}
	if !opts.dryRun {
		seq, link := j.Head()
		fmt.Fprintf(stderr, "truncate: the journal now ends at seq %d, head link %x\n", seq, link)
	}
	return nil
}

// snapshotsAfter lists the seqs of stored snapshots after seq, oldest first.
func snapshotsAfter(j *journal.Journal, seq uint64) ([]uint64, error) {
	infos, err := j.Snapshots()
	if err != nil {
		return nil, err
	}
	var seqs []uint64
	for i := len(infos) - 1; i >= 0; i-- {
		if infos[i].Seq > seq {
			seqs = append(seqs, infos[i].Seq)
		}
	}
	return seqs, nil
}

// printRecords writes records from seq on as JSON lines, as far as they
// read, and returns how many it wrote and why it stopped early.
func printRecords(j *journal.Journal, from uint64, stdout io.Writer) (int, error) {
	out := bufio.NewWriter(stdout)
	jw := gateway.NewJournalWriter(out, gateway.JSONL, nil)
	n := 0
	err := j.Read(from, func(r journal.Record) error {
		if err := jw.WritePayload(r.Seq, r.TS, r.Payload); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, errors.Join(err, out.Flush())
}
