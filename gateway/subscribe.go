package gateway

import (
	"slices"

	"github.com/mts-krx/mts/api"
)

// subscribe validates every stream first (one bad name fails the request
// and subscribes nothing), opens what is new, replies, and only then
// attaches, so the reply comes before the streams' first messages.
func subscribe(c *conn, r *call) answer {
	var p api.SubscribeParams
	if err := decodeParams(r.params, &p); err != nil {
		return fail(err)
	}
	if len(p.Streams) == 0 {
		return fail(api.Errorf(api.MissingField, "streams is required"))
	}
	refs, exec, err := c.parseStreams(p.Streams, r)
	if err != nil {
		return fail(err)
	}
	c.subMu.Lock()
	defer c.subMu.Unlock()
	refs = slices.DeleteFunc(refs, func(ref streamRef) bool { _, ok := c.subs[ref.name]; return ok })
	exec = exec && c.exec == nil
	if n := c.subCount() + len(refs) + btoi(exec); n > c.srv.cfg.MaxSubscriptions {
		return fail(api.Errorf(api.TooManySubscriptions, "%d streams: a connection may have %d", n, c.srv.cfg.MaxSubscriptions))
	}
	return c.open(r, refs, exec)
}

// parseStreams parses the names; executions needs a trader's token.
func (c *conn) parseStreams(names []string, r *call) (refs []streamRef, exec bool, err *api.Error) {
	if len(names) > c.srv.cfg.MaxSubscriptions {
		return nil, false, api.Errorf(api.TooManySubscriptions, "%d streams: a connection may have %d", len(names), c.srv.cfg.MaxSubscriptions)
	}
	for _, name := range names {
		if name == StreamExecutions {
			exec = true
			continue
		}
		ref, err := parseStream(name, c.srv.symbols)
		if err != nil {
			return nil, false, err
		}
		if !slices.ContainsFunc(refs, func(o streamRef) bool { return o.name == name }) {
			refs = append(refs, ref)
		}
	}
	if exec {
		err = c.authorize(r.now)
	}
	return refs, exec, err
}

// open opens the feeds and the execution stream (subMu held), and returns
// the reply with the attachment to run after it.
func (c *conn) open(r *call, refs []streamRef, exec bool) answer {
	if c.closed {
		return fail(api.Errorf(api.Unavailable, "the connection is closing"))
	}
	for _, ref := range refs {
		if _, err := c.srv.hub.open(feedKey{ref.symbol, ref.stream}); err != nil {
			return fail(c.srv.backendError(err, false))
		}
	}
	var es *execStream
	if exec {
		var e *api.Error
		if es, e = c.startExec(r); e != nil {
			return fail(e)
		}
		c.exec = es
	}
	if c.subs == nil {
		c.subs = make(map[string]streamRef)
	}
	for _, ref := range refs {
		c.subs[ref.name] = ref
	}
	return answer{result: api.SubscribeResult{Streams: c.streamNames()}, after: func() { c.attach(refs, es) }}
}

// attach joins the feeds, unless the connection unsubscribed or closed
// in the meantime.
func (c *conn) attach(refs []streamRef, es *execStream) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	for _, ref := range refs {
		if _, ok := c.subs[ref.name]; ok && !c.closed {
			if err := c.srv.hub.attach(ref, c.q); err != nil {
				delete(c.subs, ref.name)
			}
		}
	}
	if es != nil && c.exec == es {
		es.start()
	}
}

func unsubscribe(c *conn, r *call) answer {
	var p api.SubscribeParams
	if err := decodeParams(r.params, &p); err != nil {
		return fail(err)
	}
	if len(p.Streams) == 0 {
		return fail(api.Errorf(api.MissingField, "streams is required"))
	}
	var refs []streamRef
	for _, name := range p.Streams {
		if name == StreamExecutions {
			continue
		}
		ref, err := parseStream(name, c.srv.symbols)
		if err != nil {
			return fail(err)
		}
		refs = append(refs, ref)
	}
	c.subMu.Lock()
	defer c.subMu.Unlock()
	for _, ref := range refs {
		if _, ok := c.subs[ref.name]; ok {
			delete(c.subs, ref.name)
			c.srv.hub.detach(ref, c.q)
		}
	}
	if slices.Contains(p.Streams, StreamExecutions) && c.exec != nil {
		c.exec.stop()
		c.exec = nil
	}
	return answer{result: api.SubscribeResult{Streams: c.streamNames()}}
}

// stopStreams ends every subscription when the connection ends.
func (c *conn) stopStreams() {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	c.closed = true
	for _, ref := range c.subs {
		c.srv.hub.detach(ref, c.q)
	}
	c.subs = nil
	if c.exec != nil {
		c.exec.stop()
		c.exec = nil
	}
}

func (c *conn) subCount() int { return len(c.subs) + btoi(c.exec != nil) }

// streamNames lists the subscribed streams, sorted (subMu held).
func (c *conn) streamNames() []string {
	names := make([]string, 0, c.subCount())
	for name := range c.subs {
		names = append(names, name)
	}
	if c.exec != nil {
		names = append(names, StreamExecutions)
	}
	slices.Sort(names)
	return names
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
