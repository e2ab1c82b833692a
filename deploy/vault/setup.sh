#!/usr/bin/env bash
# One-time Vault setup for credgate (run by a Vault admin with VAULT_ADDR and VAULT_TOKEN set).
# Kubernetes auth for the credgate service account; AppRole as the alternative off Kubernetes.
set -euo pipefail
vault policy write credgate deploy/vault/credgate-policy.hcl
vault policy write reports-read - <<'HCL'
path "secret/data/reports/*" { capabilities = ["read"] }
HCL

# Kubernetes auth: credgate's pod logs in with its service account token.
vault auth enable kubernetes 2>/dev/null || true
vault write auth/kubernetes/config kubernetes_host="https://kubernetes.default.svc"
vault write auth/kubernetes/role/credgate \
  bound_service_account_names=credgate \
  bound_service_account_namespaces=credgate \
  token_policies=credgate,reports-read \
  token_ttl=1h token_max_ttl=24h

# AppRole, for credgate outside Kubernetes (systemd): role_id and secret_id go to files.
vault auth enable approle 2>/dev/null || true
vault write auth/approle/role/credgate token_policies=credgate,reports-read token_ttl=1h token_max_ttl=24h
vault read -field=role_id auth/approle/role/credgate/role-id > role_id
vault write -f -field=secret_id auth/approle/role/credgate/secret-id > secret_id
echo "AppRole role_id and secret_id written to ./role_id and ./secret_id (move them to /etc/credgate/approle/)"
