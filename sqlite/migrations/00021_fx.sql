-- +goose Up
-- FX (issue 15): dealers' rates and their firm quotes; a quote is used by
-- at most one exchange (payment-versus-payment), written with its two legs.
CREATE TABLE fx_rates (
    dealer_id   TEXT NOT NULL REFERENCES operators (id),
    base        TEXT NOT NULL,
    quote       TEXT NOT NULL,
    bid         TEXT NOT NULL,
    ask         TEXT NOT NULL,
    max_amount  BIGINT NOT NULL,
    valid_until INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (dealer_id, base, quote)
);
CREATE TABLE fx_quotes (
    id             TEXT PRIMARY KEY,
    dealer_id      TEXT NOT NULL REFERENCES operators (id),
    sell_currency  TEXT NOT NULL,
    buy_currency   TEXT NOT NULL,
    sell_amount    BIGINT NOT NULL,
    buy_amount     BIGINT NOT NULL,
    base           TEXT NOT NULL,
    quote_currency TEXT NOT NULL,
    price          TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    status         TEXT NOT NULL,
    exchange_id    TEXT,
    payer          BIGINT NOT NULL DEFAULT 0,
    payee          BIGINT NOT NULL DEFAULT 0,
    sell_transfer  TEXT NOT NULL DEFAULT '',
    buy_transfer   TEXT NOT NULL DEFAULT '',
    used_at        INTEGER
);
CREATE UNIQUE INDEX fx_quotes_exchange ON fx_quotes (exchange_id) WHERE exchange_id IS NOT NULL;

-- +goose Down
DROP TABLE fx_quotes;
DROP TABLE fx_rates;
