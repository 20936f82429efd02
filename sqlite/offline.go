package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Offline purses (store/offline.go; migration 00022).

const deviceCols = `id, wallet, account, operator_id, currency, public_key, max_balance, max_payment, certificate,
	loads, debt, revoked_at, revoked_reason, created_at`

func scanDevice(sc scanner) (ingot.Device, error) {
	var d ingot.Device
	var revoked, created int64
	if err := sc.Scan(&d.ID, &d.Wallet, &d.Account, &d.OperatorID, &d.Currency, &d.PublicKey, &d.MaxBalance, &d.MaxPayment,
		&d.Certificate, &d.Loads, &d.Debt, &revoked, &d.RevokedReason, &created); err != nil {
		return ingot.Device{}, err
	}
	if revoked != 0 {
		d.RevokedAt = fromMicros(revoked)
	}
	d.CreatedAt = fromMicros(created)
	return d, nil
}

const offlinePaymentCols = `payer, counter, hash, prev, kind, payee, amount, transfer_id, conflict, created_at`

func scanOfflinePayment(sc scanner) (ingot.OfflinePayment, error) {
	var p ingot.OfflinePayment
	var created int64
	err := sc.Scan(&p.Payer, &p.Counter, &p.Hash, &p.Prev, &p.Kind, &p.Payee, &p.Amount, &p.Transfer, &p.Conflict, &created)
	p.CreatedAt = fromMicros(created)
	return p, err
}

func scanOfflineKey(sc scanner) (ingot.OfflineKey, error) {
	var k ingot.OfflineKey
	var created int64
	err := sc.Scan(&k.Owner, &k.PublicKey, &k.Seed, &k.Cert, &created)
	k.CreatedAt = fromMicros(created)
	return k, err
}

// CreateOfflineKey stores an offline key unless its owner has one, and
// returns the owner's key as stored.
func (s *Store) CreateOfflineKey(ctx context.Context, k ingot.OfflineKey) (ingot.OfflineKey, error) {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO offline_keys (owner, public_key, seed, cert, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (owner) DO NOTHING`, k.Owner, k.PublicKey, k.Seed, k.Cert, micros(k.CreatedAt)); err != nil {
		return ingot.OfflineKey{}, fmt.Errorf("sqlite: create offline key: %w", err)
	}
	out, err := scanOfflineKey(s.r.QueryRowContext(ctx, `SELECT owner, public_key, seed, cert, created_at FROM offline_keys WHERE owner = ?`, k.Owner))
	if err != nil {
		return ingot.OfflineKey{}, notFound(err, "offline key")
	}
	return out, nil
}

// OfflineKeys lists every offline key, by owner.
func (s *Store) OfflineKeys(ctx context.Context) ([]ingot.OfflineKey, error) {
	out, err := collect(ctx, s.r, scanOfflineKey, `SELECT owner, public_key, seed, cert, created_at FROM offline_keys ORDER BY owner`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: offline keys: %w", err)
	}
	return out, nil
}

// Device reads a device.
func (s *Store) Device(ctx context.Context, id string) (ingot.Device, error) {
	d, err := scanDevice(s.r.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM devices WHERE id = ?`, id))
	if err != nil {
		return ingot.Device{}, notFound(err, "device")
	}
	return d, nil
}

// DeviceByKey reads the device of a public key.
func (s *Store) DeviceByKey(ctx context.Context, key []byte) (ingot.Device, error) {
	d, err := scanDevice(s.r.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM devices WHERE public_key = ?`, key))
	if err != nil {
		return ingot.Device{}, notFound(err, "device")
	}
	return d, nil
}

// WalletDevices lists a wallet's devices, by id.
func (s *Store) WalletDevices(ctx context.Context, wallet int64) ([]ingot.Device, error) {
	out, err := collect(ctx, s.r, scanDevice, `SELECT `+deviceCols+` FROM devices WHERE wallet = ? ORDER BY id`, wallet)
	if err != nil {
		return nil, fmt.Errorf("sqlite: wallet devices: %w", err)
	}
	return out, nil
}

// RevokedDevices lists the revoked devices.
func (s *Store) RevokedDevices(ctx context.Context) ([]ingot.Device, error) {
	out, err := collect(ctx, s.r, scanDevice, `SELECT `+deviceCols+` FROM devices WHERE revoked_at > 0 ORDER BY revoked_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: revoked devices: %w", err)
	}
	return out, nil
}

// DevicePayments lists the offline payments a device made, by counter.
func (s *Store) DevicePayments(ctx context.Context, device string) ([]ingot.OfflinePayment, error) {
	out, err := collect(ctx, s.r, scanOfflinePayment, `SELECT `+offlinePaymentCols+` FROM offline_payments
		WHERE payer = ? ORDER BY counter, created_at, hash`, device)
	if err != nil {
		return nil, fmt.Errorf("sqlite: device payments: %w", err)
	}
	return out, nil
}

// LockDevices reads the batch's devices (the batch holds the write lock).
func (b *batchTx) LockDevices(ctx context.Context, ids []string) ([]ingot.Device, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock devices: %w", err)
	}
	out, err := collect(ctx, b.tx, scanDevice, `SELECT `+deviceCols+` FROM devices WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock devices: %w", err)
	}
	return out, nil
}

// OfflinePayments reads the applied offline payments of the given
// identities.
func (b *batchTx) OfflinePayments(ctx context.Context, keys []store.OfflinePaymentKey) ([]ingot.OfflinePayment, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pairs := make([][2]any, len(keys))
	for i, k := range keys {
		pairs[i] = [2]any{k.Payer, k.Counter}
	}
	arg, err := jsonArray(pairs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: offline payments: %w", err)
	}
	out, err := collect(ctx, b.tx, scanOfflinePayment, `SELECT `+offlinePaymentCols+` FROM offline_payments
		WHERE (payer, counter) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?)) ORDER BY payer, counter, created_at, hash`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: offline payments: %w", err)
	}
	return out, nil
}

// writeOffline inserts a batch's devices and offline payments and updates
// its changed devices.
func (b *batchTx) writeOffline(ctx context.Context, w *store.OfflineWrite) error {
	for _, d := range w.NewDevices {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO devices (`+deviceCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.Wallet, d.Account, d.OperatorID, d.Currency, d.PublicKey, d.MaxBalance, d.MaxPayment, d.Certificate,
			d.Loads, d.Debt, revokedMicros(d), d.RevokedReason, micros(d.CreatedAt)); err != nil {
			return fmt.Errorf("sqlite: write device %s: %w", d.ID, err)
		}
	}
	for _, d := range w.Devices {
		res, err := b.tx.ExecContext(ctx, `UPDATE devices SET loads = ?, debt = ?, revoked_at = ?, revoked_reason = ? WHERE id = ?`,
			d.Loads, d.Debt, revokedMicros(d), d.RevokedReason, d.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update device %s: %w", d.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("sqlite: update device %s: %w", d.ID, cmpErr(err, sql.ErrNoRows))
		}
	}
	for _, p := range w.Payments {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO offline_payments (`+offlinePaymentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Payer, p.Counter, p.Hash, p.Prev, p.Kind, p.Payee, p.Amount, p.Transfer, p.Conflict, micros(p.CreatedAt)); err != nil {
			return fmt.Errorf("sqlite: write offline payment %s/%d: %w", p.Payer, p.Counter, err)
		}
	}
	return nil
}

func revokedMicros(d ingot.Device) int64 {
	if d.RevokedAt.IsZero() {
		return 0
	}
	return micros(d.RevokedAt)
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
