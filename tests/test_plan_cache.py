"""The plan cache (llz/cache.py): a second plan of an unchanged stack is not run again, anything that shapes a plan
invalidates it, validation still runs on every call, and a cached plan is the plan a fresh run gives."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmops_landing_zone.components.config import ConfigError
from llmops_landing_zone.components.plan import SECRET, Plan
from llmops_landing_zone.llz import cache, engine, offline
from llmops_landing_zone.llz.cli import app

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """A cache of this test's own (empty) and the stacks whose program actually ran, in order."""
    monkeypatch.setenv(cache.DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    ran: list[str] = []
    real = engine.run

    def counting(program: Any, **kwargs: Any) -> Any:
        ran.append(kwargs["stack"])
        return real(program, **kwargs)

    monkeypatch.setattr(engine, "run", counting)
    return ran


def _sorted(plan: Plan) -> list[Any]:
    return sorted(plan.resources, key=lambda r: r.urn)  # registration order varies between runs


def test_a_second_plan_of_an_unchanged_stack_comes_from_the_cache(runs: list[str]) -> None:
    fresh = offline.plan("azure-dev")
    before = dict(cache.stats)
    cached = offline.plan("azure-dev")
    assert runs == ["azure-dev"]
    assert cache.stats["hits"] == before.get("hits", 0) + 1
    assert cached is not fresh
    # the same plan, in JSON and in memory: unmasked secret inputs and their paths survive the round trip
    assert cached.to_json() == fresh.to_json()
    assert _sorted(cached) == _sorted(fresh)
    secret = next(r for r in cached.resources if r.secrets)
    assert SECRET in json.dumps(secret.masked()) and SECRET not in json.dumps(secret.inputs)
    assert (cached.policy, cached.cost) == (fresh.policy, fresh.cost)
    assert list(cache.cache_dir().glob("*.json")) and not list(cache.cache_dir().glob(".*.tmp"))


def test_editing_a_stack_file_invalidates_exactly_that_stack(runs: list[str], tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for name in ("aws-dev", "gcp-dev"):
        shutil.copy(STACKS / f"Pulumi.{name}.yaml", stacks)
    paths = {name: stacks / f"Pulumi.{name}.yaml" for name in ("aws-dev", "gcp-dev")}
    for path in paths.values():
        offline.plan(path)
    assert runs == ["aws-dev", "gcp-dev"]
    with paths["gcp-dev"].open("a") as fh:
        fh.write("# edited\n")
    for path in paths.values():
        offline.plan(path)
    assert runs == ["aws-dev", "gcp-dev", "gcp-dev"]
    for path in paths.values():
        offline.plan(path)
    assert runs == ["aws-dev", "gcp-dev", "gcp-dev"]


def test_a_new_code_version_invalidates_every_plan(runs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("aws-dev", "gcp-dev"):
        offline.plan(name)
    monkeypatch.setattr(cache, "code_digest", lambda: "another version of components/")
    for name in ("aws-dev", "gcp-dev"):
        offline.plan(name)
    assert runs == ["aws-dev", "gcp-dev"] * 2


def test_the_key_covers_the_sdks_python_and_date() -> None:
    base = cache.key("s", b"config: {}\n", {"a": "1"}, "2026-12-02")
    assert base == cache.key("s", b"config: {}\n", {"a": "1"}, "2026-12-02")
    assert len({base, cache.key("t", b"config: {}\n", {"a": "1"}, "2026-12-02"),
                cache.key("s", b"config: {} \n", {"a": "1"}, "2026-12-02"),
                cache.key("s", b"config: {}\n", {"a": "2"}, "2026-12-02"),
                cache.key("s", b"config: {}\n", {"a": "1"}, "2026-12-03")}) == 5
    assert [n for n, _ in cache.sdk_versions()] == list(cache.SDKS) and all(v for _, v in cache.sdk_versions())
    digest = cache.code_digest()
    assert digest == cache.code_digest() and len(digest) == 64
    names = {p.relative_to(ROOT).as_posix() for p in cache._code_files(ROOT)}
    assert {"components/program.py", "llz/engine.py", "llz/offline.py", "llz/mocks/aws.py",
            "pyproject.toml"} <= names
    assert any(n.startswith("components/catalog/data/") for n in names)
    assert not any("__pycache__" in n for n in names) and "llz/cli.py" not in names


def test_validation_runs_on_every_call_even_on_a_hit(runs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    offline.plan("aws-dev")
    monkeypatch.setenv("LLZ_TODAY", "2031-01-01")  # every Kubernetes minor of the stack is out of support
    with pytest.raises(ConfigError):
        offline.plan("aws-dev")
    assert runs == ["aws-dev"]


def test_no_cache_and_the_environment_variable_bypass_it(runs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    offline.plan("aws-dev")
    offline.plan("aws-dev", cache=False)
    assert runs == ["aws-dev"] * 2
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    offline.plan("aws-dev")
    assert runs == ["aws-dev"] * 3
    monkeypatch.setenv(cache.NO_CACHE_ENV, "0")
    offline.plan("aws-dev")
    assert runs == ["aws-dev"] * 3


@pytest.mark.parametrize("args", [["graph", "aws-dev"], ["preview", "aws-dev", "--json", "-"],
                                  ["cost", "aws-dev", "--json"], ["check", "aws-dev", "--json"],
                                  ["cost", "aws-dev", "--against", "aws-dev"]])
def test_the_commands_reuse_cached_plans_unless_no_cache(runs: list[str], args: list[str]) -> None:
    planned = 2 if "--against" in args else 1
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code in (0, 1), first.output
    assert len(runs) == 1  # with --against the second plan of the same stack is a hit already
    again = runner.invoke(app, args)
    assert again.exit_code == first.exit_code and len(runs) == 1
    assert _lines(again.stdout) == _lines(first.stdout)
    fresh = runner.invoke(app, [*args, "--no-cache"])
    assert fresh.exit_code == first.exit_code and len(runs) == 1 + planned
    assert _lines(fresh.stdout) == _lines(first.stdout)


def _lines(out: str) -> list[str]:
    """The output's lines as a multiset, timings left out: some lists (the cost items) follow the registration
    order, which varies between fresh runs, and ``llz check --json`` reports how long planning took."""
    return sorted(line for line in out.splitlines() if '_seconds"' not in line)


def test_a_corrupt_cache_file_is_ignored_and_rewritten(runs: list[str]) -> None:
    offline.plan("gcp-dev")
    (entry,) = cache.cache_dir().glob("*.json")
    for garbage in ("", '{"format": 1, "plan":', json.dumps({"format": 1, "key": entry.stem, "plan": {}}),
                    json.dumps({"format": 1, "key": entry.stem, "plan": {"stack": "gcp-dev", "cloud": "gcp",
                                "environment": "dev", "resources": [{"urn": "x"}]}}), "[1, 2]"):
        entry.write_text(garbage)
        corrupt = cache.stats["corrupt"]
        offline.plan("gcp-dev")
        assert cache.stats["corrupt"] == corrupt + 1
        assert json.loads(entry.read_text())["key"] == entry.stem  # rewritten whole
    assert runs == ["gcp-dev"] * 6
    offline.plan("gcp-dev")
    assert runs == ["gcp-dev"] * 6


def test_an_unwritable_cache_never_fails_a_plan(runs: list[str], monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.DIR_ENV, str(blocker / "plans"))
    assert offline.plan("aws-dev").resources
    assert offline.plan("aws-dev").resources
    assert runs == ["aws-dev"] * 2


def test_concurrent_writers_and_readers_never_see_half_a_file(runs: list[str]) -> None:
    # Plan.to_json masks secrets (aws-prod's gateway keys): the plan every writer stores is the masked one
    source = cache.cache_dir() / "source-plan.json.in"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(offline.plan("aws-prod").to_json())
    plan = Plan.load(str(source))
    digest = "0" * 64
    seen: list[Plan | None] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(15):
                cache.store(digest, plan)
                seen.append(cache.load(digest))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    # two other processes write and read the same entry at the same time
    script = ("import sys; from llmops_landing_zone.components.plan import Plan; from llmops_landing_zone.llz import cache; plan = Plan.load(sys.argv[1]); "
              "bad = 0\nfor _ in range(15):\n    cache.store(sys.argv[2], plan)\n"
              "    got = cache.load(sys.argv[2])\n    bad += got is None or got.to_json() != plan.to_json()\n"
              "sys.exit(bad)")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(source), digest], cwd=ROOT) for _ in range(2)]
    for t in threads:
        t.join()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert not errors
    assert len(seen) == 90 and all(p is not None and p.to_json() == plan.to_json() for p in seen)
    assert _sorted(cache.load(digest)) == _sorted(plan)  # type: ignore[arg-type]
    assert not list(cache.cache_dir().glob(".*.tmp"))


def test_where_the_cache_lives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(cache.DIR_ENV, str(tmp_path / "x"))
    assert cache.cache_dir() == tmp_path / "x"
    monkeypatch.delenv(cache.DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "llmops-landing-zone" / "plans"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "llmops-landing-zone" / "plans"


def test_the_suite_does_not_use_the_users_cache() -> None:
    assert Path.home() / ".cache" not in Path(cache.cache_dir()).parents


def test_clear_removes_every_entry(runs: list[str]) -> None:
    offline.plan("aws-dev")
    assert cache.clear() == 1
    assert not list(cache.cache_dir().iterdir())
    offline.plan("aws-dev")
    assert runs == ["aws-dev"] * 2
