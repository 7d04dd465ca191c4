import pytest

from econtract.pdf import Place
from econtract.pdf.placement import FALLBACK_ROW, lay_out_fields

BLOCKS = {
    "sign-party-0": Place(1, (57.0, 300.0, 278.0, 397.0)),
    "sign-party-1": Place(1, (278.0, 300.0, 499.0, 397.0)),
}


def inside(box: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return outer[0] <= box[0] < box[2] <= outer[2] and outer[1] <= box[1] < box[3] <= outer[3]


def test_signers_share_their_party_block_and_the_seal_sits_on_the_first() -> None:
    fields = lay_out_fields(
        BLOCKS,
        [("a", "sign-party-1"), ("b", "sign-party-1"), ("c", "sign-party-0")],
        seal="seal",
        seal_block="sign-party-0",
    )
    by_name = {field.name: field for field in fields}
    assert set(by_name) == {"a", "b", "c", "seal"}
    for name, block in (("a", "sign-party-1"), ("b", "sign-party-1"), ("c", "sign-party-0")):
        assert by_name[name].page == 1
        assert inside(by_name[name].box, BLOCKS[block].box), name
    # Side by side, in order, without overlapping.
    assert by_name["a"].box[2] == pytest.approx(by_name["b"].box[0])
    assert inside(by_name["seal"].box, BLOCKS["sign-party-0"].box)


def test_without_a_block_fields_go_to_the_foot_of_the_last_page() -> None:
    fields = lay_out_fields({}, [("a", "sign-party-1"), ("b", None)], seal="seal", seal_block="x")
    assert [field.name for field in fields] == ["a", "b", "seal"]
    row = (FALLBACK_ROW[0], FALLBACK_ROW[1], FALLBACK_ROW[2], FALLBACK_ROW[3])
    for field in fields:
        assert field.page == -1 and inside(field.box, row)
    assert fields[0].box[2] < fields[1].box[0] < fields[1].box[2] < fields[2].box[0]
