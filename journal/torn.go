package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// removeTornFiles deletes zero-length value-log and memtable files before
// Badger opens the directory.
//
// Badger (v4.9.6) deletes such a file by truncating it to zero and then
// unlinking it, and creates one before preallocating it. A process killed
// between the two steps leaves an empty .vlog or .mem file behind, which
// Badger's next Open takes for a new file it did not expect and refuses
// ("Create a new file"), so the engine would not restart after a crash at
// that moment — the crash test found it about once in 250–600 SIGKILLs.
// An empty file holds no data and nothing can point into it, so removing
// it loses nothing; the directory is synced so the removal itself survives
// a crash.
func removeTornFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("journal: scanning %s: %w", dir, err)
	}
	removed := false
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".vlog") || strings.HasSuffix(name, ".mem")) {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Size() != 0 {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("journal: removing torn file %s: %w", name, err)
		}
		removed = true
	}
	if removed {
		return syncDir(dir)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
