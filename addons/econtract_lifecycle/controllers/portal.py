from markupsafe import Markup

from odoo import _, _lt, http
from odoo.exceptions import UserError
from odoo.http import request


class NegotiationPortal(http.Controller):
    """The page a counterparty contact negotiates a draft on, reached by its link.

    The link's token is the only credential: every route checks it in constant time and
    answers 404 for anything else, so the token of one negotiation opens nothing of
    another's — a clause of another contract sent with it is refused, and nothing changes.
    Work is done as superuser because visitors are public users without rights on
    contracts; each route does only what the token's contact may do (read the draft's
    clauses, propose).
    """

    MESSAGES = {"sent": _lt("Thank you: your proposal was sent to the owner of the draft.")}

    def _negotiation(self, negotiation_id, token):
        # sudo: the token checked below is the visitor's authority; see the class docstring.
        negotiation = request.env["econtract.negotiation"].sudo().browse(negotiation_id).exists()
        if not negotiation or not negotiation._check_token(token):
            raise request.not_found()
        return negotiation

    def _page(self, negotiation, token, message=None, error=None):
        contract = negotiation.contract_id
        return request.render(
            "econtract_lifecycle.negotiation_page",
            {
                "res_company": contract.company_id,
                "negotiation": negotiation,
                "contract": contract,
                # The round as shared (its SHA-256 is evidence), not the live draft.
                "clauses": negotiation.round_id.clauses or [],
                "Markup": Markup,
                "proposals": negotiation.proposal_ids,
                "token": token,
                "message": message,
                "error": error,
            },
        )

    @http.route(
        "/econtract/negotiate/<int:negotiation_id>/<string:token>",
        type="http",
        auth="public",
        website=False,
    )
    def page(self, negotiation_id, token, notice=None, **_kwargs):
        negotiation = self._negotiation(negotiation_id, token)
        message = self.MESSAGES.get(notice)
        return self._page(negotiation, token, message=str(message) if message else None)

    @http.route(
        "/econtract/negotiate/<int:negotiation_id>/<string:token>/propose",
        type="http",
        auth="public",
        methods=["POST"],
        website=False,
    )
    def propose(self, negotiation_id, token, clause_id="", comment="", wording="", **_kwargs):
        negotiation = self._negotiation(negotiation_id, token)
        try:
            clause = int(clause_id)
        except (TypeError, ValueError):
            return self._page(negotiation, token, error=_("Choose a clause of this draft."))
        try:
            negotiation._propose(clause, comment, wording)
        except UserError as error:  # checked before anything is written
            return self._page(negotiation, token, error=str(error))
        return request.redirect(f"/econtract/negotiate/{negotiation.id}/{token}?notice=sent")
