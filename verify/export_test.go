package verify

// SetPages sets the page sizes of the reads until restore is called.
func SetPages(transfers, checkpoints, accounts, hashes int) (restore func()) {
	t, c, a, h := transferPage, checkpointPage, accountPage, hashChunk
	transferPage, checkpointPage, accountPage, hashChunk = transfers, checkpoints, accounts, hashes
	return func() { transferPage, checkpointPage, accountPage, hashChunk = t, c, a, h }
}
