# Vault policy for credgate's own identity: exactly what the example routes use.

# vault_kv routes: read the KV v2 secrets credgate injects.
path "secret/data/stripe/*" {
  capabilities = ["read"]
}

# vault_token routes: mint child tokens. A token may only carry policies its creator has, so
# credgate's token needs `reports-read` attached too (or use a token role with allowed_policies).
path "auth/token/create" {
  capabilities = ["create", "update"]
}
path "auth/token/revoke-accessor" {
  capabilities = ["update"]
}

# vault_dynamic routes: read dynamic credentials, renew and revoke their leases.
path "database/creds/readonly" {
  capabilities = ["read"]
}
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "sys/leases/revoke" {
  capabilities = ["update"]
}

# credgate's own token upkeep.
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
