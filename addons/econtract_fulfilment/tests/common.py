import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo import Command

from odoo.addons.econtract_sign.tests.common import SignCommon

CLAUSES = [
    (
        "押金 Deposit",
        "<p>乙方应于本合同签订之日起3日内向甲方支付押金人民币16,000元（大写：壹万陆仟元整）。</p>",
    ),
    ("交付 Handover", "<p>甲方应于交付后5个工作日内组织验收。</p>"),
    ("首期款 First payment", "<p>乙方应于2026年1月10日前，即2026年1月12日前，支付首期款。</p>"),
    (
        "违约 Breach",
        "<p>乙方逾期支付的，每逾期一日，应按欠付金额的万分之五向甲方支付违约金。</p>",
    ),
]


class SmsGateway(ThreadingHTTPServer):
    """A real HTTP SMS gateway on loopback that answers, or fails while ``down``."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmsHandler)
        self.messages = []
        self.down = False


class _SmsHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.down:
            self.send_response(503)
            self.end_headers()
            return
        self.server.messages.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"id": "sms-1"}')

    def log_message(self, *args):
        pass


class FulfilmentCommon(SignCommon):
    """A signed lease with clauses that state obligations, its counterparty, invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Obligation = cls.env["econtract.obligation"]
        company = cls.env.company
        if not cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        ):
            cls.env["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
        # Whoever links invoices to obligations reads invoices (Invoicing's billing group).
        cls.user.groups_id += cls.env.ref("account.group_account_invoice")
        cls.alice.mobile = "+8613900139000"
        cls.cny = cls.env.ref("base.CNY")
        cls.cny.active = True

    @classmethod
    def _signed(cls, **vals):
        """Signed as econtract_sign's tests sign, in 人民币 and Chinese by default."""
        vals.setdefault("currency_id", cls.cny.id)
        vals.setdefault("language", "zh_CN")
        return super()._signed(**vals)

    @classmethod
    def _sign_contract(cls, contract, partner):
        return cls._sign_existing(contract, partner)

    def _invoice(self, partner, amount, move_type="out_invoice", day=None):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": day or date.today(),
                "currency_id": self.cny.id,
                "invoice_line_ids": [
                    Command.create({"name": "租金 Rent", "quantity": 1, "price_unit": amount})
                ],
            }
        )
        move.action_post()
        return move

    def _pay(self, move):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({})._create_payments()

    def _gateway(self):
        gateway = SmsGateway()
        thread = threading.Thread(target=gateway.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(gateway.server_close)
        self.addCleanup(gateway.shutdown)
        self.env["ir.config_parameter"].sudo().set_param(
            "econtract_sign.sms_url", f"http://127.0.0.1:{gateway.server_address[1]}/send"
        )
        return gateway

    @staticmethod
    def _days(day, n):
        return day + timedelta(days=n)
