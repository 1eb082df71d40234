package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/gateway"
	"github.com/mts-krx/mts/matching"
)

// sampleInstruments is the reference data replay uses without --instruments:
// eighteen KOSPI and KOSDAQ names with realistic base prices.
//
//go:embed sample/instruments.json
var sampleInstruments []byte

// maxLineLen bounds one input line. An order line is a few hundred bytes; a
// longer line is reported as MESSAGE_TOO_LARGE and skipped.
const maxLineLen = 64 << 10

const replayUsage = `usage: mts replay [--instruments FILE] [--no-book] [--strict] ORDERS.jsonl|-

Applies order requests, one JSON object per line, to a fresh matching engine
and prints every resulting event as one JSON line on stdout: execution reports,
trades and book levels. A summary goes to stderr at the end.

An input line:
  {"ts": "2026-11-25T09:00:00+09:00", "account": "A1", "method": "order.place",
   "params": {"symbol": "005930", "side": "buy", "type": "limit", "price": "71000", "qty": "10"}}
ts is RFC 3339 or integer Unix nanoseconds and never goes backwards; without
it a line takes the ts of the command before (the first command needs one).
Blank lines and lines starting with # are skipped.

A line that cannot be applied (bad JSON, unknown method, bad params) is
reported on stderr as "line N: CODE: message" and skipped; the exit status is
then 1. With --strict, replay stops at the first such line.

flags:
`

type replayOptions struct {
	instruments string
	noBook      bool
	strict      bool
	input       string
}

// runReplay is `mts replay`.
func runReplay(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, code, ok := parseReplayFlags(args, stderr)
	if !ok {
		return code
	}
	eng, err := newReplayEngine(opts.instruments)
	if err != nil {
		fmt.Fprintf(stderr, "mts replay: %v\n", err)
		return exitFail
	}
	in, err := openInput(opts.input, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "mts replay: %v\n", err)
		return exitFail
	}
	defer in.Close()

	out := bufio.NewWriterSize(stdout, 64<<10)
	r := newReplayer(eng, out, stderr, opts)
	err = r.run(ctx, in)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write: %w", ferr)
	}
	fmt.Fprintf(stderr, "replay: commands=%d events=%d written=%d bad_lines=%d state_hash=%x\n",
		r.commands, r.events, r.written, r.bad, eng.StateHash())
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "mts replay: %v\n", err)
		return exitFail
	case r.bad > 0:
		return exitFail
	}
	return exitOK
}

// parseReplayFlags parses flags and the one positional argument. Flags may
// come before or after the file name.
func parseReplayFlags(args []string, stderr io.Writer) (opts replayOptions, code int, ok bool) {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, replayUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&opts.instruments, "instruments", "", "instrument reference data `FILE` (JSON array); default: the built-in sample")
	fs.BoolVar(&opts.noBook, "no-book", false, "omit book level events from the output")
	fs.BoolVar(&opts.strict, "strict", false, "stop at the first line that cannot be applied")
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return opts, exitOK, false
			}
			return opts, exitUsage, false
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fmt.Fprintf(stderr, "mts replay: want exactly one input file (or - for stdin), got %d\n\n", len(positional))
		fs.Usage()
		return opts, exitUsage, false
	}
	opts.input = positional[0]
	return opts, exitOK, true
}

// newReplayEngine builds an engine over the instruments in path, or over the
// built-in sample when path is empty.
func newReplayEngine(path string) (*matching.Engine, error) {
	data := sampleInstruments
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	}
	ins, err := matching.LoadInstruments(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return matching.NewEngine(matching.Config{Instruments: ins})
}

func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	return os.Open(name)
}

// replayer applies input lines to an engine and writes the events.
type replayer struct {
	eng    *matching.Engine
	enc    *json.Encoder
	stderr io.Writer
	opts   replayOptions

	seq    uint64 // of the last applied command
	lastTS int64  // of the last applied command
	haveTS bool

	commands, events, written, bad int
	unknown                        map[matching.EventKind]bool // kinds already reported as unprintable
}

func newReplayer(eng *matching.Engine, out io.Writer, stderr io.Writer, opts replayOptions) *replayer {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return &replayer{eng: eng, enc: enc, stderr: stderr, opts: opts, unknown: map[matching.EventKind]bool{}}
}

// run reads lines until EOF. It returns an error for a failed read or write,
// for cancellation, and (with --strict) for the first bad line; bad lines
// otherwise are reported and counted.
func (r *replayer) run(ctx context.Context, in io.Reader) error {
	lr := lineReader{br: bufio.NewReaderSize(in, maxLineLen)}
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted at line %d: %w", lr.n+1, err)
		}
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var aerr *api.Error
		switch {
		case errors.As(err, &aerr):
		case err != nil:
			return fmt.Errorf("read: %w", err)
		default:
			aerr, err = r.line(line)
			if err != nil {
				return err
			}
		}
		if aerr != nil {
			r.bad++
			fmt.Fprintf(r.stderr, "line %d: %s: %s\n", lr.n, aerr.Code, aerr.Msg)
			if r.opts.strict {
				return fmt.Errorf("stopped at line %d (--strict)", lr.n)
			}
		}
	}
}

// line handles one input line: skip it, apply it, or say why it is bad. The
// error is for a failed write.
func (r *replayer) line(line []byte) (*api.Error, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return nil, nil
	}
	cmd, aerr := r.command(line)
	if aerr != nil {
		return aerr, nil
	}
	r.seq++
	cmd.Seq = r.seq
	r.lastTS, r.haveTS = cmd.TS, true
	r.commands++
	evs := r.eng.Apply(&cmd)
	r.events += len(evs)
	for i := range evs {
		if err := r.write(&evs[i]); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// write prints one event, unless --no-book drops it or it has no wire
// format yet (said once per kind on stderr, so nothing vanishes silently).
func (r *replayer) write(ev *matching.Event) error {
	if ev.Kind == matching.EvBook && r.opts.noBook {
		return nil
	}
	m := gateway.Message(ev)
	if m == nil {
		if !r.unknown[ev.Kind] {
			r.unknown[ev.Kind] = true
			fmt.Fprintf(r.stderr, "replay: event kind %d has no wire format yet; not printed\n", ev.Kind)
		}
		return nil
	}
	if err := r.enc.Encode(m); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	r.written++
	return nil
}

// replayLine is one input line.
type replayLine struct {
	TS      json.RawMessage `json:"ts"`
	Account string          `json:"account"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// command decodes a line into an engine command (without Seq).
func (r *replayer) command(data []byte) (matching.Command, *api.Error) {
	var l replayLine
	if err := api.DecodeStrict(data, &l); err != nil {
		return matching.Command{}, err.(*api.Error)
	}
	ts, aerr := r.timestamp(l.TS)
	if aerr != nil {
		return matching.Command{}, aerr
	}
	if l.Account == "" {
		return matching.Command{}, api.Errorf(api.MissingField, "account is required")
	}
	cmd, err := gateway.DecodeCommand(l.Method, l.Params, l.Account, ts)
	if err != nil {
		return matching.Command{}, err.(*api.Error)
	}
	return cmd, nil
}

// timestamp resolves a line's ts: RFC 3339 text or integer Unix nanoseconds;
// absent means the ts of the last applied command (a skipped bad line moves
// no clock). Time never goes backwards.
func (r *replayer) timestamp(raw json.RawMessage) (int64, *api.Error) {
	if len(raw) == 0 || string(raw) == "null" {
		if !r.haveTS {
			return 0, api.Errorf(api.MissingField, "ts is required on the first command")
		}
		return r.lastTS, nil
	}
	ts, err := parseTS(raw)
	if err != nil {
		return 0, api.Errorf(api.InvalidField, "ts: %v", err)
	}
	if r.haveTS && ts < r.lastTS {
		return 0, api.Errorf(api.InvalidField, "ts: %s is before the previous command's %s", gateway.FormatTS(ts), gateway.FormatTS(r.lastTS))
	}
	return ts, nil
}

func parseTS(raw json.RawMessage) (int64, error) {
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, fmt.Errorf("%q is not an RFC 3339 time such as 2026-11-25T09:00:00+09:00", s)
		}
		return t.UnixNano(), nil
	}
	ts, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is neither an RFC 3339 string nor integer Unix nanoseconds", raw)
	}
	return ts, nil
}

// lineReader reads lines of at most maxLineLen bytes, counting them. A
// longer line is consumed whole and reported as an *api.Error.
type lineReader struct {
	br *bufio.Reader
	n  int // number of the line last returned
}

// next returns the next line without its newline. The slice is valid until
// the following call. At the end of input it returns io.EOF.
func (lr *lineReader) next() ([]byte, error) {
	line, err := lr.br.ReadSlice('\n')
	tooLong := false
	for errors.Is(err, bufio.ErrBufferFull) {
		tooLong = true
		_, err = lr.br.ReadSlice('\n')
	}
	if len(line) == 0 && errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	lr.n++
	if tooLong {
		return nil, api.Errorf(api.MessageTooLarge, "line longer than %d bytes", maxLineLen)
	}
	return bytes.TrimSuffix(line, []byte("\n")), nil
}
