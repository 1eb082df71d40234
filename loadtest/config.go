package loadtest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Instrument is what the generator needs to know of a symbol: its base
// price (KRW) and the tick size (KRW) valid around it. Prices are sent
// only on multiples of Tick within Levels (+ Cross) ticks of Base, so the
// caller should pick a Tick that is valid over that whole range (KRX tick
// bands change at fixed prices).
type Instrument struct {
	Symbol string
	Base   int64
	Tick   int64
}

// Profile shapes the order rate over the measured window.
type Profile string

// Profiles.
const (
	// ProfileSteady sends Rate orders/s throughout.
	ProfileSteady Profile = "steady"
	// ProfileOpen is the market open: 10× Rate for the first tenth of the
	// window, falling linearly back to Rate over the second tenth.
	ProfileOpen Profile = "open"
	// ProfileNews is a sudden burst: Rate, then 10× Rate for one tenth of
	// the window starting at its middle, then Rate again.
	ProfileNews Profile = "news"
)

// burst is the spike profiles' multiple of the base rate.
const burst = 10

// Config describes one load run.
type Config struct {
	URL    string      // ws://HOST/ws
	Header http.Header // extra upgrade headers (an Origin, say)
	// Accounts are the traders; connection i uses Accounts[i%len]. The
	// server must have opened and funded them.
	Accounts []string
	// Token returns the bearer token of an account.
	Token       func(account string) (string, error)
	Instruments []Instrument

	Connections int           // WebSocket connections; default len(Accounts)
	Rate        float64       // base orders/s, all connections together
	Duration    time.Duration // the measured window
	Warmup      time.Duration // sent at Rate before the window, not measured
	Profile     Profile       // default steady

	// CancelRatio is the share of requests that cancel one of the run's
	// resting orders (when a connection has one) instead of placing; 0..1.
	CancelRatio float64
	// Levels is how many ticks on its passive side an order's price may
	// be; Cross how many ticks through the base price it may reach, so
	// that some orders trade. Defaults 10 and 2.
	Levels, Cross int
	MaxQty        int64 // each order's quantity is 1..MaxQty; default 10

	// MaxInFlight bounds the requests awaiting a reply per connection.
	// When a connection has that many, a scheduled request is skipped (and
	// counted): the server is not keeping up, and an unbounded backlog
	// would only measure the generator. Default 1000.
	MaxInFlight int
	// DrainTimeout is how long Run waits after the window for the last
	// replies; those still missing then count as outcome unknown.
	// Default 5s.
	DrainTimeout time.Duration
	// RunID prefixes client order ids so that runs on one trading day do
	// not collide; default from the clock.
	RunID string
	Seed  uint64 // of the order flow; default from the clock
}

// withDefaults checks c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.URL == "":
		return c, errors.New("loadtest: no URL")
	case len(c.Accounts) == 0 || c.Token == nil:
		return c, errors.New("loadtest: accounts and a token function are required")
	case len(c.Instruments) == 0:
		return c, errors.New("loadtest: no instruments")
	case c.Rate <= 0 || c.Duration <= 0:
		return c, fmt.Errorf("loadtest: rate %v and duration %v must be positive", c.Rate, c.Duration)
	case c.CancelRatio < 0 || c.CancelRatio > 1:
		return c, fmt.Errorf("loadtest: cancel ratio %v is not within 0..1", c.CancelRatio)
	}
	if err := checkInstruments(c.Instruments); err != nil {
		return c, err
	}
	c.Profile = defaultTo(c.Profile, ProfileSteady)
	if c.Profile != ProfileSteady && c.Profile != ProfileOpen && c.Profile != ProfileNews {
		return c, fmt.Errorf("loadtest: unknown profile %q (steady, open, news)", c.Profile)
	}
	c.Connections = defaultTo(c.Connections, len(c.Accounts))
	c.Levels = defaultTo(c.Levels, 10)
	c.Cross = defaultTo(c.Cross, 2)
	c.MaxQty = defaultTo(c.MaxQty, 10)
	c.MaxInFlight = defaultTo(c.MaxInFlight, 1000)
	c.DrainTimeout = defaultTo(c.DrainTimeout, 5*time.Second)
	c.RunID = defaultTo(c.RunID, runID())
	c.Seed = defaultTo(c.Seed, uint64(time.Now().UnixNano()))
	return c, nil
}

func checkInstruments(ins []Instrument) error {
	for _, in := range ins {
		if in.Symbol == "" || in.Tick <= 0 || in.Base <= 0 || in.Base%in.Tick != 0 {
			return fmt.Errorf("loadtest: instrument %+v: need a symbol and a positive base on a positive tick", in)
		}
	}
	return nil
}

func defaultTo[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// runID is short (client order ids have a length limit) and differs from
// run to run: the clock in milliseconds, base 36.
func runID() string {
	return "r" + strconv.FormatInt(time.Now().UnixMilli(), 36)
}

// RateAt is the scheduled rate (orders/s) at elapsed time since the start
// of the run (warmup included).
func (c Config) RateAt(elapsed time.Duration) float64 {
	if elapsed < c.Warmup {
		return c.Rate
	}
	f := float64(elapsed-c.Warmup) / float64(c.Duration)
	switch {
	case c.Profile == ProfileOpen && f < 0.1:
		return burst * c.Rate
	case c.Profile == ProfileOpen && f < 0.2:
		return c.Rate * (burst - (burst-1)*(f-0.1)/0.1)
	case c.Profile == ProfileNews && f >= 0.5 && f < 0.6:
		return burst * c.Rate
	}
	return c.Rate
}

// Planned is how many requests the profile schedules in the measured
// window: Rate × Duration times the profile's factor (steady 1, open 2.35,
// news 1.9).
func (c Config) Planned() float64 {
	factor := 1.0
	switch c.Profile {
	case ProfileOpen:
		factor = 0.1*burst + 0.1*(burst+1)/2 + 0.8
	case ProfileNews:
		factor = 0.9 + 0.1*burst
	}
	return c.Rate * c.Duration.Seconds() * factor
}
