import datetime
import hashlib
import secrets

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine, lock_rows

from econtract.ledger.canonical import canonical

from .econtract_contract import LITERAL_BRACES

#: How long a shared link stays open without a new round.
LINK_DAYS = 30
#: The longest comment and wording a counterparty may send, in characters.
MAX_COMMENT = 4000
MAX_WORDING = 20000
#: The most proposals one round takes: each is an evidence event, and a link is no
#: licence to fill the log.
MAX_PROPOSALS_PER_ROUND = 200


def _digest(token):
    """What is stored of a link's token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class EcontractNegotiation(models.Model):
    """A draft shared with one counterparty contact for negotiation (协商), by a link.

    The owner shares the draft; the contact reads its clauses on the portal, comments on
    each and proposes other wording; the owner accepts or rejects each proposal, and shares
    the result as the next round. Every round is a snapshot of the clauses with its
    SHA-256, and every share, proposal and decision is an evidence event, so that what was
    negotiated can be shown later.

    The link's token is the contact's only credential: it opens this negotiation and
    nothing else. Only its SHA-256 is stored; every round gets a new one (the previous
    link stops working), sent to the address the contact had when the draft was shared —
    changing the contact's e-mail later redirects nothing. It closes when the contract goes
    to approval, is cancelled, or the owner ends the negotiation.
    """

    _name = "econtract.negotiation"
    _inherit = ["econtract.guard.mixin"]
    _description = "Contract Negotiation"
    _order = "id desc"
    _guard_parent = "contract_id"
    _guard_create_states = frozenset()

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Counterparty Contact", required=True, readonly=True
    )
    user_id = fields.Many2one("res.users", string="Shared By", required=True, readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")], default="open", required=True, readonly=True
    )
    email = fields.Char(
        string="Sent To",
        readonly=True,
        help="The address the links go to: the contact's when the draft was shared.",
    )
    token_digest = fields.Char(readonly=True, copy=False, groups="base.group_system")
    expires_at = fields.Datetime(readonly=True)
    round_ids = fields.One2many("econtract.negotiation.round", "negotiation_id", readonly=True)
    round_id = fields.Many2one("econtract.negotiation.round", string="Current Round", readonly=True)
    proposal_ids = fields.One2many(
        "econtract.negotiation.proposal", "negotiation_id", readonly=True
    )
    open_proposal_count = fields.Integer(compute="_compute_open_proposal_count")

    @api.depends("proposal_ids.state")
    def _compute_open_proposal_count(self):
        for negotiation in self:
            negotiation.open_proposal_count = len(
                negotiation.proposal_ids.filtered(lambda p: p.state == "open")
            )

    @api.depends("contract_id.name", "partner_id.name")
    def _compute_display_name(self):
        for negotiation in self:
            negotiation.display_name = (
                f"{negotiation.contract_id.name} · {negotiation.partner_id.name}"
            )

    # ------------------------------------------------------------------ the owner

    @api.model
    def _share(self, contract, partner):
        """Share the draft ``contract`` with ``partner`` (a counterparty or one of its
        contacts) and send the link. The first round is the clauses as they are now."""
        contract.ensure_one()
        contract.check_access("write")
        lock_rows(contract)
        if contract.state != "draft":
            raise UserError(
                _(
                    "%(name)s is not a draft: only drafts are negotiated.",
                    name=contract.display_name,
                )
            )
        if not partner or partner.commercial_partner_id not in (
            contract.partner_ids.commercial_partner_id
        ):
            raise UserError(
                _(
                    "%(partner)s is not one of the counterparties of %(name)s (or their contacts).",
                    partner=partner.display_name,
                    name=contract.display_name,
                )
            )
        if not partner.email_normalized:
            raise UserError(_("%(partner)s has no e-mail address.", partner=partner.display_name))
        if not (self.env.user.email_normalized or contract.company_id.email_normalized):
            raise UserError(
                _(
                    "Give your user or %(company)s an e-mail address first: the link is sent "
                    "from it.",
                    company=contract.company_id.name,
                )
            )
        existing = self.search(
            [
                ("contract_id", "=", contract.id),
                ("partner_id", "=", partner.id),
                ("state", "=", "open"),
            ]
        )
        if existing:
            raise UserError(
                _(
                    "%(name)s is shared with %(partner)s already: share the next round "
                    "from that negotiation.",
                    name=contract.display_name,
                    partner=partner.display_name,
                )
            )
        with engine():
            negotiation = clean(self).create(
                {
                    "contract_id": contract.id,
                    "partner_id": partner.id,
                    "email": partner.email_formatted,
                    "user_id": self.env.user.id,
                }
            )
        negotiation._new_round()
        return negotiation

    def action_share_round(self):
        """Share the clauses as they are now as the next round (after decisions)."""
        for negotiation in self:
            negotiation._check_owner()
            lock_rows(negotiation.contract_id)
            if negotiation.state != "open":
                raise UserError(_("This negotiation is closed."))
            if negotiation.open_proposal_count:
                raise UserError(
                    _("Accept or reject every proposal of this round before sharing the next.")
                )
            negotiation._new_round()
        return True

    def action_close(self):
        for negotiation in self.filtered(lambda n: n.state == "open"):
            negotiation._check_owner()
            negotiation._close(_("Closed by %(user)s.", user=self.env.user.name))
        return True

    def _check_owner(self):
        """Who acts on a negotiation: whoever may write its draft."""
        self.ensure_one()
        self.contract_id.check_access("write")
        if self.contract_id.state != "draft":
            raise UserError(
                _("%(name)s is not a draft any more.", name=self.contract_id.display_name)
            )

    def _new_round(self):
        """Snapshot the clauses as round N+1 (as the contact reads them: values filled
        in), log it, issue a new link, send it. Returns the link's path."""
        self.ensure_one()
        contract = self.contract_id
        clauses = [
            {"key": clause["key"], "clause_id": clause_id, "title": clause["title"],
             "html": clause["html"], "text": clause["text"]}
            for clause, clause_id in zip(
                contract._lifecycle_clauses(),
                contract.clause_ids.sorted(lambda c: (c.sequence, c.id)).ids,
                strict=True,
            )
        ]  # fmt: skip
        number = len(self.round_ids) + 1
        sha256 = hashlib.sha256(
            canonical(
                {
                    "contract": contract.name,
                    "round": number,
                    "clauses": [
                        {"key": c["key"], "title": c["title"], "html": c["html"]} for c in clauses
                    ],
                }
            )
        ).hexdigest()
        token = secrets.token_urlsafe(32)
        with engine():
            round_ = clean(self.env["econtract.negotiation.round"]).create(
                {"negotiation_id": self.id, "number": number, "clauses": clauses, "sha256": sha256}
            )
            self.write(
                {
                    "round_id": round_.id,
                    "expires_at": fields.Datetime.now() + datetime.timedelta(days=LINK_DAYS),
                }
            )
            # sudo: the token's digest is for administrators only; the engine sets it.
            self.sudo().write({"token_digest": _digest(token)})
        contract._ledger_log(
            "negotiation_round",
            {
                "partner": self.partner_id.display_name,
                "email": self.email,
                "round": number,
                "clauses_sha256": sha256,
            },
        )
        path = f"/econtract/negotiate/{self.id}/{token}"
        self._notify_contact(number, path)
        return path

    def _notify_contact(self, number, path):
        self.ensure_one()
        contract = self.contract_id
        url = f"{self.get_base_url()}{path}"
        body = Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (
            _(
                "%(company)s shares the draft of %(title)s (%(name)s) with you for "
                "comments, round %(round)s.",
                company=contract.company_id.name,
                title=contract.title,
                name=contract.name,
                round=number,
            ),
            url,
            _("Read and comment"),
        )
        # sudo: the contact is no user. The mail is not threaded on the contract: a reply
        # quoting the link must not land in its chatter, where every reader would hold
        # the contact's credential; replies go to the owner.
        self.env["mail.mail"].sudo().create(
            {
                "subject": _("Draft for comments: %(title)s", title=contract.title),
                "body_html": body,
                "email_to": self.email,
                "email_from": self.user_id.email_formatted or contract.company_id.email_formatted,
                "reply_to": self.user_id.email_formatted or contract.company_id.email_formatted,
                "auto_delete": True,
            }
        )

    def _check_token(self, token):
        """Whether ``token`` opens this negotiation now: its digest compared in constant
        time, while the negotiation is open, its link fresh and its contract a draft."""
        self.ensure_one()
        # sudo: as above; compared here, never shown.
        expected = self.sudo().token_digest or ""
        return (
            isinstance(token, str)
            and bool(token)
            and bool(expected)
            and secrets.compare_digest(_digest(token), expected)
            and self.state == "open"
            and self.contract_id.state == "draft"
            and (not self.expires_at or self.expires_at > fields.Datetime.now())
        )

    def _close(self, reason):
        for negotiation in self.filtered(lambda n: n.state == "open"):
            with engine():
                # sudo: the token digest is for administrators only.
                negotiation.sudo().write({"state": "closed", "token_digest": False})
            negotiation.contract_id._ledger_log(
                "negotiation_closed",
                {"partner": negotiation.partner_id.display_name, "reason": reason},
            )

    # ------------------------------------------------------------------ the contact

    def _propose(self, clause_id, comment, wording):
        """The contact's comment on a clause and (or) the wording they propose for it, as
        a proposal of the current round. Bad input changes nothing: the clause must be one
        of this draft's, and the texts within bounds."""
        self.ensure_one()
        contract = self.contract_id
        # Serialised with the owner's decisions and submission (which closes the link).
        lock_rows(contract)
        if self.state != "open" or contract.state != "draft":
            raise UserError(_("This draft is not open for comments any more."))
        shared = {c["clause_id"] for c in self.round_id.clauses or () if c.get("clause_id")}
        clause = contract.clause_ids.filtered(lambda c: c.id == clause_id and c.id in shared)
        if not clause:
            raise UserError(_("That clause is not part of this draft."))
        if not isinstance(comment or "", str) or not isinstance(wording or "", str):
            raise UserError(_("Write a comment or propose wording."))
        comment = (comment or "").replace("\x00", "").strip()
        wording = (wording or "").replace("\x00", "").strip()
        if len(self.proposal_ids.filtered(lambda p: p.round_id == self.round_id)) >= (
            MAX_PROPOSALS_PER_ROUND
        ):
            raise UserError(
                _(
                    "This round holds %(count)s proposals already: wait for the next round.",
                    count=MAX_PROPOSALS_PER_ROUND,
                )
            )
        if not comment and not wording:
            raise UserError(_("Write a comment or propose wording."))
        if len(comment) > MAX_COMMENT or len(wording) > MAX_WORDING:
            raise UserError(
                _(
                    "A comment holds up to %(comment)s characters, a proposed wording up to "
                    "%(wording)s.",
                    comment=MAX_COMMENT,
                    wording=MAX_WORDING,
                )
            )
        with engine():
            proposal = clean(self.env["econtract.negotiation.proposal"]).create(
                {
                    "negotiation_id": self.id,
                    "round_id": self.round_id.id,
                    "clause_id": clause.id,
                    "clause_title": clause.title,
                    "comment": comment or False,
                    "wording": wording or False,
                }
            )
        contract._ledger_log(
            "negotiation_proposed",
            {
                "partner": self.partner_id.display_name,
                "round": self.round_id.number,
                "clause": clause.title,
                "comment": comment or None,
                "wording_sha256": hashlib.sha256(wording.encode()).hexdigest() if wording else None,
            },
        )
        summary = _("Proposals from %(partner)s", partner=self.partner_id.name)
        waiting = contract.activity_ids.filtered(
            lambda a: a.summary == summary and a.user_id == contract.user_id
        )
        if contract.user_id and not waiting:
            # One to-do for the round's proposals, not one per proposal; made as the
            # owner (a visitor has no address to notify from, and the owner needs none).
            clean(contract).with_user(contract.user_id).sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=_("Accept or reject them on the contract's Negotiation tab."),
                user_id=contract.user_id.id,
            )
        return proposal


class EcontractNegotiationRound(models.Model):
    """One round of a negotiation: the clauses as shared, with their SHA-256."""

    _name = "econtract.negotiation.round"
    _inherit = ["econtract.guard.mixin"]
    _description = "Negotiation Round"
    _order = "negotiation_id, number desc"
    _rec_name = "number"
    _guard_parent = "negotiation_id"
    _guard_create_states = frozenset()

    negotiation_id = fields.Many2one(
        "econtract.negotiation", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="negotiation_id.company_id", store=True)
    number = fields.Integer(required=True, readonly=True)
    clauses = fields.Json(readonly=True)
    sha256 = fields.Char(string="SHA-256", readonly=True)


class EcontractNegotiationProposal(models.Model):
    """A counterparty's comment on a clause, or the wording they propose for it, and the
    owner's decision. Accepting proposed wording puts it into the draft's clause."""

    _name = "econtract.negotiation.proposal"
    _inherit = ["econtract.guard.mixin"]
    _description = "Negotiation Proposal"
    _order = "id desc"
    _rec_name = "clause_title"
    _guard_parent = "negotiation_id"
    _guard_create_states = frozenset()

    negotiation_id = fields.Many2one(
        "econtract.negotiation", required=True, ondelete="cascade", index=True, readonly=True
    )
    contract_id = fields.Many2one(related="negotiation_id.contract_id", store=True, index=True)
    company_id = fields.Many2one(related="negotiation_id.company_id", store=True)
    partner_id = fields.Many2one(related="negotiation_id.partner_id", string="From")
    round_id = fields.Many2one(
        "econtract.negotiation.round", string="Round Shared", required=True, readonly=True
    )
    round_number = fields.Integer(related="round_id.number", string="Round")
    clause_id = fields.Many2one(
        "econtract.contract.clause",
        string="Draft Clause",
        readonly=True,
        ondelete="set null",
        index=True,
    )
    clause_title = fields.Char(string="Clause", readonly=True)
    comment = fields.Text(readonly=True)
    wording = fields.Text(string="Proposed Wording", readonly=True)
    state = fields.Selection(
        [("open", "Awaiting Decision"), ("accepted", "Accepted"), ("rejected", "Rejected")],
        default="open",
        required=True,
        readonly=True,
    )
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decided_at = fields.Datetime(readonly=True)

    def action_accept(self):
        """Accept: proposed wording replaces the clause's text in the draft."""
        for proposal in self:
            proposal._decide("accepted")
            if proposal.wording and proposal.clause_id:
                # The contact's words are text: braces in them are no placeholder.
                body = Markup("").join(
                    Markup("<p>%s</p>") % escape(line.replace("{{", LITERAL_BRACES))
                    for line in proposal.wording.splitlines()
                    if line.strip()
                )
                # The owner may write the clause (checked in `_decide`); written as theirs.
                proposal.clause_id.write({"body": body})
        return True

    def action_reject(self):
        for proposal in self:
            proposal._decide("rejected")
        return True

    def _decide(self, decision):
        self.ensure_one()
        self.negotiation_id._check_owner()
        lock_rows(self)
        if self.state != "open":
            raise UserError(_("This proposal was decided already."))
        self._engine_write(
            {
                "state": decision,
                "decided_by_id": self.env.user.id,
                "decided_at": fields.Datetime.now(),
            }
        )
        self.contract_id._ledger_log(
            f"negotiation_{decision}",
            {
                "partner": self.partner_id.display_name,
                "round": self.round_number,
                "clause": self.clause_title,
                "wording_sha256": hashlib.sha256(self.wording.encode()).hexdigest()
                if self.wording
                else None,
            },
        )
