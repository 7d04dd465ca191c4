"""The command line, as a script would use it: init, serve, sign, validate, revoke."""

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from econtract.pdf import PageLayout, render_pdf

from .conftest import USER_PIN, free_port, softhsm_module


def econtract(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "econtract", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def service(softhsm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("cli-pki")
    port = free_port()
    init = [
        "pki", "init", "--state-dir", state, "--base-url", f"http://127.0.0.1:{port}",
        "--module", softhsm_module(), "--token", "cli-tests", "--pin-source", f"pin:{USER_PIN}",
        "--organisation", "econtract CLI", "--seal-holder", "上海星河贸易有限公司",
    ]  # fmt: skip
    first = econtract(*init)
    assert first.returncode == 0, first.stderr
    assert "CN=上海星河贸易有限公司" in first.stdout or "上海星河贸易有限公司" in first.stdout
    root = (state / "root-ca.cer").read_bytes()
    again = econtract(*init)  # idempotent: nothing is replaced
    assert again.returncode == 0 and (state / "root-ca.cer").read_bytes() == root
    server = subprocess.Popen(
        [sys.executable, "-m", "econtract", "pki", "serve", "--state-dir", str(state)],
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            break
        except OSError:
            assert time.monotonic() < deadline, "the PKI service did not come up"
            time.sleep(0.1)
    yield state
    server.terminate()
    assert server.wait(timeout=10) == 0


def test_sign_validate_revoke(service: Path, tmp_path: Path) -> None:
    source = tmp_path / "contract.pdf"
    source.write_bytes(render_pdf("<p>租赁合同</p>", PageLayout(reference="EC2026-00500")).data)
    signed = tmp_path / "signed.pdf"
    result = econtract(
        "sign", source, signed, "--state-dir", service, "--certify", "--reason", "盖章"
    )
    assert result.returncode == 0, result.stderr
    check = econtract(
        "validate", signed, "--trust", service / "root-ca.cer", "--json", "--require-timestamp"
    )
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout)
    assert report["passed"] is True
    assert [s["kind"] for s in report["signatures"]] == ["certification", "document time stamp"]
    assert report["signatures"][0]["signer"] == "上海星河贸易有限公司"

    from asn1crypto import x509

    seal = x509.Certificate.load((service / "seal.cer").read_bytes())
    revoke = econtract(
        "pki",
        "revoke",
        "--state-dir",
        service,
        format(seal.serial_number, "x"),
        "--reason",
        "key_compromise",
    )
    assert revoke.returncode == 0, revoke.stderr
    after = econtract("validate", signed, "--trust", service / "root-ca.cer")
    assert after.returncode == 1
    assert "the signer's certificate is revoked" in after.stdout
    # From the file alone, as of its document time stamp, the seal was good when it sealed.
    archived = econtract("validate", signed, "--trust", service / "root-ca.cer", "--embedded")
    assert archived.returncode == 0, archived.stdout + archived.stderr


def test_bad_input_exits_2_and_writes_nothing(service: Path, tmp_path: Path) -> None:
    source = tmp_path / "not.pdf"
    source.write_text("just text")
    result = econtract(
        "sign", source, tmp_path / "out.pdf", "--state-dir", service, "--level", "B-B"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("econtract: not a PDF that can be signed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not.pdf"]
    missing = econtract("validate", tmp_path / "absent.pdf", "--trust", service / "root-ca.cer")
    assert missing.returncode == 2 and "absent.pdf" in missing.stderr


def test_prepare_visible_signatures_cross_page_seal_and_renewal(
    service: Path, tmp_path: Path
) -> None:
    body = "".join(f"<p>第{n}条 {'双方应诚实守信。' * 30}</p>" for n in range(1, 25))
    source = tmp_path / "contract.pdf"
    source.write_bytes(
        render_pdf(f"<h1>采购合同</h1>{body}", PageLayout(reference="EC2026-00501")).data
    )
    prepared = tmp_path / "prepared.pdf"
    step = econtract(
        "prepare", source, prepared,
        "--field", "PartyB:-1:72,300,250,360", "--cross-page-seal", "Seal:-1:380,120,493,233",
    )  # fmt: skip
    assert step.returncode == 0, step.stderr
    certified = tmp_path / "certified.pdf"
    step = econtract(
        "sign",
        prepared,
        certified,
        "--state-dir",
        service,
        "--field",
        "Cert",
        "--certify",
        "--level",
        "B-T",
    )
    assert step.returncode == 0, step.stderr
    party = tmp_path / "party.pdf"
    step = econtract(
        "sign", certified, party, "--state-dir", service, "--field", "PartyB", "--level", "B-T",
        "--line", "乙方：王芳", "--line", "{time}",
    )  # fmt: skip
    assert step.returncode == 0, step.stderr
    sealed = tmp_path / "sealed.pdf"
    step = econtract(
        "sign", party, sealed, "--state-dir", service, "--field", "Seal", "--seal", "--cross-page"
    )
    assert step.returncode == 0, step.stderr
    renewed = tmp_path / "renewed.pdf"
    step = econtract("renew", sealed, renewed, "--state-dir", service)
    assert step.returncode == 0, step.stderr
    check = econtract("validate", renewed, "--trust", service / "root-ca.cer", "--json")
    report = json.loads(check.stdout)
    assert check.returncode == 0 and report["passed"], check.stdout
    fields = [s["field"] for s in report["signatures"] if s["kind"] != "document time stamp"]
    assert fields == ["Cert", "PartyB", "Seal"]
    assert [s["kind"] for s in report["signatures"]].count("document time stamp") == 2
    text = subprocess.run(
        ["pdftotext", renewed, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "乙方：王芳" in text
    wrong = econtract("prepare", source, tmp_path / "x.pdf", "--field", "PartyB:1:72,300")
    assert wrong.returncode == 2 and "NAME:PAGE:X1,Y1,X2,Y2" in wrong.stderr
    assert not (tmp_path / "x.pdf").exists()
