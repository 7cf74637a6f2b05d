"""Hardening findings of the scanners, each asserted on what the plan registers (or on config validation):

- the CloudTrail bucket has S3 server access logging into a dedicated access-log bucket (CIS AWS 3.6);
- the versioned AWS model bucket expires noncurrent versions and aborts incomplete multipart uploads;
- Aurora logs DDL statements;
- int4/int8 with a catalog model (a bf16 checkpoint) are consistent between sizing and vLLM (the vLLM
  arguments per checkpoint are in tests/test_k8s_layer.py::test_int4_and_int8_follow_the_checkpoint).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_landing_zone.components import sizing
from llmops_landing_zone.components.config import ConfigError, parse_zone
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.check import evaluate
from llmops_landing_zone.llz.mocks import ACCOUNT_ID
from llmops_landing_zone.policies import tokens as t
from llmops_landing_zone.policies.testing import offline_resource

REGION = "us-east-1"
STACKS = Path(__file__).resolve().parent.parent / "stacks"
AUDIT = f"acme-llm-audit-{ACCOUNT_ID}-{REGION}"
ACCESS_LOGS = f"acme-llm-access-logs-{ACCOUNT_ID}-{REGION}"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {env: offline.plan(f"aws-{env}") for env in ("dev", "prod")}


@pytest.fixture(scope="module")
def prod(plans: dict[str, Plan]) -> Plan:
    return plans["prod"]


def statements(r: PlannedResource) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(r.inputs["policy"])["Statement"]}


# --- 1. server access logging of the CloudTrail bucket -------------------------------------------------------


def test_trail_bucket_logs_server_access_into_a_dedicated_bucket(prod: Plan) -> None:
    trail = prod.one("aws:cloudtrail/trail:Trail").inputs
    logging = prod.of_type(LOGGING)
    assert [r.inputs["bucket"] for r in logging] == [trail["s3BucketName"]] == [AUDIT]
    target = logging[0].inputs
    assert target["targetBucket"] == ACCESS_LOGS and target["targetPrefix"]
    # the access-log bucket does not log into itself (nor anywhere)
    assert not [r for r in logging if r.inputs["bucket"] == ACCESS_LOGS]


def test_access_log_bucket_is_private_versioned_encrypted_and_stateful(plans: dict[str, Plan]) -> None:
    for env, plan in plans.items():
        bucket = plan.one("aws:s3/bucket:Bucket", "acme-llm-access-logs")
        assert bucket.inputs["bucket"] == ACCESS_LOGS
        keep = env == "prod"  # the reference prod stack protects stateful resources, dev does not
        assert (bucket.protect, bucket.retainOnDelete) == (keep, keep)
        audit = plan.one("aws:s3/bucket:Bucket", "acme-llm-audit")
        assert (bucket.protect, bucket.retainOnDelete) == (audit.protect, audit.retainOnDelete)
        pab = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                       "acme-llm-access-logs-public-access").inputs
        assert all(pab[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                            "restrictPublicBuckets"))
        ownership = plan.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                             "acme-llm-access-logs-ownership").inputs
        assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        # S3 server access logging supports SSE-S3 destinations only (no SSE-KMS)
        sse = plan.one(SSE, "acme-llm-access-logs-sse").inputs["rules"]
        assert [r["applyServerSideEncryptionByDefault"] for r in sse] == [{"sseAlgorithm": "AES256"}]
        versioning = plan.one("aws:s3/bucketVersioning:BucketVersioning", "acme-llm-access-logs-versioning")
        assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
        assert "objectLockEnabled" not in bucket.inputs  # Object Lock is not allowed on a log destination


def test_access_log_delivery_is_granted_by_bucket_policy_to_the_trail_bucket_only(prod: Plan) -> None:
    doc = statements(prod.one("aws:s3/bucketPolicy:BucketPolicy", "acme-llm-access-logs-policy"))
    tls = doc["DenyInsecureTransport"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    deliver = doc["S3ServerAccessLogsPolicy"]
    prefix = prod.one(LOGGING).inputs["targetPrefix"]
    assert deliver["Effect"] == "Allow" and deliver["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert deliver["Action"] == "s3:PutObject"
    assert deliver["Resource"] == f"arn:aws:s3:::{ACCESS_LOGS}/{prefix}*"
    assert deliver["Condition"] == {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{AUDIT}"},
                                    "StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}


def test_logging_waits_for_the_delivery_policy_and_logs_expire_with_the_audit_retention(prod: Plan) -> None:
    _, _, cfg = offline.load("aws-prod")
    policy = prod.one("aws:s3/bucketPolicy:BucketPolicy", "acme-llm-access-logs-policy")
    assert policy.urn in prod.one(LOGGING).dependencies
    rule = prod.one(LIFECYCLE, "acme-llm-access-logs-lifecycle").inputs["rules"][0]
    assert rule["status"] == "Enabled" and rule["expiration"]["days"] == cfg.audit.retention_days


def test_the_pack_accepts_sse_s3_only_on_the_access_log_bucket(prod: Plan) -> None:
    _, _, cfg = offline.load("aws-prod")
    assert not [v for v in evaluate(prod, cfg) if "access-logs" in v.resource]
    sse_s3 = {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}
    assert offline_resource("aws-s3-kms-encryption", t.S3_SSE[0], sse_s3, name="acme-llm-access-logs-sse") == []
    assert offline_resource("aws-s3-kms-encryption", t.S3_SSE[0], sse_s3, name="acme-llm-models-sse")


# --- 2. model bucket lifecycle -------------------------------------------------------------------------------


def test_model_bucket_expires_noncurrent_versions_and_incomplete_uploads(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        models = [r for r in plan.of_type(LIFECYCLE) if r.inputs["bucket"].startswith("acme-llm-models-")]
        assert len(models) == 1
        (rule,) = models[0].inputs["rules"]
        assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}
        assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
        assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
        assert "expiration" not in rule  # current weights are never expired
        versioning = plan.one("aws:s3/bucketVersioning:BucketVersioning", "acme-llm-models-versioning")
        assert versioning.urn in models[0].dependencies


# --- 3. Aurora logs DDL ----------------------------------------------------------------------------------------


def test_aurora_parameter_group_logs_ddl_and_keeps_tls(prod: Plan) -> None:
    groups = prod.of_type("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    assert groups
    for group in groups:
        params = {p["name"]: p for p in group.inputs["parameters"]}
        assert params["log_statement"]["value"] == "ddl"
        assert params["rds.force_ssl"]["value"] == "1"


# --- 4. int4/int8 precision with catalog models ------------------------------------------------------------------


def raw(stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
    config = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]
    return copy.deepcopy(config["llmops:zone"]), config


def issues(zone: dict[str, Any], provider: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    return dict(info.value.issues)


@pytest.mark.parametrize("stack", ["aws-prod", "gcp-prod", "azure-prod"])
def test_int8_on_a_catalog_model_is_refused_at_validation(stack: str) -> None:
    zone, provider = raw(stack)
    key = next(k for k, ep in zone["endpoints"].items() if ep.get("runtime", "vllm") == "vllm")
    zone["endpoints"][key]["precision"] = "int8"
    msg = issues(zone, provider)[f"endpoints.{key}.precision"]
    assert "no in-flight int8" in msg and "fp8" in msg and "explicit architecture" in msg


def test_int4_on_a_catalog_model_is_refused_because_bitsandbytes_cannot_stream() -> None:
    zone, provider = raw("aws-prod")
    zone["endpoints"]["chat"]["precision"] = "int4"
    msg = issues(zone, provider)["endpoints.chat.precision"]
    assert "bitsandbytes" in msg and "explicit architecture" in msg


def test_int4_and_int8_with_an_explicit_architecture_read_the_checkpoint() -> None:
    zone, provider = raw("aws-prod")
    for precision in ("int4", "int8"):
        arch = {"name": "acme/tiny-7b-awq", "layers": 32, "attentionHeads": 32, "kvHeads": 8, "headDim": 128,
                "parameters": 7_000_000_000, "maxContext": 32768}
        zone["endpoints"]["chat"].update(model=arch, precision=precision)
        zone["endpoints"]["chat"].pop("canary", None)  # it would inherit the precision for a catalog model
        cfg = parse_zone(copy.deepcopy(zone), provider)
        assert not sizing.bf16_checkpoint(cfg.endpoints["chat"].model)
        plan = offline.plan_config(cfg)
        deployment = next(r for r in plan.of_type("kubernetes:apps/v1:Deployment") if r.name == "acme-llm-chat-deploy")
        args = deployment.inputs["spec"]["template"]["spec"]["containers"][0]["args"]
        assert args[0].endswith("/acme/tiny-7b-awq/")
        assert args[args.index("--dtype") + 1] == "auto" and "--quantization" not in args


@pytest.mark.parametrize(("precision", "method"), [("int8", "bitsandbytes"), ("int4", "bitsandbytes-nf4")])
def test_sagemaker_quantises_a_catalog_checkpoint_to_the_sized_precision(precision: str, method: str) -> None:
    """SageMaker copies the bf16 weights to local disk, where TGI can quantise them while loading: the
    endpoint holds the 8 or 4 bits per weight that sizing assumed, not 16."""
    from llmops_landing_zone.components.aws.serving import container_environment
    from llmops_landing_zone.components.config import parse_zone
    from llmops_landing_zone.components.resolve import endpoints

    raw = yaml.safe_load((STACKS / "Pulumi.aws-prod.yaml").read_text())["config"]
    zone = raw["llmops:zone"]
    managed = next(k for k, e in zone["endpoints"].items() if e.get("runtime") == "managed")
    zone["endpoints"][managed]["precision"] = precision
    zone["endpoints"][managed].pop("instanceType", None)
    env = container_environment(endpoints(parse_zone(zone, raw))[managed])
    assert env["QUANTIZE"] == method and "DTYPE" not in env
