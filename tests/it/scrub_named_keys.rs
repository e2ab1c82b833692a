//! Secret keys under names that say what they are for (`rules/named_keys.rs`, `key`):
//! Laravel's `APP_KEY`, encryption, master, signing, HMAC and session keys, a licence key,
//! WordPress's `AUTH_KEY`, Rails' `secret_key_base` (the `secret` rule's), and a salt or a
//! password holding a lone `<` or `>` (no placeholder for it); each redacted by the default
//! packs with nothing around it, and at every cut. The many `_key` names that
//! hold no secret, paths, key files, KMS key names, URLs, phrases and placeholders pass.

use std::sync::Arc;

use credgate::scrub::{LiveSet, ScrubPolicy};

use crate::scrub_assert::{assert_nothing_redacted, assert_redacted_once};

/// (body, the key in it, its kind).
const POSITIVES: &[(&str, &str, &str)] = &[
    (
        "APP_NAME=Shop\nAPP_KEY=base64:q0f3Nq9vJm4LrT2sYw8zXb1KdPe6HgUc5AiOjRlMnVo=\nAPP_DEBUG=false\n",
        "base64:q0f3Nq9vJm4LrT2sYw8zXb1KdPe6HgUc5AiOjRlMnVo=",
        "key",
    ),
    (
        "ENCRYPTION_KEY=3b9f1c7a52e84d06a1f7c2e9b4d85a03\n",
        "3b9f1c7a52e84d06a1f7c2e9b4d85a03",
        "key",
    ),
    (
        "MEILI_MASTER_KEY=\"Zq8Lm3Np7Rt2Vx5Yb9Cd4Fg6Hj1Kw0Qs\"\n",
        "Zq8Lm3Np7Rt2Vx5Yb9Cd4Fg6Hj1Kw0Qs",
        "key",
    ),
    (
        r#"{"jwt":{"signing_key":"kT9mW2xQ7vR4pL8nB3cF6hJ1zY5sD0gA","ttl":3600}}"#,
        "kT9mW2xQ7vR4pL8nB3cF6hJ1zY5sD0gA",
        "key",
    ),
    (
        "webhooks:\n  hmac_key: 5e884898da28047151d0e56f8dc6292773603d0d\n",
        "5e884898da28047151d0e56f8dc6292773603d0d",
        "key",
    ),
    (
        r#"{"dbEncryption_key": "Wm9vS2VlcGVyMjAyNCFTZWNyZXQ="}"#,
        "Wm9vS2VlcGVyMjAyNCFTZWNyZXQ=",
        "key",
    ),
    (
        "NEW_RELIC_LICENSE_KEY=eu01xx7f3a9c2b8d4e6f1a0b9c8d7e6f5a4bNRAL\n",
        "eu01xx7f3a9c2b8d4e6f1a0b9c8d7e6f5a4bNRAL",
        "key",
    ),
    (
        "WORDPRESS_AUTH_KEY='Qx|8f<tG-2!mZp#9@vLr^5sW&kN*7yB(3jH)0cD+1eF=4aT'\n",
        "Qx|8f<tG-2!mZp#9@vLr^5sW&kN*7yB(3jH)0cD+1eF=4aT",
        "key",
    ),
    (
        "<add key=\"SESSION_KEY\" value=\"Ses5ionKeyValue-8f3k2m9q\" />",
        "Ses5ionKeyValue-8f3k2m9q",
        "key",
    ),
    // The same keys as a setting's name and value (`rules/named_value.rs`): a Kubernetes
    // container's `env`, an ECS task definition's `environment`, in YAML as kubectl writes it.
    (
        r#"{"env":[{"name":"APP_KEY","value":"base64:Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZmdoaWprbA=="}]}"#,
        "base64:Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZmdoaWprbA==",
        "key",
    ),
    (
        r#"{"environment": [{"name": "SIGNING_KEY", "value": "sK7mQ2vR9xL4pN8bW3cF6hJ1"}]}"#,
        "sK7mQ2vR9xL4pN8bW3cF6hJ1",
        "key",
    ),
    (
        "        env:\n        - name: MASTER_KEY\n          value: Mk9Qw2Er7Ty4Ui8Op3As6Df1\n",
        "Mk9Qw2Er7Ty4Ui8Op3As6Df1",
        "key",
    ),
    (
        "DB_PASSWORD=\"Tr0ub>dor&3x\"\n",
        "Tr0ub>dor&3x",
        "password",
    ),
    (
        "SECRET_KEY_BASE=9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddccbbaa99887766554433221100aa\n",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddccbbaa99887766554433221100aa",
        "secret",
    ),
];

const NEGATIVES: &[&str] = &[
    // Names whose key holds no secret.
    r#"{"partition_key": "customer_id_2024", "sort_key": "created_at_v2"}"#,
    r#"{"idempotency_key": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"}"#,
    r#"{"cache_key": "user:1234:profile:v2"}"#,
    // A setting named for a key that holds no secret, or whose value is a reference.
    r#"{"name":"PARTITION_KEY","value":"tenant_id_and_region_2024"}"#,
    r#"{"name":"APP_KEY","valueFrom":{"secretKeyRef":{"name":"app","key":"APP_KEY"}}}"#,
    r#"{"name":"ENCRYPTION_KEY","value":"$(ENCRYPTION_KEY_FROM_VAULT)"}"#,
    r#"{"Tags": [{"Key": "Environment", "Value": "production-2024"}]}"#,
    "<Contents><Key>photos/2024/IMG_0001.jpg</Key><Size>12</Size></Contents>",
    r#"{"public_key": "AAAAC3NzaC1lZDI1NTE5AAAAIGs5bWKm3r2JkWvJbRZbP0vQz9aXqUdL8cE4nT1yF2hB"}"#,
    // Where the key is, not the key.
    r#"{"client_key": "/etc/ssl/private/client-2024.key"}"#,
    "signing_key: config/keys/jwt-signing-key-2024.pem\n",
    r#"{"encryption_key": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}"#,
    "encryption_key: projects/p1/locations/global/keyRings/r1/cryptoKeys/k1\n",
    r#"{"license_key_url": "https://example.com/licenses/ABC123def456"}"#,
    r#"{"encryption_key": "https://vault.internal:8200/v1/transit/keys/App-2024"}"#,
    r#"{"encryption_key": "alias/Prod-App-Key-2024"}"#,
    // Words, references and placeholders.
    "app_key: com.example.myapp.production\n",
    r#"{"master_key": "Rotated by the Platform team in 2024"}"#,
    "APP_KEY=${LARAVEL_APP_KEY_FROM_VAULT}\n",
    "ENCRYPTION_KEY=your-encryption-key-0123456789\n",
    "SESSION_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    "SIGNING_KEY=Short1\n",
    "DB_PASSWORD=\"<your-database-password>\"\n",
    "APP_KEY=\"<%= ENV['LARAVEL_APP_KEY'] %>\"\n",
];

#[test]
fn each_named_key_is_redacted_and_nothing_around_it() {
    let live = Arc::new(LiveSet::empty());
    for (text, key, kind) in POSITIVES {
        assert_redacted_once(&ScrubPolicy::default(), &live, text, key, kind);
    }
}

#[test]
fn names_that_hold_no_secret_paths_and_placeholders_pass() {
    let live = Arc::new(LiveSet::empty());
    assert_nothing_redacted(&ScrubPolicy::default(), &live, NEGATIVES);
}
