import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from odoo.addons.econtract_base.models.econtract_guard_mixin import in_engine


def install_append_only(cr, table):
    """Refuse UPDATE, DELETE and TRUNCATE on ``table`` below the ORM, for everyone."""
    for kind, events, scope in (
        ("append_only", "UPDATE OR DELETE", "ROW"),
        ("no_truncate", "TRUNCATE", "STATEMENT"),
    ):
        trigger = SQL.identifier(f"{table}_{kind}")
        cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON %s", trigger, SQL.identifier(table)))
        cr.execute(
            SQL(
                "CREATE TRIGGER %s BEFORE %s ON %s FOR EACH %s "
                "EXECUTE FUNCTION econtract_ledger_append_only()",
                trigger,
                SQL(events),
                SQL.identifier(table),
                SQL(scope),
            )
        )


class EcontractLedgerEvent(models.Model):
    """One entry of the evidence log: the canonical JSON that was hashed, and what it says.

    Only `econtract.ledger._append` creates events; nothing changes or deletes them.
    """

    _name = "econtract.ledger.event"
    _description = "Evidence Event"
    _order = "sequence desc"
    _rec_name = "event_type"

    sequence = fields.Integer(string="Index", required=True, readonly=True, index=True)
    event_type = fields.Char(string="Event", required=True, readonly=True, index=True)
    event_time = fields.Datetime(string="Time", required=True, readonly=True, index=True)
    actor_id = fields.Many2one("res.users", string="By", readonly=True, ondelete="restrict")
    actor_name = fields.Char(string="Actor", readonly=True)
    contract_id = fields.Many2one(
        "econtract.contract", readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    contract_seq = fields.Integer(
        string="Number in the Contract's History",
        readonly=True,
        help="0 for a contract's first event, then 1, 2, …; each event links to the one "
        "before it (its chain link, inside the hashed event).",
    )
    canonical = fields.Text(
        string="Canonical JSON",
        required=True,
        readonly=True,
        help="The RFC 8785 encoding that was hashed into the log.",
    )
    leaf_hash = fields.Char(required=True, readonly=True, index=True)
    summary = fields.Char(compute="_compute_summary")
    payload_pretty = fields.Text(string="Details", compute="_compute_summary")

    _sql_constraints = [
        ("sequence_uniq", "unique(sequence)", "An index of the evidence log is used once."),
        ("sequence_positive", "check(sequence >= 0)", "Indexes start at zero."),
    ]

    def init(self):
        cr = self.env.cr
        cr.execute(
            """
            CREATE TABLE IF NOT EXISTS econtract_ledger_node (
                level smallint NOT NULL CHECK (level >= 0),
                position bigint NOT NULL CHECK (position >= 0),
                hash bytea NOT NULL CHECK (octet_length(hash) = 32),
                PRIMARY KEY (level, position)
            );
            CREATE TABLE IF NOT EXISTS econtract_ledger_state (
                id smallint PRIMARY KEY CHECK (id = 1),
                size bigint NOT NULL CHECK (size >= 0)
            );
            INSERT INTO econtract_ledger_state (id, size) VALUES (1, 0) ON CONFLICT DO NOTHING;
            CREATE OR REPLACE FUNCTION econtract_ledger_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the evidence log is append-only: % on % refused',
                    TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END $$;
            CREATE OR REPLACE FUNCTION econtract_ledger_state_grows() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'UPDATE' OR NEW.size < OLD.size THEN
                    RAISE EXCEPTION 'the evidence log never shrinks'
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END $$;
            DROP TRIGGER IF EXISTS econtract_ledger_state_grows ON econtract_ledger_state;
            CREATE TRIGGER econtract_ledger_state_grows
                BEFORE UPDATE OR DELETE ON econtract_ledger_state
                FOR EACH ROW EXECUTE FUNCTION econtract_ledger_state_grows();
            """
        )
        install_append_only(cr, "econtract_ledger_event")
        install_append_only(cr, "econtract_ledger_node")
        # Each append links to its contract's last event: found by this index, not a scan.
        create_index(
            cr,
            "econtract_ledger_event_contract_sequence_index",
            self._table,
            ["contract_id", "sequence DESC"],
            where="contract_id IS NOT NULL",
        )

    @api.depends("canonical")
    def _compute_summary(self):
        for event in self:
            data = json.loads(event.canonical or "{}")
            payload = data.get("payload") or {}
            documents = data.get("documents") or []
            parts = [f"{key}: {value}" for key, value in payload.items()]
            parts += [f"{doc['name']} ({doc['sha256'][:12]}…)" for doc in documents]
            event.summary = "; ".join(parts)[:200]
            event.payload_pretty = json.dumps(data, ensure_ascii=False, indent=2)

    @api.model_create_multi
    def create(self, vals_list):
        if not in_engine():
            raise UserError(_("Evidence events are written by the evidence log only."))
        return super().create(vals_list)

    def write(self, vals):
        self.check_access("write")  # who may not write at all is told so precisely
        if vals:
            raise UserError(_("The evidence log is append-only: events never change."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_evidence(self):
        raise UserError(_("The evidence log is append-only: events are never deleted."))
