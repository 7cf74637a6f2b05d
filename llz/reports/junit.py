"""JUnit XML: one test suite per stack, one test case per policy of the pack.

A mandatory violation is a ``<failure>``; advisory and suppressed findings pass, listed in ``<system-out>``;
policies that do not apply to the stack's environment (or are disabled) are ``<skipped>``; an invalid stack
config is one ``<error>`` test case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from llmops_landing_zone.policies import registry

if TYPE_CHECKING:
    from llmops_landing_zone.llz.results import StackResult


def _suite(result: StackResult) -> ET.Element:
    suite = ET.Element("testsuite", name=result.stack)
    props = ET.SubElement(suite, "properties")
    for key, value in (("cloud", result.cloud), ("environment", result.environment), ("file", result.path),
                       ("resources", str(result.resources)), ("plan_seconds", f"{result.plan_seconds:.3f}"),
                       ("eval_seconds", f"{result.eval_seconds:.3f}")):
        ET.SubElement(props, "property", name=key, value=value)
    tests = failures = errors = skipped = 0
    if result.errors:
        case = ET.SubElement(suite, "testcase", classname=f"llz.{result.stack}", name="stack-config")
        err = ET.SubElement(case, "error", message="invalid stack config", type="ConfigError")
        err.text = "\n".join(result.errors)
        tests, errors = 1, 1
    else:
        ran = set(result.rules_run)
        share = result.eval_seconds / max(1, len(ran))
        for rule in registry.rules():
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=f"llz.{result.stack}.{rule.scope}", name=rule.name,
                                 time=f"{share if rule.name in ran else 0:.4f}")
            if rule.name not in ran:
                skipped += 1
                ET.SubElement(case, "skipped", message=f"not applicable to {result.environment} (or disabled)")
                continue
            found = [v for v in result.violations if v.policy == rule.name]
            blocking = [v for v in found if v.blocking]
            if blocking:
                failures += 1
                fail = ET.SubElement(case, "failure", type="mandatory",
                                     message=f"{len(blocking)} mandatory violation(s): {blocking[0].message}")
                fail.text = "\n".join(f"{v.resource or '(stack)'} [{v.urn or '-'}]: {v.message}" for v in blocking) + \
                    f"\nRemediation: {rule.remediation}\n{rule.url}"
            others = [v for v in found if not v.blocking]
            if others:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(
                    f"{v.enforcement}{' suppressed (' + v.suppressed_by + ')' if v.suppressed_by else ''}: "
                    f"{v.resource or '(stack)'}: {v.message}" for v in others)
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", f"{result.plan_seconds + result.eval_seconds:.3f}")
    return suite


def render(results: list[StackResult]) -> str:
    root = ET.Element("testsuites", name="llz check")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    elapsed = 0.0
    for result in results:
        suite = _suite(result)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        elapsed += float(suite.get("time", "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{elapsed:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
