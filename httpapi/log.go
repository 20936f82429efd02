package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot/ledger"
)

// The transparency log: checkpoints, the verifier key, consistency and
// inclusion proofs (docs/transparency-log.md), and auditor keys.

// textPlain is the Content-Type of the checkpoint and the verifier key.
const textPlain = "text/plain; charset=utf-8"

// Text is a text/plain response: the body is written as is.
type Text struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

type consistencyIn struct {
	From int64 `query:"from" required:"true" minimum:"0" doc:"The size of the older tree."`
	To   int64 `query:"to" required:"true" minimum:"0" doc:"The size of the newer tree, at most the latest checkpoint's size."`
}

type proofIn struct {
	ID       string `path:"id"`
	TreeSize int64  `query:"tree_size" minimum:"1" doc:"The size of a checkpointed tree (a checkpoint's second line); absent: the latest checkpoint."`
}

type entryIn struct {
	Index    int64 `path:"index" minimum:"0" doc:"The leaf's index in the log (a transfer's log_index)."`
	TreeSize int64 `query:"tree_size" minimum:"1" doc:"The size of a checkpointed tree; absent: the latest checkpoint."`
}

type createAuditorIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
}

func (s *server) logRoutes() {
	text := func(id, path, summary, desc string, h func(context.Context, *struct{}) (*Text, error)) {
		huma.Register(s.api, huma.Operation{
			OperationID: id, Method: http.MethodGet, Path: path, Summary: summary, Description: desc,
			Tags: []string{"Transparency log"}, Security: bearer,
			Responses: map[string]*huma.Response{
				"200": {Description: "OK", Content: map[string]*huma.MediaType{
					textPlain: {Schema: &huma.Schema{Type: huma.TypeString}},
				}},
			},
		}, h)
	}
	text("getCheckpoint", "/v1/log/checkpoint", "The latest signed checkpoint (any key)",
		"The latest checkpoint of the transparency log, a C2SP signed note as stored: origin, tree size and base64 root hash, "+
			"a blank line and the signature by the log's Ed25519 key. Open it with note.Open and the key of GET /v1/log/key. "+
			"404 not_found while the log is empty.", s.checkpoint)
	text("getLogKey", "/v1/log/key", "The log's verifier key (any key)",
		"The note verifier key <origin>+<key id>+<base64 key> that checkpoints are signed with. "+
			"Auditors should obtain it out of band and compare.", s.logKey)
	huma.Register(s.api, huma.Operation{
		OperationID: "getConsistencyProof", Method: http.MethodGet, Path: "/v1/log/consistency",
		Summary:     "Prove a later tree extends an earlier one (any key)",
		Description: "The RFC 6962 consistency proof that the tree of size `to` extends the tree of size `from` (0 <= from <= to <= the latest size); check it with tlog.CheckTree.",
		Tags:        []string{"Transparency log"}, Security: bearer,
	}, s.consistency)
	huma.Register(s.api, huma.Operation{
		OperationID: "getTransferProof", Method: http.MethodGet, Path: "/v1/transfers/{id}/proof",
		Summary: "Prove a transfer is in the log",
		Description: "The transfer's leaf, its inclusion proof in the tree of size tree_size (the latest checkpoint when absent) and that signed checkpoint; " +
			"check with tlog.CheckRecord(proof, tree_size, root, log_index, tlog.RecordHash(leaf)). " +
			"For the operators of either side, the central bank and auditors; anyone else gets not_found.",
		Tags: []string{"Transparency log"}, Security: bearer,
	}, s.transferProof)
	huma.Register(s.api, huma.Operation{
		OperationID: "getLogEntry", Method: http.MethodGet, Path: "/v1/log/entries/{index}",
		Summary: "Prove the log's leaf at an index (auditors, central bank)",
		Description: "The same answer as GET /v1/transfers/{id}/proof, for the leaf at log_index `index`: " +
			"how an auditor samples the log at random. Leaves name accounts by number, never a person. Operators get 403.",
		Tags: []string{"Transparency log"}, Security: bearer,
	}, s.logEntry)
	post(s, "createAuditor", "/v1/auditors", "Make a read-only auditor key (central bank)", http.StatusCreated, "Transparency log", s.createAuditor)
}

func (s *server) checkpoint(ctx context.Context, _ *struct{}) (*Text, error) {
	cp, err := s.svc.Checkpoint(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Text{ContentType: textPlain, Body: cp.Note}, nil
}

func (s *server) logKey(ctx context.Context, _ *struct{}) (*Text, error) {
	k, err := s.svc.LogKey(actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Text{ContentType: textPlain, Body: []byte(k + "\n")}, nil
}

func (s *server) consistency(ctx context.Context, in *consistencyIn) (*Body[Consistency], error) {
	p, err := s.svc.Consistency(ctx, actor(ctx), in.From, in.To)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Consistency]{Body: Consistency{From: in.From, To: in.To, Proof: hashesOut(p)}}, nil
}

func (s *server) transferProof(ctx context.Context, in *proofIn) (*Body[InclusionProof], error) {
	p, err := s.svc.TransferProof(ctx, actor(ctx), in.ID, in.TreeSize)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[InclusionProof]{Body: InclusionProof{
		LogIndex: p.LogIndex, TreeSize: p.TreeSize, Leaf: p.Leaf, Proof: hashesOut(p.Proof), Checkpoint: string(p.Checkpoint),
	}}, nil
}

func (s *server) logEntry(ctx context.Context, in *entryIn) (*Body[InclusionProof], error) {
	p, err := s.svc.EntryProof(ctx, actor(ctx), in.Index, in.TreeSize)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[InclusionProof]{Body: InclusionProof{
		LogIndex: p.LogIndex, TreeSize: p.TreeSize, Leaf: p.Leaf, Proof: hashesOut(p.Proof), Checkpoint: string(p.Checkpoint),
	}}, nil
}

func (s *server) createAuditor(ctx context.Context, in *createAuditorIn) (*Out[Auditor], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, nil,
		func(idem *ledger.Idem) (*ledger.NewAuditor, error) {
			return s.svc.CreateAuditor(ctx, actor(ctx), idem)
		}, auditorOut)
}
