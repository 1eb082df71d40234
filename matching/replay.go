package matching

import (
	"errors"
	"fmt"
)

// Pipelined replay: recovery at startup spends its time in three places —
// reading and checking records (Badger, CRC32C, the SHA-256 chain),
// decoding commands, and applying them — and only the last needs the
// engine. So a reader goroutine reads and decodes chunks of commands while
// the caller's goroutine applies the previous chunk: on two cores the two
// halves overlap. Chunks circulate between the goroutines, and account and
// symbol names are interned, so the steady state allocates only the
// commands' per-order strings (client order ids).

// replayChunk is the number of commands handed over at a time: large
// enough that the hand-off costs nothing per command, small enough that
// both goroutines start working at once.
const replayChunk = 1024

type chunk struct {
	cmds []Command
	err  error // the reader's error, ending the stream after cmds
}

// replayPipelined applies every record of log from from on to e, without
// comparing events (the verifying path stays serial: it needs each
// record's events next to the command that made them). It returns the
// number of commands applied.
func replayPipelined(e *Engine, log Log, from uint64) (uint64, error) {
	full := make(chan *chunk, 2)
	free := make(chan *chunk, 3)
	for range 3 {
		free <- &chunk{cmds: make([]Command, 0, replayChunk)}
	}
	stop := make(chan struct{})
	defer close(stop)
	go readChunks(log, from, full, free, stop)
	var applied uint64
	for c := range full {
		for i := range c.cmds {
			cmd := &c.cmds[i]
			if cmd.Seq != e.Seq()+1 {
				return applied, fmt.Errorf("%w: record %d holds command seq %d after engine seq %d", ErrDiverged, cmd.Seq, cmd.Seq, e.Seq())
			}
			e.Apply(cmd)
			applied++
		}
		if c.err != nil {
			return applied, c.err
		}
		free <- c
	}
	return applied, nil
}

// readChunks is the reader goroutine: it fills free chunks with decoded
// commands and sends them on full, closing full at the end of the log. A
// decoding or reading error travels in the last chunk. It gives up when
// stop closes (the applier failed).
func readChunks(log Log, from uint64, full chan<- *chunk, free <-chan *chunk, stop <-chan struct{}) {
	defer close(full)
	var c *chunk
	take := func() bool {
		select {
		case c = <-free:
			c.cmds, c.err = c.cmds[:0], nil
			return true
		case <-stop:
			return false
		}
	}
	if !take() {
		return
	}
	names := newNames()
	err := readFunc(log)(from, func(rec Record) error {
		c.cmds = append(c.cmds, Command{})
		cmd := &c.cmds[len(c.cmds)-1]
		if err := decodeRecordCommand(rec.Payload, cmd, names); err != nil {
			c.cmds = c.cmds[:len(c.cmds)-1]
			return fmt.Errorf("matching: record %d: %w", rec.Seq, err)
		}
		if cmd.Seq != rec.Seq {
			c.cmds = c.cmds[:len(c.cmds)-1]
			return fmt.Errorf("%w: record %d holds command seq %d", ErrDiverged, rec.Seq, cmd.Seq)
		}
		if len(c.cmds) < replayChunk {
			return nil
		}
		if !send(full, c, stop) || !take() {
			return errReplayStopped
		}
		return nil
	})
	if errors.Is(err, errReplayStopped) {
		return
	}
	c.err = err
	send(full, c, stop)
}

// send hands c over unless the applier has stopped.
func send(full chan<- *chunk, c *chunk, stop <-chan struct{}) bool {
	select {
	case full <- c:
		return true
	case <-stop:
		return false
	}
}

var errReplayStopped = errors.New("matching: replay stopped")
