"""The pure parts of deploy/dev.py: nothing here starts a server or installs a package."""

import pytest

from tests.deploy.launcher import ROOT, dev


@pytest.fixture
def pyproject(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text(
        "[project]\n"
        'name = "x"\n'
        'dependencies = ["Django==5.2.19", "psycopg[binary,pool]==3.3.9"]\n'
        "[project.optional-dependencies]\n"
        'dev = ["pytest==9.2.0", "Django==5.2.19"]\n'
        'docs = ["sphinx"]\n'
    )
    return path


def test_dependencies_are_runtime_plus_dev_extra_without_duplicates(pyproject):
    assert dev.read_dependencies(pyproject) == [
        "Django==5.2.19",
        "psycopg[binary,pool]==3.3.9",
        "pytest==9.2.0",
    ]


def test_a_pyproject_without_dependencies_is_an_error(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n')

    with pytest.raises(dev.LauncherError):
        dev.read_dependencies(path)


def test_the_repository_pyproject_lists_django_and_pytest():
    deps = dev.read_dependencies(ROOT / "pyproject.toml")

    assert any(dep.lower().startswith("django==") for dep in deps)
    assert any(dep.startswith("pytest-django") for dep in deps)


def test_the_deps_stamp_changes_with_the_pyproject(pyproject, tmp_path):
    before = dev.deps_stamp(pyproject, tmp_path / ".venv")
    pyproject.write_text(pyproject.read_text() + "\n# touched\n")
    after = dev.deps_stamp(pyproject, tmp_path / ".venv")

    assert before.name.startswith(".deps-")
    assert before != after
    assert before.parent == tmp_path / ".venv"


def test_setup_skips_pip_when_the_stamp_exists(pyproject, tmp_path, monkeypatch):
    venv = tmp_path / ".venv"
    venv.mkdir()
    monkeypatch.setattr(dev, "VENV", venv)
    dev.deps_stamp(pyproject, venv).touch()

    def no_pip(*args, **kwargs):
        raise AssertionError("pip must not run when the stamp exists")

    monkeypatch.setattr(dev.subprocess, "run", no_pip)

    dev.ensure_python_deps(pyproject)


def test_django_env_sets_urls_settings_and_unbuffered_output():
    base = {"PATH": "/usr/bin", "DJANGO_SETTINGS_MODULE": "config.settings.dev", "HOME": "/home/x"}

    env = dev.django_env(
        base, database_url="postgres://db/x", redis_url="redis://r/0", settings="config.settings.test"
    )

    assert env["DATABASE_URL"] == "postgres://db/x"
    assert env["REDIS_URL"] == "redis://r/0"
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.test"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["HOME"] == "/home/x"
    assert env["PYTHONPATH"].split(":")[0] == str(ROOT / "platform")
    assert env["PATH"] == f"{ROOT / '.venv' / 'bin'}:/usr/bin"
    assert base["DJANGO_SETTINGS_MODULE"] == "config.settings.dev"


def test_private_ports_default_and_can_be_overridden():
    assert dev.port_from_env({}, "SIPAS_PG_PORT", 54329) == (54329, False)
    assert dev.port_from_env({"SIPAS_PG_PORT": " "}, "SIPAS_PG_PORT", 54329) == (54329, False)
    assert dev.port_from_env({"SIPAS_PG_PORT": "55432"}, "SIPAS_PG_PORT", 54329) == (55432, True)
    assert dev.private_database_url(55432) == "postgres://postgres@127.0.0.1:55432/sipas"
    assert dev.private_redis_url(63800) == "redis://127.0.0.1:63800/0"


@pytest.mark.parametrize("raw", ["abc", "0", "70000"])
def test_a_bad_port_override_is_an_error(raw):
    with pytest.raises(dev.LauncherError):
        dev.port_from_env({"SIPAS_REDIS_PORT": raw}, "SIPAS_REDIS_PORT", 63799)


def test_urls_from_the_environment_are_used_and_blank_ones_ignored():
    plan = dev.plan_services({"DATABASE_URL": "postgres://u@db:5432/x", "REDIS_URL": "  "})

    assert plan == {"DATABASE_URL": "postgres://u@db:5432/x", "REDIS_URL": None}


def test_database_and_redis_urls_set_are_honoured_without_private_servers(tmp_path, monkeypatch):
    checked = []
    monkeypatch.setattr(dev, "ENV_FILE", tmp_path / "env")
    monkeypatch.setattr(dev, "check_external_postgres", lambda url: checked.append(url))
    monkeypatch.setattr(dev, "check_external_redis", lambda url: checked.append(url))

    def no_private(env):
        raise AssertionError("no private server may start when the URL is given")

    monkeypatch.setattr(dev, "start_private_postgres", no_private)
    monkeypatch.setattr(dev, "start_private_redis", no_private)
    env = {"DATABASE_URL": "postgres://u@db:5432/x", "REDIS_URL": "redis://cache:6379/1"}

    services = dev.start_services(env)

    assert services.database_url == "postgres://u@db:5432/x"
    assert services.redis_url == "redis://cache:6379/1"
    assert services.started == []
    assert checked == ["postgres://u@db:5432/x", "redis://cache:6379/1"]
    assert (
        tmp_path / "env"
    ).read_text() == "DATABASE_URL=postgres://u@db:5432/x\nREDIS_URL=redis://cache:6379/1\n"


def test_missing_system_packages_names_debian_packages():
    ldconfig = "libpango-1.0.so.0 (libc6) => /lib/libpango-1.0.so.0\n"
    tools = {**dict.fromkeys(dev.SYSTEM_TOOLS, True), "zbarimg": False}

    missing = dev.missing_system_packages(ldconfig, "DejaVu Sans\n", tools)

    assert missing == [
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "libzbar0",
        "zbar-tools",
        "fonts-liberation2",
        "fonts-croscore",
    ]


def test_the_programs_that_check_the_production_files_are_installed():
    tools = {
        **dict.fromkeys(dev.SYSTEM_TOOLS, True),
        "nginx": False,
        "pgbouncer": False,
        "systemd-analyze": False,
    }

    missing = dev.missing_system_packages("\n".join(dev.SYSTEM_LIBRARIES), "Tinos\n", tools)

    assert missing == ["nginx", "pgbouncer", "systemd"]


def test_daemons_are_not_started_while_their_packages_install(tmp_path):
    policy = tmp_path / "policy-rc.d"
    with dev.daemons_not_started({"nginx"}, policy=policy):
        assert policy.stat().st_mode & 0o111
        assert dev.run_quiet([policy, "nginx", "start"]).returncode == 101
    assert not policy.exists()


def test_an_existing_policy_rc_d_is_left_alone(tmp_path):
    policy = tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 0\n")
    with dev.daemons_not_started({"pgbouncer"}, policy=policy):
        pass
    assert policy.read_text() == "#!/bin/sh\nexit 0\n"


def test_no_policy_is_written_for_packages_without_daemons(tmp_path):
    policy = tmp_path / "policy-rc.d"
    with dev.daemons_not_started(set(), policy=policy):
        assert not policy.exists()


def test_nothing_is_missing_when_libraries_tools_and_a_vietnamese_serif_exist():
    ldconfig = "\n".join(dev.SYSTEM_LIBRARIES)
    tools = dict.fromkeys(dev.SYSTEM_TOOLS, True)

    assert dev.missing_system_packages(ldconfig, "Liberation Serif\nTinos\n", tools) == []


def test_the_highest_postgresql_version_with_initdb_and_pg_ctl_wins(tmp_path):
    bins = []
    for version, complete in [("9.6", True), ("15", True), ("16", True), ("17", False)]:
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "initdb").touch()
        if complete:
            (bin_dir / "pg_ctl").touch()
        bins.append(bin_dir)

    assert dev.pick_pg_bindir(bins) == tmp_path / "16" / "bin"
    assert dev.pick_pg_bindir([]) is None


def test_pg_conf_listens_on_loopback_with_its_socket_in_data_run():
    conf = dev.pg_conf(54329)

    assert "listen_addresses = '127.0.0.1'" in conf
    assert "port = 54329" in conf
    assert f"unix_socket_directories = '{dev.RUN}'" in conf


def test_demo_steps_migrate_before_seeding():
    names = [" ".join(step) for step in dev.DEMO_STEPS]

    assert names[:2] == ["migrate_schemas --shared", "migrate_schemas --tenant"]
    assert names.index("import_units") < names.index("seed_demo") < names.index("install_schedules")


def test_demo_runs_web_worker_and_beat_with_the_database_scheduler():
    processes = dict(dev.demo_processes(8123))

    assert set(processes) == {"web", "worker", "beat"}
    assert "127.0.0.1:8123" in processes["web"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in processes["beat"]


def test_the_demo_worker_takes_the_pdf_queue_too():
    # a publication's PDF is rendered by a task routed to its own queue: a demo worker without it
    # would leave every publication waiting for its PDF
    from django.conf import settings

    worker = dev.demo_processes(8123)[1][1]
    queues = worker[worker.index("--queues") + 1].split(",")
    assert {settings.CELERY_TASK_DEFAULT_QUEUE, settings.PDF_QUEUE} <= set(queues)


def test_demo_accounts_follow_the_port(tmp_path):
    accounts = tmp_path / "demo-accounts.txt"

    assert dev.read_demo_accounts(accounts, 8000) is None
    accounts.write_text("http://hong-thai.localhost:8000/ officer / pw\n")
    assert dev.read_demo_accounts(accounts, 8000) == "http://hong-thai.localhost:8000/ officer / pw\n"
    assert dev.read_demo_accounts(accounts, 8080) == "http://hong-thai.localhost:8080/ officer / pw\n"


def test_no_tests_collected_is_a_failure(monkeypatch):
    monkeypatch.setattr(dev, "cmd_setup", lambda args=(): 0)

    class FakeLease:
        def __enter__(self):
            return dev.Services("postgres://x/y", "redis://x/0")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(dev, "leased_services", FakeLease)
    seen = {}

    def fake_call(cmd, cwd, env):
        seen.update(cmd=cmd, env=env)
        return 5

    monkeypatch.setattr(dev.subprocess, "call", fake_call)

    assert dev.cmd_test(["-k", "nothing"]) == 1
    assert seen["cmd"][-4:] == ["-m", "pytest", "-k", "nothing"]
    assert seen["env"]["DJANGO_SETTINGS_MODULE"] == "config.settings.test"
    assert seen["env"]["DATABASE_URL"] == "postgres://x/y"


def test_an_unknown_command_prints_usage_and_fails(capsys):
    assert dev.main(["bogus"]) == 2
    assert "dev.py test" in capsys.readouterr().err


def test_a_checkout_too_deep_for_a_socket_path_listens_on_tcp_only(tmp_path):
    conf = dev.pg_conf(54329, tmp_path / ("d" * 100) / ".data" / "run")

    assert "unix_socket_directories = ''" in conf
    assert "listen_addresses = '127.0.0.1'" in conf
