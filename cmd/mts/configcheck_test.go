package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

func TestCheckEngineConfig(t *testing.T) {
	ins, err := matching.LoadInstrumentFile("sample/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	rc := risk.DefaultConfig()
	base := engineOptions{Instruments: ins, Risk: &rc, VI: true}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	if err := checkEngineConfig(dir, base, false, quiet); err != nil {
		t.Fatalf("new directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, engineConfigFile)); err != nil {
		t.Fatalf("no record written: %v", err)
	}

	// The same configuration, instruments in another order and renamed:
	// nothing that decides a command changed.
	same := base
	same.Instruments = slices.Clone(ins)
	slices.Reverse(same.Instruments)
	same.Instruments[0].Name = "renamed"
	if err := checkEngineConfig(dir, same, false, quiet); err != nil {
		t.Fatalf("same configuration refused: %v", err)
	}

	changed := func(edit func(o *engineOptions)) engineOptions {
		o := base
		o.Instruments = slices.Clone(ins)
		rc2 := rc
		o.Risk = &rc2
		edit(&o)
		return o
	}
	for _, c := range []struct {
		name string
		opts engineOptions
		want string
	}{
		{"base price", changed(func(o *engineOptions) { o.Instruments[0].BasePrice += 100 }), "instrument " + ins[0].Symbol + " changed: BasePrice 71000 → 71100"},
		{"added", changed(func(o *engineOptions) {
			o.Instruments = append(o.Instruments, matching.Instrument{Symbol: "999999", Market: "KOSPI", BasePrice: 1000})
		}), "instrument 999999 added"},
		{"removed", changed(func(o *engineOptions) { o.Instruments = o.Instruments[1:] }), "instrument " + ins[0].Symbol + " removed"},
		{"risk", changed(func(o *engineOptions) { o.Risk.RateMaxOrders++ }), "risk settings changed"},
		{"risk off", changed(func(o *engineOptions) { o.Risk = nil }), "risk settings changed"},
		{"VI", changed(func(o *engineOptions) { o.VI = false }), "volatility interruptions on: false, was true"},
	} {
		err := checkEngineConfig(dir, c.opts, false, quiet)
		if !errors.Is(err, errConfigChanged) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want errConfigChanged naming %q", c.name, err, c.want)
		}
	}

	// Accepting a change records it: the new configuration starts, the old
	// one is now the change.
	moved := changed(func(o *engineOptions) { o.Instruments[0].BasePrice += 100 })
	if err := checkEngineConfig(dir, moved, true, quiet); err != nil {
		t.Fatalf("accepted change refused: %v", err)
	}
	if err := checkEngineConfig(dir, moved, false, quiet); err != nil {
		t.Fatalf("after accepting, the new configuration is refused: %v", err)
	}
	if err := checkEngineConfig(dir, base, false, quiet); !errors.Is(err, errConfigChanged) {
		t.Fatalf("after accepting, the old configuration: %v; want errConfigChanged", err)
	}

	if err := os.WriteFile(filepath.Join(dir, engineConfigFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkEngineConfig(dir, base, false, quiet); err == nil || !strings.Contains(err.Error(), engineConfigFile) {
		t.Fatalf("corrupt record: %v; want an error naming the file", err)
	}
}

// TestServeRefusesChangedConfig: mts serve on a data directory written with
// other instruments exits with the change named, and starts with
// --accept-config-change.
func TestServeRefusesChangedConfig(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	m := &Main{Getenv: func(k string) string {
		if k == "MTS_TOKEN_SECRET" {
			return "config-check-test-secret-0123456789abcdef"
		}
		return ""
	}}
	args := []string{"serve", "--data", data, "--listen", "", "--nats-listen", ""}
	runUntilRecovered := func(extra ...string) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout, stderr lockedBuffer
		done := make(chan int, 1)
		go func() { done <- m.Run(ctx, append(slices.Clone(args), extra...), nil, &stdout, &stderr) }()
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(stderr.String(), "engine recovered") {
			select {
			case code := <-done:
				t.Fatalf("serve %v exited %d before recovering; stderr:\n%s", extra, code, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve %v did not recover; stderr:\n%s", extra, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve %v: exit %d; stderr:\n%s", extra, code, stderr.String())
		}
	}
	runUntilRecovered()

	ins, err := matching.LoadInstrumentFile("sample/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("sample/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	// The same file with one more instrument: replaying history under it
	// would accept orders for it that were rejected.
	edited := filepath.Join(dir, "instruments.json")
	more := strings.Replace(string(raw), "[", `[{"symbol": "999990", "name": "New listing", "market": "KOSPI", "basePrice": 10000},`, 1)
	if err := os.WriteFile(edited, []byte(more), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := matching.LoadInstrumentFile(edited); err != nil || len(got) != len(ins)+1 {
		t.Fatalf("edited instrument file: %d instruments, %v", len(got), err)
	}
	var stdout, stderr lockedBuffer
	code := m.Run(context.Background(), append(slices.Clone(args), "--instruments", edited), nil, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "instrument 999990 added") || !strings.Contains(stderr.String(), "--accept-config-change") {
		t.Fatalf("changed instruments: exit %d; stderr:\n%s\nwant a refusal naming the new instrument", code, stderr.String())
	}
	runUntilRecovered("--instruments", edited, "--accept-config-change")
	runUntilRecovered("--instruments", edited)
}
