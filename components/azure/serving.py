"""Serving: the zone's model storage, vLLM endpoints on AKS (workload identity that can only read the model
container), and managed endpoints on Azure ML (a private, CMK-encrypted workspace with a managed network,
managed online endpoints and deployments).

vLLM streams safetensors straight from ``az://models/<hf repo>`` in the model storage account (Run:ai model
streamer, the Kubernetes layer's ``az://`` support) with the endpoint's own user-assigned identity, federated
with the endpoint's Kubernetes service account: no secret exists anywhere.
https://learn.microsoft.com/azure/aks/workload-identity-overview
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.base import (
    ALL_LOGS,
    ALL_METRICS,
    AzureContext,
    LogSink,
    delete_lock,
    diagnostics,
    grant,
)
from llmops_landing_zone.components.azure.keys import Keys, vault_with_endpoint
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.azure.registry import registry_model
from llmops_landing_zone.components.azure.storage import PrivateStorage, private_storage, storage_diagnostics
from llmops_landing_zone.components.common import child, stateful
from llmops_landing_zone.components.k8s import VllmEndpoint, VllmEndpointArgs, canary_args, images, service_account_name
from llmops_landing_zone.components.k8s.scheduling import PoolScheduling
from llmops_landing_zone.components.naming import name
from llmops_landing_zone.components.resolve import EndpointSpec

MODEL_STORE_TYPE = "llmops:azure:ModelStore"
VLLM_TYPE = "llmops:azure:VllmService"
WORKSPACE_TYPE = "llmops:azure:MlWorkspace"
MANAGED_TYPE = "llmops:azure:ManagedEndpoint"
MODEL_CONTAINER = "models"
# Azure AD workload identity: the token exchange audience, the service account annotation and the pod label
# the AKS mutating webhook acts on. https://azure.github.io/azure-workload-identity/docs/
TOKEN_AUDIENCE = "api://AzureADTokenExchange"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
USE_LABEL = "azure.workload.identity/use"
DEPLOYMENT_NAME = "primary"  # the endpoint's own deployment
CANARY_DEPLOYMENT = "canary"  # its canary's (endpoints.<name>.canary), weighted or mirrored by the endpoint
# Azure Monitor autoscale of a managed deployment on GPU utilisation (deployment metrics:
# https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-machinelearningservices-workspaces-onlineendpoints-deployments-metrics)
SCALE_METRIC = "GpuUtilizationPercentage"
SCALE_OUT_ABOVE, SCALE_IN_BELOW = 70, 25


# --- model storage --------------------------------------------------------------------------------------------

@dataclass
class ModelStoreArgs:
    prefix: str  # the zone's name
    ctx: AzureContext
    network: Network
    keys: Keys
    sink: LogSink
    protect: bool = False  # protect + retainOnDelete (prod): checkpoints are user data
    deletion_protection: bool = False  # the CanNotDelete lock
    zone_redundant: bool = False  # ZRS (prod) rather than LRS, and 30 rather than 7 days of soft delete


class ModelStore(pulumi.ComponentResource):
    """The zone's model weights: a private, CMK-encrypted storage account with one ``models`` container."""

    def __init__(self, name_: str, args: ModelStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(MODEL_STORE_TYPE, name_, None, opts)
        z, ctx = args.prefix, args.ctx
        self.account_name = names.MODEL_STORAGE.render(z, suffix=ctx.suffix)
        self.store: PrivateStorage = private_storage(
            name(z, "model-store"), self.account_name, z, ctx, keys=args.keys, network=args.network,
            parent=self, sku="Standard_ZRS" if args.zone_redundant else "Standard_LRS",
            soft_delete_days=30 if args.zone_redundant else 7, protect=args.protect,
            deletion_protection=args.deletion_protection)
        self.container = azure.storage.BlobContainer(
            name(z, "models"), container_name=MODEL_CONTAINER, account_name=self.store.account.name,
            resource_group_name=args.network.resource_group.name, public_access="None",
            opts=stateful(args.protect, self, depends_on=[self.store.blob_service]))
        # The scope readers get: this container only, not the account.
        self.container_scope = pulumi.Output.concat(self.store.account.id, "/blobServices/default/containers/",
                                                    MODEL_CONTAINER)
        storage_diagnostics(name(z, "model-store"), z, self.store, args.sink, self)
        self.register_outputs({"account": self.account_name, "container": MODEL_CONTAINER})


# --- vLLM on AKS --------------------------------------------------------------------------------------------

def model_uri(path: str) -> str:
    """Where vLLM streams a checkpoint from: its path in the model storage account's ``models`` container."""
    return f"az://{MODEL_CONTAINER}/{path}"


@dataclass
class VllmServiceArgs:
    spec: EndpointSpec  # a vLLM endpoint (components/resolve.py)
    scheduling: PoolScheduling  # its pool's node contract: the GpuPool's ``scheduling``
    prefix: str  # the zone's name: names are <prefix>-<key>[-...]
    ctx: AzureContext
    resource_group: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    model_store: str  # the model storage account's name: vLLM streams az://models/<spec.model_path> from it
    model_store_id: pulumi.Input[str]  # what the endpoint's identity may read: the models container's id
    namespace: str
    k8s_provider: pulumi.ProviderResource
    # The in-cluster metrics collector's namespace when the zone collects serving metrics: KEDA then owns the
    # replica count (no CPU HPA) and the collector may reach the pods. None: CPU HPA, no scraper admitted.
    metrics_namespace: str | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the agent pool and the serving namespace
    vllm_image: images.Image | None = None  # the mirror's copy (components/<cloud>/mirror.py); None: upstream


class VllmService(pulumi.ComponentResource):
    """One vLLM endpoint: its Azure identity (federated with the endpoint's service account, Storage Blob
    Data Reader on the model container only) and the in-cluster objects from the Kubernetes layer."""

    def __init__(self, name_: str, args: VllmServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VLLM_TYPE, name_, None, opts)
        spec, ctx, z = args.spec, args.ctx, args.prefix
        key = spec.key
        self.identity = azure.managedidentity.UserAssignedIdentity(
            name(z, key, "vllm-id"), resource_name_=name(z, key, "vllm"), resource_group_name=args.resource_group,
            location=ctx.location, opts=child(self))
        sa = service_account_name(key)
        self.federation = azure.managedidentity.FederatedIdentityCredential(
            name(z, key, "vllm-fic"), federated_identity_credential_resource_name=name(z, key),
            resource_name_=self.identity.name, resource_group_name=args.resource_group,
            issuer=args.oidc_issuer_url, subject=f"system:serviceaccount:{args.namespace}:{sa}",
            audiences=[TOKEN_AUDIENCE], opts=child(self))
        self.reader = grant(name(z, key, "vllm-models"), ctx, scope=args.model_store_id,
                            role="Storage Blob Data Reader", principal_id=self.identity.principal_id, parent=self)
        vllm = VllmEndpointArgs(
            spec=spec, scheduling=args.scheduling, namespace=args.namespace,
            model_uri=model_uri(spec.model_path), service_account_name=sa,
            service_account_annotations={CLIENT_ID_ANNOTATION: self.identity.client_id},  # type: ignore[dict-item]
            pod_labels={USE_LABEL: "true"},
            env={"AZURE_STORAGE_ACCOUNT_NAME": args.model_store},
            image=args.vllm_image or images.vllm_image("azure"),
            hpa=args.metrics_namespace is None,
            allow_from_namespaces=[args.metrics_namespace] if args.metrics_namespace else [])
        self.endpoint = VllmEndpoint(
            name(z, key), vllm,
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                        depends_on=[self.federation, self.reader, *args.depends_on]))
        self.canary = None
        if spec.canary is not None:
            # The canary's own service account, federated with the endpoint's identity (same read access),
            # and its own Deployment, Service, scaler and PDB on the endpoint's pool.
            c = spec.canary
            federation = azure.managedidentity.FederatedIdentityCredential(
                name(z, c.key, "vllm-fic"), federated_identity_credential_resource_name=name(z, c.key),
                resource_name_=self.identity.name, resource_group_name=args.resource_group,
                issuer=args.oidc_issuer_url, subject=f"system:serviceaccount:{args.namespace}:"
                                                     f"{service_account_name(c.key)}",
                audiences=[TOKEN_AUDIENCE], opts=child(self))
            self.canary = VllmEndpoint(
                name(z, c.key), canary_args(vllm, c, model_uri(c.spec.model_path)),
                opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                            depends_on=[federation, self.reader, *args.depends_on]))
        self.register_outputs({"clientId": self.identity.client_id, "url": self.endpoint.url})


# --- Azure ML -------------------------------------------------------------------------------------------------

@dataclass
class MlWorkspaceArgs:
    prefix: str  # the zone's name
    ctx: AzureContext
    network: Network
    keys: Keys
    sink: LogSink
    protect: bool = False
    deletion_protection: bool = False
    prod: bool = False  # zone-redundant storage, 30 days of soft delete, a high-business-impact workspace


class MlWorkspace(pulumi.ComponentResource):
    """The Azure ML workspace managed endpoints live in: no public network access (a private endpoint for
    clients), a managed network that only allows approved outbound traffic, CMK encryption with the zone's
    data key, identity-based access to its own private storage and Key Vault, App Insights on the audit
    workspace. https://learn.microsoft.com/azure/machine-learning/how-to-managed-network"""

    def __init__(self, name_: str, args: MlWorkspaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(WORKSPACE_TYPE, name_, None, opts)
        ctx, network, keys = args.ctx, args.network, args.keys
        z, rg, prod, protect = args.prefix, network.resource_group.name, args.prod, args.protect
        self.storage = private_storage(
            name(z, "ml-store"), names.ML_STORAGE.render(z, suffix=ctx.suffix), z, ctx, keys=keys,
            network=network, parent=self, sku="Standard_ZRS" if prod else "Standard_LRS",
            soft_delete_days=30 if prod else 7, protect=protect, deletion_protection=args.deletion_protection)
        self.vault, _ = vault_with_endpoint(
            name(z, "ml-kv"), names.ML_KEY_VAULT.render(z, suffix=ctx.suffix), ctx, network=network, parent=self,
            prefix=z, protect=protect, deletion_protection=args.deletion_protection)
        self.insights = azure.applicationinsights.Component(
            name(z, "ml-insights"), resource_name_=name(z, "ml-insights"), resource_group_name=rg,
            location=ctx.location, kind="web", application_type="web", ingestion_mode="LogAnalytics",
            workspace_resource_id=args.sink.workspace_id, disable_local_auth=True,
            opts=stateful(protect, self))  # the workspace's telemetry resource: protected and retained in prod
        self.workspace_name = names.ML_WORKSPACE.render(z)
        self.workspace = azure.machinelearningservices.Workspace(
            name(z, "mlw"), workspace_name=self.workspace_name, resource_group_name=rg, location=ctx.location,
            kind="Default", sku={"name": "Basic", "tier": "Basic"},
            friendly_name=f"{z} managed endpoints",
            identity={"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [keys.cmk_identity.id]},
            storage_account=self.storage.account.id, key_vault=self.vault.id,
            application_insights=self.insights.id,
            public_network_access="Disabled",
            managed_network={"isolation_mode": "AllowOnlyApprovedOutbound"},
            provision_network_now=True,  # the managed network exists before the first deployment needs it
            encryption={"status": "Enabled",
                        "key_vault_properties": {"key_vault_arm_id": keys.vault.id,
                                                 "key_identifier": keys.keys["data"].key_uri_with_version},
                        "identity": {"user_assigned_identity": keys.cmk_identity.id}},
            system_datastores_auth_mode="Identity",  # the workspace storage allows no shared keys
            hbi_workspace=prod,  # high business impact: less diagnostic data leaves the workspace
            v1_legacy_mode=False,
            opts=stateful(protect, self, depends_on=keys.cmk_grants))
        delete_lock(name(z, "mlw-lock"), z, scope=self.workspace.id, parent=self, what="the Azure ML workspace",
                    deletion_protection=args.deletion_protection)
        self.endpoint = network.private_endpoint(name(z, "mlw-pe"), target_id=self.workspace.id,
                                                 group_id="amlworkspace", parent=self)
        diagnostics(name(z, "mlw-diag"), z, resource_id=self.workspace.id, sink=args.sink, parent=self,
                    metrics=ALL_METRICS)
        diagnostics(name(z, "ml-kv-diag"), z, resource_id=self.vault.id, sink=args.sink, parent=self,
                    metrics=ALL_METRICS)
        storage_diagnostics(name(z, "ml-store"), z, self.storage, args.sink, self)
        self.register_outputs({"workspace": self.workspace_name})


@dataclass
class ManagedEndpointArgs:
    spec: EndpointSpec  # a managed endpoint (components/resolve.py): its Azure ML instance type, replicas
    name: str  # the online endpoint's name (the zone renders components.azure.names.ML_ENDPOINT)
    prefix: str  # the zone's name: logical names are <prefix>-<key>-...
    ctx: AzureContext
    resource_group: pulumi.Input[str]
    workspace_name: pulumi.Input[str]  # the Azure ML workspace (MlWorkspace) the endpoint lives in
    sink: LogSink  # where the endpoint's diagnostics go
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the workspace's private endpoint


# Registry models load their weights for minutes before the server answers: liveness waits for that,
# readiness polls from the start (values of Azure ML's own registry-model deployments).
LIVENESS = {"initial_delay": "PT15M", "period": "PT10S", "timeout": "PT2S", "failure_threshold": 60,
            "success_threshold": 1}
READINESS = {"initial_delay": "PT10S", "period": "PT10S", "timeout": "PT2S", "failure_threshold": 30,
             "success_threshold": 1}


class ManagedEndpoint(pulumi.ComponentResource):
    """A managed online endpoint (Entra ID tokens only, no public network access) with one deployment of the
    registry model on the catalog's Azure ML instance type, scaled by Azure Monitor between replicas.min and
    replicas.max. Callers name the deployment in the ``azureml-model-deployment`` header: endpoint traffic can
    only name a deployment that already exists, which a single declarative pass cannot order. With a canary, a
    second deployment (``canary``) and the endpoint's ``traffic`` (or ``mirror_traffic``) split between them."""

    def __init__(self, name_: str, args: ManagedEndpointArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(MANAGED_TYPE, name_, None, opts)
        spec, ctx, z = args.spec, args.ctx, args.prefix
        key, canary = spec.key, spec.canary
        model = registry_model(spec.model_id, spec.precision) if spec.from_catalog else None
        assert model is not None, "config validation guarantees an Azure ML registry model"
        assert spec.shape is not None, "a managed EndpointSpec has its Azure ML shape"
        self.shape = spec.shape
        self.endpoint_name = args.name
        self.canary_deployment = None
        release: dict[str, dict[str, int]] = {}
        after: list[pulumi.Resource] = []
        if canary is not None:
            # Endpoint traffic may only name deployments that exist: the canary deployment names the endpoint
            # by its (known) name and the endpoint's traffic is updated after it is created. So a canary is
            # added to an endpoint already deployed (README "Canary, A/B and shadow releases").
            # traffic sums to 100; mirror_traffic copies a share (at most 50) to a deployment whose answers are
            # dropped (learn.microsoft.com/azure/machine-learning/how-to-safely-rollout-online-endpoints).
            self.canary_deployment, _ = self._deployment(args, canary.spec, CANARY_DEPLOYMENT, args.name)
            after = [self.canary_deployment]
            release = ({"traffic": {DEPLOYMENT_NAME: 100}, "mirror_traffic": {CANARY_DEPLOYMENT: canary.weight}}
                       if canary.mirror else
                       {"traffic": {DEPLOYMENT_NAME: canary.stable_weight, CANARY_DEPLOYMENT: canary.weight}})
        self.endpoint = azure.machinelearningservices.OnlineEndpoint(
            name(z, key, "online"), endpoint_name=self.endpoint_name, workspace_name=args.workspace_name,
            resource_group_name=args.resource_group, location=ctx.location, kind="Managed",
            identity={"type": "SystemAssigned"},
            # AADToken: callers present Entra ID tokens (AzureML Data Scientist can score); no keys to leak.
            properties={"auth_mode": "AADToken", "public_network_access": "Disabled",
                        "description": f"{z} {key}: {model.name}", **release},
            opts=child(self, depends_on=[*args.depends_on, *after]))
        self.deployment, self.autoscale = self._deployment(args, spec, DEPLOYMENT_NAME, self.endpoint.name)
        # What base.diagnostics creates, named by the zone's prefix (it reads the zone config for it).
        azure.monitor.DiagnosticSetting(
            name(z, key, "online-diag"), name=f"{z}-audit", resource_uri=self.endpoint.id,
            workspace_id=args.sink.workspace_id, storage_account_id=args.sink.storage_account_id,
            log_analytics_destination_type="Dedicated", logs=ALL_LOGS, metrics=ALL_METRICS, opts=child(self))
        self.register_outputs({"endpoint": self.endpoint_name, "deployment": DEPLOYMENT_NAME,
                               "instanceType": self.shape.name})

    def _deployment(self, args: ManagedEndpointArgs, spec: EndpointSpec, deployment_name: str,
                    endpoint_name: pulumi.Input[str]) -> tuple[pulumi.CustomResource,
                                                                 pulumi.CustomResource | None]:
        """One deployment of a registry model on the endpoint's instance type (``spec``: the endpoint's or its
        canary's), scaled by Azure Monitor between its replicas.min and .max; logical names by ``spec.key``."""
        ml, ctx, z, key = azure.machinelearningservices, args.ctx, args.prefix, spec.key
        model = registry_model(spec.model_id, spec.precision) if spec.from_catalog else None
        assert model is not None, "config validation guarantees an Azure ML registry model"
        autoscaled = spec.replicas_max > spec.replicas_min
        deployment = ml.OnlineDeployment(
            name(z, key, "deployment"), deployment_name=deployment_name, endpoint_name=endpoint_name,
            workspace_name=args.workspace_name, resource_group_name=args.resource_group, location=ctx.location,
            kind="Managed", sku={"name": "Default", "capacity": spec.replicas_min},
            # Typed args: `properties` is a union (managed | Kubernetes), so plain dict keys would not be mapped.
            properties=ml.ManagedOnlineDeploymentArgs(
                endpoint_compute_type="Managed",
                instance_type=self.shape.name,
                model=model.asset_id,
                environment_variables={"AZUREML_MODEL_DIR": model.model_dir},
                # The instance count is sku.capacity, moved between replicas.min and .max by the autoscale.
                scale_settings=ml.DefaultScaleSettingsArgs(scale_type="Default"),
                # concurrency is per instance: the server batches that many requests, the rest queue briefly
                request_settings=ml.OnlineRequestSettingsArgs(
                    max_concurrent_requests_per_instance=spec.concurrency, request_timeout="PT90S",
                    max_queue_wait="PT30S"),
                liveness_probe=ml.ProbeSettingsArgs(**LIVENESS), readiness_probe=ml.ProbeSettingsArgs(**READINESS),
                app_insights_enabled=True,
                # The SDK would default this to Enabled; egress is governed by the workspace's managed network,
                # and the deployment states the same intent.
                egress_public_network_access="Disabled"),
            # With an autoscale the instance count is Azure Monitor's after creation, as node counts are the
            # cluster autoscaler's: `pulumi up` must not reset a scaled-out deployment to replicas.min.
            opts=child(self, ignore_changes=["sku.capacity"] if autoscaled else None))
        autoscale = None
        if autoscaled:
            autoscale = azure.monitor.AutoscaleSetting(
                name(z, key, "autoscale"), autoscale_setting_name=name(z, key, "autoscale"),
                resource_group_name=args.resource_group, location=ctx.location, enabled=True,
                target_resource_uri=deployment.id,
                profiles=[{
                    "name": "replicas",
                    "capacity": {"minimum": str(spec.replicas_min), "maximum": str(spec.replicas_max),
                                 "default": str(spec.replicas_min)},
                    "rules": [self._rule(deployment.id, "GreaterThan", SCALE_OUT_ABOVE, "Increase", "PT5M"),
                              self._rule(deployment.id, "LessThan", SCALE_IN_BELOW, "Decrease", "PT15M")],
                }],
                opts=child(self))
        return deployment, autoscale

    @staticmethod
    def _rule(deployment_id: pulumi.Output[str], operator: str, threshold: int, direction: str,
              cooldown: str) -> dict:
        # Scale out after 5 busy minutes, in after 15 quiet ones: a GPU instance takes minutes to come up.
        return {
            "metric_trigger": {"metric_name": SCALE_METRIC, "metric_resource_uri": deployment_id,
                               "metric_namespace": "microsoft.machinelearningservices/workspaces/onlineendpoints/"
                                                   "deployments",
                               "time_grain": "PT1M", "statistic": "Average",
                               "time_window": "PT5M" if direction == "Increase" else "PT15M",
                               "time_aggregation": "Average", "operator": operator, "threshold": threshold},
            "scale_action": {"direction": direction, "type": "ChangeCount", "value": "1", "cooldown": cooldown},
        }
