//go:build !linux

package matching

import "time"

var processStart = time.Now()

// cpuNow falls back to wall time where the process CPU clock is not wired up.
func cpuNow() time.Duration { return time.Since(processStart) }

// minorFaults is not counted where getrusage is not wired up.
func minorFaults() int64 { return 0 }
