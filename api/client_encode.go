package api

import "strconv"

// fastRequest writes order.place and order.cancel requests, nearly all of
// a load generator's traffic, without json.Marshal's reflection (twice:
// the params, then the envelope). The bytes are json.Marshal's; a string
// it would escape sends the request through json.Marshal instead
// (FuzzFastRequestEncoding compares the two).
func fastRequest(id uint64, method string, params any) ([]byte, bool) {
	b := make([]byte, 0, 256)
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, id, 10)
	ok := true
	b = str(b, `,"method":`, method, &ok)
	switch p := params.(type) {
	case PlaceParams:
		b = str(b, `,"params":{"symbol":`, p.Symbol, &ok)
		b = str(b, `,"side":`, p.Side, &ok)
		b = str(b, `,"type":`, p.Type, &ok)
		b = omitEmpty(b, `,"price":`, string(p.Price), &ok)
		b = omitEmpty(b, `,"stopPrice":`, string(p.StopPrice), &ok)
		b = str(b, `,"qty":`, string(p.Qty), &ok)
		b = omitEmpty(b, `,"tif":`, p.TIF, &ok)
		b = omitEmpty(b, `,"clientOrderId":`, p.ClientOrderID, &ok)
		b = omitEmpty(b, `,"stp":`, p.STP, &ok)
		if p.Confirm {
			b = append(b, `,"confirm":true`...)
		}
	case CancelParams:
		b = str(b, `,"params":{"symbol":`, p.Symbol, &ok)
		b = omitEmpty(b, `,"orderId":`, string(p.OrderID), &ok)
		b = omitEmpty(b, `,"origClientOrderId":`, p.OrigClientOrderID, &ok)
		b = omitEmpty(b, `,"qty":`, string(p.Qty), &ok)
	default:
		return nil, false
	}
	return append(b, "}}"...), ok
}

func omitEmpty(b []byte, key, v string, ok *bool) []byte {
	if v == "" {
		return b
	}
	return str(b, key, v, ok)
}

// str appends key and v as a JSON string; a v that json.Marshal would
// escape clears ok.
func str(b []byte, key, v string, ok *bool) []byte {
	b = append(b, key...)
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			*ok = false
		}
	}
	b = append(b, v...)
	return append(b, '"')
}
