package journal

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The zero Options must be Durable, and the mode must reach Badger.
func TestDurabilityReachesBadger(t *testing.T) {
	for _, tc := range []struct {
		d    Durability
		sync bool
	}{{Durable, true}, {Async, false}} {
		opts := testOptions(t)
		opts.Durability = tc.d
		j := openJournal(t, opts)
		if got := j.db.Opts().SyncWrites; got != tc.sync {
			t.Errorf("%v: Badger SyncWrites = %v, want %v", tc.d, got, tc.sync)
		}
	}
	if (Options{}).Durability != Durable {
		t.Errorf("zero Options: Durability = %v, want durable", Options{}.Durability)
	}
}

// Badger's write-ahead log is a shared memory map, so the kernel's own
// bookkeeping shows whether it was synced: an msync writes the dirty pages
// back and marks them clean. After a Durable Append returns no page of the
// WAL may be dirty; after an Async one the new records' pages still are
// (which also shows the probe can see dirt at all). tmpfs has no writeback,
// and a machine under memory pressure may write pages back early, so the
// test skips when the probe cannot tell the modes apart.
func TestDurableAppendSyncsBeforeReturning(t *testing.T) {
	if !isDiskBacked(t.TempDir()) {
		t.Skip("temp dir is not on a disk file system; msync is not observable")
	}
	dirty := map[Durability]int{}
	for _, d := range []Durability{Async, Durable} {
		opts := testOptions(t)
		opts.Durability = d
		j := openJournal(t, opts)
		appendN(t, j, 50, 50)
		dirty[d] = dirtyWALKiB(t, opts.Dir)
	}
	if dirty[Async] == 0 {
		t.Skip("no dirty WAL pages after an Async append: the kernel wrote them back early")
	}
	if dirty[Durable] != 0 {
		t.Fatalf("dirty WAL after Durable Append: got %d KiB, want 0 (Async left %d KiB)",
			dirty[Durable], dirty[Async])
	}
}

func isDiskBacked(dir string) bool {
	const tmpfsMagic = 0x01021994
	var st syscall.Statfs_t
	return syscall.Statfs(dir, &st) == nil && st.Type != tmpfsMagic
}

// dirtyWALKiB sums the dirty pages of this process's mappings of Badger
// memtable WAL files (*.mem) in dir, from /proc/self/smaps.
func dirtyWALKiB(t *testing.T, dir string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	total, inWAL := 0, false
	for s := bufio.NewScanner(f); s.Scan(); {
		fields := strings.Fields(s.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-"):
			path := fields[len(fields)-1]
			inWAL = strings.HasPrefix(path, dir) && strings.HasSuffix(path, ".mem")
		case inWAL && len(fields) == 3 && (fields[0] == "Shared_Dirty:" || fields[0] == "Private_Dirty:"):
			kib, _ := strconv.Atoi(fields[1])
			total += kib
		}
	}
	return total
}

// A child process appends in Durable mode and prints each seq it has been
// acknowledged; it is killed with SIGKILL mid-stream. Everything it was told
// is durable must be there, verified, and the journal must take appends.
func TestCrashKeepsAcknowledgedRecords(t *testing.T) {
	if dir := os.Getenv("JOURNAL_CRASH_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	dir := filepath.Join(t.TempDir(), "j")
	acked := runAndKill(t, dir, 400)
	j := openJournal(t, Options{Dir: dir, Logger: testOptions(t).Logger})
	if got := j.LastSeq(); got < acked {
		t.Fatalf("LastSeq after SIGKILL: got %d, want at least the %d acknowledged", got, acked)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify after SIGKILL: %v", err)
	}
	checkRecords(t, readAll(t, j, 1), 1, j.LastSeq())
	appendN(t, j, 3, 3)
}

// runAndKill starts the child and kills it once it reports at least want
// acknowledged records; it returns the last seq reported.
func runAndKill(t *testing.T, dir string, want uint64) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsAcknowledgedRecords$")
	cmd.Env = append(os.Environ(), "JOURNAL_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	acks := make(chan uint64)
	go scanAcks(out, acks)
	var last uint64
	timeout := time.After(30 * time.Second)
	for last < want {
		select {
		case seq, ok := <-acks:
			if !ok {
				t.Fatalf("child exited after acknowledging %d records: %v", last, cmd.Wait())
			}
			last = seq
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("child acknowledged %d records in 30s, want %d", last, want)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill child: %v", err)
	}
	cmd.Wait()
	// The child may have printed more acks before dying: they count too.
	for seq := range acks {
		last = seq
	}
	return last
}

func scanAcks(out interface{ Read([]byte) (int, error) }, acks chan<- uint64) {
	defer close(acks)
	for s := bufio.NewScanner(out); s.Scan(); {
		if seq, ok := strings.CutPrefix(s.Text(), "acked "); ok {
			n, _ := strconv.ParseUint(seq, 10, 64)
			acks <- n
		}
	}
}

// crashChild appends batches of 8 until killed, printing each ack. It stops
// by itself after a bounded number, in case the parent is gone.
func crashChild(dir string) {
	j, err := Open(Options{Dir: dir})
	if err != nil {
		os.Exit(3)
	}
	for seq := uint64(1); seq < 1_000_000; seq += 8 {
		if err := j.Append(batch(seq, 8)); err != nil {
			os.Exit(4)
		}
		os.Stdout.WriteString("acked " + strconv.FormatUint(seq+7, 10) + "\n")
	}
	os.Exit(0)
}
