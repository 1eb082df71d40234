//go:build !linux

package journal

// prefetchTableFooters is a no-op off Linux; see prefetch_linux.go.
func prefetchTableFooters(string) {}
