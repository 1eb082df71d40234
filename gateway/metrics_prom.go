package gateway

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// promMetrics is Metrics on Prometheus collectors.
type promMetrics struct {
	conns        prometheus.Gauge
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	sent         prometheus.Counter
	dropped      prometheus.Counter
	resyncs      prometheus.Counter
	slowConsumer prometheus.Counter
	rateLimited  prometheus.Counter
}

// NewPrometheusMetrics registers the gateway's metrics (prefix
// mts_gateway_) with reg and returns them for Config.Metrics. Labels are
// bounded: method is a known method or "unknown", status an HTTP-like code.
func NewPrometheusMetrics(reg prometheus.Registerer) (Metrics, error) {
	m := &promMetrics{
		conns:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "mts_gateway_connections", Help: "Open WebSocket connections."}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mts_gateway_requests_total", Help: "Requests answered, by method and status."}, []string{"method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mts_gateway_request_seconds", Help: "Time from receiving a request to queuing its reply.",
			Buckets: prometheus.ExponentialBuckets(25e-6, 2, 16), // 25 µs .. 0.8 s
		}, []string{"method"}),
		sent:         prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_gateway_messages_sent_total", Help: "Messages written to clients."}),
		dropped:      prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_gateway_messages_dropped_total", Help: "Market-data messages and execution reports dropped for slow clients."}),
		resyncs:      prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_gateway_resyncs_total", Help: "Resync markers sent after drops."}),
		slowConsumer: prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_gateway_slow_consumer_disconnects_total", Help: "Connections closed because private messages did not fit."}),
		rateLimited:  prometheus.NewCounter(prometheus.CounterOpts{Name: "mts_gateway_rate_limited_total", Help: "RATE_LIMITED replies."}),
	}
	for _, c := range []prometheus.Collector{m.conns, m.requests, m.latency, m.sent, m.dropped, m.resyncs, m.slowConsumer, m.rateLimited} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *promMetrics) Connection(delta int) { m.conns.Add(float64(delta)) }

func (m *promMetrics) Request(method string, status int, latency time.Duration) {
	m.requests.WithLabelValues(method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method).Observe(latency.Seconds())
}

func (m *promMetrics) Sent(n int)    { m.sent.Add(float64(n)) }
func (m *promMetrics) Dropped(n int) { m.dropped.Add(float64(n)) }
func (m *promMetrics) Resync()       { m.resyncs.Inc() }
func (m *promMetrics) SlowConsumer() { m.slowConsumer.Inc() }
func (m *promMetrics) RateLimited()  { m.rateLimited.Inc() }
