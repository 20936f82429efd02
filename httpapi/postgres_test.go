package httpapi_test

// Rename to postgres_test.go once the postgres package exists: every
// forEachStore test then also runs on a fresh PostgreSQL database when
// INGOT_TEST_POSTGRES_URL is set, and skips cleanly without it.

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
