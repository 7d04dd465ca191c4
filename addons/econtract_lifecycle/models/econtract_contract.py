import datetime
import logging

import psycopg2
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, html2plaintext

from odoo.addons.econtract_base.models.econtract_guard_mixin import (
    clean,
    engine,
    in_engine,
    lock_rows,
)

from econtract.compare import ChangeKind, ClauseText, compare_clauses
from econtract.errors import EContractError
from econtract.numerals import chinese_number
from econtract.templating import format_date, render_placeholders

ORIGIN_KINDS = [
    ("amendment", "Amendment"),
    ("renewal", "Renewal"),
    ("termination", "Termination Agreement"),
]
TERM_STATES = [
    ("pending", "Not Started"),
    ("in_force", "In Force"),
    ("expired", "Expired"),
    ("terminated", "Terminated"),
    ("incorporated", "Incorporated"),
]
#: Contracts with a term of their own: originals and renewals. Amendments and termination
#: agreements take effect in the contract they change, and are *incorporated* once signed.
MAIN_KINDS = (False, "renewal")
#: Drafts on their way to a signature: a contract has at most one of each kind at a time.
OPEN_STATES = ("draft", "in_approval", "approved")
MANAGER = "econtract_base.group_econtract_manager"
#: ``{{`` of a signed text copied into a new draft: a zero-width space keeps it from being
#: read as a placeholder there; comparisons read it as ``{{`` again.
LITERAL_BRACES = "{\u200b{"

_logger = logging.getLogger(__name__)


class EcontractContract(models.Model):
    """After signing: the terms in force, and the ways forward from a signed contract.

    Two states tell a contract's story. ``state`` says how its document came to be (drafted,
    approved, signed); it ends at *signed* and never moves again but to *cancelled*.
    ``term_state`` says whether what was signed binds the parties now: *not started*, *in
    force*, *expired* at the end of its term, *terminated* by agreement; an amendment or a
    termination agreement is *incorporated* into the contract it changes once signed.

    A signed contract's text never changes. An amendment (`action_amend`) is a contract of
    its own, drafted from the terms in force, approved and signed like any other; its
    signature adds the next version of the terms in force (`econtract.contract.revision`),
    which is what obligations, expiry and renewals read. A renewal (`action_renew`) is the
    next contract; a termination agreement (`action_terminate`) ends the term on its date.
    """

    _inherit = "econtract.contract"

    origin_contract_id = fields.Many2one(
        "econtract.contract",
        string="Based On",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        help="The signed contract this one amends, renews or terminates.",
    )
    origin_kind = fields.Selection(ORIGIN_KINDS, string="Kind", readonly=True, copy=False)
    amendment_ids = fields.One2many(
        "econtract.contract",
        "origin_contract_id",
        string="Amendments",
        domain=[("origin_kind", "=", "amendment")],
        readonly=True,
    )
    renewal_ids = fields.One2many(
        "econtract.contract",
        "origin_contract_id",
        string="Renewals",
        domain=[("origin_kind", "=", "renewal")],
        readonly=True,
    )
    termination_ids = fields.One2many(
        "econtract.contract",
        "origin_contract_id",
        string="Termination Agreements",
        domain=[("origin_kind", "=", "termination")],
        readonly=True,
    )
    renewal_chain_ids = fields.Many2many(
        "econtract.contract",
        string="Renewal Chain",
        compute="_compute_renewal_chain_ids",
        help="The contract it renews, the contracts that renewed it, from the first term on.",
    )
    term_state = fields.Selection(
        TERM_STATES,
        string="Term",
        readonly=True,
        copy=False,
        index=True,
        help="Whether what was signed binds the parties now.",
    )
    revision_ids = fields.One2many(
        "econtract.contract.revision", "contract_id", string="Terms in Force", readonly=True
    )
    revision_id = fields.Many2one(
        "econtract.contract.revision",
        string="Current Terms",
        readonly=True,
        copy=False,
        help="The newest version of the terms in force.",
    )
    revision_count = fields.Integer(compute="_compute_revision_count")
    origin_revision_id = fields.Many2one(
        "econtract.contract.revision",
        string="Drafted From",
        readonly=True,
        copy=False,
        help="The version of the base contract's terms in force this amendment was drafted "
        "from: what it changes, and what must still be in force when it is signed.",
    )
    effective_amount = fields.Monetary(
        string="Amount in Force", readonly=True, copy=False, currency_field="currency_id"
    )
    effective_date_start = fields.Date(string="In Force From", readonly=True, copy=False)
    effective_date_end = fields.Date(string="In Force Until", readonly=True, copy=False)
    termination_date = fields.Date(
        string="Termination Date",
        copy=False,
        help="On a termination agreement: the day the contract it terminates ends. On a "
        "terminated contract: the day it ended.",
    )
    termination_reason = fields.Text(copy=False)
    termination_notice_days = fields.Integer(
        string="Termination by Notice (Days)",
        copy=False,
        help="Where the parties agree that either may end the contract by notice: the days "
        "in advance it is given (0: only by agreement). Stated in the contract's text.",
    )
    termination_notice_ids = fields.One2many(
        "econtract.termination.notice", "contract_id", string="Notices of Termination"
    )
    negotiation_ids = fields.One2many(
        "econtract.negotiation", "contract_id", string="Negotiations", readonly=True
    )
    negotiation_proposal_ids = fields.One2many(
        "econtract.negotiation.proposal", "contract_id", string="Proposals", readonly=True
    )
    renewal_notice_days = fields.Integer(
        string="Renewal Notice (Days)",
        copy=False,
        help="Remind the owner to renew this many days before the end of the term (0: no "
        "reminder).",
    )
    renewal_noticed = fields.Boolean(readonly=True, copy=False)
    expiry_reminded_days = fields.Integer(
        readonly=True,
        copy=False,
        help="The nearest expiry reminder sent, in days before the end (0: none yet).",
    )
    lifecycle_changes_html = fields.Html(
        string="Changes",
        compute="_compute_lifecycle_changes_html",
        sanitize=False,
        readonly=True,
        help="What this draft changes in the terms in force of the contract it is based on.",
    )

    def _auto_init(self):
        # At most one change (amendment or termination) and one renewal on its way per
        # contract, whatever two sessions do at once: the database says so. (Not `init`:
        # a public method a caller could reach over RPC.)
        result = super()._auto_init()
        for name, kinds in (
            ("econtract_contract_one_open_change", ("amendment", "termination")),
            ("econtract_contract_one_open_renewal", ("renewal",)),
        ):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS %s ON econtract_contract "
                    "(origin_contract_id) WHERE origin_kind IN %s AND state IN %s",
                    SQL.identifier(name),
                    kinds,
                    OPEN_STATES,
                )
            )
        return result

    @api.model
    def _guard_creatable(self):
        return super()._guard_creatable() | {"renewal_notice_days", "termination_notice_days"}

    @api.model
    def _guard_writable(self, state):
        writable = super()._guard_writable(state)
        if state == "draft":
            # A termination agreement's date and reason are what its text states; the
            # notice period is part of what the parties agree to.
            writable |= {"termination_date", "termination_reason", "termination_notice_days"}
        if state in ("draft", "in_approval", "approved", "signed"):
            # When the owner wants to be reminded is the owner's, not the parties'.
            writable |= {"renewal_notice_days"}
        return writable

    @api.depends("revision_ids")
    def _compute_revision_count(self):
        for contract in self:
            contract.revision_count = len(contract.revision_ids)

    @api.depends("origin_contract_id", "renewal_ids", "origin_kind")
    def _compute_renewal_chain_ids(self):
        for contract in self:
            # sudo: the chain's links, whoever may read each contract; what is shown is
            # then only what the reader may read.
            first = contract.sudo()
            while first.origin_kind == "renewal" and first.origin_contract_id:
                first = first.origin_contract_id
            chain = current = first
            while nxt := current.renewal_ids.filtered(lambda c: c.state != "cancelled")[:1]:
                if nxt in chain:
                    break
                chain |= nxt
                current = nxt
            readable = chain.with_env(self.env)._filtered_access("read")
            contract.renewal_chain_ids = readable if len(chain) > 1 else False

    @api.depends("origin_contract_id", "origin_kind", "clause_ids.body", "clause_ids.title",
                 "amount", "date_start", "date_end", "partner_ids", "termination_date")  # fmt: skip
    def _compute_lifecycle_changes_html(self):
        for contract in self:
            if contract.origin_kind != "amendment" or not contract.origin_contract_id:
                contract.lifecycle_changes_html = False
                continue
            contract.lifecycle_changes_html = contract._lifecycle_changes_markup()

    @api.constrains("termination_date", "origin_kind")
    def _check_termination_fields(self):
        for contract in self:
            if contract.origin_kind == "termination" and not contract.termination_date:
                raise ValidationError(_("A termination agreement states the termination date."))

    def write(self, vals):
        if not in_engine() and {"termination_date", "termination_reason"} & set(vals):
            # The guard lets drafts take them; only a termination agreement's draft states
            # them (on any other contract, the date is the engine's: it ends the term).
            others = self.filtered(lambda c: c.origin_kind != "termination")
            if others:
                raise AccessError(
                    _(
                        "%(names)s: the termination date and reason are stated by a "
                        "termination agreement (Terminate), never written on a contract.",
                        names=", ".join(others.mapped("display_name")),
                    )
                )
        return super().write(vals)

    @api.constrains("renewal_notice_days", "termination_notice_days")
    def _check_renewal_notice_days(self):
        for contract in self:
            if not 0 <= contract.renewal_notice_days <= 3660:
                raise ValidationError(_("The renewal notice is 0 to 3660 days before the end."))
            if not 0 <= contract.termination_notice_days <= 3660:
                raise ValidationError(_("A notice period is 0 to 3660 days."))

    # ------------------------------------------------------------------ terms in force

    def _lifecycle_company_today(self):
        self.ensure_one()
        return self.company_id._econtract_date()

    def _lifecycle_clauses(self):
        """The clauses as the parties read them, with the keys that follow them across
        versions: an amendment's copy of a clause keeps the key of the clause it copies."""
        self.ensure_one()
        values = {variable.name: variable._get_value() for variable in self.variable_ids}
        language = self._text_language()
        clauses = []
        for clause in self.clause_ids.sorted(lambda c: (c.sequence, c.id)):
            try:
                html = render_placeholders(clause.body or "", values, language=language)
            except EContractError:  # a value left empty: the clause as written
                html = clause.body or ""
            clauses.append(
                {
                    "key": clause._lifecycle_key(),
                    "title": clause.title,
                    "html": str(html),
                    "text": html2plaintext(str(html)).replace(LITERAL_BRACES, "{{").strip(),
                }
            )
        return clauses

    def _lifecycle_terms(self):
        """The terms this contract states (its own content), as a revision's values."""
        self.ensure_one()
        return {
            "title": self.title,
            "currency_id": self.currency_id.id,
            "amount": self.amount,
            "date_start": self.date_start,
            "date_end": self.date_end,
            "partner_ids": self.partner_ids.ids,
            "termination_notice_days": self.termination_notice_days,
            "clauses": self._lifecycle_clauses(),
        }

    def _lifecycle_current_terms(self):
        """The terms in force now: the newest revision, or (not yet signed) the contract's."""
        self.ensure_one()
        if not self.revision_id:
            return self._lifecycle_terms()
        return self._lifecycle_terms_of(self.revision_id)

    @api.model
    def _lifecycle_terms_of(self, revision):
        """A version of the terms in force as a revision's values."""
        return {
            "title": revision.title,
            "currency_id": revision.currency_id.id,
            "amount": revision.amount,
            "date_start": revision.date_start,
            "date_end": revision.date_end,
            "partner_ids": revision.partner_ids.ids,
            "termination_notice_days": revision.termination_notice_days,
            "clauses": revision.clauses or [],
        }

    def _lifecycle_add_revision(self, source, effective_date):
        """Add the next version of this contract's terms in force: ``source``'s terms
        (the contract itself, or a signed amendment), binding from ``effective_date``."""
        self.ensure_one()
        document = (
            source._econtract_completed_request().signed_document_id
            or (
                # Signed before signing requests kept their file (imported, demo): the newest
                # signed version.
                source.document_ids.filtered(lambda d: d.kind == "signed").sorted("version")[-1:]
            )
        )
        vals = {
            **source._lifecycle_terms(),
            # An amendment's own title ("…补充协议") names the agreement, not the contract.
            "title": self.revision_id.title or self.title,
            "contract_id": self.id,
            "version": (max(self.revision_ids.mapped("version"), default=0)) + 1,
            "source_contract_id": source.id,
            "effective_date": effective_date,
            "document_name": document.file_name,
            "document_sha256": document.sha256,
        }
        Revision = clean(self.env["econtract.contract.revision"])
        vals["content_sha256"] = Revision._snapshot_sha256(vals)
        vals["partner_ids"] = [Command.set(vals["partner_ids"])]
        with engine():
            revision = Revision.create(vals)
            rearm = (
                {"expiry_reminded_days": 0, "renewal_noticed": False}
                if revision.date_end != self.effective_date_end
                else {}
            )
            self.write(
                {
                    "revision_id": revision.id,
                    "effective_amount": revision.amount,
                    "effective_date_start": revision.date_start,
                    "effective_date_end": revision.date_end,
                    # A new end: the reminders count towards it.
                    **rearm,
                }
            )
        return revision

    def _lifecycle_enroll(self):
        """Signed contracts without terms in force (signed before this addon, or just
        now): version 1 from their own signed text, and the term they are in."""
        for contract in self.filtered(
            lambda c: c.state == "signed" and c.origin_kind in MAIN_KINDS and not c.revision_ids
        ):
            signed_on = contract.company_id._econtract_date(contract._econtract_signed_on())
            revision = contract._lifecycle_add_revision(
                contract, max(filter(None, [contract.date_start, signed_on]))
            )
            contract._lifecycle_set_term(
                contract._lifecycle_term_for(contract._lifecycle_company_today())
            )
            contract._ledger_log("terms_in_force", revision._evidence())
        return True

    def _lifecycle_term_for(self, today):
        """The term state a signed contract is in on ``today``, by its terms in force."""
        self.ensure_one()
        if self.term_state == "terminated":
            return "terminated"
        if self.effective_date_start and today < self.effective_date_start:
            return "pending"
        if self.effective_date_end and today > self.effective_date_end:
            return "expired"
        return "in_force"

    def _lifecycle_set_term(self, term_state, reason=None):
        """The one place ``term_state`` is written, with a note and an evidence event."""
        for contract in self.filtered(lambda c: c.term_state != term_state):
            previous = contract.term_state
            with engine():
                contract.write({"term_state": term_state})
            label = dict(self._fields["term_state"]._description_selection(self.env)).get(
                term_state, _("none (cancelled)")
            )
            contract.message_post(
                body=_("Term: %(state)s.", state=label) + (f" {reason}" if reason else ""),
                subtype_xmlid="mail.mt_note",
            )
            contract._ledger_log(
                "term_changed",
                {"from": previous or None, "to": term_state or None, "reason": reason or None},
            )

    # ------------------------------------------------------------------ ways forward

    def _lifecycle_check_actor(self):
        """Who may draft a way forward from a signed contract: whoever may write it."""
        self.ensure_one()
        self.check_access("write")
        self.env["econtract.contract"].check_access("create")

    def _lifecycle_check_in_force(self, what):
        self.ensure_one()
        if (
            self.state != "signed"
            or self.origin_kind not in MAIN_KINDS
            or self.term_state not in ("pending", "in_force")
        ):
            raise UserError(
                _(
                    "%(name)s is not in force (%(term)s): only a signed contract in force "
                    "can be %(what)s.",
                    name=self.display_name,
                    term=dict(self._fields["term_state"]._description_selection(self.env)).get(
                        self.term_state,
                        dict(self._fields["state"]._description_selection(self.env))[self.state],
                    ),
                    what=what,
                )
            )

    def _lifecycle_check_no_open(self, kind, exclude=None):
        """At most one draft on its way per contract and kind — archived drafts included —
        also enforced by a unique index (`init`)."""
        self.ensure_one()
        # sudo: a draft of another owner blocks as well; only its reference is shown.
        open_ = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("origin_contract_id", "=", self.id),
                    ("origin_kind", "=", kind),
                    ("state", "in", OPEN_STATES),
                    ("id", "not in", (exclude or self.browse()).ids),
                ]
            )
        )
        if open_:
            raise UserError(
                _(
                    "%(name)s: %(kind)s %(open)s is on its way already. Finish or cancel it first.",
                    name=self.display_name,
                    kind=dict(self._fields["origin_kind"]._description_selection(self.env))[kind],
                    open=", ".join(open_.mapped("name")),
                )
            )

    def _lifecycle_successor_vals(self, kind):
        """A new draft's values from the terms in force: clauses as the parties read them
        (values filled in, each keeping its key), amount, term, parties."""
        self.ensure_one()
        terms = self._lifecycle_current_terms()
        vals = {
            "title": terms["title"],
            "contract_type": self.contract_type,
            "company_id": self.company_id.id,
            "currency_id": terms["currency_id"],
            "amount": terms["amount"],
            "date_start": terms["date_start"],
            "date_end": terms["date_end"],
            "partner_ids": [Command.set(terms["partner_ids"])],
            "termination_notice_days": terms["termination_notice_days"],
            "language": self.language,
            "tag_ids": [Command.set(self.tag_ids.ids)],
            "origin_contract_id": self.id,
            "origin_kind": kind,
            "origin_revision_id": self.revision_id.id,
            "user_id": self.env.user.id,
            "clause_ids": [
                Command.create(
                    {
                        "sequence": index * 10,
                        "title": clause["title"],
                        # Text as signed: braces in a filled-in value are text, not a
                        # placeholder of the new draft.
                        "body": clause["html"].replace("{{", LITERAL_BRACES),
                        "origin_key": clause["key"],
                    }
                )
                for index, clause in enumerate(terms["clauses"], start=1)
            ],
        }
        if "department_id" in self._fields:
            vals["department_id"] = self.department_id.id
        if self.contract_type == "lease":
            vals.update(
                {
                    "lease_premises": self.lease_premises,
                    "lease_rent": self.lease_rent,
                    "lease_frequency": self.lease_frequency,
                    "lease_deposit": self.lease_deposit,
                    "lease_escalation": self.lease_escalation,
                }
            )
        return vals

    def _lifecycle_create_successor(self, kind, vals):
        # The links, keys and kind are the engine's; the caller's create access was checked.
        with engine():
            successor = clean(self.env["econtract.contract"]).create(vals)
        successor._ledger_log(
            "drafted_from",
            {"kind": kind, "contract": self.name, **self._lifecycle_reference()},
        )
        self._ledger_log(f"{kind}_drafted", {"contract": successor.name})
        return successor

    def _lifecycle_reference(self, revision=None):
        """How the evidence names this contract's terms in force (or ``revision`` of them):
        version and hashes."""
        self.ensure_one()
        revision = revision or self.revision_id
        return {
            "terms_version": revision.version or None,
            "terms_sha256": revision.content_sha256 or None,
            "document_sha256": revision.document_sha256 or None,
        }

    def _lifecycle_next_name(self, suffix):
        """``<reference>-<suffix><n>``: amendments and termination agreements are numbered
        after the contract they change (HT-0001-A1), under the lock of that contract."""
        self.ensure_one()
        count = (
            self.with_context(active_test=False)
            .sudo()
            .search_count(
                # sudo: numbering counts every successor, whoever may read it.
                [("origin_contract_id", "=", self.id), ("name", "=like", f"{self.name}-{suffix}%")]
            )
        )
        return f"{self.name}-{suffix}{count + 1}"

    def action_amend(self):
        """Draft an amendment (补充协议) from the terms in force, and open it."""
        self.ensure_one()
        self._lifecycle_check_actor()
        lock_rows(self)
        self._lifecycle_check_in_force(_("amended"))
        self._lifecycle_check_not_ending()
        self._lifecycle_check_no_open("amendment")
        self._lifecycle_check_no_open("termination")
        vals = self._lifecycle_successor_vals("amendment")
        vals["name"] = self._lifecycle_next_name("A")
        vals["title"] = (
            f"{vals['title']}补充协议"
            if self.language == "zh_CN"
            else f"Amendment to {vals['title']}"
        )
        return self._lifecycle_open(self._lifecycle_create_successor("amendment", vals))

    def action_renew(self):
        """Draft the next contract (续签) from the terms in force, for the next term."""
        self.ensure_one()
        self._lifecycle_check_actor()
        lock_rows(self)
        if (
            self.state != "signed"
            or self.origin_kind not in MAIN_KINDS
            or self.term_state not in ("pending", "in_force", "expired")
        ):
            raise UserError(
                _(
                    "%(name)s cannot be renewed: only a signed contract that was not "
                    "terminated or cancelled is renewed.",
                    name=self.display_name,
                )
            )
        # sudo: a renewal signed by another owner counts as well.
        renewed = self.sudo().renewal_ids.filtered(lambda c: c.state == "signed")
        if renewed:
            raise UserError(
                _(
                    "%(name)s was renewed already by %(renewal)s: renew that one.",
                    name=self.display_name,
                    renewal=renewed[:1].display_name,
                )
            )
        self._lifecycle_check_not_ending()
        self._lifecycle_check_no_open("renewal")
        vals = self._lifecycle_successor_vals("renewal")
        vals.update(self._lifecycle_next_term(vals["date_start"], vals["date_end"]))
        return self._lifecycle_open(self._lifecycle_create_successor("renewal", vals))

    @api.model
    def _lifecycle_next_term(self, start, end):
        """The term after ``start``–``end``: from the day after the end, as long — in whole
        months when the term was whole months (2026-01-31 to 04-30 is three, 2024-02-29
        to 2025-02-28 twelve), else in days."""
        if not end:
            return {"date_start": False, "date_end": False}
        next_start = end + datetime.timedelta(days=1)
        if not start:
            return {"date_start": next_start, "date_end": False}
        months = self._lifecycle_whole_months(start, end)
        if months:
            return {
                "date_start": next_start,
                "date_end": next_start + relativedelta(months=months) - datetime.timedelta(days=1),
            }
        return {"date_start": next_start, "date_end": next_start + (end - start)}

    @api.model
    def _lifecycle_whole_months(self, start, end):
        """How many whole months ``start``–``end`` is (0 if it is not): ``end`` is the
        day before ``start`` plus N months, or, at the end of a month, that day itself."""
        span = relativedelta(end, start)
        base = span.years * 12 + span.months
        for months in (base, base + 1):
            if months < 1:
                continue
            later = start + relativedelta(months=months)
            if later - datetime.timedelta(days=1) == end or (
                later == end and (end + datetime.timedelta(days=1)).day == 1
            ):
                return months
        return 0

    def action_open_terminate(self):
        self.ensure_one()
        self._lifecycle_check_actor()
        self._lifecycle_check_in_force(_("terminated"))
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.lifecycle.terminate",
            "view_mode": "form",
            "target": "new",
            "name": _("Terminate"),
            "context": {"default_contract_id": self.id},
        }

    def _lifecycle_check_terminable(self):
        """Who may end a contract, and when: its writer, while it is in force, not ending
        already, with no amendment or other termination on its way (row locked)."""
        self.ensure_one()
        self._lifecycle_check_actor()
        lock_rows(self)
        self._lifecycle_check_in_force(_("terminated"))
        self._lifecycle_check_no_open("termination")
        self._lifecycle_check_no_open("amendment")
        self._lifecycle_check_no_open("renewal")
        self._lifecycle_check_not_ending()

    def _lifecycle_terminate_by_agreement(self, day, reason):
        """Draft the termination agreement (终止协议) ending the term on ``day``."""
        self._lifecycle_check_terminable()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Say why the contract is terminated."))
        if not day:
            raise UserError(_("Give the day the contract ends."))
        self._lifecycle_check_end_date(day)
        terms = self._lifecycle_current_terms()
        zh = self.language == "zh_CN"
        # The date and reason are stated by the document's preamble, from the agreement's
        # fields (its drafter may still change them); the clause says what follows.
        body = Markup("<p>%s</p>") % (
            "终止日前已到期的义务仍应履行；终止日后到期的义务不再履行。"
            if zh
            else "Obligations that fell due before the termination date remain owed; those "
            "falling due after it are released."
        )
        vals = {
            "title": f"{terms['title']}终止协议" if zh else f"Termination of {terms['title']}",
            "name": self._lifecycle_next_name("T"),
            "contract_type": self.contract_type,
            "company_id": self.company_id.id,
            "currency_id": terms["currency_id"],
            "amount": 0.0,
            "partner_ids": [Command.set(terms["partner_ids"])],
            "language": self.language,
            "origin_contract_id": self.id,
            "origin_kind": "termination",
            "origin_revision_id": self.revision_id.id,
            "user_id": self.env.user.id,
            "termination_date": day,
            "termination_reason": reason,
            "clause_ids": [
                Command.create(
                    {
                        "sequence": 10,
                        "title": "未履行义务" if zh else "Open Obligations",
                        "body": body,
                    }
                )
            ],
        }
        if "department_id" in self._fields:
            vals["department_id"] = self.department_id.id
        return self._lifecycle_create_successor("termination", vals)

    def _lifecycle_check_end_date(self, day):
        """A termination ends the term inside it: not before it starts, not after its end."""
        self.ensure_one()
        start = self.effective_date_start
        if start and day < start:
            raise UserError(
                _(
                    "%(name)s cannot end before it starts (%(start)s).",
                    name=self.display_name,
                    start=start,
                )
            )
        if self.effective_date_end and day > self.effective_date_end:
            raise UserError(
                _(
                    "%(name)s ends on %(end)s anyway: a termination ends it earlier.",
                    name=self.display_name,
                    end=self.effective_date_end,
                )
            )

    def _lifecycle_terminate_by_notice(self, day, reason):
        """Give notice of termination (解除通知) where the terms in force allow it: the
        contract ends on ``day``, which respects the notice period."""
        self._lifecycle_check_terminable()
        return self.env["econtract.termination.notice"]._give(self, day, reason)

    def _lifecycle_check_not_ending(self):
        """One termination per contract: a notice given or an agreement signed ends it."""
        self.ensure_one()
        if self.termination_date:
            raise UserError(
                _(
                    "%(name)s ends on %(day)s already.",
                    name=self.display_name,
                    day=self.termination_date,
                )
            )

    def _lifecycle_open(self, contract):
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.contract",
            "res_id": contract.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------ taking effect

    def _approval_check_submittable(self):
        result = super()._approval_check_submittable()
        for contract in self.filtered("origin_kind"):
            contract._lifecycle_check_base()
        # sudo: the proposals of the contract's negotiations, whoever submits it.
        undecided = self.sudo().negotiation_ids.proposal_ids.filtered(lambda p: p.state == "open")
        if undecided:
            raise UserError(
                _(
                    "Accept or reject every proposal of the negotiation first: %(clauses)s.",
                    clauses=", ".join(undecided.mapped("clause_title")),
                )
            )
        return result

    def _approval_on_submitted(self, request):
        result = super()._approval_on_submitted(request)
        # sudo: the links close for whoever submits; what was negotiated stays evidence.
        self.sudo().negotiation_ids._close(_("Submitted for approval."))
        return result

    def action_open_negotiation_share(self):
        self.ensure_one()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.negotiation.share",
            "view_mode": "form",
            "target": "new",
            "name": _("Share for Negotiation"),
            "context": {"default_contract_id": self.id},
        }

    def _lifecycle_check_base(self):
        """An amendment or termination goes forward only while its contract is in force,
        and an amendment only while the terms it was drafted from are still the current
        ones (another amendment signed meanwhile would be silently undone)."""
        self.ensure_one()
        # sudo: the base contract's state, whoever drafted the amendment.
        base = self.origin_contract_id.sudo()
        if self.company_id != base.company_id or self.currency_id != base.currency_id:
            raise UserError(
                _(
                    "%(name)s stays in the company and currency of %(base)s.",
                    name=self.display_name,
                    base=base.display_name,
                )
            )
        if self.origin_kind == "renewal":
            if base.state != "signed" or base.term_state not in ("pending", "in_force", "expired"):
                raise UserError(
                    _(
                        "%(name)s was terminated or cancelled: it is not renewed.",
                        name=base.display_name,
                    )
                )
        else:
            base._lifecycle_check_in_force(
                _("amended") if self.origin_kind == "amendment" else _("terminated")
            )
        if self.origin_kind == "termination":
            base._lifecycle_check_not_ending()
            base._lifecycle_check_end_date(self.termination_date)
            if not (self.termination_reason or "").strip():
                raise UserError(_("Say why the contract is terminated."))
            if set(self.partner_ids.ids) != set(base.revision_id.partner_ids.ids):
                raise UserError(
                    _(
                        "A termination agreement is made by the parties of %(base)s: its "
                        "counterparties are theirs.",
                        base=base.display_name,
                    )
                )
        # A contract that is ending (a notice given, a termination signed) takes no change
        # and no next term; a termination agreement states the date itself.
        if self.origin_kind != "termination":
            base._lifecycle_check_not_ending()
        for kind in ("amendment", "termination") if self.origin_kind != "renewal" else ("renewal",):
            base._lifecycle_check_no_open(kind, exclude=self)
        if base.revision_id != self.origin_revision_id:
            raise UserError(
                _(
                    "The terms in force of %(base)s changed (version %(version)s) after "
                    "%(name)s was drafted from version %(drafted)s: cancel it and amend the "
                    "current terms.",
                    base=base.display_name,
                    version=base.revision_id.version,
                    name=self.display_name,
                    drafted=self.origin_revision_id.version,
                )
            )

    def _approval_on_approved(self, request):
        if self.origin_kind:
            self._lifecycle_check_base()
        return super()._approval_on_approved(request)

    def _sign_on_completed(self, request):
        result = super()._sign_on_completed(request)
        # sudo: the terms follow the signature, whoever signed last (an outside signer).
        self.sudo()._lifecycle_on_signed()
        return result

    def _lifecycle_on_signed(self):
        self.ensure_one()
        if self.origin_kind in MAIN_KINDS:
            self._lifecycle_enroll()
            if self.origin_kind == "renewal":
                base = self.origin_contract_id
                base._ledger_log("renewed", {"renewal": self.name, **self._lifecycle_reference()})
                base.message_post(
                    body=_("Renewed by %(name)s.", name=self.display_name),
                    subtype_xmlid="mail.mt_note",
                )
        elif self.origin_kind == "amendment":
            self._lifecycle_incorporate_amendment()
        elif self.origin_kind == "termination":
            self._lifecycle_incorporate_termination()

    def _lifecycle_check_parties_signed(self):
        """An agreement that changes a contract binds its parties only if each of them
        signed it: every counterparty of the terms in force, through one of its people."""
        self.ensure_one()
        base = self.origin_contract_id
        request = self._econtract_completed_request()
        signed = request.signer_ids.filtered(lambda s: s.state == "signed").partner_id
        missing = base.revision_id.partner_ids.commercial_partner_id - (
            signed.commercial_partner_id
        )
        if missing:
            raise UserError(
                _(
                    "%(name)s changes %(base)s, whose parties %(parties)s did not sign it.",
                    name=self.display_name,
                    base=base.display_name,
                    parties=", ".join(missing.mapped("name")),
                )
            )

    def _lifecycle_incorporate_amendment(self):
        """The signed amendment's terms become the base contract's next version in force;
        obligations of clauses it replaced or removed are released; both contracts'
        evidence names the other's signed file by SHA-256."""
        base = self.origin_contract_id
        lock_rows(base)
        self._lifecycle_check_base()
        self._lifecycle_check_parties_signed()
        before = base.revision_id
        today = self._lifecycle_company_today()
        # An amendment binds from its signature: its dates are the whole contract's term.
        effective = today
        changes = compare_clauses(
            before._clause_texts(),
            [ClauseText(c["key"], c["title"], c["text"]) for c in self._lifecycle_clauses()],
        )
        revision = base._lifecycle_add_revision(self, effective)
        summary = {
            "replaced": [c.key for c in changes if c.kind is ChangeKind.REPLACED],
            # What the parties owe changes with the words, not with a title.
            "reworded": [
                c.key for c in changes if c.kind is ChangeKind.REPLACED and c.text.changed
            ],
            "added": [c.key for c in changes if c.kind is ChangeKind.INSERTED],
            "removed": [c.key for c in changes if c.kind is ChangeKind.DELETED],
        }
        base._ledger_log(
            "amended",
            {
                "amendment": self.name,
                "previous_terms_sha256": before.content_sha256,
                **revision._evidence(),
                "clauses": summary,
            },
            [(revision.document_name, revision.document_sha256)],
        )
        self._ledger_log(
            "amends",
            {
                "contract": base.name,
                "previous_terms_version": before.version,
                "previous_terms_sha256": before.content_sha256,
                "contract_document_sha256": before.document_sha256,
                **revision._evidence(),
            },
            [(before.document_name, before.document_sha256)],
        )
        self._lifecycle_set_term("incorporated")
        base._lifecycle_set_term(base._lifecycle_term_for(today))
        base._lifecycle_follow_plan(self, summary)
        base.message_post(
            body=_(
                "Amended by %(name)s: terms in force version %(version)s.",
                name=self.display_name,
                version=revision.version,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _lifecycle_follow_plan(self, amendment, summary):
        """Open obligations read from clauses the amendment replaced or removed are
        released; what the amendment states is read from its own clauses (the owner
        confirms, as for any signed contract)."""
        self.ensure_one()
        gone = set(summary["reworded"]) | set(summary["removed"])
        planned = self._lifecycle_obligations()
        obligations = planned.filtered(
            lambda o: (
                o.state in ("planned", "due", "overdue")
                and o.source == "clause"
                and o.clause_id
                and o.clause_id._lifecycle_key() in gone
            )
        )
        if amendment.rent_line_ids:
            # The amendment's schedule replaces the rent still to come; what fell due
            # before it binds stays owed (`_fulfilment_rent_lines_to_plan`).
            day = self._lifecycle_company_today()
            obligations |= (planned - amendment.obligation_ids).filtered(
                lambda o: o.state == "planned" and o.source == "lease" and o.date_due >= day
            )
        reason = _("Superseded by amendment %(name)s.", name=amendment.name)
        for obligation in obligations:
            obligation._close(
                "waived",
                {"waive_reason": reason},
                "waived",
                {"reason": reason, "amendment": amendment.name},
            )

    def _lifecycle_obligations(self):
        """The obligations under this contract's terms in force: its own and those planned
        under its signed amendments."""
        self.ensure_one()
        amendments = self.amendment_ids.filtered(lambda c: c.state == "signed")
        return (self | amendments).obligation_ids

    def _fulfilment_rent_lines_to_plan(self):
        """An amendment's rent schedule binds from its signature: periods due before it
        were the base contract's, planned there."""
        lines = super()._fulfilment_rent_lines_to_plan()
        if self.origin_kind != "amendment":
            return lines
        day = self._lifecycle_company_today()
        return lines.filtered(lambda line: line.date_due and line.date_due >= day)

    def _lifecycle_incorporate_termination(self):
        """The signed termination agreement ends the base contract's term on its date: at
        once if that day has come, else by the daily job on that day."""
        base = self.origin_contract_id
        lock_rows(base)
        self._lifecycle_check_base()
        self._lifecycle_check_parties_signed()
        with engine():
            base.write(
                {
                    "termination_date": self.termination_date,
                    "termination_reason": self.termination_reason,
                }
            )
        document = self._econtract_completed_request().signed_document_id
        base._ledger_log(
            "termination_agreed",
            {
                "agreement": self.name,
                "date": self.termination_date.isoformat(),
                "reason": self.termination_reason,
                "agreement_document_sha256": document.sha256,
            },
            [(document.file_name, document.sha256)],
        )
        self._ledger_log(
            "terminates",
            {"contract": base.name, **base._lifecycle_reference()},
            [(base.revision_id.document_name, base.revision_id.document_sha256)],
        )
        self._lifecycle_set_term("incorporated")
        if self.termination_date <= self._lifecycle_company_today():
            base._lifecycle_terminate()

    def _lifecycle_terminate(self):
        """End the term on its termination date: obligations falling due after it are
        released, those due before stay owed."""
        for contract in self:
            day = contract.termination_date
            reason = _(
                "Contract terminated on %(day)s: %(reason)s",
                day=day,
                reason=contract.termination_reason,
            )
            contract._lifecycle_set_term("terminated", contract.termination_reason)
            for obligation in contract._lifecycle_obligations().filtered(
                lambda o, day=day: (
                    o.state in ("planned", "due", "overdue")
                    and (not o.date_due or o.date_due > day)
                )
            ):
                obligation._close("waived", {"waive_reason": reason}, "waived", {"reason": reason})

    # ------------------------------------------------------------------ what reads the terms

    def _fulfilment_event_date(self, event, obligation=None):
        if self.revision_id and event == "end":
            return self.effective_date_end or None
        if self.revision_id and event == "effective" and self.effective_date_start:
            return self.effective_date_start
        return super()._fulfilment_event_date(event, obligation)

    def _fulfilment_texts(self):
        """An amendment states obligations only in the clauses it changes or adds: the
        others are the base contract's, planned there already."""
        texts = super()._fulfilment_texts()
        if self.origin_kind != "amendment":
            return texts
        # sudo: the drafted-from terms of the base contract, for whoever plans this one.
        base_terms = {c["key"]: c["text"] for c in self.sudo().origin_revision_id.clauses or ()}
        return {
            clause: text
            for clause, text in texts.items()
            if not clause.origin_key or base_terms.get(clause.origin_key) != text.strip()
        }

    def action_draft(self, reason=None):
        for contract in self.filtered(lambda c: c.origin_kind and c.state == "cancelled"):
            kinds = (
                ("renewal",) if contract.origin_kind == "renewal" else ("amendment", "termination")
            )
            for kind in kinds:
                # sudo: the base's other drafts, whoever owns them.
                contract.origin_contract_id.sudo()._lifecycle_check_no_open(kind, exclude=contract)
        return super().action_draft(reason)

    def action_cancel(self, reason=None):
        incorporated = self.filtered(lambda c: c.term_state == "incorporated")
        if incorporated:
            raise UserError(
                _(
                    "%(names)s took effect in the contract it changes: it is not cancelled. "
                    "Amend that contract again to change its terms.",
                    names=", ".join(incorporated.mapped("display_name")),
                )
            )
        signed = self.filtered(lambda c: c.state == "signed" and c.term_state)
        result = super().action_cancel(reason)
        signed._lifecycle_set_term(False, reason)
        # sudo: a cancelled draft's links close, whoever cancels it.
        self.sudo().negotiation_ids._close(_("The draft was cancelled."))
        return result

    # ------------------------------------------------------------------ the daily job

    @api.model
    def _cron_lifecycle(self):
        """Start terms, end them (expiry, terminations on their date), remind owners of
        expiries and renewals: once a day, per company, each company in a savepoint so one
        company's fault leaves the others' work done."""
        # sudo: every company, whatever the job's user may read.
        for company in self.env["res.company"].sudo().search([]):
            try:
                with self.env.cr.savepoint():
                    # sudo: the job moves every company's contracts as the system.
                    self.sudo().with_company(company)._lifecycle_scan(
                        company, company._econtract_date()
                    )
            except (UserError, ValidationError, psycopg2.Error):
                # That company's day is done again by the next run; the others' stands.
                _logger.exception("Contract terms of %s: the daily job failed", company.name)

    @api.model
    def _lifecycle_scan(self, company, today):
        contracts = self.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "signed"),
                ("term_state", "in", ("pending", "in_force")),
            ]
        )
        due_terminations = contracts.filtered(
            lambda c: c.termination_date and c.termination_date <= today
        )
        due_terminations._lifecycle_terminate()
        for contract in contracts - due_terminations:
            contract._lifecycle_set_term(contract._lifecycle_term_for(today))
        # A contract ending on a termination date is not reminded to renew or of its end.
        in_force = (contracts - due_terminations).filtered(
            lambda c: c.term_state == "in_force" and not c.termination_date
        )
        in_force._lifecycle_remind_expiry(company._econtract_expiry_reminder_days(), today)
        in_force._lifecycle_remind_renewal(today)

    def _lifecycle_remind_expiry(self, thresholds, today):
        """Remind the owner when the end of the term comes within each threshold (30, 7, 1
        days by default), once per threshold — also when the job missed the exact day."""
        for contract in self.filtered("effective_date_end"):
            left = (contract.effective_date_end - today).days
            passed = [days for days in thresholds if left <= days]
            if not passed:
                continue
            nearest = min(passed)
            if contract.expiry_reminded_days and contract.expiry_reminded_days <= nearest:
                continue
            with engine():
                contract.write({"expiry_reminded_days": nearest})
            if contract.user_id:
                clean(contract).activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=contract.effective_date_end,
                    summary=_("Contract expires in %(days)s days", days=left),
                    note=_(
                        "%(name)s ends on %(end)s: renew, amend or let it expire.",
                        name=contract.display_name,
                        end=contract.effective_date_end,
                    ),
                    user_id=contract.user_id.id,
                )
            contract._ledger_log("expiry_reminded", {"days_left": left, "threshold": nearest})

    def _lifecycle_remind_renewal(self, today):
        for contract in self.filtered(
            lambda c: c.renewal_notice_days and c.effective_date_end and not c.renewal_noticed
        ):
            if (contract.effective_date_end - today).days > contract.renewal_notice_days:
                continue
            if contract.renewal_ids.filtered(lambda c: c.state != "cancelled"):
                continue
            with engine():
                contract.write({"renewal_noticed": True})
            contract.message_post(
                body=_(
                    "Renewal notice: %(name)s ends on %(end)s. Renew it from the contract "
                    "(Renew) to draft the next term.",
                    name=contract.display_name,
                    end=contract.effective_date_end,
                ),
                subtype_xmlid="mail.mt_comment",
                partner_ids=contract.user_id.partner_id.ids,
            )
            contract._ledger_log(
                "renewal_noticed", {"end": contract.effective_date_end.isoformat()}
            )

    # ------------------------------------------------------------------ showing the changes

    def _lifecycle_changes(self):
        """``(header, clauses)``: what this draft changes in the base contract's terms in
        force — header fields as ``[(label, old, new)]``, clauses as `ClauseChange`."""
        self.ensure_one()
        base = self.origin_contract_id.sudo()
        # sudo: the base contract's terms in force, for a reader of this draft.
        old = (
            self._lifecycle_terms_of(self.origin_revision_id.sudo())
            if self.origin_revision_id
            else base._lifecycle_current_terms()
        )
        new = self._lifecycle_terms()
        header = []
        currency = self.currency_id

        def label(name):
            return self._fields[name]._description_string(self.env)

        if currency.compare_amounts(old["amount"], new["amount"]):
            header.append(
                (label("amount"), currency.format(old["amount"]), currency.format(new["amount"]))
            )
        for name in ("date_start", "date_end"):
            if old[name] != new[name]:
                header.append((label(name), str(old[name] or "—"), str(new[name] or "—")))
        if (old.get("termination_notice_days") or 0) != (new.get("termination_notice_days") or 0):
            header.append(
                (
                    label("termination_notice_days"),
                    str(old.get("termination_notice_days") or "—"),
                    str(new.get("termination_notice_days") or "—"),
                )
            )
        if set(old["partner_ids"]) != set(new["partner_ids"]):
            # sudo: the names of the parties before and after, for a reader of this draft.
            names = self.env["res.partner"].sudo().browse
            header.append(
                (
                    label("partner_ids"),
                    ", ".join(names(old["partner_ids"]).mapped("name")),
                    ", ".join(names(new["partner_ids"]).mapped("name")),
                )
            )
        clauses = compare_clauses(
            [ClauseText(c["key"], c["title"], c["text"]) for c in old["clauses"]],
            [ClauseText(c["key"], c["title"], c["text"]) for c in new["clauses"]],
        )
        return header, clauses

    def _lifecycle_changes_markup(self):
        header, clauses = self._lifecycle_changes()
        return self.env["ir.qweb"]._render(
            "econtract_lifecycle.econtract_contract_changes",
            {
                "header": header,
                "clauses": [c for c in clauses if c.kind is not ChangeKind.EQUAL],
                "Markup": Markup,
                "kinds": self._lifecycle_change_labels(),
            },
        )

    def _lifecycle_document_preamble(self):
        """What an amendment's or termination agreement's document says first: the contract
        it changes, by reference and by the SHA-256 of its signed file, and (amendments) the
        list of changes. Part of the rendered text, hence of the approved content hash."""
        self.ensure_one()
        if self.origin_kind not in ("amendment", "termination"):
            return None
        base = self.origin_contract_id.sudo()
        # sudo: the base contract's reference and signed file, for the drafter of this one;
        # the version drafted from, also once this one has made the next.
        reference = base._lifecycle_reference(self.sudo().origin_revision_id)
        header, clauses = self._lifecycle_changes() if self.origin_kind == "amendment" else ([], [])
        return {
            "base": base,
            "document_sha256": reference["document_sha256"],
            "terms_version": reference["terms_version"],
            "header": header,
            "clauses": [c for c in clauses if c.kind is not ChangeKind.EQUAL],
            "termination_date": self._lifecycle_date_text(self.termination_date),
        }

    def _lifecycle_date_text(self, day):
        """A date as the contract's text writes it (the core's wording of dates)."""
        return format_date(day, self._text_language()) if day else ""

    def action_compare_versions(self):
        self.ensure_one()
        self.check_access("read")
        if len(self.revision_ids) < 2:
            raise UserError(
                _(
                    "%(name)s has one version of its terms in force: nothing to compare yet.",
                    name=self.display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.contract.compare",
            "view_mode": "form",
            "target": "new",
            "name": _("Compare Versions"),
            "context": {"default_contract_id": self.id},
        }

    def _prepare_document_values(self, language, clauses):
        if self.termination_notice_days and self.origin_kind != "termination":
            # The notice period the parties agree to is a clause of the text they sign.
            number = len(clauses) + 1
            days = self.termination_notice_days
            clauses = [
                *clauses,
                {
                    "number": f"第{chinese_number(number)}条" if language == "zh" else f"{number}.",
                    "title": "通知解除" if language == "zh" else "Termination by Notice",
                    "body": Markup("<p>%s</p>")
                    % (
                        f"任何一方可提前{days}日以书面通知对方的方式解除本合同。"
                        if language == "zh"
                        else f"Either party may terminate this contract by written notice "
                        f"given {days} days in advance."
                    ),
                },
            ]
        values = super()._prepare_document_values(language, clauses)
        values["preamble"] = self._lifecycle_document_preamble()
        values["kinds"] = self._lifecycle_change_labels(language)
        return values

    @api.model
    def _lifecycle_change_labels(self, language=None):
        """How a change of a clause is named: in the document's language, else the user's."""
        if language == "zh":
            return {
                ChangeKind.REPLACED: "变更",
                ChangeKind.INSERTED: "新增",
                ChangeKind.DELETED: "删除",
            }
        if language == "en":
            return {
                ChangeKind.REPLACED: "Replaced",
                ChangeKind.INSERTED: "Added",
                ChangeKind.DELETED: "Removed",
            }
        return {
            ChangeKind.REPLACED: _("Replaced"),
            ChangeKind.INSERTED: _("Added"),
            ChangeKind.DELETED: _("Removed"),
        }

    # ------------------------------------------------------------------ demo data

    @api.model
    def _lifecycle_demo(self, amended_id, renewed_id, terminated_id, partner_id, other_id):
        """Demo data: one contract amended, one renewed, one terminated — each successor
        approved and signed through the real flow. Without the development PKI (HSM, TSA)
        the successors stay drafts."""
        amended, renewed, terminated = self.browse([amended_id, renewed_id, terminated_id])
        # Signed by the signing addon's demo, before this addon's hook enrolls them.
        self.search([("state", "=", "signed")])._lifecycle_enroll()
        self._lifecycle_enroll_demo(renewed | terminated, (partner_id, other_id))
        try:
            with self.env.cr.savepoint():
                owner = amended.user_id
                if amended.state == "signed":
                    amendment = self._draft_of_demo(amended.with_user(owner).action_amend())
                    amendment.with_user(owner).write(
                        {
                            "amount": amended.amount + 14400,
                            "clause_ids": [
                                Command.create(
                                    {
                                        "sequence": 1000,
                                        "title": "车位",
                                        "body": "<p>出租方另向承租方提供地面车位两个，"
                                        "租期内每年车位费人民币壹万肆仟肆佰元"
                                        "（¥14,400.00），随第一期租金支付。</p>",
                                    }
                                )
                            ],
                        }
                    )
                    amendment._lifecycle_demo_sign(partner_id)
                if renewed.state == "signed":
                    renewal = self._draft_of_demo(renewed.with_user(owner).action_renew())
                    renewal._lifecycle_demo_sign(partner_id)
                if terminated.state == "signed":
                    day = terminated.company_id._econtract_date()
                    agreement = terminated.with_user(owner)._lifecycle_terminate_by_agreement(
                        day, "办公区打印设备统一外包，双方协商一致提前终止"
                    )
                    agreement.with_env(self.env)._lifecycle_demo_sign(other_id)
        except UserError as error:
            _logger.warning("Demo life cycle skipped: %s", error)

    @api.model
    def _draft_of_demo(self, action):
        return self.browse(action["res_id"])

    @api.model
    def _lifecycle_enroll_demo(self, contracts, partner_ids):
        """Sign the demo's own contracts first (they have no template)."""
        try:
            with self.env.cr.savepoint():
                for contract, partner_id in zip(contracts, partner_ids, strict=True):
                    contract._lifecycle_demo_sign(partner_id)
        except UserError as error:
            _logger.warning("Demo signing skipped: %s", error)

    def _lifecycle_demo_sign(self, partner_id):
        """Render, submit as the owner, approve as each approver, and have ``partner_id``
        sign and the company seal: the flow of `econtract.sign.request._demo_requests`."""
        self.ensure_one()
        self.action_render_document()
        self.with_user(self.user_id).action_submit_for_approval()
        for task in self.approval_request_id.task_ids.filtered(lambda t: t.state == "pending"):
            self.with_user(task.user_id).action_approval_approve("同意（演示）")
        Request = self.env["econtract.sign.request"]
        request = Request.create(
            {
                "contract_id": self.id,
                "signer_ids": [Command.create({"partner_id": partner_id, "role": "乙方授权代表"})],
            }
        )
        Request._demo_send_and_sign(request)
        return request
