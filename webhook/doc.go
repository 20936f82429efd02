// Package webhook sends operators' systems the events of the ledger
// (ingot.Event) as signed HTTP posts, by the Standard Webhooks
// specification: endpoints and their management (Service), signatures
// (Sign, Verify), the guard against server-side request forgery (Guard),
// and the deliverer that sends the outbox at least once, in order per
// endpoint, with retries (Deliverer). What it keeps is behind Store, which
// both stores implement. docs/webhooks.md is the receiver's guide.
package webhook
