package main

import (
	"context"
	"errors"

	"github.com/ingot-cbdc/ingot/store"
)

// openPostgres is a placeholder until the postgres package lands; see
// db_postgres.go.pending for the real one.
func openPostgres(ctx context.Context, url string) (store.Store, error) {
	return nil, errors.New("PostgreSQL support is not built in yet")
}
