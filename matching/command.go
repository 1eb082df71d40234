package matching

// CommandKind says what a Command asks for. Values are part of the journal
// format: never renumber, only append.
type CommandKind uint8

// Command kinds.
const (
	CmdPlace        CommandKind = 1  // enter a new order
	CmdAmend        CommandKind = 2  // change price and/or lower quantity (정정)
	CmdCancel       CommandKind = 3  // cancel all or part of an order (취소)
	CmdOpenAccount  CommandKind = 4  // back office: create an account (optionally in a group)
	CmdDeposit      CommandKind = 5  // back office: add cash
	CmdWithdraw     CommandKind = 6  // back office: take cash out
	CmdCreditShares CommandKind = 7  // back office: add shares (transfer in)
	CmdDebitShares  CommandKind = 8  // back office: remove shares (transfer out)
	CmdKillSwitch   CommandKind = 9  // operator: switch a kill switch on or off
	CmdCancelAll    CommandKind = 10 // cancel every open order of an account (in one symbol, or all)
	CmdSetPhase     CommandKind = 11 // scheduler / operator: set the trading phase of a symbol, or of all
	CmdNewDay       CommandKind = 12 // scheduler / operator: roll every symbol over to the next trading day
	CmdMarketPhase  CommandKind = 13 // scheduler: record the market's phase, once every symbol has been moved
)

var commandKindNames = [...]string{
	CmdPlace: "order.place", CmdAmend: "order.amend", CmdCancel: "order.cancel",
	CmdOpenAccount: "account.open", CmdDeposit: "account.deposit", CmdWithdraw: "account.withdraw",
	CmdCreditShares: "account.creditShares", CmdDebitShares: "account.debitShares",
	CmdKillSwitch: "admin.killSwitch", CmdCancelAll: "order.cancelAll",
	CmdSetPhase: "admin.setPhase", CmdNewDay: "admin.newDay", CmdMarketPhase: "admin.marketPhase",
}

// ParseCommandKind parses a wire method name such as "order.place".
func ParseCommandKind(s string) (CommandKind, bool) {
	i, ok := lookup(commandKindNames[:], s)
	return CommandKind(i), ok
}

// KillScope is what a kill switch covers.
type KillScope uint8

// Kill switch scopes. Values are part of the journal format.
const (
	KillAccount KillScope = 1 // one account: its orders canceled, new ones refused
	KillSymbol  KillScope = 2 // one instrument: a trading halt
	KillGlobal  KillScope = 3 // everything
)

var killScopeNames = [...]string{KillAccount: "account", KillSymbol: "symbol", KillGlobal: "global"}

func (k KillScope) String() string { return name(killScopeNames[:], int(k)) }

// ParseKillScope parses "account", "symbol" or "global".
func ParseKillScope(s string) (KillScope, bool) {
	i, ok := lookup(killScopeNames[:], s)
	return KillScope(i), ok
}

// String returns the wire method name, e.g. "order.place".
func (k CommandKind) String() string { return name(commandKindNames[:], int(k)) }

// Command is one instruction to the engine, as journaled. The loop stamps Seq
// and TS; everything else comes from the client (through the gateway) or an
// operator. Which fields matter depends on Kind:
//
//	CmdPlace:  Account, Symbol, ClientOrderID, Side, Type, TIF, Price, StopPrice, Qty, STP
//	CmdAmend:  Account, Symbol, OrderID or OrigClientOrderID, Price (0 = keep),
//	           Qty (new total order quantity, 0 = keep; FIX OrderQty semantics)
//	CmdCancel: Account, Symbol, OrderID or OrigClientOrderID,
//	           Qty (quantity to cancel, 0 = all that is left)
//	CmdOpenAccount:  Account, Group (optional), RequestID
//	CmdDeposit, CmdWithdraw: Account, Amount (KRW), RequestID, Text
//	CmdCreditShares, CmdDebitShares: Account, Symbol, Qty, RequestID, Text
//	CmdCancelAll: Account, Symbol ("" = every symbol)
//	CmdKillSwitch:   Scope, Account (account scope) or Symbol (symbol
//	                 scope), Active (on or off), Text
//	CmdSetPhase:     Symbol ("" = every symbol), Phase, Text
//	CmdNewDay:       Phase (the phase the day starts in; 0 = closed),
//	                 Amount (the day's VI seed), Text
//	CmdMarketPhase:  Phase, Text
//
// Back-office commands are idempotent by RequestID per account.
// When both OrderID and OrigClientOrderID are set, OrderID wins.
type Command struct {
	Kind CommandKind
	Seq  uint64 // dense, from 1; the engine panics on a gap
	TS   int64  // Unix nanoseconds; the engine's only notion of time

	Account           string
	Symbol            string
	ClientOrderID     string // place: unique per account per trading day ("" = untracked)
	OrderID           OrderID
	OrigClientOrderID string

	Side      Side
	Type      OrderType
	TIF       TIF
	Price     Price
	StopPrice Price
	Qty       Qty
	STP       STPMode
	Confirm   bool // the customer confirmed a warning-tier order (fat finger, duplicate)

	RequestID string    // back office: idempotency key
	Text      string    // back office / operator: reason, for the record
	Group     string    // CmdOpenAccount: self-match prevention group
	Amount    int64     // CmdDeposit / CmdWithdraw: KRW
	Scope     KillScope // CmdKillSwitch
	Active    bool      // CmdKillSwitch: on (true) or off
	Phase     Phase     // CmdSetPhase: the phase to enter
}
