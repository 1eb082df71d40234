package matching

// validatePlace checks everything about a new order that does not depend on
// the book: identity, enums, quantity, and the price grid and limits. It
// returns the symbol's state, or the first reason to reject.
func (e *Engine) validatePlace(c *Command) (*symbolState, Reason) {
	if r := validateIdentity(c); r != ReasonNone {
		return nil, r
	}
	s := e.symbol(c.Symbol)
	if s == nil {
		return nil, RejUnknownSymbol
	}
	if r := validateEnums(c); r != ReasonNone {
		return nil, r
	}
	switch {
	case c.Qty <= 0:
		return nil, RejInvalidQty
	case c.Qty > s.inst.MaxOrderQty:
		return nil, RejQtyExceedsMax
	}
	if r := s.validatePrices(c); r != ReasonNone {
		return nil, r
	}
	if r := s.phase.admits(c.Type, c.TIF); r != ReasonNone {
		return nil, r
	}
	return s, ReasonNone
}

func validateIdentity(c *Command) Reason {
	switch {
	case c.Account == "" || len(c.Account) > MaxAccountLen:
		return RejInvalidAccount
	case len(c.ClientOrderID) > MaxClientOrderIDLen:
		return RejInvalidClientOrderID
	}
	return ReasonNone
}

// validateEnums checks side, type, condition and STP mode, and the KRX table
// of which conditions each order type takes during continuous trading.
func validateEnums(c *Command) Reason {
	switch {
	case !c.Side.Valid():
		return RejInvalidSide
	case c.Type < Limit || c.Type > ConditionalLimit:
		return RejInvalidOrderType
	case c.TIF < Day || c.TIF > FOK:
		return RejInvalidTIF
	case c.STP > STPDecrement:
		return RejInvalidSTPMode
	case (c.Type == FirstBest || c.Type == StopLimit || c.Type == ConditionalLimit) && c.TIF != Day:
		return RejTIFNotAllowed
	}
	return ReasonNone
}

// validatePrices checks the price and stop price an order type requires or
// forbids.
func (s *symbolState) validatePrices(c *Command) Reason {
	if c.Type == Limit || c.Type == StopLimit || c.Type == ConditionalLimit {
		if r := s.checkPrice(c.Price); r != ReasonNone {
			return r
		}
	} else if c.Price != 0 {
		return RejInvalidPrice
	}
	if c.Type == StopLimit {
		if s.checkPrice(c.StopPrice) != ReasonNone {
			return RejInvalidStopPrice
		}
	} else if c.StopPrice != 0 {
		return RejInvalidStopPrice
	}
	return ReasonNone
}

// checkPrice validates a limit price against the tick grid of its band and
// the daily price limits.
func (s *symbolState) checkPrice(p Price) Reason {
	switch {
	case p <= 0:
		return RejInvalidPrice
	case !s.inst.Tick.OnTick(p):
		return RejPriceOffTick
	case p < s.lower || p > s.upper:
		return RejPriceOutOfLimits
	}
	return ReasonNone
}
