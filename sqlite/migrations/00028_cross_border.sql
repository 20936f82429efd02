-- +goose Up
-- Cross-border rules (issue 15; crossborder.go): per currency, set by its
-- issuer. blocked_tiers is a JSON array of tiers, corridors a JSON array of
-- {"from","to","daily_limit"} (minor units). A currency without a row has
-- the defaults (tier 4 blocked, purpose optional, no corridors).
CREATE TABLE cross_border_rules (
    currency         TEXT PRIMARY KEY,
    blocked_tiers    TEXT NOT NULL,
    purpose_required INTEGER NOT NULL,
    corridors        TEXT NOT NULL,
    updated_at       INTEGER NOT NULL
) WITHOUT ROWID;

-- What a holder (a root wallet) sent through a corridor to a jurisdiction:
-- total counts on day only (ingot.Period's day).
CREATE TABLE corridor_counters (
    wallet_id  INTEGER NOT NULL,
    to_country TEXT NOT NULL,
    day        INTEGER NOT NULL DEFAULT 0,
    total      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (wallet_id, to_country)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE corridor_counters;
DROP TABLE cross_border_rules;
