package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata golden files with the current output")

const sampleOrders = "sample/orders.jsonl"

// run runs the program in-process and returns its exit status and output.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = new(Main).Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// msg is one output line, decoded loosely.
type msg map[string]any

func (m msg) s(key string) string {
	v, _ := m[key].(string)
	return v
}

// parseOutput checks that every stdout line is a JSON object of a known type
// and returns them.
func parseOutput(t *testing.T, stdout string) []msg {
	t.Helper()
	var out []msg
	for i, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m msg
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stdout line %d is not JSON: %v\n%s", i+1, err, line)
		}
		if !slices.Contains([]string{"execution", "trade", "book"}, m.s("type")) {
			t.Fatalf("stdout line %d has type %q\n%s", i+1, m.s("type"), line)
		}
		out = append(out, m)
	}
	return out
}

var summaryRE = regexp.MustCompile(`(?m)^replay: commands=(\d+) events=(\d+) written=(\d+) bad_lines=(\d+) state_hash=([0-9a-f]{64})$`)

// summary returns the fields of the summary line on stderr.
func summary(t *testing.T, stderr string) (commands, events, written, bad, hash string) {
	t.Helper()
	m := summaryRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary line on stderr:\n%s", stderr)
	}
	return m[1], m[2], m[3], m[4], m[5]
}

func TestReplaySample(t *testing.T) {
	code, stdout, stderr := run(t, "", "replay", sampleOrders)
	if code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	out := parseOutput(t, stdout)
	commands, _, written, bad, _ := summary(t, stderr)
	if commands != "21" || bad != "0" || written != fmt.Sprint(len(out)) {
		t.Errorf("summary commands=%s written=%s bad_lines=%s, want 21, %d, 0", commands, written, bad, len(out))
	}
	var prev float64
	for _, m := range out {
		seq, _ := m["seq"].(float64)
		if seq < prev || seq < 1 {
			t.Fatalf("seq %v after %v: want non-decreasing from 1", seq, prev)
		}
		prev = seq
	}
}

// TestReplaySampleOutcomes checks the sample session against the KRX rules
// (KRX.md) and the engine's documented behaviour: trades print at the
// resting order's price, in price-time priority; amends, cancels, IOC and
// FOK do what the comments in sample/orders.jsonl say.
func TestReplaySampleOutcomes(t *testing.T) {
	_, stdout, _ := run(t, "", "replay", sampleOrders)
	out := parseOutput(t, stdout)

	var trades []string
	for _, m := range out {
		if m.s("type") == "trade" {
			trades = append(trades, m.s("symbol")+" "+m.s("qty")+"@"+m.s("price"))
		}
	}
	wantTrades := []string{
		"005930 20@71100", "005930 10@71100", "005930 15@71200", "005930 40@71000",
		"005930 10@70800", "005930 35@71200", "000660 10@195500", "035720 10@41800",
	}
	if !slices.Equal(trades, wantTrades) {
		t.Errorf("trades\n got %v\nwant %v", trades, wantTrades)
	}

	last := lastReports(out)
	tests := []struct {
		clOrdID                              string
		execType, status, reason, cum, avgPx string
	}{
		{"c1", "trade", "filled", "", "50", "71200"},
		{"c2", "trade", "filled", "", "30", "71100"},
		{"c3", "trade", "filled", "", "40", "71000"},
		{"c4", "trade", "partially_filled", "", "10", "70800"},
		{"c5", "trade", "filled", "", "20", "71100"},
		{"c6", "trade", "filled", "", "25", "71160"},
		{"c7", "rejected", "rejected", "PRICE_OFF_TICK", "0", "0"},
		{"c8", "trade", "filled", "", "50", "70960"},
		{"c9", "expired", "expired", "IOC_REMAINDER", "35", "71200"},
		{"c10", "canceled", "canceled", "", "0", "0"},
		{"c11", "expired", "expired", "FOK_NOT_FILLABLE", "0", "0"},
		{"nope", "rejected", "rejected", "UNKNOWN_ORDER", "0", "0"},
		{"h1", "trade", "filled", "", "10", "195500"},
		{"h2", "trade", "filled", "", "10", "195500"},
		{"h3", "rejected", "rejected", "PRICE_OUT_OF_LIMITS", "0", "0"},
		{"k1", "trade", "filled", "", "10", "41800"},
		{"k2", "trade", "filled", "", "10", "41800"},
	}
	for _, tt := range tests {
		m := last[tt.clOrdID]
		if m == nil {
			t.Errorf("%s: no execution report", tt.clOrdID)
			continue
		}
		got := [5]string{m.s("execType"), m.s("status"), m.s("reason"), m.s("cumQty"), m.s("avgPx")}
		want := [5]string{tt.execType, tt.status, tt.reason, tt.cum, tt.avgPx}
		if got != want {
			t.Errorf("%s: last report execType/status/reason/cumQty/avgPx = %v, want %v", tt.clOrdID, got, want)
		}
	}

	// The amend and the partial cancel.
	if m := find(out, "c3", "replaced"); m == nil || m.s("request") != "order.amend" || m.s("price") != "71000" {
		t.Errorf("c3: want a replaced report answering order.amend at 71000, got %v", m)
	}
	if m := find(out, "c4", "canceled"); m == nil || m.s("request") != "order.cancel" || m.s("lastQty") != "40" || m.s("leavesQty") != "60" {
		t.Errorf("c4: want a canceled report answering order.cancel, lastQty 40, leavesQty 60, got %v", m)
	}
	if m := find(out, "c10", "replaced"); m == nil || m.s("qty") != "60" || m.s("leavesQty") != "60" {
		t.Errorf("c10: want a replaced report with qty 60, got %v", m)
	}

	// Folding the book events gives the book at the end: only c4's 50 remain.
	book := map[string]string{}
	for _, m := range out {
		if m.s("type") != "book" {
			continue
		}
		key := m.s("symbol") + " " + m.s("side") + " " + m.s("price")
		if book[key] = m.s("qty"); m.s("qty") == "0" {
			delete(book, key)
		}
	}
	if want := map[string]string{"005930 buy 70800": "50"}; fmt.Sprint(book) != fmt.Sprint(want) {
		t.Errorf("book after the session = %v, want %v", book, want)
	}
}

func lastReports(out []msg) map[string]msg {
	last := map[string]msg{}
	for _, m := range out {
		if m.s("type") == "execution" {
			last[m.s("clientOrderId")] = m
		}
	}
	return last
}

func find(out []msg, clOrdID, execType string) msg {
	for _, m := range out {
		if m.s("type") == "execution" && m.s("clientOrderId") == clOrdID && m.s("execType") == execType {
			return m
		}
	}
	return nil
}

// TestReplayGolden pins the whole output of the sample session: the wire
// format and the engine's behaviour end to end. (Not the state hash: its
// layout is the engine's business, and TestReplayDeterministic covers it.) After a deliberate change,
// regenerate with `go test ./cmd/mts -run Golden -rewrite` and review the
// diff like code.
func TestReplayGolden(t *testing.T) {
	code, stdout, stderr := run(t, "", "replay", sampleOrders)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	got := stdout
	path := filepath.Join("testdata", "sample.golden.jsonl")
	if *rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -rewrite)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			g, w := at(gl, i), at(wl, i)
			if g != w {
				t.Fatalf("%s differs from line %d:\n got %s\nwant %s\n(regenerate with -rewrite after a deliberate change)", path, i+1, g, w)
			}
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<end of output>"
}

func TestReplayDeterministic(t *testing.T) {
	_, out1, err1 := run(t, "", "replay", sampleOrders)
	_, out2, err2 := run(t, "", "replay", sampleOrders)
	if out1 != out2 || err1 != err2 {
		t.Fatal("two replays of the same file differ")
	}
	_, _, written, _, hash := summary(t, err1)

	// --no-book (given after the file name) drops book levels, nothing else.
	code, out3, err3 := run(t, "", "replay", sampleOrders, "--no-book")
	if code != 0 {
		t.Fatalf("--no-book: exit %d; stderr:\n%s", code, err3)
	}
	_, _, written3, _, hash3 := summary(t, err3)
	var want []string
	for _, line := range strings.SplitAfter(out1, "\n") {
		if !strings.HasPrefix(line, `{"type":"book"`) {
			want = append(want, line)
		}
	}
	if out3 != strings.Join(want, "") || hash3 != hash || written3 == written {
		t.Errorf("--no-book: output is not the full output minus book lines, or the state hash changed (%s vs %s)", hash3, hash)
	}

	// The same file from stdin.
	data, err := os.ReadFile(sampleOrders)
	if err != nil {
		t.Fatal(err)
	}
	if _, out4, _ := run(t, string(data), "replay", "-"); out4 != out1 {
		t.Error("replay - (stdin) differs from replay FILE")
	}
}

// badLines is an input with one good order and a bad line of every kind.
// Each bad line's number and code are in badLineWant.
const badLines = `# bad lines, each reported and skipped
{"ts": "2026-11-25T09:01:00+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "sell", "type": "limit", "price": "71200", "qty": "5"}}
{"ts": "2026-11-25T09:01:01+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930"
not json at all
{"ts": "2026-11-25T09:01:02+09:00", "account": "A1", "method": "order.replace", "params": {}}
{"ts": "2026-11-25T09:01:03+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": 71200, "qty": "5"}}
{"ts": "2026-11-25T09:01:04+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": "71200.5", "qty": "5"}}
{"ts": "2026-11-25T09:01:05+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": "71200", "qty": "5", "colour": "red"}}
{"ts": "2026-11-25T09:01:06+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": "71200"}}
{"ts": "2026-11-25T09:01:07+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": "71200", "qty": "99999999999999999999"}}
{"ts": "2026-11-25T09:01:08+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "up", "type": "limit", "price": "71200", "qty": "5"}}
{"ts": "2026-11-25T09:01:09+09:00", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": "71200", "qty": "5"}}
{"ts": "yesterday", "account": "A1", "method": "order.cancel", "params": {"symbol": "005930", "orderId": "1"}}
{"ts": "2026-11-25T09:00:00+09:00", "account": "A1", "method": "order.cancel", "params": {"symbol": "005930", "orderId": "1"}}
{"ts": "2026-11-25T09:02:00+09:00", "account": "A1", "method": "order.cancel", "params": {"symbol": "005930", "orderId": "1"}, "id": 7}
{"account": "A2", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": "71200", "qty": "5"}}
`

var badLineWant = []string{
	"line 3: MALFORMED_JSON:",
	"line 4: MALFORMED_JSON:",
	"line 5: UNKNOWN_METHOD:",
	"line 6: INVALID_NUMBER: price",
	"line 7: INVALID_NUMBER: price",
	"line 8: UNKNOWN_FIELD: unknown field \"colour\"",
	"line 9: MISSING_FIELD: qty",
	"line 10: INVALID_NUMBER: qty",
	"line 11: INVALID_SIDE: side",
	"line 12: MISSING_FIELD: account",
	"line 13: INVALID_FIELD: ts",
	"line 14: INVALID_FIELD: ts",
	"line 15: UNKNOWN_FIELD: unknown field \"id\"",
}

func TestReplayBadLines(t *testing.T) {
	code, stdout, stderr := run(t, badLines, "replay", "-")
	if code != 1 {
		t.Errorf("exit %d, want 1 (bad lines are skipped, then reported in the exit status)", code)
	}
	var reported []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "line ") {
			reported = append(reported, line)
		}
	}
	if len(reported) != len(badLineWant) {
		t.Errorf("%d lines reported, want %d:\n%s", len(reported), len(badLineWant), stderr)
	}
	for i, want := range badLineWant {
		if i < len(reported) && !strings.HasPrefix(reported[i], want) {
			t.Errorf("report %d = %q, want prefix %q", i+1, reported[i], want)
		}
	}
	commands, _, _, bad, _ := summary(t, stderr)
	if commands != "2" || bad != fmt.Sprint(len(badLineWant)) {
		t.Errorf("summary commands=%s bad_lines=%s, want 2, %d", commands, bad, len(badLineWant))
	}
	// The good lines were applied, the last one with the ts of the last
	// applied command (line 2), and it crossed the first: the engine sees
	// dense seqs despite the bad lines.
	out := parseOutput(t, stdout)
	var sawTrade bool
	for _, m := range out {
		if m.s("type") == "trade" {
			sawTrade = m["seq"] == 2.0 && m.s("ts") == "2026-11-25T00:01:00Z"
		}
	}
	if !sawTrade {
		t.Errorf("want a trade with seq 2 at the ts inherited from line 2; output:\n%s", stdout)
	}
}

func TestReplayStrict(t *testing.T) {
	code, _, stderr := run(t, badLines, "replay", "--strict", "-")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "line 3: MALFORMED_JSON:") || strings.Contains(stderr, "line 4:") {
		t.Errorf("--strict should stop at line 3; stderr:\n%s", stderr)
	}
	if commands, _, _, bad, _ := summary(t, stderr); commands != "1" || bad != "1" {
		t.Errorf("summary commands=%s bad_lines=%s, want 1, 1", commands, bad)
	}
}

func TestReplayTimestamps(t *testing.T) {
	input := `{"account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "sell", "type": "limit", "price": "71200", "qty": "5"}}
{"ts": 1795564800000000001, "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "sell", "type": "limit", "price": "71200", "qty": "5"}}
{"ts": 1.5e18, "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "sell", "type": "limit", "price": "71200", "qty": "5"}}
{"ts": "2026-11-25T09:00:00.5+09:00", "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "sell", "type": "limit", "price": "71200", "qty": "5"}}
`
	code, stdout, stderr := run(t, input, "replay", "-")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"line 1: MISSING_FIELD: ts is required on the first command", "line 3: INVALID_FIELD: ts"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var ts []string
	for _, m := range parseOutput(t, stdout) {
		if m.s("type") == "execution" {
			ts = append(ts, m.s("ts"))
		}
	}
	if want := []string{"2026-11-25T00:00:00.000000001Z", "2026-11-25T00:00:00.5Z"}; !slices.Equal(ts, want) {
		t.Errorf("ts of the reports = %v, want %v", ts, want)
	}
}

func TestReplayLongLine(t *testing.T) {
	input := `{"ts": 1, "account": "A1", "method": "order.cancel", "params": {"symbol": "` + strings.Repeat("x", maxLineLen) + `"}}` + "\n" +
		`{"ts": 2, "account": "A1", "method": "order.cancel", "params": {"symbol": "005930", "orderId": "1"}}`
	code, stdout, stderr := run(t, input, "replay", "-")
	if code != 1 || !strings.Contains(stderr, "line 1: MESSAGE_TOO_LARGE:") {
		t.Errorf("exit %d, stderr:\n%s\nwant 1 and line 1: MESSAGE_TOO_LARGE", code, stderr)
	}
	if out := parseOutput(t, stdout); len(out) != 1 || out[0].s("reason") != "UNKNOWN_ORDER" {
		t.Errorf("line 2 (no newline at the end) should still be applied; stdout:\n%s", stdout)
	}
}

func TestReplayInstrumentsFlag(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "ins.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`[{"symbol": "TEST1", "name": "Test", "market": "KOSDAQ", "basePrice": 1000}]`), 0o644)
	os.WriteFile(bad, []byte(`[{"symbol": "TEST1", "basePrice": 1001, "tick": "weird"}]`), 0o644)
	input := `{"ts": 1, "account": "A1", "method": "order.place", "params": {"symbol": "TEST1", "side": "buy", "type": "limit", "price": "999", "qty": "1"}}
{"ts": 2, "account": "A1", "method": "order.place", "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": "71000", "qty": "1"}}
`
	code, stdout, stderr := run(t, input, "replay", "--instruments", good, "-")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	last := lastReports(parseOutput(t, stdout))
	if last[""] == nil || last[""].s("reason") != "UNKNOWN_SYMBOL" {
		t.Errorf("005930 is not in the custom file: want UNKNOWN_SYMBOL; stdout:\n%s", stdout)
	}
	if code, _, stderr := run(t, input, "replay", "--instruments", bad, "-"); code != 1 || !strings.Contains(stderr, "reference data") {
		t.Errorf("bad instruments file: exit %d, stderr:\n%s\nwant 1 and an error", code, stderr)
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string // a substring of stderr
		stdout string // a substring of stdout
	}{
		{nil, 2, "usage: mts", ""},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`, ""},
		{[]string{"help"}, 0, "", "usage: mts"},
		{[]string{"--help"}, 0, "", "replay"},
		{[]string{"serve"}, 2, "no token secret", ""},
		{[]string{"replay"}, 2, "want exactly one input file", ""},
		{[]string{"replay", "a", "b"}, 2, "got 2", ""},
		{[]string{"replay", "--bogus", "x"}, 2, "flag provided but not defined", ""},
		{[]string{"replay", "-h"}, 0, "usage: mts replay", ""},
		{[]string{"replay", "does/not/exist.jsonl"}, 1, "no such file", ""},
		{[]string{"replay", "--instruments", "does/not/exist.json", sampleOrders}, 1, "no such file", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) || !strings.Contains(stdout, tt.stdout) {
			t.Errorf("mts %v: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
}

func TestReplayCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := new(Main).Run(ctx, []string{"replay", sampleOrders}, nil, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("canceled context: exit %d, stderr %q; want 1 and interrupted", code, errb.String())
	}
}
