package main

import "github.com/mts-krx/mts/matching"

// publishers fans one durable batch out to every consumer in order: the
// execution-report and journal subjects, the market-data builder, the
// back office's HTTP feed. Each runs on the loop's commit goroutine and
// must only copy or hand over (matching.Publisher's contract).
type publishers []matching.Publisher

func (ps publishers) Publish(b *matching.Batch) {
	for _, p := range ps {
		p.Publish(b)
	}
}
