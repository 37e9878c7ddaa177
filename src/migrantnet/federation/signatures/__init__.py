"""HTTP signatures for server-to-server ActivityPub requests, one module per seam.

`primitives` holds what both schemes share (errors, RSA, header and time helpers),
`key_lookup` the caller-supplied key fetch with its rotation retry, `digest` the body
digests, `cavage` the draft-cavage scheme Mastodon has always sent, `rfc9421` RFC 9421
message signatures, and `verify` the one entry point that picks the scheme. Importers name
the submodule; nothing is re-exported here, so the import graph stays a plain tree.
"""
