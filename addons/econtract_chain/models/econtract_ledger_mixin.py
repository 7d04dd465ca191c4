from datetime import date, datetime

from odoo import api, models


class EcontractLedgerMixin(models.AbstractModel):
    """Log creation, tracked changes, state changes and deletion of a model to the evidence
    log, without the model writing ledger code.

    Configure with class attributes, as ``tier.validation`` is configured:

    - ``_ledger_event_prefix``: first part of the event types (``contract`` →
      ``contract.created``, ``contract.updated``, ``contract.state_changed``);
    - ``_ledger_tracked_fields``: field names whose changes are evidence (default: the
      fields with ``tracking=True``); ``_ledger_state_field``: the state field.

    Override `_ledger_contract` when the record belongs to a contract (a signer, an
    obligation): its events are then listed on that contract. Other features log their own
    events with ``record._ledger_log(type, payload, documents)``.
    """

    _name = "econtract.ledger.mixin"
    _description = "Evidence Log Mixin"

    _ledger_event_prefix = None
    _ledger_tracked_fields = None
    _ledger_state_field = "state"

    def _ledger_contract(self):
        self.ensure_one()
        return self

    def _ledger_prefix(self):
        return self._ledger_event_prefix or self._name.replace(".", "_")

    def _ledger_fields(self):
        if self._ledger_tracked_fields is not None:
            return list(self._ledger_tracked_fields)
        return [name for name, field in self._fields.items() if getattr(field, "tracking", None)]

    def _ledger_value(self, name):
        """A field's value as JSON evidence: ids with names, ISO dates, amounts as text."""
        field = self._fields[name]
        value = self[name]
        if field.type == "many2one":
            return {"id": value.id, "name": value.display_name} if value else None
        if field.type in ("one2many", "many2many"):
            return [{"id": record.id, "name": record.display_name} for record in value]
        if isinstance(value, datetime | date):
            return value.isoformat()
        if field.type == "monetary":
            currency_field = field.get_currency_field(self)
            currency = self[currency_field] if currency_field else None
            return f"{value:.{currency.decimal_places if currency else 2}f}"
        if field.type == "float":
            return repr(value)
        if value is False and field.type != "boolean":
            return None
        return value

    def _ledger_log(self, action, payload=None, documents=()):
        """Log ``<prefix>.<action>`` for each record, in one append; return the events."""
        return self.env["econtract.ledger"]._log(
            [(record, f"{record._ledger_prefix()}.{action}", payload, documents) for record in self]
        )

    def _ledger_snapshot(self, names):
        # sudo: the evidence records what was written, including the names of linked records
        # the writer may use but not read (a template version); the write itself was checked.
        return {
            record.id: {name: record._ledger_value(name) for name in names}
            for record in self.sudo()
        }

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        snapshot = records._ledger_snapshot(records._ledger_fields())
        self.env["econtract.ledger"]._log(
            [
                (record, f"{record._ledger_prefix()}.created", {"values": snapshot[record.id]}, ())
                for record in records
            ]
        )
        return records

    def write(self, vals):
        names = [name for name in self._ledger_fields() if name in vals]
        state_field = self._ledger_state_field if self._ledger_state_field in vals else None
        watched = names + ([state_field] if state_field and state_field not in names else [])
        if not watched:
            return super().write(vals)
        before = self._ledger_snapshot(watched)
        result = super().write(vals)
        after = self._ledger_snapshot(watched)
        entries = []
        for record in self:
            changes = {
                name: [before[record.id][name], after[record.id][name]]
                for name in watched
                if before[record.id][name] != after[record.id][name]
            }
            state_change = changes.pop(state_field, None) if state_field else None
            prefix = record._ledger_prefix()
            if state_change:
                # One event per change: a new state and what was written with it (a reason).
                payload = {"from": state_change[0], "to": state_change[1]}
                if changes:
                    payload["changes"] = changes
                entries.append((record, f"{prefix}.state_changed", payload, ()))
            elif changes:
                entries.append((record, f"{prefix}.updated", {"changes": changes}, ()))
        if entries:
            self.env["econtract.ledger"]._log(entries)
        return result

    def unlink(self):
        self.env["econtract.ledger"]._log(
            [
                (record, f"{record._ledger_prefix()}.deleted", {"name": record.display_name}, ())
                for record in self
            ]
        )
        return super().unlink()
