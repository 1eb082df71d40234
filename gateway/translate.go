package gateway

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// maxNumberLen bounds a numeric string before it reaches the decimal parser,
// whose cost grows with the input. int64 has 19 digits; the rest is room for
// a sign and a zero fraction ("71000.00").
const maxNumberLen = 40

// DecodeRequest decodes a request envelope {"id","method","params"} strictly.
// The id must be a JSON string or number of at most api.MaxIDLen bytes. The
// returned Request keeps whatever id it could read even on error, so the
// caller can still echo it.
func DecodeRequest(data []byte) (api.Request, error) {
	req, ok := fastRequest(bytes.TrimSpace(data))
	if !ok {
		req = api.Request{}
		if err := api.DecodeStrict(data, &req); err != nil {
			return req, err
		}
	}
	return checkRequest(req)
}

// checkRequest checks what DecodeStrict does not: the id and the method.
func checkRequest(req api.Request) (api.Request, error) {
	if err := checkID(req.ID); err != nil {
		req.ID = nil
		return req, err
	}
	if req.Method == "" {
		return req, api.Errorf(api.MissingField, "method is required")
	}
	return req, nil
}

func checkID(id []byte) *api.Error {
	switch {
	case len(id) == 0 || bytes.Equal(id, []byte("null")):
		return nil
	case len(id) > api.MaxIDLen:
		return api.Errorf(api.InvalidField, "id: longer than %d bytes", api.MaxIDLen)
	case id[0] == '"' || id[0] == '-' || '0' <= id[0] && id[0] <= '9':
		return nil
	}
	return api.Errorf(api.InvalidField, "id: must be a JSON string or number")
}

// DecodeCommand translates one client request into an engine command. The
// account comes from the authenticated session and ts is the receive time in
// Unix nanoseconds; the loop stamps Seq (and may restamp TS).
//
// It checks everything that does not depend on the engine's state: the
// method, the JSON shape of the params, required fields, enum spellings, and
// that every number is a whole positive int64. The error is always an
// *api.Error naming the field; enum and value errors use the engine's reject
// codes (INVALID_SIDE, INVALID_PRICE, ...) so a client sees one code for one
// mistake wherever it is caught. Tick grid, price limits and which order
// types take a price are left to the engine.
func DecodeCommand(method string, params []byte, account string, ts int64) (matching.Command, error) {
	cmd := matching.Command{Account: account, TS: ts}
	var err *api.Error
	switch {
	case method == "":
		err = api.Errorf(api.MissingField, "method is required")
	case method != api.MethodPlace && method != api.MethodAmend && method != api.MethodCancel:
		err = api.Errorf(api.UnknownMethod, "method %q is not one of %s, %s, %s", method, api.MethodPlace, api.MethodAmend, api.MethodCancel)
	case len(bytes.TrimSpace(params)) == 0 || bytes.Equal(bytes.TrimSpace(params), []byte("null")):
		err = api.Errorf(api.MissingField, "params is required")
	case account == "" || len(account) > matching.MaxAccountLen:
		err = api.Errorf(api.InvalidAccount, "account must be 1 to %d bytes", matching.MaxAccountLen)
	case method == api.MethodPlace:
		err = decodePlace(params, &cmd)
	case method == api.MethodAmend:
		err = decodeAmend(params, &cmd)
	default:
		err = decodeCancel(params, &cmd)
	}
	if err != nil {
		return matching.Command{}, err
	}
	return cmd, nil
}

func decodePlace(params []byte, cmd *matching.Command) *api.Error {
	var p api.PlaceParams
	if !fastPlace(params, &p) {
		if err := api.DecodeStrict(params, &p); err != nil {
			return err.(*api.Error)
		}
	}
	cmd.Kind = matching.CmdPlace
	cmd.Symbol, cmd.ClientOrderID, cmd.Confirm = p.Symbol, p.ClientOrderID, p.Confirm
	if err := required("symbol", p.Symbol); err != nil {
		return err
	}
	if err := clientOrderID("clientOrderId", p.ClientOrderID); err != nil {
		return err
	}
	if err := placeEnums(&p, cmd); err != nil {
		return err
	}
	return placeNumbers(&p, cmd)
}

func placeEnums(p *api.PlaceParams, cmd *matching.Command) (err *api.Error) {
	if cmd.Side, err = parseSide(p.Side); err != nil {
		return err
	}
	if cmd.Type, err = parseOrderType(p.Type); err != nil {
		return err
	}
	if cmd.TIF, err = parseTIF(p.TIF); err != nil {
		return err
	}
	cmd.STP, err = parseSTP(p.STP)
	return err
}

func placeNumbers(p *api.PlaceParams, cmd *matching.Command) (err *api.Error) {
	if cmd.Qty, err = requiredQty("qty", p.Qty); err != nil {
		return err
	}
	if cmd.Price, err = optionalPrice("price", p.Price, api.InvalidPrice); err != nil {
		return err
	}
	cmd.StopPrice, err = optionalPrice("stopPrice", p.StopPrice, api.InvalidStopPrice)
	return err
}

func decodeAmend(params []byte, cmd *matching.Command) *api.Error {
	var p api.AmendParams
	if err := api.DecodeStrict(params, &p); err != nil {
		return err.(*api.Error)
	}
	cmd.Kind = matching.CmdAmend
	if err := target(cmd, p.Symbol, p.OrderID, p.OrigClientOrderID); err != nil {
		return err
	}
	if p.Price == "" && p.Qty == "" {
		return api.Errorf(api.MissingField, "price or qty is required: an amend must change something")
	}
	var err *api.Error
	if cmd.Price, err = optionalPrice("price", p.Price, api.InvalidPrice); err != nil {
		return err
	}
	cmd.Qty, err = optionalQty("qty", p.Qty)
	return err
}

func decodeCancel(params []byte, cmd *matching.Command) *api.Error {
	var p api.CancelParams
	if !fastCancel(params, &p) {
		if err := api.DecodeStrict(params, &p); err != nil {
			return err.(*api.Error)
		}
	}
	cmd.Kind = matching.CmdCancel
	if err := target(cmd, p.Symbol, p.OrderID, p.OrigClientOrderID); err != nil {
		return err
	}
	var err *api.Error
	cmd.Qty, err = optionalQty("qty", p.Qty)
	return err
}

// target fills the symbol and the order an amend or cancel names. When both
// ids are given the engine uses the order id.
func target(cmd *matching.Command, symbol string, id api.OrderID, orig string) *api.Error {
	if err := required("symbol", symbol); err != nil {
		return err
	}
	cmd.Symbol = symbol
	if id == "" && orig == "" {
		return api.Errorf(api.MissingField, "orderId or origClientOrderId is required")
	}
	if err := clientOrderID("origClientOrderId", orig); err != nil {
		return err
	}
	cmd.OrigClientOrderID = orig
	if id == "" {
		return nil
	}
	var err *api.Error
	cmd.OrderID, err = parseOrderID("orderId", id)
	return err
}

func required(field, v string) *api.Error {
	if v == "" {
		return api.Errorf(api.MissingField, "%s is required", field)
	}
	return nil
}

func clientOrderID(field, v string) *api.Error {
	if len(v) > matching.MaxClientOrderIDLen {
		return api.Errorf(api.InvalidClientOrderID, "%s: longer than %d bytes", field, matching.MaxClientOrderIDLen)
	}
	return nil
}

func parseSide(s string) (matching.Side, *api.Error) {
	if s == "" {
		return 0, api.Errorf(api.MissingField, "side is required")
	}
	if v, ok := matching.ParseSide(s); ok {
		return v, nil
	}
	return 0, api.Errorf(api.InvalidSide, "side: %q is not buy or sell", s)
}

func parseOrderType(s string) (matching.OrderType, *api.Error) {
	if s == "" {
		return 0, api.Errorf(api.MissingField, "type is required")
	}
	if v, ok := matching.ParseOrderType(s); ok {
		return v, nil
	}
	return 0, api.Errorf(api.InvalidOrderType, "type: %q is not limit, market, best_limit, first_best, stop_limit or conditional_limit", s)
}

func parseTIF(s string) (matching.TIF, *api.Error) {
	if s == "" {
		return matching.Day, nil
	}
	if v, ok := matching.ParseTIF(s); ok {
		return v, nil
	}
	return 0, api.Errorf(api.InvalidTIF, "tif: %q is not day, ioc or fok", s)
}

func parseSTP(s string) (matching.STPMode, *api.Error) {
	if v, ok := matching.ParseSTPMode(s); ok {
		return v, nil
	}
	return 0, api.Errorf(api.InvalidSTPMode, "stp: %q is not cancel_resting, cancel_incoming, cancel_both or decrement", s)
}

func requiredQty(field string, s api.Decimal) (matching.Qty, *api.Error) {
	if s == "" {
		return 0, api.Errorf(api.MissingField, "%s is required", field)
	}
	return optionalQty(field, s)
}

func optionalQty(field string, s api.Decimal) (matching.Qty, *api.Error) {
	v, err := parsePositive(field, s, api.InvalidQuantity)
	return matching.Qty(v), err
}

func optionalPrice(field string, s api.Decimal, code api.Code) (matching.Price, *api.Error) {
	v, err := parsePositive(field, s, code)
	return matching.Price(v), err
}

// parsePositive parses a wire decimal into a positive int64; "" is 0 (the
// field was absent). Syntax, fractions and overflow are INVALID_NUMBER; a
// well-formed value that is zero or negative gets the field's own code.
func parsePositive(field string, s api.Decimal, nonPositive api.Code) (int64, *api.Error) {
	if s == "" {
		return 0, nil
	}
	if v, ok := smallPositive(string(s)); ok {
		return v, nil
	}
	if len(s) > maxNumberLen || !isDecimal(string(s)) {
		return 0, api.Errorf(api.InvalidNumber, "%s: %q is not a decimal number such as \"71000\"", field, truncate(string(s)))
	}
	d, err := decimal.NewFromString(string(s))
	switch {
	case err != nil:
		return 0, api.Errorf(api.InvalidNumber, "%s: %q: %v", field, s, err)
	case !d.IsInteger():
		return 0, api.Errorf(api.InvalidNumber, "%s: %q is not a whole number", field, s)
	case !d.BigInt().IsInt64():
		return 0, api.Errorf(api.InvalidNumber, "%s: %q is out of range", field, s)
	case d.Sign() <= 0:
		return 0, api.Errorf(nonPositive, "%s: must be positive, got %q", field, s)
	}
	return d.IntPart(), nil
}

// isDecimal reports whether s is an optional minus sign, digits, and an
// optional fraction: no plus sign, exponent, spaces or bare dots.
func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	return digits(whole) && (!dot || digits(frac))
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseOrderID parses an order id: 1 to 20 decimal digits, a positive uint64.
func parseOrderID(field string, s api.OrderID) (matching.OrderID, *api.Error) {
	if len(s) > 20 || !digits(string(s)) {
		return 0, api.Errorf(api.InvalidNumber, "%s: %q is not a string of decimal digits", field, truncate(string(s)))
	}
	v, err := strconv.ParseUint(string(s), 10, 64)
	switch {
	case err != nil:
		return 0, api.Errorf(api.InvalidNumber, "%s: %q is out of range", field, s)
	case v == 0:
		return 0, api.Errorf(api.InvalidNumber, "%s: must be positive", field)
	}
	return matching.OrderID(v), nil
}

// truncate shortens a bad value before it is echoed in a message.
func truncate(s string) string {
	if len(s) > maxNumberLen {
		return s[:maxNumberLen] + "..."
	}
	return s
}
