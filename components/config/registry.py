"""Checks that other packages contribute to config validation, without config importing them.

A cloud's rules (``components/<cloud>/checks.py``) and the sizing fit check register themselves with
``@register(...)``; their modules are named as entry points of the distribution (group ``CHECKS_GROUP`` in
pyproject.toml), which ``registered()`` loads once. A cloud with no registered checks is an error, never a
silent pass: it means the package is not installed (``pip install -e .``), and validation would be incomplete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from llmops_landing_zone.components.config.models import ZoneConfig

Issue = tuple[str, str]
Check = Callable[["ZoneConfig"], Iterable[Issue]]
Stage = Literal["cross", "fit", "warn"]
CHECKS_GROUP = "llmops_landing_zone.config_checks"

EVERY_CLOUD = "*"
_CLOUD: dict[str, list[Check]] = {}  # cross-field rules of one cloud (or of EVERY_CLOUD)
_FIT: list[Check] = []  # run only when every other rule passed (they need consistent pools and models)
_WARN: dict[str, list[Check]] = {}  # findings that do not stop a valid stack (``llz validate`` prints them)
_loaded = False


def register(cloud: str | None = None, stage: Stage = "cross") -> Callable[[Check], Check]:
    """``@register("gcp")`` adds a rule for GCP stacks, ``@register(EVERY_CLOUD)`` one for every stack (from a
    package above config, e.g. the policy pack's names); ``@register(stage="fit")`` a fit check;
    ``@register("gcp", stage="warn")`` a warning on a valid GCP stack."""
    def deco(check: Check) -> Check:
        if stage == "fit":
            _FIT.append(check)
        elif stage == "warn":
            _WARN.setdefault(cloud or EVERY_CLOUD, []).append(check)
        elif cloud is None:
            raise ValueError("cross-field checks for every cloud belong in components/config/checks.py")
        else:
            _CLOUD.setdefault(cloud, []).append(check)
        return check
    return deco


def _load() -> None:
    global _loaded
    if not _loaded:
        for ep in entry_points(group=CHECKS_GROUP):
            ep.load()  # importing the module registers its checks
        _loaded = True


def registered(cloud: str) -> tuple[list[Check], list[Check]]:
    """(cross-field rules of ``cloud``, fit checks)."""
    _load()
    if cloud not in _CLOUD:
        raise RuntimeError(f"no config checks are registered for {cloud} (entry points '{CHECKS_GROUP}'): "
                           "install the project (pip install -e .) so validation is complete")
    return [*_CLOUD[cloud], *_CLOUD.get(EVERY_CLOUD, [])], list(_FIT)


def registered_warnings(cloud: str) -> list[Check]:
    """Warning checks of ``cloud`` and of every cloud."""
    _load()
    return [*_WARN.get(cloud, []), *_WARN.get(EVERY_CLOUD, [])]
