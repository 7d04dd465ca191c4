"""Contract HTML to PDF, with the page furniture a contract needs.

WeasyPrint lays out the HTML with CSS paged media: A4 pages, the contract number in the
running header of every page, and "第 N 页 / 共 M 页" (or "Page N of M") in the footer, with
the fonts subset and embedded. It was chosen over the alternatives measured on Debian:
wkhtmltopdf (unpatched Qt) ignores header and footer HTML and maps CJK ideographs to Kangxi
radicals in the text layer, so extracted text no longer matches; reportlab cannot load
Debian's Noto CJK fonts (CFF outlines).

Rendering is closed to the outside world: a template may only use ``data:`` URLs and the
resources the caller passes in by name (``resource:logo``); any other URL — a local file, a
network address — stops the rendering with a `RenderError`, so template authors can neither
read the server's files nor make it send requests.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pypdf

# WeasyPrint logs every step of its work (already while importing: it parses its default
# stylesheets) and layout problems as warnings; only its errors belong in our logs.
logging.getLogger("weasyprint").setLevel(logging.ERROR)

from weasyprint import CSS, HTML  # noqa: E402  (after quietening its logger)
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

from econtract.errors import RenderError  # noqa: E402

__all__ = ["PLACE_PREFIX", "PageLayout", "Place", "RenderedPdf", "Resource", "render_pdf"]

#: Elements whose ``id`` starts with this are reported as `Place`s: where signatures go.
PLACE_PREFIX = "sign-"
#: CSS pixels (1/96 in) to PDF points (1/72 in).
_PX_TO_PT = 0.75

_FOOTERS = {
    "zh": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
    "en": '"Page " counter(page) " of " counter(pages)',
}
_REFERENCE_LABELS = {"zh": "合同编号：", "en": "Contract No. "}


@dataclass(frozen=True)
class PageLayout:
    """How every page of a contract looks, whatever the template puts in its body."""

    reference: str
    """The contract number, printed in the header of every page."""
    language: Literal["zh", "en"] = "zh"
    """Language of the page furniture (header label, page numbers)."""
    size: str = "A4"
    """A CSS page size."""
    margin: str = "25mm 20mm 22mm 20mm"
    """CSS page margins; the header and footer live in them."""
    fonts: tuple[str, ...] = ("Noto Serif CJK SC", "Noto Sans CJK SC", "serif")
    """Font families, first match wins; CJK fonts cover Latin text too."""

    def stylesheet(self) -> str:
        families = ", ".join(_css_string(f) if " " in f else f for f in self.fonts)
        header = _css_string(_REFERENCE_LABELS[self.language] + self.reference)
        return f"""
            @page {{
                size: {self.size};
                margin: {self.margin};
                @top-right {{ content: {header}; font-size: 9pt; color: #555; }}
                @bottom-center {{ content: {_FOOTERS[self.language]}; font-size: 9pt; }}
            }}
            html {{ font-family: {families}; font-size: 11pt; line-height: 1.6; }}
        """


@dataclass(frozen=True)
class Resource:
    """A file a template may use by name, such as a logo or a seal image."""

    data: bytes
    media_type: str
    """MIME type, e.g. ``image/png``."""


@dataclass(frozen=True)
class Place:
    """Where an element of the rendered document ended up: a signature block, typically.

    Signature fields are created over the blocks the template drew for them, so a drawn
    signature or a seal lands on the line it belongs to, on whatever page layout put it.
    """

    page: int
    """0-based page index."""
    box: tuple[float, float, float, float]
    """x1, y1, x2, y2 in PDF points from the page's bottom left, as signature fields take."""


@dataclass(frozen=True)
class RenderedPdf:
    """A rendered document and what identifies it."""

    data: bytes
    """The PDF file."""
    sha256: str
    """Hex SHA-256 of ``data``: the identity of this document version."""
    page_count: int
    places: Mapping[str, Place] = field(default_factory=dict)
    """The elements whose id starts with `PLACE_PREFIX`, by id."""


class _ClosedFetcher(URLFetcher):  # type: ignore[misc]  # URLFetcher is untyped
    """Serves ``data:`` URLs and named resources; anything else stops the rendering."""

    def __init__(self, resources: Mapping[str, Resource]) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.resources = resources

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("resource:"):
            resource = self.resources.get(url.removeprefix("resource:"))
            if resource is None:
                raise FatalURLFetchingError(f"unknown resource {url!r}")
            return URLFetcherResponse(
                url, resource.data, headers={"Content-Type": resource.media_type}
            )
        if url.startswith("data:"):
            return super().fetch(url, headers)
        raise FatalURLFetchingError(
            f"the template may not load {url!r}: only data: URLs and resource: names are allowed"
        )


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal; escapes keep user text from closing it."""
    escaped = "".join(
        ch if ch.isprintable() and ch not in '"\\' else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def render_pdf(
    html: str, layout: PageLayout, *, resources: Mapping[str, Resource] | None = None
) -> RenderedPdf:
    """Render contract HTML into a PDF with ``layout``'s page furniture.

    :raises RenderError: when the HTML reaches for a resource it may not load, or cannot
        be laid out.
    """
    fetcher = _ClosedFetcher(dict(resources or {}))
    try:
        document = HTML(string=html, url_fetcher=fetcher, base_url="resource:").render(
            stylesheets=[CSS(string=layout.stylesheet(), url_fetcher=fetcher)]
        )
        data = document.write_pdf()
    except FatalURLFetchingError as exc:
        raise RenderError(str(exc)) from None
    except (ValueError, TypeError, LookupError, OSError) as exc:
        raise RenderError(f"the document could not be rendered: {exc}") from exc
    if not isinstance(data, bytes):
        raise RenderError("the renderer produced no PDF")
    page_count = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    return RenderedPdf(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=page_count,
        places=_places(document.pages),
    )


def _places(pages: list[Any]) -> dict[str, Place]:
    """The `PLACE_PREFIX` anchors of WeasyPrint's pages, flipped into PDF coordinates."""
    places = {}
    for index, page in enumerate(pages):
        height = page.height * _PX_TO_PT
        for name, (x1, y1, x2, y2) in page.anchors.items():
            if name.startswith(PLACE_PREFIX) and name not in places:
                box = (
                    round(x1 * _PX_TO_PT, 2),
                    round(height - y2 * _PX_TO_PT, 2),
                    round(x2 * _PX_TO_PT, 2),
                    round(height - y1 * _PX_TO_PT, 2),
                )
                places[name] = Place(index, box)
    return places
