"""PDF production and inspection for contracts."""

from .render import PageLayout, Place, RenderedPdf, Resource, render_pdf

__all__ = ["PageLayout", "Place", "RenderedPdf", "Resource", "render_pdf"]
