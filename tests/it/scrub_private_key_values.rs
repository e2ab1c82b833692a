//! A private key's raw material under its name (`rules.rs`, `private_key`): a wallet's hex
//! key as Ethereum tutorials' `.env` files hold it, base58 keys, a PEM body without its
//! lines; each redacted by the default packs with nothing around it, and at every cut. Paths
//! and key files' names, key ids, references and placeholders pass.

use std::sync::Arc;

use credgate::scrub::{LiveSet, ScrubPolicy};

use crate::scrub_assert::{assert_nothing_redacted, assert_redacted_once};

const HEX: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

/// (body, the key in it).
fn positives() -> Vec<(String, String)> {
    let hex0x = format!("0x{HEX}");
    let base58 = "5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF".to_string();
    let der = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7+x/9Zq".to_string();
    vec![
        (
            format!("PRIVATE_KEY={hex0x}\nRPC_URL=http://localhost:8545\n"),
            hex0x.clone(),
        ),
        (format!("private_key = \"{HEX}\"\n"), HEX.to_string()),
        (format!(r#"{{"privateKey": "{base58}"}}"#), base58.clone()),
        (format!("SOLANA_PRIVATE_KEY={base58}\n"), base58),
        (format!("deployer:\n  private_key: {hex0x}\n"), hex0x),
        (format!(r#"{{"signing":{{"private_key":"{der}"}}}}"#), der),
    ]
}

const NEGATIVES: &[&str] = &[
    "private_key: /etc/letsencrypt/live/example.com/privkey.pem\n",
    "private_key: config/keys/production-signing-key-2024.pem\n",
    "private_key_path: ./keys/id_rsa_production_2024_v2\n",
    r#"{"private_key_id": "d5b9c3a1f0e2d4c6b8a0f1e3d5c7b9a1f2e4d6c8"}"#,
    "private_key = var.deployer_private_key_hex_0123\n",
    "PRIVATE_KEY=${DEPLOYER_PRIVATE_KEY_FROM_VAULT_1}\n",
    "PRIVATE_KEY=0x0000000000000000000000000000000000000000000000000000000000000000\n",
    "PRIVATE_KEY=your-private-key-here-0123456789abcdef\n",
    "private_key: short0x12ab\n",
];

#[test]
fn each_private_key_is_redacted_and_nothing_around_it() {
    let live = Arc::new(LiveSet::empty());
    for (text, key) in positives() {
        assert_redacted_once(&ScrubPolicy::default(), &live, &text, &key, "private_key");
    }
}

#[test]
fn paths_key_ids_references_and_placeholders_pass() {
    let live = Arc::new(LiveSet::empty());
    assert_nothing_redacted(&ScrubPolicy::default(), &live, NEGATIVES);
}
