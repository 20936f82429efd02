package risk

import "time"

// Review is a payment a review rule held: its money is a hold on the
// payer's wallet until a reviewer releases it (the payment is made, to the
// payee) or refuses it (the hold is voided: the money is the payer's
// again). It is decided once.
type Review struct {
	ID              string // UUIDv7
	OperatorID      string // the payer's operator, whose reviewers decide
	PayeeOperatorID string
	Payer, Payee    int64
	Amount          int64
	Currency        string
	Memo            string
	Purpose         string // the held payment's ISO 20022 purpose code, "" none
	Channel         string
	HoldID          string
	RuleID          string
	RuleVersion     int
	AlertID         string
	Status          ReviewStatus
	TransferID      string // the payment, once released
	DecidedBy       string // the key that decided
	CreatedAt       time.Time
	DecidedAt       time.Time // zero while pending
}

// ReviewStatus is pending, released or refused.
type ReviewStatus string

// Review statuses.
const (
	ReviewPending  ReviewStatus = "pending"
	ReviewReleased ReviewStatus = "released"
	ReviewRefused  ReviewStatus = "refused"
)

// Case groups alerts under investigation, with notes and a decision.
type Case struct {
	ID         string // UUIDv7
	OperatorID string // the operator that opened it; "" a central bank
	IssuerID   string // a central bank's that is not the administrator: the issuer that opened it
	AlertIDs   []string
	Note       string
	Decision   CaseDecision // "" while open
	Status     CaseStatus
	CreatedBy  string // the key that opened it
	CreatedAt  time.Time
	DecidedAt  time.Time
}

// CaseStatus is open or decided.
type CaseStatus string

// Case statuses.
const (
	CaseOpen    CaseStatus = "open"
	CaseDecided CaseStatus = "decided"
)

// CaseDecision ends a case: freeze the wallets, report them, or close.
type CaseDecision string

// Case decisions.
const (
	DecisionFreeze CaseDecision = "freeze"
	DecisionReport CaseDecision = "report"
	DecisionClose  CaseDecision = "close"
)

// Valid reports whether d is one of the decisions.
func (d CaseDecision) Valid() bool {
	return d == DecisionFreeze || d == DecisionReport || d == DecisionClose
}

// Reveal is the central bank's request to see the identities behind a
// case: asked by one central-bank key, approved by a different one (four
// eyes).
type Reveal struct {
	ID          string // UUIDv7
	CaseID      string
	Reason      string
	RequestedBy string // key id
	Status      RevealStatus
	ApprovedBy  string
	CreatedAt   time.Time
	ApprovedAt  time.Time
}

// RevealStatus is pending or approved.
type RevealStatus string

// Reveal statuses.
const (
	RevealPending  RevealStatus = "pending"
	RevealApproved RevealStatus = "approved"
)
