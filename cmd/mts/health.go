package main

import (
	"encoding/json"
	"net/http"
)

// Health endpoints. /healthz is liveness: the process answers. /readyz is
// readiness: every part this process runs can do its job right now (the
// engine loop runs and its journal works, NATS is connected, the gateway
// accepts connections); a load balancer stops sending clients to a
// process that is not ready, and an orchestrator restarts one that is not
// live.

// check is one readiness condition: "" when fine, else why not.
type check struct {
	name string
	fn   func() string
}

func healthzHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyzHandler answers 200 with {"ready":true} when every check passes,
// else 503 with the failing checks and why.
func readyzHandler(checks []check) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		failing := map[string]string{}
		for _, c := range checks {
			if why := c.fn(); why != "" {
				failing[c.name] = why
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if len(failing) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]any{"ready": false, "failing": failing})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"ready": true})
	}
}
