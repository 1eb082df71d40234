//go:build !linux

package hugepage

// Size is the huge page size Advise would use on Linux.
const Size = 2 << 20

// Advise does nothing where the kernel has no MADV_HUGEPAGE.
func Advise[T any](s []T) {}
