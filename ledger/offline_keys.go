package ledger

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/offline"
)

// Offline keys (docs/offline-and-ussd.md): the central bank's offline key
// certifies each operator's offline key; an operator's key certifies its
// devices and signs their load vouchers. Each is made at first use and
// kept in the database (offline_keys), its seed sealed with the data key
// like holders' data (store.SealedColumns, so `ingot rekey` re-seals it):
// every process of one database signs with the same keys, and a database
// copied without its data key holds no usable key. Two processes making
// one owner's key at once both read back the one that was stored first.

// offlineSigner is an offline key ready to sign.
type offlineSigner struct {
	priv ed25519.PrivateKey
	pub  offline.Key
	cert offline.OperatorCert // an operator's key's certificate
}

// offlineKeys caches the keys a process has opened, by owner.
type offlineKeys struct{ m sync.Map }

// offlineKey returns the signer of an owner (ingot.OfflineCentralBank or
// an operator's id), making and storing its key at first use.
func (s *Service) offlineKey(ctx context.Context, owner string) (*offlineSigner, error) {
	if v, ok := s.offKeys.m.Load(owner); ok {
		return v.(*offlineSigner), nil
	}
	if s.pii == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "no data key: offline keys cannot be kept")
	}
	var cb *offlineSigner
	if owner != ingot.OfflineCentralBank {
		var err error
		if cb, err = s.offlineKey(ctx, ingot.OfflineCentralBank); err != nil {
			return nil, err
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	ctxt := "offline_key:" + owner
	seed, err := s.pii.Seal(base64.StdEncoding.EncodeToString(priv.Seed()), ctxt)
	if err != nil {
		return nil, err
	}
	k := ingot.OfflineKey{Owner: owner, PublicKey: pub, Seed: seed, CreatedAt: s.now()}
	if cb != nil {
		c := offline.OperatorCert{Operator: owner, Key: offline.Key(pub), IssuedAt: k.CreatedAt}
		c.Sign(cb.priv)
		if k.Cert, err = json.Marshal(c); err != nil {
			return nil, err
		}
	}
	stored, err := s.st.CreateOfflineKey(ctx, k)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	sg, err := s.openOfflineKey(stored)
	if err != nil {
		return nil, err
	}
	v, _ := s.offKeys.m.LoadOrStore(owner, sg)
	return v.(*offlineSigner), nil
}

// openOfflineKey opens a stored offline key.
func (s *Service) openOfflineKey(k ingot.OfflineKey) (*offlineSigner, error) {
	plain, err := s.pii.Open(k.Seed, "offline_key:"+k.Owner)
	if err != nil {
		return nil, fmt.Errorf("ledger: offline key of %s: %w", k.Owner, err)
	}
	seed, err := base64.StdEncoding.DecodeString(plain)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("ledger: offline key of %s: not an Ed25519 seed", k.Owner)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	sg := &offlineSigner{priv: priv, pub: offline.Key(priv.Public().(ed25519.PublicKey))}
	if !sg.pub.Equal(k.PublicKey) {
		return nil, fmt.Errorf("ledger: offline key of %s: the seed is not of the stored public key", k.Owner)
	}
	if k.Cert != nil {
		if err := json.Unmarshal(k.Cert, &sg.cert); err != nil {
			return nil, fmt.Errorf("ledger: offline key of %s: certificate: %w", k.Owner, err)
		}
	}
	return sg, nil
}

// OfflineKeys are the public offline keys: the central bank's, and every
// operator's with its certificate by the central bank.
type OfflineKeys struct {
	CentralBank offline.Key
	Operators   []offline.OperatorCert
}

// OfflineKeys lists the public offline keys, for devices and anyone who
// checks them. The central bank's key is made at the first call.
func (s *Service) OfflineKeys(ctx context.Context, _ ingot.Actor) (*OfflineKeys, error) {
	cb, err := s.offlineKey(ctx, ingot.OfflineCentralBank)
	if err != nil {
		return nil, err
	}
	ks, err := s.st.OfflineKeys(ctx)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	out := &OfflineKeys{CentralBank: cb.pub, Operators: []offline.OperatorCert{}}
	for _, k := range ks {
		if k.Owner == ingot.OfflineCentralBank || k.Cert == nil {
			continue
		}
		var c offline.OperatorCert
		if err := json.Unmarshal(k.Cert, &c); err != nil {
			return nil, fmt.Errorf("ledger: offline key of %s: certificate: %w", k.Owner, err)
		}
		out.Operators = append(out.Operators, c)
	}
	return out, nil
}
