"""``llz``: validate, preview, check, cost, size, graph, schema, preflight, versions and prices for landing-zone
stacks.

STACK is a stack name under stacks/ (``aws-prod``) or a path to a ``Pulumi.<name>.yaml`` file. A bad config
prints every issue with its key path and exits 2; nothing is planned or registered.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from llmops_landing_zone.components.config import ConfigError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Offline planning, guardrails and FinOps for the LLMOps landing zone.")
prices_app = typer.Typer(no_args_is_help=True, help="Maintain the dated price catalog.")
app.add_typer(prices_app, name="prices")
policy_app = typer.Typer(no_args_is_help=True, help="Guardrail pack settings for the real `pulumi preview` path.")
app.add_typer(policy_app, name="policy")

Stack = Annotated[str, typer.Argument(help="stack name under stacks/ or a path to Pulumi.<name>.yaml")]
NoCache = Annotated[bool, typer.Option(
    "--no-cache", help="plan afresh, not from the plan cache (as LLZ_NO_CACHE=1)")]


def _fail_config(exc: ConfigError) -> typer.Exit:
    where = f" ({exc.source})" if exc.source else ""
    typer.echo(f"invalid stack config{where}:", err=True)
    for line in exc.lines:
        typer.echo(f"  {line}", err=True)
    return typer.Exit(2)


def _warn(cfg) -> None:
    """Findings that do not stop the stack (support that ends soon), on stderr."""
    from llmops_landing_zone.components.config import warnings

    for line in warnings(cfg):
        typer.echo(f"warning: {line}", err=True)


def _plan(stack: str, no_cache: bool = False):
    from llmops_landing_zone.llz import offline
    from llmops_landing_zone.llz.engine import OfflineRunError

    try:
        return offline.plan(stack, False if no_cache else None)
    except ConfigError as exc:
        raise _fail_config(exc) from None
    except OfflineRunError as exc:
        typer.echo(f"the program failed offline: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def validate(
    stack: Stack,
    json_out: Annotated[bool, typer.Option("--json", help="print {stack, valid, errors, warnings} as JSON")] = False,
    against: Annotated[str | None, typer.Option(
        help="the stack's previous version (file or stack name): refuse changes that cannot apply in place")] = None,
) -> None:
    """Check a stack config only (no plan). Exit 0 when valid, 2 when not."""
    import json

    from llmops_landing_zone.components.config import warnings
    from llmops_landing_zone.components.config.changes import change_issues
    from llmops_landing_zone.llz import offline

    try:
        name, _path, cfg = offline.load(stack)
        if against is not None:
            _, base_path, before = offline.load(against, versions=False)
            if issues := change_issues(before, cfg):
                raise ConfigError(issues, f"{stack} against {base_path}")
    except ConfigError as exc:
        if json_out:
            typer.echo(json.dumps({"stack": stack, "valid": False, "errors": exc.lines, "warnings": []}, indent=2))
            raise typer.Exit(2) from None
        raise _fail_config(exc) from None
    if json_out:
        typer.echo(json.dumps({"stack": name, "valid": True, "errors": [], "warnings": warnings(cfg)}, indent=2))
        return
    typer.echo(f"{name}: valid ({cfg.cloud}, {cfg.environment}, {len(cfg.gpu_pools)} GPU pool(s), "
               f"{len(cfg.endpoints)} endpoint(s), {len(cfg.vector_stores)} vector store(s), {len(cfg.teams)} team(s))")
    _warn(cfg)


@app.command()
def preview(
    stack: Stack,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the plan JSON here ('-': stdout only)")] = None,
    no_cache: NoCache = False,
) -> None:
    """Offline plan: resource tree, counts per type, policy summary and monthly cost."""
    from llmops_landing_zone.llz import offline
    from llmops_landing_zone.llz import preview as render

    plan = _plan(stack, no_cache)
    _, _, cfg = offline.load(stack)
    _warn(cfg)
    render.attach_policy_and_cost(plan, cfg)
    if json_out == Path("-"):
        typer.echo(plan.to_json())
        return
    render.print_preview(plan)
    if json_out is not None:
        json_out.write_text(plan.to_json())
        typer.echo(f"plan written to {json_out}")


@app.command()
def check(
    stacks: Annotated[list[str] | None, typer.Argument(help="stacks to check (default: every stack)")] = None,
    sarif: Annotated[Path | None, typer.Option(help="write SARIF 2.1.0 here")] = None,
    markdown: Annotated[Path | None, typer.Option(help="write a PR comment (Markdown) here")] = None,
    junit: Annotated[Path | None, typer.Option(help="write JUnit XML here")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the results as JSON instead of tables")] = False,
    no_cache: NoCache = False,
) -> None:
    """Run the guardrail pack over offline plans. Exit 1 on any mandatory violation."""
    from llmops_landing_zone.llz import check as checker
    from llmops_landing_zone.llz import offline

    raise typer.Exit(checker.main(stacks or offline.all_stacks(), sarif, markdown, junit, as_json=json_out,
                                  cache=False if no_cache else None))


@app.command()
def cost(
    stack: Stack,
    against: Annotated[str | None, typer.Option(help="stack name or plan JSON to diff against")] = None,
    markdown: Annotated[Path | None, typer.Option(help="write the table or diff as Markdown here")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the estimate as JSON (not with --against)")] = False,
    no_cache: NoCache = False,
) -> None:
    """Monthly cost estimate at minimum and maximum scale, or the diff against another stack or plan."""
    from llmops_landing_zone.llz import cost as costs

    if json_out and against is not None:
        typer.echo("--json prints one estimate; use it without --against", err=True)
        raise typer.Exit(2)
    try:
        raise typer.Exit(costs.main(stack, against, markdown, as_json=json_out,
                                    cache=False if no_cache else None))
    except ConfigError as exc:
        raise _fail_config(exc) from None


@app.command()
def size(
    model: Annotated[str, typer.Option(help="catalog model id, e.g. llama-3.1-70b")],
    precision: Annotated[str, typer.Option(help="fp32 | bf16 | fp16 | fp8 | int8 | int4")] = "bf16",
    context: Annotated[int, typer.Option(help="maximum context length in tokens")] = 8192,
    concurrency: Annotated[int, typer.Option(help="concurrent sequences at full context")] = 16,
    cloud: Annotated[str | None, typer.Option(help="aws | gcp | azure (default: all)")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the feasible shapes as JSON")] = False,
    load: Annotated[str | None, typer.Option(
        help="expected load RPS:PROMPT:OUTPUT (requests/s, prompt and output tokens per request), e.g. 2:1000:200: "
             "adds replicas for the load and $ per million output tokens, and ranks shapes by it")] = None,
) -> None:
    """GPU shapes that fit a model, cheapest first (per million output tokens with --load). Exit 2 when nothing
    fits or the input is bad."""
    from llmops_landing_zone.llz import size as sizing

    raise typer.Exit(sizing.main(model, precision, context, concurrency, cloud, as_json=json_out, load=load))


@app.command()
def graph(
    stack: Stack,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="mermaid | dot (default: mermaid, or what --output's extension says)")] = None,
    level: Annotated[str, typer.Option(
        help="components: one node per component with its key facts and monthly cost, edges for dependencies "
             "between components | resources: every resource")] = "components",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="write FILE.mmd or FILE.dot (text), or FILE.svg / FILE.png (drawn by Graphviz's "
                               "`dot`, which must be installed)")] = None,
    no_cache: NoCache = False,
) -> None:
    """Architecture diagram of the offline plan: its components (default) or every resource. Exit 2 on a bad
    option or when an image is asked for and Graphviz is not installed."""
    from llmops_landing_zone.llz import graph as graphs

    if fmt is not None and fmt not in graphs.FORMATS:
        typer.echo(f"--format must be one of {', '.join(graphs.FORMATS)}", err=True)
        raise typer.Exit(2)
    if level not in graphs.LEVELS:
        typer.echo(f"--level must be one of {', '.join(graphs.LEVELS)}", err=True)
        raise typer.Exit(2)
    if output is None:
        typer.echo(graphs.render(_plan(stack, no_cache), fmt or "mermaid", level))
        return
    try:
        out_fmt = graphs.output_format(output)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if fmt is not None and out_fmt in graphs.FORMATS and fmt != out_fmt:
        typer.echo(f"--format {fmt} does not match --output {output.name} ({out_fmt})", err=True)
        raise typer.Exit(2)
    if out_fmt not in graphs.FORMATS and not graphs.graphviz_installed():
        typer.echo(graphs.missing_graphviz(output), err=True)  # before planning: the missing tool is the answer
        raise typer.Exit(2)
    try:
        graphs.write(_plan(stack, no_cache), output, level)
    except graphs.RenderError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {output}", err=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a stack file (stacks/schema.json is this output)."""
    from llmops_landing_zone.llz.schema import schema_json

    typer.echo(schema_json(), nl=False)


@app.command()
def preflight(stack: Stack) -> None:
    """Live read-only checks with your AWS credentials (GPU quotas, instance offerings per AZ)."""
    from llmops_landing_zone.llz import preflight as checks

    try:
        raise typer.Exit(checks.main(stack))
    except ConfigError as exc:
        raise _fail_config(exc) from None


@app.command()
def versions(
    stacks: Annotated[list[str] | None, typer.Argument(help="stacks to report (default: every stack)")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
) -> None:
    """Everything pinned (Kubernetes minor, images, autoscaler line, GPU driver, provider SDKs) with its
    support window. Exit 1 when something in use is out of support, 0 otherwise."""
    from llmops_landing_zone.llz import offline
    from llmops_landing_zone.llz import versions as report

    configs = {}
    for stack in stacks or offline.all_stacks():
        try:
            name, _path, cfg = offline.load(stack, versions=False)
        except ConfigError as exc:
            raise _fail_config(exc) from None
        configs[name] = cfg
    raise typer.Exit(report.main(configs, json_out))


@app.command("deploy-path")
def deploy_path(
    stack: Stack,
    urns: Annotated[bool, typer.Option("--urns", help="print only the Kubernetes provider URNs the two passes "
                                                       "name (one per line, for the deploy workflow)")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
    no_cache: NoCache = False,
) -> None:
    """How CI deploys the stack: one `pulumi up`, or, when the API server is private, a cloud pass from a hosted
    runner and a cluster pass from the runner inside the zone's network, with their exact commands."""
    from llmops_landing_zone.llz import deploy_path as dp
    from llmops_landing_zone.llz import offline

    try:
        name, _path, cfg = offline.load(stack)
    except ConfigError as exc:
        raise _fail_config(exc) from None
    rep = dp.report(name, cfg, _plan(stack, no_cache))
    typer.echo("\n".join(rep["kubernetesProviders"]) if urns else dp.render(rep, json_out))


@policy_app.command("config")
def policy_config(stack: Stack) -> None:
    """Print the --policy-pack-config JSON (enforcement and suppressions) of a stack for `pulumi preview`."""
    import json

    from llmops_landing_zone.llz import check as checker

    try:
        typer.echo(json.dumps(checker.pack_config(stack), indent=2))
    except ConfigError as exc:
        raise _fail_config(exc) from None


@policy_app.command("baseline")
def policy_baseline(stack: Stack) -> None:
    """Print a baseline accepting every current finding of a stack (save it, set policy.baseline to it)."""
    import json

    from llmops_landing_zone.llz import check as checker

    try:
        typer.echo(json.dumps(checker.baseline(stack), indent=2))
    except ConfigError as exc:
        raise _fail_config(exc) from None


@prices_app.command("refresh")
def prices_refresh(
    cloud: Annotated[str, typer.Option(help="cloud whose prices to refresh: aws | gcp | azure")] = "aws",
    out_dir: Annotated[Path | None, typer.Option(help="where to write the dated catalog files")] = None,
    api_key: Annotated[str | None, typer.Option(
        help="GCP only: Cloud Billing Catalog API key (or LLZ_GCP_API_KEY; else Application Default Credentials)")
    ] = None,
) -> None:
    """Pull current list prices from the cloud's public price source (AWS bulk offer files, Azure Retail Prices
    API, GCP Cloud Billing Catalog API) and write new dated offers and shapes files."""
    from llmops_landing_zone.components.catalog import DATA_DIR
    from llmops_landing_zone.llz import prices

    try:
        paths = prices.refresh(cloud, out_dir or DATA_DIR, api_key=api_key)
    except (prices.RefreshError, OSError) as exc:
        typer.echo(f"price refresh failed: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in paths:
        typer.echo(f"wrote {path}")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"llz {version('llmops-landing-zone')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    """Offline planning, guardrails and FinOps for the LLMOps landing zone."""


def main() -> None:
    """Console entry: ``llz ... | head`` closing the pipe early is not an error (exit 0, no traceback)."""
    try:
        app()
    except SystemExit as exc:
        # On EPIPE, typer (like click) wraps stdout in a flush-pacifying wrapper and exits 1.
        if exc.code == 1 and type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
            raise SystemExit(0) from None
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
