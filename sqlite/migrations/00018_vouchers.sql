-- +goose Up
-- Vouchers: purpose-bound money (issue 14). A program's definition never
-- changes; a wallet's earmarked money of a program is an account of kind
-- 'earmark' (a child of the wallet), linked here to its program. Times are
-- Unix microseconds; mccs and merchants are JSON arrays.
CREATE TABLE voucher_programs (
    program     TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL DEFAULT '',
    issuer      INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    mccs        TEXT NOT NULL,
    merchants   TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX voucher_programs_expiry ON voucher_programs (expires_at);

CREATE TABLE earmarks (
    account INTEGER PRIMARY KEY,
    wallet  INTEGER NOT NULL,
    program TEXT NOT NULL,
    expired INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX earmarks_program ON earmarks (program, account);
CREATE INDEX earmarks_wallet ON earmarks (wallet);

-- The part of a payment paid with earmarked money, per earmark account.
CREATE TABLE voucher_uses (
    payment TEXT NOT NULL,
    account INTEGER NOT NULL,
    amount  INTEGER NOT NULL,
    PRIMARY KEY (payment, account)
);

-- +goose Down
DROP TABLE voucher_uses;
DROP TABLE earmarks;
DROP TABLE voucher_programs;
