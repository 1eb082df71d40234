// Package hugepage asks the kernel to back a large, freshly allocated slice
// with transparent huge pages (2 MiB) instead of 4 KiB pages.
//
// Why: the first write to a page the process has not touched yet is a page
// fault, and on a virtual machine a fault can cost microseconds (about 10 µs
// on the project's benchmark VM: 140 ms to first-touch 55 MB). The Go
// runtime does not ask for huge pages for its heap, so with the common
// `transparent_hugepage=madvise` setting a 55 MB slice filled at once costs
// some 13,000 faults; advised, it costs a few dozen. The engine's uncross of
// a large call-auction book is such a slice (see matching's reserve).
//
// # Contract
//
// Advise is advice: it never changes a slice's contents or a program's
// results, it fails silently where the kernel has no transparent huge pages
// (or the platform is not Linux), and it covers only the whole 2 MiB pages
// inside the slice's backing array, so it never touches memory the slice
// does not own. It pays only before the pages are first written: call it
// right after allocating. Use it for large, short-lived, latency-critical
// buffers only; the runtime gives the memory back to the kernel as usual
// once the slice is garbage.
package hugepage
