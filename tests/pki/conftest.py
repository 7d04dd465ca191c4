"""A real SoftHSM2 token and the platform PKI on it, served over loopback HTTP.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the module is first initialised, so the fixture points
it at a private token directory before anything loads the module; every test session gets a
new token, a new root CA and its own PKI service on a free port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from econtract.pki.platform import Platform, PlatformConfig, initialise
from econtract.pki.service import PkiService, serve
from econtract.pki.token import TokenConfig

SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
USER_PIN = "246810"


def softhsm_module() -> str:
    for path in SOFTHSM_MODULES:
        if Path(path).exists():
            return path
    pytest.fail("SoftHSM2 is not installed (make test installs the softhsm2 package)")


#: The session's tokens. SoftHSM2 lists its slots once, when the module is initialised, so
#: every token a test needs is created up front rather than by the test.
TOKENS = ("econtract-test", "token-tests", "pin-tests", "cli-tests", "batch-tests", "other-tests")


def token_config(label: str) -> TokenConfig:
    assert label in TOKENS, f"add {label!r} to TOKENS"
    return TokenConfig(softhsm_module(), label, f"pin:{USER_PIN}")


def _init_token(directory: Path, label: str) -> None:
    subprocess.run(
        [
            shutil.which("softhsm2-util") or "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            "13579135",
            "--pin",
            USER_PIN,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "SOFTHSM2_CONF": str(directory / "softhsm2.conf")},
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def softhsm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    (directory / "softhsm2.conf").write_text(
        f"directories.tokendir = {directory / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
    )
    for label in TOKENS:
        _init_token(directory, label)
    os.environ["SOFTHSM2_CONF"] = str(directory / "softhsm2.conf")
    return directory


@pytest.fixture(scope="session")
def pki(
    softhsm_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Platform, str]]:
    """The platform PKI and the base URL of its running service."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = PlatformConfig(
        state_dir=str(tmp_path_factory.mktemp("pki")),
        base_url=base_url,
        token=token_config("econtract-test"),
        organisation="econtract 测试平台",
        seal_holder="上海星河贸易有限公司",
    )
    platform = initialise(config)
    server = serve(PkiService(platform), port=port)
    yield platform, base_url
    server.shutdown()
