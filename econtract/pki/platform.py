"""The platform's PKI in one place: token, root and issuing CA, time-stamping unit, seal key.

`initialise` creates whatever is missing — keys in the token, certificates on disk — and
leaves everything that exists alone, so tooling may call it on every start. `Platform.load`
then gives the signing code its CAs and keys. The configuration is a small JSON file; the
PIN is never in it, only its source (see `econtract.pki.token`).

Layout of ``state_dir``::

    platform.json        this configuration
    store.sqlite         every certificate the CAs issued, revocations, CRL numbers
    root-ca.cer, issuing-ca.cer, tsa.cer, seal.cer   DER certificates
    log-key.der          public key of the evidence log (DER SubjectPublicKeyInfo)
    anchor-key.der       public key of the EVM account that anchors the log (secp256k1)
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509

from econtract.errors import EContractError
from econtract.files import write_atomically

from .ca import CertificateAuthority
from .certificates import CaUrls, Profile, build_certificate, validity
from .keys import TokenKey
from .store import CertificateStore
from .token import KeyKind, Token, TokenConfig

__all__ = [
    "KEY_LABELS",
    "Platform",
    "PlatformConfig",
    "PlatformMismatch",
    "PublishedPki",
    "initialise",
]

#: Files (``<name>.cer`` in the state directory) of the platform's certificates, by role.
CERTIFICATE_FILES = {"root": "root-ca", "issuing": "issuing-ca", "tsa": "tsa", "seal": "seal"}

#: Labels of the platform's long-lived keys in the token.
KEY_LABELS = {
    "root": "econtract-root-ca",
    "issuing": "econtract-issuing-ca",
    "tsa": "econtract-tsa",
    "seal": "econtract-seal",
    "log": "econtract-evidence-log",  # signs the evidence log's tree heads; no certificate
    "anchor": "econtract-chain-anchor",  # the EVM account that anchors tree heads
}

#: Key kinds other than the default P-256, by role.
_KEY_KINDS: dict[str, KeyKind] = {"anchor": "ec-secp256k1"}


@dataclass(frozen=True)
class PlatformConfig:
    state_dir: str
    base_url: str  # where the PKI service answers: CRLs, OCSP, CA certificates, time stamps
    token: TokenConfig
    organisation: str = "econtract"
    seal_holder: str = "econtract"
    tsa_policy: str = ""  # an OID; a UUID-based one (2.25.…) is minted when empty

    @property
    def directory(self) -> Path:
        return Path(self.state_dir)

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        write_atomically(self.directory / "platform.json", text.encode())

    @classmethod
    def load(cls, state_dir: Path) -> PlatformConfig:
        data = json.loads((state_dir / "platform.json").read_text(encoding="utf-8"))
        data["token"] = TokenConfig(**data["token"])
        return cls(**data)

    def urls(self, ca: str) -> CaUrls:
        base = self.base_url.rstrip("/")
        return CaUrls(
            ca_issuers=f"{base}/certs/{ca}.cer", crl=f"{base}/crl/{ca}.crl", ocsp=f"{base}/ocsp"
        )


def _name(common_name: str, organisation: str, unit: str | None = None) -> x509.Name:
    attributes = {"country_name": "CN", "organization_name": organisation}
    if unit:
        attributes["organizational_unit_name"] = unit
    attributes["common_name"] = common_name
    return x509.Name.build(attributes, use_printable=False)


@dataclass(frozen=True)
class PublishedPki:
    """What the platform publishes — CA, TSA and seal certificates, the evidence log's key and
    the anchoring account's key — read from the state directory without opening the token.

    For code that only verifies or exports (evidence packages, time-stamp checks): it keeps
    working while the HSM is unavailable, and costs no token round trip.
    """

    root: x509.Certificate
    issuing: x509.Certificate
    tsa: x509.Certificate
    seal: x509.Certificate
    log_public_key: bytes
    anchor_public_key: bytes

    @classmethod
    def load(cls, state_dir: Path) -> PublishedPki:
        def read(role: str) -> x509.Certificate:
            path = state_dir / f"{CERTIFICATE_FILES[role]}.cer"
            return x509.Certificate.load(path.read_bytes())

        return cls(
            root=read("root"),
            issuing=read("issuing"),
            tsa=read("tsa"),
            seal=read("seal"),
            log_public_key=(state_dir / "log-key.der").read_bytes(),
            anchor_public_key=(state_dir / "anchor-key.der").read_bytes(),
        )

    @property
    def chain(self) -> tuple[x509.Certificate, x509.Certificate]:
        """Issuing CA, then root."""
        return self.issuing, self.root


class PlatformMismatch(EContractError):
    """The certificates on disk and the keys in the token do not belong together."""


@dataclass
class Platform:
    config: PlatformConfig
    token: Token
    store: CertificateStore
    root: CertificateAuthority
    issuing: CertificateAuthority
    tsa_certificate: x509.Certificate
    seal_certificate: x509.Certificate
    published: PublishedPki

    def key(self, role: str) -> TokenKey:
        return TokenKey(self.token, KEY_LABELS[role], _KEY_KINDS.get(role, "ec-p256"))

    @property
    def log_public_key(self) -> bytes:
        """The evidence log's public key (DER SubjectPublicKeyInfo), as published."""
        return self.published.log_public_key

    @property
    def chain(self) -> tuple[x509.Certificate, x509.Certificate]:
        """Issuing CA, then root: what a signature embeds after its signer's certificate."""
        return self.issuing.certificate, self.root.certificate

    @classmethod
    def load(cls, state_dir: Path) -> Platform:
        """The platform in ``state_dir``, after checking each certificate against its key.

        A certificate whose key is not (or no longer) the one in the token — the token was
        replaced, or the state directory belongs to another token — is refused here rather
        than producing signatures no validator accepts.
        """
        config = PlatformConfig.load(state_dir)
        token = Token.get(config.token)
        published = PublishedPki.load(state_dir)
        for role, public_key in (
            ("root", published.root.public_key.dump()),
            ("issuing", published.issuing.public_key.dump()),
            ("tsa", published.tsa.public_key.dump()),
            ("seal", published.seal.public_key.dump()),
            ("log", published.log_public_key),
            ("anchor", published.anchor_public_key),
        ):
            label = KEY_LABELS[role]
            if not token.has_key(label) or token.public_key(label).dump() != public_key:
                raise PlatformMismatch(
                    f"the published {role} key in {state_dir} does not belong to key {label} "
                    f"of token {config.token.token_label!r}: the token was replaced; create "
                    "the PKI anew"
                )
        store = CertificateStore(state_dir / "store.sqlite")
        return cls(
            config=config,
            token=token,
            store=store,
            root=CertificateAuthority(
                published.root, TokenKey(token, KEY_LABELS["root"]), store, config.urls("root-ca")
            ),
            issuing=CertificateAuthority(
                published.issuing,
                TokenKey(token, KEY_LABELS["issuing"]),
                store,
                config.urls("issuing-ca"),
            ),
            tsa_certificate=published.tsa,
            seal_certificate=published.seal,
            published=published,
        )


def _key(token: Token, role: str) -> TokenKey:
    label = KEY_LABELS[role]
    kind = _KEY_KINDS.get(role, "ec-p256")
    if not token.has_key(label):
        token.generate_key(label, kind)
    return TokenKey(token, label, kind)


def initialise(config: PlatformConfig, *, now: datetime | None = None) -> Platform:
    """Create the keys and certificates that do not exist yet; return the platform.

    Certificates are written only after their key exists, and each file only once: running
    this again, or after a crash half-way, finishes the job without replacing anything.
    """
    now = now or datetime.now(UTC)
    if not config.tsa_policy:
        config = PlatformConfig(
            **{**asdict(config), "token": config.token, "tsa_policy": f"2.25.{uuid.uuid4().int}"}
        )
    directory = config.directory
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "platform.json").exists():
        config.save()
    else:
        config = PlatformConfig.load(directory)
    token = Token.get(config.token)
    store = CertificateStore(directory / "store.sqlite")

    root_key = _key(token, "root")
    root_path = directory / "root-ca.cer"
    if not root_path.exists():
        start, end = validity(now, timedelta(days=365 * 20))
        root = build_certificate(
            subject=_name(f"{config.organisation} Root CA", config.organisation),
            subject_key=root_key.public_key,
            profile=Profile.ROOT_CA,
            not_before=start,
            not_after=end,
            issuer_key=root_key,
            path_length=1,
        )
        store.add(root)
        write_atomically(root_path, root.dump())
    root_ca = CertificateAuthority(
        x509.Certificate.load(root_path.read_bytes()), root_key, store, config.urls("root-ca")
    )

    issuing_key = _key(token, "issuing")
    issuing_path = directory / "issuing-ca.cer"
    if not issuing_path.exists():
        issuing = root_ca.issue(
            _name(f"{config.organisation} Issuing CA", config.organisation),
            issuing_key.public_key,
            Profile.ISSUING_CA,
            timedelta(days=365 * 10),
            now=now,
            path_length=0,
        )
        write_atomically(issuing_path, issuing.dump())
    issuing_ca = CertificateAuthority(
        x509.Certificate.load(issuing_path.read_bytes()),
        issuing_key,
        store,
        config.urls("issuing-ca"),
    )

    for role, subject, profile in (
        (
            "tsa",
            _name(f"{config.organisation} Time Stamping Unit", config.organisation),
            Profile.TIMESTAMPING,
        ),
        ("seal", _name(config.seal_holder, config.seal_holder, "电子印章"), Profile.SEAL),
    ):
        key = _key(token, role)
        path = directory / f"{CERTIFICATE_FILES[role]}.cer"
        if not path.exists():
            issued = issuing_ca.issue(
                subject, key.public_key, profile, timedelta(days=365 * 5), now=now
            )
            write_atomically(path, issued.dump())
    for role, name in (("log", "log-key.der"), ("anchor", "anchor-key.der")):
        key = _key(token, role)
        if not (directory / name).exists():
            write_atomically(directory / name, key.public_key.dump())
    return Platform.load(directory)
