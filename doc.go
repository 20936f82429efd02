// Package ingot is Ingot's domain: amounts and ISO 4217 currencies, wallet
// ids, operators, wallets, transfers, holds, KYC tiers and limits, bank
// accounts and operations, and errors with stable codes. It is pure Go with
// no I/O; the ledger engine (package ledger), the stores (sqlite, postgres)
// and the HTTP API (httpapi) are built on it.
package ingot
