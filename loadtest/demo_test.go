package loadtest

import (
	"context"
	"testing"
	"time"
)

// The demo traders send only orders the engine would take, and use amends
// and cancels as well as places.
func TestDemoSendsValidOrders(t *testing.T) {
	f := newFakeGateway(t, testInstruments)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	err := Demo(ctx, DemoConfig{
		URL: f.url(), Makers: []string{"M1", "M2"}, Takers: []string{"T1"}, Token: testToken,
		Instruments: testInstruments, Rate: 1000, Seed: 7, Logf: t.Logf,
	})
	if err != nil {
		t.Fatalf("Demo: %v", err)
	}
	places, cancels, amends, invalid := f.stats()
	if len(invalid) > 0 {
		t.Errorf("%d invalid requests, first: %s", len(invalid), invalid[0])
	}
	if places < 50 || amends == 0 || cancels == 0 {
		t.Errorf("places %d, amends %d, cancels %d; want a busy mix of all three", places, amends, cancels)
	}
}

func TestDemoNeedsTraders(t *testing.T) {
	if err := Demo(context.Background(), DemoConfig{URL: "ws://x", Token: testToken}); err == nil {
		t.Error("Demo without traders or instruments: no error")
	}
}
