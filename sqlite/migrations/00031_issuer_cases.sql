-- +goose Up
-- Cases per issuer (issue 15): a case opened by a central bank that is not
-- the platform's administrator belongs to it ('' an operator's or the
-- administrator's).
ALTER TABLE cases ADD COLUMN issuer_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cases DROP COLUMN issuer_id;
