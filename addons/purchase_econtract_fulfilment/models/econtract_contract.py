from odoo import _, api, models

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine

#: Products named in a delivery's title; the rest are counted.
NAMED_PRODUCTS = 3
#: What the order plans; the clauses of its contract are not read for these again.
ORDER_KINDS = ("payment", "delivery")


class EcontractContract(models.Model):
    _inherit = "econtract.contract"

    def _fulfilment_plan_signed(self, texts):
        result = super()._fulfilment_plan_signed(texts)
        if self.purchase_order_id:
            self._fulfilment_plan_purchase(texts)
        return result

    def _fulfilment_candidates(self, texts=None):
        """A purchase contract's payments and deliveries are its order's: its clauses are
        read for the other duties only (acceptance, warranty, service)."""
        found = super()._fulfilment_candidates(texts)
        if not self.purchase_order_id:
            return found
        return [(clause, duty) for clause, duty in found if duty.kind.value not in ORDER_KINDS]

    def _fulfilment_plan_purchase(self, texts=None):
        """The payments and deliveries the purchase order states, planned once per order
        (not again for a second contract of it, nor beside payments planned from the
        clauses), in the contract's language; bills already posted are linked."""
        self.ensure_one()
        Obligation = self.env["econtract.obligation"]
        if self.state != "signed":
            return Obligation
        # sudo: the plan copies the terms of the order the contract was drafted from,
        # whoever signed last (an outside signer, who reads no purchase order).
        order = self.purchase_order_id.sudo()
        signed = order.econtract_ids.filtered(lambda c: c.state == "signed") | self
        planned = signed.obligation_ids
        if planned.filtered(
            lambda o: o.source == "purchase" or (o.source == "clause" and o.kind in ORDER_KINDS)
        ):
            return Obligation
        contract = self.with_context(lang=self._document_lang())
        rate = self._fulfilment_late_fee_rate(texts)
        vals_list = contract._fulfilment_purchase_payments(order, rate)
        vals_list += contract._fulfilment_purchase_deliveries(order, rate)
        with engine():
            # sudo: the plan is the engine's, made for whoever signed last (checked signed).
            created = clean(Obligation).sudo().create(vals_list)
        bills = order.invoice_ids.filtered(
            lambda m: m.move_type == "in_invoice" and m.state == "posted"
        )
        bills._econtract_link_obligations()
        return created

    def _fulfilment_purchase_common(self, order, rate):
        return {
            "contract_id": self.id,
            "partner_id": order.partner_id.commercial_partner_id.id,
            "source": "purchase",
            "user_id": (self.user_id or order.user_id).id,
            "late_fee_rate": rate,
        }

    def _fulfilment_purchase_payments(self, order, rate):
        """One payment per installment of the order's payment terms, each its share of the
        signed amount (the last one the balance, as Odoo splits a bill), counted from the
        bill's date as the term counts, which is kept as signed. Without terms: the whole
        amount at the bill's date."""
        currency = self.currency_id
        total = self.amount or order.amount_total
        terms = order.payment_term_id.line_ids
        shares = []
        residual = total
        for index, line in enumerate(terms):
            if index == len(terms) - 1:
                amount = residual
            elif line.value == "fixed":
                amount = currency.round(line.value_amount)
            else:
                amount = currency.round(total * line.value_amount / 100.0)
            amount = max(0.0, min(amount, residual))  # a fixed share larger than the order
            residual = currency.round(residual - amount)
            if not currency.is_zero(amount):
                shares.append((line, amount))
        if not shares:
            shares = [(terms.browse(), total)]
        common = self._fulfilment_purchase_common(order, rate)
        vals_list = []
        for index, (line, amount) in enumerate(shares, start=1):
            if len(shares) == 1:
                name = _("Payment for %(order)s", order=order.name)
            else:
                name = _(
                    "Payment %(index)s/%(count)s for %(order)s",
                    index=index,
                    count=len(shares),
                    order=order.name,
                )
            vals_list.append(
                {
                    **common,
                    "name": name,
                    "kind": "payment",
                    "debtor": "us",
                    "amount": amount,
                    "due_event": "invoice",
                    "due_offset": line.nb_days if line else 0,
                    "due_unit": "days",
                    "fulfil_mode": "invoice",
                    "payment_term_id": order.payment_term_id.id,
                    "term_delay_type": line.delay_type if line else False,
                    "term_days_next_month": line.days_next_month if line else False,
                }
            )
        return vals_list

    def _fulfilment_purchase_deliveries(self, order, rate):
        """One delivery per planned receipt date (in the company's time zone) of the order's
        goods (services are not received), with those lines, their quantities as signed
        and their value in the contract's currency."""
        by_day = {}
        goods = order.order_line.filtered(
            lambda line: (
                not line.display_type and line.product_qty > 0 and line.product_id.type != "service"
            )
        )
        for line in goods:
            day = self.company_id._econtract_date(line.date_planned)
            by_day.setdefault(day, line.browse())
            by_day[day] |= line
        common = self._fulfilment_purchase_common(order, rate)
        mode = self._fulfilment_purchase_delivery_mode()
        return [
            {
                **common,
                "name": _(
                    "Delivery for %(order)s: %(goods)s",
                    order=order.name,
                    goods=self._fulfilment_goods(lines),
                ),
                "kind": "delivery",
                "debtor": "counterparty",
                "amount": order.currency_id._convert(
                    sum(lines.mapped("price_total")),
                    self.currency_id,
                    self.company_id,
                    order.date_order or day,
                ),
                "date_due": day,
                "fulfil_mode": mode,
                "purchase_line_ids": [(6, 0, lines.ids)],
                "purchase_quantities": {
                    str(line.id): line.product_uom._compute_quantity(
                        line.product_qty, line.product_id.uom_id
                    )
                    for line in lines
                },
            }
            for day, lines in sorted(by_day.items())
        ]

    def _fulfilment_goods(self, lines):
        named = [
            f"{line.product_id.display_name} × {line.product_qty:g}"
            for line in lines[:NAMED_PRODUCTS]
        ]
        if len(lines) > NAMED_PRODUCTS:
            named.append(_("%(count)s more", count=len(lines) - NAMED_PRODUCTS))
        separator = "、" if (self.env.lang or "").startswith("zh") else ", "
        return separator.join(named)

    def _fulfilment_purchase_delivery_mode(self):
        """How deliveries are fulfilled: confirmed by a user (receipts where Inventory is)."""
        return "manual"

    def _fulfilment_paid_on_bills(self, bills):
        """What has been paid on ``bills`` for the contract's order, in the contract's
        currency, as they stand now: posted vendor bills of the order's supplier and company,
        each for the share of its lines that are the order's, counting what payments and
        bank statement lines reconciled with it (a credit note or a reversal pays nothing),
        converted on the day of each payment."""
        self.ensure_one()
        # sudo: the bills linked to the contract's payments (checked on link and here).
        order = self.purchase_order_id.sudo()
        supplier = order.partner_id.commercial_partner_id
        paid = 0.0
        for bill in bills.sudo():
            if (
                bill.state != "posted"
                or bill.move_type != "in_invoice"
                or bill.company_id != self.company_id
                or bill.commercial_partner_id != supplier
                or not bill.amount_total
            ):
                continue
            ours = bill.invoice_line_ids.filtered(
                lambda line: line.purchase_line_id.order_id == order
            )
            share = min(sum(ours.mapped("price_total")) / bill.amount_total, 1.0)
            for partial in bill._get_all_reconciled_invoice_partials():
                counterpart = partial["aml"].move_id
                if partial["is_exchange"] or not (
                    counterpart.origin_payment_id or counterpart.statement_line_id
                ):
                    continue
                paid += share * partial["currency"]._convert(
                    partial["amount"], self.currency_id, self.company_id, partial["aml"].date
                )
        return paid

    @api.model
    def _fulfilment_purchase_demo(self):
        """Demo data: the Chinese company's furniture order pays 30 % at the bill and the
        balance 60 days after; its contract signed by the supplier's representative (its
        plan follows)."""
        order = self.env.ref("purchase_econtract.purchase_order_xinghe_demo")
        contract = order.econtract_ids[:1]
        if contract.state != "draft":
            return contract
        order.payment_term_id = self.env.ref("account.account_payment_term_advance_60days")
        # Translations are loaded after the modules: this one's now, for the plan's names.
        langs = [code for code, _n in self.env["res.lang"].get_installed() if code != "en_US"]
        if langs:
            self.env["ir.module.module"]._load_module_terms(
                ["purchase_econtract_fulfilment"], langs
            )
        partner = self.env.ref("econtract_sign.partner_chenchen_demo")
        self.env["econtract.sign.request"]._demo_sign(contract.id, partner.id)
        return contract
