package gateway

import (
	"sync"
	"testing"
)

// run never waits for a worker: jobs that block each other all start.
func TestWorkersRunEveryJobAtOnce(t *testing.T) {
	w := newWorkers()
	defer w.stop()
	const n = 100
	var started, done sync.WaitGroup
	release := make(chan struct{})
	started.Add(n)
	done.Add(n)
	for range n {
		w.run(func() {
			started.Done()
			<-release
			done.Done()
		})
	}
	started.Wait() // all n running together
	close(release)
	done.Wait()
	// Idle workers take the next jobs.
	done.Add(n)
	for range n {
		w.run(done.Done)
	}
	done.Wait()
}
