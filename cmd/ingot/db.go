package main

import (
	"context"
	"errors"
	"net/url"

	"github.com/ingot-cbdc/ingot/sqlite"
	"github.com/ingot-cbdc/ingot/store"
)

// isPostgres reports whether a --db value is a PostgreSQL URL.
func isPostgres(db string) bool {
	u, err := url.Parse(db)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
}

// openStore opens the database a --db value names, without migrating.
func openStore(ctx context.Context, db string) (store.Store, error) {
	if db == "" {
		return nil, errors.New("--db is empty")
	}
	if isPostgres(db) {
		return openPostgres(ctx, db)
	}
	return sqlite.Open(db)
}
