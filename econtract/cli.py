"""``econtract``: the engine from the command line, for scripts and for third parties.

::

    econtract pki init     --state-dir DIR --base-url URL --module SO --token LABEL --pin-source SRC
    econtract pki serve    --state-dir DIR [--host H] [--port P]
    econtract pki revoke   --state-dir DIR SERIAL [--reason R]
    econtract sign IN OUT  --state-dir DIR [--level B-LTA] [--field Seal] [--certify] [--reason …]
    econtract validate PDF --trust ROOT.cer [--trust …] [--json] [--offline] [--embedded]

Exit status: 0 done (``validate``: the document passed), 1 the document failed validation,
2 the request could not be carried out (the message says why; nothing was written).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from asn1crypto import pem, x509

from econtract.errors import EContractError

__all__ = ["main"]


def _load_certificate(path: Path) -> x509.Certificate:
    data = path.read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return x509.Certificate.load(data)


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


def _sign(args: argparse.Namespace) -> int:
    from econtract.pdf.sign import Level, SignatureRequest, TokenSigner, sign_file
    from econtract.pki.platform import Platform

    platform = Platform.load(args.state_dir)
    signer = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    request = SignatureRequest(
        field_name=args.field,
        level=Level(args.level),
        certify=args.certify,
        reason=args.reason,
        location=args.location,
        trust_roots=(platform.root.certificate,),
    )
    tsa_url = args.tsa or f"{platform.config.base_url.rstrip('/')}/tsa"
    sign_file(args.input, args.output, signer, request, tsa_url=tsa_url)
    print(f"signed {args.output} ({args.level}, field {args.field})")
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

    sign = commands.add_parser("sign", help="sign a PDF with the platform's seal key")
    sign.add_argument("input", type=Path)
    sign.add_argument("output", type=Path)
    sign.add_argument("--state-dir", type=Path, required=True)
    sign.add_argument("--level", default="B-LTA", choices=["B-B", "B-T", "B-LT", "B-LTA"])
    sign.add_argument("--field", default="Seal")
    sign.add_argument("--certify", action="store_true", help="a certification signature")
    sign.add_argument("--reason")
    sign.add_argument("--location")
    sign.add_argument("--tsa", help="time-stamping URL (default: the platform's)")
    sign.set_defaults(run=_sign)

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
    return parser


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
