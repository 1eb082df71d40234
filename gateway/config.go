package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mts-krx/mts/api"
)

// Config configures a Server. Zero values take the defaults below; every
// queue, map and rate has a limit (see the package documentation for what
// happens when one is reached).
type Config struct {
	Backend    Backend    // required
	MarketData MarketData // required
	// Symbols are the instrument codes a stream may name; anything else is
	// UNKNOWN_STREAM. Order entry leaves unknown symbols to the engine.
	Symbols []string
	// TokenSecret verifies client tokens (api.VerifyToken); at least
	// api.MinSecretLen bytes.
	TokenSecret []byte
	// Origins are the allowed values of a browser's Origin header, e.g.
	// "https://trade.example.com". Empty allows, for development, an
	// Origin naming the request's own host or any loopback host. A request
	// without Origin (not a browser) is always allowed: origin checks guard
	// browsers against cross-site use of their credentials, and a non-browser
	// client proves itself with its token.
	Origins []string

	ConnRate     float64 // requests per second per connection (default 50)
	ConnBurst    int     // (default 100)
	AccountRate  float64 // requests per second per account, over its connections here (default 100)
	AccountBurst int     // (default 200)
	// AccountIdle is how long an account's limiter outlives its last
	// request; reconnecting sooner does not refill it (default 1m).
	AccountIdle time.Duration
	// StrikeRate and StrikeBurst bound rejected frames (rate limited or
	// malformed): beyond them the connection is closed 1008 (defaults:
	// ConnRate and 2×ConnBurst).
	StrikeRate  float64
	StrikeBurst int

	MaxConns         int // open connections (default 10,000); more get 503
	MaxInFlight      int // requests in flight per connection (default 32)
	MaxSubscriptions int // streams per connection (default 50)
	// SendQueue is the per-connection send queue in messages (default
	// 512). Market data may fill 3/4 of it; the rest is kept for replies and
	// execution reports.
	SendQueue int
	// PrivateQueueBytes lets replies and execution reports queue past
	// SendQueue up to this many bytes (default 4 MiB; reports up to three
	// quarters of it, then dropped with a resync marker): one engine batch
	// can bring an account thousands of fills at once (the opening
	// uncross), and that burst is not the client being slow.
	PrivateQueueBytes int
	// ReadLimit is the largest frame accepted (default 16 KiB); a larger
	// one closes the connection with 1009.
	ReadLimit int64

	PingInterval   time.Duration // heartbeat (default 30s); a peer silent for 2 intervals is dropped
	WriteTimeout   time.Duration // per write batch (default 10s)
	RequestTimeout time.Duration // per backend call (default 5s)
	// BusyRetryAfter is the retryAfterMs of a BUSY reply (default 100ms).
	BusyRetryAfter time.Duration
	// Calendar dates fills (trade date, T+2 settlement date) on the
	// execution reports clients get; nil knows weekends only.
	Calendar *Calendar
	// SlowConsumerAfter is how long a connection's market data may keep
	// overflowing its send queue, without the queue draining in between,
	// before the connection is closed with SLOW_CONSUMER (default 5s).
	SlowConsumerAfter time.Duration

	// Registerer, if set and Metrics is nil, gets the gateway's Prometheus
	// metrics (NewPrometheusMetrics).
	Registerer prometheus.Registerer
	Metrics    Metrics      // optional: any other sink
	Logger     *slog.Logger // optional
	Clock      func() time.Time
}

// Defaults.
const (
	DefaultConnRate          = 50
	DefaultConnBurst         = 100
	DefaultAccountRate       = 100
	DefaultAccountBurst      = 200
	DefaultAccountIdle       = time.Minute
	DefaultMaxConns          = 10_000
	DefaultMaxInFlight       = 32
	DefaultMaxSubscriptions  = 50
	DefaultSendQueue         = 512
	DefaultPrivateQueueBytes = 4 << 20
	DefaultReadLimit         = 16 << 10
	DefaultPingInterval      = 30 * time.Second
	DefaultWriteTimeout      = 10 * time.Second
	DefaultRequestTimeout    = 5 * time.Second
	DefaultBusyRetryAfter    = 100 * time.Millisecond
	DefaultSlowConsumerAfter = 5 * time.Second
)

// Errors of New.
var ErrConfig = errors.New("gateway: bad config")

func (c *Config) fill() error {
	switch {
	case c.Backend == nil || c.MarketData == nil:
		return fmt.Errorf("%w: Backend and MarketData are required", ErrConfig)
	case len(c.TokenSecret) < api.MinSecretLen:
		return fmt.Errorf("%w: TokenSecret shorter than %d bytes", ErrConfig, api.MinSecretLen)
	}
	def(&c.ConnRate, DefaultConnRate)
	def(&c.ConnBurst, DefaultConnBurst)
	def(&c.AccountRate, DefaultAccountRate)
	def(&c.AccountBurst, DefaultAccountBurst)
	def(&c.AccountIdle, DefaultAccountIdle)
	def(&c.StrikeRate, c.ConnRate)
	def(&c.StrikeBurst, 2*c.ConnBurst)
	def(&c.MaxConns, DefaultMaxConns)
	def(&c.MaxInFlight, DefaultMaxInFlight)
	def(&c.MaxSubscriptions, DefaultMaxSubscriptions)
	def(&c.SendQueue, DefaultSendQueue)
	def(&c.PrivateQueueBytes, DefaultPrivateQueueBytes)
	def(&c.ReadLimit, DefaultReadLimit)
	def(&c.PingInterval, DefaultPingInterval)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.RequestTimeout, DefaultRequestTimeout)
	def(&c.BusyRetryAfter, DefaultBusyRetryAfter)
	def(&c.SlowConsumerAfter, DefaultSlowConsumerAfter)
	if c.Metrics == nil && c.Registerer != nil {
		m, err := NewPrometheusMetrics(c.Registerer)
		if err != nil {
			return fmt.Errorf("%w: metrics: %v", ErrConfig, err)
		}
		c.Metrics = m
	}
	c.fillHooks()
	return nil
}

func (c *Config) fillHooks() {
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.SendQueue < 8 {
		c.SendQueue = 8 // room for a resync marker, a snapshot and a reply
	}
}

// def sets *v to d when it is zero (or negative: a limit is never off).
func def[T int | int64 | float64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}
