package risk

// KillScope is what a kill switch covers.
type KillScope uint8

// Kill switch scopes.
const (
	KillAccount KillScope = 1 // one account: its orders canceled, new ones refused
	KillSymbol  KillScope = 2 // one instrument: a trading halt
	KillGlobal  KillScope = 3 // everything
)

// SetKill switches a kill switch on or off. It returns UnknownAccount for an
// account scope naming no account; other targets are the caller's to check.
// The engine cancels the resting orders in scope; the Checker refuses new
// orders while the switch is on (cancels are always allowed).
func (c *Checker) SetKill(scope KillScope, target string, active bool) Verdict {
	switch scope {
	case KillAccount:
		a := c.get(target)
		if a == nil {
			return UnknownAccount
		}
		if a.killed != active {
			a.killed = active
			if active {
				c.killedCount++
			} else {
				c.killedCount--
			}
		}
	case KillSymbol:
		if active {
			c.haltedSymbols[target] = true
		} else {
			delete(c.haltedSymbols, target)
		}
	case KillGlobal:
		c.halted = active
	}
	return OK
}

// Killed reports whether a kill switch blocks new orders of an account in a
// symbol.
func (c *Checker) Killed(account, symbol string) bool {
	if !c.anyKill() {
		return false
	}
	a := c.get(account)
	return c.halted || c.haltedSymbols[symbol] || (a != nil && a.killed)
}
