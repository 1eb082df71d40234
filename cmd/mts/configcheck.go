package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

// engineConfigFile records, in the data directory, the configuration the
// journal is being written with: the instruments, the risk settings and
// whether VI runs. Recovery re-applies journaled commands to an engine
// built from today's configuration, so a changed instrument file or risk
// flag would silently re-decide history: an order acknowledged under the
// old base price may be rejected on replay under the new one. The engine
// therefore refuses to start on a journal whose recorded configuration
// differs from its own, naming what changed, unless the operator says the
// change is deliberate (--accept-config-change); `mts journal verify` then
// shows whether history still replays the same.
const engineConfigFile = "engine-config.json"

// engineConfig is what the file holds: the parts of the configuration that
// decide what a command does. Instrument names are left out (they are
// labels, never read by matching).
type engineConfig struct {
	Fingerprint string                `json:"fingerprint"` // hex SHA-256 of the rest, canonically encoded
	Instruments []matching.Instrument `json:"instruments"`
	Risk        *risk.Config          `json:"risk"` // null: risk off
	VI          bool                  `json:"vi"`
}

// engineConfigOf returns opts' configuration with its fingerprint.
func engineConfigOf(opts engineOptions) engineConfig {
	c := engineConfig{Instruments: slices.Clone(opts.Instruments), Risk: opts.Risk, VI: opts.VI}
	for i := range c.Instruments {
		c.Instruments[i].Name = ""
	}
	slices.SortFunc(c.Instruments, func(a, b matching.Instrument) int { return strings.Compare(a.Symbol, b.Symbol) })
	body, err := json.Marshal(c) // map keys sorted: canonical
	if err != nil {
		panic("mts: engine configuration does not encode: " + err.Error())
	}
	sum := sha256.Sum256(body)
	c.Fingerprint = hex.EncodeToString(sum[:])
	return c
}

// errConfigChanged is the refusal to replay a journal under another
// configuration.
var errConfigChanged = errors.New("the engine configuration differs from the one this journal was written with")

// checkEngineConfig compares opts' configuration with the one recorded in
// dir. A directory without a record gets one (a new journal, or one from
// before the record existed). A difference is errConfigChanged naming it,
// unless accept, when it is logged and the record replaced.
func checkEngineConfig(dir string, opts engineOptions, accept bool, log *slog.Logger) error {
	cur := engineConfigOf(opts)
	path := filepath.Join(dir, engineConfigFile)
	rec, err := readEngineConfig(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return writeEngineConfig(path, cur)
	case err != nil:
		return err
	}
	if rec.Fingerprint == cur.Fingerprint {
		return nil
	}
	changes := configChanges(rec, cur)
	if !accept {
		return fmt.Errorf("%w: %s. Replaying the journal under it could change what was acknowledged: start with the original instruments and risk settings, or start a new --data directory, or pass --accept-config-change if the change is deliberate (then check history with mts journal verify)",
			errConfigChanged, strings.Join(changes, "; "))
	}
	log.Warn("engine configuration changed under the journal, accepted by --accept-config-change", "changes", strings.Join(changes, "; "))
	return writeEngineConfig(path, cur)
}

// readEngineConfig reads dir's record; fs.ErrNotExist when it has none.
func readEngineConfig(dir string) (engineConfig, error) {
	path := filepath.Join(dir, engineConfigFile)
	var rec engineConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, fmt.Errorf("%s: %w (delete it only if you know the journal was written with today's configuration)", path, err)
	}
	return rec, nil
}

// configChanges lists how cur differs from rec, for an operator to read.
func configChanges(rec, cur engineConfig) []string {
	var out []string
	old := map[string]matching.Instrument{}
	for _, in := range rec.Instruments {
		old[in.Symbol] = in
	}
	for _, in := range cur.Instruments {
		was, ok := old[in.Symbol]
		delete(old, in.Symbol)
		switch {
		case !ok:
			out = append(out, "instrument "+in.Symbol+" added")
		case was != in:
			out = append(out, fmt.Sprintf("instrument %s changed: %s", in.Symbol, fieldChanges(was, in)))
		}
	}
	for _, s := range slices.Sorted(maps.Keys(old)) {
		out = append(out, "instrument "+s+" removed")
	}
	if a, b := jsonOf(rec.Risk), jsonOf(cur.Risk); a != b {
		out = append(out, fmt.Sprintf("risk settings changed (%s, was %s)", b, a))
	}
	if rec.VI != cur.VI {
		out = append(out, fmt.Sprintf("volatility interruptions on: %v, was %v", cur.VI, rec.VI))
	}
	if len(out) == 0 { // same content, another encoding (an older file)
		out = append(out, "the recorded fingerprint differs")
	}
	return out
}

// fieldChanges lists the fields of two values of one struct type that
// differ, as "Field old → new".
func fieldChanges(was, now any) string {
	a, b := reflect.ValueOf(was), reflect.ValueOf(now)
	var out []string
	for i := range a.NumField() {
		if x, y := a.Field(i).Interface(), b.Field(i).Interface(); x != y {
			out = append(out, fmt.Sprintf("%s %v → %v", a.Type().Field(i).Name, x, y))
		}
	}
	return strings.Join(out, ", ")
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// writeEngineConfig replaces the record atomically: a crash leaves the old
// one or the new one, never half of either.
func writeEngineConfig(path string, c engineConfig) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("recording the engine configuration: %w", err)
	}
	return nil
}
