#!/usr/bin/env python3
"""The econtract development environment, behind ``make run`` and ``make test``.

One module does everything a newcomer's two commands need: system packages, the Python
virtualenv, the Odoo 18.0 source tree, a PostgreSQL server, the Odoo configuration, and the
test runs with their one-line summary.  It uses the standard library only, because it runs
before the virtualenv exists.  Every step checks before it acts, so a second run reuses what
the first built.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import glob
import hashlib
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import string
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STATE = ROOT / ".devenv"
ADDONS_DIR = ROOT / "addons"
CONF_TEMPLATE = ROOT / "config" / "odoo.conf.template"
NIGHTLY_URL = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
DOWNLOAD_TIMEOUT = 10.0
RUN_DB = "econtract"
RUN_PORT = 8069
PRIVATE_PG_USER = "econtract"
# Odoo refuses to connect as this role (odoo/cli/server.py).
FORBIDDEN_PG_USER = "postgres"
# Never installed: optional extras of Odoo that need extra system headers.
OPTIONAL_ODOO_REQUIREMENTS = frozenset({"python-ldap"})


class SetupError(Exception):
    """A prerequisite is missing or unusable; the message says how to provide it."""


# --------------------------------------------------------------------------- output


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    capture: bool = False,
    timeout: float | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise `SetupError` naming it."""
    try:
        proc = subprocess.run(
            [str(c) for c in cmd],
            env=dict(env) if env is not None else None,
            text=True,
            capture_output=capture,
            timeout=timeout,
            check=False,
            cwd=cwd,
        )
    except FileNotFoundError as exc:
        raise SetupError(f"command not found: {cmd[0]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise SetupError(f"timed out after {timeout}s: {' '.join(map(str, cmd))}") from exc
    if check and proc.returncode != 0:
        detail = (proc.stderr or "").strip().splitlines()[-5:] if capture else []
        raise SetupError(
            f"failed (exit {proc.returncode}): {' '.join(map(str, cmd))}"
            + ("\n" + "\n".join(detail) if detail else "")
        )
    return proc


# --------------------------------------------------------------------------- system packages


@dataclasses.dataclass(frozen=True)
class SystemPackage:
    """A Debian package the tests need, and how to tell it is already there."""

    name: str
    purpose: str
    binaries: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()

    def present(self) -> bool:
        if any(shutil.which(b) for b in self.binaries):
            return True
        return any(glob.glob(pattern, recursive=True) for pattern in self.globs)


SYSTEM_PACKAGES = (
    SystemPackage("chromium", "browser tours", ("chromium", "chromium-browser", "google-chrome")),
    SystemPackage("wkhtmltopdf", "Odoo PDF reports", ("wkhtmltopdf",)),
    SystemPackage(
        "fonts-noto-cjk",
        "Chinese text in PDFs",
        globs=("/usr/share/fonts/**/NotoSansCJK*", "/usr/share/fonts/**/NotoSerifCJK*"),
    ),
    SystemPackage(
        "libpangoft2-1.0-0",
        "PDF rendering (WeasyPrint)",
        globs=("/usr/lib/*/libpangoft2-1.0.so.0",),
    ),
    SystemPackage("softhsm2", "PKCS#11 signing keys", ("softhsm2-util",)),
    SystemPackage("poppler-utils", "PDF inspection in tests", ("pdftotext",)),
    SystemPackage("libnss3-tools", "trusting the test CA in poppler's pdfsig", ("certutil",)),
    SystemPackage("libpq-dev", "building psycopg2", ("pg_config",)),
    SystemPackage("npm", "prettier for the addons' XML and JavaScript", ("npm",)),
)
BENCH_PACKAGES = (SystemPackage("wrk", "HTTP load for the API benchmarks", ("wrk",)),)
POSTGRES_PACKAGE = SystemPackage(
    "postgresql", "a private PostgreSQL cluster", globs=("/usr/lib/postgresql/*/bin/initdb",)
)


def ensure_system_packages(
    packages: Sequence[SystemPackage], *, can_install: bool | None = None
) -> None:
    """Install what is missing with apt-get as root; otherwise name the command to run."""
    missing = [p for p in packages if not p.present()]
    if not missing:
        return
    names = " ".join(p.name for p in missing)
    why = ", ".join(f"{p.name} ({p.purpose})" for p in missing)
    if can_install is None:
        can_install = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if not can_install:
        raise SetupError(
            f"missing system packages: {why}.\nInstall them with:\n"
            f"  sudo apt-get install -y {names}"
        )
    say(f"installing system packages: {names}")
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=apt_env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *names.split()], env=apt_env)
    still = [p.name for p in missing if not p.present()]
    if still:
        raise SetupError(f"apt-get installed {names} but these are still missing: {still}")


# --------------------------------------------------------------------------- Odoo source tree


def odoo_cache_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or os.path.join(
        environ.get("HOME") or str(Path.home()), ".cache"
    )
    return Path(base) / "econtract" / "odoo-18.0"


def is_odoo18_tree(path: Path) -> bool:
    """True when ``path`` holds an Odoo 18.0 source tree (``odoo-bin`` and release 18.0)."""
    try:
        release = (path / "odoo" / "release.py").read_text(encoding="utf-8")
    except OSError:
        return False
    version = re.search(r"^version_info\s*=\s*\(\s*(\d+)\s*,\s*(\d+)\s*,", release, re.M)
    return bool(version and version.groups() == ("18", "0") and (path / "odoo-bin").is_file())


def download_odoo(url: str, dest: Path, *, timeout: float = DOWNLOAD_TIMEOUT) -> None:
    """Download an Odoo source archive and unpack it as ``dest``, atomically.

    ``timeout`` bounds the connection and every read, so an unreachable server fails fast.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".odoo-download-") as tmp:
        archive = Path(tmp) / "odoo.tar.gz"
        with urllib.request.urlopen(url, timeout=timeout) as response, archive.open("wb") as out:
            shutil.copyfileobj(response, out, length=1 << 20)
        unpacked = Path(tmp) / "src"
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        roots = [p for p in unpacked.iterdir() if is_odoo18_tree(p)]
        if is_odoo18_tree(unpacked):
            roots.append(unpacked)
        if not roots:
            raise SetupError(f"{url} does not contain an Odoo 18.0 source tree")
        roots[0].rename(dest)


def resolve_odoo_tree(
    environ: Mapping[str, str], *, url: str = NIGHTLY_URL, timeout: float = DOWNLOAD_TIMEOUT
) -> Path:
    """Find the Odoo 18.0 tree: ``ODOO_SRC``, else the cache, else download into the cache."""
    cache = odoo_cache_dir(environ)
    src = environ.get("ODOO_SRC")
    if src:
        path = Path(src).expanduser()
        if is_odoo18_tree(path):
            return path.resolve()
        raise SetupError(
            f"ODOO_SRC={src} is not an Odoo 18.0 source tree (expected odoo-bin and "
            f"odoo/release.py with version 18.0). Fix ODOO_SRC, or unset it to use {cache}."
        )
    if is_odoo18_tree(cache):
        return cache
    if cache.exists():
        raise SetupError(
            f"{cache} exists but is not an Odoo 18.0 source tree; remove it or set ODOO_SRC."
        )
    say(f"no Odoo 18.0 tree in ODOO_SRC or {cache}; downloading {url}")
    try:
        download_odoo(url, cache, timeout=timeout)
    except (OSError, urllib.error.URLError, tarfile.TarError, SetupError) as exc:
        raise SetupError(
            f"could not get Odoo 18.0: ODOO_SRC is not set, {cache} holds no Odoo 18.0 tree, "
            f"and downloading {url} failed ({exc}).\n"
            f"Set ODOO_SRC to an Odoo 18.0 source tree, or unpack one into {cache}."
        ) from exc
    return cache


# --------------------------------------------------------------------------- Python and venv


def _python_version(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return (int(out[0]), int(out[1])) if len(out) == 2 else None


def find_python(environ: Mapping[str, str]) -> str:
    """Python 3.12 if the machine has one (on PATH or under pyenv), else this one if ≥ 3.11."""
    pyenv_root = environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = [shutil.which("python3.12") or ""]
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.12*/bin/python3.12"), reverse=True)
    for candidate in filter(None, candidates):
        if _python_version(candidate) == (3, 12):
            return candidate
    # The interpreter running this script may be older than the project's own minimum.
    if sys.version_info >= (3, 11):  # noqa: UP036
        return sys.executable
    raise SetupError("Python 3.12 (or at least 3.11) is required; install python3.12.")


def requirement_name(line: str) -> str | None:
    """The normalised project name of a requirements.txt line, or None for non-requirements."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    if not match or line.lstrip().startswith(("#", "-")):
        return None
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def pinned_names(constraints: str) -> set[str]:
    names = set()
    for line in constraints.splitlines():
        name = requirement_name(line)
        if name and "==" in line.split("#", 1)[0]:
            names.add(name)
    return names


def filter_odoo_requirements(odoo_requirements: str, pinned: set[str]) -> str:
    """Odoo's requirements with the project's pins taking precedence.

    A requirement the project pins keeps its name and environment marker but loses Odoo's
    version, so the constraints file decides the version; optional extras are dropped.
    """
    out = []
    for raw in odoo_requirements.splitlines():
        line = raw.split("#", 1)[0].strip()
        name = requirement_name(line)
        if not name or name in OPTIONAL_ODOO_REQUIREMENTS:
            continue
        if name in pinned:
            marker = line.split(";", 1)[1].strip() if ";" in line else ""
            line = f"{name} ; {marker}" if marker else name
        out.append(line)
    return "\n".join(out) + "\n"


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv(odoo: Path, environ: Mapping[str, str]) -> Path:
    """Create or refresh ``.venv``; skipped when nothing it was built from has changed."""
    constraints = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    odoo_reqs = (odoo / "requirements.txt").read_text(encoding="utf-8")
    inputs = [
        constraints,
        (ROOT / "requirements.txt").read_text(encoding="utf-8"),
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
        odoo_reqs,
        str(odoo),
    ]
    stamp = hashlib.sha256("\0".join(inputs).encode()).hexdigest()
    stamp_file = VENV / ".econtract-stamp"
    python = venv_python()
    if python.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return python
    if not python.exists():
        base = find_python(environ)
        say(f"creating .venv with {base}")
        run([base, "-m", "venv", VENV])
    STATE.mkdir(exist_ok=True)
    filtered = STATE / "odoo-requirements.txt"
    filtered.write_text(filter_odoo_requirements(odoo_reqs, pinned_names(constraints)))
    say("installing Python dependencies (pinned by constraints.txt)")
    pip: list[str | os.PathLike[str]] = [python, "-m", "pip"]
    pip += ["--disable-pip-version-check", "install", "-q"]
    # Odoo first (editable, its requirements come next): the OCA addons of requirements.txt
    # require the `odoo` distribution, which is not on PyPI.
    run([*pip, "--no-deps", "-e", odoo])
    run([*pip, "-r", filtered, "-r", ROOT / "requirements.txt", "-c", ROOT / "constraints.txt"])
    run([*pip, "--no-deps", "-e", ROOT])
    stamp_file.write_text(stamp)
    return python


def ensure_node_tools() -> Path:
    """Install the formatters of package-lock.json into node_modules, when it changed."""
    lock = ROOT / "package-lock.json"
    stamp_file = ROOT / "node_modules" / ".econtract-stamp"
    stamp = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not (stamp_file.exists() and stamp_file.read_text() == stamp):
        say("installing the formatters pinned by package-lock.json")
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT)
        stamp_file.write_text(stamp)
    return ROOT / "node_modules" / ".bin"


# --------------------------------------------------------------------------- PostgreSQL


def find_pg_binary(name: str) -> str | None:
    """A PostgreSQL program from PATH, else from Debian's versioned directories (newest)."""
    found = shutil.which(name)
    if found:
        return found
    versions = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    versions.sort(key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)), reverse=True)  # type: ignore[union-attr]
    return versions[0] if versions else None


@dataclasses.dataclass(frozen=True)
class PgTarget:
    """How Odoo and the tooling reach PostgreSQL."""

    env: dict[str, str]
    """libpq variables (PGHOST, PGPORT, PGUSER…) to connect with."""
    private: bool
    """True for the cluster under the checkout, which the tooling starts and stops."""

    def odoo_options(self) -> dict[str, str]:
        return {
            "db_host": self.env.get("PGHOST", "False"),
            "db_port": self.env.get("PGPORT", "False"),
            "db_user": self.env.get("PGUSER", "False"),
            "db_password": self.env.get("PGPASSWORD", "False"),
        }


def probe_server(environ: Mapping[str, str]) -> tuple[bool, str]:
    """Whether the server libpq's settings point at answers, accepts us, and may create DBs."""
    psql = find_pg_binary("psql")
    if not psql:
        return False, "psql not found"
    env = {**environ, "PGCONNECT_TIMEOUT": "3"}
    query = (
        "SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
    )
    try:
        proc = subprocess.run(
            [psql, "-X", "-w", "-At", "-F", " ", "-d", "postgres", "-c", query],
            env=env,
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        return False, lines[0] if lines else f"psql exit {proc.returncode}"
    user, _, can_create = proc.stdout.strip().partition(" ")
    if user == FORBIDDEN_PG_USER:
        return False, "Odoo refuses to connect as the 'postgres' role"
    if can_create != "t":
        return False, f"role {user!r} may not create databases"
    return True, f"connected as {user}"


@functools.cache
def cluster_owner() -> str | None:
    """The user the private cluster runs as: None for ourselves, a system user under root.

    PostgreSQL refuses to run as root, so as root it runs as ``postgres`` (Debian's server
    package creates that user) or, failing that, a system user made for it.
    """
    if os.geteuid() != 0:
        return None
    for user in ("postgres", "econtract-pg"):
        if run(["id", "-u", user], check=False, capture=True).returncode == 0:
            return user
    run(["useradd", "--system", "--no-create-home", "econtract-pg"])
    return "econtract-pg"


def private_cluster_base() -> Path:
    """``.devenv/pg`` in the checkout, unless the cluster's owner cannot reach the checkout.

    As root, a checkout under a private directory (such as /root) is out of reach for the
    ``postgres`` user; the cluster then lives in /var/tmp, one per checkout.
    """
    owner = cluster_owner()
    base = STATE / "pg"
    if owner and run(["runuser", "-u", owner, "--", "test", "-x", ROOT], check=False).returncode:
        digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
        base = Path("/var/tmp") / f"econtract-pg-{digest}"
        say(f"PostgreSQL runs as {owner}, who cannot reach {ROOT}: its cluster is in {base}")
    return base


class PrivateCluster:
    """A PostgreSQL cluster of our own, reached on a Unix socket only."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "data"
        self.log = base / "postgres.log"
        self.port = 5432
        digest = hashlib.sha256(str(base).encode()).hexdigest()[:12]
        # A Unix socket path must stay under ~107 bytes; long checkouts use /tmp instead.
        sock = base / "socket"
        self.socket_dir = sock if len(str(sock)) < 80 else Path(f"/tmp/econtract-pg-{digest}")

    def _cmd(self, binary: str, *args: str | os.PathLike[str]) -> list[str]:
        path = find_pg_binary(binary)
        if not path:
            raise SetupError(
                f"PostgreSQL program {binary} not found; install it: apt-get install -y postgresql"
            )
        owner = cluster_owner()
        prefix = ["runuser", "-u", owner, "--"] if owner else []
        return [*prefix, path, *map(str, args)]

    @property
    def target(self) -> PgTarget:
        return PgTarget(
            {"PGHOST": str(self.socket_dir), "PGPORT": str(self.port), "PGUSER": PRIVATE_PG_USER},
            private=True,
        )

    def initialized(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
        say(f"initialising a private PostgreSQL cluster in {self.data}")
        self.base.mkdir(parents=True, exist_ok=True)
        owner = cluster_owner()
        if owner:
            shutil.chown(self.base, owner)
            probe = run(["runuser", "-u", owner, "--", "test", "-w", self.base], check=False)
            if probe.returncode != 0:
                raise SetupError(
                    f"PostgreSQL must run as user {owner!r}, who cannot write {self.base} "
                    "(a parent directory is not traversable). Clone the project where that "
                    "user can reach it, or point PGHOST/PGPORT/PGUSER at a running server."
                )
        run(
            self._cmd(
                "initdb",
                "-D",
                self.data,
                "-U",
                PRIVATE_PG_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ),
            capture=True,
        )

    def running(self) -> bool:
        if not self.initialized():
            return False
        proc = run(self._cmd("pg_ctl", "status", "-D", self.data), check=False, capture=True)
        return proc.returncode == 0

    def start(self) -> bool:
        """Start the cluster; returns False when it was already running."""
        if not self.initialized():
            self.init()
        if self.running():
            return False
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        owner = cluster_owner()
        if owner:
            shutil.chown(self.socket_dir, owner)
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}'"
        run(
            [
                *self._cmd("pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", self.log),
                *("-o", options),
            ],
            capture=True,
        )
        return True

    def stop(self) -> None:
        if self.running():
            run(self._cmd("pg_ctl", "stop", "-w", "-m", "fast", "-D", self.data), capture=True)


def choose_postgres(environ: Mapping[str, str], cluster: PrivateCluster) -> PgTarget:
    """Use the server libpq points at when it is usable, else the private cluster."""
    usable, reason = probe_server(environ)
    if usable:
        keys = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGSSLMODE")
        return PgTarget({k: environ[k] for k in keys if environ.get(k)}, private=False)
    say(f"no usable PostgreSQL server ({reason}); using the private cluster")
    return cluster.target


def psql(target: PgTarget, sql: str, *, db: str = "postgres") -> str:
    binary = find_pg_binary("psql") or "psql"
    env = {**os.environ, **target.env}
    proc = run([binary, "-X", "-w", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
               env=env, capture=True, timeout=120)  # fmt: skip
    return proc.stdout.strip()


def _db_ident(name: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
        raise SetupError(f"invalid database name {name!r}")
    return f'"{name}"'


def create_database(target: PgTarget, name: str) -> None:
    # UTF-8 character classification is what lets trigram indexes see Chinese text;
    # 'C' collation is what Odoo itself uses for predictable, index-friendly ordering.
    psql(
        target,
        f"CREATE DATABASE {_db_ident(name)} TEMPLATE template0 ENCODING 'UTF8' "
        "LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'",
    )
    # As Odoo does for the databases it creates itself: trigram indexes (index="trigram").
    try:
        psql(target, "CREATE EXTENSION IF NOT EXISTS pg_trgm", db=name)
    except SetupError as exc:
        say(f"warning: no pg_trgm in {name}, trigram indexes fall back to none ({exc})")


def drop_database(target: PgTarget, name: str) -> None:
    psql(target, f"DROP DATABASE IF EXISTS {_db_ident(name)} WITH (FORCE)")


def database_exists(target: PgTarget, name: str) -> bool:
    _db_ident(name)  # a checked identifier, safe to quote as a literal too
    return psql(target, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


# --------------------------------------------------------------------------- Odoo


def addon_names() -> list[str]:
    return sorted(p.parent.name for p in ADDONS_DIR.glob("*/__manifest__.py"))


def write_odoo_conf(odoo: Path, target: PgTarget, path: Path) -> Path:
    """Fill ``config/odoo.conf.template`` for this checkout and database server."""
    secret_file = STATE / "admin_passwd"
    values = {
        "addons_path": f"{odoo / 'odoo' / 'addons'},{odoo / 'addons'},{ADDONS_DIR}",
        "data_dir": str(STATE / "data"),
        "admin_passwd": _secret_file(secret_file, nbytes=24),
        **target.odoo_options(),
    }
    template = string.Template(CONF_TEMPLATE.read_text(encoding="utf-8"))
    # Private from its first byte: it holds the master password and the database login.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(template.substitute(values))
    return path


# --------------------------------------------------------------------------- signing PKI

PKI_PORT = 8079
DEV_TOKEN = "econtract-dev"
SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)


def softhsm_module() -> str:
    for path in SOFTHSM_MODULES:
        if Path(path).exists():
            return path
    raise SetupError("SoftHSM2's PKCS#11 module was not found: install the softhsm2 package")


def _secret_file(path: Path, nbytes: int = 8) -> str:
    """The secret kept in ``path`` (created once, readable by its owner only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(nbytes) + "\n")
    return path.read_text().split()[0]


def softhsm_config(directory: Path) -> Path:
    """A SoftHSM2 configuration keeping its tokens in ``directory/tokens``; its path."""
    (directory / "tokens").mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
    )
    return conf


def init_token(conf: Path, label: str, *, so_pin: str, user_pin: str) -> None:
    """Initialise a new SoftHSM2 token ``label`` in the first free slot of ``conf``.

    The PINs are typed at softhsm2-util's prompts through a pseudo-terminal, never passed
    as arguments: a command line is readable by every user of the machine (``ps``).
    """
    command = ["softhsm2-util", "--init-token", "--free", "--label", label]
    answers = [so_pin, so_pin, user_pin, user_pin]
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            command,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "SOFTHSM2_CONF": str(conf)},
            close_fds=True,
        )
    except FileNotFoundError as exc:
        raise SetupError("command not found: softhsm2-util") from exc
    finally:
        os.close(slave)
    output = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([master], [], [], 1)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if chunk.rstrip().endswith(b"PIN:") and answers:
                os.write(master, answers.pop(0).encode() + b"\n")
        returncode = proc.wait(timeout=10)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    if returncode != 0 or answers:
        last = output.decode(errors="replace").strip().splitlines()[-3:]
        raise SetupError(f"failed (exit {returncode}): {' '.join(command)}\n" + "\n".join(last))


def ensure_dev_pki(python: Path, state: Path, port: int = PKI_PORT) -> dict[str, str]:
    """The development token, platform CA, TSA and seal key; what Odoo needs to find them.

    A SoftHSM2 token in ``state/softhsm`` (its own configuration, so the system's tokens
    are untouched) with PINs in files beside it, and the platform PKI in ``state/pki``.
    Both steps skip whatever exists: the second call changes nothing.
    """
    softhsm = state / "softhsm"
    conf = softhsm_config(softhsm)
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    user_pin = _secret_file(softhsm / "user.pin")
    slots = run(["softhsm2-util", "--show-slots"], env=env, capture=True).stdout
    if not re.search(rf"Label:\s+{re.escape(DEV_TOKEN)}\s*$", slots, re.MULTILINE):
        say(f"creating the development PKCS#11 token {DEV_TOKEN} (SoftHSM2)")
        if (state / "pki").exists():
            # Certificates of keys that died with the old token are worthless: start over.
            say("the development PKI belonged to a previous token: creating it anew")
            shutil.rmtree(state / "pki")
        init_token(conf, DEV_TOKEN, so_pin=_secret_file(softhsm / "so.pin"), user_pin=user_pin)
    pin_source = f"file:{softhsm / 'user.pin'}"
    module = softhsm_module()
    run(
        [python, "-m", "econtract", "pki", "init", "--state-dir", state / "pki",
         "--base-url", f"http://127.0.0.1:{port}", "--module", module, "--token", DEV_TOKEN,
         "--pin-source", pin_source, "--organisation", "econtract 开发平台",
         "--seal-holder", "econtract 演示公司"],
        env=env,
        capture=True,
    )  # fmt: skip
    return {
        "SOFTHSM2_CONF": str(conf),
        "ECONTRACT_PKCS11_MODULE": module,
        "ECONTRACT_PKCS11_TOKEN": DEV_TOKEN,
        "ECONTRACT_PKCS11_PIN_SOURCE": pin_source,
        "ECONTRACT_PKI_DIR": str(state / "pki"),
        "ECONTRACT_PKI_URL": f"http://127.0.0.1:{port}",
    }


def _pki_health(url: str) -> dict[str, str] | None:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            data = response.read()
    except (OSError, ValueError):
        return None
    try:
        health = json.loads(data)
    except ValueError:
        return None
    return health if isinstance(health, dict) else None


@contextlib.contextmanager
def pki_service(python: Path, pki_env: Mapping[str, str]) -> Iterator[None]:
    """The PKI service (time stamps, CRLs, OCSP) for as long as the block runs.

    One already answering for this checkout's PKI (a ``make run`` next to ``make test``) is
    used as it is; a different service on the port is an error that says so.
    """
    url = pki_env["ECONTRACT_PKI_URL"]
    root = Path(pki_env["ECONTRACT_PKI_DIR"]) / "root-ca.cer"
    fingerprint = hashlib.sha256(root.read_bytes()).hexdigest()
    health = _pki_health(url)
    if health is not None:
        if health.get("root_sha256") != fingerprint:
            raise SetupError(f"{url} answers for another PKI: stop that service first")
        yield
        return
    log = (STATE / "logs").resolve()
    log.mkdir(parents=True, exist_ok=True)
    with open(log / "pki-service.log", "ab") as output:
        proc = subprocess.Popen(
            [
                str(python),
                "-m",
                "econtract",
                "pki",
                "serve",
                "--state-dir",
                pki_env["ECONTRACT_PKI_DIR"],
            ],
            env={**os.environ, **pki_env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped with its process group
        )
    try:
        deadline = time.monotonic() + 30
        while _pki_health(url) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SetupError(f"the PKI service did not start: see {log / 'pki-service.log'}")
            time.sleep(0.2)
        say(f"PKI service (time stamps, CRLs, OCSP) on {url}")
        yield
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen[bytes], grace: float = 10) -> None:
    """Stop a service started here (with ``start_new_session``) and everything it forked:
    its process group is terminated, killed if the leader has not gone within ``grace``
    seconds, and any member that outlived the leader is killed (PyKMIP's workers ignore
    SIGTERM and outlive their parent)."""

    def signal_group(sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)

    signal_group(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL)
        proc.wait()
    signal_group(signal.SIGKILL)  # forked workers that outlived their parent


# --------------------------------------------------------------------------- EVM chain

EVM_PORT = 8549
EVM_CHAIN_ID = 1337
#: What the anchoring account is topped up to, and below which it is: 100 and 10 ether.
EVM_FUNDING = (100 * 10**18, 10 * 10**18)


def _rpc(url: str, method: str, *params: object) -> Any:
    """The result of a JSON-RPC call; None when nothing answers on ``url``."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            answer = json.loads(response.read())
    except (OSError, ValueError):
        return None
    if "error" in answer:
        raise SetupError(f"{url} refused {method}: {answer['error']}")
    return answer.get("result")


def _fund(url: str, address: str) -> None:
    """Top the anchoring account up from the chain's first (unlocked) development account."""
    balance = int(_rpc(url, "eth_getBalance", address, "latest") or "0x0", 16)
    if balance >= EVM_FUNDING[1]:
        return
    accounts = _rpc(url, "eth_accounts") or []
    if not accounts:
        raise SetupError(f"the chain on {url} has no unlocked account to fund {address} from")
    _rpc(
        url,
        "eth_sendTransaction",
        {"from": accounts[0], "to": address, "value": hex(EVM_FUNDING[0] - balance)},
    )
    say(f"funded the anchoring account {address} on the development chain")


@contextlib.contextmanager
def evm_chain(python: Path, pki_env: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """A local EVM chain (ganache, kept in .devenv/evm) with the anchoring account funded.

    The account's key is in the development token; `econtract evm address` names it. A
    chain already answering on the port (a ``make run`` next to ``make test``) is used when
    it has this chain id.
    """
    url = f"http://127.0.0.1:{EVM_PORT}"
    key = Path(pki_env["ECONTRACT_PKI_DIR"]) / "anchor-key.der"
    address = run([python, "-m", "econtract", "evm", "address", key], capture=True).stdout.strip()
    proc = None
    chain_id = _rpc(url, "eth_chainId")
    if chain_id is not None and int(chain_id, 16) != EVM_CHAIN_ID:
        raise SetupError(f"{url} is another chain (id {int(chain_id, 16)}): stop it first")
    if chain_id is None:
        ganache = ensure_node_tools() / "ganache"
        log = (STATE / "logs").resolve()
        log.mkdir(parents=True, exist_ok=True)
        with open(log / "evm-chain.log", "ab") as output:
            proc = subprocess.Popen(
                [str(ganache), "--server.host", "127.0.0.1", "--server.port", str(EVM_PORT),
                 "--chain.chainId", str(EVM_CHAIN_ID), "--wallet.deterministic",
                 "--database.dbPath", str((STATE / "evm").resolve()), "--logging.quiet"],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # stopped with its process group
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while _rpc(url, "eth_chainId") is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SetupError(f"the EVM chain did not start: see {log / 'evm-chain.log'}")
            time.sleep(0.3)
        say(f"EVM chain (ganache, chain id {EVM_CHAIN_ID}) on {url}")
    try:
        _fund(url, address)
        yield {"ECONTRACT_EVM_URL": url}
    finally:
        if proc is not None:
            stop_process_group(proc)


# --------------------------------------------------------------------------- archive services

S3_PORT = 8579
KMIP_PORT = 5696
#: moto accepts any credentials; these name the development ones.
S3_CREDENTIALS = {
    "ECONTRACT_S3_ACCESS_KEY": "econtract-dev",
    "ECONTRACT_S3_SECRET_KEY": "econtract-dev-secret",
}


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _start_service(
    command: list[str], port: int, name: str, log_name: str, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    log = (STATE / "logs").resolve()
    log.mkdir(parents=True, exist_ok=True)
    with open(log / log_name, "ab") as output:
        proc = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # stopped with its process group
        )
    deadline = time.monotonic() + 60
    while not _answers(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_process_group(proc)
            raise SetupError(f"{name} did not start: see {log / log_name}")
        time.sleep(0.2)
    return proc


@contextlib.contextmanager
def archive_services(python: Path) -> Iterator[dict[str, str]]:
    """The archive's S3 store (moto's server) and KMIP server (PyKMIP's) on loopback.

    moto keeps its buckets in memory: a development store, emptied when it stops. The KMIP
    server's certificates and key database are kept in .devenv/kmip. Services already
    answering on the ports (a ``make run`` beside ``make test``) are used as they are.
    """
    procs: list[subprocess.Popen[bytes]] = []
    try:
        if not _answers(S3_PORT):
            procs.append(
                _start_service(
                    [str(python), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(S3_PORT)],
                    S3_PORT,
                    "the S3 server (moto)",
                    "s3-server.log",
                )
            )
            say(f"S3 server (moto) on http://127.0.0.1:{S3_PORT}")
        kmip_dir = (STATE / "kmip").resolve()
        dev = json.loads(
            run(
                [python, "-m", "econtract", "kmip", "dev-init", "--dir", kmip_dir,
                 "--port", str(KMIP_PORT)],
                capture=True,
            ).stdout
        )  # fmt: skip
        if not _answers(KMIP_PORT):
            server = python.with_name("pykmip-server")
            procs.append(
                _start_service(
                    [str(server), "-f", dev["server_conf"], "-l", str(kmip_dir / "server.log")],
                    KMIP_PORT,
                    "the KMIP server (PyKMIP)",
                    "kmip-server.log",
                )
            )
            say(f"KMIP server (PyKMIP, mutual TLS) on 127.0.0.1:{KMIP_PORT}")
        yield {
            "ECONTRACT_S3_ENDPOINT_URL": f"http://127.0.0.1:{S3_PORT}",
            **S3_CREDENTIALS,
            "ECONTRACT_KMIP_HOST": dev["host"],
            "ECONTRACT_KMIP_PORT": str(dev["port"]),
            "ECONTRACT_KMIP_CERT": dev["certificate"],
            "ECONTRACT_KMIP_KEY": dev["private_key"],
            "ECONTRACT_KMIP_CA": dev["ca_certificate"],
        }
    finally:
        for proc in procs:
            stop_process_group(proc)


@dataclasses.dataclass
class Environment:
    python: Path
    odoo: Path
    target: PgTarget
    conf: Path

    @property
    def odoo_cmd(self) -> list[str]:
        return [str(self.python), str(self.odoo / "odoo-bin"), "-c", str(self.conf)]


@contextlib.contextmanager
def environment() -> Iterator[Environment]:
    """Everything set up; a private cluster started here is stopped on the way out."""
    STATE.mkdir(exist_ok=True)
    environ = dict(os.environ)
    ensure_system_packages(SYSTEM_PACKAGES)
    odoo = resolve_odoo_tree(environ)
    say(f"Odoo 18.0 source: {odoo}")
    python = ensure_venv(odoo, environ)
    cluster = PrivateCluster(private_cluster_base())
    target = choose_postgres(environ, cluster)
    started = False
    if target.private:
        ensure_system_packages([POSTGRES_PACKAGE])
        started = cluster.start()
    try:
        conf = write_odoo_conf(odoo, target, STATE / "odoo.conf")
        pki_env = ensure_dev_pki(python, STATE)
        # Odoo, the tests and the tools started from here find the token and the PKI so.
        os.environ.update(pki_env)
        with (
            pki_service(python, pki_env),
            evm_chain(python, pki_env) as evm_env,
            archive_services(python) as archive_env,
        ):
            os.environ.update(evm_env)
            os.environ.update(archive_env)
            yield Environment(python, odoo, target, conf)
    finally:
        if started:
            say("stopping the private PostgreSQL cluster")
            cluster.stop()


# --------------------------------------------------------------------------- results


@dataclasses.dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.problems += other.problems

    def fail(self, problem: str) -> None:
        self.failed += 1
        self.problems.append(problem)

    def summary(self) -> str:
        line = f"{self.passed} passed, {self.failed} failed"
        return line + (f", {self.skipped} skipped" if self.skipped else "")


def parse_junit(path: Path) -> Tally:
    """Counts from a pytest JUnit XML report."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tally = Tally()
    for suite in suites:
        total = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        tally.passed += total - failed - skipped
        tally.failed += failed
        tally.skipped += skipped
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                tally.problems.append(f"pytest: {case.get('classname')}::{case.get('name')}")
    return tally


ODOO_LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): "
    r"(?P<message>.*)$"
)
ODOO_SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
ODOO_SKIP = re.compile(r"^skipped (?P<test>.+?) : (?P<reason>.*)$")
# Warnings that are defects in our addons, not noise.
ODOO_FATAL_WARNINGS = (
    re.compile(r"has no access rules"),
    re.compile(r"have the same label"),
    re.compile(r"no translation language detected"),
)
# In test mode Odoo gives each HTTP connection a 5 s socket timeout so that Chromium's
# speculative pre-connections do not hold its server threads (odoo/service/server.py,
# RequestHandler.setup). When Chromium opens one and never sends a request, the standard
# library's handler logs this through werkzeug at ERROR level and drops the idle socket.
# No request was received, so nothing failed; any other werkzeug error still counts.
IDLE_PRECONNECT = re.compile(r"\] Request timed out: TimeoutError\('timed out'\) - - -$")


def _classify(level: str, message: str, logger: str = "") -> str | None:
    """What an Odoo log record means for the test count."""
    if ODOO_SUMMARY.search(message):
        return "summary"
    if ODOO_SKIP.match(message):
        return "skip"
    if logger == "werkzeug" and IDLE_PRECONNECT.search(message):
        return None
    if level in ("ERROR", "CRITICAL"):
        if message.startswith(("FAIL:", "ERROR:")):
            return "test"
        return None if "at least one error occurred" in message else "stray"
    if level == "WARNING" and any(p.search(message) for p in ODOO_FATAL_WARNINGS):
        return "fatal-warning"
    return None


def parse_odoo_log(lines: Sequence[str], returncode: int) -> Tally:
    """Counts from an Odoo ``--test-enable`` log.

    A skipped Odoo test counts as a failure: Odoo skips a browser tour, and exits 0, when
    Chromium or websocket-client is missing, and a tour that did not run proved nothing.
    Errors logged outside any test (a module that failed to load, an invalid view) fail the
    run too, and so do warnings that point at a defect of ours: a model without access rules,
    two fields with one label, a message that cannot be translated.
    """
    found: dict[str, list[str]] = {}
    for line in lines:
        if match := ODOO_LOG_LINE.match(line):
            kind = _classify(match["level"], match["message"], match["logger"])
            if kind:
                found.setdefault(kind, []).append(match["message"])
    tally = Tally()
    for message in found.get("skip", []) + found.get("fatal-warning", []):
        tally.fail(f"odoo: {message[:200]}")
    tally.problems += [f"odoo: {message}" for message in found.get("test", [])]
    if "summary" not in found:
        tally.fail(f"odoo: no test summary in the log (exit {returncode}); see the log")
        return tally
    summary = ODOO_SUMMARY.search(found["summary"][-1])
    assert summary  # classified as a summary because it matched
    failures, errors, run_count = map(int, summary.groups())
    tally.failed += failures + errors
    tally.passed += max(run_count - failures - errors - len(found.get("skip", [])), 0)
    # With failing tests, their tracebacks explain the other errors; without, they are defects.
    stray = found.get("stray", [])
    if stray and not failures + errors:
        tally.fail(f"odoo: {len(stray)} error(s) logged outside tests: {stray[0][:200]}")
    if returncode != 0 and tally.failed == 0:
        tally.fail(f"odoo: exited {returncode} without a failing test; see the log")
    return tally


# --------------------------------------------------------------------------- commands


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_lint(env: Environment) -> Tally:
    bin_dir = env.python.parent
    node_bin = ensure_node_tools()
    checks: dict[str, list[str | Path]] = {
        "ruff format": [bin_dir / "ruff", "format", "--check", "--quiet", "."],
        "prettier": [node_bin / "prettier", "--check", "--log-level=warn", "addons/**/*.{xml,js}"],
        "ruff check": [bin_dir / "ruff", "check", "--quiet", "."],
        "pylint-odoo": [bin_dir / "pylint", "--rcfile=.pylintrc", *map(str, ADDONS_DIR.glob("*/"))],
        "mypy": [bin_dir / "mypy"],
    }
    tally = Tally()
    for name, cmd in checks.items():
        say(f"lint: {name}")
        proc = subprocess.run([str(c) for c in cmd], cwd=ROOT, check=False)
        if proc.returncode == 0:
            tally.passed += 1
        else:
            tally.fail(f"lint: {name} (exit {proc.returncode})")
    return tally


def run_pytest(env: Environment) -> Tally:
    say("pytest")
    report = STATE / "pytest.xml"
    report.unlink(missing_ok=True)
    proc = subprocess.run(
        [str(env.python), "-m", "pytest", "-q", f"--junitxml={report}"],
        cwd=ROOT,
        check=False,
    )
    if not report.exists():
        tally = Tally()
        tally.fail(f"pytest: no report (exit {proc.returncode})")
        return tally
    tally = parse_junit(report)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not tally.failed):
        tally.fail(f"pytest: exit {proc.returncode}")
    if tally.passed + tally.failed + tally.skipped == 0:
        tally.fail("pytest: collected no tests")
    return tally


#: The address space the Odoo test process may take (bytes).
ODOO_TEST_MEMORY = 8 * 1024**3


def run_odoo_tests(env: Environment) -> Tally:
    addons = addon_names()
    db = f"econtract_test_{os.getpid()}"
    log = STATE / "logs" / "odoo-test.log"
    log.parent.mkdir(exist_ok=True)
    say(f"Odoo tests of {', '.join(addons)} in a fresh database {db} (log: {log})")
    create_database(env.target, db)
    cmd = [
        *env.odoo_cmd,
        "-d", db,
        "--db-filter", f"^{db}$",
        "-i", ",".join(addons),
        "--test-enable",
        "--test-tags", ",".join(f"/{a}" for a in addons),
        "--stop-after-init",
        "--http-port", str(free_port()),
        "--log-level", "info",
        # The whole suite runs in one threaded process: Odoo's default address-space limit
        # (2.5 GiB, meant for one prefork worker) is reached by a thousand tests that render
        # PDFs and run tours, and every test after that fails with MemoryError.
        "--limit-memory-hard", str(ODOO_TEST_MEMORY),
    ]  # fmt: skip
    lines: list[str] = []
    try:
        with log.open("w", encoding="utf-8") as out:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                lines.append(line.rstrip("\n"))
                match = ODOO_LOG_LINE.match(line)
                if (match and match["level"] != "INFO") or ODOO_SUMMARY.search(line):
                    print(line, end="", flush=True)
            returncode = proc.wait()
    finally:
        drop_database(env.target, db)
    return parse_odoo_log(lines, returncode)


def cmd_test(_args: argparse.Namespace) -> int:
    total = Tally()
    started = time.monotonic()
    try:
        with environment() as env:
            for step in (run_lint, run_pytest, run_odoo_tests):
                total.add(step(env))
    except SetupError as exc:
        total.fail(f"setup: {exc}")
        print(f"error: {exc}", file=sys.stderr)
    print(f"\n==> make test finished in {time.monotonic() - started:.0f}s")
    for problem in total.problems:
        print(f"  - {problem}")
    print(total.summary())
    return 1 if total.failed else 0


def cmd_bench(_args: argparse.Namespace) -> int:
    """Benchmarks of the signing engine and the evidence log, with the development token,
    PKI service and chain up; the log's PostgreSQL figures come from a throw-away database."""
    ensure_system_packages(BENCH_PACKAGES)
    with environment() as env:
        codes = [
            run([env.python, ROOT / "bench" / script], check=False, cwd=ROOT).returncode
            for script in ("signing.py", "ledger.py", "archive.py", "extract.py", "compare.py")
        ]
        db = f"econtract_bench_{os.getpid()}"
        say(f"installing the addons in a throw-away database {db} for the Odoo benchmarks")
        create_database(env.target, db)
        try:
            run(
                [*env.odoo_cmd, "-d", db,
                 "-i", "econtract_archive,econtract_fulfilment,econtract_soap",
                 "--without-demo=all",
                 "--stop-after-init", "--log-level", "warn", "--http-port", str(free_port())],
                cwd=ROOT,
            )  # fmt: skip
            for script in (
                "ledger_pg.py",
                "approval_pg.py",
                "sign_pg.py",
                "archive_pg.py",
                "fulfilment_pg.py",
                "api_http.py",
            ):
                bench: list[str | os.PathLike[str]] = [env.python, ROOT / "bench" / script]
                bench += [env.conf, db]
                codes.append(run(bench, check=False, cwd=ROOT).returncode)
        finally:
            drop_database(env.target, db)
        return max(codes)


def cmd_lint(_args: argparse.Namespace) -> int:
    with environment() as env:
        tally = run_lint(env)
    print(tally.summary())
    return 1 if tally.failed else 0


def cmd_run(_args: argparse.Namespace) -> int:
    with environment() as env:
        addons = addon_names()
        if not database_exists(env.target, RUN_DB):
            create_database(env.target, RUN_DB)
        initialized = psql(
            env.target,
            "SELECT to_regclass('ir_module_module') IS NOT NULL",
            db=RUN_DB,
        )
        install = addons
        update: list[str] = []
        if initialized == "t":
            rows = psql(
                env.target,
                "SELECT name FROM ir_module_module WHERE state = 'installed'",
                db=RUN_DB,
            ).split()
            update = [a for a in addons if a in rows]
            install = [a for a in addons if a not in rows]
        # Chinese is loaded too: the demo company works in it, and users may switch to it.
        cmd = [*env.odoo_cmd, "-d", RUN_DB, "--db-filter", f"^{RUN_DB}$", "--load-language=zh_CN"]
        cmd += ["--http-port", str(RUN_PORT)]
        if install:
            cmd += ["-i", ",".join(install)]
        if update:
            cmd += ["-u", ",".join(update)]
        say(f"serving Odoo on http://localhost:{RUN_PORT} (admin / admin); Ctrl-C stops it")
        proc = subprocess.Popen(cmd, cwd=ROOT)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            # The terminal sent SIGINT to Odoo too; give it time to shut down cleanly.
            with contextlib.suppress(KeyboardInterrupt):
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
            return 130


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devenv", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve Odoo with the addons and demo data").set_defaults(
        func=cmd_run
    )
    sub.add_parser("test", help="lint, pytest, Odoo tests and tours").set_defaults(func=cmd_test)
    sub.add_parser("lint", help="ruff, prettier, pylint-odoo, mypy").set_defaults(func=cmd_lint)
    sub.add_parser("bench", help="signing engine benchmarks").set_defaults(func=cmd_bench)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
