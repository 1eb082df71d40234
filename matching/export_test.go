package matching

// CPUNow lets the external benchmarks (package matching_test) read the
// process CPU clock that the internal ones use.
var CPUNow = cpuNow
