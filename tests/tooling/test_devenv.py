"""The tooling's own decisions, tested against real files, a real HTTP server and PostgreSQL."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import devenv
import pytest

RELEASE_18 = "version_info = (18, 0, 0, FINAL, 0, '')\n"


def make_tree(path: Path, release: str = RELEASE_18) -> Path:
    (path / "odoo").mkdir(parents=True)
    (path / "odoo" / "release.py").write_text(release)
    (path / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    return path


def archive_of(tree: Path, top: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(tree, arcname=top)
    return buffer.getvalue()


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ----------------------------------------------------------------- Odoo tree resolution


def test_odoo_src_wins(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "src")
    make_tree(tmp_path / "cache" / "econtract" / "odoo-18.0")
    env = {"ODOO_SRC": str(tree), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert devenv.resolve_odoo_tree(env) == tree.resolve()


@pytest.mark.parametrize(
    "release", [None, "version_info = (17, 0, 0, FINAL, 0, '')\n", "garbage\n"]
)
def test_bad_odoo_src_is_an_error_naming_it(tmp_path: Path, release: str | None) -> None:
    src = tmp_path / "src"
    if release is None:
        src.mkdir()
    else:
        make_tree(src, release)
    env = {"ODOO_SRC": str(src), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    with pytest.raises(devenv.SetupError, match=rf"ODOO_SRC={src} is not an Odoo 18\.0"):
        devenv.resolve_odoo_tree(env)


def test_cache_is_used_without_odoo_src(tmp_path: Path) -> None:
    cache = make_tree(tmp_path / "econtract" / "odoo-18.0")
    assert devenv.resolve_odoo_tree({"XDG_CACHE_HOME": str(tmp_path)}) == cache


def test_cache_defaults_to_home(tmp_path: Path) -> None:
    expected = tmp_path / ".cache" / "econtract" / "odoo-18.0"
    assert devenv.odoo_cache_dir({"HOME": str(tmp_path)}) == expected


def test_download_fills_the_cache(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    tree = make_tree(tmp_path / "upstream")
    (site / "odoo.tar.gz").write_bytes(archive_of(tree, "odoo-18.0.post20261130"))
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    with serve(site) as base:
        found = devenv.resolve_odoo_tree(env, url=f"{base}/odoo.tar.gz")
    assert found == tmp_path / "cache" / "econtract" / "odoo-18.0"
    assert devenv.is_odoo18_tree(found)
    assert [p.name for p in found.parent.iterdir()] == ["odoo-18.0"]  # no leftovers


def test_download_of_a_wrong_archive_leaves_no_cache(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "README").write_text("not odoo")
    (site / "odoo.tar.gz").write_bytes(archive_of(other, "something"))
    cache_home = tmp_path / "cache"
    with (
        serve(site) as base,
        pytest.raises(devenv.SetupError, match=r"does not contain an Odoo 18\.0"),
    ):
        devenv.resolve_odoo_tree({"XDG_CACHE_HOME": str(cache_home)}, url=f"{base}/odoo.tar.gz")
    assert not (cache_home / "econtract" / "odoo-18.0").exists()


def test_unreachable_download_fails_fast_naming_both_places(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    url = f"http://127.0.0.1:{closed_port()}/odoo.tar.gz"
    started = time.monotonic()
    with pytest.raises(devenv.SetupError) as caught:
        devenv.resolve_odoo_tree(env, url=url, timeout=5)
    assert time.monotonic() - started < 60
    message = str(caught.value)
    assert "ODOO_SRC" in message
    assert str(tmp_path / "econtract" / "odoo-18.0") in message
    assert not (tmp_path / "econtract" / "odoo-18.0").exists()


def test_broken_cache_is_reported_not_overwritten(tmp_path: Path) -> None:
    cache = tmp_path / "econtract" / "odoo-18.0"
    cache.mkdir(parents=True)
    (cache / "half-unpacked").write_text("")
    with pytest.raises(devenv.SetupError, match=r"not an Odoo 18\.0 source tree"):
        devenv.resolve_odoo_tree({"XDG_CACHE_HOME": str(tmp_path)})
    assert (cache / "half-unpacked").exists()


# ----------------------------------------------------------------- system packages


def test_missing_package_names_the_install_command() -> None:
    missing = devenv.SystemPackage("econtract-nonexistent", "testing", ("econtract-no-such",))
    present = devenv.SystemPackage("coreutils", "testing", ("ls",))
    devenv.ensure_system_packages([present], can_install=False)
    with pytest.raises(devenv.SetupError) as caught:
        devenv.ensure_system_packages([present, missing], can_install=False)
    assert "econtract-nonexistent (testing)" in str(caught.value)
    assert str(caught.value).endswith("sudo apt-get install -y econtract-nonexistent")


def test_packages_found_by_file(tmp_path: Path) -> None:
    (tmp_path / "fonts" / "opentype").mkdir(parents=True)
    (tmp_path / "fonts" / "opentype" / "NotoSansCJK-Regular.ttc").write_bytes(b"")
    font = devenv.SystemPackage("fonts", "testing", globs=(f"{tmp_path}/fonts/**/NotoSansCJK*",))
    assert font.present()
    assert not devenv.SystemPackage("x", "testing", globs=(f"{tmp_path}/none*",)).present()


# ----------------------------------------------------------------- requirements


ODOO_REQUIREMENTS = """\
cryptography==3.4.8; python_version < '3.12'  # old
cryptography==42.0.8 ; python_version >= '3.12'  # (Noble)
lxml==5.2.1; python_version >= '3.12' # (Noble - removed html clean)
lxml-html-clean; python_version >= '3.12' # (Noble)
python-ldap==3.4.4 ; sys_platform != 'win32'
pytz  # no version pinning
Werkzeug==3.0.1 ; python_version >= '3.12'
"""


def test_project_pins_replace_odoo_versions() -> None:
    pinned = devenv.pinned_names("cryptography==50.0.2\nlxml==5.4.0\n# pytz==1\n")
    assert pinned == {"cryptography", "lxml"}
    filtered = devenv.filter_odoo_requirements(ODOO_REQUIREMENTS, pinned).splitlines()
    assert filtered == [
        "cryptography ; python_version < '3.12'",
        "cryptography ; python_version >= '3.12'",
        "lxml ; python_version >= '3.12'",
        "lxml-html-clean; python_version >= '3.12'",  # not mistaken for lxml
        "pytz",
        "Werkzeug==3.0.1 ; python_version >= '3.12'",
    ]


@pytest.mark.parametrize(
    ("line", "name"),
    [("PyYAML==6", "pyyaml"), ("zope.event==6", "zope-event"), ("# x", None), ("-e .", None)],
)
def test_requirement_name(line: str, name: str | None) -> None:
    assert devenv.requirement_name(line) == name


def test_project_lock_pins_what_odoo_pins_differently() -> None:
    root = Path(devenv.__file__).resolve().parent.parent
    pinned = devenv.pinned_names((root / "constraints.txt").read_text())
    assert {"cryptography", "pyopenssl", "lxml", "pyhanko"} <= pinned


# ----------------------------------------------------------------- test log parsing

LOG_PREFIX = "2026-11-30 12:00:00,000 42 {level} db {logger}: {message}"


def log(level: str, message: str, logger: str = "odoo.tests.result") -> str:
    return LOG_PREFIX.format(level=level, logger=logger, message=message)


SUMMARY_OK = log("INFO", "0 failed, 0 error(s) of 12 tests when loading database 'db'")


def test_odoo_log_success() -> None:
    tally = devenv.parse_odoo_log([log("INFO", "Starting post tests"), SUMMARY_OK], 0)
    assert (tally.passed, tally.failed, tally.skipped) == (12, 0, 0)


def test_odoo_log_failures_count() -> None:
    lines = [
        log("ERROR", "FAIL: TestX.test_a", "odoo.addons.econtract_base.tests"),
        "Traceback (most recent call last):",
        "AssertionError: 1 != 2",
        log("ERROR", "1 failed, 0 error(s) of 12 tests when loading database 'db'"),
    ]
    tally = devenv.parse_odoo_log(lines, 1)
    assert (tally.passed, tally.failed) == (11, 1)
    assert any("TestX.test_a" in p for p in tally.problems)


def test_skipped_tour_is_a_failure() -> None:
    lines = [
        log("INFO", "skipped test_tour (TestTour.test_tour) : Chrome not found", "odoo.tests"),
        SUMMARY_OK,
    ]
    tally = devenv.parse_odoo_log(lines, 0)
    assert (tally.passed, tally.failed) == (11, 1)
    assert "Chrome not found" in tally.problems[0]


def test_missing_summary_is_a_failure() -> None:
    tally = devenv.parse_odoo_log([log("CRITICAL", "Failed to initialize database `db`.")], 255)
    assert tally.failed == 1
    assert tally.passed == 0


def test_error_outside_tests_is_a_failure() -> None:
    lines = [log("ERROR", "Invalid view definition", "odoo.addons.base.models.ir_ui_view")]
    tally = devenv.parse_odoo_log([*lines, SUMMARY_OK], 0)
    assert tally.failed == 1
    assert "Invalid view definition" in tally.problems[0]


def test_idle_browser_preconnect_timeout_is_not_an_error() -> None:
    idle = "127.0.0.1 - - [02/Dec/2026 16:53:46] Request timed out: TimeoutError('timed out') - - -"
    assert devenv.parse_odoo_log([log("ERROR", idle, "werkzeug"), SUMMARY_OK], 0).failed == 0
    # The same words from another logger, or another werkzeug error, still fail the run.
    for line in (
        log("ERROR", idle, "odoo.addons.econtract_sign.controllers"),
        log(
            "ERROR",
            "127.0.0.1 - - [02/Dec/2026 16:53:46] code 400, message Bad request",
            "werkzeug",
        ),
    ):
        assert devenv.parse_odoo_log([line, SUMMARY_OK], 0).failed == 1


@pytest.mark.parametrize(
    "message",
    [
        "The model econtract.thing has no access rules, consider ...",
        "Two fields (a, b) of econtract.thing() have the same label: A.",
        "no translation language detected, skipping translation <frame at 0x1>",
    ],
)
def test_warnings_of_defects_are_failures(message: str) -> None:
    tally = devenv.parse_odoo_log([log("WARNING", message), SUMMARY_OK], 0)
    assert tally.failed == 1
    harmless = devenv.parse_odoo_log([log("WARNING", "Running as user 'root'"), SUMMARY_OK], 0)
    assert harmless.failed == 0


def test_nonzero_exit_without_failures_is_a_failure() -> None:
    tally = devenv.parse_odoo_log([SUMMARY_OK], 1)
    assert (tally.passed, tally.failed) == (12, 1)


def test_junit_counts(tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    report.write_text(
        '<testsuites><testsuite tests="5" failures="1" errors="1" skipped="1">'
        '<testcase classname="a" name="ok"/><testcase classname="a" name="bad"><failure/>'
        "</testcase></testsuite></testsuites>"
    )
    tally = devenv.parse_junit(report)
    assert (tally.passed, tally.failed, tally.skipped) == (2, 2, 1)
    assert tally.problems == ["pytest: a::bad"]


def test_summary_line_format() -> None:
    assert devenv.Tally(3, 1).summary() == "3 passed, 1 failed"
    assert devenv.Tally(3, 0, 2).summary() == "3 passed, 0 failed, 2 skipped"


# ----------------------------------------------------------------- PostgreSQL decision

needs_pg = pytest.mark.skipif(
    not devenv.find_pg_binary("initdb"), reason="PostgreSQL server binaries not installed"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[devenv.PrivateCluster]:
    # Under /tmp rather than pytest's private tmp_path: as root, PostgreSQL runs as another
    # user, who must be able to reach the directory.
    base = Path(tempfile.mkdtemp(prefix="econtract-pgtest-"))
    pg = devenv.PrivateCluster(base)
    try:
        assert pg.start() is True
        assert pg.start() is False  # idempotent
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_no_server_is_not_usable(tmp_path: Path) -> None:
    usable, reason = devenv.probe_server({"PGHOST": str(tmp_path), "PGPORT": "5999"})
    assert not usable
    assert reason


@needs_pg
def test_running_server_is_used(cluster: devenv.PrivateCluster) -> None:
    env = cluster.target.env
    assert devenv.probe_server(env) == (True, f"connected as {devenv.PRIVATE_PG_USER}")
    chosen = devenv.choose_postgres(env, devenv.PrivateCluster(Path("/nonexistent")))
    assert chosen.private is False
    assert chosen.env == env


@needs_pg
def test_refused_login_is_not_usable(cluster: devenv.PrivateCluster) -> None:
    devenv.psql(cluster.target, "CREATE ROLE econtract_nologin NOLOGIN")
    usable, reason = devenv.probe_server({**cluster.target.env, "PGUSER": "econtract_nologin"})
    assert not usable
    assert "not permitted to log in" in reason


@needs_pg
def test_role_without_createdb_is_not_usable(cluster: devenv.PrivateCluster) -> None:
    devenv.psql(cluster.target, "CREATE ROLE econtract_reader LOGIN")
    usable, reason = devenv.probe_server({**cluster.target.env, "PGUSER": "econtract_reader"})
    assert (usable, reason) == (False, "role 'econtract_reader' may not create databases")


@needs_pg
def test_postgres_role_is_not_usable(cluster: devenv.PrivateCluster) -> None:
    devenv.psql(cluster.target, "CREATE ROLE postgres LOGIN SUPERUSER")
    usable, reason = devenv.probe_server({**cluster.target.env, "PGUSER": "postgres"})
    assert not usable
    assert "postgres" in reason


@needs_pg
def test_unusable_server_falls_back_to_the_private_cluster(
    cluster: devenv.PrivateCluster, tmp_path: Path
) -> None:
    chosen = devenv.choose_postgres({"PGHOST": str(tmp_path)}, cluster)
    assert chosen == cluster.target
    assert chosen.private


def chinese_trigrams(cluster: devenv.PrivateCluster, db: str) -> int:
    devenv.psql(cluster.target, "CREATE EXTENSION IF NOT EXISTS pg_trgm", db=db)
    trigrams = devenv.psql(cluster.target, "SELECT show_trgm('采购合同')", db=db)
    return len(trigrams.strip("{}").split(",")) if trigrams != "{}" else 0


@needs_pg
def test_databases_are_utf8_with_utf8_ctype(cluster: devenv.PrivateCluster) -> None:
    devenv.create_database(cluster.target, "econtract_locale_check")
    devenv.psql(
        cluster.target,
        "CREATE DATABASE econtract_ctype_c TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C'",
    )
    try:
        row = devenv.psql(
            cluster.target,
            "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database "
            "WHERE datname = 'econtract_locale_check'",
        )
        assert row == "UTF8|C.UTF-8"
        # Why: under LC_CTYPE=C, trigram indexes see no word in Chinese text at all.
        assert chinese_trigrams(cluster, "econtract_locale_check") == 5
        assert chinese_trigrams(cluster, "econtract_ctype_c") == 0
    finally:
        devenv.drop_database(cluster.target, "econtract_locale_check")
        devenv.drop_database(cluster.target, "econtract_ctype_c")
    assert not devenv.database_exists(cluster.target, "econtract_locale_check")


def test_database_names_are_checked() -> None:
    target = devenv.PgTarget({}, private=False)
    with pytest.raises(devenv.SetupError, match="invalid database name"):
        devenv.create_database(target, 'x"; DROP DATABASE y; --')


# --------------------------------------------------------------------------- signing PKI


def test_dev_pki_is_created_once_and_served(tmp_path: Path) -> None:
    """A real SoftHSM2 token and PKI in a scratch state directory; the second call reuses it."""
    port = devenv.free_port()
    python = Path(sys.executable)
    env = devenv.ensure_dev_pki(python, tmp_path, port)
    pki = Path(env["ECONTRACT_PKI_DIR"])
    root = (pki / "root-ca.cer").read_bytes()
    pin = (tmp_path / "softhsm" / "user.pin").read_text()
    assert (tmp_path / "softhsm" / "user.pin").stat().st_mode & 0o077 == 0
    assert devenv.ensure_dev_pki(python, tmp_path, port) == env
    assert (pki / "root-ca.cer").read_bytes() == root
    assert (tmp_path / "softhsm" / "user.pin").read_text() == pin
    slots = subprocess.run(
        ["softhsm2-util", "--show-slots"],
        env={**os.environ, "SOFTHSM2_CONF": env["SOFTHSM2_CONF"]},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert slots.count(f"Label:            {devenv.DEV_TOKEN}") == 1
    with devenv.pki_service(python, env):
        health = devenv._pki_health(env["ECONTRACT_PKI_URL"])
        assert health is not None
        assert health["root_sha256"] == hashlib.sha256(root).hexdigest()
        with devenv.pki_service(python, env):  # a running service for this PKI is reused
            assert devenv._pki_health(env["ECONTRACT_PKI_URL"]) == health
    assert devenv._pki_health(env["ECONTRACT_PKI_URL"]) is None  # stopped on the way out


def test_a_foreign_service_on_the_pki_port_is_an_error(tmp_path: Path) -> None:
    port = devenv.free_port()
    env = devenv.ensure_dev_pki(Path(sys.executable), tmp_path, port)

    class Other(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"root_sha256": "something else"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Other)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with (
            pytest.raises(devenv.SetupError, match="answers for another PKI"),
            devenv.pki_service(Path(sys.executable), env),
        ):
            pass
    finally:
        server.shutdown()


def test_a_new_token_gets_a_new_pki(tmp_path: Path) -> None:
    python = Path(sys.executable)
    port = devenv.free_port()
    env = devenv.ensure_dev_pki(python, tmp_path, port)
    root = (Path(env["ECONTRACT_PKI_DIR"]) / "root-ca.cer").read_bytes()
    shutil.rmtree(tmp_path / "softhsm")  # the token is gone (a new machine, a wiped HSM)
    env = devenv.ensure_dev_pki(python, tmp_path, port)
    assert (Path(env["ECONTRACT_PKI_DIR"]) / "root-ca.cer").read_bytes() != root


def test_odoo_conf_is_private_from_its_first_byte(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(devenv, "STATE", tmp_path)
    path = tmp_path / "odoo.conf"
    path.write_text("old")
    path.chmod(0o644)  # a file left readable by an earlier version of the tooling
    target = devenv.PgTarget({"PGHOST": "/tmp", "PGUSER": "odoo"}, private=True)
    devenv.write_odoo_conf(tmp_path / "odoo-src", target, path)
    assert (path.stat().st_mode & 0o777) == 0o600
    assert "admin_passwd" in path.read_text()
    assert (tmp_path / "admin_passwd").stat().st_mode & 0o777 == 0o600
    assert len((tmp_path / "admin_passwd").read_text().strip()) == 48


@pytest.mark.skipif(not shutil.which("softhsm2-util"), reason="needs softhsm2-util")
def test_token_pins_are_typed_at_the_prompt_not_passed_as_arguments(
    tmp_path: Path, monkeypatch
) -> None:
    conf = devenv.softhsm_config(tmp_path)
    commands: list[list[str]] = []
    real_popen = subprocess.Popen

    def spy(command, *args, **kwargs):
        commands.append([str(part) for part in command])
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(devenv.subprocess, "Popen", spy)
    devenv.init_token(conf, "pin-test", so_pin="so-secret-1", user_pin="user-secret-2")
    assert commands and not any("secret" in part for part in commands[0])
    slots = subprocess.run(
        ["softhsm2-util", "--show-slots"],
        env={**os.environ, "SOFTHSM2_CONF": str(conf)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pin-test" in slots


def test_a_stopped_service_takes_what_it_forked_with_it() -> None:
    # A service whose worker ignores SIGTERM and would outlive it, as PyKMIP's do.
    proc = subprocess.Popen(
        ["sh", "-c", "trap '' TERM; (trap '' TERM; exec sleep 60) & wait"],
        start_new_session=True,
    )
    time.sleep(0.3)
    devenv.stop_process_group(proc, grace=1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("a member of the service's process group is still running")
