"""Anchoring the evidence log in EVM-compatible chains, and a local chain for development."""
