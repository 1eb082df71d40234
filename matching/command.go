package matching

// CommandKind says what a Command asks for. Values are part of the journal
// format: never renumber, only append.
type CommandKind uint8

// Command kinds.
const (
	CmdPlace  CommandKind = 1 // enter a new order
	CmdAmend  CommandKind = 2 // change price and/or lower quantity (정정)
	CmdCancel CommandKind = 3 // cancel all or part of an order (취소)
)

var commandKindNames = [...]string{CmdPlace: "order.place", CmdAmend: "order.amend", CmdCancel: "order.cancel"}

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
//
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
}
