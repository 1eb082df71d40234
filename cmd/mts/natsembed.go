package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// natsReadyTimeout bounds how long the embedded NATS server may take to
// start listening.
const natsReadyTimeout = 10 * time.Second

// startEmbeddedNATS starts the real nats-server in this process. listen is
// the TCP address other processes (gateways, `mts journal tail`'s peers)
// join on, "127.0.0.1:4222" by default; "" keeps it in-process only (no
// TCP port, for tests and single-process use where nothing else joins).
func startEmbeddedNATS(listen string, log *slog.Logger) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "mts",
		NoSigs:     true, // signals belong to mts: it shuts NATS down last, in order
		NoLog:      true,
		// Commands and market data are small, but a batch of execution
		// reports or a book snapshot may not be: keep NATS's default 1 MiB.
		MaxPayload: 1 << 20,
	}
	if listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := splitHostPort(listen)
		if err != nil {
			return nil, fmt.Errorf("--nats-listen %q: %w", listen, err)
		}
		opts.Host, opts.Port = host, port
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(natsReadyTimeout) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded NATS did not start listening on %s within %v (port in use?)", listen, natsReadyTimeout)
	}
	if listen != "" {
		log.Info("embedded NATS listening", "url", ns.ClientURL())
	}
	return ns, nil
}

// splitHostPort parses "host:port"; port 0 or -1 picks a free port.
func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < -1 || port > 65535 {
		return "", 0, errors.New("bad port")
	}
	if port == 0 {
		port = -1 // nats-server's "random port"
	}
	return host, port, nil
}

// connectNATS connects a named client: in-process to the embedded server
// when ns is set (no TCP hop), else to url. It reconnects forever: a
// gateway that loses NATS answers OUTCOME_UNKNOWN meanwhile, and comes back
// when NATS does.
func connectNATS(ns *server.Server, url, name string, log *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		// Market data and reports are bursty; a larger pending buffer
		// lets a burst through before a subscriber counts as slow.
		nats.ReconnectBufSize(8 << 20),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected", "client", name, "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("NATS reconnected", "client", name, "url", c.ConnectedUrl()) }),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			subj := ""
			if s != nil {
				subj = s.Subject
			}
			log.Warn("NATS error", "client", name, "subject", subj, "err", err)
		}),
	}
	if ns != nil {
		opts = append(opts, nats.InProcessServer(ns))
		url = ns.ClientURL()
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	return nc, nil
}
