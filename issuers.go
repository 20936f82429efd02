package ingot

import "time"

// Several central banks on one platform (issue 15). A currency has exactly
// one issuer: the central bank that mints and burns it, reads its supply,
// sets its tiers' limits and admits operators to it. One issuer is the
// platform's administrator: it registers the others. An operator holds
// reserves and opens wallets only in the currencies of the issuer that
// registered it and of the issuers that admitted it.

// AdminIssuerID is the administrator's issuer: the deployment's first
// central bank, which existed before several issuers did. Its keys and
// the operators it registered carry this id.
const AdminIssuerID = "00000000-0000-4000-8000-000000000001"

// Issuer is a central bank on the platform.
type Issuer struct {
	ID   string // UUID
	Name string
	// Country is its jurisdiction, ISO 3166-1 alpha-2 ("" for the
	// administrator's: the deployment's default, --country).
	Country string
	// Currencies are the ISO 4217 codes it issues, each issued by it
	// alone. The administrator's grow when it first mints a currency that
	// no issuer issues yet.
	Currencies []string
	Admin      bool // the platform's administrator
	CreatedAt  time.Time
}
