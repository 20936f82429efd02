// Package testpg decides whether a test runs on PostgreSQL: the one place
// that reads INGOT_TEST_POSTGRES_URL and INGOT_REQUIRE_POSTGRES.
//
// It imports nothing of Ingot, so that every test can use it, including the
// postgres package's own tests (package testdb imports postgres, which those
// tests cannot import back). Use testdb.PostgresURL elsewhere; it is this.
package testpg

import (
	"os"
	"testing"
)

// Env names the variable with the URL of the test PostgreSQL server, on
// which tests may create databases and schemas (.ci/pg-start prints one).
const Env = "INGOT_TEST_POSTGRES_URL"

// EnvRequire names the variable that makes a PostgreSQL test that cannot
// run fail instead of skip. .ci/run sets it, so CI never passes with the
// PostgreSQL tests skipped.
const EnvRequire = "INGOT_REQUIRE_POSTGRES"

// Required reports whether EnvRequire is set (to anything but "", "0" or
// "false").
func Required() bool {
	switch os.Getenv(EnvRequire) {
	case "", "0", "false":
		return false
	}
	return true
}

// URL returns the test PostgreSQL server's URL. Without one, the test fails
// when PostgreSQL is required (Required) and is skipped otherwise.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if Required() {
			t.Fatalf("%s is not set but %s is: this PostgreSQL test must run (start a server with .ci/pg-start and export its URL)", Env, EnvRequire)
		}
		t.Skipf("%s is not set; skipping the PostgreSQL test (start a server with .ci/pg-start and export its URL)", Env)
	}
	return u
}
