package inttable

// Table is an open-addressing hash table from an integer key (an order id
// or a price) to a pointer: the order book's index and price maps, and the
// engine's per-account index of resting orders. The zero Table is empty and
// ready to use.
//
// It replaces Go maps on the hot path: every command probes these tables
// several times, and a Go map probe (hashing through the runtime, control
// words, a call that is never inlined) cost a third of a command in
// profiles. Here a probe is a multiply, a shift and, nearly always, one
// 16-byte slot.
//
// Layout: a power-of-two array of (key, pointer) slots, linear probing from
// the key's home slot, a nil pointer marking an empty slot (so every key,
// zero included, can be stored). Fibonacci hashing (multiply by 2^64/φ, keep
// the top bits) spreads both dense order ids and prices on a tick grid
// evenly. Deletion shifts later entries of the probe run back (Knuth's
// algorithm R) instead of leaving tombstones, so lookups never slow down
// with churn. The table grows by doubling at half full and never shrinks:
// in steady state it allocates nothing.
//
// All walks the keys in slot order: deterministic (the same operations give
// the same layout) but meaningless, so callers sort what they collect.
type Table[K ~int64 | ~uint64, V any] struct {
	slots []slot[K, V]
	shift uint // 64 - log2(len(slots))
	n     int
}

type slot[K ~int64 | ~uint64, V any] struct {
	key K
	val *V
}

const (
	tableMinSlots = 16
	fibonacci     = 0x9e3779b97f4a7c15 // 2^64 / golden ratio
)

// home is the slot a key's probe run starts at.
func (t *Table[K, V]) home(k K) uint64 { return (uint64(k) * fibonacci) >> t.shift }

func (t *Table[K, V]) mask() uint64 { return uint64(len(t.slots) - 1) }

// Len returns the number of keys stored.
func (t *Table[K, V]) Len() int { return t.n }

// Get returns the value stored under k, or nil.
func (t *Table[K, V]) Get(k K) *V {
	if t.n == 0 {
		return nil
	}
	m := t.mask()
	for i := t.home(k); ; i = (i + 1) & m {
		s := &t.slots[i]
		if s.val == nil || s.key == k {
			return s.val
		}
	}
}

// Put stores v (not nil) under k, replacing any value stored there.
func (t *Table[K, V]) Put(k K, v *V) {
	if s, found := t.find(k); found {
		s.val = v
	} else {
		s.key, s.val = k, v
		t.n++
	}
}

// Insert stores v (not nil) under k unless k is already stored, and
// reports whether it did: a duplicate check and a put in one probe run.
func (t *Table[K, V]) Insert(k K, v *V) bool {
	s, found := t.find(k)
	if !found {
		s.key, s.val = k, v
		t.n++
	}
	return !found
}

// find returns k's slot and true, or the empty slot where k goes and false
// (growing the table first if one more key would fill it past half).
func (t *Table[K, V]) find(k K) (*slot[K, V], bool) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	m := t.mask()
	for i := t.home(k); ; i = (i + 1) & m {
		s := &t.slots[i]
		if s.val == nil {
			return s, false
		}
		if s.key == k {
			return s, true
		}
	}
}

// Del removes k, if stored, and closes the gap it leaves in its probe run.
func (t *Table[K, V]) Del(k K) { t.Take(k) }

// Take removes k and returns what was stored under it (nil if nothing was):
// a Get and a Del in one probe run.
func (t *Table[K, V]) Take(k K) *V {
	if t.n == 0 {
		return nil
	}
	m := t.mask()
	i := t.home(k)
	for ; t.slots[i].key != k || t.slots[i].val == nil; i = (i + 1) & m {
		if t.slots[i].val == nil {
			return nil // not stored
		}
	}
	v := t.slots[i].val
	t.n--
	// Walk the rest of the run: an entry whose home is not cyclically in
	// (gap, j] can move back into the gap, which moves the gap to j.
	for j := (i + 1) & m; t.slots[j].val != nil; j = (j + 1) & m {
		h := t.home(t.slots[j].key)
		if (j-h)&m >= (j-i)&m {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = slot[K, V]{}
	return v
}

// All calls fn for each stored key and value until fn returns false. fn
// must not change the table.
func (t *Table[K, V]) All(fn func(K, *V) bool) {
	for i := range t.slots {
		if s := &t.slots[i]; s.val != nil && !fn(s.key, s.val) {
			return
		}
	}
}

// grow doubles the slot array (or makes the first one) and rehashes.
func (t *Table[K, V]) grow() {
	old := t.slots
	size := max(2*len(old), tableMinSlots)
	t.slots = make([]slot[K, V], size)
	t.shift = uint(64 - log2(size))
	t.n = 0
	for _, s := range old {
		if s.val != nil {
			t.Put(s.key, s.val)
		}
	}
}

func log2(n int) int {
	k := 0
	for 1<<k < n {
		k++
	}
	return k
}
