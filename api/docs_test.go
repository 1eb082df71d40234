package api

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestProtocolDocListsEveryCode keeps docs/protocol.md's error table in
// step with the registry: every code, with its status.
func TestProtocolDocListsEveryCode(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Codes() {
		row := "\n| `" + string(c) + "` | "
		_, rest, ok := strings.Cut(string(doc), row)
		if !ok {
			t.Errorf("docs/protocol.md has no row for %s", c)
			continue
		}
		status, _, _ := strings.Cut(rest, " |")
		if status != strconv.Itoa(c.Status()) {
			t.Errorf("docs/protocol.md gives %s status %s, the registry %d", c, status, c.Status())
		}
	}
}
