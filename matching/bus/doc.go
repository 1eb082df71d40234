// Package bus is the internal transport between gateways and the engine
// over NATS: commands and reads go to the engine by request/reply, and the
// engine's committed output (execution reports, journal records) comes back
// on subjects anyone may subscribe to. It imports matching and nats.go only.
//
// # Contract
//
// NATS carries no state that a lost message could corrupt. The journal is
// the system of record; everything here is a view of it or a request to
// the one goroutine that writes it. So:
//
//   - A command's reply goes out only after its batch is durable (the
//     Server answers from the loop's Reply callback). A reply that never
//     arrives means "outcome unknown": the gateway queries by client order
//     id, which is idempotent because client order ids are unique per
//     account per day.
//   - An answer the engine gives without applying anything (busy,
//     unavailable, bad request) means the command was not applied, and the
//     client may retry it.
//   - Execution reports and journal records are published after the batch
//     is durable, once each, with no retransmission. A consumer that misses
//     one (reconnect, slow consumer) resyncs from a query or the journal; it
//     never has to trust the stream for state.
//
// # Subjects
//
//	mts.cmd.<partition>   requests to the engine of one partition (Server)
//	mts.exec.<token>      one account's execution reports (ExecPublisher)
//	mts.journal           every committed journal record, in seq order
//
// An account's token is the account itself when it matches [A-Za-z0-9_-]+;
// any other account (which may hold '.', '*', '>' or spaces NATS would read
// as subject syntax) is "~" followed by the lowercase hex of its bytes. "~"
// is not in the plain alphabet, so the two forms never collide, and
// AccountFromToken reverses either.
//
// # Wire format (version 1)
//
// A request, gateway to engine:
//
//	+---------+--------+-----------------------------------------------+
//	| version | kind   | payload                                       |
//	| 1 byte  | 1 byte |                                               |
//	+---------+--------+-----------------------------------------------+
//	kind 1, command: matching.AppendCommand of the command, unstamped
//	        (Seq and TS zero: the loop stamps them); the gateway has set
//	        Account from the authenticated session, never from the client.
//	kind 2, read:    qkind (1 byte: QueryKind) | account str | symbol str |
//	                 order id (uvarint) | client order id str
//	                 [| after symbol str | after order id (uvarint)]:
//	                 QueryOpenOrders only, the page's cursor (the last
//	                 order of the page before), absent for the first page
//	kind 3, batch:   inbox str | entries, each: id (uvarint) | length
//	                 (uvarint) | a whole kind 1 or kind 2 request
//
// A Client sends batches (see mux.go): every request its callers have
// gathered since it last sent, one NATS message. Batch n of a client goes
// out with the reply subject inbox.n; the replies to its requests come on
// inbox.r as reply batches: entries, each id | length | a whole reply
// below, one message per inbox for each loop batch (a loop batch answering
// fifty requests of one gateway sends it one message). The engine answers
// on inbox.n only to refuse batch n whole (status 6, bad request: it did
// not frame, so none of it was submitted); NATS answers there with a 503
// when no engine listens. A single request (kind 1 or 2, with a reply
// subject) is still answered on its own, as nats.go's request/reply.
//
// A reply, engine to gateway:
//
//	+--------+------------------------------------------------------+
//	| status | payload                                              |
//	| 1 byte |                                                      |
//	+--------+------------------------------------------------------+
//	ok, command:  matching.AppendRecord of the stamped command and its events;
//	              when that is over NATS's payload limit (a sweep of
//	              thousands of orders), only the command account's
//	              execution reports, and if those are too many the first
//	              and the latest that fit
//	ok, read:     qkind | flags (1 byte: 1 found, 2 more) | body
//	              QueryOrder, QueryOpenOrders: count (uvarint) | count × order
//	              (open orders: a page of at most OpenOrdersPage, cut
//	              shorter to fit the payload limit; "more" says orders after
//	              its last remain, to be read with that one as the cursor)
//	              QueryBalance:   account str | cash (varint) | hold (varint)
//	              QueryPositions: count (uvarint) | count × (symbol str |
//	                              qty (varint) | hold (varint))
//	order: account str | symbol str | order id (uvarint) | client order id str |
//	       flags (1 byte: 1 open, 2 triggered) | side | type | tif (1 byte each) |
//	       price | stop price | qty | cum qty | leaves qty | cum value (varint each)
//	any other status: a short reason text (may be empty), for logs only
//
// Statuses: 1 ok, 2 busy (queue full, not applied), 3 unavailable (engine
// stopped or not serving, not applied), 4 outcome unknown (the journal
// failed with the command's batch), 5 too long (a string over the codec's
// limit, not applied), 6 bad request (did not decode, not applied).
//
// str is a uvarint length (at most matching.MaxStringLen) and the bytes;
// uvarint and varint are encoding/binary's, and must be minimal. Decoders
// reject unknown versions, kinds, statuses and flags, truncation and
// trailing bytes, so that every accepted message re-encodes to itself.
//
// An execution message on mts.exec.<token>: count (uvarint) | count ×
// matching.AppendEvent. It holds, in commit order, the events of one batch
// that belong to the account: its EvExec reports, its EvAccount
// (back-office) answers and the EvKillSwitch of its account-scope switch;
// as many messages as the payload limit needs, in order, when they are
// many (a market maker's fills at the opening uncross).
// Trades (public, both accounts) and surveillance alerts (never for the
// customer) are not sent. A journal message on mts.journal: seq (uvarint) |
// ts (varint) | the record's payload (matching.AppendRecord). A record over
// the payload limit (a large symbol's uncross) comes as consecutive
// messages, each seq | ts | a piece of the payload, with the NATS header
// Mts-Part: OFFSET/TOTAL (where the piece goes, the payload's length);
// Client.SubscribeJournal puts them back together and drops a record whose
// parts arrive out of place (a lost message: a gap in seq, read the
// journal).
//
// # Who runs where
//
// The Server's NATS handler only decodes and queues (Loop.Submit never
// blocks); replies are published from the loop's commit goroutine (batched
// replies once the loop has answered the whole batch, Loop.OnReplies), and
// the ExecPublisher runs there too, after them. nats.go's Publish copies into its buffer
// and returns; when that buffer is full it writes to the socket in the
// caller, so a NATS server that stops reading slows the commit goroutine,
// which backs the input queue up and shows as busy replies: the bounded
// behaviour we want, rather than an unbounded buffer.
package bus
