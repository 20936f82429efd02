package postgres

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ingot-cbdc/ingot/store"
)

var _ store.Classifier = (*Store)(nil)

// Unavailable reports whether err means that the server could not be
// reached or went away (a crash, a restart, a failover in a Patroni
// cluster), or is a replica that refuses writes: a retryable failure,
// which the API answers 503 unavailable. A statement the server refused
// for its content (a constraint, a deadlock, a syntax error) is not one.
func (s *Store) Unavailable(err error) bool { return Unavailable(err) }

// Unavailable is Store.Unavailable, for errors of any pgx connection.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", // admin_shutdown: the server is stopping, or a backend was terminated
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now: starting up, in recovery
			"25006", // read_only_sql_transaction: a replica (the old leader, demoted)
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(pe.Code, "08") // connection_exception
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "closed pool")
}
