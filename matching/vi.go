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

// VIConfig holds the volatility interruption thresholds, in basis points
// of the reference price (KRX.md, Volatility Interruption). They are data
// because KRX changes them.
type VIConfig struct {
	StaticBP            int64 // from the last single-price auction's price (the base price before the open)
	DynamicK200BP       int64 // from the last trade price, KOSPI200 stocks, continuous trading
	DynamicOtherBP      int64 // from the last trade price, other stocks, continuous trading
	DynamicCloseK200BP  int64 // from the last trade price, KOSPI200 stocks, the closing auction's price
	DynamicCloseOtherBP int64 // from the last trade price, other stocks, the closing auction's price
}

// DefaultVI is KRX's: static 10%; dynamic 3% (KOSPI200) or 6% (others) in
// continuous trading, 2% or 4% on the closing auction's price.
func DefaultVI() *VIConfig {
	return &VIConfig{StaticBP: 1_000, DynamicK200BP: 300, DynamicOtherBP: 600, DynamicCloseK200BP: 200, DynamicCloseOtherBP: 400}
}

// viBand is the price range a trade may print in without triggering a VI:
// a trade at or above hi, or at or below lo, triggers one. staticHi and
// staticLo say which kind triggered (static wins when both would).
type viBand struct {
	lo, hi             Price
	staticLo, staticHi Price
	on                 bool
}

// viBand computes the band for a taker about to match, from the static
// reference (s.ref) and the dynamic one (the last trade price as matching
// starts, so that one order sweeping several levels is measured from where
// it began). Each threshold is the first valid tick at or beyond the
// reference ± the rate. VIs apply to stocks in continuous trading only:
// not to ETFs and ETNs (flat-tick instruments), and not inside auctions,
// where nothing matches (KRX's dynamic VI during the closing auction, which
// extends it, is not modelled).
func (e *Engine) viBand(s *symbolState) viBand {
	if e.vi == nil || s.phase != PhaseContinuous || s.inst.Tick == TickFlat5 {
		return viBand{}
	}
	dyn := e.vi.DynamicOtherBP
	if s.inst.KOSPI200 {
		dyn = e.vi.DynamicK200BP
	}
	b := viBand{on: true}
	b.staticLo, b.staticHi = viThresholds(s.inst.Tick, s.ref, e.vi.StaticBP)
	dlo, dhi := viThresholds(s.inst.Tick, s.last, dyn)
	b.lo, b.hi = max(b.staticLo, dlo), min(b.staticHi, dhi)
	return b
}

// viThresholds returns the first valid tick at or below ref·(1 − bp), and
// the first at or above ref·(1 + bp).
func viThresholds(scheme TickScheme, ref Price, bp int64) (lo, hi Price) {
	up := (int64(ref)*(10_000+bp) + 9_999) / 10_000
	down := max(int64(ref)*(10_000-bp)/10_000, 1)
	lo = Price(down)
	lo -= lo % scheme.Tick(lo)
	return lo, ceilTick(scheme, Price(up))
}

// triggers reports whether a trade at p triggers a VI.
func (b *viBand) triggers(p Price) bool { return b.on && (p >= b.hi || p <= b.lo) }

// auctionVI checks the price an opening or closing auction is about to
// uncross at (the indicative price, as the phase moves on to p): at or
// beyond the static thresholds, or for the closing auction the dynamic
// closing ones (from the last trade price), it does not uncross. The
// auction becomes a VI auction instead, delaying the open or the close by
// VIAuctionLen plus the draw, and returns to p when it ends (the
// scheduler's CmdSetPhase), uncrossing then whatever the price: a VI
// auction's own end triggers nothing. It reports whether it did so.
func (e *Engine) auctionVI(s *symbolState, from, p Phase) bool {
	if e.vi == nil || s.inst.Tick == TickFlat5 || (from != PhaseOpeningAuction && from != PhaseClosingAuction) ||
		(p != PhaseContinuous && p != PhaseClosed) {
		return false
	}
	px, _ := s.ind.indicative(e.auctionLevels(s), s.last, s.inst.Tick, s.lower, s.upper)
	if px == 0 {
		return false
	}
	b := viBand{on: true}
	b.staticLo, b.staticHi = viThresholds(s.inst.Tick, s.ref, e.vi.StaticBP)
	b.lo, b.hi = b.staticLo, b.staticHi
	if from == PhaseClosingAuction {
		dyn := e.vi.DynamicCloseOtherBP
		if s.inst.KOSPI200 {
			dyn = e.vi.DynamicCloseK200BP
		}
		dlo, dhi := viThresholds(s.inst.Tick, s.last, dyn)
		b.lo, b.hi = max(b.lo, dlo), min(b.hi, dhi)
	}
	if !b.triggers(px) {
		return false
	}
	e.startVI(s, &b, px)
	s.resume = p
	return true
}

// startVI interrupts continuous trading in s (or an auction's end): the trade at p that would
// have printed does not, and the symbol enters a VI auction (its end drawn
// by viEnd), reported by an EvMarketStatus with the price that triggered
// it and the kind ("static" or "dynamic").
func (e *Engine) startVI(s *symbolState, b *viBand, p Price) {
	kind := "dynamic"
	if p >= b.staticHi || p <= b.staticLo {
		kind = "static"
	}
	s.phase, s.resume, s.viEnd = PhaseVIAuction, PhaseContinuous, e.viEnd(s)
	ev := e.marketStatus(s)
	x := ev.Extras()
	ev.Price, x.Text = p, kind
	ev.Extra = newExtra(x)
	e.markAuction(s)
}
