-- +goose Up
-- A wallet's bank operations, newest first (WalletBankOperations: the
-- operator console's list).
CREATE INDEX bank_operations_wallet ON bank_operations (wallet, id);

-- +goose Down
DROP INDEX bank_operations_wallet;
