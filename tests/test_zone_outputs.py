"""Every cloud exports the same stack outputs under the same names (one concept, one name)."""

from __future__ import annotations

import pytest

from llmops_landing_zone.components.config.loader import pulumi_config_values, read_stack_file
from llmops_landing_zone.components.program import main
from llmops_landing_zone.components.zone import BUDGET_OUTPUT, COMMON_OUTPUTS, LandingZone
from llmops_landing_zone.llz import engine, offline


@pytest.mark.parametrize("stack", offline.all_stacks())
def test_common_outputs_on_every_cloud(stack: str) -> None:
    name, path, cfg = offline.load(stack)
    zones: list[LandingZone] = []
    engine.run(lambda: zones.append(main(cfg)), stack=name, config=pulumi_config_values(read_stack_file(path)),
               region=cfg.region or "", gcp_project=cfg.project or "")
    outputs = zones[0].outputs
    assert set(COMMON_OUTPUTS) <= set(outputs)
    assert (BUDGET_OUTPUT in outputs) == (cfg.budget is not None)
    # maps keyed by config keys, like the config itself
    assert set(outputs["vectorStores"]) == set(cfg.vector_stores)
    vllm = {k for k, ep in cfg.endpoints.items() if ep.runtime == "vllm"}
    assert set(outputs["servingEndpoints"]) == vllm
    assert set(outputs["managedEndpoints"]) == set(cfg.endpoints) - vllm


def test_a_builder_missing_a_common_output_is_a_programming_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import llmops_landing_zone.components.aws.zone as aws_zone

    build = aws_zone.build
    monkeypatch.setattr(aws_zone, "build", lambda zone, cfg: {k: v for k, v in build(zone, cfg).items()
                                                             if k != "modelStore"})
    _, _, cfg = offline.load("aws-dev")
    with pytest.raises(TypeError, match="modelStore"):
        engine.run(lambda: main(cfg), stack="t", config={}, region=cfg.region or "")
