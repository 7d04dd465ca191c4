"""Company seals: one per legal entity, named by its registered name and its unified social
credit code, its key in the token; seals of two companies are two keys and two names."""

from __future__ import annotations

import uuid

import pytest

from econtract.pdf import PageLayout, render_pdf
from econtract.pdf.sign import Level, SignatureRequest, sign_pdf
from econtract.pdf.validate import validate_pdf
from econtract.pki.platform import Platform
from econtract.pki.seals import CompanySeal, SealError, issue_company_seal, validate_uscc

#: The example of GB 32100-2015 itself, and a real company's code.
VALID = ("91350100M000100Y43", "91440300708461136T")


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass_in_canonical_form(code: str) -> None:
    assert validate_uscc(code) == code
    assert validate_uscc(f" {code[:9].lower()} {code[9:]} ") == code


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "should be 3: a typing error"),
        ("91350100M000100Y4", "18 characters, not 17"),
        ("91350100I000100Y43", "has no I"),
        ("", "18 characters, not 0"),
    ],
)
def test_wrong_codes_are_refused_precisely(code: str, message: str) -> None:
    with pytest.raises(SealError, match=message):
        validate_uscc(code)


def test_each_company_seals_with_its_own_key_and_name(pki: tuple[Platform, str]) -> None:
    platform, url = pki
    label = f"seal-test-{uuid.uuid4().hex[:8]}"
    seal = issue_company_seal(
        platform, label=label, legal_name="上海星河贸易有限公司", uscc=VALID[0]
    )
    subject = seal.certificate.subject.native
    assert subject["organization_name"] == subject["common_name"] == "上海星河贸易有限公司"
    assert subject["serial_number"] == VALID[0]
    assert seal.holder == "上海星河贸易有限公司"
    other = issue_company_seal(
        platform, label=f"{label}-b", legal_name="深圳市华强电子有限公司", uscc=VALID[1]
    )
    assert other.certificate.public_key.dump() != seal.certificate.public_key.dump()
    pdf = render_pdf("<h1>采购合同</h1><p>第一条</p>", PageLayout(reference="EC-1")).data
    signed = sign_pdf(
        pdf,
        seal.signer(platform),
        SignatureRequest("Seal", Level.B_T, certify=True),
        tsa_url=f"{url}/tsa",
    )
    report = validate_pdf(signed, [platform.root.certificate])
    assert report.passed, report.summary()
    assert report.signatures[0].signer == "上海星河贸易有限公司"
    # Issued again for the same label (a crash between key and certificate): same key.
    again = issue_company_seal(
        platform, label=label, legal_name="上海星河贸易有限公司", uscc=VALID[0]
    )
    assert again.certificate.public_key.dump() == seal.certificate.public_key.dump()


def test_a_seal_whose_key_is_gone_or_another_signs_nothing(pki: tuple[Platform, str]) -> None:
    platform, _url = pki
    label = f"seal-test-{uuid.uuid4().hex[:8]}"
    seal = issue_company_seal(platform, label=label, legal_name="星河", uscc=VALID[0])
    with pytest.raises(SealError, match="not in the token"):
        CompanySeal(f"{label}-missing", seal.certificate).signer(platform)
    other = issue_company_seal(platform, label=f"{label}-b", legal_name="华强", uscc=VALID[1])
    with pytest.raises(SealError, match="does not belong to key"):
        CompanySeal(label, other.certificate).signer(platform)
    with pytest.raises(SealError, match="registered name"):
        issue_company_seal(platform, label=f"{label}-c", legal_name=" ", uscc=VALID[0])
