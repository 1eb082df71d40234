package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
)

const tokenSecretText = "mts-token-secret-0123456789abcdef" // 33 bytes

func TestTokenCommand(t *testing.T) {
	env := map[string]string{"MTS_TOKEN_SECRET": tokenSecretText}
	tests := []struct {
		args      []string
		sub, role string
		ttl       time.Duration
	}{
		{[]string{"--account", "A1"}, "A1", api.RoleTrader, 15 * time.Minute},
		{[]string{"--account", "kim", "--role", "backoffice", "--ttl", "8h"}, "kim", api.RoleBackOffice, 8 * time.Hour},
		{[]string{"--account", "ops", "--role=operator", "--ttl=90s"}, "ops", api.RoleOperator, 90 * time.Second},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code, stderr := runWithEnv(t, context.Background(), env, &out, append([]string{"token"}, tt.args...)...)
		if code != 0 {
			t.Errorf("token %v: exit %d, stderr:\n%s", tt.args, code, stderr)
			continue
		}
		c, err := api.VerifyToken([]byte(tokenSecretText), strings.TrimSuffix(out.String(), "\n"), time.Now())
		if err != nil {
			t.Errorf("token %v: %q does not verify: %v", tt.args, out.String(), err)
			continue
		}
		if c.Subject != tt.sub || c.Role != tt.role || c.ExpiresAt.Sub(c.IssuedAt) != tt.ttl {
			t.Errorf("token %v: claims %+v, want sub %s role %s ttl %v", tt.args, c, tt.sub, tt.role, tt.ttl)
		}
	}
}

func TestTokenSecretFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "secret")
	if err := os.WriteFile(f, []byte(tokenSecretText+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// The file wins over the environment, and its newline is not part of it.
	env := map[string]string{"MTS_TOKEN_SECRET": "another secret, also long enough!!"}
	code, stderr := runWithEnv(t, context.Background(), env, &out, "token", "--account", "A1", "--secret-file", f)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := api.VerifyToken([]byte(tokenSecretText), strings.TrimSpace(out.String()), time.Now()); err != nil {
		t.Errorf("token from --secret-file does not verify with the file's secret: %v", err)
	}
	if !strings.Contains(stderr, "readable by others") {
		t.Errorf("a 0644 secret file: no warning on stderr:\n%s", stderr)
	}
}

func TestTokenRefuses(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte(strings.Repeat("x", 31)+"\n"), 0o600)
	good := map[string]string{"MTS_TOKEN_SECRET": tokenSecretText}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no secret", nil, []string{"--account", "A1"}, "no token secret"},
		{"short env secret", map[string]string{"MTS_TOKEN_SECRET": "0123456789"}, []string{"--account", "A1"}, "the token secret is 10 bytes; at least 32"},
		{"short file secret", good, []string{"--account", "A1", "--secret-file", short}, "the token secret is 31 bytes"},
		{"missing secret file", good, []string{"--account", "A1", "--secret-file", short + ".none"}, "no such file"},
		{"no account", good, []string{}, "--account is required"},
		{"unknown role", good, []string{"--account", "A1", "--role", "admin"}, `--role "admin"`},
		{"long trader account", good, []string{"--account", strings.Repeat("a", 33)}, "at most 32 bytes"},
		{"long subject", good, []string{"--account", strings.Repeat("a", 65), "--role", "operator"}, "at most 64 bytes"},
		{"zero ttl", good, []string{"--account", "A1", "--ttl", "0s"}, "--ttl 0s"},
		{"long ttl", good, []string{"--account", "A1", "--ttl", "25h"}, "--ttl 25h0m0s"},
		{"bad ttl", good, []string{"--account", "A1", "--ttl", "soon"}, "invalid value"},
		{"argument", good, []string{"--account", "A1", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code, stderr := runWithEnv(t, context.Background(), tt.env, &out, append([]string{"token"}, tt.args...)...)
		if code != 2 || !strings.Contains(stderr, tt.want) || out.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s\nwant exit 2, no token, and %q", tt.name, code, out.String(), stderr, tt.want)
		}
	}
}
