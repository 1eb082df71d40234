package hugepage

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestInteriorStaysInside: the advised range is whole, aligned huge pages
// inside the backing array, and as large as alignment allows.
func TestInteriorStaysInside(t *testing.T) {
	for _, n := range []int{0, 1, Size, 2*Size - 1, 2 * Size, 2*Size + 4097, 7*Size + 12345, 64 << 20} {
		s := make([]byte, 0, n)
		from, to := Interior(s)
		if n < 2*Size {
			if from != 0 || to != 0 {
				t.Errorf("cap %d: advised [%d, %d), want nothing under two huge pages", n, from, to)
			}
			continue
		}
		start := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
		switch {
		case from < 0 || to > n || from >= to:
			t.Errorf("cap %d: advised [%d, %d) is not inside [0, %d)", n, from, to, n)
		case (start+uintptr(from))%Size != 0 || (start+uintptr(to))%Size != 0:
			t.Errorf("cap %d: advised [%d, %d) is not huge-page aligned (array at %#x)", n, from, to, start)
		case from >= Size || n-to >= Size:
			t.Errorf("cap %d: advised [%d, %d) leaves a whole huge page out", n, from, to)
		}
	}
}

// TestAdviseMarksTheMapping reads the kernel's view: after Advise, the
// mapping holding the slice's interior carries the huge-page flag ("hg"
// in /proc/self/smaps), and the bytes just below it, which another object
// may own, do not.
func TestAdviseMarksTheMapping(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	s := make([]uint64, 5*Size/8+123)
	Advise(s)
	from, to := Interior(s)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	if !hugeFlag(t, start+uintptr(from)) || !hugeFlag(t, start+uintptr(to)-1) {
		t.Fatalf("the advised range [%#x, %#x) is not marked hg", start+uintptr(from), start+uintptr(to))
	}
	if from > 0 && hugeFlag(t, start+uintptr(from)-1) {
		t.Errorf("the byte below the advised range (%#x) is marked too", start+uintptr(from)-1)
	}
	for i := range s {
		s[i] = uint64(i) // the slice stays ordinary memory
	}
	if s[len(s)-1] != uint64(len(s)-1) {
		t.Fatal("the slice lost a write")
	}
}

// hugeFlag reports whether the mapping holding addr has MADV_HUGEPAGE set.
func hugeFlag(t *testing.T, addr uintptr) bool {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps: ", err)
	}
	defer f.Close()
	inside := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := mappingRange(line); ok {
			inside = lo <= addr && addr < hi
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && inside {
			return strings.Contains(" "+flags+" ", " hg ")
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return false
}

// mappingRange parses the "lo-hi perms ..." header line of a smaps entry.
func mappingRange(line string) (lo, hi uintptr, ok bool) {
	r, _, found := strings.Cut(line, " ")
	a, b, dash := strings.Cut(r, "-")
	if !found || !dash {
		return 0, 0, false
	}
	l, err1 := strconv.ParseUint(a, 16, 64)
	h, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(l), uintptr(h), true
}
