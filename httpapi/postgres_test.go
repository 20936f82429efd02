package httpapi_test

// Every forEachStore test also runs on a fresh PostgreSQL database when
// INGOT_TEST_POSTGRES_URL is set; without it the PostgreSQL runs skip, or
// fail under INGOT_REQUIRE_POSTGRES (testdb.PostgresURL).

import (
	"context"
	"testing"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/store"
)

func init() {
	stores["postgres"] = func(t testing.TB) store.Store {
		st, err := testdb.OpenDSN(context.Background(), testdb.NewDSN(t, "postgres"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
}
