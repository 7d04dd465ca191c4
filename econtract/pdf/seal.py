"""Electronic seal images (电子印章) and the strips of a cross-page seal (骑缝章).

The generated seal follows the look of a Chinese company seal: a red ring, a five-pointed
star in the middle, the company name along the upper arc, reading clockwise from the lower
left, and optionally a line of text (e.g. 合同专用章) under the star. It is drawn at high
resolution on a transparent background so that the text under it stays visible.

A cross-page seal is one seal image cut into vertical strips, one per page, placed at the
right edge of each page at the same height: fanned out, the pages show the whole seal, and
a page swapped out of the contract breaks it.
"""

from __future__ import annotations

import math
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from econtract.errors import RenderError
from econtract.pdf.fonts import cjk_font_collection

__all__ = ["SEAL_RED", "render_seal", "split_strips"]

SEAL_RED = (214, 0, 15, 235)


def _star(center: tuple[float, float], radius: float) -> list[tuple[float, float]]:
    cx, cy = center
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def render_seal(holder: str, *, subtitle: str = "", size: int = 600) -> Image.Image:
    """The round seal of ``holder`` as an RGBA image ``size`` pixels square."""
    name = holder.strip()
    if not name:
        raise RenderError("a seal needs the name of its holder")
    if len(name) > 40:
        raise RenderError("the holder's name is too long for a seal (40 characters at most)")
    path, index = cjk_font_collection("Bold")
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ring = size * 0.035
    margin = ring / 2 + 2
    draw.ellipse(
        (margin, margin, size - margin, size - margin), outline=SEAL_RED, width=round(ring)
    )
    center = (size / 2, size / 2)
    draw.polygon(_star(center, size * 0.16), fill=SEAL_RED)

    # The name along the upper arc: 210° of circle, characters upright to the centre.
    count = len(name)
    span = math.radians(min(250.0, 40.0 + 16.0 * count))
    glyph = size * min(0.13, 0.9 * span * 0.36 / count)
    font = ImageFont.truetype(str(path), round(glyph), index=index)
    radius = size / 2 - ring * 2 - glyph * 0.62
    start = -math.pi / 2 - span / 2
    for i, char in enumerate(name):
        angle = start + span * (i + 0.5) / count
        cell = Image.new("RGBA", (round(glyph * 1.4), round(glyph * 1.4)), (0, 0, 0, 0))
        ImageDraw.Draw(cell).text(
            (cell.width / 2, cell.height / 2), char, font=font, fill=SEAL_RED, anchor="mm"
        )
        cell = cell.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = center[0] + radius * math.cos(angle) - cell.width / 2
        y = center[1] + radius * math.sin(angle) - cell.height / 2
        image.alpha_composite(cell, (round(x), round(y)))
    if subtitle:
        small = ImageFont.truetype(str(path), round(size * 0.075), index=index)
        draw.text((size / 2, size * 0.72), subtitle, font=small, fill=SEAL_RED, anchor="mm")
    return image


def split_strips(seal: Image.Image, pages: int) -> list[Image.Image]:
    """``seal`` cut into ``pages`` vertical strips of equal width, left to right."""
    if pages < 1:
        raise RenderError("a cross-page seal needs at least one page")
    edges = [round(seal.width * i / pages) for i in range(pages + 1)]
    return [seal.crop((edges[i], 0, edges[i + 1], seal.height)) for i in range(pages)]


def png(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
