// Package invariants switches the expensive self-checks of the core packages on
// and off at build time.
//
// Cheap checks (a quantity that would go negative, an id added twice) are always
// on and panic. Whole-structure walks (every level of a book, every order in the
// index) cost more than the operation they check, so they run only in binaries
// built with `-tags invariants`, which CI does for the whole test suite. The
// pattern follows cockroachdb/pebble's internal/invariants.
package invariants
