package gateway

import (
	"context"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/mts-krx/mts/api"
)

// Server is the WebSocket gateway: an http.Handler that serves the
// endpoint at /ws. Mount it on any mux; it answers other paths 404.
//
// Each connection costs two goroutines (see conn) and a few KiB: the read
// buffer is small, and the write buffers (gorilla's, and batchConn's for
// a batch of frames) come from pools only while a batch is being written,
// so idle connections hold none.
type Server struct {
	cfg      Config
	symbols  map[string]bool
	origins  map[string]bool
	up       websocket.Upgrader
	hub      *hub
	accounts *accountLimits

	// ctx is the parent of every request's context; Shutdown cancels it
	// when its own context runs out.
	ctx       context.Context
	cancel    context.CancelFunc
	deadlines *deadlines // request contexts, children of ctx
	workers   *workers   // run request goroutines' work

	mu      sync.Mutex
	conns   map[*conn]struct{}
	nconns  int // reserved slots: upgrading plus open
	closing bool
	wg      sync.WaitGroup
}

// Path is where the WebSocket endpoint is served.
const Path = "/ws"

// Subprotocol is the protocol a browser names in Sec-WebSocket-Protocol,
// beside its token as "bearer.<token>"; the server echoes only this.
const Subprotocol = "mts.v1"

// Buffer sizes. The read buffer only needs to hold a frame header and a
// control frame: payloads are read through it into a pooled buffer. Writes
// borrow a pooled buffer for the length of one message.
const (
	readBufferSize  = 512
	writeBufferSize = 4096
)

// New returns a Server; it starts nothing until connections arrive.
func New(cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, symbols: set(cfg.Symbols), origins: set(cfg.Origins),
		hub:      newHub(cfg.MarketData, cfg.Metrics, cfg.Logger),
		accounts: newAccountLimits(cfg.AccountRate, cfg.AccountBurst, cfg.AccountIdle),
		conns:    make(map[*conn]struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.deadlines = newDeadlines(s.ctx, cfg.RequestTimeout)
	s.workers = newWorkers()
	s.up = websocket.Upgrader{
		ReadBufferSize: readBufferSize, WriteBufferSize: writeBufferSize,
		WriteBufferPool: &sync.Pool{},
		Subprotocols:    []string{Subprotocol},
		CheckOrigin:     func(*http.Request) bool { return true }, // checked before Upgrade, with a JSON answer
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			writeError(w, status, api.Errorf(api.BadRequest, "%v", reason))
		},
	}
	return s, nil
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// ServeHTTP serves Path; anything else is 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != Path {
		writeError(w, http.StatusNotFound, api.Errorf(api.BadRequest, "no such endpoint: the WebSocket endpoint is %s", Path))
		return
	}
	s.serveWS(w, r)
}

// reserve takes a connection slot, unless the server is closing or full.
func (s *Server) reserve() *api.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return api.Errorf(api.Unavailable, "the server is shutting down")
	case s.nconns >= s.cfg.MaxConns:
		return api.Errorf(api.Unavailable, "connection limit reached")
	}
	s.nconns++
	s.wg.Add(1)
	return nil
}

func (s *Server) release(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c != nil {
		delete(s.conns, c)
		s.cfg.Metrics.Connection(-1)
	}
	s.nconns--
	s.wg.Done()
}

// register adds an upgraded connection; one that arrives during Shutdown
// is told to go away at once.
func (s *Server) register(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c] = struct{}{}
	s.cfg.Metrics.Connection(1)
	if s.closing {
		c.q.close(websocket.CloseGoingAway, goingAway)
	}
}

var goingAway = closeReason(api.Unavailable, "server shutting down; reconnect to another")

// Shutdown stops accepting connections, sends every open one a close frame
// (1001 going away), and waits for them to end. When ctx ends first it
// closes the rest at once and returns ctx's error. The caller shuts down
// its http.Server too: hijacked connections are not the http.Server's.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.q.close(websocket.CloseGoingAway, goingAway)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	defer s.hub.close()
	defer s.workers.stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.cancel()
	for _, c := range conns {
		c.ws.Close()
	}
	<-done
	return ctx.Err()
}
