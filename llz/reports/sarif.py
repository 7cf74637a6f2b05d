"""SARIF 2.1.0 for GitHub code scanning: every pack rule with its metadata, one result per finding.

- level from severity (critical/high -> error, medium -> warning, low -> note); GitHub's
  ``security-severity`` property carries the same ranking as a number.
- locations: the stack file (stacks/Pulumi.<stack>.yaml) at the line of the config key the resource comes
  from; the resource's URN as a logical location.
- suppressed findings carry a SARIF suppression (kind external, the config's reason as justification);
  baselined ones are ``baselineState: unchanged`` (new ones ``new``), so code scanning shows only new alerts.
- config errors are tool execution notifications; ``executionSuccessful`` is false then.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmops_landing_zone.llz.reports.locations import locate
from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies.base import REPOSITORY, Rule

if TYPE_CHECKING:
    from llmops_landing_zone.llz.results import StackResult, Violation

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
TOOL_VERSION = "0.1.0"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
SRCROOT = "%SRCROOT%"


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    framework = str(rule.framework) if rule.framework else None
    help_md = (f"**{rule.description}**\n\nRemediation: {rule.remediation}\n\n"
               + (f"Framework: {framework}\n\n" if framework else "")
               + f"Severity: {rule.severity}. Default enforcement: "
               + ", ".join(f"{env} {level}" for env, level in rule.enforcement.items() if env in rule.environments))
    return {
        "id": rule.name,
        "name": _camel(rule.name),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": f"{rule.description} {('(' + framework + ')') if framework else ''}".strip()},
        "help": {"text": f"{rule.description}\nRemediation: {rule.remediation}", "markdown": help_md},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": sorted({"security", rule.scope, rule.concern, *(["cis"] if rule.framework else [])}),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "severity": rule.severity,
            "scope": rule.scope,
            "kind": rule.kind,
            "framework": framework,
            "enforcement": dict(rule.enforcement),
        },
    }


def _fingerprint(v: Violation, stack: str) -> str:
    # Stable across runs: policy + URN (or the stack for stack-wide findings) + the message without its numbers
    # (budget findings quote cost estimates that move with every price update).
    ident = v.urn or f"stack:{stack}"
    text = re.sub(r"[\d.,$]+", "#", v.message)
    return hashlib.sha256(f"{v.policy}|{ident}|{text}".encode()).hexdigest()


def artifact(path: str, root: Path) -> tuple[Path, dict[str, str]]:
    """The stack file on disk (a relative path is the repository's, as llz check records it, or else relative
    to where llz ran) and its SARIF artifactLocation: repo-relative under %SRCROOT% when it lies in the
    repository, whatever the working directory; an absolute file URI otherwise."""
    given = Path(path)
    absolute = (given if given.is_absolute() or not (root / given).exists() else root / given).resolve()
    try:
        return absolute, {"uri": absolute.relative_to(root.resolve()).as_posix(), "uriBaseId": SRCROOT}
    except ValueError:
        return absolute, {"uri": absolute.as_uri()}


def _location(result: StackResult, v: Violation | None, rule: Rule | None, root: Path) -> dict[str, Any]:
    absolute, where = artifact(result.path, root)
    stack_file = absolute
    loc = locate(str(absolute), v.resource if v else "", rule.config_path if rule else None)
    out: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": where,
            "region": {"startLine": loc.line},
        },
        "message": {"text": f"{loc.label} in {stack_file.name}"},
    }
    if v is not None:
        logical = {"kind": "resource", "name": v.resource or result.stack,
                   "fullyQualifiedName": v.urn or f"stack:{result.stack}"}
        out["logicalLocations"] = [logical]
    return out


def render(results: list[StackResult], root: Path | None = None) -> dict[str, Any]:
    from llmops_landing_zone.llz.offline import project_root

    root = root or project_root()
    rules = registry.rules()
    index = {r.name: i for i, r in enumerate(rules)}
    by_name = {r.name: r for r in rules}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for result in results:
        for line in result.errors:
            notifications.append({"level": "error", "message": {"text": f"{result.stack}: {line}"},
                                  "locations": [_location(result, None, None, root)]})
        for v in result.violations:
            rule = by_name[v.policy]
            entry: dict[str, Any] = {
                "ruleId": v.policy,
                "ruleIndex": index[v.policy],
                "level": LEVEL[v.severity],
                "message": {"text": f"[{result.stack}] {v.resource or 'stack'}: {v.message} "
                                    f"({v.enforcement}). {rule.remediation}"},
                "locations": [_location(result, v, rule, root)],
                "partialFingerprints": {"llzFinding/v1": _fingerprint(v, result.stack)},
                "baselineState": "unchanged" if v.baselined else "new",
                "properties": {"stack": result.stack, "cloud": result.cloud, "environment": result.environment,
                               "enforcement": v.enforcement, "severity": v.severity, "urn": v.urn,
                               "resource": v.resource},
            }
            if v.suppressed_by is not None and not v.baselined:
                entry["suppressions"] = [{"kind": "external", "status": "accepted",
                                          "justification": v.suppressed_by}]
            sarif_results.append(entry)
    return {
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": registry.PACK_NAME,
                "fullName": "llmops-guardrails CrossGuard policy pack (llz check)",
                "version": TOOL_VERSION,
                "semanticVersion": TOOL_VERSION,
                "informationUri": REPOSITORY,
                "rules": [rule_descriptor(r) for r in rules],
            }},
            "automationDetails": {"id": "llz-check/"},
            "originalUriBaseIds": {SRCROOT: {"uri": root.resolve().as_uri() + "/"}},
            "invocations": [{"executionSuccessful": not notifications,
                             "toolExecutionNotifications": notifications}],
            "results": sarif_results,
        }],
    }
