package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// validJSON must answer exactly as json.Valid does.
//
//	go test ./api -run '^$' -fuzz FuzzValidJSON -fuzztime 1m

var validSeeds = []string{
	fastReply, ``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `-`, `01`, `1.`, `1.5e`, `1e+5`, `1E-05`, `.5`, `+1`,
	`true`, `tru`, `nul`, `null `, ` null`, `nullx`, `[1,]`, `[,1]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`, `{"a":}`,
	`"\u00e9\n\t\"\\\/"`, `"\u00G0"`, `"\x"`, "\"\x01\"", "\"\xff\xfe\"", `"é"`, `[[[[]]]]`, `{"a":[{"b":{}}]}`,
	`[1 2]`, `"abc`, `{"a":"b"`, "\t\r\n[ 1 , { \"x\" : null } ]\n", `1 2`, `"\ud800"`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range append(validSeeds, fastEnvelopeSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", data, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	data := []byte(fastStreamSeeds[0])
	b.Run("validJSON", func(b *testing.B) {
		for b.Loop() {
			validJSON(data)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid(data)
		}
	})
}
