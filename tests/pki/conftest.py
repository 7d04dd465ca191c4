"""A real SoftHSM2 token and the platform PKI on it, served over loopback HTTP.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the module is first initialised, so the fixture points
it at a private token directory before anything loads the module; every test session gets a
new token, a new root CA and its own PKI service on a free port.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from devenv import free_port, init_token, softhsm_config, softhsm_module

from econtract.pdf.sign import TokenSigner
from econtract.pki.events import issue_event_signer
from econtract.pki.platform import Platform, PlatformConfig, initialise
from econtract.pki.service import PkiService, serve
from econtract.pki.token import TokenConfig

USER_PIN = "246810"


#: The session's tokens. SoftHSM2 lists its slots once, when the module is initialised, so
#: every token a test needs is created up front rather than by the test.
TOKENS = (
    "econtract-test", "token-tests", "pin-tests", "cli-tests", "batch-tests", "other-tests",
    "kek-tests",
)  # fmt: skip


def person(platform: Platform, name: str = "张伟") -> TokenSigner:
    """A signer with an event certificate for ``name``, as the signing flows issue them."""
    return issue_event_signer(
        platform, name=name, identity="test:identity", contract_reference="EC2026-TEST"
    )


def token_config(label: str) -> TokenConfig:
    assert label in TOKENS, f"add {label!r} to TOKENS"
    return TokenConfig(softhsm_module(), label, f"pin:{USER_PIN}")


@pytest.fixture(scope="session")
def softhsm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("softhsm")
    conf = softhsm_config(directory)
    for label in TOKENS:
        init_token(conf, label, so_pin="13579135", user_pin=USER_PIN)
    os.environ["SOFTHSM2_CONF"] = str(conf)
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
