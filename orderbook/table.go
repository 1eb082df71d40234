package orderbook

// table is an open-addressing hash table from an integer key (an OrderID or
// a Price) to a pointer, used for the order index and each side's price map.
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
// Nothing iterates over a table, so its order never decides anything.
type table[K ~int64 | ~uint64, V any] struct {
	slots []tableSlot[K, V]
	shift uint // 64 - log2(len(slots))
	n     int
}

type tableSlot[K ~int64 | ~uint64, V any] struct {
	key K
	val *V
}

const (
	tableMinSlots = 16
	fibonacci     = 0x9e3779b97f4a7c15 // 2^64 / golden ratio
)

// home is the slot a key's probe run starts at.
func (t *table[K, V]) home(k K) uint64 { return (uint64(k) * fibonacci) >> t.shift }

func (t *table[K, V]) mask() uint64 { return uint64(len(t.slots) - 1) }

// len returns the number of keys stored.
func (t *table[K, V]) len() int { return t.n }

// get returns the value stored under k, or nil.
func (t *table[K, V]) get(k K) *V {
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

// put stores v (not nil) under k, replacing any value stored there.
func (t *table[K, V]) put(k K, v *V) {
	if s, found := t.slot(k); found {
		s.val = v
	} else {
		s.key, s.val = k, v
		t.n++
	}
}

// insert stores v (not nil) under k unless k is already stored, and
// reports whether it did: a duplicate check and a put in one probe run.
func (t *table[K, V]) insert(k K, v *V) bool {
	s, found := t.slot(k)
	if !found {
		s.key, s.val = k, v
		t.n++
	}
	return !found
}

// slot returns k's slot and true, or the empty slot where k goes and false
// (growing the table first if one more key would fill it past half).
func (t *table[K, V]) slot(k K) (*tableSlot[K, V], bool) {
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

// del removes k, if stored, and closes the gap it leaves in its probe run.
func (t *table[K, V]) del(k K) {
	if t.n == 0 {
		return
	}
	m := t.mask()
	i := t.home(k)
	for ; t.slots[i].key != k || t.slots[i].val == nil; i = (i + 1) & m {
		if t.slots[i].val == nil {
			return // not stored
		}
	}
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
	t.slots[i] = tableSlot[K, V]{}
}

// grow doubles the slot array (or makes the first one) and rehashes.
func (t *table[K, V]) grow() {
	old := t.slots
	size := max(2*len(old), tableMinSlots)
	t.slots = make([]tableSlot[K, V], size)
	t.shift = uint(64 - log2(size))
	t.n = 0
	for _, s := range old {
		if s.val != nil {
			t.put(s.key, s.val)
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
