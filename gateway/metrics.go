package gateway

import "time"

// Metrics receives the gateway's counters. NewPrometheusMetrics adapts a
// prometheus.Registerer to it; nil in Config means none. Calls come from
// many goroutines at once and must not block.
type Metrics interface {
	// Connection is called with +1 when a connection opens and -1 when it ends.
	Connection(delta int)
	// Request counts one answered request; method is a known method name
	// or "unknown" (so labels stay bounded), status the reply's status.
	Request(method string, status int, latency time.Duration)
	// Sent counts messages written to clients.
	Sent(n int)
	// Dropped counts market-data messages and execution reports a slow
	// client did not get; Resync counts market-data resync markers sent to
	// it afterwards.
	Dropped(n int)
	Resync()
	// SlowConsumer counts connections cut off for not reading their
	// private messages (replies, execution reports).
	SlowConsumer()
	// RateLimited counts RATE_LIMITED replies.
	RateLimited()
}

type noMetrics struct{}

func (noMetrics) Connection(int)                     {}
func (noMetrics) Request(string, int, time.Duration) {}
func (noMetrics) Sent(int)                           {}
func (noMetrics) Dropped(int)                        {}
func (noMetrics) Resync()                            {}
func (noMetrics) SlowConsumer()                      {}
func (noMetrics) RateLimited()                       {}
