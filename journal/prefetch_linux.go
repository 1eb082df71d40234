//go:build linux

package journal

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// prefetchTableFooters asks the kernel to start reading the end of every
// Badger table file in dir, all at once, before Badger opens them.
//
// Badger's Open reads each table's index and last block, both at the end
// of its file, three tables at a time. With the journal in the page cache
// that is quick; after a reboot it is one or two disk round trips a table,
// and a journal of ten million records has hundreds of tables: most of a
// cold restart from a snapshot. FADV_WILLNEED only queues the reads, so
// they all go to the disk together and Badger then finds them cached. It
// is a hint: errors are ignored, and nothing is read that Open would not.
func prefetchTableFooters(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sst") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		size := info.Size()
		n := min(size, tableFooterBytes(size))
		_ = unix.Fadvise(int(f.Fd()), size-n, n, unix.FADV_WILLNEED)
		f.Close()
	}
}

// tableFooterBytes is how much of the end of a table of size bytes holds its
// index and last block. Without bloom filters or compression Badger's index
// is one entry (a key of about 17 bytes and two offsets) per 4 KiB block,
// under 1/64 of the table; 64 KiB more covers the last block and footer.
func tableFooterBytes(size int64) int64 { return size/64 + 64<<10 }
