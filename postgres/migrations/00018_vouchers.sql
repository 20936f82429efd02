-- +goose Up
-- Vouchers: purpose-bound money (issue 14). A program's definition never
-- changes; a wallet's earmarked money of a program is an account of kind
-- 'earmark' (a child of the wallet), linked here to its program. Times are
-- timestamps; mccs and merchants are JSON arrays.
CREATE TABLE voucher_programs (
    program     TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL DEFAULT '',
    issuer      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    mccs        JSONB NOT NULL,
    merchants   JSONB NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX voucher_programs_expiry ON voucher_programs (expires_at);

CREATE TABLE earmarks (
    account BIGINT PRIMARY KEY,
    wallet  BIGINT NOT NULL,
    program TEXT NOT NULL,
    expired BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX earmarks_program ON earmarks (program, account);
CREATE INDEX earmarks_wallet ON earmarks (wallet);

-- The part of a payment paid with earmarked money, per earmark account.
CREATE TABLE voucher_uses (
    payment TEXT NOT NULL,
    account BIGINT NOT NULL,
    amount  BIGINT NOT NULL,
    PRIMARY KEY (payment, account)
);

-- +goose Down
DROP TABLE voucher_uses;
DROP TABLE earmarks;
DROP TABLE voucher_programs;
