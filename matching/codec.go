package matching

// # Binary format, version 1
//
// The journal stores one record per sequence number: the command and every
// event it produced. Gateways also send single commands to the engine, and
// single events can travel on their own, so the codec has three entry points
// over one body encoding:
//
//	record (AppendRecord):
//	+---------+--------------+-------------------+--------------+-----+--------------+
//	| version | command body | count n (uvarint) | event body 1 | ... | event body n |
//	| 1 byte  |              |                   |              |     |              |
//	+---------+--------------+-------------------+--------------+-----+--------------+
//
//	single command (AppendCommand)    single event (AppendEvent)
//	+---------+--------------+        +---------+------------+
//	| version | command body |        | version | event body |
//	+---------+--------------+        +---------+------------+
//
//	body:
//	+--------+----------------+---------------------------------------------+
//	| kind   | mask (uvarint) | one value per set mask bit, in bit order    |
//	| 1 byte | 1..7 bytes     | (absent fields are zero and cost nothing)   |
//	+--------+----------------+---------------------------------------------+
//
// Values are encoded as
//
//	u    uvarint (encoding/binary), unsigned integers
//	s    zigzag varint (encoding/binary), signed integers
//	b    one byte, the uint8 enums
//	str  uvarint length 1..MaxStringLen, then the bytes as they are
//	-    nothing: the bit alone says "same as the record's command" (ref),
//	     or that a bool is true
//
// Command mask, in struct order:
//
//	bit  field              enc     bit  field              enc
//	  0  Seq                u         7  Side               b
//	  1  TS                 s         8  Type               b
//	  2  Account            str       9  TIF                b
//	  3  Symbol             str      10  Price              s
//	  4  ClientOrderID      str      11  StopPrice          s
//	  5  OrderID            u        12  Qty                s
//	  6  OrigClientOrderID  str      13  STP                b
//	 14  Confirm            -  true  18  Amount             s
//	 15  RequestID          str      19  Scope              b
//	 16  Text               str      20  Active             -  true
//	 17  Group              str      21  Phase              b
//
// Event mask, ordered so that common fields take the low bits (a book
// event's mask takes one or two bytes, an execution report's three or four):
//
//	bit  field              enc     bit  field              enc
//	  0  Seq                u  Δ     15  Status             b
//	  1  TS                 s  Δ     16  Type               b
//	  2  Symbol             str      17  TIF                b
//	  3  Symbol             -  ref   18  CumQty             s
//	  4  Side               b        19  LeavesQty          s
//	  5  Price              s        20  CumValue           s
//	  6  Qty                s        21  LastPx             s
//	  7  Count              s        22  LastQty            s
//	  8  Account            str      23  Liquidity          b
//	  9  Account            -  ref   24  TradeID            u
//	 10  OrderID            u        25  MakerOrderID       u
//	 11  ClientOrderID      str      26  MakerAccount       str
//	 12  ClientOrderID      -  ref   27  Reason             u
//	 13  Cmd                b        28  StopPrice          s
//	 14  ExecType           b        29  RefOrderID         u
//	 30  Fee                s        36  SharesHold         s
//	 31  Tax                s        37  RequestID          str
//	 32  Amount             s        38  Text               str
//	 33  Cash               s        39  Scope              b
//	 34  CashHold           s        40  Active             -  true
//	 35  Shares             s        41  Alert              b
//	 42  Phase              b        43  Until              s
//
// Inside a record an event is encoded against the record's command, because
// every event carries its command's Seq and TS and most repeat its Symbol,
// Account or ClientOrderID. Δ: Seq and TS are stored as the difference from
// the command's (wrapping), so the usual event stores neither. ref: a string
// equal to the command's field of the same name sets the ref bit instead of
// repeating the bytes. A single event has no command: it stores Seq and TS
// as they are, and a ref bit is an error.
//
// The encoding is canonical: each struct has exactly one encoding, and
// decoding then encoding gives the input back byte for byte (the fuzz tests
// check this). A decoder therefore rejects, besides truncated input, a zero
// value under a set bit, a varint longer than it needs to be (or longer than
// 64 bits), a string literal where a ref bit belongs or a ref bit with an
// empty command field, both bits of one string, unknown mask bits, an
// unknown version, a Count or Reason out of its type's range, and trailing
// bytes after a record. Enum values are not checked: the codec carries any
// byte, and the engine rejects what it does not know (RejUnknownCommand).
//
// # Compatibility
//
// Old journals must stay readable. Bit numbers, encodings and the meaning of
// an absent field never change within a version; testdata/golden holds the
// bytes of a fixed set of samples and a test fails if they change. A field
// may be appended under the next free mask bit (Command.Phase, Event.Phase
// and Event.Until were, for the trading day's phases): no record written
// before it sets that bit, so every old record decodes as it did, byte for
// byte, and the golden samples gain entries at their end. A build without
// the field rejects records that use it (unknown mask bits), which is the
// right failure for a reader too old for the journal. Changing an existing
// bit's encoding or meaning means CodecVersion+1, a new mask table, and
// keeping the version-1 decoder (and its golden files) for old journals.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// CodecVersion is the version byte that starts every encoding; see the
// format description at the top of codec.go.
const CodecVersion = 1

// MaxStringLen is the longest string the codec carries, in bytes. The
// decoder rejects longer ones, so the gateway must refuse them before they
// become commands; the encoders panic on them rather than write something
// that could never be read back.
const MaxStringLen = 256

// ErrCodec is wrapped by every decoding error.
var ErrCodec = errors.New("matching: bad encoding")

// Command mask bits.
const (
	cmSeq uint64 = 1 << iota
	cmTS
	cmAccount
	cmSymbol
	cmClientOrderID
	cmOrderID
	cmOrigClientOrderID
	cmSide
	cmType
	cmTIF
	cmPrice
	cmStopPrice
	cmQty
	cmSTP
	cmConfirm
	cmRequestID
	cmText
	cmGroup
	cmAmount
	cmScope
	cmActive
	cmPhase
	cmAll uint64 = 1<<iota - 1
)

// Event mask bits. The ...Ref bits mean "same as the record's command".
const (
	evSeq uint64 = 1 << iota
	evTS
	evSymbol
	evSymbolRef
	evSide
	evPrice
	evQty
	evCount
	evAccount
	evAccountRef
	evOrderID
	evClientOrderID
	evClientOrderIDRef
	evCmd
	evExecType
	evStatus
	evType
	evTIF
	evCumQty
	evLeavesQty
	evCumValue
	evLastPx
	evLastQty
	evLiquidity
	evTradeID
	evMakerOrderID
	evMakerAccount
	evReason
	evStopPrice
	evRefOrderID
	evFee
	evTax
	evAmount
	evCash
	evCashHold
	evShares
	evSharesHold
	evRequestID
	evText
	evScope
	evActive
	evAlert
	evPhase
	evUntil
	evAll  uint64 = 1<<iota - 1
	evRefs        = evSymbolRef | evAccountRef | evClientOrderIDRef
)

// minEventLen is the shortest event body (kind and a one-byte mask); it
// bounds the event count a record may claim.
const minEventLen = 2

// noCommand is the base of a single event: Seq and TS are stored as they
// are, and no string equals the command's.
var noCommand Command

// AppendCommand appends the encoding of c to dst and returns the extended
// slice. It allocates only if dst lacks capacity.
func AppendCommand(dst []byte, c *Command) []byte {
	return appendCommandBody(append(dst, CodecVersion), c)
}

// AppendEvent appends the encoding of e to dst and returns the extended
// slice. It allocates only if dst lacks capacity.
func AppendEvent(dst []byte, e *Event) []byte {
	return appendEventBody(append(dst, CodecVersion), e, &noCommand)
}

// AppendRecord appends the journal record of one command and the events it
// produced: the version byte, the command, the event count and the events,
// each encoded against the command. It allocates only if dst lacks capacity.
func AppendRecord(dst []byte, c *Command, evs []Event) []byte {
	dst = appendCommandBody(append(dst, CodecVersion), c)
	dst = binary.AppendUvarint(dst, uint64(len(evs)))
	for i := range evs {
		dst = appendEventBody(dst, &evs[i], c)
	}
	return dst
}

func appendCommandBody(dst []byte, c *Command) []byte {
	m := bitIf(c.Seq != 0, cmSeq) | bitIf(c.TS != 0, cmTS) |
		bitIf(c.Account != "", cmAccount) | bitIf(c.Symbol != "", cmSymbol) |
		bitIf(c.ClientOrderID != "", cmClientOrderID) | bitIf(c.OrderID != 0, cmOrderID) |
		bitIf(c.OrigClientOrderID != "", cmOrigClientOrderID) | bitIf(c.Side != 0, cmSide) |
		bitIf(c.Type != 0, cmType) | bitIf(c.TIF != 0, cmTIF) |
		bitIf(c.Price != 0, cmPrice) | bitIf(c.StopPrice != 0, cmStopPrice) |
		bitIf(c.Qty != 0, cmQty) | bitIf(c.STP != 0, cmSTP) |
		bitIf(c.Confirm, cmConfirm) | bitIf(c.RequestID != "", cmRequestID) |
		bitIf(c.Text != "", cmText) | bitIf(c.Group != "", cmGroup) |
		bitIf(c.Amount != 0, cmAmount) | bitIf(c.Scope != 0, cmScope) | bitIf(c.Active, cmActive) |
		bitIf(c.Phase != 0, cmPhase)
	dst = append(dst, byte(c.Kind))
	dst = binary.AppendUvarint(dst, m)
	// Each append below writes nothing for a zero value, so the values
	// follow the mask without a second round of tests.
	dst = appendU(dst, c.Seq)
	dst = appendS(dst, c.TS)
	dst = appendStr(dst, c.Account, "")
	dst = appendStr(dst, c.Symbol, "")
	dst = appendStr(dst, c.ClientOrderID, "")
	dst = appendU(dst, uint64(c.OrderID))
	dst = appendStr(dst, c.OrigClientOrderID, "")
	dst = appendB(dst, uint8(c.Side))
	dst = appendB(dst, uint8(c.Type))
	dst = appendB(dst, uint8(c.TIF))
	dst = appendS(dst, int64(c.Price))
	dst = appendS(dst, int64(c.StopPrice))
	dst = appendS(dst, int64(c.Qty))
	dst = appendB(dst, uint8(c.STP))
	dst = appendStr(dst, c.RequestID, "")
	dst = appendStr(dst, c.Text, "")
	dst = appendStr(dst, c.Group, "")
	dst = appendS(dst, c.Amount)
	dst = appendB(dst, uint8(c.Scope))
	return appendB(dst, uint8(c.Phase))
}

func appendEventBody(dst []byte, e *Event, base *Command) []byte {
	seq := e.Seq - base.Seq
	ts := e.TS - base.TS
	m := bitIf(seq != 0, evSeq) | bitIf(ts != 0, evTS) |
		strBits(e.Symbol, base.Symbol, evSymbol, evSymbolRef) |
		bitIf(e.Side != 0, evSide) | bitIf(e.Price != 0, evPrice) |
		bitIf(e.Qty != 0, evQty) | bitIf(e.Count != 0, evCount) |
		strBits(e.Account, base.Account, evAccount, evAccountRef) |
		bitIf(e.OrderID != 0, evOrderID) |
		strBits(e.ClientOrderID, base.ClientOrderID, evClientOrderID, evClientOrderIDRef) |
		bitIf(e.Cmd != 0, evCmd) | bitIf(e.ExecType != 0, evExecType) |
		bitIf(e.Status != 0, evStatus) | bitIf(e.Type != 0, evType) |
		bitIf(e.TIF != 0, evTIF) | bitIf(e.CumQty != 0, evCumQty) |
		bitIf(e.LeavesQty != 0, evLeavesQty) | bitIf(e.CumValue != 0, evCumValue) |
		bitIf(e.LastPx != 0, evLastPx) | bitIf(e.LastQty != 0, evLastQty) |
		bitIf(e.Liquidity != 0, evLiquidity) | bitIf(e.TradeID != 0, evTradeID) |
		bitIf(e.MakerOrderID != 0, evMakerOrderID) | bitIf(e.MakerAccount != "", evMakerAccount) |
		bitIf(e.Reason != 0, evReason) | bitIf(e.StopPrice != 0, evStopPrice) |
		bitIf(e.Fee != 0, evFee) | bitIf(e.Tax != 0, evTax) |
		bitIf(e.Scope != 0, evScope) | bitIf(e.Active, evActive) | bitIf(e.Alert != 0, evAlert) |
		bitIf(e.Phase != 0, evPhase)
	x := &noExtra
	if e.Extra != nil {
		x = e.Extra
		m |= bitIf(x.RefOrderID != 0, evRefOrderID) |
			bitIf(x.Amount != 0, evAmount) | bitIf(x.Cash != 0, evCash) | bitIf(x.CashHold != 0, evCashHold) |
			bitIf(x.Shares != 0, evShares) | bitIf(x.SharesHold != 0, evSharesHold) |
			bitIf(x.RequestID != "", evRequestID) | bitIf(x.Text != "", evText) | bitIf(x.Until != 0, evUntil)
	}
	dst = append(dst, byte(e.Kind))
	dst = binary.AppendUvarint(dst, m)
	dst = appendU(dst, seq)
	dst = appendS(dst, ts)
	dst = appendStr(dst, e.Symbol, base.Symbol)
	dst = appendB(dst, uint8(e.Side))
	dst = appendS(dst, int64(e.Price))
	dst = appendS(dst, int64(e.Qty))
	dst = appendS(dst, int64(e.Count))
	dst = appendStr(dst, e.Account, base.Account)
	dst = appendU(dst, uint64(e.OrderID))
	dst = appendStr(dst, e.ClientOrderID, base.ClientOrderID)
	dst = appendB(dst, uint8(e.Cmd))
	dst = appendB(dst, uint8(e.ExecType))
	dst = appendB(dst, uint8(e.Status))
	dst = appendB(dst, uint8(e.Type))
	dst = appendB(dst, uint8(e.TIF))
	dst = appendS(dst, int64(e.CumQty))
	dst = appendS(dst, int64(e.LeavesQty))
	dst = appendS(dst, e.CumValue)
	dst = appendS(dst, int64(e.LastPx))
	dst = appendS(dst, int64(e.LastQty))
	dst = appendB(dst, uint8(e.Liquidity))
	dst = appendU(dst, e.TradeID)
	dst = appendU(dst, uint64(e.MakerOrderID))
	dst = appendStr(dst, e.MakerAccount, "")
	dst = appendU(dst, uint64(e.Reason))
	dst = appendS(dst, int64(e.StopPrice))
	dst = appendU(dst, uint64(x.RefOrderID))
	dst = appendS(dst, e.Fee)
	dst = appendS(dst, e.Tax)
	dst = appendS(dst, x.Amount)
	dst = appendS(dst, x.Cash)
	dst = appendS(dst, x.CashHold)
	dst = appendS(dst, int64(x.Shares))
	dst = appendS(dst, int64(x.SharesHold))
	dst = appendStr(dst, x.RequestID, "")
	dst = appendStr(dst, x.Text, "")
	dst = appendB(dst, uint8(e.Scope))
	dst = appendB(dst, uint8(e.Alert))
	dst = appendB(dst, uint8(e.Phase))
	return appendS(dst, x.Until)
}

// noExtra stands in for a nil Event.Extra while encoding; never written.
var noExtra Extra

func bitIf(cond bool, bit uint64) uint64 {
	if cond {
		return bit
	}
	return 0
}

// strBits returns the mask bit for string s: none when empty, ref when it
// equals the command's, lit otherwise. A single event's base is always "".
func strBits(s, base string, lit, ref uint64) uint64 {
	switch {
	case s == "":
		return 0
	case s == base:
		return ref
	}
	return lit
}

func appendU(dst []byte, v uint64) []byte {
	if v == 0 {
		return dst
	}
	return binary.AppendUvarint(dst, v)
}

func appendS(dst []byte, v int64) []byte {
	if v == 0 {
		return dst
	}
	return binary.AppendVarint(dst, v)
}

func appendB(dst []byte, v uint8) []byte {
	if v == 0 {
		return dst
	}
	return append(dst, v)
}

// appendStr appends s unless it is empty or equal to base (a ref bit).
func appendStr(dst []byte, s, base string) []byte {
	if s == "" || s == base {
		return dst
	}
	if len(s) > MaxStringLen {
		// Only the length goes into the message, so that s does not escape
		// and the encoders stay allocation-free.
		panic(fmt.Sprintf("matching: encoding a %d-byte string, over the codec limit of %d", len(s), MaxStringLen))
	}
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// DecodeCommand decodes one command from the start of src into c and
// returns the number of bytes it used. Bytes after the command are left
// alone. On error c is zeroed and the error wraps ErrCodec.
func DecodeCommand(src []byte, c *Command) (n int, err error) {
	d := decoder{src: src, what: "command", index: -1}
	d.version()
	d.command(c)
	if d.err != nil {
		*c = Command{}
		return 0, d.err
	}
	return d.off, nil
}

// DecodeEvent decodes one event from the start of src into e and returns
// the number of bytes it used. Bytes after the event are left alone. On
// error e is zeroed and the error wraps ErrCodec.
func DecodeEvent(src []byte, e *Event) (n int, err error) {
	d := decoder{src: src, what: "event", index: -1}
	d.version()
	d.event(e, &noCommand, false)
	if d.err != nil {
		*e = Event{}
		return 0, d.err
	}
	return d.off, nil
}

// DecodeRecordCommand decodes only the command of a journal record into c,
// for replays that re-derive the events instead of reading them (recovery
// without verification). It checks the version and the command, not the
// events behind it. On error c is zeroed and the error wraps ErrCodec.
func DecodeRecordCommand(src []byte, c *Command) error {
	return decodeRecordCommand(src, c, nil)
}

// decodeRecordCommand is DecodeRecordCommand taking the names of accounts
// and symbols from t (nil: allocate each).
func decodeRecordCommand(src []byte, c *Command, t *names) error {
	d := decoder{src: src, what: "command", index: -1, names: t}
	d.version()
	d.command(c)
	if d.err != nil {
		*c = Command{}
	}
	return d.err
}

// DecodeRecord decodes a journal record, which must fill src exactly. It
// decodes the command into c, appends the events to evs and returns the
// extended slice. On error c is zeroed, evs is returned at its original
// length and the error wraps ErrCodec.
//
// A record claiming more events than its remaining bytes could hold is
// rejected before anything is appended, and an event is appended only as
// its bytes are read, so a corrupt record costs at most one Event per two
// bytes of input.
func DecodeRecord(src []byte, c *Command, evs []Event) ([]Event, error) {
	return decodeRecord(src, c, evs, nil)
}

// decodeRecord is DecodeRecord taking the names of accounts and symbols
// from t (nil: allocate each).
func decodeRecord(src []byte, c *Command, evs []Event, t *names) ([]Event, error) {
	d := decoder{src: src, what: "record", index: -1, names: t}
	d.version()
	d.what = "command"
	d.command(c)
	d.what = "record"
	count := d.uvarint("event count")
	if d.err == nil && count > uint64(len(src)-d.off)/minEventLen {
		d.fail("event count", d.off, fmt.Sprintf("%d events cannot fit in %d bytes", count, len(src)-d.off))
	}
	start := len(evs)
	d.what = "event"
	for i := 0; d.err == nil && uint64(i) < count; i++ {
		d.index = i
		evs = append(evs, Event{})
		d.event(&evs[len(evs)-1], c, true)
	}
	d.what, d.index = "record", -1
	if d.err == nil && d.off != len(src) {
		d.fail("end", d.off, fmt.Sprintf("%d trailing bytes", len(src)-d.off))
	}
	if d.err != nil {
		*c = Command{}
		return evs[:start], d.err
	}
	return evs, nil
}

// decoder reads one encoding. The first error sticks: every read after it
// returns a zero value, so the field-by-field code needs no error checks,
// and the error names the first bad field and its offset in src.
type decoder struct {
	src   []byte
	off   int
	err   error
	what  string // "command", "event" or "record", for error messages
	index int    // the event's index within a record, or -1
	names *names // where account and symbol strings come from; nil: allocated
}

// names interns the strings that name accounts, symbols and groups. A
// replay decodes millions of commands that name a few thousand accounts and
// a few hundred symbols; with a table each name is allocated once instead of
// once per command, and the engine's map lookups by name then compare equal
// pointers. Client order ids and other per-order strings are not interned:
// nearly every one is new, so a table would only grow.
//
// Two levels: recent, a direct-mapped cache indexed by a hash of the bytes,
// answers most lookups with one comparison; behind it a map holds every
// name seen, up to maxNames (then names it does not hold are allocated as
// without a table). A map lookup alone cost more than the allocation it
// saved once the engine's own maps had crowded it out of the CPU caches.
// Interning changes no value, only where the bytes live, so it cannot
// change what a replay computes.
type names struct {
	recent [recentNames]string
	m      map[string]string
}

const (
	// recentNames is the size of the direct-mapped cache, a power of two:
	// 64 KiB of string headers, a few collisions among a few thousand names.
	recentNames = 1 << 12
	// maxNames bounds the map: at about 100 bytes an entry, a few MiB.
	maxNames = 1 << 16
)

func newNames() *names { return &names{m: make(map[string]string)} }

// intern returns b as a string, the same string for the same bytes while
// the table has room. Neither the comparison with string(b) nor the lookup
// m[string(b)] allocates.
func (t *names) intern(b []byte) string {
	slot := &t.recent[fnv1a(b)&(recentNames-1)]
	if *slot == string(b) {
		return *slot
	}
	s, ok := t.m[string(b)]
	if !ok {
		s = string(b)
		if len(t.m) < maxNames {
			t.m[s] = s
		}
	}
	*slot = s
	return s
}

// fnv1a is the 32-bit FNV-1a hash: a few cycles a byte for short names.
func fnv1a(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

func (d *decoder) fail(field string, off int, problem string) {
	if d.err != nil {
		return
	}
	if d.index >= 0 {
		d.err = fmt.Errorf("%w: %s %d, %s at offset %d: %s", ErrCodec, d.what, d.index, field, off, problem)
		return
	}
	d.err = fmt.Errorf("%w: %s %s at offset %d: %s", ErrCodec, d.what, field, off, problem)
}

// version reads the version byte. Version 1 is the only one so far; a
// later version dispatches here and keeps this decoder for old journals.
func (d *decoder) version() {
	if v := d.raw("version"); d.err == nil && v != CodecVersion {
		d.fail("version", 0, fmt.Sprintf("unknown version %d (this build reads %d)", v, CodecVersion))
	}
}

func (d *decoder) command(c *Command) {
	*c = Command{}
	c.Kind = CommandKind(d.raw("Kind"))
	m := d.mask(cmAll)
	if m&cmSeq != 0 {
		c.Seq = d.u("Seq")
	}
	if m&cmTS != 0 {
		c.TS = d.s("TS")
	}
	if m&cmAccount != 0 {
		c.Account = d.name("Account")
	}
	if m&cmSymbol != 0 {
		c.Symbol = d.name("Symbol")
	}
	if m&cmClientOrderID != 0 {
		c.ClientOrderID = d.str("ClientOrderID")
	}
	if m&cmOrderID != 0 {
		c.OrderID = OrderID(d.u("OrderID"))
	}
	if m&cmOrigClientOrderID != 0 {
		c.OrigClientOrderID = d.str("OrigClientOrderID")
	}
	if m&cmSide != 0 {
		c.Side = Side(d.b("Side"))
	}
	if m&cmType != 0 {
		c.Type = OrderType(d.b("Type"))
	}
	if m&cmTIF != 0 {
		c.TIF = TIF(d.b("TIF"))
	}
	if m&cmPrice != 0 {
		c.Price = Price(d.s("Price"))
	}
	if m&cmStopPrice != 0 {
		c.StopPrice = Price(d.s("StopPrice"))
	}
	if m&cmQty != 0 {
		c.Qty = Qty(d.s("Qty"))
	}
	if m&cmSTP != 0 {
		c.STP = STPMode(d.b("STP"))
	}
	c.Confirm = m&cmConfirm != 0
	if m&cmRequestID != 0 {
		c.RequestID = d.str("RequestID")
	}
	if m&cmText != 0 {
		c.Text = d.str("Text")
	}
	if m&cmGroup != 0 {
		c.Group = d.name("Group")
	}
	if m&cmAmount != 0 {
		c.Amount = d.s("Amount")
	}
	if m&cmScope != 0 {
		c.Scope = KillScope(d.b("Scope"))
	}
	c.Active = m&cmActive != 0
	if m&cmPhase != 0 {
		c.Phase = Phase(d.b("Phase"))
	}
}

// event decodes an event body against base, the record's command (or
// noCommand for a single event, where ref bits are not allowed).
func (d *decoder) event(e *Event, base *Command, inRecord bool) {
	*e = Event{}
	e.Kind = EventKind(d.raw("Kind"))
	allowed := evAll
	if !inRecord {
		allowed &^= evRefs
	}
	m := d.mask(allowed)
	e.Seq, e.TS = base.Seq, base.TS
	if m&evSeq != 0 {
		e.Seq += d.u("Seq")
	}
	if m&evTS != 0 {
		e.TS += d.s("TS")
	}
	e.Symbol = d.refStr("Symbol", m, evSymbol, evSymbolRef, base.Symbol, true)
	if m&evSide != 0 {
		e.Side = Side(d.b("Side"))
	}
	if m&evPrice != 0 {
		e.Price = Price(d.s("Price"))
	}
	if m&evQty != 0 {
		e.Qty = Qty(d.s("Qty"))
	}
	if m&evCount != 0 {
		e.Count = d.int32("Count")
	}
	e.Account = d.refStr("Account", m, evAccount, evAccountRef, base.Account, true)
	if m&evOrderID != 0 {
		e.OrderID = OrderID(d.u("OrderID"))
	}
	e.ClientOrderID = d.refStr("ClientOrderID", m, evClientOrderID, evClientOrderIDRef, base.ClientOrderID, false)
	d.eventReport(e, m)
}

// eventReport decodes the fields from Cmd on, which only execution reports
// and trades use.
func (d *decoder) eventReport(e *Event, m uint64) {
	if m&evCmd != 0 {
		e.Cmd = CommandKind(d.b("Cmd"))
	}
	if m&evExecType != 0 {
		e.ExecType = ExecType(d.b("ExecType"))
	}
	if m&evStatus != 0 {
		e.Status = OrdStatus(d.b("Status"))
	}
	if m&evType != 0 {
		e.Type = OrderType(d.b("Type"))
	}
	if m&evTIF != 0 {
		e.TIF = TIF(d.b("TIF"))
	}
	if m&evCumQty != 0 {
		e.CumQty = Qty(d.s("CumQty"))
	}
	if m&evLeavesQty != 0 {
		e.LeavesQty = Qty(d.s("LeavesQty"))
	}
	if m&evCumValue != 0 {
		e.CumValue = d.s("CumValue")
	}
	if m&evLastPx != 0 {
		e.LastPx = Price(d.s("LastPx"))
	}
	if m&evLastQty != 0 {
		e.LastQty = Qty(d.s("LastQty"))
	}
	if m&evLiquidity != 0 {
		e.Liquidity = Liquidity(d.b("Liquidity"))
	}
	if m&evTradeID != 0 {
		e.TradeID = d.u("TradeID")
	}
	if m&evMakerOrderID != 0 {
		e.MakerOrderID = OrderID(d.u("MakerOrderID"))
	}
	if m&evMakerAccount != 0 {
		e.MakerAccount = d.name("MakerAccount")
	}
	if m&evReason != 0 {
		e.Reason = d.reason("Reason")
	}
	if m&evStopPrice != 0 {
		e.StopPrice = Price(d.s("StopPrice"))
	}
	d.eventAccount(e, m)
}

// eventAccount decodes the fields from RefOrderID on: fees and the
// back-office, kill-switch and alert fields. Field by field, not through a
// table of pointers: taking x's field addresses moves x to the heap, an
// allocation per decoded event (TestCodecAllocs).
func (d *decoder) eventAccount(e *Event, m uint64) {
	var x Extra
	if m&evRefOrderID != 0 {
		x.RefOrderID = OrderID(d.u("RefOrderID"))
	}
	if m&evFee != 0 {
		e.Fee = d.s("Fee")
	}
	if m&evTax != 0 {
		e.Tax = d.s("Tax")
	}
	if m&evAmount != 0 {
		x.Amount = d.s("Amount")
	}
	if m&evCash != 0 {
		x.Cash = d.s("Cash")
	}
	if m&evCashHold != 0 {
		x.CashHold = d.s("CashHold")
	}
	if m&evShares != 0 {
		x.Shares = Qty(d.s("Shares"))
	}
	if m&evSharesHold != 0 {
		x.SharesHold = Qty(d.s("SharesHold"))
	}
	if m&evRequestID != 0 {
		x.RequestID = d.str("RequestID")
	}
	if m&evText != 0 {
		x.Text = d.str("Text")
	}
	if m&evScope != 0 {
		e.Scope = KillScope(d.b("Scope"))
	}
	e.Active = m&evActive != 0
	if m&evAlert != 0 {
		e.Alert = AlertKind(d.b("Alert"))
	}
	if m&evPhase != 0 {
		e.Phase = Phase(d.b("Phase"))
	}
	if m&evUntil != 0 {
		x.Until = d.s("Until")
	}
	e.Extra = newExtra(x)
}

// raw reads one raw byte (a kind or the version), which may be zero.
func (d *decoder) raw(field string) uint8 {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.src) {
		d.fail(field, d.off, "truncated")
		return 0
	}
	d.off++
	return d.src[d.off-1]
}

// uvarint reads a minimal uvarint, which may be zero.
func (d *decoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.src[d.off:])
	switch {
	case n == 0:
		d.fail(field, d.off, "truncated")
		return 0
	case n < 0:
		d.fail(field, d.off, "varint overflows 64 bits")
		return 0
	case n > 1 && d.src[d.off+n-1] == 0:
		d.fail(field, d.off, "varint longer than needed")
		return 0
	}
	d.off += n
	return v
}

// mask reads a presence mask and rejects bits outside allowed.
func (d *decoder) mask(allowed uint64) uint64 {
	off := d.off
	m := d.uvarint("mask")
	if bad := m &^ allowed; bad != 0 {
		d.fail("mask", off, fmt.Sprintf("unknown bits %#x", bad))
		return 0
	}
	return m
}

// u reads a present unsigned field, which is never zero.
func (d *decoder) u(field string) uint64 {
	off := d.off
	v := d.uvarint(field)
	if d.err == nil && v == 0 {
		d.fail(field, off, "zero value under a set mask bit")
	}
	return v
}

// s reads a present signed (zigzag) field.
func (d *decoder) s(field string) int64 {
	u := d.u(field)
	return int64(u>>1) ^ -int64(u&1)
}

// b reads a present one-byte enum.
func (d *decoder) b(field string) uint8 {
	off := d.off
	v := d.raw(field)
	if d.err == nil && v == 0 {
		d.fail(field, off, "zero value under a set mask bit")
	}
	return v
}

func (d *decoder) int32(field string) int32 {
	off := d.off
	v := d.s(field)
	if d.err == nil && (v < math.MinInt32 || v > math.MaxInt32) {
		d.fail(field, off, fmt.Sprintf("%d overflows int32", v))
		return 0
	}
	return int32(v)
}

func (d *decoder) reason(field string) Reason {
	off := d.off
	v := d.u(field)
	if d.err == nil && v > math.MaxUint16 {
		d.fail(field, off, fmt.Sprintf("%d overflows uint16", v))
		return 0
	}
	return Reason(v)
}

// str reads a present string.
func (d *decoder) str(field string) string {
	b := d.strBytes(field)
	if len(b) == 0 {
		return ""
	}
	return string(b)
}

// name reads a present string that names an account, a symbol or a group,
// interned when the decoder has a table.
func (d *decoder) name(field string) string {
	b := d.strBytes(field)
	switch {
	case len(b) == 0:
		return ""
	case d.names == nil:
		return string(b)
	}
	return d.names.intern(b)
}

// strBytes reads a present string's bytes, aliasing src. The length is
// checked against the limit and the input before anything is allocated.
func (d *decoder) strBytes(field string) []byte {
	off := d.off
	n := d.u(field)
	switch {
	case d.err != nil:
		return nil
	case n > MaxStringLen:
		d.fail(field, off, fmt.Sprintf("string length %d over the limit of %d", n, MaxStringLen))
		return nil
	case n > uint64(len(d.src)-d.off):
		d.fail(field, off, fmt.Sprintf("string length %d beyond the input (%d bytes left)", n, len(d.src)-d.off))
		return nil
	}
	b := d.src[d.off : d.off+int(n)]
	d.off += int(n)
	return b
}

// refStr reads a string field that has a literal bit and a ref bit.
// A literal that names an account or a symbol is interned (isName).
func (d *decoder) refStr(field string, m, lit, ref uint64, base string, isName bool) string {
	off := d.off
	switch {
	case m&lit != 0 && m&ref != 0:
		d.fail(field, off, "both literal and ref bits set")
	case m&ref != 0:
		if d.err == nil && base == "" {
			d.fail(field, off, "ref bit set but the command's field is empty")
		}
		return base
	case m&lit != 0:
		var s string
		if isName {
			s = d.name(field)
		} else {
			s = d.str(field)
		}
		if d.err == nil && s == base {
			d.fail(field, off, "literal equal to the command's field (should be a ref)")
		}
		return s
	}
	return ""
}
