package gateway

import (
	"context"
	"testing"
	"time"
)

func TestDeadlinesShareASlot(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	d := newDeadlines(parent, 5*time.Second)
	now := time.Now()
	a := d.ctx(now)
	if b := d.ctx(now.Add(d.slot / 2)); b != a {
		t.Errorf("two requests in one slot got different contexts")
	}
	if dl, _ := a.Deadline(); dl.After(now.Add(d.slot / 2).Add(5 * time.Second)) {
		t.Errorf("a request later in the slot has deadline %v, more than the timeout after its start", dl)
	}
	c := d.ctx(now.Add(d.slot))
	if c == a {
		t.Errorf("a request after the slot got the slot's context")
	}
	for at, ctx := range map[time.Time]context.Context{now: a, now.Add(d.slot): c} {
		dl, ok := ctx.Deadline()
		if !ok || dl.After(at.Add(5*time.Second)) || dl.Before(at.Add(5*time.Second-d.slot)) {
			t.Errorf("request at %v: deadline %v, want within one slot (%v) before its start plus the timeout", at, dl, d.slot)
		}
	}
	cancel()
	if a.Err() == nil || c.Err() == nil {
		t.Errorf("canceling the parent left a request context alive")
	}
}
