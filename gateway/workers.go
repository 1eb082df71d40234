package gateway

import (
	"sync"
	"time"
)

// workers runs request goroutines' work on goroutines that outlive one
// request. A fresh goroutine per request had to grow its stack on every
// order (decoding, the backend call and the reply are deeper than a new
// goroutine's first stack): runtime.newstack was 4% of the server's CPU.
// A worker keeps its grown stack for the next request.
//
// run hands the job to an idle worker if one is waiting (jobs is
// unbuffered: the send succeeds only then) and otherwise starts one, so a
// request never waits for a worker and the number of workers follows the
// number of requests in flight, which MaxInFlight bounds per connection.
// A worker idle for workerIdle ends, and every idle worker ends at stop
// (Shutdown, once no connection is left).
type workers struct {
	jobs     chan func()
	done     chan struct{}
	stopOnce sync.Once
}

// workerIdle is how long an idle worker waits for a job before it ends.
const workerIdle = 10 * time.Second

func newWorkers() *workers { return &workers{jobs: make(chan func()), done: make(chan struct{})} }

func (w *workers) stop() { w.stopOnce.Do(func() { close(w.done) }) }

func (w *workers) run(job func()) {
	select {
	case w.jobs <- job:
	default:
		go w.work(job)
	}
}

func (w *workers) work(job func()) {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		job()
		idle.Reset(workerIdle)
		select {
		case job = <-w.jobs:
		case <-idle.C:
			return
		case <-w.done:
			return
		}
	}
}
