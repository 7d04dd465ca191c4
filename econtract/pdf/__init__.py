"""PDF production and inspection for contracts."""

from .render import PageLayout, RenderedPdf, Resource, render_pdf

__all__ = ["PageLayout", "RenderedPdf", "Resource", "render_pdf"]
