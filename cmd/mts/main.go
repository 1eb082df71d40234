// Command mts is the one binary of MTS, the order-matching backend of a
// Korean brokerage. Subcommands:
//
//	mts replay [--instruments FILE] [--no-book] [--strict] ORDERS.jsonl|-
//	mts journal export|verify|truncate --data DIR ...   (engine stopped)
//	mts journal tail --url URL --token-file F ...       (engine running)
//	mts token --account A [--role R] [--ttl D]
//	mts serve [--demo] | mts engine | mts gateway --nats URL
//	mts loadtest [orders|fanout] ...
//
// This
// package is the only place that reads flags, files and the environment; it
// builds the other packages' parts and wires them together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and something went wrong
	exitUsage = 2 // the command line was wrong
)

// Main is the program. It is a type rather than a function so that tests run
// the whole program in-process, with their own arguments, input and output
// (the pattern of benbjohnson/wtf's cmd/wtfd). When `serve` lands it will
// also hold the running parts, so a test can start the server on :0 and
// close it.
type Main struct {
	// Getenv reads the environment; nil means os.Getenv. Tests set it.
	Getenv func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := new(Main).Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Run runs one subcommand and returns the process exit status: 0 on success,
// 1 when the command failed, 2 on a usage error. args excludes the program
// name.
func (m *Main) Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "replay":
		return runReplay(ctx, rest, stdin, stdout, stderr)
	case "journal":
		return m.runJournal(ctx, rest, stdout, stderr)
	case "token":
		return m.runToken(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "serve", "engine", "gateway":
		return m.runServe(ctx, cmd, rest, stdout, stderr)
	case "loadtest":
		return m.runLoadtest(ctx, rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "mts: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}

// getenv reads one environment variable.
func (m *Main) getenv(key string) string {
	if m.Getenv != nil {
		return m.Getenv(key)
	}
	return os.Getenv(key)
}

const usage = `usage: mts <command> [arguments]

commands:
  replay    apply a file of order requests to a fresh engine and print every event
  journal   the back office's tools: tail a running server's journal; export,
            verify or truncate a stopped engine's (mts journal -h)
  serve     run everything in one process: embedded NATS, engine, journal,
            market data, WebSocket gateway (--demo: simulated traders)
  engine    run the engine half against a shared NATS (scale-out)
  gateway   run a gateway against a shared NATS; any number of them
  loadtest  drive a running server: order entry latency or market-data fan-out
  token     issue a signed client token (HS256 JWT)
  help      print this message

Run 'mts <command> -h' for a command's flags.
`
