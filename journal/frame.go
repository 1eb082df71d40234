package journal

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
)

// Record frame layout; doc.go draws it.
const (
	frameVersion  = 1
	offSeq        = 1
	offTS         = 9
	offLink       = 17
	offLen        = offLink + LinkSize // 33
	frameHeader   = offLen + 4         // 37
	crcSize       = 4
	frameOverhead = frameHeader + crcSize // 41

	// LinkSize is the length of a chain link: the first 16 bytes of the
	// SHA-256 of the previous record's whole frame.
	LinkSize = 16

	// MaxPayloadBytes bounds one record's payload. A record is one command
	// and its events, and some commands have hundreds of thousands: the
	// uncross of a 100,000-order opening auction is a 7 MB record, a
	// market-wide phase change or kill switch can be ten times that. A
	// payload over Badger's value threshold goes to its value log, so the
	// size costs a transaction only a pointer; the bound is half a value
	// log file (valueLogFileBytes), which must hold it whole.
	MaxPayloadBytes = 128 << 20
)

// Key layout: one prefix byte, then the big-endian seq, so Badger's byte
// order is sequence order within a prefix.
const (
	prefixMeta     byte = 'm' // reserved for journal metadata; unused in format 1
	prefixRecord   byte = 'r'
	prefixSnapshot byte = 's'
	keySize             = 9
)

// castagnoli is CRC32C, computed in hardware (SSE4.2, ARMv8 CRC) by hash/crc32.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Link chains a record to its predecessor; see doc.go for why SHA-256.
type Link [LinkSize]byte

// frame is a decoded record. payload aliases the buffer it was decoded from.
type frame struct {
	seq     uint64
	ts      int64
	prev    Link
	payload []byte
}

// Decode failures. They become the Reason of a CorruptError that names the
// seq of the key the frame was stored under.
var (
	errShort   = errors.New("frame shorter than its fixed fields")
	errCRC     = errors.New("crc32c mismatch")
	errVersion = errors.New("unknown frame version")
	errLength  = errors.New("length field disagrees with frame size")
)

func appendKey(dst []byte, prefix byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, prefix), seq)
}

func recordKey(seq uint64) []byte { return appendKey(make([]byte, 0, keySize), prefixRecord, seq) }

// lastKey is the greatest possible key under prefix: where a reverse
// iterator seeks to find the newest entry.
func lastKey(prefix byte) []byte { return appendKey(nil, prefix, math.MaxUint64) }

// parseKey returns the seq of a well-formed key under prefix.
func parseKey(k []byte, prefix byte) (uint64, bool) {
	if len(k) != keySize || k[0] != prefix {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[1:]), true
}

func frameSize(payloadLen int) int { return frameOverhead + payloadLen }

// appendFrame appends the frame of r, linked to prev, to dst.
func appendFrame(dst []byte, r Record, prev Link) []byte {
	start := len(dst)
	dst = append(dst, frameVersion)
	dst = binary.BigEndian.AppendUint64(dst, r.Seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.TS))
	dst = append(dst, prev[:]...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Payload)))
	dst = append(dst, r.Payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// decodeFrame checks b's CRC, version and length and splits it into fields.
// The CRC is checked first so that any damage, wherever it lands, reads as
// the same plain "crc32c mismatch" rather than a confusing field error.
func decodeFrame(b []byte) (frame, error) {
	if len(b) < frameOverhead {
		return frame{}, errShort
	}
	if !crcOK(b) {
		return frame{}, errCRC
	}
	if b[0] != frameVersion {
		return frame{}, errVersion
	}
	n := binary.BigEndian.Uint32(b[offLen:])
	if uint64(n) != uint64(len(b)-frameOverhead) {
		return frame{}, errLength
	}
	f := frame{
		seq:     binary.BigEndian.Uint64(b[offSeq:]),
		ts:      int64(binary.BigEndian.Uint64(b[offTS:])),
		payload: b[frameHeader : len(b)-crcSize],
	}
	copy(f.prev[:], b[offLink:offLen])
	return f, nil
}

// crcOK reports whether b's trailing CRC32C covers the bytes before it.
func crcOK(b []byte) bool {
	body := len(b) - crcSize
	return crc32.Checksum(b[:body], castagnoli) == binary.BigEndian.Uint32(b[body:])
}

// linkOf is the link the next record must carry: it commits to the whole
// frame, including this record's own link, so it commits to all history.
func linkOf(frame []byte) Link {
	sum := sha256.Sum256(frame)
	return Link(sum[:LinkSize])
}
