// Package wire is the small binary encoding shared by the state snapshots of
// the core packages: unsigned and signed varints and length-prefixed strings.
//
// A Reader records the first error and returns zero values after it, so
// decoding code reads straight through and checks Err once at the end. Every
// length is checked against the bytes left before anything is allocated, so a
// corrupt or hostile input cannot make a decoder allocate without bound.
package wire
