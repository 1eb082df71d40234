package bus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mts-krx/mts/matching"
)

// The wire format is drawn in doc.go.

// WireVersion starts every request.
const WireVersion = 1

// Request kinds.
const (
	kindCommand = 1
	kindRead    = 2
	kindBatch   = 3
)

// status is the first byte of a reply.
type status uint8

const (
	statusOK             status = 1
	statusBusy           status = 2
	statusUnavailable    status = 3
	statusOutcomeUnknown status = 4
	statusTooLong        status = 5
	statusBadRequest     status = 6
)

// QueryKind says what a read asks for.
type QueryKind uint8

// Query kinds: an order by id or client order id, the open orders, the cash
// balance, the holdings.
const (
	QueryOrder QueryKind = iota + 1
	QueryOpenOrders
	QueryBalance
	QueryPositions
)

// Query is a read for the engine. Account is set by the gateway from the
// authenticated session; the engine answers only about that account.
// After, for QueryOpenOrders only, starts the page after that order.
type Query struct {
	Kind          QueryKind
	Account       string
	Symbol        string
	OrderID       matching.OrderID
	ClientOrderID string
	After         matching.OrderKey
}

// OpenOrdersPage is the most open orders one answer lists; fewer when they
// would not fit in a NATS message. QueryResult.More says whether more
// follow.
const OpenOrdersPage = 1000

// QueryResult is the engine's answer to a Query. Found is false for an
// order that is not the account's (or unknown), and for a balance or
// positions when the account does not exist or risk is off. Orders holds
// the order (QueryOrder, when found) or a page of the open orders; More
// says that open orders after the page's last remain (ask again with After
// its Key).
type QueryResult struct {
	Found     bool
	More      bool
	Orders    []matching.OrderView
	Balance   matching.BalanceView
	Positions []matching.PositionView
}

// errWire is wrapped by every decoding error of this package.
var errWire = errors.New("bus: bad message")

// order view flags. flagClosed says a status byte (the closed order's
// final status) follows the TIF byte; version 1 engines never set it.
const (
	flagOpen      = 1
	flagTriggered = 2
	flagClosed    = 4
)

// read reply flags: found, and (QueryOpenOrders only) more.
const (
	replyFound = 1
	replyMore  = 2
)

// minOrderLen and minPositionLen are the shortest encodings of a view; they
// bound the count a message may claim before anything is allocated.
const (
	minOrderLen    = 14
	minPositionLen = 3
)

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendCommandRequest(dst []byte, c *matching.Command) []byte {
	return matching.AppendCommand(append(dst, WireVersion, kindCommand), c)
}

func appendReadRequest(dst []byte, q *Query) []byte {
	dst = append(dst, WireVersion, kindRead, byte(q.Kind))
	dst = appendStr(dst, q.Account)
	dst = appendStr(dst, q.Symbol)
	dst = binary.AppendUvarint(dst, uint64(q.OrderID))
	dst = appendStr(dst, q.ClientOrderID)
	if q.Kind == QueryOpenOrders && !q.After.IsZero() {
		dst = appendStr(dst, q.After.Symbol)
		dst = binary.AppendUvarint(dst, uint64(q.After.OrderID))
	}
	return dst
}

func queryFits(q *Query) bool {
	return len(q.Account) <= matching.MaxStringLen && len(q.Symbol) <= matching.MaxStringLen &&
		len(q.ClientOrderID) <= matching.MaxStringLen && len(q.After.Symbol) <= matching.MaxStringLen
}

func appendOrderView(dst []byte, v *matching.OrderView) []byte {
	dst = appendStr(dst, v.Account)
	dst = appendStr(dst, v.Symbol)
	dst = binary.AppendUvarint(dst, uint64(v.OrderID))
	dst = appendStr(dst, v.ClientOrderID)
	var flags byte
	if v.Open {
		flags |= flagOpen
	}
	if v.Triggered {
		flags |= flagTriggered
	}
	if v.Status != 0 {
		flags |= flagClosed
	}
	dst = append(dst, flags, byte(v.Side), byte(v.Type), byte(v.TIF))
	if v.Status != 0 {
		dst = append(dst, byte(v.Status))
	}
	for _, n := range [...]int64{int64(v.Price), int64(v.StopPrice), int64(v.Qty), int64(v.CumQty), int64(v.LeavesQty), v.CumValue} {
		dst = binary.AppendVarint(dst, n)
	}
	return dst
}

// appendReadReply encodes an ok answer to a read of kind k.
func appendReadReply(dst []byte, k QueryKind, r *QueryResult) []byte {
	flags := boolByte(r.Found)
	if r.More && k == QueryOpenOrders {
		flags |= replyMore
	}
	dst = append(dst, byte(statusOK), byte(k), flags)
	switch k {
	case QueryOrder, QueryOpenOrders:
		dst = binary.AppendUvarint(dst, uint64(len(r.Orders)))
		for i := range r.Orders {
			dst = appendOrderView(dst, &r.Orders[i])
		}
	case QueryBalance:
		dst = appendStr(dst, r.Balance.Account)
		dst = binary.AppendVarint(dst, r.Balance.Cash)
		dst = binary.AppendVarint(dst, r.Balance.Hold)
	case QueryPositions:
		dst = binary.AppendUvarint(dst, uint64(len(r.Positions)))
		for _, p := range r.Positions {
			dst = appendStr(dst, p.Symbol)
			dst = binary.AppendVarint(dst, int64(p.Qty))
			dst = binary.AppendVarint(dst, int64(p.Hold))
		}
	}
	return dst
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// appendError encodes a reply that is not ok, with a reason for logs.
func appendError(dst []byte, s status, reason string) []byte {
	return append(append(dst, byte(s)), reason...)
}

// request is a decoded request: a command or a query.
type request struct {
	read bool
	cmd  matching.Command
	q    Query
}

// decodeRequest decodes a whole request into r.
func decodeRequest(src []byte, r *request) error {
	if len(src) < 2 || src[0] != WireVersion {
		return fmt.Errorf("%w: request shorter than its header or of an unknown version", errWire)
	}
	switch src[1] {
	case kindCommand:
		r.read = false
		return decodeCommand(src[2:], &r.cmd)
	case kindRead:
		r.read = true
		return decodeQuery(src[2:], &r.q)
	}
	return fmt.Errorf("%w: unknown request kind %d", errWire, src[1])
}

func decodeCommand(src []byte, c *matching.Command) error {
	n, err := matching.DecodeCommand(src, c)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", errWire, err)
	case n != len(src):
		return fmt.Errorf("%w: %d bytes after the command", errWire, len(src)-n)
	case c.Seq != 0 || c.TS != 0:
		return fmt.Errorf("%w: a command arrives unstamped (seq %d, ts %d)", errWire, c.Seq, c.TS)
	}
	return nil
}

func decodeQuery(src []byte, q *Query) error {
	d := reader{src: src}
	q.Kind = QueryKind(d.byte())
	q.Account = d.str()
	q.Symbol = d.str()
	q.OrderID = matching.OrderID(d.uvarint())
	q.ClientOrderID = d.str()
	q.After = matching.OrderKey{}
	if q.Kind == QueryOpenOrders && d.err == nil && d.off < len(d.src) {
		q.After = matching.OrderKey{Symbol: d.str(), OrderID: matching.OrderID(d.uvarint())}
		if d.err == nil && q.After.IsZero() {
			d.fail("a zero cursor, which is sent as none")
		}
	}
	d.end()
	if d.err == nil && (q.Kind < QueryOrder || q.Kind > QueryPositions) {
		d.err = fmt.Errorf("%w: unknown query kind %d", errWire, q.Kind)
	}
	if d.err != nil {
		*q = Query{}
	}
	return d.err
}

// decodeReadReply decodes the payload of an ok reply to a read (after the
// status byte) into r, reusing its slices, and returns the query kind.
func decodeReadReply(src []byte, r *QueryResult) (QueryKind, error) {
	d := reader{src: src}
	k := QueryKind(d.byte())
	flags := d.byte()
	if flags&^(replyFound|replyMore) != 0 || (flags&replyMore != 0 && k != QueryOpenOrders) {
		d.fail(fmt.Sprintf("reply flags %#x for a query of kind %d", flags, k))
	}
	r.Found, r.More = flags&replyFound != 0, flags&replyMore != 0
	r.Orders, r.Positions, r.Balance = r.Orders[:0], r.Positions[:0], matching.BalanceView{}
	switch k {
	case QueryOrder, QueryOpenOrders:
		r.Orders = d.orders(r.Orders)
	case QueryBalance:
		r.Balance = matching.BalanceView{Account: d.str(), Cash: d.varint(), Hold: d.varint()}
	case QueryPositions:
		r.Positions = d.positions(r.Positions)
	default:
		d.fail(fmt.Sprintf("unknown query kind %d", k))
	}
	d.end()
	return k, d.err
}

// reader reads the bus's own encodings. The first error sticks and every
// read after it returns zero, as in matching's codec.
type reader struct {
	src []byte
	off int
	err error
}

func (d *reader) fail(problem string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: offset %d: %s", errWire, d.off, problem)
	}
}

func (d *reader) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.src) {
		d.fail("truncated")
		return 0
	}
	d.off++
	return d.src[d.off-1]
}

func (d *reader) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.src[d.off:])
	switch {
	case n == 0:
		d.fail("truncated")
	case n < 0:
		d.fail("varint overflows 64 bits")
	case n > 1 && d.src[d.off+n-1] == 0:
		d.fail("varint longer than needed")
	default:
		d.off += n
		return v
	}
	return 0
}

// varint reads a zigzag varint; minimality follows from the uvarint's.
func (d *reader) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *reader) str() string {
	n := d.uvarint()
	switch {
	case d.err != nil:
		return ""
	case n > matching.MaxStringLen:
		d.fail(fmt.Sprintf("string of %d bytes, over the limit", n))
		return ""
	case n > uint64(len(d.src)-d.off):
		d.fail("string beyond the input")
		return ""
	}
	s := string(d.src[d.off : d.off+int(n)])
	d.off += int(n)
	return s
}

// count reads an element count and checks it against what the remaining
// bytes could hold.
func (d *reader) count(minLen int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.src)-d.off)/uint64(minLen) {
		d.fail(fmt.Sprintf("%d elements cannot fit in %d bytes", n, len(d.src)-d.off))
		return 0
	}
	return int(n)
}

func (d *reader) end() {
	if d.err == nil && d.off != len(d.src) {
		d.fail(fmt.Sprintf("%d trailing bytes", len(d.src)-d.off))
	}
}

func (d *reader) orders(dst []matching.OrderView) []matching.OrderView {
	n := d.count(minOrderLen)
	for i := 0; i < n && d.err == nil; i++ {
		v := matching.OrderView{Account: d.str(), Symbol: d.str(), OrderID: matching.OrderID(d.uvarint()), ClientOrderID: d.str()}
		flags := d.byte()
		if flags&^(flagOpen|flagTriggered|flagClosed) != 0 {
			d.fail(fmt.Sprintf("unknown order flags %#x", flags))
		}
		v.Open, v.Triggered = flags&flagOpen != 0, flags&flagTriggered != 0
		v.Side, v.Type, v.TIF = matching.Side(d.byte()), matching.OrderType(d.byte()), matching.TIF(d.byte())
		if flags&flagClosed != 0 {
			if v.Status = matching.OrdStatus(d.byte()); v.Status == 0 {
				d.fail("closed order without a status")
			}
		}
		v.Price, v.StopPrice = matching.Price(d.varint()), matching.Price(d.varint())
		v.Qty, v.CumQty, v.LeavesQty = matching.Qty(d.varint()), matching.Qty(d.varint()), matching.Qty(d.varint())
		v.CumValue = d.varint()
		dst = append(dst, v)
	}
	return dst
}

func (d *reader) positions(dst []matching.PositionView) []matching.PositionView {
	n := d.count(minPositionLen)
	for i := 0; i < n && d.err == nil; i++ {
		dst = append(dst, matching.PositionView{Symbol: d.str(), Qty: matching.Qty(d.varint()), Hold: matching.Qty(d.varint())})
	}
	return dst
}

// appendExecHeader starts an execution message of n events.
func appendExecHeader(dst []byte, n int) []byte { return binary.AppendUvarint(dst, uint64(n)) }

// decodeExec decodes an execution message, appending to evs.
func decodeExec(src []byte, evs []matching.Event) ([]matching.Event, error) {
	d := reader{src: src}
	n := d.count(3) // version, kind and a one-byte mask at least
	start := len(evs)
	for i := 0; i < n && d.err == nil; i++ {
		evs = append(evs, matching.Event{})
		k, err := matching.DecodeEvent(src[d.off:], &evs[len(evs)-1])
		if err != nil {
			d.err = fmt.Errorf("%w: event %d: %w", errWire, i, err)
			break
		}
		d.off += k
	}
	d.end()
	if d.err != nil {
		return evs[:start], d.err
	}
	return evs, nil
}

func appendJournal(dst []byte, rec matching.Record) []byte {
	dst = binary.AppendUvarint(dst, rec.Seq)
	dst = binary.AppendVarint(dst, rec.TS)
	return append(dst, rec.Payload...)
}

// PartHeader marks a journal message that carries one part of a record
// too large for one message: "OFFSET/TOTAL", where the part's bytes go in
// the record's payload and the payload's whole length (decimal).
const PartHeader = "Mts-Part"

// partOverhead is the room a part message keeps for its header and its
// seq and ts.
const partOverhead = 256

func formatPart(off, total int) string {
	return strconv.Itoa(off) + "/" + strconv.Itoa(total)
}

// parsePart reads a PartHeader value.
func parsePart(v string) (off, total int, ok bool) {
	a, b, found := strings.Cut(v, "/")
	off, err1 := strconv.Atoi(a)
	total, err2 := strconv.Atoi(b)
	return off, total, found && err1 == nil && err2 == nil && off >= 0 && off < total
}

// journalParts puts records sent in parts back together, for one
// subscriber: parts arrive in order on one subject.
type journalParts struct {
	seq     uint64
	payload []byte // nil: no record under way
}

// add takes one part and returns the whole payload once its last part is
// in. A part that does not continue the record under way (one was lost)
// drops that record: a gap, as a lost message is.
func (j *journalParts) add(seq uint64, off, total int, piece []byte) ([]byte, bool) {
	if off == 0 {
		j.seq, j.payload = seq, make([]byte, 0, min(total, 1<<20))
	}
	if j.payload == nil || seq != j.seq || off != len(j.payload) || off+len(piece) > total {
		j.payload = nil
		return nil, false
	}
	j.payload = append(j.payload, piece...)
	if len(j.payload) < total {
		return nil, false
	}
	whole := j.payload
	j.payload = nil
	return whole, true
}

// decodeJournal splits a journal message; payload aliases src.
func decodeJournal(src []byte) (seq uint64, ts int64, payload []byte, err error) {
	d := reader{src: src}
	seq, ts = d.uvarint(), d.varint()
	if d.err != nil {
		return 0, 0, nil, d.err
	}
	return seq, ts, src[d.off:], nil
}

// appendBatchHeader starts a batch of requests whose replies go to inbox.
func appendBatchHeader(dst []byte, inbox string) []byte {
	return appendStr(append(dst, WireVersion, kindBatch), inbox)
}

// entryOverhead bounds the framing appendEntry adds to a body.
const entryOverhead = 2 * binary.MaxVarintLen64

// appendEntry frames one request or reply of a batch: id, length, body.
func appendEntry(dst []byte, id uint64, body []byte) []byte {
	dst = binary.AppendUvarint(dst, id)
	dst = binary.AppendUvarint(dst, uint64(len(body)))
	return append(dst, body...)
}

// decodeBatchHeader splits a batch request into the replies' inbox and its
// entries; both alias src.
func decodeBatchHeader(src []byte) (inbox, entries []byte, err error) {
	if len(src) < 2 || src[0] != WireVersion || src[1] != kindBatch {
		return nil, nil, fmt.Errorf("%w: not a batch", errWire)
	}
	d := reader{src: src, off: 2}
	n := d.uvarint()
	switch {
	case d.err != nil:
		return nil, nil, d.err
	case n == 0 || n > matching.MaxStringLen || n > uint64(len(src)-d.off):
		return nil, nil, fmt.Errorf("%w: batch inbox of %d bytes", errWire, n)
	}
	return src[d.off : d.off+int(n)], src[d.off+int(n):], nil
}

// nextEntry splits the first entry off a batch's entries; body aliases src.
func nextEntry(src []byte) (id uint64, body, rest []byte, err error) {
	d := reader{src: src}
	id = d.uvarint()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(src)-d.off) {
		d.fail("entry beyond the input")
	}
	if d.err != nil {
		return 0, nil, nil, d.err
	}
	end := d.off + int(n)
	return id, src[d.off:end], src[end:], nil
}

// checkEntries reports whether entries frame cleanly from start to end, so
// that a batch is either refused whole, before any of it is applied, or
// read entry by entry.
func checkEntries(entries []byte) error {
	for len(entries) > 0 {
		var err error
		if _, _, entries, err = nextEntry(entries); err != nil {
			return err
		}
	}
	return nil
}
