import re
from datetime import timedelta

from odoo import Command

from odoo.addons.econtract_base.tests.common import ApprovalCommon
from odoo.addons.mail.tests.common import MockEmail

LEASE_BODY = (
    "<p>承租方应于签约之日向出租方支付押金人民币壹万陆仟元整（¥16,000.00）。"
    "The tenant pays a security deposit before moving in.</p>"
)


class SignCommon(ApprovalCommon, MockEmail):
    """Three outside signers, a policy that approves at once, and helpers to drive a request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy([], name="Approved at once")
        Partner = cls.env["res.partner"]
        cls.alice = Partner.create({"name": "李娜", "email": "lina@huaqiang.example.com"})
        cls.bob = Partner.create(
            {"name": "王强", "email": "wangqiang@huaqiang.example.com", "mobile": "+8613800138000"}
        )
        cls.carol = Partner.create({"name": "陈静", "email": "chenjing@xinghe.example.com"})
        seal_company(cls.company, "上海星河测试有限公司", "91310115MA1K4XQJ3P")

    @classmethod
    def _signed(
        cls,
        title="办公室租赁合同",
        body=LEASE_BODY,
        contract_type="lease",
        partner=None,
        clause_title="押金条款 Deposit",
        clauses=None,
        **vals,
    ):
        """A contract with ``partner`` (by default 李娜) as counterparty and its signer,
        signed; its clause is ``body``, or each ``(title, body)`` of ``clauses``."""
        partner = partner or cls.alice
        contract = cls._new_contract(
            cls.user,
            title=title,
            contract_type=contract_type,
            partner_ids=[(6, 0, partner.ids)],
            clause_ids=[
                Command.create({"title": t, "body": b})
                for t, b in (clauses or [(clause_title, body)])
            ],
            **vals,
        )
        return cls._sign_existing(contract, partner)

    @classmethod
    def _sign_existing(cls, contract, partner):
        """``contract`` (a draft of ``cls.user``) approved and signed by ``partner``."""
        contract.with_user(cls.user).action_submit_for_approval()
        assert contract.state == "approved", contract.state
        request = cls.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [Command.create({"partner_id": partner.id, "order": 1})],
            }
        )
        request.action_send()
        signer = request.signer_ids
        signer._sign(
            "test-signature-0000000001",
            typed_name=signer.partner_id.name,
            consent=True,
            ip="203.0.113.7",
            agent="tests",
            proof=signer._grant_identity({"test": True}),
        )
        assert contract.state == "signed", contract.state
        return contract

    def _approved(self):
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(contract.state, "approved")
        return contract

    def _request(self, contract, *signers):
        return self.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [
                    Command.create({"partner_id": partner.id, "order": order, **extra})
                    for partner, order, extra in signers
                ],
            }
        )

    def _code(self, signer):
        with self.mock_mail_gateway():
            signer._send_code()
        mail = [m for m in self._mails if signer.partner_id.email in str(m["email_to"])][-1]
        return re.search(r"\b(\d{6})\b", mail["body"]).group(1)

    def _events(self, contract):
        return (
            self.env["econtract.ledger.event"]
            .search([("contract_id", "=", contract.id)], order="sequence")
            .mapped("event_type")
        )


def seal_company(company, legal_name, uscc):
    """Give ``company`` its own seal (key in the development token), unless it has one."""
    if not company.econtract_seal_certificate:
        company.write({"econtract_legal_name": legal_name, "econtract_uscc": uscc})
        company._econtract_create_seal()


def own_pkcs12(platform, name, passphrase):
    """A personal certificate of ``name`` from the platform's CA, as a PKCS#12 file: what a
    signer who brings their own certificate uploads."""
    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12

    from econtract.pki.certificates import Profile

    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    issued = platform.issuing.issue(
        x509.Name.build({"common_name": name}, use_printable=False),
        keys.PublicKeyInfo.load(public),
        Profile.EVENT,
        timedelta(days=30),
    )
    return pkcs12.serialize_key_and_certificates(
        b"own",
        private,
        cx509.load_der_x509_certificate(issued.dump()),
        None,
        serialization.BestAvailableEncryption(passphrase),
    )
