package main

import (
	"context"
	"errors"
	"net/url"

	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/postgres"
	"github.com/ingot-cbdc/ingot/sqlite"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/webhook"
)

// isPostgres reports whether a --db value is a PostgreSQL URL.
func isPostgres(db string) bool {
	u, err := url.Parse(db)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
}

// database is what the commands use of a database: the service's store,
// sign-in's, the sandbox bank's and webhooks'. Both stores are one.
type database interface {
	store.Store
	auth.Store
	bank.SandboxStore
	webhook.Store
}

// openStore opens the database a --db value names, without migrating.
func openStore(ctx context.Context, db string) (database, error) {
	if db == "" {
		return nil, errors.New("--db is empty")
	}
	if isPostgres(db) {
		st, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err // not a nil *postgres.Store in a non-nil interface
		}
		return st, nil
	}
	st, err := sqlite.Open(db)
	if err != nil {
		return nil, err
	}
	return st, nil
}
