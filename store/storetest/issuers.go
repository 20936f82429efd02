package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The issuers' part of the suite (store/issuers.go): the administrator's
// issuer exists after the migrations; an issuer is stored with its
// currencies and key (its key names it); a currency issued already refuses
// the whole issuer; an unclaimed currency is claimed by the first of two
// racing issuers only; admissions are kept once; operators keep the issuer
// that registered them.

var issuerTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"Issuers", testIssuers},
	{"ClaimCurrencyRace", testClaimCurrencyRace},
}

func testIssuers(t *testing.T, s store.Store) {
	ctx := context.Background()
	admin, err := s.Issuer(ctx, ingot.AdminIssuerID)
	if err != nil || !admin.Admin || len(admin.Currencies) != 0 {
		t.Fatalf("the administrator's issuer after migrating: %+v %v", admin, err)
	}
	iss := ingot.Issuer{ID: uuid.NewString(), Name: "HKMA", Country: "HK", Currencies: []string{"HKD", "MOP"}, CreatedAt: now()}
	key := newKey(ingot.RoleCentralBank, "")
	key.IssuerID = iss.ID
	if rec, err := s.CreateIssuer(ctx, iss, key, newIdem("k", "issuer-1")); err != nil || rec != nil {
		t.Fatalf("CreateIssuer: %+v %v", rec, err)
	}
	if rec, err := s.CreateIssuer(ctx, iss, key, newIdem("k", "issuer-1")); err != nil || rec == nil {
		t.Fatalf("CreateIssuer replayed: %+v %v", rec, err)
	}
	got, err := s.Issuer(ctx, iss.ID)
	if err != nil || got.Name != "HKMA" || got.Country != "HK" || got.Admin || !reflect.DeepEqual(got.Currencies, iss.Currencies) || !eqTime(got.CreatedAt, norm(iss.CreatedAt)) {
		t.Fatalf("Issuer = %+v %v, want %+v", got, err, iss)
	}
	k, err := s.APIKeyByHash(ctx, key.Hash)
	if err != nil || k.IssuerID != iss.ID || k.Role != ingot.RoleCentralBank {
		t.Fatalf("the issuer's key: %+v %v", k, err)
	}
	// A currency has one issuer: a second one claiming it writes nothing.
	other := ingot.Issuer{ID: uuid.NewString(), Name: "Other", Country: "MO", Currencies: []string{"EUR", "MOP"}, CreatedAt: now()}
	if _, err := s.CreateIssuer(ctx, other, newKey(ingot.RoleCentralBank, ""), nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateIssuer of an issued currency: %v, want ErrConflict", err)
	}
	if _, err := s.Issuer(ctx, other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused issuer was written: %v", err)
	}
	if _, err := s.CurrencyIssuer(ctx, "EUR"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CurrencyIssuer(EUR) = %v, want ErrNotFound", err)
	}
	if id, err := s.CurrencyIssuer(ctx, "MOP"); err != nil || id != iss.ID {
		t.Fatalf("CurrencyIssuer(MOP) = %q %v", id, err)
	}
	if id, err := s.ClaimCurrency(ctx, "HKD", ingot.AdminIssuerID); err != nil || id != iss.ID {
		t.Fatalf("ClaimCurrency of an issued currency = %q %v, want its issuer", id, err)
	}
	if id, err := s.ClaimCurrency(ctx, "CNY", ingot.AdminIssuerID); err != nil || id != ingot.AdminIssuerID {
		t.Fatalf("ClaimCurrency(CNY) = %q %v", id, err)
	}
	all, err := s.Issuers(ctx)
	if err != nil || len(all) != 2 || all[0].ID != ingot.AdminIssuerID || !reflect.DeepEqual(all[0].Currencies, []string{"CNY"}) || all[1].ID != iss.ID {
		t.Fatalf("Issuers = %+v %v", all, err)
	}

	op := newOperator("ADM")
	op.IssuerID = iss.ID
	if _, err := s.CreateOperator(ctx, op, newKey(ingot.RoleOperator, op.ID), nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Operator(ctx, op.ID); err != nil || got.IssuerID != iss.ID {
		t.Fatalf("the operator's issuer: %+v %v", got, err)
	}
	if ok, err := s.Admitted(ctx, ingot.AdminIssuerID, op.ID); err != nil || ok {
		t.Fatalf("Admitted before admission = %v %v", ok, err)
	}
	for range 2 {
		if err := s.AdmitOperator(ctx, ingot.AdminIssuerID, op.ID, now()); err != nil {
			t.Fatalf("AdmitOperator: %v", err)
		}
	}
	if ok, err := s.Admitted(ctx, ingot.AdminIssuerID, op.ID); err != nil || !ok {
		t.Fatalf("Admitted = %v %v", ok, err)
	}
	if ok, err := s.Admitted(ctx, iss.ID, op.ID); err != nil || ok {
		t.Fatalf("Admitted by another issuer = %v %v", ok, err)
	}
}

func testClaimCurrencyRace(t *testing.T, s store.Store) {
	ctx := context.Background()
	iss := ingot.Issuer{ID: uuid.NewString(), Name: "HKMA", Country: "HK", Currencies: []string{"HKD"}, CreatedAt: now()}
	key := newKey(ingot.RoleCentralBank, "")
	key.IssuerID = iss.ID
	if _, err := s.CreateIssuer(ctx, iss, key, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([]string, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			by := ingot.AdminIssuerID
			if i%2 == 1 {
				by = iss.ID
			}
			got[i], errs[i] = s.ClaimCurrency(ctx, "SGD", by)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != got[0] {
			t.Fatalf("racing claims disagree: %v %v", got, errs)
		}
	}
}
