package risk

// Config sets the checks' thresholds. Zero fields take the defaults below;
// set a threshold to -1 to switch that check off.
type Config struct {
	CommissionPPM int64 // broker commission on every fill, both sides
	SaleTaxPPM    int64 // securities transaction tax on the seller's fills

	MaxOpenOrders   int   // open orders per account
	RateMaxOrders   int   // accepted orders per account per rate window
	RateWindowNanos int64 //
	DupWindowNanos  int64 // the same order again within this needs confirmation

	// Classes holds the fat-finger tiers by instrument class ("KOSPI",
	// "KOSDAQ", "KONEX", "ETF"); a class without an entry uses Default.
	Classes map[string]Tiers
	Default Tiers

	Surveillance SurveillanceConfig
}

// Tiers are the Korean-style fat-finger thresholds for one class of
// instrument: a warning tier that needs the order's explicit confirmation
// (CONFIRM_REQUIRED without it), and a block tier that always rejects.
type Tiers struct {
	WarnNotional    int64 // KRW
	WarnListedPPM   int64 // order quantity as a share of listed shares
	WarnPriceDevPPM int64 // limit price away from the last trade price
	BlockNotional   int64 // KRW: NOTIONAL_EXCEEDS_MAX
	BlockListedPPM  int64 // FAT_FINGER_BLOCKED
}

// SurveillanceConfig sets when alerts fire. Alerts never block trading.
type SurveillanceConfig struct {
	QuickCancelNanos int64 // a cancel this soon after entry, with no fill, counts as quick
	QuickCancelMax   int   // this many quick cancels within the window raise a layering alert
	QuickWindowNanos int64 //
	OTRMinOrders     int   // order-to-trade ratio is judged from this many orders a day
	OTRMax           int   // orders per fill above which an alert fires
}

const second = int64(1e9)

// DefaultConfig returns the defaults: thresholds a retail broker might start
// from, to be tuned per firm.
func DefaultConfig() Config {
	return Config{
		CommissionPPM:   150,
		SaleTaxPPM:      2000,
		MaxOpenOrders:   1000,
		RateMaxOrders:   50,
		RateWindowNanos: second,
		DupWindowNanos:  2 * second,
		Default: Tiers{
			WarnNotional:    100_000_000,   // 1억 원
			WarnListedPPM:   1_000,         // 0.1% of listed shares
			WarnPriceDevPPM: 50_000,        // 5% from the last trade
			BlockNotional:   3_000_000_000, // 30억 원
			BlockListedPPM:  10_000,        // 1% of listed shares
		},
		Surveillance: SurveillanceConfig{
			QuickCancelNanos: second,
			QuickCancelMax:   20,
			QuickWindowNanos: 60 * second,
			OTRMinOrders:     200,
			OTRMax:           50,
		},
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	pick := func(v *int64, def int64) {
		if *v == 0 {
			*v = def
		}
	}
	pickInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	pick(&c.CommissionPPM, d.CommissionPPM)
	pick(&c.SaleTaxPPM, d.SaleTaxPPM)
	pickInt(&c.MaxOpenOrders, d.MaxOpenOrders)
	pickInt(&c.RateMaxOrders, d.RateMaxOrders)
	pick(&c.RateWindowNanos, d.RateWindowNanos)
	pick(&c.DupWindowNanos, d.DupWindowNanos)
	if c.Default == (Tiers{}) {
		c.Default = d.Default
	}
	s, ds := &c.Surveillance, d.Surveillance
	pick(&s.QuickCancelNanos, ds.QuickCancelNanos)
	pickInt(&s.QuickCancelMax, ds.QuickCancelMax)
	pick(&s.QuickWindowNanos, ds.QuickWindowNanos)
	pickInt(&s.OTRMinOrders, ds.OTRMinOrders)
	pickInt(&s.OTRMax, ds.OTRMax)
	return c
}

// tiers returns the thresholds for an instrument class.
func (c *Config) tiers(class string) Tiers {
	if t, ok := c.Classes[class]; ok {
		return t
	}
	return c.Default
}

// on reports whether a threshold is set (not switched off with -1).
func on(v int64) bool { return v > 0 }
