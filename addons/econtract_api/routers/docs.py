"""The API's browsable reference, from its own OpenAPI document, with nothing from a CDN.

FastAPI's /docs page loads Swagger UI from a CDN: third-party code in Odoo's origin, and a
blank page on a server without internet. This page is a few lines of HTML and one script
served by Odoo from this addon, which reads ``openapi.json`` and writes it out as text.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>econtract API</title>
<link rel="stylesheet" href="/econtract_api/static/src/api_docs.css">
</head>
<body>
<main id="api-docs" data-openapi="openapi.json"><p class="loading">Loading…</p></main>
<script src="/econtract_api/static/src/api_docs.js"></script>
</body>
</html>
"""


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """The reference page: every operation, its parameters, bodies and answers."""
    return HTMLResponse(
        PAGE,
        headers={
            # Only this server's own script and style; nothing inline, nothing elsewhere.
            "Content-Security-Policy": "default-src 'none'; script-src 'self'; "
            "style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )
