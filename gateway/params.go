package gateway

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// decodeParams decodes optional params strictly: absent or null params
// leave v at its zero value; anything else must be an object of v's fields.
func decodeParams(params json.RawMessage, v any) *api.Error {
	p := bytes.TrimSpace(params)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return nil
	}
	if err := api.DecodeStrict(p, v); err != nil {
		return err.(*api.Error)
	}
	return nil
}

// statusTarget checks order.status params: exactly one of orderId and
// clientOrderId.
func statusTarget(p *api.StatusParams, q *Query) *api.Error {
	switch {
	case p.OrderID == "" && p.ClientOrderID == "":
		return api.Errorf(api.MissingField, "orderId or clientOrderId is required")
	case p.OrderID != "" && p.ClientOrderID != "":
		return api.Errorf(api.InvalidField, "give orderId or clientOrderId, not both")
	case p.ClientOrderID != "":
		q.ClientOrderID = p.ClientOrderID
		return clientOrderID("clientOrderId", p.ClientOrderID)
	}
	var err *api.Error
	q.OrderID, err = parseOrderID("orderId", p.OrderID)
	return err
}

// openCursor is the cursor orders.open gives as next: the page's last
// order, as "symbol:orderId". Clients send it back as after and need not
// read it.
func openCursor(k matching.OrderKey) string {
	return k.Symbol + ":" + strconv.FormatUint(uint64(k.OrderID), 10)
}

// parseOpenCursor reads orders.open's after ("" is the first page).
func parseOpenCursor(s string) (matching.OrderKey, *api.Error) {
	if s == "" {
		return matching.OrderKey{}, nil
	}
	i := strings.LastIndexByte(s, ':')
	if i > 0 && i <= matching.MaxStringLen {
		if id, err := parseOrderID("after", api.OrderID(s[i+1:])); err == nil {
			return matching.OrderKey{Symbol: s[:i], OrderID: id}, nil
		}
	}
	return matching.OrderKey{}, api.Errorf(api.InvalidField, "after: %q is not a cursor that orders.open gave as next", truncate(s))
}
