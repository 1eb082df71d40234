package matching

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mts-krx/mts/risk"
)

// Scenario files (testdata/scenarios/*.txt) are the engine's specification by
// example. Each holds blocks: a command line starting with "> ", then the
// events it produced, one per line. `go test ./matching -run Scenario
// -rewrite` regenerates the events; review the diff like code.
//
//	> place acct=A1 sym=005930 side=buy type=limit px=71000 qty=10 cl=c1
//	exec A1 005930 #1 cl=c1 new/new buy limit day px=71000 qty=10 cum=0 leaves=10
//	book 005930 buy 71000 qty=10 n=1
//
// Commands: place amend cancel cancelall open deposit withdraw credit debit
// kill phase newday, or a kind's number. Command keys: acct sym side type tif px stop qty
// cl id orig stp ts, and
// for back-office and kill-switch commands (open deposit withdraw credit
// debit kill) amount req group confirm scope active, and for phase and
// newday commands phase (sym defaults to "", every symbol) and text. type defaults to limit,
// tif to day, acct to A1, sym to 005930. A file whose first line is
// "# engine: risk" runs with the risk checker on, "# engine: vi" with
// volatility interruptions (DefaultVI), "# engine: risk vi" with both.
var rewrite = flag.Bool("rewrite", false, "rewrite scenario and golden files with the current output")

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runScenario(t, f) })
	}
}

func runScenario(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEngine(t)
	if head, _, _ := strings.Cut(string(data), "\n"); strings.HasPrefix(head, "# engine:") {
		for _, opt := range strings.Fields(strings.TrimPrefix(head, "# engine:")) {
			switch opt {
			case "risk":
				e.risk = risk.New(risk.DefaultConfig())
			case "vi":
				e.vi = DefaultVI()
			default:
				t.Fatalf("%s: unknown engine option %q", path, opt)
			}
		}
	}
	var out strings.Builder
	var seq uint64
	for n, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if !strings.HasPrefix(line, ">") {
			if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
				out.WriteString(line + "\n")
			}
			continue
		}
		out.WriteString(line + "\n")
		seq++
		cmd, err := parseCommand(line[1:])
		if err != nil {
			t.Fatalf("%s:%d: %v", path, n+1, err)
		}
		cmd.Seq = seq
		if cmd.TS == 0 {
			cmd.TS = int64(seq) * 1_000_000
		}
		for _, ev := range e.Apply(&cmd) {
			out.WriteString(formatEvent(&ev) + "\n")
		}
	}
	checkGolden(t, path, string(data), out.String())
}

// checkGolden compares got with the file's content, or rewrites the file.
func checkGolden(t *testing.T, path, want, got string) {
	t.Helper()
	if *rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got == want {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s:%d:\n got: %s\nwant: %s\n(run with -rewrite to accept)", path, i+1, g, w)
		}
	}
}

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	ins, err := LoadInstrumentFile("testdata/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Config{Instruments: ins, MaxOrdersPerAccountDay: 50})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// newRiskEngine is newTestEngine with the risk checker on and default
// thresholds. (testdata lists 001510 with only 10M shares so that the
// share-of-listed tiers bite before the notional ones.)
func newRiskEngine(t testing.TB) *Engine {
	t.Helper()
	e := newTestEngine(t)
	e.risk = risk.New(risk.DefaultConfig())
	return e
}

func parseCommand(s string) (Command, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return Command{}, fmt.Errorf("empty command")
	}
	c := Command{Account: "A1", Symbol: "005930", Type: Limit, TIF: Day}
	switch fields[0] {
	case "place":
		c.Kind = CmdPlace
	case "amend":
		c.Kind = CmdAmend
	case "cancel":
		c.Kind = CmdCancel
	case "open":
		c.Kind = CmdOpenAccount
	case "deposit":
		c.Kind = CmdDeposit
	case "withdraw":
		c.Kind = CmdWithdraw
	case "credit":
		c.Kind = CmdCreditShares
	case "debit":
		c.Kind = CmdDebitShares
	case "kill":
		c.Kind = CmdKillSwitch
	case "cancelall":
		c.Kind = CmdCancelAll
	case "phase":
		c.Kind, c.Symbol = CmdSetPhase, ""
	case "newday":
		c.Kind, c.Symbol = CmdNewDay, ""
	case "marketphase":
		c.Kind = CmdMarketPhase
	default:
		n, err := strconv.Atoi(fields[0])
		if err != nil {
			return c, fmt.Errorf("unknown command %q", fields[0])
		}
		c.Kind = CommandKind(n)
	}
	for _, kv := range fields[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return c, fmt.Errorf("%q is not key=value", kv)
		}
		if err := setField(&c, k, v); err != nil {
			return c, fmt.Errorf("%s: %v", k, err)
		}
	}
	return c, nil
}

func setField(c *Command, k, v string) error {
	num := func() int64 { n, _ := strconv.ParseInt(v, 10, 64); return n }
	var ok = true
	switch k {
	case "acct":
		c.Account = v
	case "sym":
		c.Symbol = v
	case "cl":
		c.ClientOrderID = v
	case "orig":
		c.OrigClientOrderID = v
	case "side":
		c.Side, ok = ParseSide(v)
		if !ok {
			c.Side, ok = Side(num()), true
		}
	case "type":
		c.Type, ok = ParseOrderType(v)
		if !ok {
			c.Type, ok = OrderType(num()), true
		}
	case "tif":
		c.TIF, ok = ParseTIF(v)
		if !ok {
			c.TIF, ok = TIF(num()), true
		}
	case "stp":
		c.STP, ok = ParseSTPMode(v)
		if !ok {
			c.STP, ok = STPMode(num()), true
		}
	case "px":
		c.Price = Price(num())
	case "stop":
		c.StopPrice = Price(num())
	case "qty":
		c.Qty = Qty(num())
	case "id":
		c.OrderID = OrderID(num())
	case "ts":
		c.TS = num()
	case "amount":
		c.Amount = num()
	case "req":
		c.RequestID = v
	case "group":
		c.Group = v
	case "confirm":
		c.Confirm = v == "true"
	case "scope":
		c.Scope, ok = ParseKillScope(v)
		if !ok {
			c.Scope, ok = KillScope(num()), true
		}
	case "active":
		c.Active = v == "true"
	case "phase":
		c.Phase, ok = ParsePhase(v)
		if !ok {
			c.Phase, ok = Phase(num()), true
		}
	case "text":
		c.Text = v
	default:
		return fmt.Errorf("unknown key")
	}
	if !ok {
		return fmt.Errorf("bad value %q", v)
	}
	return nil
}

// formatEvent prints an event on one line with only the fields its kind uses.
func formatEvent(e *Event) string {
	var b strings.Builder
	switch e.Kind {
	case EvTrade:
		fmt.Fprintf(&b, "trade %s t%d %d x %d aggressor=%s taker=#%d/%s maker=#%d/%s",
			e.Symbol, e.TradeID, e.LastPx, e.LastQty, e.Side, e.OrderID, e.Account, e.MakerOrderID, e.MakerAccount)
	case EvBook:
		fmt.Fprintf(&b, "book %s %s %d qty=%d n=%d", e.Symbol, e.Side, e.Price, e.Qty, e.Count)
	case EvExec:
		formatExec(&b, e)
	case EvAccount:
		fmt.Fprintf(&b, "account %s %s req=%s", e.Account, e.Cmd, e.Extras().RequestID)
		if e.Reason != ReasonNone {
			fmt.Fprintf(&b, " %s", e.Reason.Code())
		}
		fmt.Fprintf(&b, " amount=%d cash=%d hold=%d", e.Extras().Amount, e.Extras().Cash, e.Extras().CashHold)
		if e.Symbol != "" {
			fmt.Fprintf(&b, " %s shares=%d held=%d", e.Symbol, e.Extras().Shares, e.Extras().SharesHold)
		}
	case EvKillSwitch:
		fmt.Fprintf(&b, "kill %s account=%s symbol=%s active=%v canceled=%d", e.Scope, e.Account, e.Symbol, e.Active, e.Count)
		if e.Reason != ReasonNone {
			fmt.Fprintf(&b, " %s", e.Reason.Code())
		}
	case EvAlert:
		fmt.Fprintf(&b, "alert %s %s %s #%d", e.Alert, e.Account, e.Symbol, e.OrderID)
		if e.Alert == AlertOTR {
			fmt.Fprintf(&b, " orders=%d fills=%d", e.Count, e.Qty)
		}
	case EvMarketStatus:
		fmt.Fprintf(&b, "status %s %s", e.Symbol, e.Phase)
		if e.Reason != ReasonNone {
			fmt.Fprintf(&b, " %s", e.Reason.Code())
		}
		if e.Price != 0 {
			fmt.Fprintf(&b, " px=%d", e.Price)
		}
		if e.Extras().Until != 0 {
			fmt.Fprintf(&b, " until=%d", e.Extras().Until)
		}
		if e.Extras().Text != "" {
			fmt.Fprintf(&b, " text=%s", e.Extras().Text)
		}
	case EvAuction:
		fmt.Fprintf(&b, "auction %s %s indicative=%d x %d", e.Symbol, e.Phase, e.Price, e.Qty)
	default:
		fmt.Fprintf(&b, "event kind=%d", e.Kind)
	}
	return b.String()
}

func formatExec(b *strings.Builder, e *Event) {
	fmt.Fprintf(b, "exec %s %s #%d", e.Account, e.Symbol, e.OrderID)
	if e.ClientOrderID != "" {
		fmt.Fprintf(b, " cl=%s", e.ClientOrderID)
	}
	fmt.Fprintf(b, " %s/%s", e.ExecType, e.Status)
	if e.Reason != ReasonNone {
		fmt.Fprintf(b, " %s", e.Reason.Code())
	}
	fmt.Fprintf(b, " %s %s %s px=%d", e.Side, e.Type, e.TIF, e.Price)
	if e.StopPrice != 0 {
		fmt.Fprintf(b, " stop=%d", e.StopPrice)
	}
	fmt.Fprintf(b, " qty=%d cum=%d leaves=%d", e.Qty, e.CumQty, e.LeavesQty)
	if e.CumValue != 0 {
		fmt.Fprintf(b, " value=%d", e.CumValue)
	}
	if e.LastQty != 0 {
		fmt.Fprintf(b, " last=%dx%d", e.LastPx, e.LastQty)
	}
	if e.Liquidity != 0 {
		fmt.Fprintf(b, " %s t%d", e.Liquidity, e.TradeID)
	}
	if e.Extras().RefOrderID != 0 {
		fmt.Fprintf(b, " ref=#%d", e.Extras().RefOrderID)
	}
	if e.Fee != 0 || e.Tax != 0 {
		fmt.Fprintf(b, " fee=%d tax=%d", e.Fee, e.Tax)
	}
}
