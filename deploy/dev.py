#!/usr/bin/env python3
"""Developer launcher: one command from a fresh machine to a running demo or a test run.

    python deploy/dev.py setup             .venv, Python dependencies, system libraries
    python deploy/dev.py services          PostgreSQL + Redis (private ones under .data/ unless
                                           DATABASE_URL / REDIS_URL are set); writes .data/env
    python deploy/dev.py stop              stop the private servers of this checkout
    python deploy/dev.py test [ARGS...]    setup + services, then pytest ARGS
    python deploy/dev.py demo              setup + services, demo data, web + worker + beat

Standard library only, so that it runs before any virtualenv exists.
"""

# Starting programs (apt-get, initdb, pip, pytest...) is this file's whole job.
# ruff: noqa: S603, S607

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
DATA = ROOT / ".data"
PG_DATA = DATA / "postgres"
PG_LOG = DATA / "postgres.log"
RUN = DATA / "run"
REDIS_DIR = DATA / "redis"
REDIS_LOG = DATA / "redis.log"
REDIS_PIDFILE = RUN / "redis.pid"
REDIS_PORTFILE = DATA / "redis.port"
LEASES = DATA / "leases"
# Present while private servers were started by a `test` or `demo` run rather than by an
# explicit `services`: the last run to finish then stops them, leaving the machine as it was.
AUTOSTARTED = DATA / "autostarted"
ENV_FILE = DATA / "env"

PG_DEFAULT_PORT = 54329
REDIS_DEFAULT_PORT = 63799
PG_DATABASE = "sipas"

# Django management commands run by `demo`, in order, before the processes start.
DEMO_STEPS: list[list[str]] = [
    ["migrate_schemas", "--shared"],
    ["migrate_schemas", "--tenant"],
    ["import_units"],
    ["seed_demo"],
    ["install_schedules"],
]
DEMO_ACCOUNTS = ROOT / "deploy" / "demo-accounts.txt"
HEALTH_TIMEOUT = 120.0
STOP_GRACE = 10.0

# WeasyPrint's native libraries, found through `ldconfig -p`, and the Debian packages holding them.
SYSTEM_LIBRARIES = {
    "libpango-1.0.so.0": "libpango-1.0-0",
    "libpangoft2-1.0.so.0": "libpangoft2-1.0-0",
    "libharfbuzz-subset.so.0": "libharfbuzz-subset0",
    "libzbar.so.0": "libzbar0",
}
SYSTEM_TOOLS = {
    "fc-list": "fontconfig",
    "zbarimg": "zbar-tools",
    "pdftoppm": "poppler-utils",
    # The browser tests look at the citizen form as a phone shows it.
    "chromium": "chromium",
    # tests/deploy checks the production files with the programs that run them.
    "nginx": "nginx",
    "pgbouncer": "pgbouncer",
    "systemd-analyze": "systemd",
}
# Installed as programs for the tests, not as services: Debian would start their daemons on install
# (nginx on port 80). A policy-rc.d that refuses every start is in place while apt-get runs.
DAEMON_PACKAGES = frozenset({"nginx", "pgbouncer"})
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
# Serif families with full Vietnamese coverage (stacked diacritics such as ệ, ở, ữ).
SERIF_FAMILIES = ("Tinos", "Liberation Serif")
FONT_PACKAGES = ["fonts-liberation2", "fonts-croscore"]


class LauncherError(Exception):
    """A problem the user can fix; printed without a traceback."""


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


# --------------------------------------------------------------------------- pure helpers


def read_dependencies(pyproject: Path) -> list[str]:
    """Runtime dependencies plus the `dev` extra, as pip requirement strings."""
    with pyproject.open("rb") as fh:
        project = tomllib.load(fh).get("project", {})
    runtime = list(project.get("dependencies", []))
    dev = list(project.get("optional-dependencies", {}).get("dev", []))
    if not runtime:
        raise LauncherError(f"{pyproject} lists no [project] dependencies")
    return list(dict.fromkeys(runtime + dev))  # without repeats, in order


def deps_stamp(pyproject: Path, venv: Path | None = None) -> Path:
    digest = hashlib.sha256(pyproject.read_bytes()).hexdigest()
    return (venv or VENV) / f".deps-{digest}"


def port_from_env(env: Mapping[str, str], name: str, default: int) -> tuple[int, bool]:
    """(port, explicitly chosen) for a SIPAS_*_PORT variable."""
    raw = env.get(name, "").strip()
    if not raw:
        return default, False
    try:
        port = int(raw)
    except ValueError:
        raise LauncherError(f"{name}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise LauncherError(f"{name}={port} is outside 1..65535")
    return port, True


def private_database_url(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{PG_DATABASE}"


def private_redis_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def external_url(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def django_env(
    base: Mapping[str, str], *, database_url: str, redis_url: str, settings: str
) -> dict[str, str]:
    """The environment every Django, Celery and pytest process gets."""
    env = dict(base)
    env["DATABASE_URL"] = database_url
    env["REDIS_URL"] = redis_url
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONUNBUFFERED"] = "1"
    # The celery console script starts with .venv/bin on sys.path, not the checkout, so
    # `-A config` would not import without platform/ here.
    paths = [str(ROOT / "platform"), str(ROOT)]
    if base.get("PYTHONPATH"):
        paths.append(base["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = os.pathsep.join(p for p in (str(VENV / "bin"), base.get("PATH", "")) if p)
    return env


def missing_system_packages(
    ldconfig_output: str | None, font_families: str | None, have_tool: Mapping[str, bool]
) -> list[str]:
    """Debian packages to install; `None` output means the probe tool itself is absent."""
    missing: list[str] = []
    if ldconfig_output is not None:
        for soname, package in SYSTEM_LIBRARIES.items():
            if soname not in ldconfig_output:
                missing.append(package)
    for tool, package in SYSTEM_TOOLS.items():
        if not have_tool.get(tool, False):
            missing.append(package)
    if font_families is None or not any(family in font_families for family in SERIF_FAMILIES):
        missing.extend(FONT_PACKAGES)
    return sorted(set(missing), key=missing.index)


def pick_pg_bindir(candidates: Sequence[Path]) -> Path | None:
    """The bin folder of the highest PostgreSQL major version among /usr/lib/postgresql/*/bin."""

    def version(path: Path) -> tuple[int, ...]:
        try:
            return tuple(int(part) for part in path.parent.name.split("."))
        except ValueError:
            return (-1,)

    usable = [p for p in candidates if (p / "initdb").exists() and (p / "pg_ctl").exists()]
    return max(usable, key=version) if usable else None


def read_demo_accounts(path: Path, port: int) -> str | None:
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    # The file is written for the default port; keep its URLs clickable when PORT differs.
    return text.replace(":8000", f":{port}") if port != 8000 else text


def database_name(url: str) -> str:
    """The database a postgres:// URL names (its path), unquoted; "" when it names none."""
    return unquote(urlsplit(url).path.lstrip("/"))


def maintenance_urls(url: str) -> list[str]:
    """Where to connect to create the URL's database: the same server and credentials, the database
    `postgres`, else `template1` (always present, though an administrator may close it)."""
    parts = urlsplit(url)
    return [parts._replace(path=f"/{name}").geturl() for name in ("postgres", "template1")]


# Run by the virtualenv's Python (psycopg is a dependency): connect to DATABASE_URL; if its database does
# not exist, create it through a maintenance database. Prints "created" or "exists"; a failure exits 1
# with the server's own message, without a traceback.
CREATE_DATABASE_PROGRAM = """
import sys
import psycopg
from psycopg import sql

url, name, maintenance = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    psycopg.connect(url, connect_timeout=10).close()
except psycopg.OperationalError as target_error:
    problem = str(target_error).strip()
else:
    print("exists")
    sys.exit(0)
for other in maintenance:
    try:
        conn = psycopg.connect(other, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError:
        continue
    with conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            break  # it exists: the first error (a password, a permission) is the one to show
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            pass  # another run created it meanwhile
        except psycopg.Error as error:
            problem = f"cannot create database {name}: {str(error).strip()}"
            break
        print("created")
        sys.exit(0)
print(problem, file=sys.stderr)
sys.exit(1)
"""


def format_env_file(values: Mapping[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items())


# --------------------------------------------------------------------------- system


def is_root() -> bool:
    return os.geteuid() == 0


def can_apt() -> bool:
    return is_root() and Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


_apt_updated = False


def apt_install(packages: Sequence[str]) -> None:
    global _apt_updated
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        say("apt-get update")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        _apt_updated = True
    say(f"apt-get install -y {' '.join(packages)}")
    with daemons_not_started(DAEMON_PACKAGES.intersection(packages)):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], check=True, env=env
        )


@contextlib.contextmanager
def daemons_not_started(daemons: Iterable[str], policy: Path = POLICY_RC_D) -> Iterator[None]:
    """While installing `daemons`, refuse service starts (exit 101, Debian's policy-rc.d interface).

    An existing policy-rc.d (a container's, an administrator's) is left as it is.
    """
    if not daemons or policy.exists():
        yield
        return
    say(f"not starting the services of {', '.join(sorted(daemons))} (only their programs are needed)")
    policy.write_text("#!/bin/sh\n# written by deploy/dev.py while apt-get installs tools\nexit 101\n")
    policy.chmod(0o755)
    try:
        yield
    finally:
        policy.unlink(missing_ok=True)


def run_quiet(cmd: Sequence[str | os.PathLike[str]], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False, **kwargs)


def run_checked(cmd: Sequence[str | os.PathLike[str]], what: str) -> str:
    result = run_quiet(cmd)
    if result.returncode != 0:
        raise LauncherError(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def choose_port(wanted: int, explicit: bool, name: str, variable: str) -> int:
    if not port_in_use(wanted):
        return wanted
    if explicit:
        raise LauncherError(f"port {wanted} ({variable}) is already taken; pick another {name} port")
    # Typically another checkout's private server: don't fight it, take a free port instead.
    port = free_port()
    say(f"port {wanted} is taken by something else; the private {name} uses {port} instead")
    return port


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def data_lock() -> Iterator[None]:
    """Serialise setup and server start/stop between runs sharing this checkout."""
    DATA.mkdir(exist_ok=True)
    with (DATA / "lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- setup


def ensure_system_packages() -> None:
    ldconfig = shutil.which("ldconfig") or ("/sbin/ldconfig" if Path("/sbin/ldconfig").exists() else None)
    ld_output = run_quiet([ldconfig, "-p"]).stdout if ldconfig else None
    fc_list = shutil.which("fc-list")
    fonts = run_quiet([fc_list, ":", "family"]).stdout if fc_list else None
    # /usr/sbin (nginx, pgbouncer) is not on an ordinary user's PATH.
    tools = {tool: bool(shutil.which(tool) or shutil.which(tool, path="/usr/sbin")) for tool in SYSTEM_TOOLS}
    missing = missing_system_packages(ld_output, fonts, tools)
    if not missing:
        return
    if can_apt():
        apt_install(missing)
        return
    say(
        "these system packages are missing (PDF rendering, fonts, QR decoding in tests):\n"
        f"    sudo apt-get install -y {' '.join(missing)}"
    )


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    python = venv_python()
    if python.exists():
        ok = run_quiet([python, "-c", "import sys; assert sys.version_info >= (3, 12)"]).returncode == 0
        if ok:
            return
        # Usually the interpreter it was made from has gone (a pyenv version removed).
        say(f"{VENV} does not run; recreating it")
        shutil.rmtree(VENV)
    say(f"creating {VENV} with {sys.executable}")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)


def ensure_python_deps(pyproject: Path = ROOT / "pyproject.toml") -> None:
    stamp = deps_stamp(pyproject)
    if stamp.exists():
        return
    deps = read_dependencies(pyproject)
    say(f"installing {len(deps)} Python packages into {VENV}")
    pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q"]
    result = subprocess.run([*pip, *deps], check=False)
    if result.returncode != 0:
        raise LauncherError("pip install failed (see above)")
    for old in VENV.glob(".deps-*"):
        old.unlink()
    stamp.touch()


def cmd_setup(args: Sequence[str] = ()) -> int:
    # find-python picks the interpreter, but people also type `python3 deploy/dev.py` by hand.
    if sys.version_info < (3, 12):  # noqa: UP036
        raise LauncherError(
            f"Python >= 3.12 is needed, this is {sys.version.split()[0]}; use deploy/find-python"
        )
    with data_lock():
        ensure_system_packages()
        ensure_venv()
        ensure_python_deps()
    return 0


# --------------------------------------------------------------------------- PostgreSQL


def pg_bindir(version: str | None = None) -> Path | None:
    base = Path("/usr/lib/postgresql")
    if version is not None:
        wanted = base / version / "bin"
        return wanted if (wanted / "pg_ctl").exists() else None
    found = pick_pg_bindir(sorted(base.glob("*/bin")))
    if found:
        return found
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def as_postgres(cmd: Sequence[str | os.PathLike[str]]) -> list[str]:
    """initdb and postgres refuse to run as root, so root runs them as the postgres user."""
    args = [str(c) for c in cmd]
    return ["runuser", "-u", "postgres", "--", *args] if is_root() else args


def ensure_postgres_user_can_reach(path: Path) -> None:
    """Add o+x (only) on ancestors the postgres user cannot traverse, e.g. a 0700 mktemp -d."""
    chain = [*reversed(path.parents), path]
    for folder in chain:
        if run_quiet(["runuser", "-u", "postgres", "--", "test", "-x", str(folder)]).returncode == 0:
            continue
        mode = folder.stat().st_mode
        os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
        say(f"added o+x on {folder} so the postgres user can reach {DATA}")


def give_to_postgres(*paths: Path) -> None:
    if is_root():
        for path in paths:
            shutil.chown(path, "postgres", "postgres")


def postgres_running_port() -> int | None:
    """Port of the private server if it is running from .data/postgres, else None."""
    pidfile = PG_DATA / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 4 or not lines[0].strip().isdigit() or not pid_alive(int(lines[0])):
        return None
    try:
        port = int(lines[3])
    except ValueError:
        return None
    return port if port_in_use(port) else None


def remove_stale_postmaster_pid() -> None:
    """After a reboot the recorded pid may belong to another program; postgres then refuses to start."""
    pidfile = PG_DATA / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return
    if b"postgres" not in cmdline:
        pidfile.unlink(missing_ok=True)


# Unix socket paths are limited to 107 bytes; the socket file name adds about 20.
SOCKET_DIR_MAX = 85


def pg_conf(port: int, run_dir: Path = RUN) -> str:
    # Everything here connects over TCP, so a checkout too deep for a socket path goes without.
    socket_dir = str(run_dir).replace("'", "''") if len(str(run_dir)) <= SOCKET_DIR_MAX else ""
    # Durability is traded for speed: this cluster holds only demo and test data that
    # `make demo` / the test run can rebuild, and fsync dominates test database creation.
    return (
        "listen_addresses = '127.0.0.1'\n"
        f"port = {port}\n"
        f"unix_socket_directories = '{socket_dir}'\n"
        "fsync = off\n"
        "synchronous_commit = off\n"
        "full_page_writes = off\n"
    )


def initdb_if_needed(bindir: Path) -> None:
    if (PG_DATA / "PG_VERSION").exists():
        return
    if PG_DATA.exists():
        # A previous initdb died half-way; initdb refuses a non-empty folder.
        shutil.rmtree(PG_DATA)
    PG_DATA.mkdir(mode=0o700)
    give_to_postgres(PG_DATA)
    say(f"initdb {PG_DATA}")
    run_checked(
        as_postgres(
            [bindir / "initdb", "-D", PG_DATA, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"]
        ),
        "initdb",
    )
    conf = PG_DATA / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write("\ninclude_if_exists = 'sipas.conf'\n")


def start_private_postgres(env: Mapping[str, str]) -> tuple[int, bool]:
    """(port, started by this call)."""
    wanted, explicit = port_from_env(env, "SIPAS_PG_PORT", PG_DEFAULT_PORT)
    running = postgres_running_port()
    if running is not None and (running == wanted or not explicit):
        # The database may have been dropped to reset the demo while the server kept running.
        bindir = pg_bindir((PG_DATA / "PG_VERSION").read_text().strip())
        if bindir is not None:
            ensure_database(bindir, running)
        return running, False

    version_file = PG_DATA / "PG_VERSION"
    if version_file.exists():
        version = version_file.read_text().strip()
        bindir = pg_bindir(version)
        if bindir is None:
            raise LauncherError(
                f"{PG_DATA} was made by PostgreSQL {version}, whose binaries are gone; remove {PG_DATA}"
            )
    else:
        bindir = pg_bindir()
        if bindir is None and can_apt():
            apt_install(["postgresql"])
            bindir = pg_bindir()
        if bindir is None:
            raise LauncherError(
                "PostgreSQL server binaries not found: apt-get install postgresql, or set DATABASE_URL"
            )

    DATA.mkdir(exist_ok=True)
    RUN.mkdir(exist_ok=True)
    PG_LOG.touch()
    if is_root():
        if run_quiet(["id", "-u", "postgres"]).returncode != 0:
            raise LauncherError("running as root needs a 'postgres' system user (apt-get install postgresql)")
        ensure_postgres_user_can_reach(DATA)
        give_to_postgres(RUN, PG_LOG)
    initdb_if_needed(bindir)

    pg_ctl = bindir / "pg_ctl"
    if running is not None:
        say(f"restarting the private PostgreSQL on port {wanted} (SIPAS_PG_PORT)")
        run_checked(as_postgres([pg_ctl, "-D", PG_DATA, "-m", "fast", "-w", "stop"]), "pg_ctl stop")
    port = choose_port(wanted, explicit, "PostgreSQL", "SIPAS_PG_PORT")
    remove_stale_postmaster_pid()
    conf = PG_DATA / "sipas.conf"
    conf.write_text(pg_conf(port))
    give_to_postgres(conf)
    say(f"starting a private PostgreSQL ({bindir.parent.name}) on 127.0.0.1:{port}, data in {PG_DATA}")
    result = run_quiet(as_postgres([pg_ctl, "-D", PG_DATA, "-l", PG_LOG, "-w", "-t", "60", "start"]))
    if result.returncode != 0:
        tail = "".join(PG_LOG.read_text(errors="replace").splitlines(keepends=True)[-20:])
        raise LauncherError(f"PostgreSQL did not start ({result.stdout.strip()}); end of {PG_LOG}:\n{tail}")
    ensure_database(bindir, port)
    return port, True


def ensure_database(bindir: Path, port: int) -> None:
    createdb = bindir / "createdb"
    if not createdb.exists():
        createdb = Path(shutil.which("createdb") or "createdb")
    result = run_quiet([createdb, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", PG_DATABASE])
    if result.returncode == 0:
        say(f"created database {PG_DATABASE}")
    elif "already exists" not in result.stderr:
        raise LauncherError(f"createdb {PG_DATABASE} failed: {result.stderr.strip()}")


def stop_private_postgres() -> bool:
    if postgres_running_port() is None:
        return False
    version = (PG_DATA / "PG_VERSION").read_text().strip()
    bindir = pg_bindir(version)
    if bindir is None:
        raise LauncherError(f"no pg_ctl for PostgreSQL {version} to stop {PG_DATA}")
    say("stopping the private PostgreSQL")
    run_checked(as_postgres([bindir / "pg_ctl", "-D", PG_DATA, "-m", "fast", "-w", "stop"]), "pg_ctl stop")
    return True


def check_external_postgres(url: str) -> None:
    """The server of DATABASE_URL answers, and its database exists (created here when it does not)."""
    pg_isready = shutil.which("pg_isready")
    if pg_isready:
        result = run_quiet([pg_isready, "-d", url, "-t", "5"])
        if result.returncode != 0:
            raise LauncherError(
                f"DATABASE_URL does not answer: {result.stdout.strip() or result.stderr.strip()}"
            )
    else:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 5432
        try:
            socket.create_connection((host, port), timeout=5).close()
        except OSError as exc:
            raise LauncherError(f"DATABASE_URL: cannot connect to {host}:{port}: {exc}") from None
    ensure_external_database(url)


def ensure_external_database(url: str, python: Path | None = None) -> bool:
    """Create the database DATABASE_URL names when the server lacks it; True when it was created.

    A newcomer's first `DATABASE_URL=postgres://…/sipas_demo make demo` should not end in a traceback
    saying that the database does not exist. Needs the virtualenv (psycopg), which `services` alone may
    not have made yet: then the migrations say it, as before.
    """
    name = database_name(url)
    python = python or venv_python()
    if not name or not python.exists():
        return False
    result = run_quiet([python, "-c", CREATE_DATABASE_PROGRAM, url, name, *maintenance_urls(url)])
    if result.returncode != 0:
        raise LauncherError(f"DATABASE_URL: {result.stderr.strip() or result.stdout.strip()}")
    if result.stdout.strip() == "created":
        say(f"created database {name} (it did not exist)")
        return True
    return False


# --------------------------------------------------------------------------- Redis


def redis_answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when something speaking RESP answers; -NOAUTH counts, the server is there."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError:
        return False
    return reply[:1] in (b"+", b"-")


def redis_pid_if_ours() -> int | None:
    try:
        pid = int(REDIS_PIDFILE.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not pid_alive(pid):
        return None
    # Redis chdirs to --dir, so its cwd proves it is this checkout's server and not a recycled pid.
    try:
        if Path(os.readlink(f"/proc/{pid}/cwd")).resolve() != REDIS_DIR.resolve():
            return None
    except OSError:
        if not Path("/proc/self").exists():
            return pid
        return None
    return pid


def redis_running_port() -> int | None:
    if redis_pid_if_ours() is None:
        return None
    try:
        port = int(REDIS_PORTFILE.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return port if redis_answers("127.0.0.1", port) else None


def start_private_redis(env: Mapping[str, str]) -> tuple[int, bool]:
    wanted, explicit = port_from_env(env, "SIPAS_REDIS_PORT", REDIS_DEFAULT_PORT)
    running = redis_running_port()
    if running is not None and (running == wanted or not explicit):
        return running, False
    if running is not None:
        say(f"restarting the private Redis on port {wanted} (SIPAS_REDIS_PORT)")
        stop_private_redis()

    server = shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()), None
    )
    if server is None and can_apt():
        apt_install(["redis-server"])
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if server is None:
        raise LauncherError("redis-server not found: apt-get install redis-server, or set REDIS_URL")

    DATA.mkdir(exist_ok=True)
    RUN.mkdir(exist_ok=True)
    REDIS_DIR.mkdir(exist_ok=True)
    port = choose_port(wanted, explicit, "Redis", "SIPAS_REDIS_PORT")
    say(f"starting a private Redis on 127.0.0.1:{port}")
    args = [
        server, "--bind", "127.0.0.1", "--port", str(port),
        "--dir", str(REDIS_DIR), "--save", "", "--appendonly", "no",
        "--daemonize", "yes", "--pidfile", str(REDIS_PIDFILE), "--logfile", str(REDIS_LOG),
    ]  # fmt: skip
    run_checked(args, "redis-server")
    deadline = time.monotonic() + 15
    while not redis_answers("127.0.0.1", port):
        if time.monotonic() > deadline:
            raise LauncherError(f"Redis did not answer on port {port}; see {REDIS_LOG}")
        time.sleep(0.1)
    REDIS_PORTFILE.write_text(f"{port}\n")
    return port, True


def stop_private_redis() -> bool:
    pid = redis_pid_if_ours()
    if pid is None:
        return False
    say("stopping the private Redis")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    REDIS_PIDFILE.unlink(missing_ok=True)
    REDIS_PORTFILE.unlink(missing_ok=True)
    return True


def check_external_redis(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        path = unquote(parts.path)
        if not Path(path).exists():
            raise LauncherError(f"REDIS_URL: no socket at {path}")
        return
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        raise LauncherError(f"REDIS_URL: cannot connect to {host}:{port}: {exc}") from None


# --------------------------------------------------------------------------- services


@dataclass
class Services:
    database_url: str
    redis_url: str
    started: list[str] = field(default_factory=list)

    def as_env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}


def plan_services(env: Mapping[str, str]) -> dict[str, str | None]:
    """Which URLs come from the environment (a value) and which need a private server (None)."""
    return {"DATABASE_URL": external_url(env, "DATABASE_URL"), "REDIS_URL": external_url(env, "REDIS_URL")}


def start_services(env: Mapping[str, str] = os.environ) -> Services:
    plan = plan_services(env)
    started: list[str] = []
    database_url = plan["DATABASE_URL"]
    if database_url:
        check_external_postgres(database_url)
    else:
        port, new = start_private_postgres(env)
        database_url = private_database_url(port)
        started += ["postgres"] if new else []
    redis_url = plan["REDIS_URL"]
    if redis_url:
        check_external_redis(redis_url)
    else:
        port, new = start_private_redis(env)
        redis_url = private_redis_url(port)
        started += ["redis"] if new else []
    services = Services(database_url, redis_url, started)
    ENV_FILE.write_text(format_env_file(services.as_env()))
    return services


def stop_services() -> None:
    stop_private_postgres()
    stop_private_redis()
    AUTOSTARTED.unlink(missing_ok=True)


def live_leases() -> list[int]:
    pids = []
    for lease in LEASES.glob("*") if LEASES.exists() else []:
        if lease.name.isdigit() and pid_alive(int(lease.name)):
            pids.append(int(lease.name))
        else:
            lease.unlink(missing_ok=True)
    return pids


@contextlib.contextmanager
def leased_services() -> Iterator[Services]:
    """Services for one `test`/`demo` run; servers it had to start stop with the last such run."""
    with data_lock():
        services = start_services()
        if services.started:
            AUTOSTARTED.touch()
        LEASES.mkdir(exist_ok=True)
        lease = LEASES / str(os.getpid())
        lease.touch()
    try:
        yield services
    finally:
        with data_lock():
            lease.unlink(missing_ok=True)
            if AUTOSTARTED.exists() and not live_leases():
                stop_services()


def cmd_services(args: Sequence[str] = ()) -> int:
    with data_lock():
        services = start_services()
        # Asked for by name: they stay up until `stop`, whatever test runs come and go.
        AUTOSTARTED.unlink(missing_ok=True)
    for key, value in services.as_env().items():
        print(f"{key}={value}")
    say(f"written to {ENV_FILE} (use: set -a; . {ENV_FILE.relative_to(ROOT)}; set +a)")
    return 0


def cmd_stop(args: Sequence[str] = ()) -> int:
    with data_lock():
        stop_services()
    return 0


# --------------------------------------------------------------------------- test


def cmd_test(args: Sequence[str]) -> int:
    cmd_setup()
    with leased_services() as services:
        env = django_env(
            os.environ,
            database_url=services.database_url,
            redis_url=services.redis_url,
            settings="config.settings.test",
        )
        code = subprocess.call([str(venv_python()), "-m", "pytest", *args], cwd=ROOT, env=env)
    if code == 5:
        say("pytest collected no tests; that is a failure, not a pass")
        return 1
    return code


# --------------------------------------------------------------------------- demo


def demo_processes(port: int) -> list[tuple[str, list[str]]]:
    bin_dir = VENV / "bin"
    celery = str(bin_dir / "celery")
    return [
        # DEBUG is off (the product's error pages), so runserver serves the static files only when told.
        (
            "web",
            [
                str(bin_dir / "python"), "manage.py", "runserver", f"127.0.0.1:{port}",
                "--noreload", "--insecure",
            ],
        ),
        # One worker for both queues on a developer machine (production runs a PDF worker apart):
        # without the "pdf" queue a publication would wait for its PDF forever.
        (
            "worker",
            [celery, "-A", "config", "worker", "-l", "info", "--concurrency", "2", "--queues", "celery,pdf"],
        ),
        (
            "beat",
            [
                celery, "-A", "config", "beat", "-l", "info",
                "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                "--schedule", str(DATA / "celerybeat-schedule"),
            ],
        ),
    ]  # fmt: skip


class ProcessGroup:
    """Children with prefixed output, each in its own session so we can signal its whole tree."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.lock = threading.Lock()
        self.width = 6

    def start(self, name: str, cmd: Sequence[str]) -> None:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.children.append((name, proc))
        threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()

    def _pump(self, name: str, proc: subprocess.Popen[bytes]) -> None:
        for raw in proc.stdout or ():
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            with self.lock:
                print(f"{name:>{self.width}} | {line}", flush=True)

    def dead(self) -> tuple[str, int] | None:
        for name, proc in self.children:
            code = proc.poll()
            if code is not None:
                return name, code
        return None

    def stop(self, grace: float = STOP_GRACE) -> None:
        for _name, proc in self.children:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name, proc in self.children:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {grace:.0f} s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            # Prefork pool children may outlive a parent that exited; they share its group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


# The commune whose pages the banner points at: seeded with a year of answers (legacy Hồng Thái).
DEMO_UNIT = "lx06175"


def citizen_link(seed_output: str) -> str | None:
    """The first citizen-form address (…/q/<code>) that seed_demo printed, if any."""
    for word in seed_output.split():
        if "/q/" in word and word.startswith("http"):
            return word
    return None


def banner(port: int, *, citizen: str | None, accounts: str | None) -> str:
    """What a newcomer reads when the demo answers: where to click, and with which account."""
    base = f"http://127.0.0.1:{port}"
    pages = [
        ("staff console", f"{base}/console/"),
        ("results (Hồng Thái)", f"{base}/u/{DEMO_UNIT}/results/"),
        ("public results", f"{base}/ket-qua/{DEMO_UNIT}/"),
        ("citizen form", citizen or f"(the QR links seed_demo printed above, {base}/q/…)"),
        ("API docs", f"{base}/api/v1/docs/"),
        ("health", f"{base}/healthz"),
    ]
    width = max(len(label) for label, _ in pages)
    lines = ["", "The demo is up:", *(f"    {label:<{width}}  {url}" for label, url in pages)]
    if accounts:
        lines += ["", f"Demo logins ({DEMO_ACCOUNTS.relative_to(ROOT)}):", accounts.rstrip("\n")]
    lines += [
        "",
        "DEBUG is off, so errors show the product's own pages; DEBUG=1 make demo shows Django's.",
        "Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def print_banner(port: int, citizen: str | None = None) -> None:
    print(banner(port, citizen=citizen, accounts=read_demo_accounts(DEMO_ACCOUNTS, port)), flush=True)


def run_step(cmd: Sequence[str], env: Mapping[str, str]) -> tuple[int, str]:
    """Run a step with its output shown as it comes, and kept (the seed prints the QR links)."""
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    kept = []
    for line in proc.stdout or ():
        print(line, end="", flush=True)
        kept.append(line)
    return proc.wait(), "".join(kept)


def cmd_demo(args: Sequence[str] = ()) -> int:
    port, _ = port_from_env(os.environ, "PORT", 8000)
    if port_in_use(port):
        raise LauncherError(f"port {port} is already taken; run with PORT=<another port>")
    cmd_setup()
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    with leased_services() as services:
        try:
            env = django_env(
                os.environ,
                database_url=services.database_url,
                redis_url=services.redis_url,
                settings="config.settings.dev",
            )
            # The QR codes and links the demo prints must point at the port it serves.
            env.setdefault("BASE_URL", f"http://localhost:{port}")
            citizen = None
            for step in DEMO_STEPS:
                say(f"manage.py {' '.join(step)}")
                code, output = run_step([str(venv_python()), "manage.py", *step], env)
                if code != 0:
                    say(f"manage.py {' '.join(step)} failed with exit code {code}")
                    return code
                citizen = citizen or citizen_link(output)
            return run_demo_processes(env, port, stopping, on_signal, citizen)
        except KeyboardInterrupt:
            say("interrupted; stopping")
            return 0
        finally:
            # The demo owns the private servers for its lifetime, whoever started them.
            AUTOSTARTED.touch()


def run_demo_processes(
    env: Mapping[str, str],
    port: int,
    stopping: threading.Event,
    on_signal: signal.Handlers | Callable[..., None],
    citizen: str | None = None,
) -> int:
    group = ProcessGroup(env)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for name, cmd in demo_processes(port):
            group.start(name, cmd)
        announced = False
        started = time.monotonic()
        while not stopping.wait(0.5):
            dead = group.dead()
            if dead:
                say(f"{dead[0]} exited with code {dead[1]}; stopping the others")
                return dead[1] if dead[1] > 0 else 1
            if not announced:
                if healthy(port):
                    print_banner(port, citizen)
                    announced = True
                elif time.monotonic() - started > HEALTH_TIMEOUT:
                    say(f"/healthz has not answered 200 after {HEALTH_TIMEOUT:.0f} s; still waiting")
                    announced = True
        say("stopping")
        return 0
    finally:
        group.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --------------------------------------------------------------------------- main

COMMANDS = {
    "setup": cmd_setup,
    "services": cmd_services,
    "stop": cmd_stop,
    "test": cmd_test,
    "demo": cmd_demo,
}


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    # Turn SIGTERM into KeyboardInterrupt so `finally` blocks stop what this run started.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return COMMANDS[argv[0]](list(argv[1:]))
    except LauncherError as exc:
        say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
