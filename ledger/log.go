package ledger

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
)

// The transparency log, as the API serves it. Every valid key may read the
// checkpoint, the verifier key and consistency proofs; inclusion proofs of a
// transfer go to whoever may read that transfer, the central bank and
// auditors.

var errNoLog = ingot.Errorf(ingot.CodeNotFound, "this server keeps no transparency log")

func (s *Service) signer() (*translog.Signer, error) {
	if s.eng.opt.Signer == nil {
		return nil, errNoLog
	}
	return s.eng.opt.Signer, nil
}

// LogKey is the log's verifier key in note format.
func (s *Service) LogKey(a ingot.Actor) (string, error) {
	sg, err := s.signer()
	if err != nil {
		return "", err
	}
	return sg.VerifierKey(), nil
}

// Checkpoint is the latest signed checkpoint.
func (s *Service) Checkpoint(ctx context.Context, a ingot.Actor) (ingot.Checkpoint, error) {
	if _, err := s.signer(); err != nil {
		return ingot.Checkpoint{}, err
	}
	c, err := s.st.LatestCheckpoint(ctx)
	if isNotFound(err) {
		return ingot.Checkpoint{}, ingot.Errorf(ingot.CodeNotFound, "the log is empty: no transfer has been committed yet")
	}
	if err != nil {
		return ingot.Checkpoint{}, s.unavailable(ctx, err)
	}
	return c, nil
}

// Consistency proves that the tree of size to extends the tree of size
// from (0 <= from <= to <= the latest checkpoint's size).
func (s *Service) Consistency(ctx context.Context, a ingot.Actor, from, to int64) (tlog.TreeProof, error) {
	latest, err := s.Checkpoint(ctx, a)
	if err != nil {
		return nil, err
	}
	if from < 0 || to < from || to > latest.Size {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "need 0 <= from <= to <= %d (the latest tree size)", latest.Size)
	}
	if from == 0 {
		// Every tree extends the empty tree: nothing to prove.
		return tlog.TreeProof{}, nil
	}
	p, err := translog.ProveConsistency(from, to, hashReader{ctx, s.st})
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return p, nil
}

// Proof is an inclusion proof of a transfer in a checkpointed tree.
type Proof struct {
	Transfer   ingot.Transfer
	LogIndex   int64
	TreeSize   int64
	Leaf       []byte
	Proof      tlog.RecordProof
	Checkpoint []byte // the signed checkpoint of TreeSize
}

// TransferProof proves a transfer's inclusion in the checkpoint of
// treeSize (0: the latest).
func (s *Service) TransferProof(ctx context.Context, a ingot.Actor, id string, treeSize int64) (Proof, error) {
	if _, err := s.signer(); err != nil {
		return Proof{}, err
	}
	var t ingot.Transfer
	var err error
	if a.Role == ingot.RoleOperator {
		t, err = s.Transfer(ctx, a, id)
	} else {
		t, err = s.anyTransfer(ctx, id)
	}
	if err != nil {
		return Proof{}, err
	}
	return s.prove(ctx, t, treeSize)
}

// EntryProof proves the log's leaf at an index, for the central bank and
// auditors: with it, an auditor samples the log at random without knowing
// transfer ids. Leaves name accounts by number only, never a person.
func (s *Service) EntryProof(ctx context.Context, a ingot.Actor, index, treeSize int64) (Proof, error) {
	if a.Role != ingot.RoleAuditor && a.Role != ingot.RoleCentralBank {
		return Proof{}, ingot.Errorf(ingot.CodeForbidden, "only auditors and the central bank may read log entries by index")
	}
	if _, err := s.signer(); err != nil {
		return Proof{}, err
	}
	ts, err := s.st.LogTransfers(ctx, index, 1)
	if err != nil {
		return Proof{}, s.unavailable(ctx, err)
	}
	if index < 0 || len(ts) == 0 || ts[0].LogIndex != index {
		return Proof{}, ingot.Errorf(ingot.CodeNotFound, "no log entry %d", index)
	}
	return s.prove(ctx, ts[0], treeSize)
}

// prove makes a transfer's inclusion proof in the checkpoint of treeSize
// (0: the latest).
func (s *Service) prove(ctx context.Context, t ingot.Transfer, treeSize int64) (Proof, error) {
	id := t.ID
	var err error
	if t.LogIndex < 0 {
		return Proof{}, ingot.Errorf(ingot.CodeNotFound, "transfer %s was committed without a log", id)
	}
	var cp ingot.Checkpoint
	if treeSize == 0 {
		cp, err = s.st.LatestCheckpoint(ctx)
	} else {
		cp, err = s.st.Checkpoint(ctx, treeSize)
	}
	if isNotFound(err) {
		return Proof{}, ingot.Errorf(ingot.CodeNotFound, "no checkpoint of tree size %d (every committed batch makes one; see GET /v1/log/checkpoint)", treeSize)
	}
	if err != nil {
		return Proof{}, s.unavailable(ctx, err)
	}
	if t.LogIndex >= cp.Size {
		return Proof{}, ingot.Errorf(ingot.CodeInvalidRequest, "transfer %s (log index %d) is not in the tree of size %d", id, t.LogIndex, cp.Size)
	}
	p, err := translog.ProveInclusion(t.LogIndex, cp.Size, hashReader{ctx, s.st})
	if err != nil {
		return Proof{}, s.unavailable(ctx, err)
	}
	return Proof{Transfer: t, LogIndex: t.LogIndex, TreeSize: cp.Size, Leaf: translog.LeafBytes(t), Proof: p, Checkpoint: cp.Note}, nil
}

// anyTransfer reads a transfer for the central bank and auditors.
func (s *Service) anyTransfer(ctx context.Context, id string) (ingot.Transfer, error) {
	if _, err := uuid.Parse(id); err != nil {
		return ingot.Transfer{}, notFound("transfer " + strconv.Quote(id))
	}
	t, err := s.st.Transfer(ctx, id)
	if isNotFound(err) {
		return ingot.Transfer{}, notFound("transfer " + id)
	}
	if err != nil {
		return ingot.Transfer{}, s.unavailable(ctx, err)
	}
	return t, nil
}

// NewAuditor is a read-only auditor key: its record and its secret, shown
// once: never stored, so absent from a replay.
type NewAuditor struct {
	ID        string
	CreatedAt time.Time
	APIKey    string `json:"-"`
}

// CreateAuditor makes a read-only auditor key (central bank only).
func (s *Service) CreateAuditor(ctx context.Context, a ingot.Actor, idem *Idem) (*NewAuditor, error) {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	secret := s.newSecret()
	key := ingot.APIKey{ID: newID(), Role: ingot.RoleAuditor, Hash: HashSecret(secret), CreatedAt: s.now()}
	res := &NewAuditor{ID: key.ID, CreatedAt: key.CreatedAt}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateAPIKey(ctx, key, rec)
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	res.APIKey = secret
	return res, nil
}

type hashReader struct {
	ctx context.Context
	st  store.Store
}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return r.st.ReadHashes(r.ctx, indexes)
}
