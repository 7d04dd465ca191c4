import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine


class EcontractContract(models.Model):
    _inherit = "econtract.contract"

    obligation_ids = fields.One2many("econtract.obligation", "contract_id", string="Plan")
    fulfilment_event_ids = fields.One2many(
        "econtract.fulfilment.event", "contract_id", string="Fulfilment Events"
    )
    obligation_count = fields.Integer(compute="_compute_obligation_count")
    obligation_overdue_count = fields.Integer(compute="_compute_obligation_count")

    @api.depends("obligation_ids.state")
    def _compute_obligation_count(self):
        for contract in self:
            contract.obligation_count = len(contract.obligation_ids)
            contract.obligation_overdue_count = len(
                contract.obligation_ids.filtered(lambda o: o.state == "overdue")
            )

    def _fulfilment_check_plannable(self):
        """A plan belongs to a signed contract, and is made by whoever may write it."""
        for contract in self:
            contract.check_access("write")
            if contract.state != "signed":
                raise UserError(
                    _(
                        "%(name)s is not signed: a fulfilment plan is made for a signed contract.",
                        name=contract.display_name,
                    )
                )

    def _fulfilment_signed_date(self):
        self.ensure_one()
        return self.company_id._econtract_date(self._econtract_signed_on())

    def _fulfilment_event_date(self, event, obligation=None):
        """When ``event`` happened under this contract, or None while it has not."""
        self.ensure_one()
        if event == "signing":
            return self._fulfilment_signed_date() if self.state == "signed" else None
        if event == "effective":
            return self.date_start or (self.state == "signed" and self._fulfilment_signed_date())
        if event == "end":
            return self.date_end or None
        if event == "invoice":
            if not obligation:
                return None
            # sudo: the dates of the invoices linked to the obligation (checked on link).
            posted = obligation.sudo().move_ids.filtered(lambda m: m.state == "posted")
            return min(filter(None, posted.mapped("invoice_date")), default=None)
        # sudo: what was recorded under the contract, whoever recorded it.
        recorded = self.sudo().fulfilment_event_ids.filtered(lambda e: e.event == event)
        return recorded.sorted("date")[-1:].date or None

    def _fulfilment_record_event(self, event, day, note=False):
        """Record that ``event`` happened on ``day``; deadlines counting from it resolve."""
        self._fulfilment_check_plannable()
        self.ensure_one()
        if day > self.company_id._econtract_date():
            raise UserError(_("Record what has happened: %(day)s has not come yet.", day=day))
        if event not in dict(self.env["econtract.fulfilment.event"]._fields["event"].selection):
            raise UserError(_("%(event)s is not an event recorded by hand.", event=event))
        # sudo: events are the engine's records (users only read them), made here for a
        # caller who may write the contract (checked above).
        with engine():
            recorded = (
                clean(self.env["econtract.fulfilment.event"])
                .sudo()
                .create({"contract_id": self.id, "event": event, "date": day, "note": note})
            )
        waiting = self.obligation_ids.filtered(
            lambda o: o.due_event == event and not o.event_date and o.state in ("planned", "due")
        )
        waiting._resolve_from_events()
        self._ledger_log(
            "fulfilment_event",
            {
                "event": event,
                "date": day.isoformat(),
                "note": note or None,
                "resolved": [
                    {"obligation": o.name, "date_due": o.date_due.isoformat()}
                    for o in waiting
                    if o.date_due
                ],
            },
        )
        return recorded

    def _sign_on_completed(self, request):
        result = super()._sign_on_completed(request)
        # sudo: the plan follows the signature, whoever signed last (an outside signer).
        self.sudo()._fulfilment_plan_on_signing()
        return result

    def _fulfilment_plan_on_signing(self):
        """Each signed contract's plan, its clauses rendered once for all that reads them."""
        for contract in self:
            contract._fulfilment_plan_signed(contract._fulfilment_texts())

    def _fulfilment_plan_signed(self, texts):
        """What the contract's own records plan (the rent schedule), given its clause
        ``texts``; the owner is asked to confirm what the clauses say (extraction is never
        planned unseen)."""
        self.ensure_one()
        self._fulfilment_plan_rent(texts)
        read = self.obligation_ids.filtered(lambda o: o.source == "clause")
        if self.user_id and not read and self._fulfilment_candidates(texts):
            clean(self).activity_schedule(
                "econtract_fulfilment.mail_activity_confirm_plan",
                summary=_("Confirm the fulfilment plan"),
                note=_(
                    "The clauses of %(name)s state obligations: confirm them in "
                    "Fulfilment → Read the Plan from the Clauses.",
                    name=self.display_name,
                ),
                user_id=self.user_id.id,
            )

    def _fulfilment_partner(self):
        self.ensure_one()
        return self.partner_ids[:1]

    def _fulfilment_plan_rent(self, texts=None):
        """One rent obligation per period of the lease's schedule not planned yet."""
        self.ensure_one()
        lines = self._fulfilment_rent_lines_to_plan()
        if not lines:
            return self.env["econtract.obligation"]
        rate = self._fulfilment_late_fee_rate(texts)
        with engine():
            return clean(self.env["econtract.obligation"]).create(
                [
                    {
                        "contract_id": self.id,
                        "name": _(
                            "Rent %(start)s – %(end)s", start=line.period_start, end=line.period_end
                        ),
                        "kind": "payment",
                        "debtor": "counterparty",
                        "partner_id": self._fulfilment_partner().id,
                        "amount": line.amount,
                        "date_due": line.date_due,
                        "source": "lease",
                        "rent_line_id": line.id,
                        "user_id": self.user_id.id,
                        "late_fee_rate": rate,
                    }
                    for line in lines
                ]
            )

    def _fulfilment_rent_lines_to_plan(self):
        """The periods of the rent schedule that are planned: those not planned yet."""
        self.ensure_one()
        return self.rent_line_ids - self.obligation_ids.rent_line_id

    def _fulfilment_texts(self):
        """``{clause: plain text}`` of the contract's clauses, each rendered once."""
        self.ensure_one()
        # sudo: the clause texts of a contract the caller may write (checked by callers).
        return {clause: clause._fulfilment_text() for clause in self.sudo().clause_ids}

    def _fulfilment_late_fee_rate(self, texts=None):
        from econtract.extract import find_late_fee

        for text in (self._fulfilment_texts() if texts is None else texts).values():
            fee = find_late_fee(text)
            if fee:
                return float(fee.rate_per_day)
        return 0.0

    def _fulfilment_candidates(self, texts=None):
        """``[(clause, Obligation)]`` the clauses state."""
        from econtract.extract import extract_obligations

        texts = self._fulfilment_texts() if texts is None else texts
        return [
            (clause, found) for clause, text in texts.items() for found in extract_obligations(text)
        ]

    @api.model
    def _fulfilment_demo(self):
        """Demo data: the signed demo contracts' plans confirmed as read from their clauses
        (times that disagree left out), and the demo lease's first rent dunned: the scan
        runs for it as of the day after it fell due (today, unless today is that day)."""
        signed = self.search([("state", "=", "signed")])
        signed._fulfilment_plan_on_signing()  # as the install hook would, after demo data
        for contract in signed:
            wizard = self.env["econtract.obligation.extract"]._prepare(contract)
            lines = wizard.line_ids.filtered(
                lambda line: line.include and line.debtor and not line.conflict
            )
            lines.write({"include": True})
            (wizard.line_ids - lines).write({"include": False})
            if lines:
                wizard.action_confirm()
        lease = self.env.ref("econtract_sign.econtract_contract_office_signed_demo")
        rent = lease.obligation_ids.filtered(lambda o: o.source == "lease").sorted("date_due")[:1]
        if rent:
            today = lease.company_id._econtract_date()
            day = max(today, rent.date_due + datetime.timedelta(days=1))
            self.env["econtract.obligation"]._scan(lease.company_id, day)

    def action_fulfilment_extract(self):
        self.ensure_one()
        self._fulfilment_check_plannable()
        wizard = self.env["econtract.obligation.extract"]._prepare(self)
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.obligation.extract",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_fulfilment_event(self):
        self.ensure_one()
        self._fulfilment_check_plannable()
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.fulfilment.event.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def action_open_obligations(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "econtract_fulfilment.action_econtract_obligation"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_contract_id": self.id, "search_default_open": 0}
        return action
