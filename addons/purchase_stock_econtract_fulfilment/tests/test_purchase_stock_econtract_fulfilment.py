from odoo.tests import Form, tagged

from odoo.addons.purchase_econtract_fulfilment.tests.common import PurchaseFulfilmentCommon

from econtract.extract import Unit, count_from


@tagged("post_install", "-at_install")
class TestPurchaseReceipts(PurchaseFulfilmentCommon):
    """Receipts fulfil the deliveries; the last one dates the contract's delivery."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.storekeeper = cls._new_user("pef_storekeeper", "stock.group_stock_user")
        cls.order = cls._order()
        cls.contract = cls._signed_order(cls.order)
        cls.acceptance = cls.Obligation.with_user(cls.user).create(
            {
                "contract_id": cls.contract.id,
                "name": "验收",
                "kind": "acceptance",
                "debtor": "us",
                "due_event": "delivery",
                "due_offset": 5,
                "due_unit": "working_days",
            }
        )
        cls.today = cls.contract.company_id._econtract_date()

    def _deliveries(self):
        return self.contract.obligation_ids.filtered(
            lambda o: o.source == "purchase" and o.kind == "delivery"
        ).sorted("date_due")

    def _receive(self, picking, products):
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty if move.product_id in products else 0
        result = picking.with_user(self.storekeeper).button_validate()
        if result is not True:  # part of it: the rest goes to a backorder
            Form.from_action(self.env, result).save().with_user(self.storekeeper).process()
        return picking

    def test_receipts_fulfil_the_deliveries_then_the_delivery_counts(self):
        desks, chairs = self._deliveries()
        self.assertEqual((desks.fulfil_mode, chairs.fulfil_mode), ("receipt", "receipt"))
        self.order.button_confirm()
        first = self._receive(self.order.picking_ids, self.desk)
        self.assertEqual(first.state, "done")
        self.assertEqual(desks.state, "done")
        self.assertEqual(desks.done_date, self.today)
        self.assertIn(first.name, desks.done_note)
        self.assertEqual(chairs.state, "planned", "the chairs are on the backorder")
        self.assertFalse(self.acceptance.date_due, "delivery is not complete")
        self.assertFalse(self.contract.fulfilment_event_ids)

        backorder = self.order.picking_ids - first
        self._receive(backorder, self.chair)
        self.assertEqual(chairs.state, "done")
        event = self.contract.fulfilment_event_ids
        self.assertEqual((event.event, event.date), ("delivery", self.today))
        self.assertEqual(self.acceptance.date_due, count_from(self.today, 5, Unit.WORKING_DAYS).day)
        events = self._events(self.contract)
        self.assertEqual(events.count("obligation.fulfilled"), 2)
        self.assertIn("contract.fulfilment_event", events)

    def test_a_receipt_of_another_order_fulfils_nothing(self):
        other = self._order()
        other.button_confirm()
        self._receive(other.picking_ids, self.desk | self.chair)
        self.assertEqual(set(self._deliveries().mapped("state")), {"planned"})

    def test_a_delivery_is_what_was_signed_not_what_the_order_says_later(self):
        chairs = self.order.order_line.filtered(lambda line: line.product_id == self.chair)
        chairs.product_qty = 10  # the order changed after signing
        self.order.button_confirm()
        self._receive(self.order.picking_ids, self.desk | self.chair)
        desks, chairs_due = self._deliveries()
        self.assertEqual(desks.state, "done")
        self.assertEqual(chairs_due.state, "planned", "10 of the 20 signed chairs came")

    def test_another_companys_picking_of_the_line_brings_nothing(self):
        self.order.button_confirm()
        company = self.company_b
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Other", "code": "OTH", "company_id": company.id}
        )
        line = self.order.order_line.filtered(lambda line: line.product_id == self.desk)
        picking = (
            self.env["stock.picking"]
            .with_company(company)
            .create(
                {
                    "picking_type_id": warehouse.in_type_id.id,
                    "location_id": self.env.ref("stock.stock_location_suppliers").id,
                    "location_dest_id": warehouse.lot_stock_id.id,
                    "company_id": company.id,
                    "move_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "crafted",
                                "product_id": self.desk.id,
                                "product_uom_qty": 20,
                                "product_uom": line.product_uom.id,
                                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                                "location_dest_id": warehouse.lot_stock_id.id,
                                "company_id": company.id,
                                "purchase_line_id": line.id,
                            },
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.move_ids.quantity = 20
        picking.move_ids.picked = True
        picking.with_company(company)._action_done()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._deliveries()[0].state, "planned")

    def test_goods_received_before_signing_are_fulfilled_at_signing(self):
        order = self._order()
        action = order.with_user(self.user).action_create_econtract()
        contract = self.env["econtract.contract"].browse(action["res_id"])
        order.button_confirm()
        self._receive(order.picking_ids, self.desk | self.chair)
        self._sign_existing(contract, self.vendor_rep)
        deliveries = contract.obligation_ids.filtered(lambda o: o.kind == "delivery")
        self.assertEqual(set(deliveries.mapped("state")), {"done"})
        self.assertEqual(contract.fulfilment_event_ids.event, "delivery")

    def test_the_demo_delivery_waits_for_its_receipt(self):
        order = self.env.ref(
            "purchase_econtract.purchase_order_xinghe_demo", raise_if_not_found=False
        )
        if not order:
            self.skipTest("installed without demo data")
        delivery = order.econtract_ids.obligation_ids.filtered(lambda o: o.kind == "delivery")
        self.assertEqual(delivery.fulfil_mode, "receipt", "switched when Inventory came")
        self.assertEqual(delivery.state, "planned")
        self.assertTrue(order.picking_ids.filtered(lambda p: p.state == "assigned"))
