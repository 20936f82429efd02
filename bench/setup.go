package bench

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	ingotclient "github.com/ingot-cbdc/ingot/client"

	"github.com/ingot-cbdc/ingot"
)

// Setup sizes.
const (
	// walletBatch is the wallets one POST /v1/wallets/batch opens (the
	// server's maximum).
	walletBatch = 1000
	// fundBatch is the payments of one POST /v1/transfers/batch of setup.
	fundBatch = 1000
	// funders is the number of funding wallets per operator, at least
	// (more when the wallets' limits need more; see perFunder).
	funders = 4
	// setupConcurrency bounds setup's requests in flight: each carries a
	// thousand items, so a few keep the server busy.
	setupConcurrency = 8
)

// perFunder is how many other wallets one funding wallet may fund within
// the default limits of the most limited KYC tier (tier 4, personal): it
// holds its own share and theirs (balance limit), and pays theirs out while
// leaving its own share of the day's and the year's outflow for the load.
// math.MaxInt: no limit applies.
func perFunder(funding int64, cur ingot.Currency) (int, error) {
	l := ingot.DefaultLimits(ingot.WalletPersonal, ingot.Tier4, cur)
	if l.Balance > 0 && funding > l.Balance {
		return 0, fmt.Errorf("--funding %s %s is above a new wallet's balance limit of %s", ingot.FormatAmount(funding, cur), cur.Code, ingot.FormatAmount(l.Balance, cur))
	}
	k := math.MaxInt
	for _, limit := range []int64{l.Balance, l.Daily, l.Yearly} {
		if limit > 0 {
			k = min(k, int(limit/funding)-1)
		}
	}
	if k > 0 && l.Single > 0 && funding > l.Single {
		k = 0 // every wallet is topped up from the reserve
	}
	return max(k, 0), nil
}

// setup makes two operators, mints their reserves, opens the wallets a
// thousand per request, and funds them: it tops up funding wallets from the
// operator's reserve, each with what it passes on plus its own share, then
// pays every other wallet its share from them, a thousand payments per
// request. Every wallet then holds fx.funding. There are a few funding
// wallets per operator, or as many as the limits of a new wallet need (see
// perFunder).
func setup(ctx context.Context, c *client, cfg *Config, fx *fixture) error {
	conc := min(cfg.Concurrency, setupConcurrency)
	perF, err := perFunder(fx.funding, fx.cur)
	if err != nil {
		return err
	}
	perOp := [2]int{(cfg.Wallets + 1) / 2, cfg.Wallets / 2}
	for i := range fx.ops {
		code := fmt.Sprintf("BENCH-%s-%c", fx.runID, 'A'+i)
		op, err := c.api(cfg.Key).CreateOperator(ctx, ingotclient.CreateOperatorRequest{Name: "Bench operator " + code, Code: code})
		if err != nil {
			return err
		}
		fx.ops[i] = operator{id: op.ID, code: code, key: op.APIKey}
		mint := int64(perOp[i]) * fx.funding
		if _, err := c.api(cfg.Key).Mint(ctx, ingotclient.IssueRequest{
			OperatorID: op.ID, Amount: ingot.FormatAmount(mint, fx.cur), Currency: fx.cur.Code,
		}); err != nil {
			return err
		}
		fx.minted += mint
		fx.setup++
	}

	if err := addRiskRules(ctx, c, cfg); err != nil {
		return err
	}

	var created, funded atomic.Int64
	done, exited := make(chan struct{}), make(chan struct{})
	defer func() {
		close(done)
		<-exited // the progress line is written before the caller writes on
	}()
	go func() {
		defer close(exited)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		begin := time.Now()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(cfg.Out, "setup %3.0fs  wallets %d/%d  funded %d/%d\n",
					time.Since(begin).Seconds(), created.Load(), cfg.Wallets, funded.Load(), cfg.Wallets)
			}
		}
	}()

	// byOp[o] are the indexes in fx.wallets of operator o's wallets
	// (wallet i belongs to ops[i%2]).
	var byOp [2][]int
	for i := range cfg.Wallets {
		byOp[i%2] = append(byOp[i%2], i)
	}

	// Open the wallets, a thousand per request.
	fx.wallets = make([]string, cfg.Wallets)
	type chunk struct {
		op  int
		idx []int
	}
	var chunks []chunk
	for o, idx := range byOp {
		for len(idx) > 0 {
			n := min(len(idx), walletBatch)
			chunks = append(chunks, chunk{o, idx[:n]})
			idx = idx[n:]
		}
	}
	holder := ingotclient.WalletBodyHolderInput{Name: "Bench holder", Phone: "13800000000"}
	if err := parallel(ctx, len(chunks), conc, func(k int) error {
		ch := chunks[k]
		ids, err := openWallets(ctx, c, fx.ops[ch.op].key, holder, fx.cur.Code, "personal", len(ch.idx))
		if err != nil {
			return err
		}
		for j, i := range ch.idx {
			fx.wallets[i] = ids[j]
		}
		created.Add(int64(len(ch.idx)))
		return nil
	}); err != nil {
		return err
	}
	if cfg.Scenario == Hot {
		ids, err := openWallets(ctx, c, fx.ops[0].key, holder, fx.cur.Code, "merchant", 1)
		if err != nil {
			return err
		}
		fx.merchant = ids[0]
	}
	if cfg.Scenario == Merchant {
		if err := setupMerchants(ctx, c, fx, holder, conc); err != nil {
			return err
		}
	}
	if cfg.Scenario == FX {
		if err := setupFX(ctx, c, cfg, fx); err != nil { // fx.go
			return err
		}
	}

	// Fund them. The first f wallets of an operator are its funding
	// wallets; wallet j >= f of the operator is paid by funding wallet
	// (j-f)%f, so that each pays at most perF.
	type payment struct{ op, from, to int }
	var pays []payment
	type topup struct {
		op, wallet int
		amount     int64
	}
	var topups []topup
	for o, idx := range byOp {
		f := min(funders, len(idx))
		if perF < math.MaxInt {
			f = max(f, (len(idx)+perF)/(perF+1)) // ceil(n / (perF+1))
		}
		share := make([]int64, f)
		for j := f; j < len(idx); j++ {
			share[(j-f)%f]++
			pays = append(pays, payment{o, idx[(j-f)%f], idx[j]})
		}
		for k := range f {
			topups = append(topups, topup{o, idx[k], (1 + share[k]) * fx.funding})
		}
	}
	if err := parallel(ctx, len(topups), cfg.Concurrency, func(k int) error {
		t := topups[k]
		if _, err := c.api(fx.ops[t.op].key).TopUp(ctx, fx.wallets[t.wallet], ingotclient.FundRequest{Amount: ingot.FormatAmount(t.amount, fx.cur)}); err != nil {
			return err
		}
		funded.Add(1)
		return nil
	}); err != nil {
		return err
	}
	fx.topups = int64(len(topups))
	fx.setup += fx.topups

	// Payments, a thousand per request, each request of one operator.
	var batches [][]payment
	for len(pays) > 0 {
		n := 0
		for n < len(pays) && n < fundBatch && pays[n].op == pays[0].op {
			n++
		}
		batches = append(batches, pays[:n])
		pays = pays[n:]
	}
	amount := ingot.FormatAmount(fx.funding, fx.cur)
	if err := parallel(ctx, len(batches), conc, func(k int) error {
		b := batches[k]
		items := make([]ingotclient.PayBody, len(b))
		for j, p := range b {
			items[j] = ingotclient.PayBody{From: fx.wallets[p.from], To: fx.wallets[p.to], Amount: amount,
				Currency: fx.cur.Code, Memo: "bench funding"}
		}
		out, err := c.api(fx.ops[b[0].op].key).CreateTransferBatch(ctx, ingotclient.BatchRequest{Transfers: items, Atomic: ingotclient.Bool(true)})
		if err != nil {
			return err
		}
		if len(out.Results) != len(b) {
			return fmt.Errorf("POST /v1/transfers/batch: %d results for %d payments", len(out.Results), len(b))
		}
		for j, r := range out.Results {
			if r.Error != nil {
				return fmt.Errorf("POST /v1/transfers/batch: funding payment %d: %s: %s", j, r.Error.Code, r.Error.Detail)
			}
		}
		funded.Add(int64(len(b)))
		return nil
	}); err != nil {
		return err
	}
	fx.pays = int64(cfg.Wallets) - fx.topups
	fx.setup += fx.pays
	fx.funded = int64(cfg.Wallets) * fx.funding
	return addSpendingRules(ctx, c, cfg, fx) // spending.go
}

// openWallets opens n wallets of one holder in one request and returns
// their ids in order.
func openWallets(ctx context.Context, c *client, key string, holder ingotclient.WalletBodyHolderInput, currency, kind string, n int) ([]string, error) {
	ws := make([]ingotclient.WalletBody, n)
	for i := range ws {
		ws[i] = ingotclient.WalletBody{Holder: holder, Currency: currency, Kind: kind}
	}
	out, err := c.api(key).CreateWalletBatch(ctx, ingotclient.CreateWalletsRequest{Wallets: ws})
	if err != nil {
		return nil, err
	}
	if len(out.Items) != n {
		return nil, fmt.Errorf("POST /v1/wallets/batch: %d wallets for %d", len(out.Items), n)
	}
	ids := make([]string, n)
	for i, it := range out.Items {
		ids[i] = it.ID
	}
	return ids, nil
}

// setupMerchants opens MerchantsPerOperator merchant wallets at each
// operator, gives each a profile (what its QR codes show), and sets each
// operator's merchant fee to MerchantFeeBPS.
func setupMerchants(ctx context.Context, c *client, fx *fixture, holder ingotclient.WalletBodyHolderInput, conc int) error {
	fx.merchants = make([]string, 2*MerchantsPerOperator)
	for o := range fx.ops {
		ids, err := openWallets(ctx, c, fx.ops[o].key, holder, fx.cur.Code, "merchant", MerchantsPerOperator)
		if err != nil {
			return err
		}
		for j, id := range ids {
			fx.merchants[2*j+o] = id
		}
		if _, err := c.api(fx.ops[o].key).SetFees(ctx, ingotclient.FeesRequest{Currency: fx.cur.Code, MerchantRateBps: MerchantFeeBPS}); err != nil {
			return err
		}
	}
	return parallel(ctx, len(fx.merchants), conc, func(i int) error {
		_, err := c.api(fx.ops[i%2].key).SetMerchant(ctx, fx.merchants[i], ingotclient.SetMerchantRequest{
			Name: fmt.Sprintf("Bench shop %d", i), City: "Beijing", Country: "CN", MCC: "5812",
		})
		return err
	})
}

// BenchRules are the risk rules --risk-rules adds, in turn: the kinds a
// central bank writes (amounts, velocity, counterparties, new wallets),
// with thresholds the bench's payments never reach, so that the run
// measures their evaluation and the aggregates they read, not alerts.
var BenchRules = []string{
	`amount > 5000000`,
	`payer.sent_24h + amount > 20000000`,
	`payer.count_1h > 100000`,
	`new_payee && amount > 1000000`,
	`payee.senders_24h > 1000000 && payee.kind != "merchant"`,
	`payer.age_days < 0 && amount > 100000`,
	`channel == "qr" && amount > 30000000`,
	`payer.tier == 4 && payer.received_24h > 1000000000`,
	`payee.mcc in ["7995", "6051"]`,
	`payer.operator != payee.operator && amount > 9000000`,
}

// addRiskRules adds cfg.RiskRules rules of the central bank.
func addRiskRules(ctx context.Context, c *client, cfg *Config) error {
	for i := range cfg.RiskRules {
		if _, err := c.api(cfg.Key).CreateRiskRule(ctx, ingotclient.RiskRuleBody{
			Name: fmt.Sprintf("bench rule %d", i+1), Expression: BenchRules[i%len(BenchRules)], Action: "alert", Severity: "low",
		}); err != nil {
			return fmt.Errorf("bench: risk rule %d: %w", i+1, err)
		}
	}
	return nil
}
