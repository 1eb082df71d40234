// Package loadtest is the load generator of MTS as a library: order-flow
// workloads with spike profiles and open-loop pacing (Run), market-data
// fan-out (RunFanout), and the simulated traders that keep a demo server
// alive (Demo). It talks to the server only through package api, as any
// client would; `mts loadtest` and `mts serve --demo` wire it up.
//
// # What the caller provides
//
// The server must have opened and funded the accounts (cash for buys,
// shares for sells). The caller passes their names, a function returning
// each one's bearer token, and the instruments with a base price and a
// tick valid around it; the generator never reads reference data itself.
//
// # Pacing
//
// Run is open-loop: request k is scheduled at a time the profile's rate
// alone decides, and one goroutine hands each request to the next
// connection (round robin) when its time comes, without waiting for
// earlier replies. Latency is measured from the scheduled time, not from
// when the request was actually written, so a server that stalls shows as
// high percentiles rather than as a lower rate (coordinated omission). A
// connection with MaxInFlight requests outstanding skips further ones and
// counts them, since an unbounded backlog would measure only the
// generator.
//
//	rate ▲  open                     news
//	 10× │███▓▒                      │         ███
//	     │    ▒░                     │         ███
//	  1× │      ░░░░░░░░░░░░░░       │░░░░░░░░░███░░░░░░░
//	     └──────────────────▶ t      └──────────────────▶ t
//	      0   .1  .2        1          0       .5 .6    1
//
// Warmup runs at the base rate before the measured window and is neither
// counted nor timed.
//
// # Workload
//
// Each request is a place or, with probability CancelRatio, a cancel of a
// random resting order the same connection placed. Places are day limit
// orders on a random instrument and side, priced on the tick grid from
// Cross ticks through the base price to Levels ticks away on the passive
// side, quantity 1..MaxQty, with client order ids RUNID-CONN-N (N base 36)
// that are unique across connections and runs.
//
// # Report
//
// Text (Report.Text) is five or six lines:
//
//	loadtest  profile steady, 2000 orders/s base, 3 connections, 10s measured after 2s warmup
//	requests  planned 20000  scheduled 20000  sent 20000  skipped 0  (places 14012, cancels 5988)
//	outcomes  accepted 19630  rejected 370  busy 0  rate-limited 0  outcome-unknown 0  errors 0
//	rejected  ORDER_NOT_OPEN 301  INSUFFICIENT_HOLDINGS 69
//	throughput 2000.0 replies/s
//	latency   p50 716us  p90 1.33ms  p99 5.95ms  p99.9 7.42ms  max 8.83ms  (n=20000, mean 938us)
//
// planned is Config.Planned (rate × duration × the profile's factor);
// scheduled the requests the clock called for in the window; skipped those
// not sent (in-flight limit, or no connection); outcome-unknown counts
// OUTCOME_UNKNOWN, TIMEOUT and INTERNAL replies, calls lost with their
// connection and requests unanswered DrainTimeout after the end; the
// rejected line (present only when there are any) lists every other error
// code, most frequent first. Throughput is replies per second of the
// window. Latencies are kept in an HDR histogram from 1 µs to 60 s at
// three significant digits and cover every request answered by the server.
//
// JSON (Report.JSON) carries the same figures:
//
//	{"profile":"steady","rate":2000,"connections":3,"warmupSec":2,"durationSec":10,
//	 "planned":20000,"scheduled":20000,"sent":20000,"skipped":0,"places":14012,
//	 "cancels":5988,"replies":20000,"accepted":19630,"busy":0,"rateLimited":0,
//	 "outcomeUnknown":0,"rejected":{"ORDER_NOT_OPEN":301,...},"errors":0,
//	 "throughput":2000,"latencyUs":{"count":20000,"meanUs":938.2,"p50Us":716,
//	 "p90Us":1330,"p99Us":5950,"p999Us":7420,"maxUs":8830}}
//
// FanoutReport.Text reads
//
//	fanout    005930, 100 subscribers, 10s
//	messages  412000  (41200.0/s)  bookDelta 200000  bookSnapshot 100  marketTrade 150000  ticker 61900
//	gaps      book 0  trades 0  server resyncs 0  book errors 0  disconnects 0
//
// followed by the driver's report when there was one. Book gaps are those
// the client found and repaired by resubscribing; book errors are deltas
// a subscriber's api.Book still could not apply, and should be 0.
//
// # Goroutines
//
// Run uses its caller's goroutine to pace and each connection's reader to
// record replies (worker.mu guards a connection's counts and histogram;
// the histograms are merged at the end). RunFanout's handlers run on each
// subscriber client's dispatcher goroutine and count with atomics. Demo
// runs one goroutine per trader, stopping them all when its context ends.
package loadtest
