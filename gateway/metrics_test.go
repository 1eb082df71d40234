package gateway

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mts-krx/mts/api"
)

func TestPrometheusMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(c *Config) { c.Registerer = reg; c.ConnBurst, c.ConnRate = 2, 1 })
	c := e.trader("A1")
	c.call(api.MethodPing, nil)
	c.call(api.MethodPing, nil)
	c.call(api.MethodPing, nil) // rate limited
	got := gather(t, reg)
	want := map[string]float64{
		"mts_gateway_connections":                            1,
		"mts_gateway_rate_limited_total":                     1,
		`mts_gateway_requests_total{method=ping,status=200}`: 2,
		`mts_gateway_requests_total{method=ping,status=429}`: 1,
		"mts_gateway_messages_dropped_total":                 0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	eventually(t, "messages sent counted", func() bool { return gather(t, reg)["mts_gateway_messages_sent_total"] == 3 })
}

// gather flattens counters and gauges to name{label=value,...} → value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			if len(m.GetLabel()) > 0 {
				key += "{"
				for i, l := range m.GetLabel() {
					if i > 0 {
						key += ","
					}
					key += l.GetName() + "=" + l.GetValue()
				}
				key += "}"
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}
