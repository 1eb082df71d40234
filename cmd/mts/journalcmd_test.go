package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/gateway"
	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

// boEpoch is 09:00 KST on Friday 2026-11-27: fills settle on Tuesday
// 2026-12-01 (T+2 over the weekend).
var boEpoch = time.Date(2026, 11, 27, 9, 0, 0, 0, gateway.KST).UnixNano()

// boEngine is an engine over a temp data dir, with the sample
// instruments, risk on, a journal feed, and a clock that starts at
// boEpoch and ticks a millisecond a command.
type boEngine struct {
	*engineHost
	dir       string
	feed      *journalFeed
	closeOnce sync.Once
}

func startBOEngine(t *testing.T, dir string, snapshotEvery int) *boEngine {
	t.Helper()
	ins, err := loadInstrumentFile("")
	if err != nil {
		t.Fatal(err)
	}
	rc := risk.DefaultConfig()
	var tick atomic.Int64
	te := &boEngine{dir: dir, feed: newJournalFeed()}
	te.engineHost, err = openEngine(engineOptions{
		DataDir: dir, Instruments: ins, Risk: &rc, Async: true, SnapshotEvery: snapshotEvery,
		Publisher: te.feed, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock: func() int64 { return boEpoch + tick.Add(1)*int64(time.Millisecond) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(te.stop)
	return te
}

// stop closes the engine (once), releasing the data dir.
func (te *boEngine) stop() {
	te.closeOnce.Do(func() { te.Close() })
}

// submit applies commands one at a time, waiting for each to be durable.
func (te *boEngine) submit(t *testing.T, cmds ...matching.Command) {
	t.Helper()
	for _, c := range cmds {
		done := make(chan error, 1)
		if err := te.loop.Submit(&matching.Request{Cmd: c, Reply: func(r *matching.Result) { done <- r.Err }}); err != nil {
			t.Fatalf("Submit(%+v): %v", c, err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("command %+v: %v", c, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("command %+v: no reply in 10s", c)
		}
	}
}

// boScenario is seven commands: two accounts opened and funded, a sell, a
// buy that fills it (with fees and tax), and a kill switch.
var boScenario = []matching.Command{
	{Kind: matching.CmdOpenAccount, Account: "S1", RequestID: "o1"},
	{Kind: matching.CmdOpenAccount, Account: "B1", RequestID: "o2"},
	{Kind: matching.CmdDeposit, Account: "B1", Amount: 100_000_000, RequestID: "d1"},
	{Kind: matching.CmdCreditShares, Account: "S1", Symbol: "005930", Qty: 100, RequestID: "c1"},
	{Kind: matching.CmdPlace, Account: "S1", Symbol: "005930", ClientOrderID: "s-1", Side: matching.Sell, Type: matching.Limit, TIF: matching.Day, Price: 71000, Qty: 10},
	{Kind: matching.CmdPlace, Account: "B1", Symbol: "005930", ClientOrderID: "b-1", Side: matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: 71000, Qty: 10},
	{Kind: matching.CmdKillSwitch, Account: "S1", Scope: matching.KillAccount, Active: true, Text: "test"},
}

// boOrder returns a resting buy order for B1, different each time.
func boOrder(i int) matching.Command {
	return matching.Command{
		Kind: matching.CmdPlace, Account: "B1", Symbol: "005930", ClientOrderID: "f-" + strconv.Itoa(i),
		Side: matching.Buy, Type: matching.Limit, TIF: matching.Day, Price: matching.Price(60000 + 100*(i%50)), Qty: 1,
	}
}

// boJournal writes the scenario into a fresh data dir and stops the
// engine.
func boJournal(t *testing.T, snapshotEvery int) string {
	t.Helper()
	dir := t.TempDir()
	te := startBOEngine(t, dir, snapshotEvery)
	te.submit(t, boScenario...)
	te.stop()
	return dir
}

// boRecord is one exported JSON record, decoded loosely.
type boRecord struct {
	Seq       uint64 `json:"seq"`
	TS        string `json:"ts"`
	TradeDate string `json:"tradeDate"`
	Command   struct {
		Method  string         `json:"method"`
		Account string         `json:"account"`
		Params  map[string]any `json:"params"`
	} `json:"command"`
	Events []map[string]any `json:"events"`
}

func parseBORecords(t *testing.T, out string) []boRecord {
	t.Helper()
	var recs []boRecord
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var r boRecord
		if err := api.DecodeStrict([]byte(line), &r); err != nil {
			t.Fatalf("line %d is not a journal record: %v\n%s", i+1, err, line)
		}
		recs = append(recs, r)
	}
	return recs
}

func boSeqs(recs []boRecord) []uint64 {
	var s []uint64
	for _, r := range recs {
		s = append(s, r.Seq)
	}
	return s
}

func TestJournalExport(t *testing.T) {
	dir := boJournal(t, 0)
	code, stdout, stderr := run(t, "", "journal", "export", "--data", dir)
	if code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	recs := parseBORecords(t, stdout)
	if got, want := boSeqs(recs), []uint64{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
		t.Fatalf("seqs %v, want %v", got, want)
	}
	if !strings.Contains(stderr, "export: records=7 from=1 last_seq=7") {
		t.Errorf("stderr has no summary:\n%s", stderr)
	}
	for i, r := range recs {
		if r.Command.Method != boScenario[i].Kind.String() || r.TradeDate != "2026-11-27" || len(r.Events) == 0 {
			t.Errorf("record %d: method %q trade date %q events %d, want %q 2026-11-27 and events",
				r.Seq, r.Command.Method, r.TradeDate, len(r.Events), boScenario[i].Kind)
		}
	}
	if got := recs[2].Command.Params["amount"]; got != "100000000" {
		t.Errorf("deposit amount %v, want \"100000000\"", got)
	}
	if got := recs[2].Events[0]; got["type"] != "account" || got["cash"] != "100000000" {
		t.Errorf("deposit event %v, want an account event with cash 100000000", got)
	}
	checkBOFill(t, recs[5])
	if got := recs[6].Events[0]; got["type"] != "killSwitch" || got["active"] != true || got["scope"] != "account" {
		t.Errorf("kill switch event %v", got)
	}
}

// checkBOFill checks the buy that filled the sell: both fills carry fees,
// the seller's tax, the trade date and T+2 over the weekend.
func checkBOFill(t *testing.T, r boRecord) {
	t.Helper()
	var fills int
	for _, ev := range r.Events {
		if ev["type"] != "execution" || ev["execType"] != "trade" {
			continue
		}
		fills++
		if ev["fee"] == nil || ev["tradeDate"] != "2026-11-27" || ev["settlementDate"] != "2026-12-01" {
			t.Errorf("fill %v: want fee, tradeDate 2026-11-27, settlementDate 2026-12-01", ev)
		}
		if (ev["side"] == "sell") != (ev["tax"] != nil) {
			t.Errorf("fill %v: tax only on the sell side", ev)
		}
	}
	if fills != 2 {
		t.Errorf("record %d has %d fills, want 2: %v", r.Seq, fills, r.Events)
	}
}

func TestJournalExportRangeAndHolidays(t *testing.T) {
	dir := boJournal(t, 0)
	hol := filepath.Join(t.TempDir(), "holidays.txt")
	if err := os.WriteFile(hol, []byte("# KRX holidays\n\n2026-11-30  # made up\n2026-12-25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "journal", "export", "--data", dir, "--from", "5", "--to", "6", "--holidays", hol)
	if code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	recs := parseBORecords(t, stdout)
	if got := boSeqs(recs); !slices.Equal(got, []uint64{5, 6}) {
		t.Fatalf("--from 5 --to 6: seqs %v, want [5 6]", got)
	}
	for _, ev := range recs[1].Events {
		if ev["execType"] == "trade" && ev["settlementDate"] != "2026-12-02" {
			t.Errorf("with Monday a holiday: settlement %v, want 2026-12-02", ev["settlementDate"])
		}
	}
	// The same holidays from the schedule file mts serve --sessions reads.
	sch := filepath.Join(t.TempDir(), "sessions.json")
	if err := os.WriteFile(sch, []byte(`{"sessions":[{"start":"09:00","phase":"continuous"},{"start":"15:30","phase":"closed"}],"holidays":["2026-11-30"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, "", "journal", "export", "--data", dir, "--from", "6", "--to", "6", "--sessions", sch)
	if code != 0 {
		t.Fatalf("--sessions: exit %d, want 0; stderr:\n%s", code, stderr)
	}
	fills := 0
	for _, ev := range parseBORecords(t, stdout)[0].Events {
		if ev["execType"] == "trade" {
			fills++
			if ev["settlementDate"] != "2026-12-02" {
				t.Errorf("with the schedule's Monday holiday: settlement %v, want 2026-12-02", ev["settlementDate"])
			}
		}
	}
	if fills == 0 {
		t.Error("--sessions: record 6 has no fills to check")
	}
	code, stdout, _ = run(t, "", "journal", "export", "--data", dir, "--from", "8")
	if code != 0 || stdout != "" {
		t.Errorf("--from beyond the end: exit %d, output %q; want 0 and nothing", code, stdout)
	}
}

func TestJournalExportCSV(t *testing.T) {
	dir := boJournal(t, 0)
	code, stdout, stderr := run(t, "", "journal", "export", "--data", dir, "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, stdout)
	}
	if !slices.Equal(rows[0], api.JournalCSVColumns()) {
		t.Fatalf("header %v, want %v", rows[0], api.JournalCSVColumns())
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	var fills, prev int
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			t.Fatalf("row %v has %d cells, want %d", row, len(row), len(rows[0]))
		}
		seq := int(boUint(t, row[col("seq")]))
		if seq < prev || seq > prev+1 {
			t.Errorf("seq %d after %d: rows out of order or a gap", seq, prev)
		}
		prev = seq
		if row[col("execType")] == "trade" {
			fills++
			if row[col("fee")] == "" || row[col("settlementDate")] != "2026-12-01" || row[col("method")] != "order.place" {
				t.Errorf("fill row %v: want fee, settlement 2026-12-01, method order.place", row)
			}
		}
	}
	if fills != 2 || prev != 7 {
		t.Errorf("%d fill rows, last seq %d; want 2 and 7", fills, prev)
	}
}

func boUint(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := parseSeq(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestJournalExportLocked(t *testing.T) {
	dir := t.TempDir()
	te := startBOEngine(t, dir, 0)
	te.submit(t, boScenario[0])
	code, _, stderr := run(t, "", "journal", "export", "--data", dir)
	if code != 1 || !strings.Contains(stderr, "the journal is in use") || !strings.Contains(stderr, "mts journal tail") {
		t.Errorf("export of a running engine's journal: exit %d, stderr:\n%s\nwant 1 and a clear message", code, stderr)
	}
	code, _, stderr = run(t, "", "journal", "verify", "--data", dir)
	if code != 1 || !strings.Contains(stderr, "the journal is in use") {
		t.Errorf("verify of a running engine's journal: exit %d, want 1\n%s", code, stderr)
	}
}

func TestJournalExportRefuses(t *testing.T) {
	dir := boJournal(t, 0)
	empty := t.TempDir()
	badHol := filepath.Join(t.TempDir(), "h")
	os.WriteFile(badHol, []byte("2026-13-01\n"), 0o644)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "--data DIR is required"},
		{[]string{"--data", dir, "--from", "0"}, 2, "is not a sequence number"},
		{[]string{"--data", dir, "--from", "-1"}, 2, "is not a sequence number"},
		{[]string{"--data", dir, "--from", "abc"}, 2, "is not a sequence number"},
		{[]string{"--data", dir, "--from", "+3"}, 2, "is not a sequence number"},
		{[]string{"--data", dir, "--to", "x"}, 2, "is not a sequence number"},
		{[]string{"--data", dir, "--from", "5", "--to", "4"}, 2, "--to 4 is before --from 5"},
		{[]string{"--data", dir, "--format", "json"}, 2, "jsonl or csv"},
		{[]string{"--data", dir, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--data", dir, "--holidays", badHol}, 2, "is not a date"},
		{[]string{"--data", dir, "--holidays", filepath.Join(empty, "none")}, 2, "no such file"},
		{[]string{"--data", dir, "--sessions", filepath.Join(empty, "none")}, 2, "--sessions: open"},
		{[]string{"--data", dir, "--sessions", badHol}, 2, "--sessions"},
		{[]string{"--data", dir, "--sessions", "krx", "--holidays", badHol}, 2, "not both"},
		{[]string{"--data", filepath.Join(empty, "nope")}, 1, "no journal at"},
		{[]string{"--data", empty}, 1, "no journal in"},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, "", append([]string{"journal", "export"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("export %v: exit %d, stderr:\n%s\nwant exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
		if stdout != "" {
			t.Errorf("export %v: stdout %q, want nothing", tt.args, stdout)
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("export created files in an empty dir: %v", entries)
	}
}

var boHashRE = regexp.MustCompile(`(?m)^state hash: [0-9a-f]{64}$`)

func TestJournalVerify(t *testing.T) {
	dir := boJournal(t, 2)
	code, stdout, stderr := run(t, "", "journal", "verify", "--data", dir)
	if code != 0 {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"verify: ok\n", "records replayed: 7\n", "snapshots checked: 3 of 3 stored\n", "last seq: 7\n", "journal head: seq 7 link "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !boHashRE.MatchString(stdout) {
		t.Errorf("stdout has no state hash:\n%s", stdout)
	}
	// The same journal verifies to the same hash, and an explicit
	// --instruments of the same data changes nothing.
	ins := filepath.Join(t.TempDir(), "ins.json")
	os.WriteFile(ins, sampleInstruments, 0o644)
	_, again, _ := run(t, "", "journal", "verify", "--data", dir, "--instruments", ins, "--risk=true")
	if boHashRE.FindString(again) != boHashRE.FindString(stdout) {
		t.Errorf("second verify:\n%s\nfirst:\n%s", again, stdout)
	}
}

// TestJournalVerifyRecordedConfig: verify builds the engine from the data
// directory's record of its configuration, so a journal written with
// non-default risk settings verifies without flags, while the default
// settings given as flags diverge at its first fill (other commission).
func TestJournalVerifyRecordedConfig(t *testing.T) {
	dir := t.TempDir()
	ins, err := loadInstrumentFile("")
	if err != nil {
		t.Fatal(err)
	}
	rc := risk.DefaultConfig()
	rc.CommissionPPM *= 2
	h, err := openEngine(engineOptions{DataDir: dir, Instruments: ins, Risk: &rc, Async: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	te := &boEngine{engineHost: h, dir: dir}
	te.submit(t, boScenario...)
	te.stop()
	code, stdout, stderr := run(t, "", "journal", "verify", "--data", dir)
	if code != 0 || !strings.Contains(stdout, "configuration: recorded in ") {
		t.Fatalf("verify with the record: exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, "", "journal", "verify", "--data", dir, "--risk=true")
	if code != 1 || !strings.Contains(stdout, "replay diverged") || !strings.Contains(stdout, "configuration: the flags") {
		t.Fatalf("verify with default risk flags: exit %d; stdout:\n%s\nwant a divergence", code, stdout)
	}
}

func TestJournalVerifyDiverges(t *testing.T) {
	dir := boJournal(t, 0)
	// Without risk the account commands are refused: seq 1 diverges.
	code, stdout, _ := run(t, "", "journal", "verify", "--data", dir, "--risk=false")
	if code != 1 || !strings.Contains(stdout, "verify: FAILED at seq 1\n") || !strings.Contains(stdout, "replay diverged") {
		t.Errorf("--risk=false: exit %d, stdout:\n%s\nwant 1, FAILED at seq 1", code, stdout)
	}
	// Without 005930 the share credit (seq 4) is refused.
	var all []map[string]any
	json.Unmarshal(sampleInstruments, &all)
	all = slices.DeleteFunc(all, func(m map[string]any) bool { return m["symbol"] == "005930" })
	b, _ := json.Marshal(all)
	ins := filepath.Join(t.TempDir(), "ins.json")
	os.WriteFile(ins, b, 0o644)
	code, stdout, _ = run(t, "", "journal", "verify", "--data", dir, "--instruments", ins)
	if code != 1 || !strings.Contains(stdout, "verify: FAILED at seq 4\n") || !strings.Contains(stdout, "records verified: 3\n") {
		t.Errorf("other instruments: exit %d, stdout:\n%s\nwant 1, FAILED at seq 4", code, stdout)
	}
}

func TestJournalVerifyRefuses(t *testing.T) {
	dir := boJournal(t, 0)
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`[{"symbol": 1}]`), 0o644)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "--data DIR is required"},
		{[]string{"--data", dir, "--instruments", bad}, 2, ""},
		{[]string{"--data", dir, "--instruments", bad + ".none"}, 2, "no such file"},
		{[]string{"--data", dir, "--risk=maybe"}, 2, "invalid boolean"},
		{[]string{"--data", t.TempDir()}, 1, "no journal in"},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, "", append([]string{"journal", "verify"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr+stdout, tt.want) {
			t.Errorf("verify %v: exit %d, output:\n%s%s\nwant exit %d and %q", tt.args, code, stdout, stderr, tt.code, tt.want)
		}
	}
}

func TestJournalTruncate(t *testing.T) {
	dir := boJournal(t, 2)
	code, stdout, stderr := run(t, "", "journal", "truncate", "--data", dir, "--after", "5", "--dry-run")
	if code != 0 || !strings.Contains(stderr, "would remove 2 records (6 to 7) and snapshots [6]") {
		t.Fatalf("--dry-run: exit %d, stderr:\n%s", code, stderr)
	}
	if got := boSeqs(parseBORecords(t, stdout)); !slices.Equal(got, []uint64{6, 7}) {
		t.Errorf("--dry-run printed seqs %v, want [6 7]", got)
	}
	code, stdout, stderr = run(t, "", "journal", "truncate", "--data", dir, "--after", "5")
	if code != 0 || !strings.Contains(stderr, "removed 2 records (6 to 7) and snapshots [6]") ||
		!strings.Contains(stderr, "the journal now ends at seq 5, head link ") {
		t.Fatalf("truncate: exit %d, stderr:\n%s", code, stderr)
	}
	if got := boSeqs(parseBORecords(t, stdout)); !slices.Equal(got, []uint64{6, 7}) {
		t.Errorf("truncate printed seqs %v, want [6 7]", got)
	}
	_, stdout, _ = run(t, "", "journal", "export", "--data", dir)
	if got := boSeqs(parseBORecords(t, stdout)); !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
		t.Errorf("after truncate: seqs %v, want 1 to 5", got)
	}
	code, stdout, _ = run(t, "", "journal", "verify", "--data", dir)
	if code != 0 || !strings.Contains(stdout, "records replayed: 5\n") || !strings.Contains(stdout, "snapshots checked: 2 of 2 stored") {
		t.Errorf("verify after truncate: exit %d\n%s", code, stdout)
	}
	// The engine comes back on the truncated journal and continues at 6.
	te := startBOEngine(t, dir, 0)
	te.submit(t, boScenario[5])
	te.stop()
	_, stdout, _ = run(t, "", "journal", "export", "--data", dir, "--from", "6")
	if got := boSeqs(parseBORecords(t, stdout)); !slices.Equal(got, []uint64{6}) {
		t.Errorf("after restart: seqs %v, want [6]", got)
	}
}

func TestJournalTruncateRefuses(t *testing.T) {
	dir := boJournal(t, 0)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--data", dir}, 2, "--after SEQ is required"},
		{[]string{"--after", "3"}, 2, "--data DIR is required"},
		{[]string{"--data", dir, "--after", "x"}, 2, "is not a sequence number"},
		{[]string{"--data", dir, "--after", "-1"}, 2, "is not a sequence number"},
		{[]string{"--data", dir, "--after", "8"}, 1, "--after 8 is beyond the journal's last record 7"},
	}
	for _, tt := range tests {
		code, _, stderr := run(t, "", append([]string{"journal", "truncate"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("truncate %v: exit %d, stderr:\n%s\nwant exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	_, stdout, _ := run(t, "", "journal", "export", "--data", dir)
	if n := len(parseBORecords(t, stdout)); n != 7 {
		t.Errorf("after refused truncations the journal has %d records, want 7", n)
	}
	code, _, stderr := run(t, "", "journal", "truncate", "--data", dir, "--after", "0")
	if code != 0 || !strings.Contains(stderr, "removed 7 records (1 to 7)") {
		t.Errorf("--after 0: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestJournalUsage(t *testing.T) {
	if code, _, stderr := run(t, "", "journal"); code != 2 || !strings.Contains(stderr, "usage: mts journal") {
		t.Errorf("mts journal: exit %d, stderr:\n%s", code, stderr)
	}
	if code, _, stderr := run(t, "", "journal", "nope"); code != 2 || !strings.Contains(stderr, `unknown command "nope"`) {
		t.Errorf("mts journal nope: exit %d, stderr:\n%s", code, stderr)
	}
	if code, stdout, _ := run(t, "", "journal", "help"); code != 0 || !strings.Contains(stdout, "truncate") {
		t.Errorf("mts journal help: exit %d, stdout:\n%s", code, stdout)
	}
	for _, sub := range []string{"export", "verify", "truncate", "tail"} {
		if code, _, stderr := run(t, "", "journal", sub, "-h"); code != 0 || !strings.Contains(stderr, "usage: mts journal "+sub) {
			t.Errorf("mts journal %s -h: exit %d, stderr:\n%s", sub, code, stderr)
		}
	}
}

// TestJournalBadRecord appends a record the engine could not have written
// (its payload is not a command): export stops there with an error, verify
// names its seq, truncate removes it.
func TestJournalBadRecord(t *testing.T) {
	dir := boJournal(t, 0)
	j, err := journal.Open(journal.Options{Dir: dir, Durability: journal.Async, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append([]journal.Record{{Seq: 8, TS: boEpoch + 8e6, Payload: []byte("not a command")}}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "journal", "export", "--data", dir)
	if code != 1 || !strings.Contains(stderr, "journal record 8") || len(parseBORecords(t, stdout)) != 7 {
		t.Errorf("export: exit %d, %d records, stderr:\n%s\nwant 1, the 7 good records, and record 8 named", code, len(parseBORecords(t, stdout)), stderr)
	}
	code, stdout, _ = run(t, "", "journal", "verify", "--data", dir)
	if code != 1 || !strings.Contains(stdout, "verify: FAILED at seq 8\n") || !strings.Contains(stdout, "records verified: 7\n") {
		t.Errorf("verify: exit %d, stdout:\n%s\nwant 1 and FAILED at seq 8", code, stdout)
	}
	code, _, stderr = run(t, "", "journal", "truncate", "--data", dir, "--after", "7")
	if code != 0 || !strings.Contains(stderr, "removed 1 records (8 to 8)") || !strings.Contains(stderr, "printed 0 of them; the rest did not read") {
		t.Errorf("truncate: exit %d, stderr:\n%s", code, stderr)
	}
	if code, _, _ := run(t, "", "journal", "verify", "--data", dir); code != 0 {
		t.Errorf("verify after truncate: exit %d, want 0", code)
	}
}
