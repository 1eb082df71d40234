// Package inttable is an open-addressing hash table from integer keys to
// pointers, for hot paths where a Go map probe costs too much (see Table).
//
// # Contract
//
// A Table is plain data, not safe for concurrent use, and allocates only
// when it grows. Its walk (All) is in slot order, which is deterministic
// but meaningless: callers sort what they collect.
package inttable
