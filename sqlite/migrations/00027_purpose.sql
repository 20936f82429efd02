-- +goose Up
-- Purpose codes (issue 15): a payment's ISO 20022 purpose (Purp/Cd,
-- ExternalPurpose1Code, e.g. SALA, GDDS), '' when none was given.
ALTER TABLE transfers ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE transfers DROP COLUMN purpose;
