package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	ingotclient "github.com/ingot-cbdc/ingot/client"

	"golang.org/x/mod/sumdb/note"

	"github.com/ingot-cbdc/ingot"
)

// Books is the end-of-run check of the money.
type Books struct {
	Currency string `json:"currency"`
	// GET /v1/issuance/supply: issued must equal reserves + wallets +
	// fees (operators' fee accounts).
	Issued   string `json:"issued"`
	Reserves string `json:"reserves"`
	Wallets  string `json:"wallets"`
	Fees     string `json:"fees"`
	// The run's own wallets and reserves: payments only move money between
	// the run's wallets (and, merchant scenario, to its operators' fee
	// accounts), so they must hold what setup put there.
	RunWallets         string `json:"run_wallets"`
	RunFees            string `json:"run_fees,omitempty"`
	RunWalletsExpected string `json:"run_wallets_expected"`
	RunReserves        string `json:"run_reserves"`
	RunReservesExpect  string `json:"run_reserves_expected"`
	// RunSold is what the fx scenario's wallets sold to the dealer: counted
	// in RunWallets, taken out of RunReserves.
	RunSold  string `json:"run_sold,omitempty"`
	Balanced bool   `json:"balanced"`
	Detail   string `json:"detail"`
}

// checkBooks reads the supply and the run's wallets and reserves.
func checkBooks(ctx context.Context, c *client, cfg *Config, fx *fixture) Books {
	b := Books{Currency: fx.cur.Code}
	var problems []string
	sup, err := c.api(cfg.Key).GetSupply(ctx, fx.cur.Code)
	if err != nil {
		b.Detail = "could not read the supply: " + err.Error()
		return b
	}
	if sup.Fees == "" {
		sup.Fees = "0" // a server from before fees
	}
	b.Issued, b.Reserves, b.Wallets, b.Fees = sup.Issued, sup.Reserves, sup.Wallets, sup.Fees
	issued, e1 := parseSigned(sup.Issued)
	reserves, e2 := parseSigned(sup.Reserves)
	wallets, e3 := parseSigned(sup.Wallets)
	fees, e4 := parseSigned(sup.Fees)
	if err := errors.Join(e1, e2, e3, e4); err != nil {
		b.Detail = "could not read the supply: " + err.Error()
		return b
	}
	if issued != reserves+wallets+fees {
		problems = append(problems, fmt.Sprintf("issued %s != reserves %s + wallets %s + fees %s", sup.Issued, sup.Reserves, sup.Wallets, sup.Fees))
	}
	if cfg.Fresh && issued != fx.minted {
		problems = append(problems, fmt.Sprintf("issued %s, but this run on a fresh database minted %s", sup.Issued, ingot.FormatAmount(fx.minted, fx.cur)))
	}

	var runWallets, runReserves, runFees int64
	var listed int
	for _, op := range fx.ops {
		cursor := ""
		for {
			page, err := c.api(op.key).ListWallets(ctx, &ingotclient.ListWalletsParams{Limit: 500, Cursor: cursor})
			if err != nil {
				b.Detail = "could not list the run's wallets: " + err.Error()
				return b
			}
			for _, w := range page.Items {
				if w.Currency != fx.cur.Code {
					continue // the fx scenario's payees: checked below
				}
				v, err := parseSigned(w.Balance)
				if err != nil {
					b.Detail = "could not list the run's wallets: " + err.Error()
					return b
				}
				runWallets += v
				listed++
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		me, err := c.api(op.key).GetMe(ctx)
		if err != nil {
			b.Detail = "could not read the run's reserves: " + err.Error()
			return b
		}
		for _, r := range me.Reserves {
			if r.Currency == fx.cur.Code {
				v, err := parseSigned(r.Balance)
				if err != nil {
					b.Detail = "could not read the run's reserves: " + err.Error()
					return b
				}
				runReserves += v
			}
		}
		for _, r := range me.FeeAccounts {
			if r.Currency == fx.cur.Code {
				v, err := parseSigned(r.Balance)
				if err != nil {
					b.Detail = "could not read the run's fee accounts: " + err.Error()
					return b
				}
				runFees += v
			}
		}
	}
	b.RunWallets, b.RunWalletsExpected = ingot.FormatAmount(runWallets, fx.cur), ingot.FormatAmount(fx.funded, fx.cur)
	b.RunReserves, b.RunReservesExpect = ingot.FormatAmount(runReserves, fx.cur), ingot.FormatAmount(fx.minted-fx.funded, fx.cur)
	want := len(fx.wallets) + len(fx.merchants)
	if fx.merchant != "" {
		want++
	}
	if listed != want {
		problems = append(problems, fmt.Sprintf("the run's operators list %d wallets, want %d", listed, want))
	}
	if runFees != 0 || len(fx.merchants) > 0 {
		b.RunFees = ingot.FormatAmount(runFees, fx.cur)
	}
	if fx.fxCur.Code != "" {
		// The fx scenario: each exchange moved an amount from a wallet to
		// the dealer's reserve, so what the reserves gained beyond what
		// setup left them is what the wallets lost; the checks below see
		// the money where setup put it. The second currency's books hold.
		sold := runReserves - (fx.minted - fx.funded)
		runWallets, runReserves = runWallets+sold, runReserves-sold
		b.RunWallets, b.RunReserves = ingot.FormatAmount(runWallets, fx.cur), ingot.FormatAmount(runReserves, fx.cur)
		b.RunSold = ingot.FormatAmount(sold, fx.cur)
		if p := checkFXBooks(ctx, c, cfg, fx); p != "" {
			problems = append(problems, p)
		}
	}
	if runWallets+runFees != fx.funded {
		problems = append(problems, fmt.Sprintf("the run's wallets hold %s and its fee accounts %s, but setup put %s into the wallets", b.RunWallets, ingot.FormatAmount(runFees, fx.cur), b.RunWalletsExpected))
	}
	if f := fx.fees.Load(); len(fx.merchants) > 0 && runFees < f*1 {
		problems = append(problems, fmt.Sprintf("the run's fee accounts hold %s after %d payments with a fee", b.RunFees, f))
	}
	if runReserves != fx.minted-fx.funded {
		problems = append(problems, fmt.Sprintf("the run's reserves hold %s, want %s", b.RunReserves, b.RunReservesExpect))
	}
	b.Balanced = len(problems) == 0
	if b.Balanced {
		b.Detail = fmt.Sprintf("balanced: issued %s = reserves %s + wallets %s %s; the run's %d wallets hold the %s setup put there",
			sup.Issued, sup.Reserves, sup.Wallets, fx.cur.Code, want, b.RunWalletsExpected)
		if b.RunFees != "" {
			b.Detail = fmt.Sprintf("balanced: issued %s = reserves %s + wallets %s + fees %s %s; the run's %d wallets and its fee accounts (%s) hold the %s setup put there",
				sup.Issued, sup.Reserves, sup.Wallets, sup.Fees, fx.cur.Code, want, b.RunFees, b.RunWalletsExpected)
		}
	} else {
		b.Detail = "NOT BALANCED: " + strings.Join(problems, "; ")
	}
	return b
}

// parseSigned reads an amount as the API renders it ("-12.30", "0.00")
// into minor units: the API always renders the currency's full precision.
func parseSigned(s string) (int64, error) {
	v, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	return v, nil
}

// LogCheck is the end-of-run check of the transparency log.
type LogCheck struct {
	// Present is false when the server keeps no log (GET /v1/log/key: 404).
	Present  bool   `json:"present"`
	Verified bool   `json:"verified"`
	Key      string `json:"key,omitempty"`
	Origin   string `json:"origin,omitempty"`
	// SizeBefore and Size are the checkpoints' tree sizes before setup and
	// after the load; Expected is what the run committed (mints, top-ups and
	// payments), Ambiguous the transfers whose requests failed in transit.
	SizeBefore int64  `json:"size_before"`
	Size       int64  `json:"size"`
	Expected   int64  `json:"expected"`
	Ambiguous  int64  `json:"ambiguous,omitempty"`
	SizeOK     bool   `json:"size_ok"`
	OK         bool   `json:"ok"`
	Detail     string `json:"detail"`
}

type logState struct {
	present  bool
	key      string
	verifier note.Verifier
	origin   string
	size     int64
	err      error
}

// readLog reads the log's key and its latest checkpoint, and verifies the
// checkpoint's signature with the key.
func readLog(ctx context.Context, c *client, key string) logState {
	var s logState
	text, err := c.api(key).GetLogKey(ctx)
	if err != nil {
		var ce *ingotclient.Error
		if errors.As(err, &ce) && ce.Status == 404 {
			return s // no log on this server
		}
		s.err = err
		return s
	}
	s.present = true
	s.key = strings.TrimSpace(string(text))
	v, err := note.NewVerifier(s.key)
	if err != nil {
		s.err = fmt.Errorf("GET /v1/log/key: %w", err)
		return s
	}
	s.verifier = v
	cp, err := c.api(key).GetCheckpoint(ctx)
	if err != nil {
		var ce *ingotclient.Error
		if errors.As(err, &ce) && ce.Status == 404 {
			return s // empty log
		}
		s.err = err
		return s
	}
	n, err := note.Open(cp, note.VerifierList(v))
	if err != nil {
		s.err = fmt.Errorf("the checkpoint does not verify with the log's key %s: %w", s.key, err)
		return s
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 3 || lines[0] != v.Name() {
		s.err = fmt.Errorf("the checkpoint's origin %q is not the key's name %q", lines[0], v.Name())
		return s
	}
	s.origin = lines[0]
	if s.size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || s.size < 0 {
		s.err = fmt.Errorf("the checkpoint's tree size %q: not a size", lines[1])
	}
	return s
}

func checkLog(ctx context.Context, c *client, cfg *Config, fx *fixture, before logState, res *Result) LogCheck {
	if !before.present {
		return LogCheck{OK: true, SizeOK: true, Detail: "the server keeps no transparency log (GET /v1/log/key answers 404): not checked"}
	}
	after := readLog(ctx, c, cfg.Key)
	lc := LogCheck{Present: after.present, Key: after.key, Origin: after.origin, SizeBefore: before.size, Size: after.size,
		Expected: fx.setup + res.Transfers + fx.fees.Load(), Ambiguous: res.Ambiguous}
	switch {
	case after.err != nil:
		lc.Detail = "FAILED: " + after.err.Error()
		return lc
	case !after.present:
		lc.Detail = "FAILED: the log's key went away during the run"
		return lc
	case after.key != before.key:
		lc.Detail = fmt.Sprintf("FAILED: the log's key changed during the run, from %s to %s", before.key, after.key)
		return lc
	}
	lc.Verified = true
	grew := after.size - before.size
	lc.SizeOK = grew >= lc.Expected && grew <= lc.Expected+lc.Ambiguous
	mints, moved := 2, "payments"
	if fx.fxCur.Code != "" {
		mints, moved = 3, "exchange legs" // the dealer's reserve in the second currency
	}
	what := fmt.Sprintf("%d mints + %d top-ups + %d funding payments + %d %s", mints, fx.topups, fx.pays, res.Transfers, moved)
	if f := fx.fees.Load(); f > 0 {
		what += fmt.Sprintf(" + %d fees", f)
	}
	if lc.Ambiguous > 0 {
		what += fmt.Sprintf(" (+ up to %d whose requests failed in transit)", lc.Ambiguous)
	}
	switch {
	case lc.SizeOK:
		lc.OK = true
		lc.Detail = fmt.Sprintf("checkpoint verified with %s; the log grew by %d = %s", after.key, grew, what)
	case cfg.Fresh:
		lc.Detail = fmt.Sprintf("FAILED: checkpoint verified, but the log grew by %d while the run committed %s", grew, what)
	default:
		// A shared server: someone else may have written.
		lc.OK = true
		lc.Detail = fmt.Sprintf("checkpoint verified with %s; the log grew by %d, the run committed %s (other clients of this server may have written too)", after.key, grew, what)
	}
	return lc
}
