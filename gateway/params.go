package gateway

import (
	"bytes"
	"encoding/json"

	"github.com/mts-krx/mts/api"
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
