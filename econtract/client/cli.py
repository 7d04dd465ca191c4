"""``econtract api …``: the REST client (or, with ``--soap``, the SOAP one) from the
command line.

The server is ``--url`` or ``$ECONTRACT_URL``; the key is read from ``$ECONTRACT_API_KEY``
only, never from the command line, where other users of the machine would see it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from econtract.errors import EContractError
from econtract.files import write_atomically

from .rest import Client

__all__ = ["add_commands"]

SOAP_COMMANDS = frozenset({"contract", "download", "verify", "fulfil"})


def _client(args: argparse.Namespace) -> Any:
    url = args.url or os.environ.get("ECONTRACT_URL")
    key = os.environ.get("ECONTRACT_API_KEY")
    if not url or not key:
        raise EContractError("set ECONTRACT_API_KEY, and --url or ECONTRACT_URL")
    if getattr(args, "soap", False):
        if args.api_command not in SOAP_COMMANDS:
            raise EContractError(f"the SOAP service has no {args.api_command}; leave out --soap")
        from .soap import SoapClient  # zeep is needed for SOAP only

        return SoapClient(url, key, lang=args.lang)
    return Client(url, key, lang=args.lang)


def _print(value: Any, as_json: bool) -> None:
    data = (
        dataclasses.asdict(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type)
        else value
    )
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        for name, item in data.items():
            print(f"{name}: {item}")


def _me(args: argparse.Namespace) -> int:
    _print(_client(args).me(), args.json)
    return 0


def _contracts(args: argparse.Namespace) -> int:
    found = _client(args).contracts(state=args.state, q=args.q, reference=args.reference)
    for count, contract in enumerate(found, 1):
        if args.json:
            print(json.dumps(dataclasses.asdict(contract), ensure_ascii=False, default=str))
        else:
            print(
                f"{contract.id}\t{contract.reference}\t{contract.state}\t"
                f"{contract.amount} {contract.currency}\t{contract.title}"
            )
        if args.limit and count >= args.limit:
            break
    return 0


def _contract(args: argparse.Namespace) -> int:
    _print(_client(args).contract(args.id), args.json)
    return 0


def _download(args: argparse.Namespace) -> int:
    client = _client(args)
    if not isinstance(client, Client):
        kind = "version" if args.version else args.what
        data = client.download(args.id, kind, args.version)
    elif args.version:
        data = client.document(args.id, args.version)
    else:
        data = {
            "signed": client.signed_pdf,
            "certificate": client.certificate,
            "evidence": client.evidence,
        }[args.what](args.id)
    write_atomically(args.output, data)
    print(f"{args.output}: {len(data)} bytes")
    return 0


def _verify(args: argparse.Namespace) -> int:
    report = _client(args).verify(args.pdf.read_bytes(), args.pdf.name)
    _print(report, args.json)
    return 0 if report.valid else 1


def _fulfil(args: argparse.Namespace) -> int:
    day = date.fromisoformat(args.date) if args.date else None
    obligation = _client(args).fulfil(
        args.obligation,
        args.note,
        reference=args.reference,
        day=day,
        idempotency_key=args.idempotency_key,
    )
    _print(obligation, args.json)
    return 0


def add_commands(commands: Any) -> None:
    """Add ``api`` and its subcommands to the ``econtract`` parser's ``commands``."""
    api = commands.add_parser("api", help="the REST API of an econtract server")
    api.add_argument("--url", help="the Odoo server (default: $ECONTRACT_URL)")
    api.add_argument("--lang", help="language of the server's messages (zh-CN, en)")
    api.add_argument(
        "--soap", action="store_true", help="call the SOAP service (contract, download, …)"
    )
    sub = api.add_subparsers(dest="api_command", required=True)

    def command(name: str, run: Any, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help)
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(run=run)
        return parser

    command("me", _me, "who the key acts as")
    contracts = command("contracts", _contracts, "list contracts, newest first")
    contracts.add_argument("--state", action="append", help="draft, approved, signed… (repeat)")
    contracts.add_argument("--q", help="words of the title")
    contracts.add_argument("--reference")
    contracts.add_argument("--limit", type=int, default=0)
    command("contract", _contract, "one contract").add_argument("id", type=int)
    download = command("download", _download, "a contract's file")
    download.add_argument("id", type=int)
    download.add_argument(
        "what", nargs="?", choices=["signed", "certificate", "evidence"], default="signed"
    )
    download.add_argument("--version", type=int, help="a document version instead")
    download.add_argument("-o", "--output", type=Path, required=True)
    verify = command("verify", _verify, "check a signed PDF (exit 1: it does not hold)")
    verify.add_argument("pdf", type=Path)
    fulfil = command("fulfil", _fulfil, "report an obligation fulfilled")
    fulfil.add_argument("obligation", type=int)
    fulfil.add_argument("--note", required=True)
    fulfil.add_argument("--reference", help="the payer's or carrier's reference")
    fulfil.add_argument("--date", help="YYYY-MM-DD (default: the company's today)")
    fulfil.add_argument("--idempotency-key", help="your payment's id: reported once only")
