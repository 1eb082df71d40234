package marketdata

import "time"

// kstOffset is KST's offset from UTC. Korea has kept UTC+9 all year since
// 1988, so a fixed offset is exact for every trading day.
const kstOffset = 9 * 60 * 60

// KST is the zone candle buckets are aligned to.
var KST = time.FixedZone("KST", kstOffset)

// BucketStart returns the start, in Unix nanoseconds, of the interval's
// bucket that holds ts: buckets are aligned to KST boundaries (a day bucket
// runs from 00:00 to 24:00 KST, which is 15:00 UTC the day before to 15:00
// UTC). The arithmetic is plain integer division: with a fixed offset that
// is what time.Date in KST would give, and a test checks it against that.
func BucketStart(ts int64, iv Interval) int64 {
	d := iv.Nanos()
	t := ts + kstOffset*1e9
	q := t / d
	if t%d < 0 {
		q-- // floor, not truncation, for times before 1970
	}
	return q*d - kstOffset*1e9
}

// candleState is one interval's open bucket for one symbol.
type candleState struct {
	cur     Candle // the open bucket; valid when open
	open    bool
	closing Candle // the bucket a trade of this command closed
	closed  bool   // closing holds a bucket still to be sent
	dirty   bool   // cur changed in this command
}

// trade adds one trade to the bucket of ts, closing the open bucket first
// if ts lies in a later one. A ts before the open bucket's start (a clock
// stepped back) counts in the open bucket: a bucket, once closed, never
// reopens, and its closing message is final.
func (c *candleState) trade(iv Interval, ts int64, px Price, q Qty) {
	start := BucketStart(ts, iv)
	if c.open && start > c.cur.Start {
		c.closing, c.closed = c.cur, true
		c.closing.Closed = true
		c.open = false
	}
	if !c.open {
		c.cur = Candle{Interval: iv, Start: start, Open: px, High: px, Low: px}
		c.open = true
	}
	c.cur.High = max(c.cur.High, px)
	c.cur.Low = min(c.cur.Low, px)
	c.cur.Close = px
	c.cur.Volume += q
	c.cur.Value += int64(px) * int64(q)
	c.dirty = true
}
