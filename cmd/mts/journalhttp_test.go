package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/gateway"
	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/matching"
)

var boSecret = []byte("journal-test-secret-0123456789abcdef")

// newBOServer serves /v1/journal over te's journal. The server and the
// handler close before the engine (cleanups run last-registered first).
func newBOServer(t *testing.T, te *boEngine, cfg journalHandlerConfig) (*httptest.Server, *journalHandler) {
	t.Helper()
	cfg.Journal, cfg.Feed, cfg.Secret = te.j, te.feed, boSecret
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := newJournalHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/journal", h)
	ts := httptest.NewUnstartedServer(mux)
	return ts, h
}

// startBOServer starts ts and registers its shutdown.
func startBOServer(t *testing.T, ts *httptest.Server, h *journalHandler) {
	ts.Start()
	t.Cleanup(func() { h.Close(); ts.Close() })
}

func boToken(t *testing.T, role string, ttl time.Duration) string {
	t.Helper()
	tok, err := api.IssueToken(boSecret, "bo1", role, ttl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func boGet(t *testing.T, ctx context.Context, url, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// boBody reads a whole response.
func boBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return string(b)
}

// boServer is a running engine with the scenario applied, and a
// journal server over it.
func boServer(t *testing.T, cfg journalHandlerConfig) (*boEngine, *httptest.Server, *journalHandler) {
	t.Helper()
	te := startBOEngine(t, t.TempDir(), 0)
	te.submit(t, boScenario...)
	ts, h := newBOServer(t, te, cfg)
	startBOServer(t, ts, h)
	return te, ts, h
}

func TestJournalHTTPAuth(t *testing.T) {
	_, ts, _ := boServer(t, journalHandlerConfig{})
	url := ts.URL + "/v1/journal"
	good := boToken(t, api.RoleBackOffice, time.Minute)
	parts := strings.Split(good, ".")
	sig := []byte(parts[2])
	sig[0] ^= 1
	expired, _ := api.IssueToken(boSecret, "bo1", api.RoleBackOffice, time.Minute, time.Now().Add(-time.Hour))
	otherSecret, _ := api.IssueToken([]byte("some-other-secret-of-thirty-two-bytes"), "bo1", api.RoleOperator, time.Minute, time.Now())
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	tests := []struct {
		name   string
		header string
		status int
		code   api.Code
	}{
		{"no header", "", 401, api.Unauthorized},
		{"basic auth", "Basic Ym86cGFzcw==", 401, api.Unauthorized},
		{"bearer without token", "Bearer ", 401, api.Unauthorized},
		{"garbage", "Bearer abc.def.ghi", 401, api.Unauthorized},
		{"tampered signature", "Bearer " + parts[0] + "." + parts[1] + "." + string(sig), 401, api.Unauthorized},
		{"expired", "Bearer " + expired, 401, api.Unauthorized},
		{"other secret", "Bearer " + otherSecret, 401, api.Unauthorized},
		{"alg none", "Bearer " + none, 401, api.Unauthorized},
		{"trader", "Bearer " + boToken(t, api.RoleTrader, time.Minute), 403, api.Forbidden},
		{"backoffice", "Bearer " + good, 200, ""},
		{"operator, lower-case scheme", "bearer " + boToken(t, api.RoleOperator, time.Minute), 200, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := boBody(t, resp)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d\n%s", tt.name, resp.StatusCode, tt.status, b)
			continue
		}
		if tt.status == 200 {
			if n := len(strings.Split(strings.TrimSpace(b), "\n")); n != 7 {
				t.Errorf("%s: %d records, want 7", tt.name, n)
			}
			continue
		}
		checkBOError(t, tt.name, b, tt.status, tt.code)
		if tt.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tt.name)
		}
	}
}

func checkBOError(t *testing.T, name, b string, status int, code api.Code) {
	t.Helper()
	var reply api.Reply
	if err := json.Unmarshal([]byte(b), &reply); err != nil || reply.Error == nil {
		t.Errorf("%s: body %q is not an api error reply", name, b)
		return
	}
	if reply.Status != status || reply.Error.Code != code {
		t.Errorf("%s: body status %d code %s, want %d %s", name, reply.Status, reply.Error.Code, status, code)
	}
}

func TestJournalHTTPBadQuery(t *testing.T) {
	_, ts, _ := boServer(t, journalHandlerConfig{})
	tok := boToken(t, api.RoleBackOffice, time.Minute)
	tests := []struct {
		query  string
		status int
		code   api.Code
	}{
		{"from=0", 400, api.InvalidField},
		{"from=-1", 400, api.InvalidField},
		{"from=abc", 400, api.InvalidField},
		{"from=", 400, api.InvalidField},
		{"from=18446744073709551616", 400, api.InvalidField},
		{"from=1&from=2", 400, api.InvalidField},
		{"follow=yes", 400, api.InvalidField},
		{"format=json", 400, api.InvalidField},
		{"format=CSV", 400, api.InvalidField},
		{"token=" + tok, 400, api.UnknownField},
		{"to=5", 400, api.UnknownField},
		{"from=%zz", 400, api.BadRequest},
	}
	for _, tt := range tests {
		resp := boGet(t, context.Background(), ts.URL+"/v1/journal?"+tt.query, tok)
		checkBOError(t, tt.query, boBody(t, resp), tt.status, tt.code)
		if resp.StatusCode != tt.status {
			t.Errorf("?%s: status %d, want %d", tt.query, resp.StatusCode, tt.status)
		}
	}
	// A token in the query string does not authenticate.
	resp := boGet(t, context.Background(), ts.URL+"/v1/journal?token="+tok, "")
	if b := boBody(t, resp); resp.StatusCode != 401 {
		t.Errorf("token in the query only: status %d, want 401\n%s", resp.StatusCode, b)
	}
	resp, err := http.Post(ts.URL+"/v1/journal", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if b := boBody(t, resp); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET" {
		t.Errorf("POST: status %d Allow %q, want 405 GET\n%s", resp.StatusCode, resp.Header.Get("Allow"), b)
	}
}

func TestJournalHTTPFrom(t *testing.T) {
	te, ts, h := boServer(t, journalHandlerConfig{ReadChunk: 2})
	tok := boToken(t, api.RoleBackOffice, time.Minute)
	bodies := map[string]string{}
	for _, tt := range []struct {
		query string
		want  []uint64
	}{
		{"", []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"from=1", []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"from=5&follow=0", []uint64{5, 6, 7}},
		{"from=7&format=jsonl", []uint64{7}},
		{"from=8", nil},
		{"from=1000", nil},
	} {
		resp := boGet(t, context.Background(), ts.URL+"/v1/journal?"+tt.query, tok)
		b := boBody(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" || resp.Header.Get("Mts-Journal-Last-Seq") != "7" {
			t.Errorf("?%s: status %d, Content-Type %q, Mts-Journal-Last-Seq %q", tt.query, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Mts-Journal-Last-Seq"))
		}
		if got := boSeqs(parseBORecords(t, b)); !slices.Equal(got, tt.want) {
			t.Errorf("?%s: seqs %v, want %v", tt.query, got, tt.want)
		}
		bodies[tt.query] = b
	}
	// The live feed and the offline export are the same bytes.
	h.Close()
	ts.Close()
	te.stop()
	for query, args := range map[string][]string{"from=1": {}, "from=5&follow=0": {"--from", "5"}} {
		_, out, _ := run(t, "", append([]string{"journal", "export", "--data", te.dir}, args...)...)
		if out != bodies[query] {
			t.Errorf("export %v differs from GET ?%s:\n%s\nvs\n%s", args, query, out, bodies[query])
		}
	}
}

func TestJournalHTTPCSV(t *testing.T) {
	_, ts, _ := boServer(t, journalHandlerConfig{})
	resp := boGet(t, context.Background(), ts.URL+"/v1/journal?from=6&format=csv", boToken(t, api.RoleOperator, time.Minute))
	b := boBody(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("status %d Content-Type %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	rows, err := csv.NewReader(strings.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, b)
	}
	if !slices.Equal(rows[0], api.JournalCSVColumns()) {
		t.Errorf("header %v", rows[0])
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0]+":"+r[5])
	}
	want := []string{"6:execution", "6:trade", "6:execution", "6:execution", "6:book", "7:killSwitch"}
	if !slices.Equal(got, want) {
		t.Errorf("rows (seq:type) %v, want %v", got, want)
	}
}

// boLines reads a stream's lines in the background.
type boLines struct {
	lines chan string
	err   chan error
}

func readBOLines(r io.Reader) *boLines {
	ls := &boLines{lines: make(chan string, 1024), err: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			ls.lines <- sc.Text()
		}
		ls.err <- sc.Err()
	}()
	return ls
}

// next waits for n more lines.
func (ls *boLines) next(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case l := <-ls.lines:
			got = append(got, l)
		case err := <-ls.err:
			t.Fatalf("stream ended after %d of %d lines: %v", len(got), n, err)
		case <-deadline:
			t.Fatalf("%d of %d lines after 10s", len(got), n)
		}
	}
	return got
}

func TestJournalHTTPFollow(t *testing.T) {
	te, ts, h := boServer(t, journalHandlerConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := boGet(t, ctx, ts.URL+"/v1/journal?from=3&follow=1", boToken(t, api.RoleBackOffice, time.Minute))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d\n%s", resp.StatusCode, boBody(t, resp))
	}
	ls := readBOLines(resp.Body)
	if got := boSeqs(parseBORecords(t, strings.Join(ls.next(t, 5), "\n"))); !slices.Equal(got, []uint64{3, 4, 5, 6, 7}) {
		t.Fatalf("backlog seqs %v, want 3 to 7", got)
	}
	// Records appended after the request started arrive, in order, whole.
	for round := range 3 {
		te.submit(t, boOrder(2*round), boOrder(2*round+1))
		recs := parseBORecords(t, strings.Join(ls.next(t, 2), "\n"))
		want := []uint64{uint64(8 + 2*round), uint64(9 + 2*round)}
		if got := boSeqs(recs); !slices.Equal(got, want) {
			t.Fatalf("round %d: seqs %v, want %v", round, got, want)
		}
		if recs[0].Command.Method != "order.place" || recs[0].Command.Params["clientOrderId"] != "f-"+strconv.Itoa(2*round) {
			t.Errorf("round %d: record %+v", round, recs[0])
		}
	}
	select {
	case l := <-ls.lines:
		t.Errorf("unexpected line %s", l)
	default:
	}
	cancel()
	boEventually(t, "the stream slot to be released", func() bool { return len(h.slots) == 0 })
}

// TestJournalHTTPFollowGapFree follows while several goroutines submit at
// once, so that batches hold many commands and Publish races the reads:
// the stream must still be every seq once, in order.
func TestJournalHTTPFollowGapFree(t *testing.T) {
	te, ts, _ := boServer(t, journalHandlerConfig{FollowInterval: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := boGet(t, ctx, ts.URL+"/v1/journal?from=1&follow=1", boToken(t, api.RoleBackOffice, time.Minute))
	ls := readBOLines(resp.Body)
	const workers, each = 4, 100
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cmds []matching.Command
			for i := range each {
				c := boOrder(w*each + i)
				c.Account = []string{"B1", "S1"}[w%2]
				cmds = append(cmds, c)
			}
			submitAll(t, te, cmds)
		}()
	}
	got := boSeqs(parseBORecords(t, strings.Join(ls.next(t, 7+workers*each), "\n")))
	wg.Wait()
	for i, seq := range got {
		if seq != uint64(i+1) {
			t.Fatalf("record %d of the stream has seq %d, want %d", i, seq, i+1)
		}
	}
}

// submitAll submits commands without waiting between them, then waits for
// every reply. Safe to call from several goroutines.
func submitAll(t *testing.T, te *boEngine, cmds []matching.Command) {
	done := make(chan error, len(cmds))
	for _, c := range cmds {
		if err := te.loop.Submit(&matching.Request{Cmd: c, Reply: func(r *matching.Result) { done <- r.Err }}); err != nil {
			t.Errorf("Submit: %v", err)
			return
		}
	}
	for range cmds {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("command: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("no reply in 10s")
			return
		}
	}
}

// boEventually polls cond until it holds, for up to 10s.
func boEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestJournalHTTPMaxStreams(t *testing.T) {
	_, ts, h := boServer(t, journalHandlerConfig{MaxStreams: 1})
	tok := boToken(t, api.RoleBackOffice, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	first := boGet(t, ctx, ts.URL+"/v1/journal?follow=1", tok)
	if first.StatusCode != 200 {
		t.Fatalf("first stream: status %d", first.StatusCode)
	}
	resp := boGet(t, context.Background(), ts.URL+"/v1/journal", tok)
	checkBOError(t, "second stream", boBody(t, resp), 503, api.Unavailable)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second stream: status %d Retry-After %q, want 503 and a Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	cancel()
	first.Body.Close()
	boEventually(t, "the first stream's slot", func() bool { return len(h.slots) == 0 })
	if resp := boGet(t, context.Background(), ts.URL+"/v1/journal", tok); resp.StatusCode != 200 {
		t.Errorf("after the first stream ended: status %d, want 200", resp.StatusCode)
	} else {
		boBody(t, resp)
	}
}

func TestJournalHTTPClose(t *testing.T) {
	_, ts, h := boServer(t, journalHandlerConfig{})
	tok := boToken(t, api.RoleBackOffice, time.Minute)
	resp := boGet(t, context.Background(), ts.URL+"/v1/journal?follow=1", tok)
	ls := readBOLines(resp.Body)
	ls.next(t, 7)
	h.Close()
	select {
	case err := <-ls.err:
		if err == nil {
			t.Errorf("a follow stream closed by the server ended cleanly; want an error so the client knows")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the follow stream did not end after Close")
	}
	resp = boGet(t, context.Background(), ts.URL+"/v1/journal", tok)
	checkBOError(t, "after Close", boBody(t, resp), 503, api.Unavailable)
}

// boSmallBuffers shrinks the kernel's socket buffers of accepted
// connections, so that a client that stops reading blocks the server's
// writes after kilobytes rather than megabytes.
type boSmallBuffers struct{ net.Listener }

func (l boSmallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

func TestJournalHTTPSlowClientCutOff(t *testing.T) {
	te := startBOEngine(t, t.TempDir(), 0)
	te.submit(t, boScenario...)
	var log boBuffer
	ts, h := newBOServer(t, te, journalHandlerConfig{WriteTimeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	ts.Listener = boSmallBuffers{ts.Listener}
	startBOServer(t, ts, h)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4 << 10)
		}
		return c, err
	}}}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/journal?follow=1", nil)
	req.Header.Set("Authorization", "Bearer "+boToken(t, api.RoleBackOffice, time.Minute))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The client reads nothing while the engine writes a few hundred KB of
	// journal; every command is still acknowledged at once.
	for i := 0; i < 400; i += 50 {
		var batch []matching.Command
		for j := range 50 {
			batch = append(batch, boOrder(i+j))
		}
		te.submit(t, batch...)
	}
	boEventually(t, "the slow client to be cut off", func() bool { return len(h.slots) == 0 })
	if !strings.Contains(log.String(), "journal stream: client cut off") {
		t.Errorf("the handler's log does not say the client was cut off:\n%s", log.String())
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("the cut-off stream ended cleanly; want an error")
	}
	te.submit(t, boOrder(1000))
}

func TestJournalFeedWakesEveryone(t *testing.T) {
	f := newJournalFeed()
	waits := []<-chan struct{}{f.Wait(), f.Wait(), f.Wait()}
	f.Publish(nil)
	for i, w := range waits {
		select {
		case <-w:
		default:
			t.Errorf("waiter %d not woken by Publish", i)
		}
	}
	select {
	case <-f.Wait():
		t.Error("a Wait after Publish is already closed")
	default:
	}
	for range 1000 { // no one waits: Publish never blocks
		f.Publish(nil)
	}
}

// ---- tail ----

// runWithEnv runs the program with an environment of its own.
func runWithEnv(t *testing.T, ctx context.Context, env map[string]string, stdout io.Writer, args ...string) (code int, stderr string) {
	t.Helper()
	var errb bytes.Buffer
	m := &Main{Getenv: func(k string) string { return env[k] }}
	code = m.Run(ctx, args, strings.NewReader(""), stdout, &errb)
	return code, errb.String()
}

func boTokenFile(t *testing.T, tok string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTail(t *testing.T) {
	_, ts, _ := boServer(t, journalHandlerConfig{})
	tf := boTokenFile(t, boToken(t, api.RoleBackOffice, time.Minute))
	var out bytes.Buffer
	code, stderr := runWithEnv(t, context.Background(), nil, &out, "journal", "tail", "--url", ts.URL, "--token-file", tf, "--from", "3")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if got := boSeqs(parseBORecords(t, out.String())); !slices.Equal(got, []uint64{3, 4, 5, 6, 7}) {
		t.Errorf("seqs %v, want 3 to 7", got)
	}
	want := boBody(t, boGet(t, context.Background(), ts.URL+"/v1/journal?from=3", boToken(t, api.RoleBackOffice, time.Minute)))
	if out.String() != want {
		t.Errorf("tail output differs from the endpoint's:\n%s\nvs\n%s", out.String(), want)
	}

	out.Reset()
	env := map[string]string{"MTS_TOKEN": boToken(t, api.RoleOperator, time.Minute)}
	code, stderr = runWithEnv(t, context.Background(), env, &out, "journal", "tail", "--url", ts.URL+"/", "--format", "csv", "--from", "7")
	if code != 0 {
		t.Fatalf("csv: exit %d, stderr:\n%s", code, stderr)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "7" || rows[1][5] != "killSwitch" {
		t.Errorf("csv from 7: rows %v, err %v; want the header and the kill switch", rows, err)
	}
}

// boBuffer is a bytes.Buffer safe to write and read concurrently.
type boBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *boBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *boBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *boBuffer) lines() int { return strings.Count(b.String(), "\n") }

func TestTailFollow(t *testing.T) {
	te, ts, h := boServer(t, journalHandlerConfig{})
	tf := boTokenFile(t, boToken(t, api.RoleBackOffice, time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out boBuffer
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stderr := runWithEnv(t, ctx, nil, &out, "journal", "tail", "--url", ts.URL, "--token-file", tf, "--follow")
		done <- result{code, stderr}
	}()
	boEventually(t, "the backlog", func() bool { return out.lines() == 7 })
	te.submit(t, boOrder(1), boOrder(2))
	boEventually(t, "the new records", func() bool { return out.lines() == 9 })
	if got := boSeqs(parseBORecords(t, out.String())); !slices.Equal(got, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("seqs %v, want 1 to 9", got)
	}

	// The server going away breaks the stream: tail says where to resume.
	h.Close()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.stderr, "stream broken after seq 9") || !strings.Contains(r.stderr, "resume with --from 10") {
			t.Errorf("after the server closed: exit %d, stderr:\n%s\nwant 1 and a resume hint", r.code, r.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tail --follow did not end when the server closed the stream")
	}
}

func TestTailFollowInterrupted(t *testing.T) {
	_, ts, _ := boServer(t, journalHandlerConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	var out boBuffer
	done := make(chan int, 1)
	env := map[string]string{"MTS_TOKEN": boToken(t, api.RoleBackOffice, time.Minute)}
	go func() {
		code, _ := runWithEnv(t, ctx, env, &out, "journal", "tail", "--url", ts.URL, "--follow", "--from", "6")
		done <- code
	}()
	boEventually(t, "the backlog", func() bool { return out.lines() == 2 })
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("interrupted tail --follow: exit %d, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tail --follow did not stop when interrupted")
	}
}

func TestTailRefuses(t *testing.T) {
	_, ts, _ := boServer(t, journalHandlerConfig{})
	good := boTokenFile(t, boToken(t, api.RoleBackOffice, time.Minute))
	expired, _ := api.IssueToken(boSecret, "bo1", api.RoleBackOffice, time.Minute, time.Now().Add(-time.Hour))
	parts := strings.Split(boToken(t, api.RoleBackOffice, time.Minute), ".")
	sig := []byte(parts[2])
	sig[1] ^= 1
	tampered := parts[0] + "." + parts[1] + "." + string(sig)
	empty := boTokenFile(t, "")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no token", []string{"--url", ts.URL}, 2, "a token is required"},
		{"two tokens", []string{"--url", ts.URL, "--token", "x", "--token-file", good}, 2, "not both"},
		{"missing token file", []string{"--url", ts.URL, "--token-file", good + ".nope"}, 2, "no such file"},
		{"empty token file", []string{"--url", ts.URL, "--token-file", empty}, 2, "holds no token"},
		{"from 0", []string{"--url", ts.URL, "--token-file", good, "--from", "0"}, 2, "is not a sequence number"},
		{"from abc", []string{"--url", ts.URL, "--token-file", good, "--from", "abc"}, 2, "is not a sequence number"},
		{"format xml", []string{"--url", ts.URL, "--token-file", good, "--format", "xml"}, 2, "jsonl or csv"},
		{"url scheme", []string{"--url", "ftp://127.0.0.1:1", "--token-file", good}, 2, "want http://HOST:PORT"},
		{"url without host", []string{"--url", "http://", "--token-file", good}, 2, "want http://HOST:PORT"},
		{"argument", []string{"--url", ts.URL, "--token-file", good, "now"}, 2, `unexpected argument "now"`},
		{"expired", []string{"--url", ts.URL, "--token", expired}, 1, "401 Unauthorized: UNAUTHORIZED"},
		{"tampered", []string{"--url", ts.URL, "--token", tampered}, 1, "401 Unauthorized: UNAUTHORIZED"},
		{"trader", []string{"--url", ts.URL, "--token", boToken(t, api.RoleTrader, time.Minute)}, 1, "403 Forbidden: FORBIDDEN"},
		{"no server", []string{"--url", closed.URL, "--token-file", good}, 1, "connection refused"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code, stderr := runWithEnv(t, context.Background(), nil, &out, append([]string{"journal", "tail"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit %d and %q", tt.name, code, stderr, tt.code, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("%s: stdout %q, want nothing", tt.name, out.String())
		}
	}
}

func TestCopyLines(t *testing.T) {
	in := "{\"seq\":4,\"x\":1}\n{\"seq\":5,\"x\":2}\n{\"seq\":6,\"x\""
	var out bytes.Buffer
	last, err := copyLines(strings.NewReader(in), &out, false)
	if !errors.Is(err, io.ErrUnexpectedEOF) || last != 5 || out.String() != "{\"seq\":4,\"x\":1}\n{\"seq\":5,\"x\":2}\n" {
		t.Errorf("copyLines of a cut stream = %d, %v, %q; want 5, unexpected EOF, the two whole lines", last, err, out.String())
	}
	out.Reset()
	last, err = copyLines(strings.NewReader("seq,ts\n3,a\n3,b\n4,c\n"), &out, true)
	if !errors.Is(err, io.EOF) || last != 4 || out.String() != "seq,ts\n3,a\n3,b\n4,c\n" {
		t.Errorf("copyLines of CSV = %d, %v, %q; want 4, EOF, everything", last, err, out.String())
	}
}

// TestJournalHTTPAbortsOnBadRecord serves a journal whose record 8 does not
// decode: the stream delivers 1 to 7 and is then cut, so that no client
// takes it for complete, and tail says where it stopped.
func TestJournalHTTPAbortsOnBadRecord(t *testing.T) {
	dir := boJournal(t, 0)
	j, err := journal.Open(journal.Options{Dir: dir, Durability: journal.Async, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Append([]journal.Record{{Seq: 8, TS: boEpoch + 8e6, Payload: []byte("not a command")}}); err != nil {
		t.Fatal(err)
	}
	h, err := newJournalHandler(journalHandlerConfig{Journal: j, Feed: newJournalFeed(), Secret: boSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(h)
	startBOServer(t, ts, h)
	tok := boToken(t, api.RoleBackOffice, time.Minute)
	resp := boGet(t, context.Background(), ts.URL+"/v1/journal", tok)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(parseBORecords(t, string(b))) != 7 {
		t.Errorf("GET: %d records, read error %v; want 7 and an error", len(parseBORecords(t, string(b))), err)
	}
	var out bytes.Buffer
	code, stderr := runWithEnv(t, context.Background(), map[string]string{"MTS_TOKEN": tok}, &out, "journal", "tail", "--url", ts.URL)
	if code != 1 || !strings.Contains(stderr, "stream broken after seq 7") || !strings.Contains(stderr, "resume with --from 8") {
		t.Errorf("tail: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestTailLineBound: the JSON line of a large uncross record, the densest
// payload the journal holds (one-letter accounts, no client order ids:
// three events of a few bytes each per fill), stays under tailLineRatio
// times its payload, so that maxTailLine holds a line of any record the
// journal accepts.
func TestTailLineBound(t *testing.T) {
	ins, err := loadInstrumentFile("")
	if err != nil {
		t.Fatal(err)
	}
	e, err := matching.NewEngine(matching.Config{Instruments: ins})
	if err != nil {
		t.Fatal(err)
	}
	var seq uint64
	apply := func(c matching.Command) []matching.Event {
		seq++
		c.Seq, c.TS = seq, boEpoch+int64(seq)
		return e.Apply(&c)
	}
	apply(matching.Command{Kind: matching.CmdSetPhase, Symbol: "005930", Phase: matching.PhaseOpeningAuction})
	const pairs = 5000
	for i := range pairs {
		for _, side := range []matching.Side{matching.Buy, matching.Sell} {
			apply(matching.Command{Kind: matching.CmdPlace, Account: string(rune('a' + i%26)), Symbol: "005930",
				Side: side, Type: matching.Limit, TIF: matching.Day, Price: 71_000, Qty: 1})
		}
	}
	open := matching.Command{Kind: matching.CmdSetPhase, Symbol: "005930", Phase: matching.PhaseContinuous}
	evs := apply(open)
	open.Seq, open.TS = seq, boEpoch+int64(seq)
	payload := matching.AppendRecord(nil, &open, evs)
	var line bytes.Buffer
	jw := gateway.NewJournalWriter(&line, gateway.JSONL, nil)
	if err := jw.WritePayload(open.Seq, open.TS, payload); err != nil {
		t.Fatal(err)
	}
	if err := jw.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(evs) < 3*pairs {
		t.Fatalf("the uncross made %d events, want %d fills' worth", len(evs), pairs)
	}
	ratio := float64(line.Len()) / float64(len(payload))
	t.Logf("%d events: payload %d bytes, JSON line %d bytes (%.1f×)", len(evs), len(payload), line.Len(), ratio)
	if ratio >= tailLineRatio {
		t.Errorf("a record's JSON is %.1f times its payload, over tailLineRatio %d: raise it", ratio, tailLineRatio)
	}
}
