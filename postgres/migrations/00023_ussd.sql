-- +goose Up
-- Feature phones (issue 17, USSD and SMS): a holder's menu language, ''
-- until chosen, and the USSD session it was chosen on the first screen of
-- (so that the session's later callbacks know their path begins with the
-- pick); a merchant's short code, typed to pay it by USSD ('' none),
-- unique across operators.
ALTER TABLE holders ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE holders ADD COLUMN language_session TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN short_code TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX merchants_short_code ON merchants (short_code) WHERE short_code <> '';

-- +goose Down
DROP INDEX merchants_short_code;
ALTER TABLE merchants DROP COLUMN short_code;
ALTER TABLE holders DROP COLUMN language_session;
ALTER TABLE holders DROP COLUMN language;
