"""The evidence log: canonical events in an RFC 9162 Merkle tree, signed tree heads, proofs,
offline audit, and evidence packages a third party can verify without our server."""
