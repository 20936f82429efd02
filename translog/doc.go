// Package translog is the pure, I/O-free core of Ingot's tamper-evident
// journal: an append-only Merkle tree (RFC 6962 hashing) with one leaf per
// committed transfer, and signed checkpoints of it.
//
// It is built on golang.org/x/mod/sumdb/tlog (hashes, the stored-hash
// layout, proofs) and golang.org/x/mod/sumdb/note (Ed25519 signed notes),
// the machinery of Go's checksum database, and it adds only what is
// specific to Ingot:
//
//   - [LeafBytes], the canonical, versioned encoding of a transfer that is
//     hashed into the tree (specified byte by byte in
//     docs/transparency-log.md);
//   - [AppendHashes], which computes in memory every stored hash that a
//     batch of leaves adds, for the stores to write in bulk in the batch's
//     transaction, and the new tree (size, root);
//   - checkpoints in the C2SP tlog-checkpoint format: [LoadOrCreateKey],
//     [NewSigner], [SignCheckpoint], [OpenCheckpoint];
//   - rotation of the signing key (rotation.go): checkpoint key lines that
//     announce a new key in a checkpoint signed by the old key and the new,
//     [Signer.WithRotation] to sign through a rotation, and, for verifiers,
//     [OpenRotating], [KeyChain] and [Follow];
//   - proofs: [ProveInclusion], [ProveConsistency], and their checks
//     [VerifyInclusion] and [VerifyConsistency], which use nothing but
//     tlog.CheckRecord and tlog.CheckTree;
//   - [Builder], which rebuilds the whole tree from the leaves, for
//     `ingot verify`.
//
// Nothing here reads a database, a clock or the network, except
// [LoadOrCreateKey], which reads or creates the key file (the callbacks of
// a rotating Signer, and of KeyChain and Follow, read what their callers
// give them).
package translog
