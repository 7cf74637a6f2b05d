"""Grafana JSON of the serving dashboard (components.observability.dashboards), built as typed objects with
grafana-foundation-sdk (the Grafana Labs SDK generated from Grafana's own schemas, targeting Grafana 10.4: the
schema Amazon Managed Grafana 10.4 and Azure Managed Grafana 11 both read; newer Grafana migrates it on load).

The SDK is imported here only, so a zone without Grafana never loads it. ``grafana_objects`` creates the Grafana
API side of a managed Grafana (provider, data source, dashboard) with the pulumiverse-grafana provider; the
clouds' components/<cloud>/dashboards.py call it.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

from llmops_landing_zone.components.observability.dashboards import DashboardModel, Panel

DATASOURCE_UID = "llz-prometheus"  # the Prometheus data source the zone creates in Grafana (one per instance)
PANEL_WIDTH, PANEL_HEIGHT = 8, 8  # three panels per 24-column row
REFRESH = "1m"


def _panel(p: Panel, datasource: Any, id_: int) -> Any:
    from grafana_foundation_sdk.builders import prometheus, timeseries

    panel = (timeseries.Panel().id(id_).title(p.title).unit(p.unit).datasource(datasource)
             .span(PANEL_WIDTH).height(PANEL_HEIGHT))
    if p.description:
        panel = panel.description(p.description)
    for i, q in enumerate(p.queries):
        panel = panel.with_target(prometheus.Dataquery().expr(q.expr).legend_format(q.legend).ref_id(chr(ord("A") + i)))
    return panel


def grafana_json(model: DashboardModel, datasource_uid: str = DATASOURCE_UID) -> str:
    """The dashboard as Grafana JSON (what the HTTP API's ``dashboard`` field and the grafana provider's
    ``config_json`` take); deterministic: keys sorted."""
    from grafana_foundation_sdk.builders import dashboard as dash
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models.dashboard import DataSourceRef

    ds = DataSourceRef(type_val="prometheus", uid=datasource_uid)
    builder = (dash.Dashboard(model.title).uid(model.uid).tags(list(model.tags)).refresh(REFRESH)
               .time("now-6h", "now").timezone("utc").readonly())
    ids = iter(range(1, 10_000))  # unique panel ids (links and panel views use them)
    for row in model.rows:
        builder = builder.with_row(dash.Row(row.title).id(next(ids)))
        for p in row.panels:
            builder = builder.with_panel(_panel(p, ds, next(ids)))
    return json.dumps(json.loads(JSONEncoder(sort_keys=True).encode(builder.build())), sort_keys=True)


def grafana_dict(model: DashboardModel, datasource_uid: str = DATASOURCE_UID) -> dict[str, Any]:
    return json.loads(grafana_json(model, datasource_uid))


def grafana_objects(parent: pulumi.Resource, z: str, url: pulumi.Input[str], auth: pulumi.Input[str],
                    source: dict[str, object], dashboard_json: str, depends_on: list[pulumi.Resource] | None = None,
                    ) -> tuple[pulumi.ProviderResource, pulumi.Resource, pulumi.Resource]:
    """The Grafana API side, shared by AWS and Azure: a provider on the instance, the zone's Prometheus data
    source (uid ``DATASOURCE_UID``, which every panel names) and the serving dashboard."""
    import pulumiverse_grafana as grafana

    provider = grafana.Provider(f"{z}-grafana", url=url, auth=pulumi.Output.secret(auth),
                                opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or []))
    api = pulumi.ResourceOptions(parent=parent, provider=provider)
    source_ = grafana.oss.DataSource(f"{z}-prometheus", name=f"{z} Prometheus", uid=DATASOURCE_UID,
                                     is_default=True, opts=api, **source)  # type: ignore[arg-type]
    dashboard = grafana.oss.Dashboard(f"{z}-serving", config_json=dashboard_json, overwrite=True,
                                      message="llmops-landing-zone", opts=pulumi.ResourceOptions.merge(
                                          api, pulumi.ResourceOptions(depends_on=[source_])))
    return provider, source_, dashboard
