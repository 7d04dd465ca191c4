"""Evidence packages end to end: heads signed in the token, anchored by the PKI service's TSA,
verified offline by the library and by ``econtract verify`` — and every way of tampering with
one caught, naming what is wrong."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from econtract.ledger.canonical import canonical
from econtract.ledger.events import ChainLink, DocumentDigest, Event
from econtract.ledger.heads import TreeHead, sign_tree_head
from econtract.ledger.merkle import MemoryTree
from econtract.ledger.package import (
    Anchor,
    PackageDocument,
    PackageError,
    build_package,
    verify_package,
)
from econtract.pki.certificates import Profile, build_certificate
from econtract.pki.keys import SoftwareKey
from econtract.pki.platform import Platform, PublishedPki
from econtract.tsa.client import TokenInvalid, TsaUnavailable, request_token, verify_token

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PDF = "%PDF-1.7\n% 采购合同 HT-2026-0001\n%%EOF\n".encode()


SUBJECT = {"model": "econtract.contract", "id": 1, "reference": "HT-2026-0001"}
OURS = (3, 17, 40)


CERTIFICATE = b"%PDF-1.7 signing certificate"


def _events(ours: tuple[int, ...] = OURS, *, signing: bool = False) -> list[Event]:
    """A log of 45 events; the contract's are 3, 17 and 40, each linked to the one before
    (`ChainLink`); the rest belong to other contracts. With ``signing``, 17 and 40 are the
    signing's completion and its certificate (what vouches for a court bundle's files)."""
    digest = DocumentDigest("HT-2026-0001-v1.pdf", hashlib.sha256(PDF).hexdigest())
    events: list[Event] = []
    previous: str | None = None
    for index in range(45):
        mine = index in ours
        contract = 1 if mine else index + 100
        kind = {3: "contract.created", 17: "contract.document_added", 40: "contract.signed"}
        payload: dict[str, object] = {"step": index}
        if signing and index == 17:
            kind[17] = "contract.signing_completed"
            payload["signed_sha256"] = hashlib.sha256(PDF).hexdigest()
        if signing and index == 40:
            kind[40] = "contract.signing_certificate_issued"
            payload["sha256"] = hashlib.sha256(CERTIFICATE).hexdigest()
        event = Event(
            kind.get(index, "contract.updated"),
            START + timedelta(minutes=index),
            {"id": 2, "name": "管理员"},
            {"model": "econtract.contract", "id": contract, "reference": f"HT-{contract}"},
            payload=payload,
            documents=(digest,) if index in (17, 40) else (),
            chain=ChainLink(
                f"econtract.contract/{contract}",
                ours.index(index) if mine else 0,
                previous if mine else None,
            ),
        )
        if mine:
            previous = event.leaf_hash().hex()
        events.append(event)
    return events


@pytest.fixture(scope="module")
def package(pki: tuple[Platform, str]) -> bytes:
    platform, base_url = pki
    events = _events()
    tree = MemoryTree.of(event.leaf_hash() for event in events)
    key = platform.key("log")
    anchored = sign_tree_head(TreeHead(20, tree.root(20), 1_764_489_600_000), key)
    checkpoint = sign_tree_head(TreeHead(45, tree.root(45), 1_764_493_200_000), key)
    token = request_token(f"{base_url}/tsa", hashlib.sha256(anchored.head.signing_input()).digest())
    return build_package(
        subject=SUBJECT,
        events=[(i, events[i]) for i in OURS],
        source=tree,
        heads=[anchored, checkpoint],
        anchors=[Anchor(20, "rfc3161", token)],
        public_key_der=platform.log_public_key,
        certificates={
            "tsa": platform.tsa_certificate.dump(),
            "issuing-ca": platform.issuing.certificate.dump(),
            "root-ca": platform.root.certificate.dump(),
        },
        documents=[PackageDocument("HT-2026-0001-v1.pdf", PDF)],
        created=START + timedelta(hours=2),
        log_key=key,
    )


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(members: dict[str, bytes], *, fix_manifest: bool = True) -> bytes:
    """The package as a tamperer who also rewrites the manifest would leave it."""
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        manifest["files"] = {
            name: hashlib.sha256(data).hexdigest()
            for name, data in members.items()
            if name != "manifest.json"
        }
        members = {**members, "manifest.json": canonical(manifest)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


#: Checks a tamperer cannot pass but that the tests below look past, to see that the
#: deeper checks catch the change on their own (a holder without the log key, a reader who
#: did not pin it).
_OUTER = ("manifest signature", "pinned keys")


def _failed(data: bytes, **pins: object) -> list[tuple[str, str, int | None]]:
    return [
        (check.name, check.detail, check.first_bad_index)
        for check in verify_package(data, **pins)  # type: ignore[arg-type]
        if not check.passed and check.name not in _OUTER
    ]


def test_a_package_passes_with_the_keys_pinned(package: bytes, pki: tuple[Platform, str]) -> None:
    platform, _ = pki
    checks = verify_package(
        package,
        log_key_der=platform.log_public_key,
        trusted_roots=[platform.root.certificate.dump()],
    )
    assert all(check.passed for check in checks), checks
    names = [check.name for check in checks]
    assert names[:6] == [
        "manifest",
        "log key",
        "manifest signature",
        "events",
        "complete history",
        "tree head signatures",
    ]
    assert names[-1] == "pinned keys"
    assert "document HT-2026-0001-v1.pdf" in names
    assert any(c.name == "anchor rfc3161 of head 20" for c in checks)
    coverage = next(c for c in checks if c.name == "anchoring coverage")
    assert coverage.detail.startswith("2 of 3 events anchored")
    assert "README.txt" in _members(package)


def test_changed_event_is_caught_and_named(package: bytes) -> None:
    members = _members(package)
    lines = members["events.jsonl"].splitlines()
    record = json.loads(lines[1])
    record["event"]["payload"]["step"] = 18
    lines[1] = canonical(record)
    members["events.jsonl"] = b"\n".join(lines) + b"\n"
    assert _failed(_rezip(members)) == [
        # The next event names the changed one's leaf as its predecessor …
        ("complete history", "event 40 does not follow the package's event before it", 40),
        # … and the changed leaf leads to no signed root.
        (
            "inclusion",
            "event 17: leaf 17 does not lead to the root of the tree of 45 leaves",
            17,
        ),
    ]
    # Without rewriting the manifest, it is caught there too.
    assert _failed(_rezip(members, fix_manifest=False))[0][0] == "manifest"


def test_deleted_and_reordered_events_are_caught(package: bytes) -> None:
    members = _members(package)
    lines = members["events.jsonl"].splitlines()
    # Swap the indexes of two events: each now claims the other's place in the log.
    first, second = json.loads(lines[0]), json.loads(lines[1])
    first["index"], second["index"] = second["index"], first["index"]
    members["events.jsonl"] = (
        canonical(first) + b"\n" + canonical(second) + b"\n" + lines[2] + b"\n"
    )
    failures = _failed(_rezip(members))
    assert failures[0][0] == "complete history" and failures[0][2] == 3
    assert ("inclusion", 3) in [(name, index) for name, _detail, index in failures]
    # A left-out event (the signature of index 17's): the history has a hole, named.
    members["events.jsonl"] = lines[0] + b"\n" + lines[2] + b"\n"
    assert _failed(_rezip(members))[0] == (
        "complete history",
        "event 40 is number 2 of econtract.contract/1, but number 1 of the package: events "
        "are missing, added or reordered before it",
        40,
    )
    # The last events left out: the links hold, the signed manifest does not.
    members["events.jsonl"] = lines[0] + b"\n" + lines[1] + b"\n"
    assert _failed(_rezip(members))[0][:1] == ("complete history",)
    members["documents/HT-2026-0001-v1.pdf"] = PDF
    checks = verify_package(_rezip(members))
    assert not next(c for c in checks if c.name == "manifest signature").passed


def _package_of(platform: Platform, indexes: tuple[int, ...], *, signed: bool = True) -> bytes:
    """A package of the events at ``indexes``, checkpointed at a head of the whole log and
    signed by the log key unless ``signed`` is false: what a server builds."""
    events = _events()
    tree = MemoryTree.of(event.leaf_hash() for event in events)
    head = sign_tree_head(TreeHead(45, tree.root(45), 1_764_493_200_000), platform.key("log"))
    return build_package(
        subject=SUBJECT,
        events=[(i, events[i]) for i in indexes],
        source=tree,
        heads=[head],
        public_key_der=platform.log_public_key,
        created=START,
        log_key=platform.key("log") if signed else None,
    )


def test_a_foreign_event_is_caught(pki: tuple[Platform, str]) -> None:
    platform, _ = pki
    # Another contract's event slipped into this contract's package, by the server itself.
    data = _package_of(platform, (3, 5, 17, 40))
    failed = _failed(data, log_key_der=platform.log_public_key)
    assert failed[0] == (
        "complete history",
        "event 5 belongs to econtract.contract/105, not to econtract.contract/1",
        5,
    )


def test_unpinned_keys_leave_the_package_unverified(package: bytes) -> None:
    checks = verify_package(package)
    failed = [check for check in checks if not check.passed]
    assert [(c.name, c.trust) for c in failed] == [("pinned keys", True)]
    assert "the log key" in failed[0].detail and "time-stamping root" in failed[0].detail


def test_an_unsigned_manifest_is_not_vouched_for(pki: tuple[Platform, str]) -> None:
    platform, _ = pki
    data = _package_of(platform, OURS, signed=False)
    checks = verify_package(data, log_key_der=platform.log_public_key)
    failed = [(c.name, c.detail) for c in checks if not c.passed]
    assert failed == [
        (
            "manifest signature",
            "manifest.sig is missing: nothing vouches that the event set is complete",
        )
    ]


def test_forged_proof_from_an_adversarial_server_is_rejected(package: bytes) -> None:
    members = _members(package)
    proofs = json.loads(members["proofs/inclusion.json"])
    path = proofs["paths"]["40"]
    path[1] = f"{int(path[1][0], 16) ^ 1:x}" + path[1][1:]
    members["proofs/inclusion.json"] = canonical(proofs)
    assert _failed(_rezip(members))[0][2] == 40
    proofs["paths"]["40"] = path[:-1]
    members["proofs/inclusion.json"] = canonical(proofs)
    assert "shorter" in _failed(_rezip(members))[0][1]


def test_replaced_head_and_foreign_key_are_rejected(package: bytes) -> None:
    members = _members(package)
    heads = json.loads(members["heads.json"])
    original = heads["heads"][1]["head"]["root_hash"]
    heads["heads"][1]["head"]["root_hash"] = "00" * 32
    members["heads.json"] = canonical(heads)
    names = [f[0] for f in _failed(_rezip(members))]
    assert names[0] == "tree head signature" and "inclusion" in names
    heads["heads"][1]["head"]["root_hash"] = original
    members["heads.json"] = canonical(heads)
    # A package re-signed with some other key fails against the pinned log key.
    other = SoftwareKey().public_key.dump()
    assert _failed(_rezip(members), log_key_der=other)[0][0] == "log key"


def test_anchor_checks(package: bytes, pki: tuple[Platform, str]) -> None:
    platform, _ = pki
    # Pinning another root with the same name: the TSA's path ends at no trusted key.
    impostor_key = SoftwareKey()
    root = platform.root.certificate
    impostor = build_certificate(
        subject=root.subject,
        subject_key=impostor_key.public_key,
        profile=Profile.ROOT_CA,
        not_before=root.not_valid_before,
        not_after=root.not_valid_after,
        issuer_key=impostor_key,
        path_length=1,
    )
    failed = _failed(package, trusted_roots=[impostor.dump()])
    assert [f[0] for f in failed] == ["anchor rfc3161 of head 20"]
    assert "no trusted issuer" in failed[0][1]
    # The token moved to another head: it stamps other data.
    members = _members(package)
    anchors = json.loads(members["anchors.json"])
    anchors["anchors"][0]["tree_size"] = 45
    members["anchors.json"] = canonical(anchors)
    assert "other data" in _failed(_rezip(members))[0][1]


def test_not_a_package_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackageError):
        verify_package(b"PK\x03\x04 not really")
    with pytest.raises(PackageError):
        verify_package(_rezip({"manifest.json": b"{}"}, fix_manifest=False))


def test_time_stamp_token_verification(pki: tuple[Platform, str]) -> None:
    platform, base_url = pki
    digest = hashlib.sha256(b"head").digest()
    token = request_token(f"{base_url}/tsa", digest)
    info = verify_token(token, digest, trusted_roots=[platform.root.certificate])
    assert abs(info.time - datetime.now(UTC)) < timedelta(minutes=1)
    with pytest.raises(TokenInvalid, match="other data"):
        verify_token(
            token, hashlib.sha256(b"x").digest(), trusted_roots=[platform.root.certificate]
        )
    flipped = bytearray(token)
    flipped[-10] ^= 1  # inside the signature
    with pytest.raises(TokenInvalid):
        verify_token(bytes(flipped), digest, trusted_roots=[platform.root.certificate])
    with pytest.raises(TsaUnavailable):
        request_token("http://127.0.0.1:9/tsa", digest, timeout=2)


def test_cli_verify(package: bytes, pki: tuple[Platform, str], tmp_path: Path) -> None:
    platform, _ = pki
    path = tmp_path / "package.zip"
    path.write_bytes(package)
    (tmp_path / "log-key.der").write_bytes(platform.log_public_key)
    (tmp_path / "root.cer").write_bytes(platform.root.certificate.dump())

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "econtract", "verify", *map(str, args)],
            capture_output=True,
            text=True,
            check=False,
        )

    done = run(path, "--log-key", tmp_path / "log-key.der", "--trust", tmp_path / "root.cer")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "verdict: PASS"
    assert all(line.startswith(("PASS", "verdict")) for line in done.stdout.splitlines())
    # The operator's published material pins all keys at once.
    done = run(path, "--platform", platform.config.directory)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "verdict: PASS"), done.stdout
    # Nothing pinned: consistent, but the package vouches for itself.
    done = run(path)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (3, "verdict: UNVERIFIED")
    assert "FAIL  pinned keys: not pinned: the log key" in done.stdout
    members = _members(package)
    members["documents/HT-2026-0001-v1.pdf"] = PDF + b"% changed\n"
    path.write_bytes(_rezip(members))
    done = run(path, "--json", "--platform", platform.config.directory)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["verdict"] == "FAIL"
    assert [c["check"] for c in report["checks"] if not c["passed"]] == [
        "manifest signature",
        "document HT-2026-0001-v1.pdf",
    ]
    assert run(tmp_path / "missing.zip").returncode == 2


def test_published_material_needs_no_token(pki: tuple[Platform, str]) -> None:
    platform, _ = pki
    published = PublishedPki.load(platform.config.directory)
    assert published.log_public_key == platform.key("log").public_key.dump()
    assert [c.dump() for c in (*published.chain, published.tsa, published.seal)] == [
        c.dump() for c in (*platform.chain, platform.tsa_certificate, platform.seal_certificate)
    ]


def _signing_package(platform: Platform) -> bytes:
    events = _events(signing=True)
    tree = MemoryTree.of(event.leaf_hash() for event in events)
    head = sign_tree_head(TreeHead(45, tree.root(45), 1_764_493_200_000), platform.key("log"))
    return build_package(
        subject=SUBJECT,
        events=[(i, events[i]) for i in OURS],
        source=tree,
        heads=[head],
        public_key_der=platform.log_public_key,
        documents=[PackageDocument("HT-2026-0001-v1.pdf", PDF)],
        created=START,
        log_key=platform.key("log"),
    )


def _bundle(
    package: bytes,
    pdf: bytes = PDF,
    sums: dict[str, str] | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    files = {
        "HT-2026-0001-v1.pdf": pdf,
        "HT-2026-0001-signing-certificate.pdf": CERTIFICATE,
        "HT-2026-0001-evidence.zip": package,
        **(extra or {}),
    }
    listed = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    listed.update(sums or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
        bundle.writestr(
            "SHA256SUMS.txt", "".join(f"{digest}  {name}\n" for name, digest in listed.items())
        )
    return buffer.getvalue()


def _bundle_failures(bundle: bytes) -> list[str]:
    from econtract.ledger.package import verify_bundle

    return [check.name for check in verify_bundle(bundle) if not check.passed and not check.trust]


def test_a_court_bundle_is_checked_with_its_package(
    pki: tuple[Platform, str], tmp_path: Path
) -> None:
    from econtract.ledger.package import is_bundle, verify_bundle

    platform, _ = pki
    package = _signing_package(platform)
    bundle = _bundle(package)
    assert is_bundle(bundle) and not is_bundle(package)
    pins = {
        "log_key_der": platform.log_public_key,
        "trusted_roots": [platform.root.certificate.dump()],
    }
    checks = verify_bundle(bundle, **pins)
    assert all(check.passed for check in checks), [c for c in checks if not c.passed]
    assert [c.name for c in checks][-4:] == [
        "bundle checksums",
        "bundle signed PDF",
        "bundle signing certificate",
        "bundle contents",
    ]
    # Another signed PDF, even with its checksum listed, is not the one the log records.
    assert "bundle signed PDF" in _bundle_failures(_bundle(package, PDF + b"% other\n"))
    # A file added, with its checksum, is not vouched for.
    added = _bundle(package, extra={"forged.pdf": b"%PDF-1.7 forged"})
    assert "bundle contents" in _bundle_failures(added)
    listed_wrong = _bundle(package, sums={"HT-2026-0001-v1.pdf": "0" * 64})
    assert "bundle checksums" in _bundle_failures(listed_wrong)
    path = tmp_path / "court.zip"
    path.write_bytes(bundle)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "econtract",
            "verify",
            str(path),
            "--platform",
            str(platform.config.directory),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "verdict: PASS"), done.stdout
    with pytest.raises(PackageError, match="not a court bundle"):
        verify_bundle(package)
