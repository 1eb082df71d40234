package risk

// Verdict is the outcome of a check or a back-office command. The matching
// package maps each to its reason table, which holds the client-facing codes;
// values here only need to be stable within a build.
type Verdict uint8

// Verdicts.
const (
	OK Verdict = iota
	UnknownAccount
	AccountExists
	InvalidAmount
	InvalidRequestID
	DuplicateRequest // the request id was applied before: nothing changed
	InsufficientFunds
	InsufficientHoldings
	NotionalExceedsMax
	FatFingerBlocked
	ConfirmRequired
	DuplicateOrder
	OrderRateExceeded
	TooManyOpenOrders
	ReferenceDataMissing
	KillSwitchActive
	SymbolHalted
	TradingHalted
	NumVerdicts
)
