"""The README's policy table, generated from the rule metadata (tests/test_policy_docs.py keeps it current).

Each row carries an anchor (``#policy-<name>``): the rule's ``url`` (in the pack, SARIF and the PR comment)
points at it. Regenerate with ``python -m llmops_landing_zone.llz.policy_docs --write`` (replaces the block between the markers).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies.base import ENVIRONMENTS, Rule

START = "<!-- policy-table:start -->"
END = "<!-- policy-table:end -->"
SCOPE_ORDER = {"aws": 0, "gcp": 1, "azure": 2, "kubernetes": 3, "multi-cloud": 4}
SCOPE_LABEL = {"aws": "AWS", "gcp": "GCP", "azure": "Azure", "kubernetes": "Kubernetes",
               "multi-cloud": "AWS, GCP, Azure"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def enforcement_text(rule: Rule) -> str:
    levels = {env: rule.level(env) for env in ENVIRONMENTS if env in rule.environments}
    if len(set(levels.values())) == 1:
        only = next(iter(levels.values()))
        return only if len(levels) == len(ENVIRONMENTS) else f"{only} ({', '.join(levels)} only)"
    return ", ".join(f"{level} in {env}" for env, level in levels.items())


def render_table() -> str:
    rules = sorted(registry.rules(), key=lambda r: (SCOPE_ORDER.get(r.scope, 9), r.concern, r.name))
    counts = Counter(r.scope for r in rules)
    summary = ", ".join(f"{'multi-cloud' if s == 'multi-cloud' else SCOPE_LABEL[s]} {counts[s]}"
                        for s in SCOPE_ORDER if counts[s])
    stack_wide = sum(1 for r in rules if r.kind == "stack")
    intro = (f"{len(rules)} policies ({summary}; {stack_wide} of them stack-wide). Enforcement is the default "
             "per environment; override it per stack under `policy.enforcement`.")
    lines = [
        intro,
        "",
        "| policy | cloud / scope | concern | severity | default enforcement | framework | description |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rules:
        framework = str(r.framework) if r.framework else "—"
        kind = " (stack)" if r.kind == "stack" else ""
        lines.append(
            f'| <a id="{r.anchor}"></a>`{r.name}` | {SCOPE_LABEL.get(r.scope, r.scope)}{kind} | {r.concern} | '
            f"{r.severity} | {enforcement_text(r)} | {_cell(framework)} | {_cell(r.description)} "
            f"Fix: {_cell(r.remediation)} |")
    return "\n".join(lines) + "\n"


def block() -> str:
    return f"{START}\n{render_table()}{END}"


def current_table(readme: str) -> str | None:
    """The text between the markers (without them), or None when the README has no markers."""
    if START not in readme or END not in readme:
        return None
    return readme.split(START, 1)[1].split(END, 1)[0].lstrip("\n")


def write(readme_path: Path) -> bool:
    """Replace the table between the markers (or append a Policies section with it); True if changed."""
    text = readme_path.read_text() if readme_path.exists() else ""
    if current_table(text) is None:
        new = text.rstrip("\n") + ("\n\n" if text else "") + "## Policies\n\n" + block() + "\n"
    else:
        head, rest = text.split(START, 1)
        new = head + block() + rest.split(END, 1)[1]
    if new != text:
        readme_path.write_text(new)
        return True
    return False


if __name__ == "__main__":
    from llmops_landing_zone.llz.offline import project_root

    target = project_root() / "README.md"
    if sys.argv[1:] == ["--write"]:
        print(("updated " if write(target) else "unchanged ") + str(target))
    else:
        print(render_table(), end="")
