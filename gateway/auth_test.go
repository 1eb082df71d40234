package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mts-krx/mts/api"
)

// refused dials and expects an HTTP refusal with a JSON error body.
func (e *testEnv) refused(url string, h http.Header, status int, code api.Code) {
	e.t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err == nil {
		ws.Close()
		e.t.Fatalf("dial %s %v: upgraded, want %d", url, h, status)
	}
	body, _ := io.ReadAll(resp.Body)
	var rep api.Reply
	json.Unmarshal(body, &rep)
	if resp.StatusCode != status || rep.Error == nil || rep.Error.Code != code {
		e.t.Errorf("dial %v: %d %s, want %d with code %s", h, resp.StatusCode, body, status, code)
	}
}

func TestUpgradeRefusals(t *testing.T) {
	e := newEnv(t, nil)
	expired, _ := api.IssueToken(testSecret, "A1", api.RoleTrader, time.Minute, testNow.Add(-time.Hour))
	forged, _ := api.IssueToken([]byte(strings.Repeat("k", 32)), "A1", api.RoleTrader, time.Hour, testNow)
	good := e.token("A1", api.RoleTrader)
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	e.refused(e.url(), bearer(expired), 401, api.Unauthorized)
	e.refused(e.url(), bearer(forged), 401, api.Unauthorized)
	e.refused(e.url(), bearer("not.a.jwt"), 401, api.Unauthorized)
	e.refused(e.url(), http.Header{"Authorization": {"Basic QTE6eA=="}}, 401, api.Unauthorized)
	e.refused(e.url()+"?token="+good, nil, 401, api.Unauthorized)
	e.refused(e.url()+"?access_token="+good, bearer(good), 401, api.Unauthorized)
	e.refused(e.url(), http.Header{"Sec-WebSocket-Protocol": {"bearer." + good}}, 400, api.BadRequest)
	e.refused(e.url(), http.Header{"Origin": {"https://evil.example"}}, 403, api.Forbidden)
	resp, err := http.Get(e.http.URL + Path)
	if err != nil || resp.StatusCode != 400 {
		t.Errorf("plain GET: %v %v, want 400", resp, err)
	}
}

func TestSubprotocolToken(t *testing.T) {
	e := newEnv(t, nil)
	d := websocket.Dialer{Subprotocols: []string{Subprotocol, "bearer." + e.token("A1", api.RoleTrader)}}
	ws, resp, err := d.Dial(e.url(), http.Header{"Origin": {"http://localhost:3000"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.Close()
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != Subprotocol {
		t.Errorf("echoed protocol %q, want %q (never the token)", got, Subprotocol)
	}
	c := &client{t: t, ws: ws}
	if m := c.call(api.MethodBalance, nil); m.Status != 200 {
		t.Errorf("balance with a subprotocol token: %s", m.raw)
	}
}

func TestOriginAllowList(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Origins = []string{"https://trade.example.com"} })
	e.dial(http.Header{"Origin": {"https://trade.example.com"}})
	e.refused(e.url(), http.Header{"Origin": {"http://localhost:3000"}}, 403, api.Forbidden)
}

func TestAnonymousGetsPublicDataOnly(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(nil)
	for _, method := range []string{api.MethodPlace, api.MethodCancelAll, api.MethodStatus, api.MethodOpenOrders, api.MethodBalance, api.MethodPositions} {
		c.expectError(c.call(method, limitOrder("c1", "buy", "71000", "1")), api.Unauthorized)
	}
	c.expectError(c.call(api.MethodSubscribe, map[string]any{"streams": []string{"executions"}}), api.Unauthorized)
	if m := c.call(api.MethodSubscribe, map[string]any{"streams": []string{"trades.005930"}}); m.Status != 200 {
		t.Errorf("anonymous public subscribe: %s", m.raw)
	}
	if n := len(e.be.commands()) + len(e.be.queries); n != 0 {
		t.Errorf("backend got %d requests from an anonymous client", n)
	}
}

func TestNonTraderRoleForbidden(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(http.Header{"Authorization": {"Bearer " + e.token("ops", api.RoleOperator)}})
	c.expectError(c.call(api.MethodBalance, nil), api.Forbidden)
}

func TestTokenExpiresDuringConnection(t *testing.T) {
	e := newEnv(t, nil)
	c := e.trader("A1")
	e.advance(time.Hour)
	c.expectError(c.call(api.MethodPlace, limitOrder("c1", "buy", "71000", "1")), api.Unauthorized)
	c.alive()
	if n := len(e.be.commands()); n != 0 {
		t.Errorf("backend got %d commands after the token expired", n)
	}
}
