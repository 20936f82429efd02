package client

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify"
	"github.com/ingot-cbdc/ingot/webhook"
)

// WebhookTolerance is how far a webhook delivery's timestamp may be from
// now for VerifyWebhook.
const WebhookTolerance = 5 * time.Minute

// VerifyWebhook checks a webhook delivery received from Ingot: its
// webhook-signature header must hold a valid signature of body with the
// endpoint's secret ("whsec_..."; shown once by CreateWebhookEndpoint), and
// its webhook-timestamp must be within WebhookTolerance of now. Receivers
// should then deduplicate deliveries by the webhook-id header.
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	return webhook.Verify(secret, h, body, now, WebhookTolerance)
}

// Leaf is a transfer as the transparency log records it (see
// docs/transparency-log.md): accounts by number, amount in minor units,
// and the SHA-256 of the memo.
type Leaf = verify.Leaf

// VerifyInclusion checks an inclusion proof (GetTransferProof or
// GetLogEntry) against a pinned verifier key of the log (as GetLogKey
// answers; obtain it out of band and pin it): the proof's checkpoint must
// be signed by that key and be of the proof's tree size, and the proof must
// show the leaf at its log index in that tree. It returns the decoded leaf
// and the checkpoint's tree. A log whose key was rotated signs later
// checkpoints with another key: pin the key that signs them.
func VerifyInclusion(p *InclusionProof, verifierKey string) (Leaf, tlog.Tree, error) {
	tree, err := translog.OpenCheckpoint([]byte(p.Checkpoint), verifierKey, "")
	if err != nil {
		return Leaf{}, tlog.Tree{}, fmt.Errorf("ingot: %w", err)
	}
	if tree.N != p.TreeSize {
		return Leaf{}, tlog.Tree{}, fmt.Errorf("ingot: checkpoint of size %d, proof for size %d", tree.N, p.TreeSize)
	}
	proof := make(tlog.RecordProof, len(p.Proof))
	for i, s := range p.Proof {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return Leaf{}, tlog.Tree{}, fmt.Errorf("ingot: proof hash %d: %w", i, err)
		}
		proof[i] = h
	}
	if err := translog.VerifyInclusion(p.Leaf, p.LogIndex, tree, proof); err != nil {
		return Leaf{}, tlog.Tree{}, fmt.Errorf("ingot: %w", err)
	}
	l, err := verify.ParseLeaf(p.Leaf)
	if err != nil {
		return Leaf{}, tlog.Tree{}, fmt.Errorf("ingot: leaf: %w", err)
	}
	return l, tree, nil
}

// ProveTransfer fetches the inclusion proof of transfer id in the latest
// checkpoint and checks it with VerifyInclusion against the pinned
// verifierKey; the leaf must be that transfer's.
func (c *Client) ProveTransfer(ctx context.Context, id, verifierKey string) (Leaf, tlog.Tree, error) {
	p, err := c.GetTransferProof(ctx, id, nil)
	if err != nil {
		return Leaf{}, tlog.Tree{}, err
	}
	l, tree, err := VerifyInclusion(p, verifierKey)
	if err != nil {
		return Leaf{}, tlog.Tree{}, err
	}
	if l.ID != id {
		return Leaf{}, tlog.Tree{}, fmt.Errorf("ingot: the proof's leaf is transfer %s, not %s", l.ID, id)
	}
	return l, tree, nil
}
