"""The CJK font that signature appearances embed: Noto Sans CJK SC, as a single OpenType file.

Debian ships Noto CJK as TrueType collections (``.ttc``) holding the Japanese, Korean,
Simplified and Traditional Chinese faces; pyHanko's font embedding reads single fonts only.
The Simplified Chinese face is extracted once into the user's cache and reused; only the
glyphs an appearance uses are embedded (subset) in each PDF.
"""

from __future__ import annotations

import os
from functools import cache
from io import BytesIO
from pathlib import Path

from econtract.errors import RenderError
from econtract.files import write_atomically

__all__ = ["FONT_DIRECTORIES", "cjk_font", "cjk_font_collection"]

FONT_DIRECTORIES = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/local/share/fonts"),
)
_FACE = "Noto Sans CJK SC"


def cjk_font_collection(weight: str = "Regular") -> tuple[Path, int]:
    """``(file, face index)`` of Noto Sans CJK SC in ``weight`` (Regular or Bold)."""
    from fontTools.ttLib import TTCollection

    full_name = _FACE if weight == "Regular" else f"{_FACE} {weight}"
    for directory in FONT_DIRECTORIES:
        for path in sorted(directory.glob(f"NotoSansCJKsc-{weight}.otf")):
            return path, 0
        for path in sorted(directory.glob(f"NotoSansCJK-{weight}.ttc")):
            collection = TTCollection(str(path), lazy=True)
            for index, font in enumerate(collection.fonts):
                if font["name"].getDebugName(4) == full_name:
                    return path, index
    raise RenderError(
        f"no {full_name} font found in {', '.join(map(str, FONT_DIRECTORIES))}: "
        "install fonts-noto-cjk"
    )


@cache
def cjk_font(weight: str = "Regular") -> Path:
    """A single-font OpenType file of Noto Sans CJK SC (extracted once into the cache)."""
    from fontTools.ttLib import TTFont

    source, index = cjk_font_collection(weight)
    if source.suffix == ".otf":
        return source
    cache_dir = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "econtract"
    target = cache_dir / "fonts" / f"NotoSansCJKsc-{weight}.otf"
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    extracted = BytesIO()
    TTFont(str(source), fontNumber=index).save(extracted)
    write_atomically(target, extracted.getvalue())
    return target
