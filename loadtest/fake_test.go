package loadtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mts-krx/mts/api"
)

// fakeGateway is a minimal stand-in for the gateway: it checks every order
// the way the engine would for what these tests send (known symbol, side,
// type, price on the tick and within ±30% of base, positive quantity, a
// client order id unique per account), acknowledges valid ones as resting
// and remembers them for cancels and amends. A book subscription gets a
// snapshot and then a delta every millisecond while the connection lasts.
type fakeGateway struct {
	t     *testing.T
	srv   *httptest.Server
	delay time.Duration // before each order reply
	ins   map[string]Instrument

	mu      sync.Mutex
	places  int
	cancels int
	amends  int
	invalid []string
	ids     map[string]bool // account/clientOrderId
	orders  map[string]api.PlaceParams
	nextID  int
}

func newFakeGateway(t *testing.T, ins []Instrument) *fakeGateway {
	f := &fakeGateway{t: t, ins: map[string]Instrument{}, ids: map[string]bool{}, orders: map[string]api.PlaceParams{}}
	for _, in := range ins {
		f.ins[in.Symbol] = in
	}
	up := websocket.Upgrader{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		account, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer tok-")
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		f.serve(&fakeConn{ws: ws, account: account, quit: make(chan struct{})})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGateway) url() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws" }

type fakeConn struct {
	ws      *websocket.Conn
	account string
	wmu     sync.Mutex
	quit    chan struct{}
}

func (c *fakeConn) send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteJSON(v)
}

func (f *fakeGateway) serve(c *fakeConn) {
	defer close(c.quit)
	defer c.ws.Close()
	for {
		var req api.Request
		if err := c.ws.ReadJSON(&req); err != nil {
			return
		}
		c.send(f.answer(c, req))
	}
}

func (f *fakeGateway) answer(c *fakeConn, req api.Request) api.Reply {
	if req.Method == api.MethodPlace || req.Method == api.MethodCancel || req.Method == api.MethodAmend {
		time.Sleep(f.delay)
	}
	var res any
	var err *api.Error
	switch req.Method {
	case api.MethodPlace:
		res, err = f.place(c.account, req)
	case api.MethodCancel:
		res, err = f.cancel(c.account, req)
	case api.MethodAmend:
		res, err = f.amend(c.account, req)
	case api.MethodSubscribe:
		res, err = f.subscribe(c, req)
	case api.MethodCancelAll:
		res = api.OrderResult{Seq: 1}
	case api.MethodUnsubscribe, api.MethodPing:
		res = struct{}{}
	default:
		err = api.Errorf(api.UnknownMethod, "%s", req.Method)
	}
	if err != nil {
		return api.Fail(req.ID, err)
	}
	return api.OK(req.ID, res)
}

func (f *fakeGateway) place(account string, req api.Request) (any, *api.Error) {
	var p api.PlaceParams
	if err := api.DecodeStrict(req.Params, &p); err != nil {
		return f.bad(err.(*api.Error))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if why := f.check(p); why != "" {
		f.invalid = append(f.invalid, fmt.Sprintf("%+v: %s", p, why))
		return nil, api.Errorf(api.InvalidPrice, "%s", why)
	}
	key := account + "/" + p.ClientOrderID
	if f.ids[key] {
		f.invalid = append(f.invalid, "duplicate client order id "+key)
		return nil, api.Errorf(api.DuplicateClientOrderID, "%s", key)
	}
	f.ids[key] = true
	f.places++
	f.nextID++
	id := strconv.Itoa(f.nextID)
	status, leaves := "new", p.Qty
	if p.TIF == "ioc" {
		status, leaves = "canceled", "0"
	} else {
		f.orders[account+"/"+id] = p
		f.orders[key] = p
	}
	return report(p, id, status, leaves), nil
}

func report(p api.PlaceParams, id, status string, leaves api.Decimal) api.OrderResult {
	return api.OrderResult{Seq: 1, Reports: []api.ExecutionReport{{
		Type: api.TypeExecution, Symbol: p.Symbol, OrderID: api.OrderID(id), ClientOrderID: p.ClientOrderID,
		ExecType: "new", Status: status, Side: p.Side, Price: p.Price, Qty: p.Qty, CumQty: "0", LeavesQty: leaves, AvgPx: "0",
	}}}
}

func (f *fakeGateway) bad(err *api.Error) (any, *api.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invalid = append(f.invalid, err.Error())
	return nil, err
}

// check returns why p is not an order the engine would accept, "" if it is.
func (f *fakeGateway) check(p api.PlaceParams) string {
	in, ok := f.ins[p.Symbol]
	price, perr := p.Price.Int64()
	qty, qerr := p.Qty.Int64()
	switch {
	case !ok:
		return "unknown symbol"
	case p.Side != "buy" && p.Side != "sell":
		return "side"
	case p.Type != "limit":
		return "type"
	case p.TIF != "day" && p.TIF != "ioc" && p.TIF != "":
		return "tif"
	case perr != nil || price%in.Tick != 0:
		return "price off tick"
	case price*10 < in.Base*7 || price*10 > in.Base*13:
		return "price outside ±30%"
	case qerr != nil || qty <= 0:
		return "qty"
	case p.ClientOrderID == "" || len(p.ClientOrderID) > 40:
		return "client order id"
	}
	return ""
}

func (f *fakeGateway) cancel(account string, req api.Request) (any, *api.Error) {
	var p api.CancelParams
	if err := api.DecodeStrict(req.Params, &p); err != nil {
		return f.bad(err.(*api.Error))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := account + "/" + string(p.OrderID)
	if p.OrigClientOrderID != "" {
		key = account + "/" + p.OrigClientOrderID
	}
	o, ok := f.orders[key]
	if !ok || o.Symbol != p.Symbol {
		return nil, api.Errorf(api.UnknownOrder, "%s", key)
	}
	delete(f.orders, key)
	f.cancels++
	return report(o, string(p.OrderID), "canceled", "0"), nil
}

func (f *fakeGateway) amend(account string, req api.Request) (any, *api.Error) {
	var p api.AmendParams
	if err := api.DecodeStrict(req.Params, &p); err != nil {
		return f.bad(err.(*api.Error))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[account+"/"+string(p.OrderID)]
	if !ok {
		return nil, api.Errorf(api.UnknownOrder, "%s", p.OrderID)
	}
	o.Price = p.Price
	if why := f.check(o); why != "" {
		f.invalid = append(f.invalid, fmt.Sprintf("amend %+v: %s", p, why))
		return nil, api.Errorf(api.InvalidPrice, "%s", why)
	}
	f.orders[account+"/"+string(p.OrderID)] = o
	f.amends++
	return report(o, string(p.OrderID), "new", o.Qty), nil
}

func (f *fakeGateway) subscribe(c *fakeConn, req api.Request) (any, *api.Error) {
	var p api.SubscribeParams
	if err := api.DecodeStrict(req.Params, &p); err != nil {
		return f.bad(err.(*api.Error))
	}
	for _, s := range p.Streams {
		if sym, ok := strings.CutPrefix(s, "book."); ok {
			go f.feedBook(c, sym)
		}
	}
	return api.SubscribeResult(p), nil
}

// feedBook sends a snapshot, then a delta and a trade every millisecond.
func (f *fakeGateway) feedBook(c *fakeConn, sym string) {
	head := func(typ string, seq uint64) api.MarketHeader {
		return api.MarketHeader{Type: typ, Symbol: sym, Seq: seq}
	}
	c.send(api.BookSnapshot{MarketHeader: head(api.TypeBookSnapshot, 1),
		Bids: []api.Level{{Price: "71000", Qty: "1", Count: 1}}, Asks: []api.Level{}})
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for seq := uint64(2); ; seq++ {
		select {
		case <-c.quit:
			return
		case <-tick.C:
		}
		qty := api.Decimal(strconv.FormatUint(seq, 10))
		d := api.BookDelta{MarketHeader: head(api.TypeBookDelta, seq),
			Changes: []api.LevelChange{{Side: "buy", Price: "71000", Qty: qty, Count: 1}}}
		t := api.MarketTrade{MarketHeader: head(api.TypeMarketTrade, seq-1), TradeID: string(qty), Price: "71000", Qty: "1", Side: "buy"}
		if c.send(d) != nil || c.send(t) != nil {
			return
		}
	}
}

func (f *fakeGateway) stats() (places, cancels, amends int, invalid []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.places, f.cancels, f.amends, append([]string(nil), f.invalid...)
}

func testToken(account string) (string, error) { return "tok-" + account, nil }

var testInstruments = []Instrument{{Symbol: "005930", Base: 71000, Tick: 100}, {Symbol: "000660", Base: 180000, Tick: 100}}
