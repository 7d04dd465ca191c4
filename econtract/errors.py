"""The one exception hierarchy of the econtract library.

Callers (the Odoo addons, the CLI) catch `EContractError` in one place and turn it into a
user-facing message; no bare builtin exception escapes the public API.
"""

__all__ = [
    "AmountError",
    "EContractError",
    "LedgerError",
    "MissingValuesError",
    "RenderError",
    "TemplateError",
]


class EContractError(Exception):
    """Base class of every error raised on purpose by the econtract library."""


class AmountError(EContractError, ValueError):
    """An amount cannot be written or read as requested.

    Raised for values with fractions of a cent, values beyond the largest amount Chinese
    capital numerals express here, and text that is not a well-formed capital amount.
    """


class RenderError(EContractError):
    """A document could not be rendered to PDF.

    Raised for templates that reach for resources outside what the caller provided (files,
    network addresses) and for HTML or CSS the renderer cannot lay out.
    """


class TemplateError(EContractError):
    """Contract text has a placeholder that is malformed, unknown, or cannot be formatted.

    Placeholders name a variable and at most a format (``{{ amount|capital }}``); anything
    else — attribute access, calls, operators — is refused rather than evaluated.
    """


class MissingValuesError(TemplateError):
    """Required variables have no value; ``names`` lists every one of them."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__("missing values for: " + ", ".join(names))


class LedgerError(EContractError):
    """The evidence log, a proof, a tree head or an evidence package is not what it claims.

    Subclasses say which: a malformed or failing proof, a tree head whose signature does not
    verify, a value that has no canonical encoding, a package that does not check out.
    """
