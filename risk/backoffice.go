package risk

// Back-office commands. Each is journaled like an order and idempotent by a
// request id: applying the same request id to an account twice changes
// nothing the second time and answers DuplicateRequest, so a back office
// that retries after a timeout can never deposit twice.

// MaxRequestIDLen bounds a request id.
const MaxRequestIDLen = 64

// OpenAccount creates an account, optionally in a group (same beneficial
// owner: its members never trade with each other).
func (c *Checker) OpenAccount(id, group, requestID string) Verdict {
	if v := checkRequestID(requestID); v != OK {
		return v
	}
	if a := c.get(id); a != nil {
		if _, seen := a.requests[requestID]; seen {
			return DuplicateRequest
		}
		return AccountExists
	}
	a := newAccount(id, group, c.cfg.RateMaxOrders, c.cfg.Surveillance.QuickCancelMax)
	a.requests[requestID] = struct{}{}
	c.accounts[id] = a
	return OK
}

// Deposit adds cash.
func (c *Checker) Deposit(id string, amount int64, requestID string) Verdict {
	return c.apply(id, requestID, amount, func(a *account) Verdict {
		a.bal.Cash += amount
		return OK
	})
}

// Withdraw takes cash out; never more than is available.
func (c *Checker) Withdraw(id string, amount int64, requestID string) Verdict {
	return c.apply(id, requestID, amount, func(a *account) Verdict {
		if amount > a.bal.Available() {
			return InsufficientFunds
		}
		a.bal.Cash -= amount
		return OK
	})
}

// CreditShares adds shares (a transfer in, a corporate action).
func (c *Checker) CreditShares(id, symbol string, q qty, requestID string) Verdict {
	return c.apply(id, requestID, int64(q), func(a *account) Verdict {
		a.position(symbol).Qty += q
		return OK
	})
}

// DebitShares removes shares; never more than are available.
func (c *Checker) DebitShares(id, symbol string, q qty, requestID string) Verdict {
	return c.apply(id, requestID, int64(q), func(a *account) Verdict {
		p := a.positions[symbol]
		if p == nil || q > p.Available() {
			return InsufficientHoldings
		}
		p.Qty -= q
		return OK
	})
}

// apply runs one back-office change with the checks they share. The request
// id is recorded only when the change is applied, so a refused request can be
// retried once the account allows it.
func (c *Checker) apply(id, requestID string, amount int64, change func(*account) Verdict) Verdict {
	if v := checkRequestID(requestID); v != OK {
		return v
	}
	a := c.get(id)
	if a == nil {
		return UnknownAccount
	}
	if _, seen := a.requests[requestID]; seen {
		return DuplicateRequest
	}
	if amount <= 0 {
		return InvalidAmount
	}
	v := change(a)
	if v == OK {
		a.requests[requestID] = struct{}{}
	}
	return v
}

func checkRequestID(id string) Verdict {
	if id == "" || len(id) > MaxRequestIDLen {
		return InvalidRequestID
	}
	return OK
}
