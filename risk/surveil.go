package risk

// Surveillance spots patterns the back office must look at. It never blocks
// trading: it only returns alerts for the engine to publish.

// Alert is a surveillance signal.
type Alert uint8

// Alerts.
const (
	NoAlert       Alert = 0
	AlertLayering Alert = 1 // many orders canceled soon after entry without fills
	AlertOTR      Alert = 2 // order-to-trade ratio above the threshold
)

type survState struct {
	orders     int  // accepted orders today
	fills      int  // fills today
	otrAlerted bool // one OTR alert per day
	quick      ring // times of quick cancels
}

// OnCancel records a cancel the customer asked for, of an order entered at
// entryTS that had filled nothing (filled false) or something. It returns
// AlertLayering when quick cancels crowd the window; the count restarts
// after an alert so one burst raises one alert.
func (c *Checker) OnCancel(h Handle, entryTS, now int64, filled bool) Alert {
	cfg := &c.cfg.Surveillance
	a := h.a
	if a == nil || filled || now-entryTS > cfg.QuickCancelNanos {
		return NoAlert
	}
	a.surv.quick.push(now)
	if a.surv.quick.full(now, cfg.QuickWindowNanos) {
		a.surv.quick.reset()
		return AlertLayering
	}
	return NoAlert
}

// CheckOTR returns AlertOTR the first time in a day an account with at least
// OTRMinOrders orders has more than OTRMax orders per fill.
func (c *Checker) CheckOTR(h Handle) Alert {
	cfg := &c.cfg.Surveillance
	a := h.a
	if a == nil || a.surv.otrAlerted || a.surv.orders < cfg.OTRMinOrders {
		return NoAlert
	}
	if a.surv.orders > cfg.OTRMax*max(a.surv.fills, 1) {
		a.surv.otrAlerted = true
		return AlertOTR
	}
	return NoAlert
}

// Ratio returns an account's orders and fills today.
func (c *Checker) Ratio(h Handle) (orders, fills int) {
	if a := h.a; a != nil {
		return a.surv.orders, a.surv.fills
	}
	return 0, 0
}

// NewDay starts a new trading day for surveillance: every account's order
// and fill counts and its one-a-day order-to-trade alert start again. The
// engine calls it on its day rollover, so a replay resets at the same
// command. (The rate and duplicate windows are time-based and need nothing.)
func (c *Checker) NewDay() {
	for _, a := range c.accounts { // each account alike: the order of the walk decides nothing
		a.surv.orders, a.surv.fills, a.surv.otrAlerted = 0, 0, false
	}
}
