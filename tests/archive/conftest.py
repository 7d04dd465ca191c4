"""Real servers on loopback for the archive's core: moto's S3 server and PyKMIP's KMIP server.

Each starts once per test session on a free port, from the packages in the virtualenv, and
is stopped at the end; a test that needs one "down" stops its own instance.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from devenv import free_port, stop_process_group

from econtract.crypto.kmip import KmipConfig
from econtract.crypto.kmip_dev import write_dev_kmip


def _wait_for(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"{what} did not start on port {port}") from None
            time.sleep(0.1)


def start_s3(port: int) -> subprocess.Popen[bytes]:
    proc = spawn([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)])
    _wait_for(port, proc, "the S3 server (moto)")
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by `spawn` with whatever it forked."""
    stop_process_group(proc)


def spawn(command: list[str]) -> subprocess.Popen[bytes]:
    """A server in its own process group, silent, for `stop` to end whole."""
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    proc = start_s3(port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def s3_options(endpoint: str) -> dict[str, object]:
    """What an S3 store needs to talk to ``endpoint`` (moto accepts any credentials)."""
    return {
        "endpoint_url": endpoint,
        "key": "econtract-test",
        "secret": "econtract-test-secret",
        "config_kwargs": {"connect_timeout": 2, "retries": {"max_attempts": 1}},
        "skip_instance_cache": True,
    }


def start_kmip(directory: Path) -> tuple[subprocess.Popen[bytes], KmipConfig]:
    port = free_port()
    dev = write_dev_kmip(directory, port)
    server = Path(sys.executable).with_name("pykmip-server")
    proc = spawn([str(server), "-f", str(dev.server_conf), "-l", str(directory / "server.log")])
    _wait_for(port, proc, "the KMIP server (PyKMIP)")
    return proc, dev.client


@pytest.fixture(scope="session")
def kmip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KmipConfig]:
    proc, config = start_kmip(tmp_path_factory.mktemp("kmip"))
    yield config
    stop(proc)
