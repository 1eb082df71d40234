//go:build race

package orderbook

// raceEnabled reports whether the test binary was built with -race. The race
// runtime allocates behind the code's back, so allocation counts are only
// meaningful without it (the standard library skips its AllocsPerRun tests
// under -race for the same reason).
const raceEnabled = true
