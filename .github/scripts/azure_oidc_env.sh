#!/usr/bin/env bash
# Azure sign-in for a GitHub Actions job, without a third-party action. Needs the job's `id-token: write` and the
# env CLIENT_ID, TENANT_ID, SUBSCRIPTION_ID (the identity's federated credential trusts this job's subject).
# - The azure-native provider signs in through ARM_USE_OIDC (it requests GitHub's OIDC token itself).
# - The azblob state backend signs in through the Azure SDK's DefaultAzureCredential (the storage account refuses
#   shared keys); its workload identity credential reads a federated token from AZURE_FEDERATED_TOKEN_FILE, so
#   GitHub's OIDC token for the audience Entra ID accepts is written there. GitHub's token is short-lived: the
#   Entra token obtained with it lasts an hour, which bounds one state backend session.
set -euo pipefail
: "${CLIENT_ID:?}" "${TENANT_ID:?}" "${SUBSCRIPTION_ID:?}" "${ACTIONS_ID_TOKEN_REQUEST_URL:?needs id-token: write}"
token_file="$RUNNER_TEMP/azure-federated-token"
curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value > "$token_file"
{
  echo "ARM_USE_OIDC=true"
  echo "ARM_CLIENT_ID=$CLIENT_ID"
  echo "ARM_TENANT_ID=$TENANT_ID"
  echo "ARM_SUBSCRIPTION_ID=$SUBSCRIPTION_ID"
  echo "AZURE_CLIENT_ID=$CLIENT_ID"
  echo "AZURE_TENANT_ID=$TENANT_ID"
  echo "AZURE_FEDERATED_TOKEN_FILE=$token_file"
} >> "$GITHUB_ENV"
