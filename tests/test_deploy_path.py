"""The deploy path from CI (components/deploy_path.py, components/aws/runner.py, `llz deploy-path`): each prod
plan splits into a cloud pass a hosted runner can run and a cluster pass that runs where the API server is
reachable; the AWS runner sits in the cluster's subnets with a way through the cluster security group, the Azure
runner is an internal Container Apps job in the zone's VNet whose identity holds only the cluster pass's roles;
no prod plan opens the API server to the internet."""

from __future__ import annotations

import ipaddress
import json
from functools import cache

import pytest
from typer.testing import CliRunner

from llmops_landing_zone.components import tokens
from llmops_landing_zone.components.azure import runner as azure_runner
from llmops_landing_zone.components.azure.base import ROLES
from llmops_landing_zone.components.deploy_path import IN_NETWORK_PROVIDERS, passes
from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.cli import app

PROD = ("aws-prod", "gcp-prod", "azure-prod")
ROLE_NAMES = {guid: role for role, guid in ROLES.items()}
runner = CliRunner()


@cache
def plan(stack: str) -> Plan:
    return offline.plan(stack)


def one(p: Plan, type_: str, name_part: str = "") -> PlannedResource:
    (found,) = [r for r in p.resources if r.type == type_ and name_part in r.name]
    return found


@pytest.mark.parametrize("stack", PROD)
def test_every_kubernetes_object_is_in_the_cluster_pass_and_the_cloud_pass_is_closed(stack: str) -> None:
    p = plan(stack)
    split = passes(p)
    assert split.cluster_providers == tuple(sorted(r.urn for r in p.resources if r.type in IN_NETWORK_PROVIDERS))
    # the private Grafana's API objects too: they are written from the runner, inside the network
    assert {r.urn for r in p.resources if r.type.startswith(("kubernetes:", "grafana:"))} <= split.in_cluster
    assert split.cloud_pass_leaks(p) == []
    assert split.cloud | split.in_cluster == {r.urn for r in p.resources}


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod", "azure-prod"])  # two passes (GKE: one)
def test_the_cluster_pass_creates_no_cloud_resource(stack: str) -> None:
    """The runner's role may only act in the cluster: every cloud resource belongs to the cloud pass (a team's
    IAM role that waited on the platform namespaces would otherwise need IAM rights on the runner)."""
    p = plan(stack)
    assert [f"{r.type} {r.name}" for r in passes(p).cloud_resources_in_cluster_pass(p)] == []


def test_no_prod_api_server_is_open_to_the_internet() -> None:
    eks = one(plan("aws-prod"), tokens.EKS_CLUSTER)
    assert eks.inputs["vpcConfig"]["endpointPublicAccess"] is False
    aks = one(plan("azure-prod"), "azure-native:containerservice:ManagedCluster")
    assert aks.inputs["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert aks.inputs["apiServerAccessProfile"]["enablePrivateClusterPublicFQDN"] is False
    gke = one(plan("gcp-prod"), "gcp:container/cluster:Cluster")
    # private endpoint; the DNS endpoint is reachable but every call is authorised by IAM (GKE docs)
    assert gke.inputs["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert gke.inputs["controlPlaneEndpointsConfig"]["dnsEndpointConfig"]["allowExternalTraffic"] is True


def test_the_aws_runner_sits_in_the_clusters_subnets_with_a_path_to_the_api_server() -> None:
    p = plan("aws-prod")
    eks = one(p, tokens.EKS_CLUSTER)
    project = one(p, tokens.AWS_CODEBUILD_PROJECT, "deploy-runner")
    assert project.inputs["vpcConfig"]["subnets"] == eks.inputs["vpcConfig"]["subnetIds"]
    rule = one(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "deploy-runner-to-api")
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 443, 443)
    assert rule.inputs["referencedSecurityGroupId"] == project.inputs["vpcConfig"]["securityGroupIds"][0]
    assert eks.urn in rule.dependencies  # the cluster's own security group, an output of the cluster
    assert project.inputs["source"]["type"] == "GITHUB"
    assert project.inputs["source"]["location"] == "https://github.com/acme/llm-platform.git"
    assert project.inputs["source"]["auth"]["type"] == "CODECONNECTIONS"
    webhook = one(p, tokens.AWS_CODEBUILD_WEBHOOK)
    assert webhook.inputs["filterGroups"] == [{"filters": [{"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"}]}]
    entry = one(p, tokens.AWS_EKS_ACCESS_ENTRY, "deploy-runner")
    assert entry.inputs["type"] == "STANDARD"


def test_the_runner_role_can_do_the_cluster_pass_and_nothing_of_the_cloud_pass() -> None:
    p = plan("aws-prod")
    doc = json.loads(one(p, "aws:iam/rolePolicy:RolePolicy", "deploy-runner").inputs["policy"])
    actions = {a for s in doc["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"s3:GetObject", "s3:PutObject", "kms:Decrypt", "eks:DescribeCluster"} <= actions
    assert not [a for a in actions if a.split(":")[0] in ("iam", "sts", "rds", "sagemaker", "aoss", "cloudtrail")
                or a.endswith("*") or a.startswith(("ec2:Run", "ec2:CreateVpc", "eks:Create", "eks:Delete"))]
    state = [s for s in doc["Statement"] if s["Sid"] == "StateObjects"][0]
    assert state["Resource"] == "arn:aws:s3:::acme-llz-state-123456789012/*"
    trust = json.loads(one(p, "aws:iam/role:Role", "deploy-runner").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert trust["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":project/acme-llm-deploy")


def test_llz_deploy_path_prints_the_two_passes() -> None:
    out = runner.invoke(app, ["deploy-path", "aws-prod", "--json"])
    assert out.exit_code == 0, out.output
    rep = json.loads(out.stdout)
    providers = rep["kubernetesProviders"]  # the Kubernetes provider, and the private Grafana's
    assert sorted(u.rsplit("$", 1)[-1].split("::")[0] for u in providers) == ["pulumi:providers:grafana",
                                                                               "pulumi:providers:kubernetes"]
    assert [p["name"] for p in rep["passes"]] == ["cloud", "cluster"]
    exclude = " ".join(f"--exclude '{u}'" for u in providers)
    assert rep["passes"][0]["command"] == f"pulumi up --stack aws-prod {exclude} --exclude-dependents"
    assert rep["passes"][1]["runsOn"].startswith("codebuild-acme-llm-deploy-")
    urns = runner.invoke(app, ["deploy-path", "aws-prod", "--urns"])
    assert urns.stdout.split() == rep["kubernetesProviders"]
    gcp = json.loads(runner.invoke(app, ["deploy-path", "gcp-prod", "--json"]).stdout)
    assert [p["command"] for p in gcp["passes"]] == ["pulumi up --stack gcp-prod"]


@pytest.mark.parametrize(("deploy", "path", "message"), [
    ({"runner": True}, "deploy.repository", "set deploy.repository"),
    ({"repository": "acme/x", "stateStore": "s3://bucket"}, "deploy.stateStore", "is not an S3 bucket ARN"),
    ({"repository": "acme/x", "stateStore": "arn:aws:s3:::acme-state"}, "deploy.secretsKey", "required with the"),
])
def test_bad_deploy_config_names_the_key(tmp_path, deploy: dict, path: str, message: str) -> None:
    import yaml

    doc = yaml.safe_load((offline.stacks_dir() / "Pulumi.aws-prod.yaml").read_text())
    doc["config"]["llmops:zone"]["deploy"] = deploy
    f = tmp_path / "Pulumi.aws-prod.yaml"
    f.write_text(yaml.safe_dump(doc))
    out = runner.invoke(app, ["validate", str(f)])
    assert out.exit_code == 2
    assert f"llmops:zone.{path}" in out.output and message in out.output


def test_a_runner_on_gcp_is_refused(tmp_path) -> None:
    import yaml

    doc = yaml.safe_load((offline.stacks_dir() / "Pulumi.gcp-prod.yaml").read_text())
    doc["config"]["llmops:zone"]["deploy"] = {"runner": True, "repository": "acme/x"}
    f = tmp_path / "Pulumi.gcp-prod.yaml"
    f.write_text(yaml.safe_dump(doc))
    out = runner.invoke(app, ["validate", str(f)])
    assert out.exit_code == 2 and "llmops:zone.deploy.runner" in out.output and "DNS endpoint" in out.output


def test_the_azure_runner_is_an_internal_container_apps_job_in_the_zones_vnet() -> None:
    p = plan("azure-prod")
    vnet = one(p, tokens.AZURE_VIRTUAL_NETWORK)
    subnet = one(p, tokens.AZURE_SUBNET, "runner")
    assert subnet.inputs["virtualNetworkName"] == vnet.inputs["virtualNetworkName"]
    assert subnet.inputs["delegations"] == [{"name": "container-apps", "serviceName": "Microsoft.App/environments"}]
    assert ipaddress.ip_network(subnet.inputs["addressPrefix"]).prefixlen <= 27  # workload-profiles minimum
    assert ipaddress.ip_network(subnet.inputs["addressPrefix"]).subnet_of(
        ipaddress.ip_network(vnet.inputs["addressSpace"]["addressPrefixes"][0]))
    others = [r.inputs["addressPrefix"] for r in p.resources if r.type == tokens.AZURE_SUBNET and r is not subnet]
    assert not any(ipaddress.ip_network(o).overlaps(ipaddress.ip_network(subnet.inputs["addressPrefix"]))
                   for o in others)
    env = one(p, tokens.AZURE_CONTAINER_APPS_ENVIRONMENT)
    assert env.inputs["vnetConfiguration"]["internal"] is True
    assert env.inputs["vnetConfiguration"]["infrastructureSubnetId"].endswith(
        f"/virtualNetworks/{vnet.inputs['virtualNetworkName']}/subnets/deploy-runner")
    assert env.inputs["publicNetworkAccess"] == "Disabled"
    job = one(p, tokens.AZURE_CONTAINER_APPS_JOB)
    assert job.inputs["environmentId"].endswith("/managedEnvironments/" + env.inputs["environmentName"])
    config = job.inputs["configuration"]
    assert config["triggerType"] == "Event"
    (rule,) = config["eventTriggerConfig"]["scale"]["rules"]
    assert rule["type"] == "github-runner"
    assert rule["metadata"]["owner"] == "acme" and rule["metadata"]["repos"] == "llm-platform"
    assert rule["metadata"]["runnerScope"] == "repo"
    assert rule["auth"] == [{"triggerParameter": "appKey", "secretRef": "github-app-key"}]
    (secret,) = config["secrets"]
    assert secret["keyVaultUrl"].endswith(".vault.azure.net/secrets/" + azure_runner.GITHUB_APP_SECRET)
    (container,) = job.inputs["template"]["containers"]
    assert container["image"] == images.DEPLOY_RUNNER.ref
    env_vars = {e["name"]: e.get("value", e.get("secretRef")) for e in container["env"]}
    assert env_vars["EPHEMERAL"] == "true" and env_vars["APP_PRIVATE_KEY"] == "github-app-key"
    assert env_vars["LABELS"] == "self-hosted,acme-llm-deploy" == rule["metadata"]["labels"]


def test_the_azure_runner_identity_has_only_the_cluster_pass_roles() -> None:
    p = plan("azure-prod")
    ident = one(p, tokens.AZURE_USER_ASSIGNED_IDENTITY, "deploy-runner-id")
    mine = {(ROLE_NAMES[r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]], r.inputs["scope"])
            for r in p.resources if r.type == tokens.AZURE_ROLE_ASSIGNMENT and ident.urn in r.dependencies}
    sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups"
    assert mine == {
        ("Azure Kubernetes Service RBAC Cluster Admin",
         f"{sub}/acme-llm-rg/providers/Microsoft.ContainerService/managedClusters/acme-llm-aks"),
        ("Storage Blob Data Contributor",
         f"{sub}/acme-pulumi-bootstrap/providers/Microsoft.Storage/storageAccounts/acmepulumi12b937"),
        ("Key Vault Crypto User", f"{sub}/acme-pulumi-bootstrap/providers/Microsoft.KeyVault/vaults/acme-pulumi-12b937"),
        # writes the serving dashboard through the private Grafana's API
        ("Grafana Admin", f"{sub}/acme-llm-rg/providers/Microsoft.Dashboard/grafana/acme-llm-grafana"),
    }
    # the GitHub App key is read by a second identity the container cannot use, on that one secret only
    job = one(p, tokens.AZURE_CONTAINER_APPS_JOB)
    lifecycles = {s["identity"].rsplit("/", 1)[-1]: s["lifecycle"] for s in job.inputs["configuration"]["identitySettings"]}
    assert lifecycles == {"acme-llm-deploy-runner": "Main", "acme-llm-deploy-secrets": "None"}
    key_grant = one(p, tokens.AZURE_ROLE_ASSIGNMENT, "deploy-runner-github-app-key")
    assert ROLE_NAMES[key_grant.inputs["roleDefinitionId"].rsplit("/", 1)[-1]] == "Key Vault Secrets User"
    assert key_grant.inputs["scope"].endswith("/vaults/acme-llm-kv-12b937/secrets/" + azure_runner.GITHUB_APP_SECRET)


def test_llz_deploy_path_gives_the_azure_runner_labels() -> None:
    rep = json.loads(runner.invoke(app, ["deploy-path", "azure-prod", "--json"]).stdout)
    assert rep["passes"][1]["labels"] == ["self-hosted", "acme-llm-deploy"]
    assert rep["passes"][1]["cloudResources"] == {}


AZURE_STORE = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/"
               "Microsoft.Storage/storageAccounts/acmestate")


@pytest.mark.parametrize(("deploy", "path", "message"), [
    ({"repository": "acme/x", "stateStore": "arn:aws:s3:::acme-state"}, "deploy.stateStore",
     "is not a storage account resource id"),
    ({"repository": "acme/x", "stateStore": AZURE_STORE, "secretsKey": "https://v.vault.azure.net/keys/k"},
     "deploy.secretsKey", "is not a Key Vault key resource id"),
    ({"repository": "acme/x", "stateStore": AZURE_STORE}, "deploy.githubApp", "required with the Azure deploy runner"),
])
def test_bad_azure_deploy_config_names_the_key(tmp_path, deploy: dict, path: str, message: str) -> None:
    import yaml

    doc = yaml.safe_load((offline.stacks_dir() / "Pulumi.azure-prod.yaml").read_text())
    doc["config"]["llmops:zone"]["deploy"] = deploy
    f = tmp_path / "Pulumi.azure-prod.yaml"
    f.write_text(yaml.safe_dump(doc))
    out = runner.invoke(app, ["validate", str(f)])
    assert out.exit_code == 2, out.output
    assert f"llmops:zone.{path}" in out.output and message in out.output


def test_an_azure_runner_in_an_existing_vnet_is_refused(tmp_path) -> None:
    import yaml

    doc = yaml.safe_load((offline.stacks_dir() / "Pulumi.azure-prod.yaml").read_text())
    vnet = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/"
            "Microsoft.Network/virtualNetworks/hub/subnets/")
    doc["config"]["llmops:zone"]["network"]["existing"] = {
        "nodesSubnetId": vnet + "nodes", "endpointsSubnetId": vnet + "pe", "apiServerSubnetId": vnet + "api"}
    f = tmp_path / "Pulumi.azure-prod.yaml"
    f.write_text(yaml.safe_dump(doc))
    out = runner.invoke(app, ["validate", str(f)])
    assert out.exit_code == 2, out.output
    assert "llmops:zone.deploy.runner" in out.output and "its own subnet" in out.output
