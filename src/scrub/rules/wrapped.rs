//! Credentials that carry no format of their own but are recognisable by their wrapping: an
//! `Authorization` header with a scheme other than `Bearer` and `Basic` echoed back, a Docker
//! registry login in a `config.json`, and a PEM private key that was base64-encoded whole
//! (kubeconfig's `client-key-data`, a Kubernetes Secret's `tls.key`), which neither the PEM rule
//! nor any token rule can see.

use super::{rule, Check, RuleDef};

/// The wrapped credentials' rules.
pub const WRAPPED_RULES: &[RuleDef] = &[
    // The value of an `Authorization` header in the schemes APIs use besides `Bearer` and
    // `Basic` (which have their own rules, found at their scheme): `Token` (Django REST
    // framework, GitHub), `Bot` (Discord), `SSWS` (Okta), `ApiKey` (Elasticsearch), `Splunk`,
    // `GenieKey`, `sso-key` (GoDaddy), `DeepL-Auth-Key`, `Klaviyo-API-Key`, `Zoho-oauthtoken`.
    // A format found at the value (`token ghp_…`) labels it. The anchors hold the separator, so
    // that prose about authorization is not verified at every mention (`aut`, as in `author`,
    // is common text: they start at `rization`).
    RuleDef {
        back: 5,
        ..rule(
            "authorization",
            "generic",
            &[
                r#"rization": ""#,
                r#"rization":""#,
                "rization: ",
                r#"rization\": \""#,
                r#"rization\":\""#,
                "rization': '",
                "rization=",
                "RIZATION: ",
                "RIZATION=",
            ],
            concat!(
                r#"(?i:authorization)(?:": "|":"|: |\\": \\"|\\":\\"|': '|=)"#,
                "(?:Token|token|TOKEN|Bot|SSWS|ApiKey|Api-Key|apikey|Splunk|GenieKey|sso-key|",
                "DeepL-Auth-Key|Klaviyo-API-Key|Zoho-oauthtoken)",
                r"[ \t]{1,4}((?:[0-9A-Za-z._~+/:=-]|\\/|\\u002[bB]){8,1024})",
                r"(?:[^0-9A-Za-z._~+/:=\\-]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)"
            ),
            0,
            Check::TokenLike,
        )
    },
    // A registry login in Docker's `config.json` (`"auths": {"host": {"auth": "…"}}`): base64
    // of `user:password`, also inside a JSON string, as Docker writes the file (indented:
    // `"auth": "…"`). Compact JSON (`"auth":"…"`) is left out: there the key mostly holds
    // something else (`{"auth":"Bearer …"}`, which the Bearer rule has), and verifying each one
    // cost a body dense with them 3%. A compact registry login usually has its `password` key
    // next to it, which is redacted; its `auth` is caught only with `base64: decode`.
    rule(
        "basic_credentials",
        "generic",
        &[r#""auth": ""#, r#"\"auth\": \""#],
        concat!(
            r#"(?:"auth": "|\\"auth\\": \\")"#,
            r"((?:[A-Za-z0-9+/]|\\/|\\u002[bB]){8,1024}={0,2})",
            r"(?:[^A-Za-z0-9+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)"
        ),
        0,
        Check::BasicPair,
    ),
    // A PEM private key, base64-encoded whole: the encoding of `-----BEGIN <type> PRIVATE KEY`
    // for each type is fixed (certificates and public keys encode otherwise, and are left
    // alone). The whole run is the key.
    rule(
        "private_key",
        "keys",
        &["LS0tLS1CRUdJTi"],
        concat!(
            r"(?-u:\b)((?:",
            // RSA, PKCS#8, EC, OpenSSH, encrypted PKCS#8, DSA, PGP.
            "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVkt|LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0t|",
            "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0t|LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0t|",
            "LS0tLS1CRUdJTiBFTkNSWVBURUQgUFJJVkFURSBLRVkt|LS0tLS1CRUdJTiBEU0EgUFJJVkFURSBLRVkt|",
            "LS0tLS1CRUdJTiBQR1AgUFJJVkFURSBLRVkgQkxPQ0st",
            r")(?:[A-Za-z0-9+/]|\\/|\\u002[bB]){0,10000}={0,2})",
            r"(?:[^A-Za-z0-9+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)"
        ),
        0,
        Check::None,
    ),
];
