package hugepage

import (
	"syscall"
	"unsafe"
)

// Size is the transparent huge page size on the platforms Go supports with
// Linux (x86-64, arm64 with 4 KiB base pages).
const Size = 2 << 20

// Advise marks the whole huge pages inside s's backing array (up to its
// capacity) MADV_HUGEPAGE. Slices smaller than two huge pages are left
// alone: they may not contain a whole aligned one, and their faults are few.
func Advise[T any](s []T) {
	from, to := Interior(s)
	if to <= from {
		return
	}
	// The error is ignored on purpose: EINVAL where transparent huge pages
	// are compiled out is "no advice taken", which is what advice allows.
	_ = syscall.Madvise(bytes(s)[from:to], syscall.MADV_HUGEPAGE)
}

// Interior returns the byte offsets, within s's backing array up to its
// capacity, of the whole huge pages Advise would mark: [from, to), empty
// when there are none or s is under two huge pages.
func Interior[T any](s []T) (from, to int) {
	b := bytes(s)
	if len(b) < 2*Size {
		return 0, 0
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	from = int((start+Size-1)&^(Size-1) - start)
	to = int((start+uintptr(len(b)))&^(Size-1) - start)
	return from, to
}

// bytes views s's backing array, up to its capacity, as bytes.
func bytes[T any](s []T) []byte {
	if cap(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), uintptr(cap(s))*unsafe.Sizeof(zero))
}
