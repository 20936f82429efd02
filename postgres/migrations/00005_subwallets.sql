-- +goose Up
-- A sub-wallet's label ("pocket money"), chosen by the holder and sealed by
-- the service like the holder's data (it may name a person).
ALTER TABLE accounts ADD COLUMN label TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE accounts DROP COLUMN label;
