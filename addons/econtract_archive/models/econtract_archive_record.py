"""The archive record of a signed contract: its number, folder, retention, legal hold, its
encrypted files in the store, and its full-text index.

Records are made when a contract is signed (or, for contracts signed before the archive was
installed, by the install job) and filled by the archiving job, outside the signing
transaction: a store or key server that is down leaves the contract signed and the record
pending, and the job tries again. Nothing of a record is written by a caller: numbers,
folders, retention and files are the archive's; holds and disposal are actions that check
who calls them, and disposal is refused under legal hold whoever asks, over any interface.
"""

import hashlib
import io
import logging
import unicodedata
import zipfile

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, html2plaintext

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine, lock_rows

from econtract.search import index_words, parse_query, snippet

_logger = logging.getLogger(__name__)

#: Type codes in archive numbers ({type}): 采购 CG, 劳动 LD, 租赁 ZL, 销售 XS, 其他 QT.
TYPE_CODES = {"purchase": "CG", "labor": "LD", "lease": "ZL", "sales": "XS", "other": "QT"}
#: How many of the newest matches `search_fulltext` ranks: ranking every match of a common
#: word (a third of 100 000 contracts hold 押金) costs a third of a second, ranking the
#: newest thousand a few milliseconds (``make bench``).
RANKED = 1000
#: Up to this many estimated matches, `search_fulltext` gathers them all by the text indexes
#: and picks the newest; above, it walks the newest-first index until `RANKED` matched.
#: Walking opens each record's text (about 3 µs), gathering only index entries: the two
#: cost the same near √(RANKED × records); this is that point for 100 000 (``make bench``).
GATHERED = 10_000
#: A phrase's words `_fulltext_estimate` asks the planner about (its rarest bounds it).
PHRASE_WORDS = 6
#: The columns ranking reads, carried along unopened (TOAST pointers) to the last `RANKED`.
SEARCH_COLUMNS = ("search_vector",)
#: Archiving attempts after which the job stops retrying a record by itself.
MAX_ATTEMPTS = 10
MANAGER = "econtract_base.group_econtract_manager"


def _now():
    return fields.Datetime.now()


class EcontractArchiveRecord(models.Model):
    _name = "econtract.archive.record"
    _description = "Archive Record"
    _inherit = ["mail.thread", "mail.activity.mixin", "econtract.guard.mixin"]
    _order = "signed_on desc, id desc"
    _rec_name = "name"

    name = fields.Char(string="Archive Number", readonly=True, copy=False, index=True)
    contract_id = fields.Many2one(
        "econtract.contract", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    title = fields.Char(related="contract_id.title", store=True)
    reference = fields.Char(related="contract_id.name", store=True, string="Contract Number")
    contract_type = fields.Selection(related="contract_id.contract_type", store=True)
    contract_state = fields.Selection(related="contract_id.state", string="Contract Status")
    partner_ids = fields.Many2many(related="contract_id.partner_ids", string="Counterparties")
    department_id = fields.Many2one(related="contract_id.department_id", store=True)
    tag_ids = fields.Many2many(related="contract_id.tag_ids")
    currency_id = fields.Many2one(related="contract_id.currency_id")
    amount = fields.Monetary(related="contract_id.amount", store=True)
    date_end = fields.Date(related="contract_id.date_end", store=True, string="Expires On")
    signed_on = fields.Datetime(readonly=True)  # indexed newest first by init()
    state = fields.Selection(
        [
            ("pending", "Waiting to Be Archived"),
            ("archived", "Archived"),
            ("disposal", "Disposal Requested"),
            ("disposed", "Disposed Of"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    folder_id = fields.Many2one(
        "econtract.archive.folder", readonly=True, index=True, tracking=True
    )
    retention_until = fields.Date(readonly=True, tracking=True, help="Empty: kept permanently.")
    retention_code = fields.Char(readonly=True)
    retention_due = fields.Boolean(compute="_compute_retention_due", search="_search_retention_due")
    legal_hold = fields.Boolean(readonly=True, tracking=True)
    hold_reason = fields.Char(readonly=True, tracking=True)
    archived_on = fields.Datetime(readonly=True)
    attempts = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    object_ids = fields.One2many("econtract.archive.object", "record_id", string="Files")
    disposal_ids = fields.One2many(
        "econtract.archive.disposal",
        "record_id",
        string="Disposal",
        groups="econtract_base.group_econtract_manager,econtract_base.group_econtract_auditor",
    )
    search_text = fields.Text(readonly=True, index="trigram", help="What full-text search reads.")
    fulltext = fields.Char(
        string="Full Text", compute="_compute_fulltext", search="_search_fulltext", store=False
    )
    snippet = fields.Html(compute="_compute_snippet", sanitize=False)

    _sql_constraints = [
        ("contract_unique", "UNIQUE(contract_id)", "A contract has one archive record."),
        ("number_unique", "UNIQUE(company_id, name)", "Archive numbers are unique per company."),
    ]

    def init(self):
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE econtract_archive_record ADD COLUMN IF NOT EXISTS search_vector tsvector"
        )
        cr.execute(
            "CREATE INDEX IF NOT EXISTS econtract_archive_record_search_vector_idx "
            "ON econtract_archive_record USING gin (search_vector)"
        )
        # Newest first (the table's order, and search's walk through many matches).
        cr.execute("DROP INDEX IF EXISTS econtract_archive_record__signed_on_index")
        cr.execute(
            "CREATE INDEX IF NOT EXISTS econtract_archive_record_newest_idx "
            "ON econtract_archive_record (signed_on DESC, id DESC)"
        )
        # Texts and vectors out of line (TOAST) even when short: rows stay a few hundred
        # bytes, so reading the matches of a word reads a few pages, not one per record.
        cr.execute("ALTER TABLE econtract_archive_record SET (toast_tuple_target = 128)")

    # ------------------------------------------------------------------ access

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        """A record is found only by whoever may read its contract (the contract's own rules,
        also across companies)."""
        if not self.env.su:
            Contract = self.env["econtract.contract"].with_context(active_test=False)
            readable = Contract._search([]) if Contract.has_access("read") else []
            domain = expression.AND([domain or [], [("contract_id", "in", readable)]])
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if self.env.su or operation != "read":
            return result
        denied = result[0] if result else self.browse()
        allowed = self - denied
        # sudo: which contracts the caller may read is what is being found out.
        readable = allowed.sudo().contract_id.with_env(self.env)._filtered_access("read")
        refused = allowed.filtered(lambda record: record.sudo().contract_id not in readable)
        if not refused:
            return result
        return refused | denied, lambda: AccessError(
            _("You may not read the archive record of a contract you cannot read.")
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(_("Archive records are never deleted; disposal keeps them as evidence."))

    # ----------------------------------------------------------------- computes

    @api.depends("retention_until", "legal_hold", "state")
    def _compute_retention_due(self):
        for record in self:
            today = record.company_id._econtract_date(_now())
            record.retention_due = (
                record.state == "archived"
                and bool(record.retention_until)
                and record.retention_until <= today
                and not record.legal_hold
            )

    def _search_retention_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Search 'Past Retention' with = True or = False only."))
        due = [
            ("state", "=", "archived"),
            ("retention_until", "<=", self.env.company._econtract_date(_now())),
            ("legal_hold", "=", False),
        ]
        return due if (operator == "=") == value else ["!", *expression.normalize_domain(due)]

    def _compute_fulltext(self):
        for record in self:
            record.fulltext = False

    def _search_fulltext(self, operator, value):
        """Words in the ``tsvector`` (segmented Chinese and English) and, for phrases and
        one-character terms, substrings by the trigram index."""
        if operator not in ("ilike", "=", "like") or not isinstance(value, str):
            raise UserError(_("Full-text search takes words or a quoted phrase."))
        query = parse_query(value)
        if query.empty:  # only punctuation or quotes: nothing to find, so nothing is found
            return expression.FALSE_DOMAIN
        where = self._fulltext_condition(query, self._table)
        return [
            ("id", "in", SQL("(SELECT id FROM %s WHERE %s)", SQL.identifier(self._table), where))
        ]

    @api.model
    def _fulltext_condition(self, query, alias):
        """SQL: the row ``alias`` of this table holds every word and phrase of ``query``."""
        conditions = []
        if query.words:
            conditions.append(
                SQL(
                    "%s @@ plainto_tsquery('simple', %s)",
                    SQL.identifier(alias, "search_vector"),
                    query.tsquery_text(),
                )
            )
        for phrase in query.phrases:
            escaped = phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            # ILIKE on the column itself: its trigram index (index="trigram") serves it.
            conditions.append(
                SQL("%s ILIKE %s", SQL.identifier(alias, "search_text"), f"%{escaped}%")
            )
        return SQL(" AND ").join(conditions)

    @api.model
    def _fulltext_estimate(self, query):
        """How many texts the planner expects to hold ``query`` (an upper bound for its
        phrases), or None when it cannot say (a one-character phrase).

        The least of the planner's estimates (from the column's statistics) for the groups
        of `Query.estimate_groups`: the words together, each phrase word alone.
        """
        groups = query.estimate_groups(PHRASE_WORDS)
        if groups is None:
            return None
        estimates = []
        for words in groups:
            self.env.cr.execute(
                SQL(
                    "EXPLAIN (FORMAT JSON) SELECT 1 FROM %s "
                    "WHERE %s @@ plainto_tsquery('simple', %s)",
                    SQL.identifier(self._table),
                    SQL.identifier(self._table, "search_vector"),
                    " ".join(words),
                )
            )
            estimates.append(self.env.cr.fetchone()[0][0]["Plan"]["Plan Rows"])
        return int(min(estimates)) if estimates else None

    @api.depends_context("econtract_fulltext")
    def _compute_snippet(self):
        text = self.env.context.get("econtract_fulltext") or ""
        if isinstance(text, list | tuple):  # the search view's context: every value searched
            text = " ".join(value for value in text if isinstance(value, str))
        terms = parse_query(text).highlights if isinstance(text, str) and text else ()
        for record in self:
            record.snippet = snippet(record.search_text or "", terms, width=120) if terms else False

    @api.model
    def search_fulltext(self, text, domain=None, limit=50, offset=0):
        """Public API (JSON-RPC / XML-RPC): archive records matching ``text``, best first.

        Returns a list of ``{"id", "archive_number", "contract", "title", "rank",
        "snippet"}`` (the snippet is HTML: terms in ``<mark>``, everything else escaped).
        Only records the caller may read are searched; the newest `RANKED` matches are
        ranked (narrow a common word with another, or with ``domain``, to reach older ones).
        """
        if not isinstance(text, str) or not text.strip():
            raise UserError(_("Say what to search for."))
        try:
            limit = max(1, min(int(limit or 50), 500))
            offset = max(int(offset or 0), 0)
        except (TypeError, ValueError):
            raise UserError(_("Limit and offset are whole numbers.")) from None
        query = parse_query(text)
        if query.empty:
            return []
        # The caller's domain and the record rules, then ranked in the database: one query.
        found = self._search(domain or [])
        if found.is_empty():
            return []
        table = self._table
        found.add_where(self._fulltext_condition(query, table))
        columns = [SQL.identifier(table, name) for name in ("id", "signed_on", *SEARCH_COLUMNS)]
        newest = SQL("signed_on DESC, id DESC")  # the table's order, by its index
        estimate = self._fulltext_estimate(query)
        if estimate is not None and estimate <= GATHERED:
            # Few matches: every one read through the text indexes (which never open the
            # texts), the newest picked. OFFSET 0 keeps the planner from walking the
            # newest-first index instead, opening each record's text on the way.
            candidates = SQL(
                "SELECT * FROM (%s OFFSET 0) AS gathered ORDER BY %s LIMIT %s",
                found.select(*columns),
                newest,
                RANKED,
            )
        else:
            # Many: the newest-first index, until RANKED of them matched.
            found.order, found.limit = SQL("%s DESC, %s DESC", *columns[:2]), RANKED
            candidates = found.select(*columns)
        # Words rank by how many and how close (ts_rank_cd); phrases do not rank: every
        # result holds each of them whole. A bare 0 would be ORDER BY's first column.
        rank = SQL("CAST(0 AS float)")
        if query.words:
            rank = SQL(
                "ts_rank_cd(newest.search_vector, plainto_tsquery('simple', %s))",
                query.tsquery_text(),
            )
        ranked = SQL(
            "SELECT id FROM (%s) AS newest ORDER BY %s DESC, %s LIMIT %s OFFSET %s",
            candidates,
            rank,
            newest,
            limit,
            offset,
        )
        ordered = self.browse([row[0] for row in self.env.execute_query(ranked)])
        ordered = ordered.with_context(econtract_fulltext=text)
        return [
            {
                "id": record.id,
                "archive_number": record.name,
                "contract": record.reference,
                "title": record.title,
                "rank": position,
                "snippet": record.snippet or "",
            }
            for position, record in enumerate(ordered, start=1)
        ]

    # ----------------------------------------------------------------- archiving

    @api.model
    def _enroll(self, contracts):
        """Pending records for signed ``contracts`` that have none; the job archives them."""
        # sudo: whether a record exists yet, whoever signed; records are the archive's.
        known = self.sudo().search([("contract_id", "in", contracts.ids)]).contract_id
        todo = contracts.filtered(lambda c: c.state == "signed") - known
        if not todo:
            return self.browse()
        with engine():
            # clean: the caller's default_* keys (a state, a company) are not the archive's.
            records = (
                clean(self)
                # sudo: records are the archive's, made whoever signed.
                .sudo()
                .create(
                    [
                        {"contract_id": contract.id, "signed_on": contract._econtract_signed_on()}
                        for contract in todo
                    ]
                )
            )
        # sudo: signers may not run crons; the archive's job is triggered for them.
        self.env.ref("econtract_archive.ir_cron_econtract_archive").sudo()._trigger()
        return records.with_env(self.env)

    @api.model
    def _enroll_signed_contracts(self):
        """Every signed contract without a record (the install job's and the demo's)."""
        # sudo: the install job enrols every signed contract.
        contracts = self.env["econtract.contract"].sudo().search([("state", "=", "signed")])
        return self._enroll(contracts)

    @api.model
    def _cron_archive(self, batch=20):
        """Archive pending records, each in a savepoint: one that fails (store or key server
        down, a file that cannot be read) keeps its last good state, counts the attempt and
        is retried next run; it never stops the records after it."""
        records = self.search(
            [("state", "=", "pending"), ("attempts", "<", MAX_ATTEMPTS)], order="id", limit=batch
        )
        done = self.browse()
        for record in records:
            try:
                with self.env.cr.savepoint():
                    record._archive()
                done |= record
            except Exception as exc:
                _logger.warning("archiving %s failed: %s", record.contract_id.display_name, exc)
                message = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
                with engine():
                    record.write({"attempts": record.attempts + 1, "last_error": message})
        if len(records) == batch:
            self.env.ref("econtract_archive.ir_cron_econtract_archive")._trigger()
        return done

    def action_retry(self):
        """Archive a pending record now (a manager's *Archive Now*, after fixing the store)."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only a contract manager retries archiving."))
        self.check_access("read")
        # sudo: the manager was checked above; the archive writes its own record.
        for record in self.sudo().filtered(lambda r: r.state == "pending"):
            clean(record)._archive()
        return True

    def _archive(self):
        """Number, classify, retain, index and store one record's files; then it is archived."""
        self.ensure_one()
        lock_rows(self)
        if self.state != "pending":
            return
        contract = self.contract_id.sudo()  # sudo: the archive files any signed contract
        if contract.state != "signed":
            raise UserError(
                _("%(name)s is not signed: nothing to archive.", name=contract.display_name)
            )
        request = contract._econtract_completed_request()
        signed = request.signed_document_id
        files = [("signed", signed.file_name, signed._pdf_bytes(), "application/pdf")]
        certificate = request.certificate_attachment_id
        if certificate:
            files.append(("certificate", certificate.name, certificate.raw, "application/pdf"))
        files.append(
            (
                "evidence",
                contract._evidence_file_name(),
                contract._evidence_package_now(),
                "application/zip",
            )
        )
        signed_on = self.signed_on or _now()
        # The company's calendar and language decide the year, folders and retention, not
        # UTC nor the context of whoever triggered the job.
        company = contract.company_id
        signed_date = company._econtract_date(signed_on)
        archive = self.with_context(lang=company.partner_id.lang or "en_US")
        retention_until, retention_code = archive.env["econtract.archive.policy"]._retention(
            contract, signed_date
        )
        # sudo: rules of the contract's company, whoever runs the job.
        folder = archive.env["econtract.archive.rule"].sudo()._folder_for(contract, signed_date)
        number = self._number(contract, signed_date, retention_code)
        with engine():
            self.write(
                {
                    "name": number,
                    "folder_id": folder.id,
                    "retention_until": retention_until,
                    "retention_code": retention_code,
                }
            )
        stored = self.env["econtract.archive.object"]
        for kind, file_name, data, mimetype in files:
            stored |= stored._store_file(self, kind, file_name, data, mimetype)
        self._index(contract, files[0][2])
        with engine():
            self.write({"state": "archived", "archived_on": _now(), "last_error": False})
        contract._ledger_log(
            "archived",
            {
                "archive_number": number,
                "folder": folder.complete_name,
                "retention_until": fields.Date.to_string(retention_until)
                if retention_until
                else None,
                "files": [
                    {"kind": o.kind, "name": o.file_name, "sha256": o.content_sha256}
                    for o in stored
                ],
            },
        )

    def _number(self, contract, signed_date, retention_code):
        company = contract.company_id
        department = contract.department_id
        values = {
            "fonds": company.econtract_archive_fonds or str(company.id),
            "year": str(signed_date.year),
            "type": TYPE_CODES.get(contract.contract_type, contract.contract_type.upper()),
            "retention": retention_code,
            "department": department.econtract_archive_code or department.name or "GEN",
        }
        # sudo: serials are the archive's, not the caller's.
        Serial = self.env["econtract.archive.serial"].sudo()
        return company._econtract_archive_number(
            values, lambda prefix: Serial._next(company, prefix)
        )

    def _index(self, contract, signed_pdf):
        """What search reads: numbers, title, counterparties, tags, clauses and the signed
        PDF's text, raw (trigram) and segmented (``tsvector``)."""
        parts = [
            self.name,
            contract.name,
            contract.title or "",
            " ".join(contract.partner_ids.mapped("display_name")),
            " ".join(contract.tag_ids.mapped("name")),
            contract.department_id.name or "",
        ]
        for clause in contract.clause_ids:
            parts.append(clause.title or "")
            parts.append(html2plaintext(clause.body or ""))
        parts.append(_pdf_text(signed_pdf))
        # NFKC, as queries are: full-width letters and digits match their usual forms.
        text = unicodedata.normalize("NFKC", "\n".join(part for part in parts if part))
        with engine():
            self.write({"search_text": text})
        self.flush_recordset(["search_text"])
        self.env.cr.execute(
            SQL(
                "UPDATE econtract_archive_record "
                "SET search_vector = to_tsvector('simple', %s) WHERE id = %s",
                index_words(parts),
                self.id,
            )
        )

    # ------------------------------------------------------------ reading files

    def _file(self, kind):
        """``(file name, bytes, mimetype)`` of one of the record's files, for a reader of the
        record; every read is an evidence event."""
        self.ensure_one()
        self.check_access("read")
        # sudo: the caller may read the record (checked above); its file rows follow.
        item = self.sudo().object_ids.filtered(lambda o: o.kind == kind and o.state == "stored")
        if not item:
            raise UserError(_("%(name)s has no such file in the archive.", name=self.display_name))
        data = item[:1]._read()
        # sudo: a read is evidence whoever reads; the log is written by the engine.
        self.contract_id.sudo()._ledger_log(
            "archive_downloaded",
            {
                "archive_number": self.name,
                "file": item[:1].file_name,
                "sha256": item[:1].content_sha256,
            },
        )
        return item[:1].file_name, data, item[:1].mimetype

    def download(self, kind="signed"):
        """Public API (JSON-RPC / XML-RPC): ``{"file_name", "content" (base64), "sha256"}`` of
        the record's ``signed`` PDF, ``certificate`` or ``evidence`` package, decrypted."""
        import base64

        if kind not in ("signed", "certificate", "evidence"):
            raise UserError(_("Download signed, certificate or evidence."))
        file_name, data, _mimetype = self._file(kind)
        return {
            "file_name": file_name,
            "content": base64.b64encode(data).decode(),
            "sha256": hashlib.sha256(data).hexdigest(),
        }

    def _court_bundle(self):
        """One zip for a court: the decrypted signed PDF, the signing certificate and the
        evidence package, with SHA256SUMS.txt saying how to check them offline."""
        self.ensure_one()
        self.check_access("read")
        members = [
            (item.kind, item.file_name, item._read(), item.content_sha256)
            # sudo: as in _file.
            for item in self.sudo().object_ids.filtered(lambda o: o.state == "stored")
        ]
        if not any(kind == "evidence" for kind, *_rest in members):
            raise UserError(_("%(name)s is not archived yet.", name=self.display_name))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for _kind, file_name, data, _sha in members:
                bundle.writestr(file_name, data)
            lines = [f"{sha}  {file_name}" for _kind, file_name, _data, sha in members]
            bundle.writestr("SHA256SUMS.txt", "\n".join(lines) + "\n")
        data = buffer.getvalue()
        # sudo: as in _file.
        self.contract_id.sudo()._ledger_log(
            "archive_exported",
            {"archive_number": self.name, "sha256": hashlib.sha256(data).hexdigest()},
        )
        return f"{self.name}-court.zip", data

    def action_download(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/econtract/archive/{self.id}/signed",
            "target": "self",
        }

    def action_export_court(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/econtract/archive/{self.id}/court",
            "target": "self",
        }

    # ------------------------------------------------------------ hold, disposal

    def _check_manager(self, what):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only a contract manager may %(what)s.", what=what))
        self.check_access("read")

    def action_legal_hold(self, reason):
        """Put the records under legal hold: nobody can dispose of them until released."""
        self._check_manager(_("put records under legal hold"))
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(_("Say why the records are held (a case, an audit)."))
        for record in self:
            lock_rows(record)
            if record.state == "disposed":
                raise UserError(_("%(name)s was disposed of already.", name=record.display_name))
            with engine():
                # sudo: hold columns are engine-owned; the manager was checked above.
                record.sudo().write({"legal_hold": True, "hold_reason": reason.strip()})
            record.contract_id.sudo()._ledger_log(
                "archive_held", {"archive_number": record.name, "reason": reason.strip()}
            )
        return True

    def action_release_hold(self, reason):
        self._check_manager(_("release a legal hold"))
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(_("Say why the hold ends."))
        for record in self.filtered("legal_hold"):
            lock_rows(record)
            with engine():
                # sudo: as above.
                record.sudo().write({"legal_hold": False, "hold_reason": False})
            record.contract_id.sudo()._ledger_log(
                "archive_released", {"archive_number": record.name, "reason": reason.strip()}
            )
        return True

    def _check_disposable(self):
        """Refused under legal hold, before retention ends, or twice — for everyone."""
        for record in self:
            if record.legal_hold:
                raise UserError(
                    _(
                        "%(name)s is under legal hold (%(reason)s): it cannot be disposed of.",
                        name=record.display_name,
                        reason=record.hold_reason,
                    )
                )
            if not record.retention_until:
                raise UserError(_("%(name)s is kept permanently.", name=record.display_name))
            if record.retention_until > record.company_id._econtract_date(_now()):
                raise UserError(
                    _(
                        "%(name)s is retained until %(date)s.",
                        name=record.display_name,
                        date=record.retention_until,
                    )
                )

    def action_request_disposal(self, reason):
        """Ask for the records' disposal; another manager approves it
        (`econtract.archive.disposal`)."""
        self._check_manager(_("request a disposal"))
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(_("Say why the records may be disposed of."))
        Disposal = self.env["econtract.archive.disposal"]
        requests = Disposal.browse()
        for record in self:
            lock_rows(record)
            if record.state != "archived":
                raise UserError(_("%(name)s is not an archived record.", name=record.display_name))
            record._check_disposable()
            requests |= Disposal._request(record, reason.strip())
        return requests

    def _dispose(self, disposal):
        """Forget the files' data keys and mark them destroyed (crypto-shredding, in this
        transaction); their stored bytes are deleted once it commits. The record, its
        evidence and the destruction record stay. Checked here, whoever calls, under the
        row lock."""
        self.ensure_one()
        lock_rows(self)
        if self.state != "disposal":
            raise UserError(_("%(name)s has no disposal requested.", name=self.display_name))
        self._check_disposable()
        items = self.object_ids.filtered(lambda o: o.state == "stored")
        destroyed = [{"name": o.file_name, "sha256": o.content_sha256} for o in items]
        items._destroy()
        with engine():
            self.write({"state": "disposed", "search_text": False})
        self.env.cr.execute(
            "UPDATE econtract_archive_record SET search_vector = NULL WHERE id = %s", (self.id,)
        )
        self.contract_id._ledger_log(
            "archive_disposed",
            {
                "archive_number": self.name,
                "requested_by": disposal.requested_by.name,
                "approved_by": self.env.user.name,
                "files": destroyed,
            },
        )
        return destroyed

    @api.model
    def _cron_retention(self):
        """Records past retention (not held): an activity for the managers to review them."""
        due = self.search([("retention_due", "=", True), ("activity_ids", "=", False)])
        managers = self.env.ref(MANAGER).users
        for record in due:
            company = record.company_id
            user = managers.filtered(lambda u, company=company: company in u.company_ids)[:1]
            if user:
                record.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Retention ended: review for disposal"),
                    user_id=user.id,
                )
        return due

    def _scrub_report(self, item, finding):
        self.message_post(
            body=_(
                "Scrub: %(file)s is %(outcome)s (%(detail)s).",
                file=item.file_name,
                outcome=finding.outcome.value,
                detail=finding.detail,
            )
        )


def _pdf_text(data):
    """The text of a PDF's pages (for the index); empty when it has none or cannot be read."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:
        _logger.warning("no text from a signed PDF (%s): %s", type(exc).__name__, exc)
        return ""
