"""EVM anchoring against a real chain in process (eth-tester on py-evm), with the anchoring
account's key in the SoftHSM2 token: sign, send, read back, verify offline — and every lie a
receipt could tell caught."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3

from econtract.evm.anchor import (
    PAYLOAD_PREFIX,
    EvmAnchorInvalid,
    EvmChain,
    EvmError,
    EvmReceipt,
    EvmRejected,
    EvmUnavailable,
    SignedTransaction,
    account_address,
    anchor_payload,
    sign_transaction,
    verify_receipt,
)
from econtract.ledger.canonical import canonical
from econtract.ledger.heads import TreeHead, sign_tree_head
from econtract.ledger.merkle import MemoryTree
from econtract.ledger.package import Anchor, build_package, verify_package
from econtract.pki.keys import SoftwareKey, TokenKey
from econtract.pki.platform import Platform

from .test_evidence_package import OURS, START, SUBJECT, _events, _members, _rezip

HEAD = TreeHead(45, bytes(range(32)), 1_764_493_200_000)


def _signer(key: TokenKey) -> dict[str, object]:
    def sign_digest(digest: bytes) -> bytes:
        return key.token.sign_digest(key.label, digest, key.kind)

    return {"sign_digest": sign_digest, "public_key": key.public_key}


@pytest.fixture
def anchor_key(pki: tuple[Platform, str]) -> TokenKey:
    return pki[0].key("anchor")


@pytest.fixture
def chain(anchor_key: TokenKey) -> Iterator[EvmChain]:
    """A fresh chain whose genesis funds the token's anchoring account."""
    state = PyEVMBackend.generate_genesis_state(num_accounts=1)
    address = bytes.fromhex(account_address(anchor_key.public_key)[2:])
    state[address] = {"balance": 10**20, "nonce": 0, "code": b"", "storage": {}}
    yield EvmChain(Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend(genesis_state=state)))))


def _anchor(chain: EvmChain, key: TokenKey, head: TreeHead = HEAD) -> EvmReceipt:
    payload = anchor_payload(head)
    transaction = chain.prepare(payload, **_signer(key))  # type: ignore[arg-type]
    chain.broadcast(transaction)
    receipt = chain.receipt(transaction, payload)
    assert receipt is not None
    return receipt


def test_payload_commits_to_size_root_and_head() -> None:
    payload = anchor_payload(HEAD)
    assert payload.startswith(PAYLOAD_PREFIX)
    assert payload[16:24] == (45).to_bytes(8, "big")
    assert payload[24:56] == HEAD.root
    assert payload[56:] == hashlib.sha256(HEAD.signing_input()).digest()
    assert anchor_payload(replace(HEAD, timestamp=HEAD.timestamp + 1)) != payload


def test_account_key_lives_in_the_token(pki: tuple[Platform, str], anchor_key: TokenKey) -> None:
    platform, _ = pki
    assert anchor_key.public_key.curve == ("named", "secp256k1")
    assert anchor_key.public_key.dump() == platform.published.anchor_public_key
    assert account_address(platform.published.anchor_public_key).startswith("0x")
    with pytest.raises(EvmError, match="secp256k1"):
        account_address(platform.log_public_key)  # P-256 is no EVM account


def test_token_signatures_become_valid_transactions(anchor_key: TokenKey) -> None:
    """Forty signatures: the token's high-s ones are folded and both recovery bits occur."""
    from eth_account import Account
    from eth_account.typed_transactions.typed_transaction import TypedTransaction
    from hexbytes import HexBytes

    address = account_address(anchor_key.public_key)
    bits = set()
    for nonce in range(40):
        fields = {
            "chainId": 1337,
            "nonce": nonce,
            "to": address,
            "value": 0,
            "data": b"x",
            "gas": 30_000,
            "maxFeePerGas": 2 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "accessList": [],
        }
        signed = sign_transaction(fields, **_signer(anchor_key))  # type: ignore[arg-type]
        assert Account.recover_transaction(signed.raw) == address
        v, _r, s = TypedTransaction.from_bytes(HexBytes(signed.raw)).vrs()
        assert s <= 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
        bits.add(v)
    assert bits == {0, 1}


def test_anchor_is_read_back_and_verifies_offline(chain: EvmChain, anchor_key: TokenKey) -> None:
    receipt = _anchor(chain, anchor_key)
    address = account_address(anchor_key.public_key)
    on_chain = chain.web3.eth.get_transaction(receipt.transaction_hash)
    assert bytes(on_chain["input"]) == anchor_payload(HEAD)
    assert on_chain["from"] == on_chain["to"] == address
    assert receipt.block_number == on_chain["blockNumber"]
    verify_receipt(receipt, HEAD, account=address)
    again = EvmReceipt.from_json(json.loads(canonical(receipt.as_json())))
    assert again == receipt


def test_broadcasting_again_sends_nothing_new(chain: EvmChain, anchor_key: TokenKey) -> None:
    payload = anchor_payload(HEAD)
    transaction = chain.prepare(payload, **_signer(anchor_key))  # type: ignore[arg-type]
    for _attempt in range(3):
        chain.broadcast(transaction)
    assert chain.receipt(transaction, payload) is not None
    chain.broadcast(transaction)  # after it is mined, too
    count = chain.web3.eth.get_transaction_count(transaction.sender)  # type: ignore[arg-type]
    assert count == 1


def test_confirmations_are_awaited(chain: EvmChain, anchor_key: TokenKey) -> None:
    payload = anchor_payload(HEAD)
    transaction = chain.prepare(payload, **_signer(anchor_key))  # type: ignore[arg-type]
    chain.broadcast(transaction)
    assert chain.receipt(transaction, payload, confirmations=3) is None
    chain.web3.provider.ethereum_tester.mine_blocks(2)  # type: ignore[attr-defined]
    assert chain.receipt(transaction, payload, confirmations=3) is not None


def test_a_transaction_whose_nonce_was_taken_is_rejected(
    chain: EvmChain, anchor_key: TokenKey
) -> None:
    payload = anchor_payload(HEAD)
    first = chain.prepare(payload, **_signer(anchor_key))  # type: ignore[arg-type]
    other = chain.prepare(anchor_payload(replace(HEAD, size=46)), **_signer(anchor_key))  # type: ignore[arg-type]
    assert first.nonce == other.nonce
    chain.broadcast(other)
    with pytest.raises(EvmRejected, match="used by another"):
        chain.broadcast(first)
    # and a receipt is never taken for bytes that do not carry the head asked about
    with pytest.raises(EvmRejected, match="does not carry"):
        chain.receipt(other, payload)


def test_node_down_is_unavailable_and_changes_nothing(anchor_key: TokenKey) -> None:
    down = EvmChain.connect("http://127.0.0.1:9", timeout=2)
    with pytest.raises(EvmUnavailable, match="EVM node failed"):
        down.prepare(anchor_payload(HEAD), **_signer(anchor_key))  # type: ignore[arg-type]


def test_lying_receipts_are_rejected(chain: EvmChain, anchor_key: TokenKey) -> None:
    receipt = _anchor(chain, anchor_key)
    with pytest.raises(EvmAnchorInvalid, match="does not commit to head 46"):
        verify_receipt(receipt, replace(HEAD, size=46))
    with pytest.raises(EvmAnchorInvalid, match="does not commit"):
        verify_receipt(receipt, replace(HEAD, root=bytes(32)))
    flipped = bytearray(receipt.raw_transaction)
    flipped[-40] ^= 1
    with pytest.raises(EvmAnchorInvalid, match="Keccak-256"):
        verify_receipt(replace(receipt, raw_transaction=bytes(flipped)), HEAD)
    from eth_utils.crypto import keccak

    forged = bytes(flipped)
    with pytest.raises(EvmAnchorInvalid):  # rehashed: then the signature no longer recovers
        verify_receipt(
            replace(receipt, raw_transaction=forged, transaction_hash=keccak(forged)), HEAD
        )
    with pytest.raises(EvmAnchorInvalid, match="signed by"):
        verify_receipt(receipt, HEAD, account="0x" + "11" * 20)
    with pytest.raises(EvmAnchorInvalid, match="chain"):
        verify_receipt(replace(receipt, chain_id=1), HEAD)
    with pytest.raises(EvmAnchorInvalid, match="malformed"):
        EvmReceipt.from_json({**receipt.as_json(), "block_number": -1})
    with pytest.raises(EvmAnchorInvalid, match="not an econtract"):
        EvmReceipt.from_json({**receipt.as_json(), "format": "other"})


def _package_with_evm_anchor(platform: Platform, receipt_of: EvmChain) -> bytes:
    events = _events()
    tree = MemoryTree.of(event.leaf_hash() for event in events)
    head = sign_tree_head(TreeHead(45, tree.root(45), 1_764_493_200_000), platform.key("log"))
    receipt = _anchor(receipt_of, platform.key("anchor"), head.head)
    return build_package(
        subject=SUBJECT,
        events=[(i, events[i]) for i in OURS],
        source=tree,
        heads=[head],
        anchors=[Anchor(45, "evm", canonical(receipt.as_json()))],
        public_key_der=platform.log_public_key,
        anchor_public_key_der=platform.published.anchor_public_key,
        created=START,
        log_key=platform.key("log"),
    )


def test_package_with_an_evm_anchor(pki: tuple[Platform, str], chain: EvmChain) -> None:
    platform, _ = pki
    package = _package_with_evm_anchor(platform, chain)
    account = account_address(platform.published.anchor_public_key)
    checks = verify_package(package, log_key_der=platform.log_public_key, anchor_account=account)
    assert all(check.passed for check in checks), checks
    anchor = next(c for c in checks if c.name == "anchor evm of head 45")
    assert account_address(platform.published.anchor_public_key) in anchor.detail
    assert (
        "3 of 3 events anchored" in next(c for c in checks if c.name == "anchoring coverage").detail
    )
    # Another account's key in the package: the transaction is not from it.
    members = _members(package)
    members["keys/anchor-key.der"] = SoftwareKey().public_key.dump()
    failed = [c for c in verify_package(_rezip(members)) if not c.passed and not c.trust]
    failed = [c for c in failed if c.name != "manifest signature"]
    assert [c.name for c in failed] == ["anchor evm of head 45"]
    assert "EVM account key" in failed[0].detail
    # A receipt edited to name another transaction hash.
    members = _members(package)
    receipt = json.loads(members["anchors/45-evm.json"])
    receipt["transaction_hash"] = "0x" + "ab" * 32
    members["anchors/45-evm.json"] = canonical(receipt)
    failed = [c for c in verify_package(_rezip(members)) if not c.passed and not c.trust]
    failed = [c for c in failed if c.name != "manifest signature"]
    assert [(c.name, "Keccak-256" in c.detail) for c in failed] == [("anchor evm of head 45", True)]


def test_service_publishes_the_public_keys(pki: tuple[Platform, str]) -> None:
    import urllib.request

    platform, base_url = pki
    for path, der in (
        ("/log/key.der", platform.log_public_key),
        ("/anchor/key.der", platform.published.anchor_public_key),
    ):
        with urllib.request.urlopen(base_url + path, timeout=5) as response:
            assert response.read() == der
    with urllib.request.urlopen(base_url + "/health", timeout=5) as response:
        health = json.loads(response.read())
    assert (
        health["anchor_key_sha256"]
        == hashlib.sha256(platform.published.anchor_public_key).hexdigest()
    )


def test_cli_address_and_pinned_account(
    pki: tuple[Platform, str], chain: EvmChain, tmp_path: Path
) -> None:
    platform, _ = pki
    key = tmp_path / "anchor-key.der"
    key.write_bytes(platform.published.anchor_public_key)
    package = tmp_path / "package.zip"
    package.write_bytes(_package_with_evm_anchor(platform, chain))

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "econtract", *map(str, args)],
            capture_output=True,
            text=True,
            check=False,
        )

    address = run("evm", "address", key).stdout.strip()
    assert address == account_address(platform.published.anchor_public_key)
    log_key = tmp_path / "log-key.der"
    log_key.write_bytes(platform.log_public_key)
    assert run("verify", package, "--log-key", log_key, "--anchor-account", address).returncode == 0
    done = run("verify", package, "--log-key", log_key, "--anchor-account", "0x" + "11" * 20)
    assert done.returncode == 1
    assert "FAIL  anchor evm of head 45: the package's anchoring account" in done.stdout
    refused = run("evm", "address", tmp_path / "missing.der")
    assert refused.returncode == 2


def test_stored_bytes_give_back_the_transaction(chain: EvmChain, anchor_key: TokenKey) -> None:
    transaction = chain.prepare(anchor_payload(HEAD), **_signer(anchor_key))  # type: ignore[arg-type]
    assert SignedTransaction.from_raw(transaction.raw) == transaction
    with pytest.raises(EvmAnchorInvalid, match="do not decode"):
        SignedTransaction.from_raw(b"\x02\xc0")
