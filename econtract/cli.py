"""``econtract``: the engine from the command line, for scripts and for third parties.

::

    econtract pki init     --state-dir DIR --base-url URL --module SO --token LABEL --pin-source SRC
    econtract pki serve    --state-dir DIR [--host H] [--port P]
    econtract pki revoke   --state-dir DIR SERIAL [--reason R]
    econtract prepare IN OUT [--field NAME:PAGE:X1,Y1,X2,Y2 …] [--cross-page-seal NAME:PAGE:…]
    econtract sign IN OUT  --state-dir DIR [--level B-LTA] [--field Seal] [--certify] [--reason …]
                           [--seal | --image PNG] [--line TEXT …] [--cross-page]
                           [--pkcs12 FILE --passphrase-env VAR]
    econtract renew IN OUT --state-dir DIR
    econtract validate PDF --trust ROOT.cer [--trust …] [--json] [--offline] [--embedded]
    econtract verify PACKAGE.zip (--platform DIR | --log-key KEY.der [--trust ROOT.cer …]
                     [--anchor-account 0xADDRESS]) [--json]
    econtract reader --dsn DSN --odoo URL [--host H] [--port P] [--workers N]
                                           status reads from PostgreSQL; the rest to Odoo
    econtract evm address KEY.der          the EVM account of an anchoring key (to fund it)
    econtract api [--url URL] me | contracts [--state S …] | contract ID
                  | download ID [signed|certificate|evidence|--version N] -o FILE
                  | verify PDF | fulfil OBLIGATION --note N [--reference R]
                                           the REST API, with $ECONTRACT_API_KEY

Exit status: 0 done (``validate``, ``verify``: it passed), 1 the document or package failed,
2 the request could not be carried out (the message says why; nothing was written).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import pem, x509

from econtract.errors import EContractError
from econtract.files import write_atomically

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer

    from econtract.pki.platform import Platform

__all__ = ["main"]


def _read_der(path: Path) -> bytes:
    """The DER bytes of a PEM or DER file (certificate, public key)."""
    data = path.read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return data


def _load_certificate(path: Path) -> x509.Certificate:
    return x509.Certificate.load(_read_der(path))


def _pki_init(args: argparse.Namespace) -> int:
    from econtract.pki.platform import PlatformConfig, initialise
    from econtract.pki.token import TokenConfig

    config = PlatformConfig(
        state_dir=str(args.state_dir),
        base_url=args.base_url,
        token=TokenConfig(args.module, args.token, args.pin_source),
        organisation=args.organisation,
        seal_holder=args.seal_holder,
    )
    platform = initialise(config)
    print(f"root CA: {platform.root.certificate.subject.human_friendly}")
    print(f"seal: {platform.seal_certificate.subject.human_friendly}")
    return 0


def _pki_serve(args: argparse.Namespace) -> int:
    from econtract.pki.platform import Platform
    from econtract.pki.service import PkiService, serve

    platform = Platform.load(args.state_dir)
    port = args.port
    if port is None:
        port = urllib.parse.urlsplit(platform.config.base_url).port or 80
    server = serve(PkiService(platform), host=args.host, port=port)
    print(f"PKI service on http://{args.host}:{server.server_address[1]}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    return 0


def _pki_revoke(args: argparse.Namespace) -> int:
    from econtract.pki.platform import Platform

    platform = Platform.load(args.state_dir)
    platform.issuing.revoke(int(args.serial, 16), args.reason)
    print(f"revoked {args.serial} ({args.reason})")
    return 0


def _place(text: str) -> tuple[str, int, tuple[float, float, float, float]]:
    """``NAME:PAGE:X1,Y1,X2,Y2`` (page 1-based; negative from the end) as a field place."""
    try:
        name, page, box = text.split(":")
        x1, y1, x2, y2 = (float(v) for v in box.split(","))
        number = int(page)
    except ValueError as exc:
        raise ValueError(f"{text!r}: write a field as NAME:PAGE:X1,Y1,X2,Y2") from exc
    return name, number - 1 if number > 0 else number, (x1, y1, x2, y2)


def _prepare(args: argparse.Namespace) -> int:
    from econtract.pdf.crosspage import CrossPageSealField, add_cross_page_seal_field
    from econtract.pdf.sign import SignatureField, add_signature_fields

    pdf = args.input.read_bytes()
    places = [SignatureField(*_place(text)) for text in args.field]
    if places:
        pdf = add_signature_fields(pdf, places)
    if args.cross_page_seal:
        pdf = add_cross_page_seal_field(pdf, CrossPageSealField(*_place(args.cross_page_seal)))
    write_atomically(args.output, pdf)
    print(f"prepared {args.output}")
    return 0


def _signer(args: argparse.Namespace, platform: Platform) -> Signer:
    from econtract.pdf.sign import TokenSigner, pkcs12_signer

    if args.pkcs12:
        # The signer's own certificate: read here, used for this signature, never stored.
        passphrase = os.environ.get(args.passphrase_env or "", "").encode()
        return pkcs12_signer(args.pkcs12.read_bytes(), passphrase)
    return TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)


def _sign(args: argparse.Namespace) -> int:
    from econtract.pdf.crosspage import sign_with_cross_page_seal
    from econtract.pdf.seal import png, render_seal
    from econtract.pdf.sign import Appearance, Level, SignatureRequest, sign_pdf
    from econtract.pki.platform import Platform

    platform = Platform.load(args.state_dir)
    signer = _signer(args, platform)
    appearance = None
    image = args.image.read_bytes() if args.image else None
    if args.seal:
        holder = platform.seal_certificate.subject.native["common_name"]
        image = png(render_seal(holder))
    if image or args.line:
        appearance = Appearance(lines=tuple(args.line or ()), image=image)
    request = SignatureRequest(
        field_name=args.field,
        level=Level(args.level),
        certify=args.certify,
        reason=args.reason,
        location=args.location,
        trust_roots=(platform.root.certificate,),
        appearance=None if args.cross_page else appearance,
    )
    tsa_url = args.tsa or f"{platform.config.base_url.rstrip('/')}/tsa"
    pdf = args.input.read_bytes()
    if args.cross_page:
        if image is None:
            raise ValueError("--cross-page needs the seal: --seal or --image")
        signed = sign_with_cross_page_seal(pdf, signer, request, image, tsa_url=tsa_url)
    else:
        signed = sign_pdf(pdf, signer, request, tsa_url=tsa_url)
    write_atomically(args.output, signed)
    print(f"signed {args.output} ({args.level}, field {args.field})")
    return 0


def _renew(args: argparse.Namespace) -> int:
    from econtract.pdf.sign import renew_archive_timestamp
    from econtract.pki.platform import Platform

    platform = Platform.load(args.state_dir)
    tsa_url = args.tsa or f"{platform.config.base_url.rstrip('/')}/tsa"
    renewed = renew_archive_timestamp(
        args.input.read_bytes(), tsa_url=tsa_url, trust_roots=[platform.root.certificate]
    )
    write_atomically(args.output, renewed)
    print(f"renewed the archive time stamp chain: {args.output}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from econtract.pdf.validate import validate_pdf

    roots = [_load_certificate(path) for path in args.trust]
    report = validate_pdf(
        args.pdf.read_bytes(),
        roots,
        allow_fetching=not args.offline,
        require_timestamp=args.require_timestamp,
        embedded=args.embedded,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "passed": report.passed,
                    "problems": list(report.problems),
                    "signatures": [
                        {
                            "field": s.field_name,
                            "kind": s.kind,
                            "signer": s.signer,
                            "chain": list(s.chain),
                            "intact": s.intact,
                            "valid": s.valid,
                            "trusted": s.trusted,
                            "revoked": s.revoked,
                            "coverage": s.coverage,
                            "modification_level": s.modification_level,
                            "signing_time": s.signing_time.isoformat() if s.signing_time else None,
                            "timestamp": s.timestamp.isoformat() if s.timestamp else None,
                            "problems": list(s.problems),
                        }
                        for s in report.signatures
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(report.summary())
    return 0 if report.passed else 1


def _in_out(parser: argparse.ArgumentParser, *, state_dir: bool = True) -> argparse.ArgumentParser:
    """The arguments every file-to-file command takes."""
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    if state_dir:
        parser.add_argument("--state-dir", type=Path, required=True, help="the platform's PKI")
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="econtract", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    pki = commands.add_parser("pki", help="the platform PKI").add_subparsers(
        dest="pki_command", required=True
    )
    init = pki.add_parser("init", help="create missing keys and certificates (idempotent)")
    init.add_argument("--state-dir", type=Path, required=True)
    init.add_argument("--base-url", required=True, help="where the PKI service will answer")
    init.add_argument("--module", required=True, help="PKCS#11 module (.so)")
    init.add_argument("--token", required=True, help="token label")
    init.add_argument("--pin-source", required=True, help="env:NAME, file:/path or pin:VALUE")
    init.add_argument("--organisation", default="econtract")
    init.add_argument("--seal-holder", default="econtract")
    init.set_defaults(run=_pki_init)

    serve = pki.add_parser("serve", help="serve time stamps, CRLs, OCSP, CA certificates")
    serve.add_argument("--state-dir", type=Path, required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, help="default: the port of the base URL")
    serve.set_defaults(run=_pki_serve)

    revoke = pki.add_parser("revoke", help="revoke a certificate of the issuing CA")
    revoke.add_argument("--state-dir", type=Path, required=True)
    revoke.add_argument("serial", help="serial number, hexadecimal")
    revoke.add_argument("--reason", default="unspecified")
    revoke.set_defaults(run=_pki_revoke)

    sign = _in_out(commands.add_parser("sign", help="sign a PDF with the platform's seal key"))
    sign.add_argument("--level", default="B-LTA", choices=["B-B", "B-T", "B-LT", "B-LTA"])
    sign.add_argument("--field", default="Seal")
    sign.add_argument("--certify", action="store_true", help="a certification signature")
    sign.add_argument("--reason")
    sign.add_argument("--location")
    sign.add_argument("--tsa", help="time-stamping URL (default: the platform's)")
    sign.add_argument("--pkcs12", type=Path, help="sign with this own certificate instead")
    sign.add_argument("--passphrase-env", help="environment variable holding its passphrase")
    sign.add_argument("--line", action="append", help="a line of text ({time}: signing time)")
    sign.add_argument("--image", type=Path, help="PNG to show: handwriting or an uploaded seal")
    sign.add_argument("--seal", action="store_true", help="show the generated company seal")
    sign.add_argument("--cross-page", action="store_true", help="fill a cross-page seal field")
    sign.set_defaults(run=_sign)

    prepare = _in_out(
        commands.add_parser("prepare", help="add empty signature fields (before signing)"),
        state_dir=False,
    )
    prepare.add_argument("--field", action="append", default=[], help="NAME:PAGE:X1,Y1,X2,Y2")
    prepare.add_argument("--cross-page-seal", help="NAME:PAGE:X1,Y1,X2,Y2 of the whole seal")
    prepare.set_defaults(run=_prepare)

    renew = _in_out(commands.add_parser("renew", help="extend a B-LTA file's archive time stamps"))
    renew.add_argument("--tsa", help="time-stamping URL (default: the platform's)")
    renew.set_defaults(run=_renew)

    validate = commands.add_parser("validate", help="validate every signature of a PDF")
    validate.add_argument("pdf", type=Path)
    validate.add_argument("--trust", type=Path, action="append", required=True)
    validate.add_argument("--json", action="store_true")
    validate.add_argument("--offline", action="store_true", help="fetch no CRL or OCSP")
    validate.add_argument("--require-timestamp", action="store_true")
    validate.add_argument(
        "--embedded",
        action="store_true",
        help="use only the validation data in the file, as of its document time stamp (B-LTA)",
    )
    validate.set_defaults(run=_validate)

    verify = commands.add_parser(
        "verify",
        help="check an evidence package or a court bundle offline: events, proofs, heads, "
        "anchors, and a bundle's files",
    )
    verify.add_argument("package", type=Path)
    verify.add_argument("--log-key", type=Path, help="the log's public key you trust (DER/PEM)")
    verify.add_argument("--trust", type=Path, action="append", help="a TSA root you trust")
    verify.add_argument("--anchor-account", help="the EVM account you trust to anchor")
    verify.add_argument(
        "--platform",
        type=Path,
        help="the platform's published material you trust (log-key.der, root-ca.cer, "
        "anchor-key.der): pins all three",
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=_verify)

    evm = commands.add_parser("evm", help="anchoring in an EVM chain").add_subparsers(
        dest="evm_command", required=True
    )
    address = evm.add_parser("address", help="print the account of a secp256k1 public key")
    address.add_argument("key", type=Path, help="DER/PEM SubjectPublicKeyInfo (anchor-key.der)")
    address.set_defaults(run=_evm_address)

    kmip = commands.add_parser("kmip", help="a development KMIP server").add_subparsers(
        dest="kmip_command", required=True
    )
    dev = kmip.add_parser(
        "dev-init", help="TLS certificates and configuration of a loopback pykmip-server"
    )
    dev.add_argument("--dir", type=Path, required=True)
    dev.add_argument("--port", type=int, required=True)
    dev.set_defaults(run=_kmip_dev_init)

    reader = commands.add_parser(
        "reader",
        help="serve contract status reads from PostgreSQL, forwarding the rest to Odoo",
    )
    reader.add_argument(
        "--dsn",
        default=os.environ.get("ECONTRACT_READER_DSN"),
        help="libpq connection string of Odoo's database ($ECONTRACT_READER_DSN); a password "
        "is better in PGPASSFILE than here",
    )
    reader.add_argument("--odoo", required=True, help="Odoo's URL, e.g. http://127.0.0.1:8069")
    reader.add_argument("--host", default="127.0.0.1")
    reader.add_argument("--port", type=int, default=8070)
    reader.add_argument("--workers", type=int, default=1, help="processes (one per core)")
    reader.add_argument("--pool", type=int, default=8, help="database connections per process")
    reader.set_defaults(run=_reader)

    from econtract.client.cli import add_commands as add_api_commands

    add_api_commands(commands)
    return parser


def _reader(args: argparse.Namespace) -> int:
    import uvicorn

    if not args.dsn:
        raise ValueError("reader: give --dsn or set ECONTRACT_READER_DSN")
    # The workers are new processes: they build the service from the environment.
    os.environ["ECONTRACT_READER_DSN"] = args.dsn
    os.environ["ECONTRACT_READER_ODOO"] = args.odoo
    os.environ["ECONTRACT_READER_POOL"] = str(args.pool)
    uvicorn.run(
        "econtract.reader:from_environ",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        lifespan="on",
        log_level="warning",
    )
    return 0


def _kmip_dev_init(args: argparse.Namespace) -> int:
    from econtract.crypto.kmip_dev import write_dev_kmip

    dev = write_dev_kmip(args.dir, args.port)
    client = dev.client
    print(
        json.dumps(
            {
                "server_conf": str(dev.server_conf),
                "host": client.host,
                "port": client.port,
                "certificate": client.certificate,
                "private_key": client.private_key,
                "ca_certificate": client.ca_certificate,
            }
        )
    )
    return 0


def _evm_address(args: argparse.Namespace) -> int:
    from econtract.evm.anchor import account_address

    print(account_address(_read_der(args.key)))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from econtract.ledger.package import is_bundle, verify_bundle, verify_package

    roots = [_read_der(path) for path in args.trust] if args.trust else None
    log_key = _read_der(args.log_key) if args.log_key else None
    account = args.anchor_account
    if args.platform:
        from econtract.evm.anchor import account_address
        from econtract.pki.platform import PublishedPki

        published = PublishedPki.load(args.platform)
        log_key = log_key or published.log_public_key
        roots = roots or [published.root.dump()]
        if account is None and published.anchor_public_key:
            account = account_address(published.anchor_public_key)
    data = args.package.read_bytes()
    checks = (verify_bundle if is_bundle(data) else verify_package)(
        data,
        log_key_der=log_key,
        trusted_roots=roots,
        anchor_account=account,
    )
    # PASS: every check passed against pinned keys. UNVERIFIED: the package is consistent,
    # but some key it rests on came from the package itself. FAIL: anything else.
    consistent = bool(checks) and all(check.passed for check in checks if not check.trust)
    verdict = (
        "FAIL"
        if not consistent
        else "PASS"
        if all(check.passed for check in checks)
        else "UNVERIFIED"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "verdict": verdict,
                    "checks": [
                        {
                            "check": check.name,
                            "passed": check.passed,
                            "detail": check.detail,
                            "first_bad_index": check.first_bad_index,
                        }
                        for check in checks
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for check in checks:
            print(f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.detail}")
        print(f"verdict: {verdict}")
    return {"PASS": 0, "FAIL": 1, "UNVERIFIED": 3}[verdict]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args))
    except (EContractError, OSError, ValueError) as exc:
        print(f"econtract: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
