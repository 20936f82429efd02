package main

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
)

// TestTwoProcessesFX: two issuers on one PostgreSQL database served by two
// processes. An issuer registered on one process mints, admits and is
// obeyed on the other; quotes asked on one settle on the other; each quote
// sent to both at once settles once; both currencies' books hold and the
// log verifies.
func TestTwoProcessesFX(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "postgres")
	p1 := startProc(t, "p1", db)
	p2 := startProc(t, "p2", db)
	dealerID, dealer := p1.operator("FXPROC", "1000.00")
	iss := p1.must(201, "POST", "/v1/issuers", procAdminKey, map[string]any{"name": "HKMA", "country": "HK", "currencies": []string{"HKD"}})
	hkma, hkmaID := iss.str("api_key"), iss.str("id")
	p2.must(403, "POST", "/v1/issuance/mint", hkma, map[string]any{"operator_id": dealerID, "amount": "500.00", "currency": "HKD"})
	p2.must(204, "POST", "/v1/issuers/"+hkmaID+"/operators/"+dealerID, hkma, nil)
	p1.must(201, "POST", "/v1/issuance/mint", hkma, map[string]any{"operator_id": dealerID, "amount": "500.00", "currency": "HKD"})
	p2.must(403, "POST", "/v1/issuance/mint", procAdminKey, map[string]any{"operator_id": dealerID, "amount": "1.00", "currency": "HKD"})

	p1.must(200, "PUT", "/v1/fx/rates", dealer, map[string]any{"base": "CNY", "quote": "HKD", "bid": "1.0850", "ask": "1.0900",
		"max_amount": "1000.00", "valid_until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	from := p1.wallet(dealer, "300.00")
	to := p2.must(201, "POST", "/v1/wallets", dealer, map[string]any{"holder": map[string]any{"name": "Chan Tai Man", "phone": "+85291234567"}, "currency": "HKD"}).str("id")

	const n = 10
	var wg sync.WaitGroup
	wins := make([]int, n)
	var mu sync.Mutex
	for i := range n {
		q := []*proc{p1, p2}[i%2].must(201, "POST", "/v1/fx/quotes", dealer, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "10.00"}).str("id")
		for _, p := range []*proc{p1, p2} {
			wg.Go(func() {
				r, err := p.do("POST", "/v1/fx/exchanges", dealer, map[string]any{"quote_id": q, "from": from, "to": to})
				if err != nil {
					t.Errorf("exchange on %s: %v", p.name, err)
					return
				}
				switch r.status {
				case 201:
					mu.Lock()
					wins[i]++
					mu.Unlock()
				case 409:
					if r.str("code") != "quote_unavailable" {
						t.Errorf("exchange on %s: %s", p.name, r)
					}
				default:
					t.Errorf("exchange on %s: %s", p.name, r)
				}
			})
		}
	}
	wg.Wait()
	for i, w := range wins {
		if w != 1 {
			t.Errorf("quote %d settled %d times", i, w)
		}
	}
	if b := p2.balance(dealer, from); b != fmt.Sprintf("%d.00", 300-10*n) {
		t.Errorf("payer %s", b)
	}
	if b := p1.balance(dealer, to); b != fmt.Sprintf("%d.%02d", n*1085/100, n*1085%100) { // 10.85 HKD per exchange
		t.Errorf("payee %s", b)
	}
	sup := p2.must(200, "GET", "/v1/issuance/supply?currency=HKD", hkma, nil)
	if sup.str("issued") != "500.00" || procCents(t, sup.str("issued")) != procCents(t, sup.str("reserves"))+procCents(t, sup.str("wallets")) {
		t.Errorf("HKD supply %s", sup)
	}
	p1.checkSupply("1000.00", "200.00")
	p1.stopGracefully()
	p2.stopGracefully()
	procVerify(t, db)
}
