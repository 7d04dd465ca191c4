"""Anchoring signed tree heads in an EVM chain: one self-addressed transaction per head.

The transaction sends nothing (value 0) from the anchoring account to itself and carries
`anchor_payload` as call data: a fixed prefix, the head's size and root, and the SHA-256 of its
RFC 6962 ``TreeHeadSignature`` — the same digest the RFC 3161 anchor stamps. No contract is
deployed, so there is no contract code to trust; anyone reads the root back from the
transaction with any node or block explorer.

The account's secp256k1 key lives in the PKCS#11 token like the log key (`sign_transaction`
takes a digest signer, never a private key). A transaction is signed once and its bytes kept
*before* they are broadcast: a retry re-sends the same bytes, whose hash is the same and whose
nonce admits only one of them, so a lost answer never yields a second anchor.

A receipt (`EvmReceipt`) keeps the signed transaction itself. `verify_receipt` checks it
offline — the transaction hash is the Keccak-256 of those bytes, their signature recovers the
account, their call data commits to the head — so the only thing left to check online is that
a chain holds a transaction with that hash in the block named.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from asn1crypto import algos, keys
from hexbytes import HexBytes

from econtract.errors import EContractError
from econtract.ledger.heads import TreeHead

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress
    from web3 import Web3

__all__ = [
    "PAYLOAD_PREFIX",
    "EvmAnchorInvalid",
    "EvmChain",
    "EvmError",
    "EvmReceipt",
    "EvmRejected",
    "EvmUnavailable",
    "SignedTransaction",
    "account_address",
    "anchor_payload",
    "sign_transaction",
    "verify_receipt",
]

#: First bytes of every anchor's call data: names the format, so the data is self-describing.
PAYLOAD_PREFIX = b"econtract-sth-v1"

#: Order of the secp256k1 group; Ethereum accepts only signatures with s ≤ N/2 (EIP-2).
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

#: Bounds on what an anchor may cost per gas, in wei: a chain asking more is refused, not paid.
MAX_FEE_PER_GAS = 500 * 10**9


class EvmError(EContractError):
    """Anchoring in an EVM chain failed."""


class EvmUnavailable(EvmError):
    """The node did not answer or answered with an error: retry later, nothing was lost."""


class EvmRejected(EvmError):
    """The chain refused or dropped the transaction: a new one must be signed."""


class EvmAnchorInvalid(EvmError):
    """A receipt does not prove what it claims: wrong hash, signer, data or head."""


def anchor_payload(head: TreeHead) -> bytes:
    """Call data committing to ``head``: prefix, size (8 bytes), root, SHA-256 of the head."""
    digest = hashlib.sha256(head.signing_input()).digest()
    return PAYLOAD_PREFIX + head.size.to_bytes(8, "big") + head.root + digest


def account_address(public_key: keys.PublicKeyInfo | bytes) -> str:
    """The EIP-55 checksummed address of a secp256k1 public key (SubjectPublicKeyInfo)."""
    from eth_keys.datatypes import PublicKey

    info = (
        public_key
        if isinstance(public_key, keys.PublicKeyInfo)
        else keys.PublicKeyInfo.load(public_key)
    )
    if info.algorithm != "ec" or info.curve != ("named", "secp256k1"):
        raise EvmError("an EVM account key is an EC key on secp256k1")
    point = info["public_key"].native
    return str(PublicKey(point[1:]).to_checksum_address())


@dataclass(frozen=True)
class SignedTransaction:
    raw: bytes
    hash: bytes
    nonce: int
    sender: str

    @classmethod
    def from_raw(cls, raw: bytes) -> SignedTransaction:
        """The transaction of stored bytes, its nonce and signer read from them."""
        from eth_account import Account
        from eth_account.typed_transactions.typed_transaction import TypedTransaction
        from eth_utils.crypto import keccak

        try:
            fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            sender = Account.recover_transaction(raw)
        except Exception as error:  # eth-account raises a zoo of types on bad bytes
            raise EvmAnchorInvalid(f"the transaction bytes do not decode: {error}") from error
        return cls(raw, keccak(raw), int(fields["nonce"]), str(sender))


def sign_transaction(
    fields: Mapping[str, Any],
    *,
    sign_digest: Callable[[bytes], bytes],
    public_key: keys.PublicKeyInfo | bytes,
) -> SignedTransaction:
    """Sign a typed (EIP-1559) transaction with a key that only signs digests.

    ``sign_digest`` returns a DER ECDSA signature over a 32-byte digest, as a PKCS#11 token
    does. Ethereum needs the low-s form and a recovery bit, which the token does not give: s is
    folded to N − s when high, and the bit is whichever recovers ``public_key``.
    """
    from eth_account.typed_transactions.typed_transaction import TypedTransaction
    from eth_keys.datatypes import Signature
    from eth_utils.crypto import keccak

    sender = account_address(public_key)
    unsigned = {**fields, "type": 2}
    digest = TypedTransaction.from_dict(unsigned).hash()
    signature = algos.DSASignature.load(sign_digest(digest)).native
    r, s = signature["r"], signature["s"]
    if s > _SECP256K1_N // 2:
        s = _SECP256K1_N - s
    for v in (0, 1):
        recovered = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
        if recovered.to_checksum_address() == sender:
            break
    else:
        raise EvmError("the token's signature does not recover the anchoring account")
    raw = bytes(TypedTransaction.from_dict({**unsigned, "v": v, "r": r, "s": s}).encode())
    return SignedTransaction(raw, keccak(raw), int(fields["nonce"]), sender)


@dataclass(frozen=True)
class EvmReceipt:
    """Where a chain put an anchor transaction, with the transaction's own bytes."""

    chain_id: int
    transaction_hash: bytes
    raw_transaction: bytes
    sender: str
    block_number: int
    block_hash: bytes
    block_time: int
    """Block timestamp, seconds since the Unix epoch."""

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.block_time, UTC)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": "econtract-evm-anchor",
            "chain_id": self.chain_id,
            "transaction_hash": "0x" + self.transaction_hash.hex(),
            "raw_transaction": "0x" + self.raw_transaction.hex(),
            "sender": self.sender,
            "block_number": self.block_number,
            "block_hash": "0x" + self.block_hash.hex(),
            "block_time": self.block_time,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EvmReceipt:
        try:
            if data["format"] != "econtract-evm-anchor":
                raise EvmAnchorInvalid("not an econtract EVM anchor receipt")
            return cls(
                chain_id=_integer(data["chain_id"]),
                transaction_hash=_hex(data["transaction_hash"], 32),
                raw_transaction=_hex(data["raw_transaction"]),
                sender=str(data["sender"]),
                block_number=_integer(data["block_number"]),
                block_hash=_hex(data["block_hash"], 32),
                block_time=_integer(data["block_time"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise EvmAnchorInvalid(f"malformed EVM anchor receipt: {error}") from error


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a non-negative integer")
    return value


def _hex(value: Any, length: int | None = None) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"{value!r} is not 0x-prefixed hex")
    data = bytes.fromhex(value[2:])
    if length is not None and len(data) != length:
        raise ValueError(f"{value!r} is not {length} bytes")
    return data


def verify_receipt(receipt: EvmReceipt, head: TreeHead, *, account: str | None = None) -> None:
    """Raise `EvmAnchorInvalid` unless ``receipt`` is a transaction anchoring ``head``.

    Offline: the hash is the Keccak-256 of the transaction bytes, the bytes are a signed
    transaction on ``receipt.chain_id`` from ``receipt.sender`` (and from ``account`` when
    the reader pins one) to itself, and its call data is `anchor_payload` of ``head``. That
    the chain holds the hash in the block named is for the reader to look up.
    """
    from eth_account import Account
    from eth_account.typed_transactions.typed_transaction import TypedTransaction
    from eth_utils.address import to_checksum_address
    from eth_utils.crypto import keccak

    if keccak(receipt.raw_transaction) != receipt.transaction_hash:
        raise EvmAnchorInvalid("the transaction hash is not the Keccak-256 of its bytes")
    try:
        fields = TypedTransaction.from_bytes(HexBytes(receipt.raw_transaction)).as_dict()
        sender = Account.recover_transaction(receipt.raw_transaction)
    except Exception as error:  # eth-account raises a zoo of types on bad bytes
        raise EvmAnchorInvalid(f"the transaction bytes do not decode: {error}") from error
    if sender != receipt.sender or (account is not None and sender != account):
        raise EvmAnchorInvalid(
            f"the transaction is signed by {sender}, not {account or receipt.sender}"
        )
    if fields.get("chainId") != receipt.chain_id:
        raise EvmAnchorInvalid(f"the transaction is for chain {fields.get('chainId')}")
    if to_checksum_address(fields.get("to") or b"\0" * 20) != sender:
        raise EvmAnchorInvalid("the transaction is not addressed to the anchoring account")
    if bytes(fields.get("data", b"")) != anchor_payload(head):
        raise EvmAnchorInvalid(f"the transaction's data does not commit to head {head.size}")


def _address(account: str) -> ChecksumAddress:
    from eth_utils.address import to_checksum_address

    return to_checksum_address(account)


class EvmChain:
    """A node reached over JSON-RPC, and what anchoring asks of it.

    Every node failure becomes `EvmUnavailable` (retry later); a transaction the chain will
    never include becomes `EvmRejected` (sign a new one).
    """

    def __init__(self, web3: Web3) -> None:
        self.web3 = web3

    @classmethod
    def connect(cls, url: str, *, timeout: float = 10) -> EvmChain:
        from web3 import HTTPProvider, Web3

        return cls(Web3(HTTPProvider(url, request_kwargs={"timeout": timeout})))

    def _call(self, what: str, operation: Callable[[], Any]) -> Any:
        from web3.exceptions import TransactionNotFound

        try:
            return operation()
        except TransactionNotFound:
            raise
        except Exception as error:  # transport, RPC and node errors alike
            raise EvmUnavailable(f"the EVM node failed to {what}: {error}") from error

    def prepare(
        self,
        payload: bytes,
        *,
        sign_digest: Callable[[bytes], bytes],
        public_key: keys.PublicKeyInfo | bytes,
        after: int | None = None,
    ) -> SignedTransaction:
        """Sign (without sending) an anchor transaction at the account's next nonce.

        ``after``: the highest nonce of transactions signed but not sent yet, which the node
        cannot know of; the new one comes after them, so heads signed together are mined in
        order instead of competing for one nonce.
        """
        account = account_address(public_key)
        eth = self.web3.eth
        chain_id = self._call("report its chain id", lambda: eth.chain_id)
        nonce = self._call(
            "count the account's transactions",
            lambda: eth.get_transaction_count(_address(account), "pending"),
        )
        if after is not None:
            nonce = max(nonce, after + 1)
        block = self._call("read the latest block", lambda: eth.get_block("latest"))
        base_fee = int(block.get("baseFeePerGas", 0))
        try:
            priority = int(eth.max_priority_fee)
        except Exception:  # nodes without eth_maxPriorityFeePerGas
            priority = 10**9
        max_fee = 2 * base_fee + priority
        if max_fee > MAX_FEE_PER_GAS:
            raise EvmUnavailable(f"gas costs {max_fee} wei, above the limit of {MAX_FEE_PER_GAS}")
        fields = {
            "chainId": chain_id,
            "nonce": nonce,
            "to": account,
            "value": 0,
            "data": payload,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": priority,
            "accessList": [],
        }
        gas = self._call(
            "estimate gas",
            lambda: eth.estimate_gas({"from": account, "to": account, "data": payload}),
        )
        return sign_transaction(
            {**fields, "gas": int(gas)}, sign_digest=sign_digest, public_key=public_key
        )

    def broadcast(self, transaction: SignedTransaction) -> None:
        """Send the signed bytes; sending them again, or after the chain has them, is harmless."""
        from web3.exceptions import TransactionNotFound

        eth = self.web3.eth
        try:
            self._call(
                "find the transaction", lambda: eth.get_transaction(HexBytes(transaction.hash))
            )
            return  # pending or mined already: nothing to send
        except TransactionNotFound:
            pass
        used = self._call(
            "count the account's transactions",
            lambda: eth.get_transaction_count(_address(transaction.sender), "pending"),
        )
        if used > transaction.nonce:
            raise EvmRejected(
                f"nonce {transaction.nonce} of {transaction.sender} was used by another transaction"
            )
        self._call("accept the transaction", lambda: eth.send_raw_transaction(transaction.raw))

    def receipt(
        self, transaction: SignedTransaction, payload: bytes, *, confirmations: int = 1
    ) -> EvmReceipt | None:
        """The receipt once the transaction has ``confirmations`` blocks; None while pending.

        The transaction is read back from the chain and its call data compared with
        ``payload``: the root is anchored only if the chain holds exactly those bytes.
        """
        from web3.exceptions import TransactionNotFound

        eth = self.web3.eth
        try:
            mined = self._call(
                "report the receipt",
                lambda: eth.get_transaction_receipt(HexBytes(transaction.hash)),
            )
        except TransactionNotFound:
            return None
        if mined.get("blockNumber") is None:
            return None
        if mined["status"] != 1:
            raise EvmRejected(f"transaction 0x{transaction.hash.hex()} failed on chain")
        latest = self._call("report the block number", lambda: eth.block_number)
        if latest - mined["blockNumber"] + 1 < confirmations:
            return None
        on_chain = self._call(
            "return the transaction", lambda: eth.get_transaction(HexBytes(transaction.hash))
        )
        if bytes(on_chain["input"]) != payload or on_chain["from"] != transaction.sender:
            raise EvmRejected(
                f"transaction 0x{transaction.hash.hex()} on chain does not carry the head"
            )
        block = self._call("return the block", lambda: eth.get_block(mined["blockNumber"]))
        if bytes(block["hash"]) != bytes(mined["blockHash"]):
            return None  # reorganised between the two reads: look again next time
        return EvmReceipt(
            chain_id=int(on_chain["chainId"]),
            transaction_hash=transaction.hash,
            raw_transaction=transaction.raw,
            sender=transaction.sender,
            block_number=int(mined["blockNumber"]),
            block_hash=bytes(mined["blockHash"]),
            block_time=int(block["timestamp"]),
        )
