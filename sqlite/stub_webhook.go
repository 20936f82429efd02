package sqlite

// TEMPORARY (issue 10 WIP): the outbox stub, replaced by webhooks.go. This
// file is deleted then.

import (
	"context"

	"github.com/ingot-cbdc/ingot"
)

func (b *batchTx) writeEvents(ctx context.Context, es []ingot.Event) error { return nil }
