"""Where signature fields go: over the signature blocks the contract template drew.

The renderer reports each party's block (`econtract.pdf.render.Place`); this module lays
the fields out inside them, as ink would go on paper: a party's signatories side by side on
its signatory line, the company seal over the seal line of the first party's block. Fields
with no block (a signer of no party, a document rendered before blocks were located) go in
a row at the foot of the last page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .render import Place
from .sign import SignatureField

__all__ = ["FALLBACK_ROW", "SEAL_BOX", "SIGNATURE_ROW", "lay_out_fields"]

#: The foot of an A4 page, above the footer (x1, y1, x2, y2 in points).
FALLBACK_ROW = (60.0, 70.0, 535.0, 150.0)
#: Within a block (about 220 x 97 pt: name, seal, signature and date lines), from its left
#: and top edges: the seal over the seal line, the signatures over the signatory line.
SEAL_BOX = (110.0, -96.0, 200.0, -6.0)
SIGNATURE_ROW = (70.0, -90.0, 215.0, -42.0)


Box = tuple[float, float, float, float]


def _in_block(block: Place, relative: Box) -> Box:
    left, bottom, right, top = relative
    x1, y2 = block.box[0], block.box[3]
    return (x1 + left, y2 + bottom, x1 + right, y2 + top)


def lay_out_fields(
    blocks: Mapping[str, Place],
    signers: Sequence[tuple[str, str | None]],
    seal: str | None = None,
    seal_block: str | None = None,
) -> list[SignatureField]:
    """Signature fields for ``signers`` (``(field name, block id or None)``, in order) and
    the ``seal`` field (over ``seal_block``), each inside its block when the document has it.
    """
    fields: list[SignatureField] = []
    loose: list[str] = []
    by_block: dict[str, list[str]] = {}
    for name, block in signers:
        if block is not None and block in blocks:
            by_block.setdefault(block, []).append(name)
        else:
            loose.append(name)
    for block, names in by_block.items():
        x1, y1, x2, y2 = _in_block(blocks[block], SIGNATURE_ROW)
        width = (x2 - x1) / len(names)
        for position, name in enumerate(names):
            start = x1 + position * width
            fields.append(SignatureField(name, blocks[block].page, (start, y1, start + width, y2)))
    if seal is not None and seal_block is not None and seal_block in blocks:
        box = _in_block(blocks[seal_block], SEAL_BOX)
        fields.append(SignatureField(seal, blocks[seal_block].page, box))
    elif seal is not None:
        loose.append(seal)
    if loose:
        x1, y1, x2, y2 = FALLBACK_ROW
        width = (x2 - x1) / len(loose)
        for position, name in enumerate(loose):
            start = x1 + position * width
            fields.append(SignatureField(name, -1, (start + 2, y1, start + width - 2, y2)))
    return fields
