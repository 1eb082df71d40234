package main

import (
	"regexp"
	"strconv"
	"testing"
)

// TestEngineCommitMetrics: /metrics counts every journaled command (the
// committed seq: the accounts opened at start plus the orders placed
// here) and has observed a journal sync for them.
func TestEngineCommitMetrics(t *testing.T) {
	n := startE2E(t, t.TempDir(), "127.0.0.1:0")
	t.Cleanup(func() { n.Close() })
	trade(t, n, "m", 1) // four orders, one trade
	text := metricsText(t, n)
	committed := metricValue(t, text, "mts_engine_committed_seq")
	if committed < 4 {
		t.Fatalf("committed seq %v after four orders", committed)
	}
	if got := metricValue(t, text, "mts_engine_commands_total"); got != committed {
		t.Errorf("mts_engine_commands_total = %v, committed seq %v", got, committed)
	}
	if got := metricValue(t, text, "mts_engine_events_total"); got < committed {
		t.Errorf("mts_engine_events_total = %v for %v commands", got, committed)
	}
	if got := metricValue(t, text, "mts_engine_batch_commands_sum"); got != committed {
		t.Errorf("batch size sum %v, want %v", got, committed)
	}
	if got := metricValue(t, text, "mts_engine_apply_seconds_total"); got <= 0 {
		t.Errorf("mts_engine_apply_seconds_total = %v after %v commands", got, committed)
	}
	syncs := metricValue(t, text, "mts_engine_journal_sync_seconds_count")
	if syncs < 1 || syncs != metricValue(t, text, "mts_engine_batch_commands_count") {
		t.Errorf("%v journal syncs observed, %v batches", syncs, metricValue(t, text, "mts_engine_batch_commands_count"))
	}
}

// metricValue returns the value of an unlabelled sample in Prometheus text.
func metricValue(t *testing.T, text, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%s not in /metrics", name)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}
