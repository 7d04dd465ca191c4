"""Evidence packages: one zip per contract that a third party checks without our server.

Layout (all JSON is RFC 8785 canonical, one object per file or per line)::

    README.txt                what is inside and how to check it
    manifest.json             format, subject, log key id, the contract's event set (count,
                              last index and leaf), SHA-256 of every other file
    manifest.sig              the log key's signature over manifest.json: the log vouches that
                              these are all the contract's events up to the checkpoint
    events.jsonl              {"index": i, "event": {…}} — the contract's events, by index
    proofs/inclusion.json     {"tree_size": n, "paths": {"i": [hex, …]}} against the checkpoint
    heads.json                signed tree heads by size (the checkpoint and anchored heads), with
                              the consistency proof from each head to the next
    anchors/<n>-rfc3161.tsr   RFC 3161 time-stamp tokens over a head's TreeHeadSignature bytes
    anchors/<n>-evm.json      EVM transactions carrying a head (`econtract.evm.anchor`)
    anchors.json              which anchor belongs to which head, and how to read it
    keys/log-key.der          the log's public key (DER SubjectPublicKeyInfo)
    keys/anchor-key.der       the anchoring EVM account's public key, with EVM anchors
    certificates/*.cer        the TSA's certificate path (DER), for the time-stamp tokens
    documents/<name>          the document versions the events refer to

`verify_package` runs every check and returns them in order; the CLI ``econtract verify``
prints them. A failing check never stops the others, so a reader sees everything wrong at once,
and each names the first bad index where one exists.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import x509

from econtract.errors import LedgerError
from econtract.pki.keys import SigningKey

from .canonical import canonical, loads
from .events import Event
from .heads import HeadSignatureError, SignedTreeHead, TreeHead, key_id, verify_signature
from .merkle import (
    NodeSource,
    ProofError,
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "BUNDLE_SUMS",
    "Anchor",
    "Check",
    "PackageDocument",
    "PackageError",
    "build_package",
    "is_bundle",
    "verify_bundle",
    "verify_package",
]

FORMAT = "econtract-evidence-package"
VERSION = 1
#: Prefixed to manifest.json before the log key signs it, so that no signature made for a
#: package can pass for a tree head's (RFC 6962 ``TreeHeadSignature`` starts with 0x00).
MANIFEST_SIGNATURE_CONTEXT = b"econtract-package-manifest-v1\n"
_MAX_MEMBER = 512 * 1024 * 1024  # refuse zip bombs rather than inflate them


class PackageError(LedgerError):
    """The file is not an evidence package this verifier can read."""


@dataclass(frozen=True)
class PackageDocument:
    name: str
    """File name inside ``documents/``; must be one an event names with the same SHA-256."""
    data: bytes


@dataclass(frozen=True)
class Anchor:
    """External evidence that a signed tree head existed at a time."""

    tree_size: int
    kind: str
    """``rfc3161`` (``receipt`` is the DER TimeStampToken) or ``evm`` (JSON receipt)."""
    receipt: bytes
    details: Mapping[str, Any] = field(default_factory=dict)


def _readme(subject: Mapping[str, Any], events: int, heads: Sequence[SignedTreeHead]) -> str:
    reference = subject.get("reference") or subject.get("id")
    sizes = ", ".join(str(head.head.size) for head in heads)
    return f"""Evidence package for {reference}
================================

This archive lets you check, without trusting the server that produced it, that the
{events} events listed in events.jsonl were recorded in the econtract evidence log in this
order and have not been changed since, and that the documents in documents/ are the ones
those events name.

How the check works
-------------------
1. Every event is encoded with RFC 8785 (JSON Canonicalization Scheme) and hashed as a
   Merkle tree leaf per RFC 9162: SHA-256(0x00 || bytes).
2. proofs/inclusion.json holds, per event index, the RFC 9162 audit path from that leaf
   to the root of the log at the checkpoint (the first head in heads.json that covers
   every event).
3. heads.json holds signed tree heads (sizes {sizes}). Each is Certificate Transparency's
   TreeHeadSignature (RFC 6962 §3.5) signed with the log key in keys/log-key.der
   (ECDSA P-256, SHA-256). Consecutive heads are linked by RFC 9162 consistency proofs:
   a later head extends an earlier one and rewrites none of it.
4. anchors/ holds RFC 3161 time stamps by an outside time-stamping authority over a head's
   TreeHeadSignature bytes: the head, and every event it contains, existed at that time.
   certificates/ holds the authority's certificate path.
   anchors/*-evm.json, where present, holds a signed EVM transaction from the account of
   keys/anchor-key.der to itself whose call data is "econtract-sth-v1", the head's size
   (8 bytes), its root and the SHA-256 of its TreeHeadSignature. The verifier checks the
   transaction offline; to see that the chain holds it, look its transaction_hash up on a
   node or block explorer of the chain named by chain_id and compare the block.
5. Every event of the contract names its number in the contract's history and the leaf
   hash of the event before it, inside the hashed bytes: the log itself commits to the
   complete, ordered history, so a left-out, added, reordered or foreign event is found.
6. manifest.json lists the SHA-256 of every file in this archive and the contract's event
   count and last event; manifest.sig is the log key's signature over it.

Check it against the keys the operator publishes (never against the copies inside):
    econtract verify this-package.zip --platform PUBLISHED-DIR
    econtract verify this-package.zip --log-key KEY.der --trust ROOT.cer [--anchor-account 0x…]
Without pins the verdict is UNVERIFIED (exit status 3): consistent, but vouched for only
by keys the package brought itself.
"""


def build_package(
    *,
    subject: Mapping[str, Any],
    events: Sequence[tuple[int, Event]],
    source: NodeSource,
    heads: Sequence[SignedTreeHead],
    anchors: Sequence[Anchor] = (),
    public_key_der: bytes,
    anchor_public_key_der: bytes | None = None,
    certificates: Mapping[str, bytes] = {},
    documents: Sequence[PackageDocument] = (),
    created: datetime,
    log_key: SigningKey | None = None,
) -> bytes:
    """The zip archive for ``events`` of one subject.

    ``heads`` are signed heads of the log; the smallest one covering every event becomes the
    checkpoint that inclusion proofs are made against, and consistency proofs link it with
    every other head given (earlier anchored heads and later ones). ``events`` are all the
    subject's events up to the checkpoint; ``log_key`` signs the manifest to say so (a
    package without that signature does not verify).
    """
    if not events:
        raise PackageError("a package holds at least one event")
    last = max(index for index, _event in events)
    ordered = sorted({head.head.size: head for head in heads}.values(), key=lambda h: h.head.size)
    checkpoint = next((head for head in ordered if head.head.size > last), None)
    if checkpoint is None:
        raise PackageError(f"no signed tree head covers event {last}: seal the log first")
    files: dict[str, bytes] = {}
    files["events.jsonl"] = b"".join(
        canonical({"index": index, "event": event.as_json()}) + b"\n"
        for index, event in sorted(events, key=lambda item: item[0])
    )
    size = checkpoint.head.size
    files["proofs/inclusion.json"] = canonical(
        {
            "tree_size": size,
            "paths": {
                str(index): [node.hex() for node in inclusion_proof(source, index, size)]
                for index, _event in events
            },
        }
    )
    linked = []
    for position, head in enumerate(ordered):
        entry: dict[str, Any] = {"head": head.as_json()}
        if position + 1 < len(ordered):
            following = ordered[position + 1].head.size
            entry["consistency_to_next"] = [
                node.hex() for node in consistency_proof(source, head.head.size, following)
            ]
        linked.append(entry)
    files["heads.json"] = canonical({"checkpoint": size, "heads": linked})
    anchor_index = []
    for anchor in anchors:
        suffix = "tsr" if anchor.kind == "rfc3161" else "json"
        name = f"anchors/{anchor.tree_size}-{anchor.kind}.{suffix}"
        files[name] = anchor.receipt
        anchor_index.append(
            {"tree_size": anchor.tree_size, "kind": anchor.kind, "file": name, **anchor.details}
        )
    files["anchors.json"] = canonical({"anchors": anchor_index})
    files["keys/log-key.der"] = public_key_der
    if anchor_public_key_der is not None:
        files["keys/anchor-key.der"] = anchor_public_key_der
    for name, der in (certificates or {}).items():
        files[f"certificates/{name}.cer"] = der
    for document in documents:
        files[f"documents/{document.name}"] = document.data
    files["README.txt"] = _readme(subject, len(events), ordered).encode()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": created.isoformat(),
        "subject": dict(subject),
        "log_key_id": key_id(public_key_der).hex(),
        "events": {
            "count": len(events),
            "last_index": last,
            "last_leaf": dict(events)[last].leaf_hash().hex(),
        },
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    manifest_bytes = canonical(manifest)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        if log_key is not None:
            archive.writestr(
                "manifest.sig", log_key.sign(MANIFEST_SIGNATURE_CONTEXT + manifest_bytes)
            )
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class Check:
    """One line of a verification report."""

    name: str
    passed: bool
    detail: str
    first_bad_index: int | None = None
    trust: bool = False
    """A check of what the reader pinned rather than of the package: failing only these,
    a package is UNVERIFIED (consistent, but vouched for by keys it brought itself)."""


def _read_members(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise PackageError("not a zip archive") from error
    members: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if info.file_size > _MAX_MEMBER or info.filename in members:
                raise PackageError(f"{info.filename}: too large or listed twice")
            members[info.filename] = archive.read(info)
    return members


def _load_certificate(der: bytes) -> x509.Certificate:
    certificate = x509.Certificate.load(der)
    certificate.native  # noqa: B018 - parse now, fail here rather than later
    return certificate


class _Verifier:
    """The checks of `verify_package`, one method each, sharing what earlier ones read."""

    def __init__(self, data: bytes, log_key_der: bytes | None) -> None:
        self.checks: list[Check] = []
        self.members = _read_members(data)
        self.manifest = self.json("manifest.json")
        if self.manifest.get("format") != FORMAT or self.manifest.get("version") != VERSION:
            raise PackageError("manifest.json does not describe an econtract evidence package")
        self.key = (
            log_key_der if log_key_der is not None else self.members.get("keys/log-key.der", b"")
        )
        self.key_pinned = log_key_der is not None
        self.pinned_roots = False
        self.pinned_account = False
        self.events: dict[int, Event] = {}
        self.leaves: dict[int, bytes] = {}
        self.heads: list[SignedTreeHead] = []

    def add(
        self, name: str, passed: bool, detail: str, index: int | None = None, trust: bool = False
    ) -> bool:
        self.checks.append(Check(name, passed, detail, index, trust))
        return passed

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.members[name])
        except KeyError as error:
            raise PackageError(f"{name} is missing") from error
        except ValueError as error:
            raise PackageError(f"{name} is not JSON: {error}") from error

    def check_manifest(self) -> None:
        listed: Mapping[str, str] = self.manifest.get("files", {})
        unlisted = sorted(set(self.members) - set(listed) - {"manifest.json", "manifest.sig"})
        bad = sorted(
            name
            for name, digest in listed.items()
            if name not in self.members or hashlib.sha256(self.members[name]).hexdigest() != digest
        )
        ok = not bad and not unlisted
        self.add(
            "manifest",
            ok,
            "every file matches its SHA-256"
            if ok
            else f"changed or missing: {bad}; not listed: {unlisted}",
        )
        fingerprint = key_id(self.key).hex()
        note = "pinned" if self.key_pinned else "taken from the package"
        self.add(
            "log key",
            fingerprint == self.manifest.get("log_key_id"),
            f"SHA-256 {fingerprint} ({note})",
        )
        signature = self.members.get("manifest.sig")
        signed = signature is not None and verify_signature(
            self.key, signature, MANIFEST_SIGNATURE_CONTEXT + self.members["manifest.json"]
        )
        self.add(
            "manifest signature",
            signed,
            "the log key signed the manifest: these are all the subject's events up to "
            "the checkpoint"
            if signed
            else "the manifest is not signed by the log key"
            if signature is not None
            else "manifest.sig is missing: nothing vouches that the event set is complete",
        )

    def check_events(self) -> None:
        first_bad: int | None = None
        problem = ""
        for number, line in enumerate(self.members.get("events.jsonl", b"").splitlines()):
            try:
                record = loads(line)
                index = int(record["index"])
                event = Event.from_json(record["event"])
                if canonical(record) != line:
                    raise LedgerError("the line is not in canonical form")
            except (ValueError, KeyError, TypeError, LedgerError) as error:
                first_bad, problem = number, f"line {number + 1}: {error}"
                break
            if index in self.events:
                first_bad, problem = index, f"event {index} appears twice"
                break
            self.events[index] = event
            self.leaves[index] = event.leaf_hash()
        self.add(
            "events",
            first_bad is None and bool(self.events),
            problem or f"{len(self.events)} events, all in canonical RFC 8785 form",
            first_bad,
        )

    def check_chain(self) -> None:
        """The events are the subject's whole history in order: each names its number in
        it and the leaf of the one before (`econtract.ledger.events.ChainLink`), and the
        last one is the one the signed manifest names."""
        subject = self.manifest.get("subject") or {}
        scope = f"{subject.get('model')}/{subject.get('id')}"
        previous: str | None = None
        for position, index in enumerate(sorted(self.events)):
            link = self.events[index].chain
            problem = None
            if link is None:
                problem = f"event {index} carries no chain link: completeness cannot be shown"
            elif link.scope != scope:
                problem = f"event {index} belongs to {link.scope}, not to {scope}"
            elif link.seq != position:
                problem = (
                    f"event {index} is number {link.seq} of {scope}, but number {position} "
                    "of the package: events are missing, added or reordered before it"
                )
            elif link.previous != previous:
                problem = f"event {index} does not follow the package's event before it"
            if problem:
                self.add("complete history", False, problem, index)
                return
            previous = self.leaves[index].hex()
        stated = self.manifest.get("events") or {}
        last = max(self.events, default=None)
        if (
            last is None
            or stated.get("last_index") != last
            or stated.get("last_leaf") != (previous)
            or stated.get("count") != len(self.events)
        ):
            self.add(
                "complete history",
                False,
                f"the manifest names {stated.get('count')} events ending at "
                f"{stated.get('last_index')}; the package holds {len(self.events)} ending at "
                f"{last}",
                last,
            )
            return
        self.add(
            "complete history",
            True,
            f"events 0–{len(self.events) - 1} of {scope}, linked one to the next, none missing",
        )

    def check_pins(self) -> None:
        """What the verdict rests on: keys the reader pinned, or keys the package brought."""
        kinds = {anchor.get("kind") for anchor in self.json("anchors.json").get("anchors", [])}
        missing = []
        if not self.key_pinned:
            missing.append("the log key (--log-key or --platform)")
        if "rfc3161" in kinds and not self.pinned_roots:
            missing.append("the time-stamping root (--trust or --platform)")
        if "evm" in kinds and not self.pinned_account:
            missing.append("the anchoring account (--anchor-account or --platform)")
        self.add(
            "pinned keys",
            not missing,
            "every key the verdict rests on was pinned by the reader"
            if not missing
            else "not pinned: " + "; ".join(missing) + " — the package vouches for itself",
            trust=True,
        )

    def check_heads(self) -> None:
        entries = self.json("heads.json").get("heads", [])
        self.heads = [SignedTreeHead.from_json(entry["head"]) for entry in entries]
        all_signed = bool(self.heads)
        for head in self.heads:
            try:
                head.verify(self.key)
            except HeadSignatureError as error:
                all_signed = self.add("tree head signature", False, str(error))
        if all_signed:
            self.add("tree head signatures", True, f"{len(self.heads)} heads signed by the log key")
        for entry, head, following in zip(entries, self.heads, self.heads[1:], strict=False):
            try:
                verify_consistency(
                    head.head.size,
                    following.head.size,
                    head.head.root,
                    following.head.root,
                    [bytes.fromhex(node) for node in entry.get("consistency_to_next", [])],
                )
            except (ProofError, ValueError) as error:
                self.add("consistency", False, f"{head.head.size} → {following.head.size}: {error}")
                continue
            self.add(
                "consistency",
                True,
                f"the log of {following.head.size} events extends the one of {head.head.size}",
            )

    def check_inclusion(self) -> None:
        proofs = self.json("proofs/inclusion.json")
        checkpoint = next((h for h in self.heads if h.head.size == proofs.get("tree_size")), None)
        if checkpoint is None or checkpoint.head.size != self.json("heads.json").get("checkpoint"):
            self.add("inclusion", False, "the inclusion proofs name no head of the package")
            return
        for index in sorted(self.leaves):
            try:
                path = [bytes.fromhex(node) for node in proofs["paths"][str(index)]]
                verify_inclusion(
                    index, checkpoint.head.size, self.leaves[index], path, checkpoint.head.root
                )
            except (ProofError, KeyError, ValueError) as error:
                self.add("inclusion", False, f"event {index}: {error}", index)
                return
        self.add(
            "inclusion",
            bool(self.leaves),
            f"every event is in the log of {checkpoint.head.size} events signed "
            f"{checkpoint.head.time.isoformat()}",
        )

    def check_documents(self) -> None:
        named: dict[tuple[str, str], int] = {}
        for position in sorted(self.events, reverse=True):
            for document in self.events[position].documents:
                named[(document.name, document.sha256)] = position
        for name in sorted(n for n in self.members if n.startswith("documents/")):
            digest = hashlib.sha256(self.members[name]).hexdigest()
            short = name.removeprefix("documents/")
            index = named.get((short, digest))
            self.add(
                f"document {short}",
                index is not None,
                f"SHA-256 {digest} is the one event {index} records"
                if index is not None
                else f"SHA-256 {digest} is not recorded by any event",
            )

    def check_anchors(
        self, trusted_roots: Iterable[bytes] | None, anchor_account: str | None
    ) -> None:
        from econtract.tsa.client import TimeStampError, verify_token

        certificates = [
            _load_certificate(der)
            for name, der in self.members.items()
            if name.startswith("certificates/")
        ]
        if trusted_roots is not None:
            self.pinned_roots = True
            roots, note = [_load_certificate(der) for der in trusted_roots], "pinned root"
        else:
            roots = [c for c in certificates if c.self_signed in ("maybe", "yes")]
            note = "root taken from the package"
        by_size = {head.head.size: head for head in self.heads}
        anchors = self.json("anchors.json").get("anchors", [])
        for anchor in anchors:
            head = by_size.get(anchor.get("tree_size"))
            label = f"anchor {anchor.get('kind')} of head {anchor.get('tree_size')}"
            if head is None or anchor.get("file") not in self.members:
                self.add(label, False, "its head or receipt is missing from the package")
                continue
            if anchor.get("kind") == "evm":
                self.check_evm_anchor(label, anchor["file"], head.head, anchor_account)
                continue
            if anchor.get("kind") != "rfc3161":
                self.add(label, False, f"anchor kind {anchor.get('kind')!r} is unknown here")
                continue
            try:
                info = verify_token(
                    self.members[anchor["file"]],
                    hashlib.sha256(head.head.signing_input()).digest(),
                    certificates=certificates,
                    trusted_roots=roots,
                )
            except TimeStampError as error:
                self.add(label, False, str(error))
                continue
            self.add(label, True, f"time-stamped {info.time.isoformat()} by {info.tsa} ({note})")
        if self.leaves and anchors:
            reach = max(anchor.get("tree_size", 0) for anchor in anchors)
            covered = sum(1 for index in self.leaves if index < reach)
            rest = "" if covered == len(self.leaves) else "; the rest are signed, not yet anchored"
            self.add(
                "anchoring coverage", True, f"{covered} of {len(self.leaves)} events anchored{rest}"
            )

    def check_evm_anchor(self, label: str, name: str, head: TreeHead, pinned: str | None) -> None:
        from econtract.evm.anchor import EvmError, EvmReceipt, account_address, verify_receipt

        self.pinned_account = pinned is not None
        try:
            account = account_address(self.members.get("keys/anchor-key.der", b""))
        except (EvmError, ValueError) as error:
            self.add(label, False, f"keys/anchor-key.der is not an EVM account key: {error}")
            return
        if pinned is not None and pinned.lower() != account.lower():
            self.add(label, False, f"the package's anchoring account {account} is not {pinned}")
            return
        note = "pinned account" if pinned else "account taken from the package"
        try:
            receipt = EvmReceipt.from_json(self.json(name))
            verify_receipt(receipt, head, account=account)
        except (EvmError, PackageError) as error:
            self.add(label, False, str(error))
            return
        self.add(
            label,
            True,
            f"transaction 0x{receipt.transaction_hash.hex()} from {account} ({note}) on "
            f"chain {receipt.chain_id}, block {receipt.block_number} of "
            f"{receipt.time.isoformat()}; look the hash up on that chain to confirm the block",
        )


def verify_package(
    data: bytes,
    *,
    log_key_der: bytes | None = None,
    trusted_roots: Iterable[bytes] | None = None,
    anchor_account: str | None = None,
) -> list[Check]:
    """Every check of an evidence package, in order. The package passes if all of them pass.

    ``log_key_der``, ``trusted_roots`` and ``anchor_account`` pin what the reader trusts;
    without them the keys in the package are used, and the "pinned keys" check (a `trust`
    check) fails: the package is at best UNVERIFIED. Raises
    `PackageError` only when the file is not a package at all.
    """
    verifier = _Verifier(data, log_key_der)
    verifier.check_manifest()
    verifier.check_events()
    verifier.check_chain()
    verifier.check_heads()
    verifier.check_inclusion()
    verifier.check_documents()
    verifier.check_anchors(trusted_roots, anchor_account)
    verifier.check_pins()
    return verifier.checks


#: The checksum list of a court bundle (`verify_bundle`).
BUNDLE_SUMS = "SHA256SUMS.txt"
#: Events whose payload vouches for a bundle's files: the signed PDF, the certificate.
SIGNED_EVENT = ("contract.signing_completed", "signed_sha256")
CERTIFICATE_EVENT = ("contract.signing_certificate_issued", "sha256")


def _vouched(package: bytes) -> dict[str, set[str]]:
    """SHA-256s the package's events give for the signed PDF and the certificate."""
    vouched: dict[str, set[str]] = {"signed PDF": set(), "signing certificate": set()}
    members = _read_members(package)
    for line in members.get("events.jsonl", b"").splitlines():
        try:
            event = json.loads(line)["event"]
        except (ValueError, KeyError, TypeError):
            continue  # the package checks have reported it
        payload = event.get("payload") or {}
        for label, (kind, key) in (
            ("signed PDF", SIGNED_EVENT),
            ("signing certificate", CERTIFICATE_EVENT),
        ):
            if event.get("type") == kind and isinstance(payload.get(key), str):
                vouched[label].add(payload[key])
    return vouched


def verify_bundle(
    data: bytes,
    *,
    log_key_der: bytes | None = None,
    trusted_roots: Iterable[bytes] | None = None,
    anchor_account: str | None = None,
) -> list[Check]:
    """The checks of a court bundle: its evidence package's, then the bundle's own.

    A bundle is a zip of the signed PDF, the signing certificate and one evidence package
    (``*-evidence.zip``), with ``SHA256SUMS.txt`` listing each. The list itself is not
    signed, so it is checked for consistency only; what vouches for the two PDFs is the
    package: the signed PDF must have the SHA-256 its signing-completed event records, the
    certificate the one its certificate event records, and nothing else may be in the
    bundle. Raises `PackageError` when the file is not a bundle.
    """
    members = _read_members(data)
    packages = [name for name in members if name.endswith("-evidence.zip")]
    if BUNDLE_SUMS not in members or len(packages) != 1:
        raise PackageError("not a court bundle: it needs SHA256SUMS.txt and one *-evidence.zip")
    package = members[packages[0]]
    checks = verify_package(
        package, log_key_der=log_key_der, trusted_roots=trusted_roots, anchor_account=anchor_account
    )
    listed: dict[str, str] = {}
    for line in members[BUNDLE_SUMS].decode("utf-8", "replace").splitlines():
        digest, _sep, name = line.partition("  ")
        if len(digest) == 64 and name:
            listed[name.strip()] = digest.lower()
    others = sorted(set(members) - {BUNDLE_SUMS})
    digests = {name: hashlib.sha256(members[name]).hexdigest() for name in others}
    bad = sorted(
        {name for name in others if listed.get(name) != digests[name]} | (set(listed) - set(others))
    )
    checks.append(
        Check(
            "bundle checksums",
            not bad,
            f"{len(others)} files match SHA256SUMS.txt"
            if not bad
            else f"not as listed: {', '.join(bad)}",
        )
    )
    vouched = _vouched(package)
    found: dict[str, list[str]] = {label: [] for label in vouched}
    strangers = []
    for name in others:
        if name == packages[0]:
            continue
        label = next((label for label, shas in vouched.items() if digests[name] in shas), None)
        if label is None:
            strangers.append(name)
        else:
            found[label].append(name)
    for label, names in found.items():
        checks.append(
            Check(
                f"bundle {label}",
                len(names) == 1,
                f"{names[0]} is the one the evidence log records"
                if len(names) == 1
                else f"{len(names)} files of the bundle have the SHA-256 the evidence log "
                f"records for the {label} (expected one)",
            )
        )
    checks.append(
        Check(
            "bundle contents",
            not strangers,
            "nothing else in the bundle"
            if not strangers
            else f"not vouched for by the evidence: {', '.join(strangers)}",
        )
    )
    return checks


def is_bundle(data: bytes) -> bool:
    """Whether ``data`` is a court bundle rather than an evidence package."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return BUNDLE_SUMS in names and "manifest.json" not in names
