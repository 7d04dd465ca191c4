from pathlib import Path

import pytest

from econtract.files import write_atomically


def test_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "contract.pdf"
    target.write_bytes(b"old")
    write_atomically(target, "新".encode() * 1000)
    assert target.read_bytes() == "新".encode() * 1000
    assert [p.name for p in tmp_path.iterdir()] == ["contract.pdf"]


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "contract.pdf"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["contract.pdf"]
