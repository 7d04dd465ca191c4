"""Checking who a signer is before they sign: one-time codes and the SMS gateway."""
