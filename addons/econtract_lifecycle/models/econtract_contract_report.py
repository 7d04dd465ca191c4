from odoo import _, api, fields, models
from odoo.tools import SQL

from .econtract_contract import ORIGIN_KINDS, TERM_STATES


class EcontractContractReport(models.Model):
    """Contract statistics (查询统计): one row per contract, for pivot and graph views.

    A PostgreSQL view, so every figure is computed by the database from the contracts
    themselves and is never out of date: what the contract is (type, department, owner,
    state, term), when it was drafted and signed, how long signing took, whether it went
    out for signature and was signed (the *signing rate* is the average of a column that is
    empty for contracts never sent, so that drafts do not lower it), whether it expires
    within 30 days, and how many of its obligations are overdue. Rows are read under the
    same rules as contracts: a user sees the figures of the contracts they may read.
    """

    _name = "econtract.contract.report"
    _description = "Contract Statistics"
    _auto = False
    _order = "date_created desc"
    _rec_name = "name"

    contract_id = fields.Many2one("econtract.contract", readonly=True)
    name = fields.Char(string="Reference", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    contract_type = fields.Selection(
        lambda self: self.env["econtract.contract"]._fields["contract_type"].selection,
        string="Type",
        readonly=True,
    )
    state = fields.Selection(
        lambda self: self.env["econtract.contract"]._fields["state"].selection,
        string="Status",
        readonly=True,
    )
    term_state = fields.Selection(TERM_STATES, string="Term", readonly=True)
    origin_kind = fields.Selection(ORIGIN_KINDS, string="Kind", readonly=True)
    department_id = fields.Many2one("hr.department", readonly=True)
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    partner_id = fields.Many2one("res.partner", string="First Counterparty", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(string="Amount in Force", readonly=True, aggregator="sum")
    date_created = fields.Date(string="Drafted On", readonly=True)
    date_signed = fields.Date(string="Signed On", readonly=True)
    date_end = fields.Date(string="Ends On", readonly=True)
    days_to_sign = fields.Float(
        string="Days Draft to Signed",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="From the creation of the draft to the last signature, in days.",
    )
    sent_for_signature = fields.Boolean(readonly=True)
    signing_rate = fields.Float(
        string="Signing Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Of the contracts sent for signature, the share signed: 100 for each signed, 0 "
        "for each not signed (yet), empty for those never sent.",
    )
    expiring_soon = fields.Boolean(string="Expires within 30 Days", readonly=True)
    overdue_count = fields.Integer(string="Overdue Obligations", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT c.id AS id,
                   c.id AS contract_id,
                   c.name AS name,
                   c.company_id AS company_id,
                   c.contract_type AS contract_type,
                   c.state AS state,
                   c.term_state AS term_state,
                   c.origin_kind AS origin_kind,
                   c.department_id AS department_id,
                   c.user_id AS user_id,
                   (SELECT rel.res_partner_id
                      FROM econtract_contract_res_partner_rel rel
                     WHERE rel.econtract_contract_id = c.id
                  ORDER BY rel.res_partner_id LIMIT 1) AS partner_id,
                   c.currency_id AS currency_id,
                   COALESCE(c.effective_amount, c.amount) AS amount,
                   c.create_date::date AS date_created,
                   signed.completed_at::date AS date_signed,
                   COALESCE(c.effective_date_end, c.date_end) AS date_end,
                   EXTRACT(EPOCH FROM (signed.completed_at - c.create_date)) / 86400.0
                       AS days_to_sign,
                   sent.contract_id IS NOT NULL AS sent_for_signature,
                   CASE WHEN sent.contract_id IS NULL THEN NULL
                        WHEN c.state = 'signed' THEN 100.0
                        ELSE 0.0 END AS signing_rate,
                   (c.term_state = 'in_force'
                    AND COALESCE(c.effective_date_end, c.date_end)
                        BETWEEN CURRENT_DATE AND CURRENT_DATE + 30) AS expiring_soon,
                   COALESCE(overdue.count, 0) AS overdue_count
              FROM econtract_contract c
         LEFT JOIN LATERAL (
                    SELECT r.completed_at FROM econtract_sign_request r
                     WHERE r.contract_id = c.id AND r.state = 'completed'
                  ORDER BY r.completed_at DESC LIMIT 1) signed ON TRUE
         LEFT JOIN (SELECT DISTINCT r.contract_id FROM econtract_sign_request r
                     WHERE r.sent_at IS NOT NULL) sent ON sent.contract_id = c.id
         LEFT JOIN (SELECT o.contract_id, COUNT(*) AS count FROM econtract_obligation o
                     WHERE o.state = 'overdue' GROUP BY o.contract_id) overdue
                ON overdue.contract_id = c.id
             WHERE c.active
            """
        )

    @api.model
    def read_statistics(self):
        """Public API (JSON-RPC): the dashboard's figures, of the contracts the caller may
        read, with their labels and the contract domains they count."""
        figures = self._statistics()
        states = dict(self._fields["state"]._description_selection(self.env))
        currency = self.env.company.currency_id
        rate, days = figures["signing_rate"], figures["days_to_sign"]
        cards = [
            ("count", _("Contracts"), figures["count"], []),
            ("in_force", _("In Force"), figures["in_force"], [("term_state", "=", "in_force")]),
            (
                "amount_in_force",
                _("Amount in Force (%(currency)s)", currency=currency.name),
                currency.format(figures["amount_in_force"]),
                [("term_state", "=", "in_force"), ("currency_id", "=", currency.id)],
            ),
            (
                "expiring_soon",
                _("Expiring within 30 Days"),
                figures["expiring_soon"],
                [
                    ("term_state", "=", "in_force"),
                    ("days_to_end", "<=", 30),
                    ("days_to_end", ">=", 0),
                ],
            ),
            (
                "signing_rate",
                _("Signing Rate"),
                "—" if rate is None else f"{rate:.1f}%",
                [("sign_request_ids.sent_at", "!=", False)],
            ),
            (
                "days_to_sign",
                _("Days from Draft to Signed"),
                "—" if days is None else f"{days:.1f}",
                [("state", "=", "signed")],
            ),
            (
                "overdue_obligations",
                _("Overdue Obligations"),
                figures["overdue_obligations"],
                [("obligation_ids.state", "=", "overdue")],
            ),
        ]
        return {
            "cards": [
                {"key": key, "label": label, "value": value, "domain": domain}
                for key, label, value, domain in cards
            ],
            "by_state": [
                {"state": state, "label": states.get(state, state), "count": count}
                for state, count in sorted(figures["by_state"].items())
            ],
            "figures": figures,
            "labels": {"by_state": _("Contracts by Status"), "statistics": _("Statistics")},
        }

    @api.model
    def _statistics(self, domain=None):
        """Key figures over the rows the caller may read (``domain`` narrows them), each
        computed by the database under the caller's rules: what the dashboard shows."""
        domain = list(domain or [])
        by_state = dict(self._read_group(domain, ["state"], ["__count"]))
        [(sent, rate)] = self._read_group(
            [*domain, ("sent_for_signature", "=", True)], [], ["__count", "signing_rate:avg"]
        )
        [(days,)] = self._read_group([*domain, ("state", "=", "signed")], [], ["days_to_sign:avg"])
        [(in_force,)] = self._read_group(
            [*domain, ("term_state", "=", "in_force")], [], ["__count"]
        )
        # Amounts add up within one currency: the company's.
        [(amount,)] = self._read_group(
            [
                *domain,
                ("term_state", "=", "in_force"),
                ("currency_id", "=", self.env.company.currency_id.id),
            ],
            [],
            ["amount:sum"],
        )
        [(expiring,)] = self._read_group([*domain, ("expiring_soon", "=", True)], [], ["__count"])
        [(overdue,)] = self._read_group(domain, [], ["overdue_count:sum"])
        return {
            "count": sum(by_state.values()),
            "by_state": by_state,
            "sent": sent,
            "signing_rate": round(rate, 1) if sent else None,
            "days_to_sign": round(days, 1) if days is not None else None,
            "in_force": in_force,
            "amount_in_force": amount or 0.0,
            "expiring_soon": expiring,
            "overdue_obligations": overdue or 0,
        }
