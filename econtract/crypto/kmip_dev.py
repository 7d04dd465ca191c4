"""A development KMIP server's TLS material and configuration (PyKMIP's ``pykmip-server``).

Used by the project's tooling and tests to run a real KMIP server on loopback: a private CA,
a server certificate for 127.0.0.1, and a client certificate (extended key usage clientAuth,
which PyKMIP requires) for econtract. Never for production: there the KMIP server and its
certificates are the operator's.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from econtract.crypto.kmip import KmipConfig
from econtract.files import write_atomically

__all__ = ["DevKmip", "write_dev_kmip"]


@dataclass(frozen=True)
class DevKmip:
    """Paths of a development KMIP server's files."""

    directory: Path
    server_conf: Path
    client: KmipConfig


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomically(path, pem)
    os.chmod(path, 0o600)


def _certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[str, rsa.RSAPrivateKey] | None,
    usage: x509.ObjectIdentifier | None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def write_dev_kmip(directory: Path, port: int) -> DevKmip:
    """Create (once) the CA, server and client certificates and the server configuration."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / name for name in ("ca.pem", "server.pem", "server.key",
                                                  "client.pem", "client.key")}  # fmt: skip
    if not all(path.exists() for path in paths.values()):
        ca_key = _key()
        ca = _certificate("econtract dev KMIP CA", ca_key, None, None)
        issuer = ("econtract dev KMIP CA", ca_key)
        for role, usage in (
            ("server", ExtendedKeyUsageOID.SERVER_AUTH),
            ("client", ExtendedKeyUsageOID.CLIENT_AUTH),
        ):
            key = _key()
            cert = _certificate(f"econtract dev KMIP {role}", key, issuer, usage)
            _write_key(paths[f"{role}.key"], key)
            write_atomically(paths[f"{role}.pem"], cert.public_bytes(serialization.Encoding.PEM))
        write_atomically(paths["ca.pem"], ca.public_bytes(serialization.Encoding.PEM))
    (directory / "policies").mkdir(exist_ok=True)
    conf = directory / "server.conf"
    write_atomically(
        conf,
        (
            "[server]\n"
            "hostname=127.0.0.1\n"
            f"port={port}\n"
            f"certificate_path={paths['server.pem']}\n"
            f"key_path={paths['server.key']}\n"
            f"ca_path={paths['ca.pem']}\n"
            "auth_suite=TLS1.2\n"
            f"policy_path={directory / 'policies'}\n"
            "enable_tls_client_auth=True\n"
            "logging_level=WARNING\n"
            f"database_path={directory / 'kmip.db'}\n"
        ).encode(),
    )
    client = KmipConfig(
        host="127.0.0.1",
        port=port,
        certificate=str(paths["client.pem"]),
        private_key=str(paths["client.key"]),
        ca_certificate=str(paths["ca.pem"]),
    )
    return DevKmip(directory, conf, client)
