"""``make bench``: the archive's encryption at rest, beside bare AES-GCM.

Run by ``tools/devenv.py bench`` with the development token up. Prints MB/s for a 1 MB PDF:

- *seal*: a new data key made and wrapped in the token (``C_WrapKey``) and AES-256-GCM with
  the object's name as associated data; *seal + store* adds the durable write to a local
  store (a temporary file, fsync, a rename) — what archiving one file costs;
- *open*: the data key unwrapped in the token and the object decrypted; *read + open* adds
  reading it back from the store;
- *bare*: `cryptography`'s AESGCM over the same bytes with a key in memory.

The goal (≥ 0.8× of bare AES-GCM) applies to *seal* and *open*, the encryption's own cost;
the rows with the store show what the disk adds (an fsync dwarfs AES-GCM on any disk).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from econtract.crypto import Keyring, encrypt, open_sealed, seal
from econtract.crypto.pkcs11 import TokenKeyWrapper, create_kek
from econtract.pki.token import Token, TokenConfig
from econtract.storage import ObjectStore

SIZE = 1024 * 1024
RUNS = 200
LABEL = "econtract-bench-archive-kek"


def _pdf() -> bytes:
    body = (
        "第一条 租赁物业：上海市浦东新区张江路100号。押金人民币壹万陆仟元整。\n" * 4000
    ).encode()
    data = b"%PDF-1.7\n" + body + os.urandom(SIZE // 2)
    return data[:SIZE]


def _rate(samples: list[float]) -> tuple[float, float]:
    """MB/s at the median and at the 95th percentile of the times."""
    ordered = sorted(samples)
    p50, p95 = statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]
    return SIZE / p50 / 1e6, SIZE / p95 / 1e6


def main() -> int:
    token = Token.get(TokenConfig.from_env())
    kek = TokenKeyWrapper(token, LABEL)
    if not kek.exists():
        create_kek(token, LABEL)
    keyring = Keyring([kek], active=kek.reference)
    data = _pdf()
    key = AESGCM.generate_key(256)
    times: dict[str, list[float]] = {name: [] for name in NAMES}
    with tempfile.TemporaryDirectory() as directory:
        store = ObjectStore(f"file://{Path(directory) / 'store'}")
        store.ensure()
        objects = []
        for n in range(RUNS):
            nonce = os.urandom(12)
            started = time.perf_counter()
            encrypted = AESGCM(key).encrypt(nonce, data, b"bench")
            times["bare encrypt"].append(time.perf_counter() - started)
            started = time.perf_counter()
            AESGCM(key).decrypt(nonce, encrypted, b"bench")
            times["bare decrypt"].append(time.perf_counter() - started)
            name = f"bench/{n:04d}"
            started = time.perf_counter()
            encrypt(data, key=key, context=name.encode())
            times["format only"].append(time.perf_counter() - started)
            started = time.perf_counter()
            kek.new_data_key()
            times["token wrap"].append(time.perf_counter() - started)
            started = time.perf_counter()
            sealed, wrapped = seal(data, wrapper=kek, context=name.encode())
            times["seal"].append(time.perf_counter() - started)
            store.put(name, sealed)
            times["seal + store"].append(time.perf_counter() - started)
            objects.append((name, sealed, wrapped))
        for name, sealed, wrapped in objects:
            started = time.perf_counter()
            open_sealed(sealed, wrapped=wrapped, keyring=keyring, context=name.encode())
            times["open"].append(time.perf_counter() - started)
            started = time.perf_counter()
            plain = open_sealed(
                store.get(name), wrapped=wrapped, keyring=keyring, context=name.encode()
            )
            times["read + open"].append(time.perf_counter() - started)
            assert plain == data
    wrap50 = statistics.median(times.pop("token wrap")) * 1000
    rates = {name: _rate(samples) for name, samples in times.items()}
    print(f"archive encryption, 1 MB PDF, {RUNS} runs, MB/s at the p50 / p95 of the times")
    ok = True
    for name, baseline, goal in ROWS:
        r50, r95 = rates[name]
        line = f"  {name:40s} {r50:7.0f} / {r95:7.0f}"
        if baseline:
            ratio = r50 / rates[baseline][0]
            line += f"   {ratio:4.2f}x {baseline}"
            if goal:
                ok &= ratio >= 0.8
                line += "  ok" if ratio >= 0.8 else "  BELOW the 0.8x goal"
        print(line)
    print(
        f"  (a data key made and wrapped in the token: {wrap50:.2f} ms per file at p50; "
        "'format only' is the envelope with a key in memory)"
    )
    return 0 if ok else 1


NAMES = (
    "bare encrypt",
    "bare decrypt",
    "format only",
    "token wrap",
    "seal",
    "seal + store",
    "open",
    "read + open",
)
#: (row, the baseline it is compared with, whether the 0.8x goal applies).
ROWS = (
    ("bare encrypt", None, False),
    ("format only", "bare encrypt", False),
    ("seal", "bare encrypt", True),
    ("seal + store", "bare encrypt", False),
    ("bare decrypt", None, False),
    ("open", "bare decrypt", True),
    ("read + open", "bare decrypt", False),
)


if __name__ == "__main__":
    sys.exit(main())
