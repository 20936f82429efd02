// Package testdb opens real, isolated databases for tests: a fresh SQLite
// file, or a fresh PostgreSQL database on the server named by
// INGOT_TEST_POSTGRES_URL. Without it, tests on PostgreSQL skip, or fail
// when INGOT_REQUIRE_POSTGRES is set (CI sets both): see PostgresURL.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot/internal/testdb/testpg"
	"github.com/ingot-cbdc/ingot/postgres"
	"github.com/ingot-cbdc/ingot/sqlite"
	"github.com/ingot-cbdc/ingot/store"
)

// EnvPostgres names the variable with the URL of the test PostgreSQL server.
const EnvPostgres = testpg.Env

// PostgresURL returns the URL of the test PostgreSQL server (EnvPostgres).
// Without one, the test fails when INGOT_REQUIRE_POSTGRES is set (as in CI)
// and is skipped otherwise. Every test that needs PostgreSQL starts with it
// (or with NewDSN, Open or OpenURL of "postgres", which call it).
func PostgresURL(t testing.TB) string {
	t.Helper()
	return testpg.URL(t)
}

// Kinds are the store kinds every store-facing test runs on.
var Kinds = []string{"sqlite", "postgres"}

// Open opens a migrated, empty store of a kind, closed at the end of the test.
func Open(t testing.TB, kind string) store.Store {
	t.Helper()
	st, _ := OpenURL(t, kind)
	return st
}

// OpenURL is Open that also returns what --db would take to open the same
// database (a file path or a postgres URL).
func OpenURL(t testing.TB, kind string) (store.Store, string) {
	t.Helper()
	dsn := NewDSN(t, kind)
	st, err := OpenDSN(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s store: %v", kind, err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s store: %v", kind, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, dsn
}

// OpenDSN opens a store from a --db value, without migrating.
func OpenDSN(ctx context.Context, dsn string) (store.Store, error) {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(dsn)
}

// NewDSN makes a new empty database of a kind and returns its --db value.
// For "postgres", see PostgresURL when EnvPostgres is not set.
func NewDSN(t testing.TB, kind string) string {
	t.Helper()
	switch kind {
	case "sqlite":
		return filepath.Join(t.TempDir(), "ingot.db")
	case "postgres":
		admin := PostgresURL(t)
		var b [6]byte
		_, _ = rand.Read(b[:])
		name := "ingot_t_" + hex.EncodeToString(b[:])
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Fatalf("connect to %s: %v", EnvPostgres, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("create database: %v", err)
		}
		t.Cleanup(func() {
			c, err := pgx.Connect(context.Background(), admin)
			if err != nil {
				return
			}
			defer c.Close(context.Background())
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		})
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatalf("parse %s: %v", EnvPostgres, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	t.Fatalf("unknown store kind %q", kind)
	return ""
}
