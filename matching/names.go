package matching

// Wire spellings of the enums. The gateway, the replay tool and the journal
// exporters all print these, so they live next to the types they name.

var orderTypeNames = [...]string{
	Limit: "limit", Market: "market", BestLimit: "best_limit", FirstBest: "first_best", StopLimit: "stop_limit",
	ConditionalLimit: "conditional_limit",
}
var tifNames = [...]string{Day: "day", IOC: "ioc", FOK: "fok"}
var stpNames = [...]string{STPDefault: "", STPCancelResting: "cancel_resting", STPCancelIncoming: "cancel_incoming", STPCancelBoth: "cancel_both", STPDecrement: "decrement"}
var execTypeNames = [...]string{ExecNew: "new", ExecTrade: "trade", ExecCanceled: "canceled", ExecReplaced: "replaced", ExecRejected: "rejected", ExecExpired: "expired", ExecTriggered: "triggered", ExecRestated: "restated"}
var statusNames = [...]string{StatusNew: "new", StatusPartiallyFilled: "partially_filled", StatusFilled: "filled", StatusCanceled: "canceled", StatusExpired: "expired", StatusRejected: "rejected"}
var liquidityNames = [...]string{Maker: "maker", Taker: "taker"}

func name(names []string, i int) string {
	if i >= 0 && i < len(names) && names[i] != "" {
		return names[i]
	}
	return "unknown"
}

func lookup(names []string, s string) (int, bool) {
	for i, n := range names {
		if n != "" && n == s {
			return i, true
		}
	}
	return 0, false
}

func (t OrderType) String() string { return name(orderTypeNames[:], int(t)) }
func (t TIF) String() string       { return name(tifNames[:], int(t)) }
func (m STPMode) String() string {
	if m == STPDefault {
		return "default"
	}
	return name(stpNames[:], int(m))
}
func (t ExecType) String() string  { return name(execTypeNames[:], int(t)) }
func (s OrdStatus) String() string { return name(statusNames[:], int(s)) }

// closed reports whether an order with this status is done: nothing of it
// is open any more.
func (s OrdStatus) closed() bool {
	return s == StatusFilled || s == StatusCanceled || s == StatusExpired || s == StatusRejected
}
func (l Liquidity) String() string { return name(liquidityNames[:], int(l)) }

// ParseOrderType parses a wire order type ("limit", "market", "best_limit",
// "first_best", "stop_limit", "conditional_limit").
func ParseOrderType(s string) (OrderType, bool) {
	i, ok := lookup(orderTypeNames[:], s)
	return OrderType(i), ok
}

// ParseTIF parses "day", "ioc" or "fok".
func ParseTIF(s string) (TIF, bool) {
	i, ok := lookup(tifNames[:], s)
	return TIF(i), ok
}

// ParseSTPMode parses a self-match prevention mode; "" is the default.
func ParseSTPMode(s string) (STPMode, bool) {
	if s == "" || s == "default" {
		return STPDefault, true
	}
	i, ok := lookup(stpNames[:], s)
	return STPMode(i), ok
}

// ParseSide parses "buy" or "sell".
func ParseSide(s string) (Side, bool) {
	switch s {
	case "buy":
		return Buy, true
	case "sell":
		return Sell, true
	}
	return 0, false
}
