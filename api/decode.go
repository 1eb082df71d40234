package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
)

// DecodeStrict decodes one JSON object from data into v, a pointer to a
// struct, the way the protocol requires: unknown fields, values of the wrong
// JSON type and trailing data are errors. The error is always an *Error with
// a protocol code and a message that names the field:
//
//	not JSON, or trailing data          MALFORMED_JSON
//	not an object                       INVALID_FIELD
//	a field the struct does not have    UNKNOWN_FIELD
//	a JSON number for a Decimal/OrderID INVALID_NUMBER
//	any other wrong JSON type           INVALID_FIELD
//
// Field names match case-insensitively and a repeated field keeps its last
// value (encoding/json's rules); the value the gateway checks is the value
// the engine gets, so neither is a way around a check.
func DecodeStrict(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0:
		return Errorf(MalformedJSON, "empty input, expected a JSON object")
	case data[0] != '{' && !json.Valid(data):
		return Errorf(MalformedJSON, "not valid JSON")
	case data[0] != '{':
		return Errorf(InvalidField, "expected a JSON object, got %s", jsonValueKind(data[0]))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(MalformedJSON, "trailing data after the JSON object at byte %d", dec.InputOffset())
	}
	return nil
}

var (
	decimalType = reflect.TypeFor[Decimal]()
	orderIDType = reflect.TypeFor[OrderID]()
)

func decodeError(err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Errorf(MalformedJSON, "invalid JSON at byte %d: %v", syn.Offset, syn)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return Errorf(MalformedJSON, "unexpected end of JSON")
	case errors.As(err, &typ):
		return typeError(typ)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return Errorf(UnknownField, "unknown field %s", name)
	}
	return Errorf(BadRequest, "%v", err)
}

func typeError(e *json.UnmarshalTypeError) *Error {
	got, _, _ := strings.Cut(e.Value, " ") // "number 1.5" → "number"
	field := e.Field
	if field == "" {
		field = "value"
	}
	if e.Type == decimalType || e.Type == orderIDType {
		return Errorf(InvalidNumber, "%s: must be a string of decimal digits such as \"71000\", not a JSON %s", field, got)
	}
	return Errorf(InvalidField, "%s: must be a JSON %s, not %s", field, goKind(e.Type), got)
}

func goKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	}
	return t.String()
}

func jsonValueKind(first byte) string {
	switch first {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
