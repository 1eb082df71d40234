package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/gateway"
	"github.com/mts-krx/mts/journal"
	"github.com/mts-krx/mts/matching"
)

// The back office's live feed: GET /v1/journal streams journal records from
// any seq, and with follow=1 keeps streaming them as they become durable.
//
//	engine loop ──Publish(batch)──► journalFeed: close the current wake channel,
//	(commit goroutine, after          put a fresh one in its place
//	 the batch is durable)                     │ wakes
//	                                           ▼
//	                     one goroutine per stream (net/http's): Read(next..LastSeq)
//	                     from the journal ──► JournalWriter ──► flush per record ──► client
//
// The feed carries no data, only "something new is durable". A follower
// reads the records themselves from the journal, from the seq after the
// last one it sent, so its stream is gap-free by construction: nothing is
// queued for it, nothing can be dropped, and a follower that falls behind
// simply reads more next time. The engine's only cost per batch is one
// channel allocation and close, whatever the followers do; it never waits
// for them.
//
// A follower takes its wake channel before it reads, so a batch that
// becomes durable after the read started closes a channel the follower
// holds: it cannot sleep through a record. Each follower reads at most
// once per FollowInterval, so a thousand batches a second cost each
// follower a hundred reads, not a thousand.
//
// Bounds: MaxStreams concurrent streams (followers and one-shot reads
// alike), the next gets 503; a write that takes longer than WriteTimeout
// cuts the client off (its goroutine, not the engine, was the one waiting);
// one Read call delivers at most ReadChunk records, so a reader starting
// from seq 1 never holds a Badger read transaction open for the whole
// journal.

const (
	defaultMaxStreams     = 64
	defaultWriteTimeout   = 10 * time.Second
	defaultFollowInterval = 10 * time.Millisecond
	defaultReadChunk      = 4096
	streamBufBytes        = 32 << 10
	// maxTailLine bounds one record line held by `mts journal tail`, which
	// writes only whole lines. A record's JSON is 7 to 13 times its payload
	// (13 for an uncross of one-letter accounts without client order ids,
	// the densest payload; TestTailLineBound), and the journal takes
	// payloads up to journal.MaxPayloadBytes, so a line of the largest
	// record it can hold fits.
	maxTailLine = tailLineRatio * journal.MaxPayloadBytes
	// tailLineRatio is the most JSON bytes per payload byte a record line
	// may have.
	tailLineRatio = 16
)

// journalFeed is the matching.Publisher that wakes journal followers. It
// holds a channel that Publish closes and replaces; Wait returns the
// current one. Lock-free: Publish runs on the loop's commit goroutine and
// must never block, and an atomic swap cannot.
type journalFeed struct {
	wake atomic.Pointer[chan struct{}]
}

func newJournalFeed() *journalFeed {
	f := &journalFeed{}
	ch := make(chan struct{})
	f.wake.Store(&ch)
	return f
}

// Publish implements matching.Publisher: b is durable, wake everyone
// waiting. It does not look at b.
func (f *journalFeed) Publish(*matching.Batch) {
	ch := make(chan struct{})
	close(*f.wake.Swap(&ch))
}

// Wait returns a channel that the next Publish closes.
func (f *journalFeed) Wait() <-chan struct{} { return *f.wake.Load() }

// journalHandlerConfig configures the /v1/journal handler. Journal, Feed
// and Secret are required.
type journalHandlerConfig struct {
	Journal *journal.Journal
	Feed    *journalFeed
	Secret  []byte // HS256 token secret, at least api.MinSecretLen bytes
	// Calendar dates fills (trade date, T+2 settlement); nil knows
	// weekends only.
	Calendar       *gateway.Calendar
	MaxStreams     int           // concurrent streams; default 64
	WriteTimeout   time.Duration // one write to a client; default 10s
	FollowInterval time.Duration // least time between a follower's reads; default 10ms
	ReadChunk      int           // records per journal read; default 4096
	Now            func() time.Time
	Logger         *slog.Logger
}

// journalHandler serves GET /v1/journal. See the comment at the top of
// this file for how streams are fed and bounded.
type journalHandler struct {
	cfg      journalHandlerConfig
	log      *slog.Logger
	slots    chan struct{} // one token per running stream
	stop     chan struct{} // closed by Close
	stopOnce sync.Once
}

func newJournalHandler(cfg journalHandlerConfig) (*journalHandler, error) {
	switch {
	case cfg.Journal == nil || cfg.Feed == nil:
		return nil, errors.New("journal handler needs a journal and a feed")
	case len(cfg.Secret) < api.MinSecretLen:
		return nil, api.ErrWeakSecret
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = defaultMaxStreams
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = defaultWriteTimeout
	}
	if cfg.FollowInterval <= 0 {
		cfg.FollowInterval = defaultFollowInterval
	}
	if cfg.ReadChunk <= 0 {
		cfg.ReadChunk = defaultReadChunk
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &journalHandler{
		cfg: cfg, log: log.With("component", "journal_http"),
		slots: make(chan struct{}, cfg.MaxStreams), stop: make(chan struct{}),
	}, nil
}

// Close ends every stream (their clients see the connection cut, not a
// clean end) and refuses new ones with 503. Call it before closing the
// journal: journal.Close waits for reads in flight, and a stream blocked on
// a slow client holds one for at most WriteTimeout.
func (h *journalHandler) Close() {
	h.stopOnce.Do(func() { close(h.stop) })
}

// journalQuery is a parsed request.
type journalQuery struct {
	from   uint64
	follow bool
	format gateway.JournalFormat
}

func (h *journalHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeHTTPError(w, http.StatusMethodNotAllowed, api.Errorf(api.BadRequest, "method %s: only GET", r.Method))
		return
	}
	claims, aerr := h.authorize(r)
	if aerr != nil {
		if aerr.Code == api.Unauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mts"`)
		}
		writeHTTPError(w, aerr.Status(), aerr)
		return
	}
	q, aerr := parseJournalQuery(r.URL.RawQuery)
	if aerr != nil {
		writeHTTPError(w, aerr.Status(), aerr)
		return
	}
	if !h.acquire() {
		w.Header().Set("Retry-After", "5")
		writeHTTPError(w, http.StatusServiceUnavailable, api.Errorf(api.Unavailable, "too many journal streams (%d) or shutting down; retry later", h.cfg.MaxStreams))
		return
	}
	defer func() { <-h.slots }()
	h.serveStream(w, r, q, claims)
}

// acquire takes a stream slot without waiting.
func (h *journalHandler) acquire() bool {
	select {
	case <-h.stop:
		return false
	default:
	}
	select {
	case h.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// authorize checks the bearer token: 401 without a valid one, 403 for a
// role that may not read the journal. Why a token failed is logged, never
// told to the client.
func (h *journalHandler) authorize(r *http.Request) (api.Claims, *api.Error) {
	tok, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return api.Claims{}, api.Errorf(api.Unauthorized, "an Authorization: Bearer token is required")
	}
	c, err := api.VerifyToken(h.cfg.Secret, tok, h.cfg.Now())
	if err != nil {
		h.log.Info("journal request refused", "remote", r.RemoteAddr, "err", err)
		return api.Claims{}, api.Errorf(api.Unauthorized, "invalid or expired token")
	}
	if !c.CanReadJournal() {
		h.log.Info("journal request refused", "remote", r.RemoteAddr, "sub", c.Subject, "role", c.Role)
		return api.Claims{}, api.Errorf(api.Forbidden, "role %q may not read the journal (backoffice or operator may)", c.Role)
	}
	return c, nil
}

// bearerToken extracts the token of an "Authorization: Bearer TOKEN"
// header; the scheme is case-insensitive (RFC 6750).
func bearerToken(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// parseJournalQuery parses from (a seq >= 1, default 1), follow (1, true,
// 0, false) and format (jsonl, csv). Anything else, a repeated parameter
// included, is refused: a token in the query string is never accepted.
func parseJournalQuery(raw string) (journalQuery, *api.Error) {
	q := journalQuery{from: 1, format: gateway.JSONL}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, api.Errorf(api.BadRequest, "query: %v", err)
	}
	for key, vs := range vals {
		if len(vs) > 1 {
			return q, api.Errorf(api.InvalidField, "%s: given %d times", key, len(vs))
		}
		if aerr := q.set(key, vs[0]); aerr != nil {
			return q, aerr
		}
	}
	return q, nil
}

func (q *journalQuery) set(key, v string) *api.Error {
	var err error
	switch key {
	case "from":
		q.from, err = parseSeq(v)
	case "follow":
		q.follow, err = parseFollow(v)
	case "format":
		q.format, err = gateway.ParseJournalFormat(v)
	default:
		return api.Errorf(api.UnknownField, "unknown parameter %q (from, follow, format)", key)
	}
	if err != nil {
		return api.Errorf(api.InvalidField, "%s: %v", key, err)
	}
	return nil
}

// parseSeq parses a journal sequence number: decimal digits, at least 1.
func parseSeq(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 || s[0] == '+' {
		return 0, fmt.Errorf("%q is not a sequence number (1, 2, ...)", truncateArg(s))
	}
	return v, nil
}

func parseFollow(s string) (bool, error) {
	switch s {
	case "1", "true":
		return true, nil
	case "0", "false", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not 1 or 0", truncateArg(s))
}

func truncateArg(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// writeHTTPError answers with status and the api's error object.
func writeHTTPError(w http.ResponseWriter, status int, aerr *api.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	body, _ := json.Marshal(api.Reply{Status: status, Error: aerr})
	w.Write(append(body, '\n'))
}

// errStreamStopped ends a stream because the handler is closing.
var errStreamStopped = errors.New("journal handler closed")

// serveStream sends the records. A one-shot read that delivered everything
// up to the journal's end ends cleanly; every other end (a closing server,
// a journal error) is an abort, so the client sees a cut connection rather
// than a stream that looks complete. A client that left, or was too slow
// (a write hit its deadline), just loses its connection.
func (h *journalHandler) serveStream(w http.ResponseWriter, r *http.Request, q journalQuery, c api.Claims) {
	hdr := w.Header()
	hdr.Set("Content-Type", q.format.ContentType())
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Mts-Journal-Last-Seq", strconv.FormatUint(h.cfg.Journal.LastSeq(), 10))
	w.WriteHeader(http.StatusOK)
	s := newJournalStream(h, w, q)
	err := s.run(r.Context())
	log := h.log.With("remote", r.RemoteAddr, "sub", c.Subject, "from", q.from, "follow", q.follow,
		"format", q.format.String(), "sent", s.sent, "next_seq", s.next)
	switch {
	case err == nil:
		log.Info("journal stream done")
	case errors.Is(err, os.ErrDeadlineExceeded):
		log.Warn("journal stream: client cut off", "err", err)
	case s.writeErr || r.Context().Err() != nil:
		log.Info("journal stream: client gone", "err", err)
	default:
		log.Error("journal stream aborted", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// journalStream is one client's stream: its position and its writers.
type journalStream struct {
	h        *journalHandler
	q        journalQuery
	next     uint64 // seq of the next record to send
	sent     uint64
	out      *bufio.Writer
	jw       *gateway.JournalWriter
	rc       *http.ResponseController
	writeErr bool      // the stream ended on a failed write to the client
	lastRead time.Time // when the last journal read started, for pacing
}

func newJournalStream(h *journalHandler, w http.ResponseWriter, q journalQuery) *journalStream {
	s := &journalStream{h: h, q: q, next: q.from, rc: http.NewResponseController(w)}
	s.out = bufio.NewWriterSize(&deadlineWriter{w: w, s: s}, streamBufBytes)
	s.jw = gateway.NewJournalWriter(s.out, q.format, h.cfg.Calendar)
	return s
}

// run sends everything from q.from to the journal's end, then, following,
// waits for more. The response (and the CSV header) goes out at once, so a
// follower sees its stream open before the first record.
func (s *journalStream) run(ctx context.Context) error {
	if err := s.flush(); err != nil {
		return err
	}
	for {
		wake := s.h.cfg.Feed.Wait() // before reading: see journalFeed
		if err := s.catchUp(ctx); err != nil || !s.q.follow {
			return err
		}
		if err := s.sleep(ctx, wake); err != nil {
			return err
		}
	}
}

// catchUp sends records from s.next to the journal's end, a chunk at a
// time.
func (s *journalStream) catchUp(ctx context.Context) error {
	for {
		n, err := s.readChunk()
		if err != nil || n < s.h.cfg.ReadChunk {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.h.stop:
			return errStreamStopped
		default:
		}
	}
}

var errChunkFull = errors.New("chunk full")

// readChunk sends up to ReadChunk records from s.next, flushing each to
// the client as soon as it is written: a back-office consumer sees a record
// the moment it is durable and read, never held back for the next one.
func (s *journalStream) readChunk() (int, error) {
	s.lastRead = time.Now()
	n := 0
	err := s.h.cfg.Journal.Read(s.next, func(rec journal.Record) error {
		if err := s.jw.WritePayload(rec.Seq, rec.TS, rec.Payload); err != nil {
			return err
		}
		if err := s.flush(); err != nil {
			return err
		}
		s.next, s.sent, n = rec.Seq+1, s.sent+1, n+1
		if n == s.h.cfg.ReadChunk {
			return errChunkFull
		}
		return nil
	})
	if errors.Is(err, errChunkFull) {
		err = nil
	}
	return n, err
}

// sleep waits for the next durable batch, then until FollowInterval has
// passed since the last read.
func (s *journalStream) sleep(ctx context.Context, wake <-chan struct{}) error {
	if err := waitFor(ctx, s.h.stop, wake); err != nil {
		return err
	}
	d := s.h.cfg.FollowInterval - time.Since(s.lastRead)
	if d <= 0 {
		return nil
	}
	pace := time.NewTimer(d)
	defer pace.Stop()
	return waitFor(ctx, s.h.stop, pace.C)
}

// waitFor waits for ch to deliver or close, unless ctx ends or stop closes
// first.
func waitFor[T any](ctx context.Context, stop <-chan struct{}, ch <-chan T) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return errStreamStopped
	}
}

// flush pushes buffered records to the client now.
func (s *journalStream) flush() error {
	if err := s.jw.Flush(); err != nil {
		return err
	}
	if err := s.out.Flush(); err != nil {
		return err
	}
	s.setDeadline()
	if err := s.rc.Flush(); err != nil {
		s.writeErr = true
		return err
	}
	return nil
}

func (s *journalStream) setDeadline() {
	// ErrNotSupported (a ResponseWriter without deadlines, as in some
	// tests) leaves the write unbounded; there is nothing better to do.
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.h.cfg.WriteTimeout))
}

// deadlineWriter gives every write to the client its own deadline, so a
// client that stops reading is cut off after WriteTimeout.
type deadlineWriter struct {
	w io.Writer
	s *journalStream
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.s.setDeadline()
	n, err := d.w.Write(p)
	if err != nil {
		d.s.writeErr = true
	}
	return n, err
}

// ---- mts journal tail: the client ----

const tailUsage = `usage: mts journal tail [--url URL] (--token TOKEN | --token-file FILE) [--from SEQ] [--follow] [--format jsonl|csv]

Streams journal records from a running server's GET /v1/journal to stdout:
JSON lines (one record a line) or CSV (a header, then one row an event).
Without --follow it stops at the journal's end as it was when the request
started; with it, it keeps printing records as they become durable until
interrupted. Only whole lines are printed. A stream that breaks is reported
on stderr with the seq to resume from (--from), exit status 1.

The token (role backoffice or operator, see 'mts token') comes from --token,
--token-file or the environment variable MTS_TOKEN, in that order.

flags:
`

type tailOptions struct {
	url, token, tokenFile, format string
	from                          uint64
	follow                        bool
}

// runTail is `mts journal tail`.
func (m *Main) runTail(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, code, ok := m.parseTailFlags(args, stderr)
	if !ok {
		return code
	}
	req, err := tailRequest(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "mts journal tail: %v\n", err)
		return exitUsage
	}
	resp, err := tailClient().Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "mts journal tail: %v\n", err)
		return exitFail
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "mts journal tail: %s\n", responseError(resp))
		return exitFail
	}
	last, err := copyLines(resp.Body, stdout, opts.format == "csv")
	return tailEnd(ctx, opts, last, err, stderr)
}

func (m *Main) parseTailFlags(args []string, stderr io.Writer) (opts tailOptions, code int, ok bool) {
	fs := newFlagSet("journal tail", tailUsage, stderr)
	fs.StringVar(&opts.url, "url", "http://127.0.0.1:8081", "the server's base `URL`")
	fs.StringVar(&opts.token, "token", "", "bearer `TOKEN` (visible to other users in ps: prefer --token-file)")
	fs.StringVar(&opts.tokenFile, "token-file", "", "read the token from `FILE`")
	fs.Func("from", "first sequence number to send (default 1)", func(s string) (err error) {
		opts.from, err = parseSeq(s)
		return err
	})
	fs.BoolVar(&opts.follow, "follow", false, "keep streaming new records")
	fs.StringVar(&opts.format, "format", "jsonl", "output `FORMAT`: jsonl or csv")
	if code, ok := parseFlags(fs, args); !ok {
		return opts, code, false
	}
	if _, err := gateway.ParseJournalFormat(opts.format); err != nil {
		return opts, usageError(stderr, "journal tail", "--format: %v", err), false
	}
	tok, err := m.tailToken(opts)
	if err != nil {
		return opts, usageError(stderr, "journal tail", "%v", err), false
	}
	opts.token = tok
	return opts, exitOK, true
}

// tailToken picks the token from --token, --token-file or MTS_TOKEN.
func (m *Main) tailToken(opts tailOptions) (string, error) {
	switch {
	case opts.token != "" && opts.tokenFile != "":
		return "", errors.New("give --token or --token-file, not both")
	case opts.token != "":
		return opts.token, nil
	case opts.tokenFile != "":
		b, err := os.ReadFile(opts.tokenFile)
		if err != nil {
			return "", err
		}
		if tok := strings.TrimSpace(string(b)); tok != "" {
			return tok, nil
		}
		return "", fmt.Errorf("%s holds no token", opts.tokenFile)
	case m.getenv("MTS_TOKEN") != "":
		return strings.TrimSpace(m.getenv("MTS_TOKEN")), nil
	}
	return "", errors.New("a token is required: --token, --token-file or MTS_TOKEN (see 'mts token')")
}

func tailRequest(ctx context.Context, opts tailOptions) (*http.Request, error) {
	base, err := url.Parse(opts.url)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("--url %q: want http://HOST:PORT or https://HOST:PORT", opts.url)
	}
	u := base.JoinPath("v1", "journal")
	q := url.Values{"from": {strconv.FormatUint(max(opts.from, 1), 10)}, "format": {opts.format}}
	if opts.follow {
		q.Set("follow", "1")
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+opts.token)
	return req, nil
}

// tailClient has no overall timeout (a follow stream lasts all day) but
// gives up on a server that does not answer the request.
func tailClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Transport: t}
}

// responseError renders a non-200 answer: the api error if the body holds
// one, else the status.
func responseError(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var reply api.Reply
	if json.Unmarshal(body, &reply) == nil && reply.Error != nil {
		return fmt.Sprintf("%s: %s: %s", resp.Status, reply.Error.Code, reply.Error.Msg)
	}
	return resp.Status
}

// copyLines copies whole lines from r to w, flushing whenever r has
// nothing more buffered (so a live record shows at once and a backlog goes
// out in large writes), and returns the seq of the last line written.
func copyLines(r io.Reader, w io.Writer, csvRows bool) (last uint64, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	var line []byte
	for header := csvRows; ; header = false {
		line, err = readLine(br, line[:0])
		if err != nil {
			return last, err
		}
		if !header {
			last = max(last, lineSeq(line, csvRows))
		}
		if _, err := bw.Write(line); err != nil {
			return last, err
		}
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return last, err
			}
		}
	}
}

// readLine appends one whole line, newline included, to line. A stream that
// ends part way through a line returns io.ErrUnexpectedEOF.
func readLine(br *bufio.Reader, line []byte) ([]byte, error) {
	for {
		frag, err := br.ReadSlice('\n')
		line = append(line, frag...)
		switch {
		case err == nil:
			return line, nil
		case len(line) > maxTailLine:
			return line, fmt.Errorf("a line longer than %d bytes", maxTailLine)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return line, io.ErrUnexpectedEOF
		}
		return line, err
	}
}

// lineSeq reads the seq a line starts with: `{"seq":N,` for a JSON record,
// `N,` for a CSV row. 0 if it has none.
func lineSeq(line []byte, csvRow bool) uint64 {
	if !csvRow {
		var ok bool
		if line, ok = bytes.CutPrefix(line, []byte(`{"seq":`)); !ok {
			return 0
		}
	}
	end := bytes.IndexByte(line, ',')
	if end < 0 {
		return 0
	}
	v, _ := strconv.ParseUint(string(line[:end]), 10, 64)
	return v
}

// tailEnd says how the stream ended. A one-shot stream that ended cleanly
// is complete; a follow stream never ends by itself, so any end but the
// user's interrupt is a failure, reported with the seq to resume from.
func tailEnd(ctx context.Context, opts tailOptions, last uint64, err error, stderr io.Writer) int {
	if errors.Is(err, io.EOF) && !opts.follow {
		return exitOK
	}
	if ctx.Err() != nil && opts.follow {
		return exitOK
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = errors.New("the server ended the stream")
	}
	resume := max(last+1, opts.from, 1)
	fmt.Fprintf(stderr, "mts journal tail: stream broken after seq %d: %v; resume with --from %d", last, err, resume)
	if opts.format == "csv" && last > 0 {
		fmt.Fprintf(stderr, " (CSV: the rows of seq %d may be incomplete; --from %d repeats them)", last, last)
	}
	fmt.Fprintln(stderr)
	return exitFail
}

// newFlagSet returns a flag set that prints usage (the text, then the
// flags) to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, which must hold flags only.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "mts %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return exitOK, true
}

// usageError reports a bad command line.
func usageError(stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "mts %s: %s\n", cmd, fmt.Sprintf(format, args...))
	return exitUsage
}
