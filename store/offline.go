package store

import (
	"context"

	"github.com/ingot-cbdc/ingot"
)

// OfflineStore reads offline keys and devices (ingot's offline.go); the
// engine's batches write devices and offline payments (BatchWrite.Offline).
type OfflineStore interface {
	// CreateOfflineKey stores an offline key unless its owner has one: it
	// returns the owner's key as stored (the existing one, when two
	// processes race).
	CreateOfflineKey(ctx context.Context, k ingot.OfflineKey) (ingot.OfflineKey, error)
	// OfflineKeys lists every offline key, by owner.
	OfflineKeys(ctx context.Context) ([]ingot.OfflineKey, error)
	// Device reads a device, or ErrNotFound.
	Device(ctx context.Context, id string) (ingot.Device, error)
	// DeviceByKey reads the device of a public key, or ErrNotFound.
	DeviceByKey(ctx context.Context, key []byte) (ingot.Device, error)
	// WalletDevices lists a wallet's devices, by id.
	WalletDevices(ctx context.Context, wallet int64) ([]ingot.Device, error)
	// RevokedDevices lists the revoked devices, by revocation time then id.
	RevokedDevices(ctx context.Context) ([]ingot.Device, error)
	// DevicePayments lists the offline payments a device made, by counter.
	DevicePayments(ctx context.Context, device string) ([]ingot.OfflinePayment, error)
}

// OfflinePaymentKey is an offline payment's identity.
type OfflinePaymentKey struct {
	Payer   string
	Counter int64
}

// OfflineBatchTx is the offline purses' part of a batch.
type OfflineBatchTx interface {
	// LockDevices returns the devices among ids, locked, by id. Unknown
	// ids are left out.
	LockDevices(ctx context.Context, ids []string) ([]ingot.Device, error)
	// OfflinePayments reads the applied offline payments of the given
	// identities (every row of each: a double spend has several), whose
	// payer devices the batch has locked.
	OfflinePayments(ctx context.Context, keys []OfflinePaymentKey) ([]ingot.OfflinePayment, error)
}

// OfflineWrite is what a batch writes of offline purses: new devices
// (after BatchWrite.NewAccounts, which holds their accounts), devices
// whose Loads, Debt or revocation changed, and new offline payments.
type OfflineWrite struct {
	NewDevices []ingot.Device
	Devices    []ingot.Device
	Payments   []ingot.OfflinePayment
}
