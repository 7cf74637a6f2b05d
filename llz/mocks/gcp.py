"""GCP mock outputs: ids, self links, emails and endpoints shaped like the real ones, derived from the
resource name so a plan is identical run to run. Inputs are echoed back by the engine; these add what Google
computes (resource ids in their API path form, service account emails, the GKE endpoint and CA, ...)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from typing import Any

from llmops_landing_zone.components import tokens
from llmops_landing_zone.llz.mocks.base import GCP_PROJECT_NUMBER, CallFn, MockContext, OutputFn

COMPUTE = "https://www.googleapis.com/compute/v1"
# Service agent domains per API (https://cloud.google.com/iam/docs/service-agents).
AGENT_DOMAINS = {
    "aiplatform.googleapis.com": "gcp-sa-aiplatform.iam.gserviceaccount.com",
    "alloydb.googleapis.com": "gcp-sa-alloydb.iam.gserviceaccount.com",
    "pubsub.googleapis.com": "gcp-sa-pubsub.iam.gserviceaccount.com",
    "container.googleapis.com": "container-engine-robot.iam.gserviceaccount.com",
    "compute.googleapis.com": "compute-system.iam.gserviceaccount.com",
    "logging.googleapis.com": "gcp-sa-logging.iam.gserviceaccount.com",
    "storage.googleapis.com": "gs-project-accounts.iam.gserviceaccount.com",
}
# A syntactically valid PEM body (not a real CA): what masterAuth.clusterCaCertificate carries, base64 again.
_CA_PEM = ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTW9jayBHS0UgY2x1c3RlciBDQTAKBggqhkjOPQQDAjAV\n"
           "-----END CERTIFICATE-----\n")


def _project(ctx: MockContext) -> str:
    return str(ctx.inputs.get("project") or ctx.project)


def _name(ctx: MockContext) -> str:
    return str(ctx.inputs.get("name") or ctx.name)


def _digits(ctx: MockContext, n: int = 19) -> str:
    """A numeric id (Vertex AI, Monitoring) that never starts with 0."""
    return str(int(ctx.digest(16), 16))[:n].lstrip("0") or "1"


def _agent(service: str) -> str:
    domain = AGENT_DOMAINS.get(service, f"gcp-sa-{service.split('.')[0]}.iam.gserviceaccount.com")
    return f"service-{GCP_PROJECT_NUMBER}@{domain}"


def _path(template: str) -> OutputFn:
    """``id`` (and ``name`` where the API uses the full path) from a template over project/region/name."""
    def fn(ctx: MockContext) -> dict[str, Any]:
        loc = ctx.inputs.get("location") or ctx.inputs.get("region") or ctx.region
        path = template.format(project=_project(ctx), region=loc, name=_name(ctx))
        return {"id": path, "selfLink": f"{COMPUTE}/{path}"} if path.startswith("projects/") else {"id": path}
    return fn


def _service(ctx: MockContext) -> dict[str, Any]:
    return {"id": f"{_project(ctx)}/{ctx.inputs.get('service')}"}


def _service_identity(ctx: MockContext) -> dict[str, Any]:
    email = _agent(str(ctx.inputs.get("service")))
    return {"id": f"projects/{_project(ctx)}/services/{ctx.inputs.get('service')}", "email": email,
            "member": f"serviceAccount:{email}"}


def _key_ring(ctx: MockContext) -> dict[str, Any]:
    location = ctx.inputs.get("location", ctx.region)
    return {"id": f"projects/{_project(ctx)}/locations/{location}/keyRings/{_name(ctx)}"}


def _crypto_key(ctx: MockContext) -> dict[str, Any]:
    return {"id": f"{ctx.inputs.get('keyRing')}/cryptoKeys/{_name(ctx)}",
            "primary": [{"name": "1", "state": "ENABLED"}]}


def _iam(ctx: MockContext) -> dict[str, Any]:
    return {"etag": f"BwY{ctx.digest(10)}="}


def _subnetwork(ctx: MockContext) -> dict[str, Any]:
    out = _path("projects/{project}/regions/{region}/subnetworks/{name}")(ctx)
    cidr = ctx.inputs.get("ipCidrRange")
    if cidr:
        out["gatewayAddress"] = str(next(ipaddress.ip_network(str(cidr)).hosts()))
    return out


def _account(ctx: MockContext) -> dict[str, Any]:
    email = f"{ctx.inputs.get('accountId')}@{_project(ctx)}.iam.gserviceaccount.com"
    path = f"projects/{_project(ctx)}/serviceAccounts/{email}"
    return {"id": path, "name": path, "email": email, "member": f"serviceAccount:{email}",
            "uniqueId": str(int(ctx.digest(16), 16))[:21]}


def _cluster(ctx: MockContext) -> dict[str, Any]:
    project, loc, name = _project(ctx), ctx.inputs.get("location", ctx.region), _name(ctx)
    private = (ctx.inputs.get("privateClusterConfig") or {}).get("enablePrivateEndpoint", True)
    internal = f"10.{int(ctx.digest(2), 16) % 250}.0.2"
    octets = int(ctx.digest(4), 16)
    public = f"34.{(octets >> 8) % 250}.{(octets & 0xFF) % 250}.10"
    endpoints = dict(ctx.inputs.get("controlPlaneEndpointsConfig") or {})
    dns = dict(endpoints.get("dnsEndpointConfig") or {})
    dns["endpoint"] = f"gke-{ctx.digest(32)}-{GCP_PROJECT_NUMBER}.{loc}.gke.goog"
    endpoints["dnsEndpointConfig"] = dns
    master_auth = dict(ctx.inputs.get("masterAuth") or {})
    master_auth["clusterCaCertificate"] = base64.b64encode(_CA_PEM.encode()).decode()
    private_config = {**(ctx.inputs.get("privateClusterConfig") or {}), "privateEndpoint": internal,
                      "publicEndpoint": "" if private else public}
    return {
        "id": f"projects/{project}/locations/{loc}/clusters/{name}",
        "selfLink": f"https://container.googleapis.com/v1/projects/{project}/locations/{loc}/clusters/{name}",
        "endpoint": internal if private else public,
        "masterAuth": master_auth,
        "controlPlaneEndpointsConfig": endpoints,
        "privateClusterConfig": private_config,
        "masterVersion": f"{ctx.inputs.get('minMasterVersion', '1.35')}.7-gke.1222000",
        "labelFingerprint": ctx.digest(8),
        "operation": "",
    }


def _node_pool(ctx: MockContext) -> dict[str, Any]:
    cluster = str(ctx.inputs.get("cluster", ""))
    name = _name(ctx)
    return {"id": f"{cluster}/nodePools/{name}" if cluster.startswith("projects/") else f"{cluster}/{name}",
            "instanceGroupUrls": [(f"{COMPUTE}/projects/{_project(ctx)}/zones/{ctx.region}-a/"
                                   f"instanceGroupManagers/gke-{name[:30]}-{ctx.digest(8)}-grp")],
            "version": ctx.inputs.get("version") or "1.35.7-gke.1222000"}


def _bucket(ctx: MockContext) -> dict[str, Any]:
    name = _name(ctx)
    return {"id": name, "url": f"gs://{name}", "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}",
            "projectNumber": GCP_PROJECT_NUMBER}


def _vertex(kind: str) -> OutputFn:
    def fn(ctx: MockContext) -> dict[str, Any]:
        loc = ctx.inputs.get("location") or ctx.inputs.get("region") or ctx.region
        rid = str(ctx.inputs.get("name") or _digits(ctx))
        path = f"projects/{_project(ctx)}/locations/{loc}/{kind}/{rid}"
        return {"id": path, "name": rid}
    return fn


def _garden(ctx: MockContext) -> dict[str, Any]:
    loc = ctx.inputs.get("location") or ctx.region
    endpoint = f"projects/{GCP_PROJECT_NUMBER}/locations/{loc}/endpoints/{_digits(ctx, 10)}"
    return {"id": endpoint, "endpoint": endpoint, "deployedModelId": _digits(ctx, 12),
            "deployedModelDisplayName": ctx.inputs.get("modelConfig", {}).get("modelDisplayName", ctx.name)}


def _deployed_index(ctx: MockContext) -> dict[str, Any]:
    endpoint = str(ctx.inputs.get("indexEndpoint", ""))
    region = ctx.inputs.get("region") or ctx.region
    tenant = f"t{ctx.digest(6)}-tp"  # Google-owned tenant project
    attachment = f"projects/{tenant}/regions/{region}/serviceAttachments/sa-gkedpm-{ctx.digest(20)}"
    return {"id": f"{endpoint}/deployedIndex/{ctx.inputs.get('deployedIndexId')}", "name": endpoint,
            "privateEndpoints": [{"matchGrpcAddress": "", "pscAutomatedEndpoints": [],
                                  "serviceAttachment": attachment}]}


def _address(ctx: MockContext) -> dict[str, Any]:
    out = _path("projects/{project}/regions/{region}/addresses/{name}")(ctx)
    return {**out, "address": f"10.40.0.{int(ctx.digest(2), 16) % 200 + 20}"}


def _forwarding_rule(ctx: MockContext) -> dict[str, Any]:
    out = _path("projects/{project}/regions/{region}/forwardingRules/{name}")(ctx)
    return {**out, "pscConnectionId": _digits(ctx, 17), "pscConnectionStatus": "ACCEPTED"}


def _alloydb_cluster(ctx: MockContext) -> dict[str, Any]:
    path = f"projects/{_project(ctx)}/locations/{ctx.inputs.get('location', ctx.region)}/clusters/" \
           f"{ctx.inputs.get('clusterId')}"
    return {"id": path, "name": path, "uid": ctx.digest(32), "state": "READY"}


def _alloydb_instance(ctx: MockContext) -> dict[str, Any]:
    path = f"{ctx.inputs.get('cluster')}/instances/{ctx.inputs.get('instanceId')}"
    return {"id": path, "name": path, "uid": ctx.digest(32), "state": "READY",
            "ipAddress": f"10.40.160.{int(ctx.digest(2), 16) % 200 + 2}"}


def _log_bucket(ctx: MockContext) -> dict[str, Any]:
    i = ctx.inputs
    path = f"projects/{_project(ctx)}/locations/{i.get('location')}/buckets/{i.get('bucketId')}"
    return {"id": path, "name": path, "lifecycleState": "ACTIVE"}


def _sink(ctx: MockContext) -> dict[str, Any]:
    return {"id": f"projects/{_project(ctx)}/sinks/{_name(ctx)}",
            "writerIdentity": f"serviceAccount:{_agent('logging.googleapis.com')}"}


def _budget(ctx: MockContext) -> dict[str, Any]:
    d = ctx.digest(32)
    uuid = f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:]}"
    path = f"billingAccounts/{ctx.inputs.get('billingAccount')}/budgets/{uuid}"
    return {"id": path, "name": path}


def _channel(ctx: MockContext) -> dict[str, Any]:
    path = f"projects/{_project(ctx)}/notificationChannels/{_digits(ctx)}"
    return {"id": path, "name": path, "verificationStatus": "VERIFICATION_STATUS_UNSPECIFIED"}


def _custom_role(ctx: MockContext) -> dict[str, Any]:
    path = f"projects/{_project(ctx)}/roles/{ctx.inputs.get('roleId')}"
    return {"id": path, "name": path, "deleted": False}


OUTPUTS: dict[str, OutputFn] = {
    tokens.GCP_PROJECT_SERVICE: _service,
    tokens.GCP_SERVICE_IDENTITY: _service_identity,
    tokens.GCP_KMS_KEY_RING: _key_ring,
    tokens.GCP_KMS_KEY: _crypto_key,
    tokens.GCP_KMS_KEY_IAM_MEMBER: _iam,
    tokens.GCP_NETWORK: _path("projects/{project}/global/networks/{name}"),
    tokens.GCP_SUBNETWORK: _subnetwork,
    tokens.GCP_ROUTER: _path("projects/{project}/regions/{region}/routers/{name}"),
    tokens.GCP_ROUTER_NAT: _path("{project}/{region}/{name}"),
    tokens.GCP_FIREWALL: _path("projects/{project}/global/firewalls/{name}"),
    tokens.GCP_GLOBAL_ADDRESS: _path("projects/{project}/global/addresses/{name}"),
    tokens.GCP_ADDRESS: _address,
    tokens.GCP_FORWARDING_RULE: _forwarding_rule,
    tokens.GCP_SERVICE_NETWORKING_CONNECTION: lambda ctx: {
        "id": f"{ctx.inputs.get('network')}:{ctx.inputs.get('service')}",
        "peering": "servicenetworking-googleapis-com"},
    tokens.GCP_SERVICE_ACCOUNT: _account,
    tokens.GCP_SERVICE_ACCOUNT_IAM_MEMBER: _iam,
    tokens.GCP_PROJECT_IAM_MEMBER: _iam,
    tokens.GCP_PROJECT_IAM_CUSTOM_ROLE: _custom_role,
    tokens.GCP_AUDIT_CONFIG: _iam,
    tokens.GKE_CLUSTER: _cluster,
    tokens.GKE_NODE_POOL: _node_pool,
    tokens.GCS_BUCKET: _bucket,
    tokens.GCP_BUCKET_IAM_MEMBER: _iam,
    tokens.VERTEX_ENDPOINT: _vertex("endpoints"),
    tokens.VERTEX_MODEL_GARDEN: _garden,
    tokens.VERTEX_INDEX: _vertex("indexes"),
    tokens.VERTEX_INDEX_ENDPOINT: _vertex("indexEndpoints"),
    tokens.GCP_VERTEX_DEPLOYED_INDEX: _deployed_index,
    tokens.ALLOYDB_CLUSTER: _alloydb_cluster,
    tokens.ALLOYDB_INSTANCE: _alloydb_instance,
    tokens.GCP_LOG_BUCKET: _log_bucket,
    tokens.GCP_LOG_SINK: _sink,
    tokens.GCP_BUDGET: _budget,
    tokens.GCP_PUBSUB_TOPIC: _path("projects/{project}/topics/{name}"),
    tokens.GCP_PUBSUB_TOPIC_IAM_MEMBER: _iam,
    tokens.GCP_NOTIFICATION_CHANNEL: _channel,
}


def _get_project(args: dict[str, Any], region: str) -> dict[str, Any]:
    project = args.get("projectId", "")
    return {"id": f"projects/{project}", "projectId": project, "number": GCP_PROJECT_NUMBER, "name": project,
            "labels": {}, "orgId": "", "folderId": ""}


def _get_zones(args: dict[str, Any], region: str) -> dict[str, Any]:
    where = args.get("region") or region
    # us-central1 has zones a, b, c and f; most regions have a, b and c.
    suffixes = ["a", "b", "c", "f"] if where == "us-central1" else ["a", "b", "c"]
    return {"id": f"projects/{args.get('project', '')}/regions/{where}",
            "names": [f"{where}-{s}" for s in suffixes], "project": args.get("project", ""), "region": where,
            "status": args.get("status", "UP")}


def _storage_agent(args: dict[str, Any], region: str) -> dict[str, Any]:
    email = _agent("storage.googleapis.com")
    return {"id": email, "emailAddress": email, "member": f"serviceAccount:{email}",
            "project": args.get("project")}


def _logging_cmek(args: dict[str, Any], region: str) -> dict[str, Any]:
    project = args.get("project", "")
    return {"id": f"projects/{project}/cmekSettings", "name": f"projects/{project}/cmekSettings",
            "serviceAccountId": _agent("logging.googleapis.com"), "project": project,
            "kmsKeyName": "", "kmsKeyVersionName": ""}


COMPUTE = "https://www.googleapis.com/compute/v1"


# Lookups of an existing network or cluster, answered from what was asked: a subnetwork's primary range is a /20
# of 10.x picked by its name, and its secondary ranges are named by the caller.
def _get_network(args: dict[str, Any], region: str) -> dict[str, Any]:
    name, project = args.get("name", ""), args.get("project", "")
    link = f"{COMPUTE}/projects/{project}/global/networks/{name}"
    return {"id": f"projects/{project}/global/networks/{name}", "name": name, "project": project,
            "selfLink": link, "subnetworksSelfLinks": []}


def _get_subnetwork(args: dict[str, Any], region: str) -> dict[str, Any]:
    link = str(args.get("selfLink", ""))
    path = link.removeprefix(f"{COMPUTE}/")
    parts = path.split("/")  # projects/<p>/regions/<r>/subnetworks/<name>
    octet = int(hashlib.sha256(link.encode()).hexdigest()[:2], 16) % 200 + 20
    return {"id": path, "name": parts[-1], "project": parts[1], "region": parts[3], "selfLink": f"{COMPUTE}/{path}",
            "ipCidrRange": f"10.{octet}.0.0/20", "network": f"{COMPUTE}/projects/{parts[1]}/global/networks/mock",
            "privateIpGoogleAccess": True, "secondaryIpRanges": []}


def _get_global_address(args: dict[str, Any], region: str) -> dict[str, Any]:
    name, project = args.get("name", ""), args.get("project", "")
    return {"id": f"projects/{project}/global/addresses/{name}", "name": name, "project": project,
            "address": "10.255.0.0", "addressType": "INTERNAL", "purpose": "VPC_PEERING", "status": "RESERVED"}


def _get_cluster(args: dict[str, Any], region: str) -> dict[str, Any]:
    name, location, project = args.get("name", ""), args.get("location", region), args.get("project", "")
    digest = hashlib.sha256(f"{project}/{location}/{name}".encode()).hexdigest()
    return {"id": f"projects/{project}/locations/{location}/clusters/{name}", "name": name, "location": location,
            "project": project, "endpoint": f"10.{int(digest[:2], 16) % 200 + 20}.0.2",
            "masterAuths": [{"clusterCaCertificate": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1vY2sK"}],
            "controlPlaneEndpointsConfigs": [{"dnsEndpointConfigs": [{
                "endpoint": f"gke-{digest[:32]}-{GCP_PROJECT_NUMBER}.{location}.gke.goog",
                "allowExternalTraffic": True}]}],
            "workloadIdentityConfigs": [{"workloadPool": f"{project}.svc.id.goog"}]}


CALLS: dict[str, CallFn] = {
    tokens.GCP_GET_NETWORK: _get_network,
    tokens.GCP_GET_SUBNETWORK: _get_subnetwork,
    tokens.GCP_GET_GLOBAL_ADDRESS: _get_global_address,
    tokens.GCP_GET_CLUSTER: _get_cluster,
    tokens.GCP_GET_PROJECT: _get_project,
    tokens.GCP_GET_ZONES: _get_zones,
    tokens.GCP_GET_STORAGE_PROJECT_SERVICE_ACCOUNT: _storage_agent,
    tokens.GCP_GET_LOGGING_PROJECT_CMEK_SETTINGS: _logging_cmek,
}
