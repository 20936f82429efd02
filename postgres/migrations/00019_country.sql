-- +goose Up
-- Jurisdictions (issue 15): an operator's country, ISO 3166-1 alpha-2; ''
-- is the deployment's default (--country).
ALTER TABLE operators ADD COLUMN country TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE operators DROP COLUMN country;
