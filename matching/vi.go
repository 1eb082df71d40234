package matching

import "time"

// VI (volatility interruption, KRX.md): the length of a VI auction, and the
// most its end may be drawn later.
const (
	VIAuctionLen    = 2 * time.Minute
	VIRandomEndMax  = 30 * time.Second
	viDrawPrecision = time.Millisecond
)

// viEnd returns when a VI auction starting now (the current command's TS)
// in s is scheduled to end: VIAuctionLen, plus a random 0–30 s. The random
// part is a draw from the day's seed (CmdNewDay's Amount, journaled), the
// command's sequence number and the symbol, mixed by SplitMix64: replay
// draws the same, and nobody can predict the end without the seed.
func (e *Engine) viEnd(s *symbolState) int64 {
	x := e.seed ^ e.cur.seq*0x9e3779b97f4a7c15
	for i := 0; i < len(s.inst.Symbol); i++ {
		x = x*31 + uint64(s.inst.Symbol[i])
	}
	x = splitmix64(x)
	steps := uint64(VIRandomEndMax/viDrawPrecision) + 1
	return e.cur.ts + int64(VIAuctionLen) + int64(x%steps)*int64(viDrawPrecision)
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
