"""``make bench``: what signing costs, measured beside what the same work costs without us.

Run by ``tools/devenv.py bench`` with the development token and PKI service up. Prints, for
a 10-page rendered contract:

- sign at PAdES B-LTA with the seal key in the token (TSA, DSS, document time stamp);
- seal with the cross-page seal (B-LTA);
- validate the sealed file (strict policy, revocation fetched from the PKI service);
- the same B-LTA signing done by bare pyHanko with an in-memory key of the same type;

each as p50 / p95 over the runs, then token signatures per second beside
``openssl speed`` for the same key type (ECDSA P-256).
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import aiohttp
from asn1crypto import keys, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore

from econtract.pdf import PageLayout, render_pdf
from econtract.pdf.crosspage import (
    CrossPageSealField,
    add_cross_page_seal_field,
    sign_with_cross_page_seal,
)
from econtract.pdf.seal import png, render_seal
from econtract.pdf.sign import Level, SignatureRequest, TokenSigner, sign_pdf
from econtract.pdf.validate import validate_pdf
from econtract.pki.certificates import Profile
from econtract.pki.platform import Platform

RUNS = int(os.environ.get("BENCH_RUNS", "20"))


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def measure(label: str, action: Callable[[], object], runs: int = RUNS) -> None:
    action()  # warm up: fonts, sessions, caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    print(f"{label:<58} {percentiles(samples)}", flush=True)


def ten_page_contract() -> bytes:
    clause = "甲方应按照本合同约定的时间、地点和方式向乙方支付合同价款，乙方应按约定交付货物。"
    body = "".join(f"<h2>第{n}条</h2><p>{clause * 9}</p>" for n in range(1, 29))
    rendered = render_pdf(f"<h1>采购合同</h1>{body}", PageLayout(reference="EC2026-BENCH"))
    print(f"contract: {rendered.page_count} pages, {len(rendered.data) // 1024} KiB")
    return rendered.data


def memory_signer(platform: Platform) -> signers.SimpleSigner:
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    subject = x509.Name.build({"common_name": "bench in-memory"}, use_printable=False)
    certificate = platform.issuing.issue(
        subject, keys.PublicKeyInfo.load(public), Profile.EVENT, timedelta(hours=1)
    )
    key = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=keys.PrivateKeyInfo.load(key),
        cert_registry=SimpleCertificateStore.from_certs([certificate, *platform.chain]),
    )


def bare_pyhanko(pdf: bytes, signer: signers.SimpleSigner, platform: Platform, tsa: str) -> bytes:
    async def run() -> bytes:
        async with aiohttp.ClientSession() as session:
            meta = signers.PdfSignatureMetadata(
                field_name="Bare",
                md_algorithm="sha256",
                subfilter=fields.SigSeedSubFilter.PADES,
                embed_validation_info=True,
                use_pades_lta=True,
                validation_context=ValidationContext(
                    trust_roots=[platform.root.certificate],
                    allow_fetching=True,
                    fetcher_backend=AIOHttpFetcherBackend(session),
                ),
            )
            out = BytesIO()
            stamper = HTTPTimeStamper(tsa, session=session)
            await signers.PdfSigner(meta, signer, timestamper=stamper).async_sign_pdf(
                IncrementalPdfFileWriter(BytesIO(pdf)), output=out
            )
            return out.getvalue()

    return asyncio.run(run())


def token_rate(platform: Platform, seconds: float = 3.0) -> float:
    key = platform.key("seal")
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        key.sign(b"%d" % count)
        count += 1
    return count / (time.perf_counter() - start)


def openssl_rate() -> str:
    result = subprocess.run(
        ["openssl", "speed", "-seconds", "3", "ecdsap256"], capture_output=True, text=True
    )
    match = re.search(r"256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)", result.stdout)
    return f"{float(match.group(1)):,.0f}" if match else "n/a"


def main() -> None:
    platform = Platform.load(Path(os.environ["ECONTRACT_PKI_DIR"]))
    tsa = f"{os.environ['ECONTRACT_PKI_URL']}/tsa"
    roots = (platform.root.certificate,)
    pdf = ten_page_contract()
    seal = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    seal_png = png(render_seal(platform.seal_certificate.subject.native["common_name"]))
    prepared = add_cross_page_seal_field(pdf, CrossPageSealField("Seal", -1, (380, 120, 493, 233)))
    lta = SignatureRequest("Signer", Level.B_LTA, certify=True, trust_roots=roots)
    sealing = SignatureRequest("Seal", Level.B_LTA, certify=True, trust_roots=roots)
    sealed = sign_with_cross_page_seal(prepared, seal, sealing, seal_png, tsa_url=tsa)
    print(f"runs per figure: {RUNS}")
    measure("sign B-LTA, seal key in the token", lambda: sign_pdf(pdf, seal, lta, tsa_url=tsa))
    measure(
        "seal with cross-page seal, B-LTA",
        lambda: sign_with_cross_page_seal(prepared, seal, sealing, seal_png, tsa_url=tsa),
    )
    measure(
        "validate the sealed file (strict, revocation online)",
        lambda: validate_pdf(sealed, list(roots)),
    )
    memory = memory_signer(platform)
    measure(
        "bare pyHanko B-LTA, in-memory key (baseline)",
        lambda: bare_pyhanko(pdf, memory, platform, tsa),
    )
    print(
        f"{'token signatures per second (ECDSA P-256, SoftHSM2)':<58} {token_rate(platform):,.0f}"
    )
    print(f"{'openssl speed ecdsap256 signs per second (one core)':<58} {openssl_rate()}")


if __name__ == "__main__":
    main()
