package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

const tokenUsage = `usage: mts token --account NAME [--role trader|backoffice|operator] [--ttl 15m] [--secret-file FILE]

Prints a signed client token (an HS256 JWT with claims sub, role, iat, exp)
on stdout. A trader's token names its account; a backoffice or operator
token names a person or a service and may read the journal (mts journal
tail). The secret is shared with the servers that check tokens; it comes
from --secret-file or the environment variable MTS_TOKEN_SECRET and must be
at least 32 bytes (a trailing newline in the file is not part of it), e.g.

  head -c 32 /dev/urandom | base64 > token.secret && chmod 600 token.secret

flags:
`

// maxTokenTTL bounds --ttl: tokens are meant to be short-lived, and one
// that leaks is good for at most a day.
const maxTokenTTL = 24 * time.Hour

type tokenOptions struct {
	account, role, secretFile string
	ttl                       time.Duration
}

// runToken is `mts token`.
func (m *Main) runToken(args []string, stdout, stderr io.Writer) int {
	opts, code, ok := parseTokenFlags(args, stderr)
	if !ok {
		return code
	}
	secret, err := m.tokenSecret(opts.secretFile, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mts token: %v\n", err)
		return exitUsage
	}
	tok, err := api.IssueToken(secret, opts.account, opts.role, opts.ttl, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "mts token: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(stdout, tok)
	return exitOK
}

func parseTokenFlags(args []string, stderr io.Writer) (opts tokenOptions, code int, ok bool) {
	fs := newFlagSet("token", tokenUsage, stderr)
	fs.StringVar(&opts.account, "account", "", "the token's subject: the trader's account, or the back-office user's `NAME` (required)")
	fs.StringVar(&opts.role, "role", api.RoleTrader, "`ROLE`: trader, backoffice or operator")
	fs.DurationVar(&opts.ttl, "ttl", 15*time.Minute, "how long the token is valid, at most 24h")
	fs.StringVar(&opts.secretFile, "secret-file", "", "read the signing secret from `FILE` (default: $MTS_TOKEN_SECRET)")
	if code, ok := parseFlags(fs, args); !ok {
		return opts, code, false
	}
	if err := checkTokenOptions(opts); err != nil {
		return opts, usageError(stderr, "token", "%v", err), false
	}
	return opts, exitOK, true
}

func checkTokenOptions(o tokenOptions) error {
	switch {
	case o.account == "":
		return errors.New("--account is required")
	case !api.ValidRole(o.role):
		return fmt.Errorf("--role %q: want trader, backoffice or operator", o.role)
	case o.role == api.RoleTrader && len(o.account) > matching.MaxAccountLen:
		return fmt.Errorf("--account: an account is at most %d bytes", matching.MaxAccountLen)
	case len(o.account) > api.MaxSubjectLen:
		return fmt.Errorf("--account: at most %d bytes", api.MaxSubjectLen)
	case o.ttl < time.Second || o.ttl > maxTokenTTL:
		return fmt.Errorf("--ttl %v: want 1s to %v", o.ttl, maxTokenTTL)
	}
	return nil
}

// tokenSecret reads the token secret from file, or from MTS_TOKEN_SECRET
// when file is "". It refuses a missing or short secret, and warns about a
// file that others may read.
func (m *Main) tokenSecret(file string, stderr io.Writer) ([]byte, error) {
	var secret []byte
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--secret-file: %w", err)
		}
		warnIfShared(file, stderr)
		secret = []byte(strings.TrimRight(string(b), "\r\n"))
	} else {
		secret = []byte(m.getenv("MTS_TOKEN_SECRET"))
	}
	switch {
	case len(secret) == 0:
		return nil, errors.New("no token secret: give --secret-file FILE or set MTS_TOKEN_SECRET")
	case len(secret) < api.MinSecretLen:
		return nil, fmt.Errorf("the token secret is %d bytes; at least %d are required", len(secret), api.MinSecretLen)
	}
	return secret, nil
}

func warnIfShared(file string, stderr io.Writer) {
	if fi, err := os.Stat(file); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(stderr, "mts: warning: %s is readable by others (mode %v); chmod 600 it\n", file, fi.Mode().Perm())
	}
}
