package journal

import (
	"encoding/binary"
	"hash/crc32"
)

// Snapshot frame layout; doc.go draws it.
const (
	snapVersion = 1
	snapOffSeq  = 1
	snapOffHash = 10 // after the 1-byte hash length at offset 9
	snapFixed   = snapOffHash + 4 + crcSize

	// MaxStateHashBytes bounds the state hash stored with a snapshot; its
	// length is one byte on disk.
	MaxStateHashBytes = 255
	// MaxSnapshotBytes bounds a snapshot's data. Badger refuses a value
	// larger than one value-log file, so this follows valueLogFileBytes.
	MaxSnapshotBytes = valueLogFileBytes - 1<<10
)

// snapshot is a decoded snapshot frame; hash and data alias the input.
type snapshot struct {
	seq  uint64
	hash []byte
	data []byte
}

func encodeSnapshot(seq uint64, hash, data []byte) []byte {
	b := make([]byte, 0, snapFixed+len(hash)+len(data))
	b = append(b, snapVersion)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(b, byte(len(hash)))
	b = append(b, hash...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeSnapshot checks the CRC and then parses the header.
func decodeSnapshot(b []byte) (snapshot, error) {
	if len(b) < snapFixed {
		return snapshot{}, errShort
	}
	if !crcOK(b) {
		return snapshot{}, errCRC
	}
	return parseSnapshotHeader(b)
}

// parseSnapshotHeader splits b into fields without checking the CRC, which
// would mean reading all of a possibly large blob. Snapshots uses it to list.
func parseSnapshotHeader(b []byte) (snapshot, error) {
	if len(b) < snapFixed {
		return snapshot{}, errShort
	}
	if b[0] != snapVersion {
		return snapshot{}, errVersion
	}
	h := int(b[snapOffHash-1])
	if len(b) < snapFixed+h {
		return snapshot{}, errLength
	}
	n := binary.BigEndian.Uint32(b[snapOffHash+h:])
	if uint64(n) != uint64(len(b)-snapFixed-h) {
		return snapshot{}, errLength
	}
	start := snapOffHash + h + 4
	return snapshot{
		seq:  binary.BigEndian.Uint64(b[snapOffSeq:]),
		hash: b[snapOffHash : snapOffHash+h],
		data: b[start : start+int(n)],
	}, nil
}
