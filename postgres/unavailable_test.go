package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ingot-cbdc/ingot/internal/testdb/testpg"
	"github.com/ingot-cbdc/ingot/store"
)

// TestUnavailableClasses: connection failures and a replica's refusal are
// unavailable; a statement refused for its content is not.
func TestUnavailableClasses(t *testing.T) {
	t.Parallel()
	// A real connect error: nothing listens on port 1.
	_, connErr := Open(context.Background(), "postgres://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
	if connErr == nil {
		t.Fatal("Open on port 1 succeeded")
	}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connect refused", connErr, true},
		{"admin shutdown", fmt.Errorf("postgres: x: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"read-only replica", &pgconn.PgError{Code: "25006"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, false},
		{"no rows", pgx.ErrNoRows, false},
		{"not found", store.ErrNotFound, false},
		{"other", errors.New("boom"), false},
	} {
		if got := Unavailable(c.err); got != c.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestConnectionsTerminated: the server ends every connection of the pool
// (as a failover or a restart does). A statement on a dead connection fails
// as unavailable, and the pool reconnects by itself: the next statements
// succeed, and the role is the primary's.
func TestConnectionsTerminated(t *testing.T) {
	t.Parallel()
	base := testpg.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	app := fmt.Sprintf("ingot_terminate_%d", time.Now().UnixNano())
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s := openURL(t, u.String(), false)
	ctx := context.Background()
	var c store.Classifier = s
	for round := 0; round < 3; round++ {
		if role, err := s.Role(ctx); err != nil || role != store.RolePrimary {
			t.Fatalf("round %d: Role = %q, %v before the termination", round, role, err)
		}
		admin, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = admin.QueryRow(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n)
		admin.Close(ctx)
		if err != nil || n == 0 {
			t.Fatalf("round %d: terminated %d connections: %v", round, n, err)
		}
		failed := 0
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := s.Role(ctx)
			if err == nil {
				break
			}
			failed++
			if !c.Unavailable(err) {
				t.Fatalf("round %d: after the termination: %v is not classed unavailable", round, err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the pool did not reconnect within 10 s: %v", round, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("round %d: %d connections terminated, %d statements failed before the pool reconnected", round, n, failed)
	}
}
