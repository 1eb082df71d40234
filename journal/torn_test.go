package journal

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOpenAfterTornFiles is the crash test's finding as a unit test: a kill
// between Badger truncating a file to zero and removing it (or between
// creating and preallocating one) leaves an empty .vlog or .mem file, and
// Badger's Open refused the directory until it was opened a second time.
func TestOpenAfterTornFiles(t *testing.T) {
	for _, name := range []string{"000001.vlog", "00009.mem"} {
		t.Run(name, func(t *testing.T) {
			opts := testOptions(t)
			j := openJournal(t, opts)
			appendN(t, j, 10, 100)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			j = openJournal(t, opts)
			appendN(t, j, 10, 100)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			torn := filepath.Join(opts.Dir, name)
			if err := os.WriteFile(torn, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			j, err := Open(opts)
			if err != nil {
				t.Fatalf("Open with an empty %s: %v, want the journal", name, err)
			}
			defer j.Close()
			if got := j.LastSeq(); got != 20 {
				t.Errorf("LastSeq after reopening = %d, want 20", got)
			}
			if err := j.Verify(); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}
