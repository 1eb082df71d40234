package api

// validJSON reports whether data is one valid JSON value, surrounded by
// optional whitespace: exactly json.Valid's answer (valid_test.go fuzzes
// the two against each other), in one plain pass. Every frame a client
// reads is checked before the fast paths read it (they assume valid
// input), and encoding/json's scanner, a function call per byte, was a
// fifth of a busy market-data subscriber's CPU.
func validJSON(data []byte) bool {
	v := validator{data: data}
	i, ok := v.value(v.ws(0), 0)
	return ok && v.ws(i) == len(data)
}

// maxJSONDepth is encoding/json's nesting limit: deeper input is invalid.
const maxJSONDepth = 10000

type validator struct{ data []byte }

func (v *validator) ws(i int) int {
	for i < len(v.data) {
		switch v.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value checks the value starting at i and returns the index after it.
func (v *validator) value(i, depth int) (int, bool) {
	if i >= len(v.data) {
		return i, false
	}
	switch c := v.data[i]; {
	case c == '{':
		return v.object(i+1, depth+1)
	case c == '[':
		return v.array(i+1, depth+1)
	case c == '"':
		return v.str(i + 1)
	case c == '-' || '0' <= c && c <= '9':
		return v.number(i)
	case c == 't':
		return v.literal(i, "true")
	case c == 'f':
		return v.literal(i, "false")
	case c == 'n':
		return v.literal(i, "null")
	}
	return i, false
}

func (v *validator) object(i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	i = v.ws(i)
	if i < len(v.data) && v.data[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(v.data) || v.data[i] != '"' {
			return i, false
		}
		var ok bool
		if i, ok = v.str(i + 1); !ok {
			return i, false
		}
		if i = v.ws(i); i >= len(v.data) || v.data[i] != ':' {
			return i, false
		}
		if i, ok = v.value(v.ws(i+1), depth); !ok {
			return i, false
		}
		if i = v.ws(i); i >= len(v.data) {
			return i, false
		}
		switch v.data[i] {
		case '}':
			return i + 1, true
		case ',':
			i = v.ws(i + 1)
		default:
			return i, false
		}
	}
}

func (v *validator) array(i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	i = v.ws(i)
	if i < len(v.data) && v.data[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = v.value(i, depth); !ok {
			return i, false
		}
		if i = v.ws(i); i >= len(v.data) {
			return i, false
		}
		switch v.data[i] {
		case ']':
			return i + 1, true
		case ',':
			i = v.ws(i + 1)
		default:
			return i, false
		}
	}
}

// str checks a string's body from just after its opening quote.
func (v *validator) str(i int) (int, bool) {
	for i < len(v.data) {
		c := v.data[i]
		switch {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			if i+1 >= len(v.data) {
				return i, false
			}
			switch v.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(v.data) {
					return i, false
				}
				for _, h := range v.data[i+2 : i+6] {
					if !isHex(h) {
						return i, false
					}
				}
				i += 6
			default:
				return i, false
			}
		default:
			i++
		}
	}
	return i, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (v *validator) number(i int) (int, bool) {
	d := v.data
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = v.digits(i)
	default:
		return i, false
	}
	if i < len(d) && d[i] == '.' {
		if i+1 >= len(d) || !isDigit(d[i+1]) {
			return i, false
		}
		i = v.digits(i + 1)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			return i, false
		}
		i = v.digits(i)
	}
	return i, true
}

func (v *validator) digits(i int) int {
	for i < len(v.data) && isDigit(v.data[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (v *validator) literal(i int, lit string) (int, bool) {
	if len(v.data)-i < len(lit) || string(v.data[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}
