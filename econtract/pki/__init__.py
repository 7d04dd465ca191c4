"""The platform's PKI: keys in a PKCS#11 token, CAs, certificates, revocation, the PKI service."""
