"""Azure ML model catalog entries the managed runtime deploys, per (catalog model, precision).

A managed online deployment of a registry model brings its own curated inference environment, so the zone
needs no container registry, no image build and no internet egress (the workspace's managed network reaches
the registries through its required outbound rules). Registry checkpoints ship in one precision, hence the
precision in the key. Light module (no SDK import): config validation reads it too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegistryModel:
    registry: str
    name: str
    version: str
    as_of: str
    source: str

    @property
    def asset_id(self) -> str:
        return f"azureml://registries/{self.registry}/models/{self.name}/versions/{self.version}"

    @property
    def model_dir(self) -> str:
        """Where the curated environment finds the weights (AZUREML_MODEL_DIR of a registry deployment)."""
        return f"/var/azureml-app/azureml-models/{self.name}/{self.version}"


AZUREML_MODELS: dict[tuple[str, str], RegistryModel] = {
    ("llama-3.1-8b", "bf16"): RegistryModel(
        "azureml-meta", "Meta-Llama-3.1-8B-Instruct", "1", "2026-11-01",
        "public az ml online-deployment examples (azureml-meta registry); assumption: version not re-read"),
    ("llama-3.1-70b", "bf16"): RegistryModel(
        "azureml-meta", "Meta-Llama-3.1-70B-Instruct", "1", "2026-11-01",
        "public az ml online-deployment examples (azureml-meta registry); assumption: version not re-read"),
    ("mistral-7b", "bf16"): RegistryModel(
        "azureml", "mistralai-Mistral-7B-Instruct-v01", "10", "2026-11-01",
        "public Bicep managed online deployment of the azureml registry model; Azure AI Foundry catalog lists "
        "the model"),
}


def registry_model(model: object, precision: str) -> RegistryModel | None:
    """The registry entry of an endpoint's model, or None (explicit architectures have none)."""
    return AZUREML_MODELS.get((model, precision)) if isinstance(model, str) else None
