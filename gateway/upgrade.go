package gateway

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/mts-krx/mts/api"
)

// serveWS checks an upgrade request (shutdown, query string, origin,
// token, connection limit), answering refusals with an HTTP status and a
// JSON error before any upgrade, then serves the connection on this
// goroutine.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusBadRequest, api.Errorf(api.BadRequest, "expected a WebSocket upgrade"))
		return
	}
	claims, status, err := s.admitUpgrade(r)
	if err != nil {
		writeError(w, status, err)
		return
	}
	if err := s.reserve(); err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	hj := &hijacker{ResponseWriter: w}
	ws, uerr := s.up.Upgrade(hj, r, nil)
	if uerr != nil {
		s.release(nil)
		return
	}
	c := s.newConn(ws, claims)
	c.out = hj.out
	s.register(c)
	defer s.release(c)
	c.run()
}

// admitUpgrade checks everything about the request itself.
func (s *Server) admitUpgrade(r *http.Request) (api.Claims, int, *api.Error) {
	if tokenInQuery(r.URL) {
		return api.Claims{}, http.StatusUnauthorized, api.Errorf(api.Unauthorized, "a token in the query string is refused: send Authorization: Bearer <token> or Sec-WebSocket-Protocol: %s, bearer.<token>", Subprotocol)
	}
	if !s.originAllowed(r) {
		return api.Claims{}, http.StatusForbidden, api.Errorf(api.Forbidden, "origin %q is not allowed", truncate(r.Header.Get("Origin")))
	}
	tok, err := bearer(r)
	switch {
	case err != nil:
		return api.Claims{}, err.Status(), err
	case tok == "":
		return api.Claims{}, 0, nil // anonymous: public data only
	}
	claims, verr := api.VerifyToken(s.cfg.TokenSecret, tok, s.cfg.Clock())
	if verr != nil {
		s.cfg.Logger.Info("gateway: token refused", "remote", r.RemoteAddr, "err", verr)
		return api.Claims{}, http.StatusUnauthorized, api.Errorf(api.Unauthorized, "invalid or expired token")
	}
	return claims, 0, nil
}

// queryTokenKeys are query parameters that would carry a credential.
// Query strings end up in access logs and browser history, so they are
// refused outright rather than ignored.
var queryTokenKeys = []string{"token", "access_token", "jwt", "bearer", "authorization", "auth"}

func tokenInQuery(u *url.URL) bool {
	q := u.Query()
	for k := range q {
		for _, bad := range queryTokenKeys {
			if strings.EqualFold(k, bad) {
				return true
			}
		}
	}
	return false
}

// bearer returns the token of the Authorization header, or else of the
// subprotocols ("bearer.<token>", offered beside Subprotocol, which is the
// one echoed back), or "" for an anonymous connection.
func bearer(r *http.Request) (string, *api.Error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return "", api.Errorf(api.Unauthorized, "Authorization must be \"Bearer <token>\"")
		}
		return strings.TrimSpace(tok), nil
	}
	protos := websocket.Subprotocols(r)
	tok, v1 := "", false
	for _, p := range protos {
		v1 = v1 || p == Subprotocol
		if t, ok := strings.CutPrefix(p, "bearer."); ok {
			tok = t
		}
	}
	if len(protos) > 0 && !v1 {
		return "", api.Errorf(api.BadRequest, "offer the subprotocol %s (with bearer.<token> beside it to authenticate)", Subprotocol)
	}
	return tok, nil
}

// originAllowed applies the origin allow-list. Without Origins it allows
// the request's own host and loopback hosts (development). A request
// without Origin is not from a browser and is allowed.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if len(s.origins) > 0 {
		return s.origins[origin]
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) || u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// writeError answers a refused HTTP request with the protocol's error
// object: {"status":401,"error":{"code":"UNAUTHORIZED","msg":"..."}}.
func writeError(w http.ResponseWriter, status int, err *api.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(api.Reply{Status: status, Error: err})
}
