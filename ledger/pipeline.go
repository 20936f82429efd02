package ledger

import "golang.org/x/mod/sumdb/tlog"

// The frontier handed from a batch being committed to the next one.
//
// With batches pipelined, the next batch reads the log head as soon as this
// one's commit releases it, usually before this batch's worker has noted
// that its commit succeeded. The frontier is therefore published before the
// commit as pending, and the next batch, when the head has the pending
// frontier's size, waits for the commit's outcome (a few microseconds: the
// commit is done, its worker has yet to say so) rather than reading hashes.

// pendingFront is the frontier of a batch whose commit is under way.
type pendingFront struct {
	front logFrontier
	done  chan struct{} // closed when the commit's outcome is known
	ok    bool          // the commit succeeded; set before done is closed
}

// committing publishes f (nil: unknown) as the frontier of the batch about
// to commit.
func (e *Engine) committing(f *logFrontier) *pendingFront {
	if f == nil {
		return nil
	}
	p := &pendingFront{front: *f, done: make(chan struct{})}
	e.frontMu.Lock()
	e.pending = p
	e.frontMu.Unlock()
	return p
}

// committed records the outcome of p's commit (p may be nil). A commit
// whose outcome is unknown clears the cache: the next batch reads hashes.
func (e *Engine) committed(p *pendingFront, ok bool) {
	e.frontMu.Lock()
	defer e.frontMu.Unlock()
	if p == nil {
		if !ok {
			e.front = logFrontier{}
		}
		return
	}
	p.ok = ok
	close(p.done)
	if e.pending == p {
		e.pending = nil
	}
	if ok {
		e.front = p.front
	} else {
		e.front = logFrontier{}
	}
}

// frontier returns the cached frontier hashes of a log of size n, or nil.
func (e *Engine) frontier(n int64) map[int64]tlog.Hash {
	e.frontMu.Lock()
	if e.front.hashes != nil && e.front.size == n {
		h := e.front.hashes
		e.frontMu.Unlock()
		return h
	}
	p := e.pending
	e.frontMu.Unlock()
	if p == nil || p.front.size != n {
		return nil
	}
	<-p.done
	if !p.ok {
		return nil
	}
	return p.front.hashes
}
