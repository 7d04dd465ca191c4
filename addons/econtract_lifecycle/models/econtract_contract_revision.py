import hashlib

from markupsafe import Markup

from odoo import api, fields, models

from econtract.compare import ClauseText
from econtract.ledger.canonical import canonical


class EcontractContractRevision(models.Model):
    """One version of a contract's terms in force (生效版本).

    A signed contract's documents never change; what binds the parties does, when they sign
    an amendment. Version 1 is the contract's own terms as signed; each signed amendment adds
    the next version, made of the amendment's terms. A version is a snapshot — clause texts
    as the parties read them (values filled in), amount, term, parties — and names the signed
    file it comes from by SHA-256, so that it can be checked against that file.

    Versions are only ever added, by the engine, when a signature completes: nobody creates,
    changes or deletes one.
    """

    _name = "econtract.contract.revision"
    _inherit = ["econtract.guard.mixin"]
    _description = "Contract Terms in Force"
    _order = "contract_id, version desc"
    _rec_name = "display_name"
    _guard_parent = "contract_id"
    _guard_create_states = frozenset()

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    version = fields.Integer(required=True, readonly=True)
    source_contract_id = fields.Many2one(
        "econtract.contract",
        string="Signed As",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="The contract whose signature made these terms binding: the contract itself for "
        "version 1, else the amendment.",
    )
    effective_date = fields.Date(string="In Force From", required=True, readonly=True)
    title = fields.Char(required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(currency_field="currency_id", readonly=True)
    date_start = fields.Date(string="Start Date", readonly=True)
    date_end = fields.Date(string="End Date", readonly=True)
    partner_ids = fields.Many2many(
        "res.partner",
        "econtract_contract_revision_partner_rel",
        "revision_id",
        "partner_id",
        string="Counterparties",
        readonly=True,
    )
    termination_notice_days = fields.Integer(
        string="Termination by Notice (Days)",
        readonly=True,
        help="The notice period the terms allow a party to end the contract with (0: none).",
    )
    clauses = fields.Json(
        readonly=True, help="The clauses as the parties read them: [{key, title, html, text}]."
    )
    document_name = fields.Char(string="Signed File", readonly=True)
    document_sha256 = fields.Char(
        string="Signed File SHA-256",
        readonly=True,
        index=True,
        help="SHA-256 of the signed PDF these terms were read from.",
    )
    content_sha256 = fields.Char(
        string="Terms SHA-256",
        readonly=True,
        help="SHA-256 of these terms in canonical form: what the evidence log records.",
    )
    clauses_html = fields.Html(
        string="Terms", compute="_compute_clauses_html", sanitize=False, readonly=True
    )

    _sql_constraints = [
        (
            "version_uniq",
            "unique(contract_id, version)",
            "A contract has one terms-in-force version of each number.",
        ),
    ]

    @api.depends("contract_id.name", "version")
    def _compute_display_name(self):
        for revision in self:
            revision.display_name = f"{revision.contract_id.name} v{revision.version}"

    @api.depends("clauses")
    def _compute_clauses_html(self):
        for revision in self:
            revision.clauses_html = Markup("").join(
                Markup("<h4>%s</h4><div>%s</div>") % (clause["title"], Markup(clause["html"]))
                for clause in revision.clauses or ()
            )

    @api.model
    def _snapshot_sha256(self, vals):
        """SHA-256 of a version's terms, as recorded: the fields that bind the parties."""
        currency = self.env["res.currency"].browse(vals["currency_id"])
        content = {
            "title": vals["title"],
            "amount": f"{vals['amount']:.{currency.decimal_places}f}",
            "currency": currency.name,
            "start": str(vals.get("date_start") or ""),
            "end": str(vals.get("date_end") or ""),
            "partners": sorted(vals["partner_ids"]),
            "notice_days": vals.get("termination_notice_days") or 0,
            "clauses": [
                {"key": c["key"], "title": c["title"], "text": c["text"]} for c in vals["clauses"]
            ],
            "document": vals["document_sha256"],
        }
        return hashlib.sha256(canonical(content)).hexdigest()

    def _clause_texts(self):
        """The version's clauses for `econtract.compare.compare_clauses`."""
        self.ensure_one()
        return [ClauseText(c["key"], c["title"], c["text"]) for c in self.clauses or ()]

    def _evidence(self):
        """What the evidence log records of this version."""
        self.ensure_one()
        return {
            "version": self.version,
            "effective_date": self.effective_date.isoformat(),
            "terms_sha256": self.content_sha256,
            "document_sha256": self.document_sha256,
            "signed_as": self.source_contract_id.name,
        }
