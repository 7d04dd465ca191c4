import hashlib
from datetime import timedelta

from odoo import _, api, fields, models

#: Uploads one visitor may have checked in `WINDOW`.
LIMIT = 10
WINDOW = timedelta(minutes=10)


class EcontractSignVerification(models.Model):
    """One use of the public verification page, kept to limit how often a visitor may use it.

    Validating a PDF costs real work (every signature's certificates and time stamps), and
    the page is open to everyone: each visitor (by a hash of their address, never the
    address) gets `LIMIT` checks per `WINDOW`.
    """

    _name = "econtract.sign.verification"
    _description = "Public Verification"
    _order = "id desc"

    client = fields.Char(required=True, readonly=True, index=True, help="SHA-256 of the address.")
    file_sha256 = fields.Char(string="File SHA-256", readonly=True)

    @api.model
    def _client(self, address):
        key = self.env["econtract.signer"]._code_key()
        return hashlib.sha256(key + (address or "").encode()).hexdigest()

    @api.model
    def _claim(self, address, data):
        """Count a check of ``data`` by the visitor at ``address`` before it is made, and
        say whether it may be made (`LIMIT` per `WINDOW`).

        The count and the new row are written on a cursor of their own, committed at once
        and serialised per visitor by an advisory lock: concurrent uploads cannot all pass
        the same count, and a check that fails or raises later is counted all the same.
        """
        client = self._client(address)
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT pg_advisory_xact_lock(%s)", (int(client[:15], 16),))
            cr.execute(
                "SELECT count(*) FROM econtract_sign_verification "
                "WHERE client = %s AND create_date >= (now() at time zone 'UTC') - %s",
                (client, WINDOW),
            )
            if cr.fetchone()[0] >= LIMIT:
                return False
            cr.execute(
                "INSERT INTO econtract_sign_verification "
                "(client, file_sha256, create_date, write_date) "
                "VALUES (%s, %s, now() at time zone 'UTC', now() at time zone 'UTC')",
                (client, hashlib.sha256(data).hexdigest()),
            )
        return True

    @api.model
    def _verify(self, data):
        """The validation report of ``data`` in plain words, and the contract it is, if any.

        Nothing is fetched: certificates and revocation data must come from the file itself
        (as a PAdES B-LTA file carries them), so a visitor's file cannot make the server
        send requests to addresses it names.
        """
        from econtract.errors import EContractError
        from econtract.pdf.validate import validate_pdf

        sha256 = hashlib.sha256(data).hexdigest()
        published = self.env["econtract.platform"]._published()
        try:
            report = validate_pdf(data, [published.root], allow_fetching=False, embedded=True)
            problem = None
        except EContractError as error:
            report, problem = None, str(error)
        # sudo: the file's hash names the contract it is the signed version of; whoever
        # holds the file already knows its content.
        document = (
            self.env["econtract.contract.document"]
            .sudo()
            .search([("sha256", "=", sha256), ("kind", "=", "signed")], limit=1)
        )
        return {
            "sha256": sha256,
            "report": report,
            "problem": problem,
            "signatures": [self._describe(s) for s in report.signatures] if report else [],
            "document_problems": [self._problem_text(p) for p in report.problems] if report else [],
            "document": document,
        }

    @api.model
    def _problem_text(self, problem):
        """The validator's ``problem`` (an English sentence of `econtract.pdf.validate`) in
        the visitor's language: its known beginning translated, a technical detail after it
        (an algorithm, a certificate path error) kept as it is."""
        known = [
            ("the signed bytes were changed", _("The signed content was changed.")),
            (
                "the signature value is invalid or uses a refused algorithm",
                _("The signature value is invalid or uses an algorithm that is not accepted."),
            ),
            ("the signer's certificate is revoked", _("The signer's certificate is revoked.")),
            (
                "the signature uses a refused algorithm",
                _("The signature uses an algorithm or a key that is too weak."),
            ),
            (
                "the signer's certificate is not trusted",
                _("The signer's certificate was not issued by a trusted authority."),
            ),
            (
                "the signer's certificate is not for signing documents",
                _("The signer's certificate may not sign documents."),
            ),
            (
                "changes after the certification signature break",
                _("Changes made after the certifying signature are not allowed by it."),
            ),
            (
                "the document was changed after this signature",
                _("The document was changed after this signature."),
            ),
            (
                "the last signature does not cover the whole file",
                _("The last signature does not cover the whole file."),
            ),
            (
                "the signature time stamp is not valid",
                _("The signature's time stamp is not valid or not trusted."),
            ),
            ("the signature has no time stamp", _("The signature has no time stamp.")),
            ("the document time stamp is invalid", _("The archive time stamp is not valid.")),
            (
                "the document time stamp's authority is not trusted",
                _("The archive time stamp's authority is not trusted."),
            ),
            (
                "the document was changed after its document time stamp",
                _("The document was changed after its archive time stamp."),
            ),
            ("the document has no signature", _("The document has no signature.")),
            (
                "the document carries no validation data",
                _(
                    "The document does not carry the data needed to check it on its own "
                    "(PAdES B-LT or B-LTA)."
                ),
            ),
            ("the signature cannot be examined", _("This signature cannot be examined.")),
        ]
        for start, text in known:
            if problem.startswith(start):
                detail = problem[len(start) :].strip(" :()")
                return f"{text} ({detail})" if detail and ":" in problem[len(start) :] else text
        return problem

    @api.model
    def _describe(self, signature):
        """One signature in a sentence or two a non-specialist can act on."""
        when = signature.timestamp or signature.signing_time
        when_text = when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else _("unknown time")
        if signature.kind == "document time stamp":
            title = _("Archive time stamp of %(when)s", when=when_text)
            summary = _("It seals the file and the data needed to check it in the future.")
        else:
            title = _("Signed by %(signer)s at %(when)s", signer=signature.signer, when=when_text)
            if signature.passed:
                summary = _(
                    "The document has not been changed since this signature, and the "
                    "signer's certificate was issued by a trusted authority."
                )
            else:
                summary = _("This signature cannot be relied on:")
        return {
            "title": title,
            "summary": summary,
            "passed": signature.passed,
            "problems": [self._problem_text(problem) for problem in signature.problems],
        }

    @api.autovacuum
    def _gc_verifications(self):
        self.search([("create_date", "<", fields.Datetime.now() - timedelta(days=1))]).unlink()
