package gateway

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// The bundled web page: a read-only live view of one symbol's book, trades
// and ticker, written against the public protocol like any other client
// (an anonymous WebSocket to /ws). It is the quickest way for a newcomer to
// see `mts serve --demo` alive.
//
//go:embed web/index.html
var indexHTML []byte

// PageHandler serves the bundled page at / and the instrument codes it
// offers at /v1/symbols.
func (s *Server) PageHandler() http.Handler {
	symbols, _ := json.Marshal(s.cfg.Symbols)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(indexHTML)
	})
	mux.HandleFunc("GET /v1/symbols", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(symbols)
	})
	return mux
}
