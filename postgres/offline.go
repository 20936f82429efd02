package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Offline purses (store/offline.go; migration 00022).

const deviceCols = `id, wallet, account, operator_id, currency, public_key, max_balance, max_payment, certificate,
	loads, debt, revoked_at, revoked_reason, created_at`

func scanDevice(row pgx.Row) (ingot.Device, error) {
	var d ingot.Device
	var revoked *time.Time
	if err := row.Scan(&d.ID, &d.Wallet, &d.Account, &d.OperatorID, &d.Currency, &d.PublicKey, &d.MaxBalance, &d.MaxPayment,
		&d.Certificate, &d.Loads, &d.Debt, &revoked, &d.RevokedReason, &d.CreatedAt); err != nil {
		return ingot.Device{}, err
	}
	if revoked != nil {
		d.RevokedAt = revoked.UTC()
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return d, nil
}

const offlinePaymentCols = `payer, counter, hash, prev, kind, payee, amount, transfer_id, conflict, created_at`

func scanOfflinePayment(row pgx.Row) (ingot.OfflinePayment, error) {
	var p ingot.OfflinePayment
	err := row.Scan(&p.Payer, &p.Counter, &p.Hash, &p.Prev, &p.Kind, &p.Payee, &p.Amount, &p.Transfer, &p.Conflict, &p.CreatedAt)
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

func scanOfflineKey(row pgx.Row) (ingot.OfflineKey, error) {
	var k ingot.OfflineKey
	err := row.Scan(&k.Owner, &k.PublicKey, &k.Seed, &k.Cert, &k.CreatedAt)
	k.CreatedAt = k.CreatedAt.UTC()
	return k, err
}

// CreateOfflineKey stores an offline key unless its owner has one, and
// returns the owner's key as stored.
func (s *Store) CreateOfflineKey(ctx context.Context, k ingot.OfflineKey) (ingot.OfflineKey, error) {
	if _, err := s.pool.Exec(ctx, `INSERT INTO offline_keys (owner, public_key, seed, cert, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (owner) DO NOTHING`, k.Owner, k.PublicKey, k.Seed, k.Cert, k.CreatedAt); err != nil {
		return ingot.OfflineKey{}, fmt.Errorf("postgres: create offline key: %w", err)
	}
	return one(ctx, s.pool, "offline key", scanOfflineKey, `SELECT owner, public_key, seed, cert, created_at FROM offline_keys WHERE owner = $1`, k.Owner)
}

// OfflineKeys lists every offline key, by owner.
func (s *Store) OfflineKeys(ctx context.Context) ([]ingot.OfflineKey, error) {
	out, err := collect(ctx, s.pool, scanOfflineKey, `SELECT owner, public_key, seed, cert, created_at FROM offline_keys ORDER BY owner`)
	if err != nil {
		return nil, fmt.Errorf("postgres: offline keys: %w", err)
	}
	return out, nil
}

// Device reads a device.
func (s *Store) Device(ctx context.Context, id string) (ingot.Device, error) {
	return one(ctx, s.pool, "device", scanDevice, `SELECT `+deviceCols+` FROM devices WHERE id = $1`, id)
}

// DeviceByKey reads the device of a public key.
func (s *Store) DeviceByKey(ctx context.Context, key []byte) (ingot.Device, error) {
	return one(ctx, s.pool, "device", scanDevice, `SELECT `+deviceCols+` FROM devices WHERE public_key = $1`, key)
}

// WalletDevices lists a wallet's devices, by id.
func (s *Store) WalletDevices(ctx context.Context, wallet int64) ([]ingot.Device, error) {
	out, err := collect(ctx, s.pool, scanDevice, `SELECT `+deviceCols+` FROM devices WHERE wallet = $1 ORDER BY id`, wallet)
	if err != nil {
		return nil, fmt.Errorf("postgres: wallet devices: %w", err)
	}
	return out, nil
}

// RevokedDevices lists the revoked devices.
func (s *Store) RevokedDevices(ctx context.Context) ([]ingot.Device, error) {
	out, err := collect(ctx, s.pool, scanDevice, `SELECT `+deviceCols+` FROM devices WHERE revoked_at IS NOT NULL ORDER BY revoked_at, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: revoked devices: %w", err)
	}
	return out, nil
}

// DevicePayments lists the offline payments a device made, by counter.
func (s *Store) DevicePayments(ctx context.Context, device string) ([]ingot.OfflinePayment, error) {
	out, err := collect(ctx, s.pool, scanOfflinePayment, `SELECT `+offlinePaymentCols+` FROM offline_payments
		WHERE payer = $1 ORDER BY counter, created_at, hash`, device)
	if err != nil {
		return nil, fmt.Errorf("postgres: device payments: %w", err)
	}
	return out, nil
}

// LockDevices locks the batch's devices, by id.
func (b *batchTx) LockDevices(ctx context.Context, ids []string) ([]ingot.Device, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanDevice, `SELECT `+deviceCols+` FROM devices WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock devices: %w", err)
	}
	return out, nil
}

// OfflinePayments reads the applied offline payments of the given
// identities.
func (b *batchTx) OfflinePayments(ctx context.Context, keys []store.OfflinePaymentKey) ([]ingot.OfflinePayment, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	payers := make([]string, len(keys))
	counters := make([]int64, len(keys))
	for i, k := range keys {
		payers[i], counters[i] = k.Payer, k.Counter
	}
	out, err := collect(ctx, b.tx, scanOfflinePayment, `SELECT `+offlinePaymentCols+` FROM offline_payments
		WHERE (payer, counter) IN (SELECT * FROM unnest($1::text[], $2::bigint[])) ORDER BY payer, counter, created_at, hash`, payers, counters)
	if err != nil {
		return nil, fmt.Errorf("postgres: offline payments: %w", err)
	}
	return out, nil
}

// queueOffline queues a batch's new devices, changed devices and offline
// payments.
func queueOffline(batch *pgx.Batch, w *store.OfflineWrite) []check {
	var checks []check
	for _, d := range w.NewDevices {
		batch.Queue(`INSERT INTO devices (`+deviceCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			d.ID, d.Wallet, d.Account, d.OperatorID, d.Currency, d.PublicKey, d.MaxBalance, d.MaxPayment, d.Certificate,
			d.Loads, d.Debt, nullTime(d.RevokedAt), d.RevokedReason, d.CreatedAt)
		checks = append(checks, check{what: "device", want: 1})
	}
	for _, d := range w.Devices {
		batch.Queue(`UPDATE devices SET loads = $1, debt = $2, revoked_at = $3, revoked_reason = $4 WHERE id = $5`,
			d.Loads, d.Debt, nullTime(d.RevokedAt), d.RevokedReason, d.ID)
		checks = append(checks, check{what: "device " + d.ID, want: 1})
	}
	for _, p := range w.Payments {
		batch.Queue(`INSERT INTO offline_payments (`+offlinePaymentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			p.Payer, p.Counter, p.Hash, p.Prev, p.Kind, p.Payee, p.Amount, p.Transfer, p.Conflict, p.CreatedAt)
		checks = append(checks, check{what: "offline payment", want: 1})
	}
	return checks
}
