package gateway

import (
	"testing"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// TestReasonsRegistered keeps api's code table and the engine's reason table
// in step: every reason the engine can produce has an api code with the same
// text, and every engine-class api code is a reason the engine knows.
func TestReasonsRegistered(t *testing.T) {
	engine := map[api.Code]bool{}
	for _, r := range matching.Reasons() {
		c := api.Code(r.Code())
		engine[c] = true
		switch {
		case !c.Registered():
			t.Errorf("matching reason %d %s is not registered in api", r, c)
		case c.Class() == api.ClassProtocol:
			t.Errorf("matching reason %s is a protocol code in api, want reject or cancel", c)
		case c.Text() != r.Text():
			t.Errorf("%s: api text %q, matching text %q", c, c.Text(), r.Text())
		}
	}
	for _, c := range api.Codes() {
		if c.Class() != api.ClassProtocol && !engine[c] {
			t.Errorf("api code %s (class %s) is no matching reason", c, c.Class())
		}
	}
}

func TestMethodsMatchCommandKinds(t *testing.T) {
	for kind, method := range map[matching.CommandKind]string{
		matching.CmdPlace:  api.MethodPlace,
		matching.CmdAmend:  api.MethodAmend,
		matching.CmdCancel: api.MethodCancel,
	} {
		if kind.String() != method {
			t.Errorf("CommandKind %d is %q on the wire, api says %q", kind, kind.String(), method)
		}
	}
}
