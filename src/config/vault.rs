//! The `vault:` section of proxy.yaml: how credgate reaches and authenticates to Vault/OpenBao.

use std::path::Path;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{interpolate::interpolate, relative_to, ConfigError, ConfigErrors};
use crate::creds::vault::{VaultAuth, VaultConfig};

/// Raw `vault:` section.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVault {
    /// Vault address, e.g. `https://vault.internal:8200`. `${ENV}` allowed.
    pub address: String,
    /// Vault Enterprise / OpenBao namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// PEM CA bundle for Vault's TLS certificate (relative to proxy.yaml).
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Timeout for each Vault call. Default 5s.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub timeout: Option<Duration>,
    /// How credgate logs in.
    pub auth: RawVaultAuth,
}

/// credgate's own Vault identity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "method", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawVaultAuth {
    /// A token from `token_env` (default `VAULT_TOKEN`) or `token_file`.
    Token {
        #[serde(default)]
        token_env: Option<String>,
        #[serde(default)]
        token_file: Option<String>,
    },
    /// AppRole login; credgate logs in again when its token can no longer be renewed.
    Approle {
        #[serde(default)]
        mount: Option<String>,
        role_id_file: String,
        secret_id_file: String,
    },
    /// Kubernetes auth with the pod's service account token.
    Kubernetes {
        #[serde(default)]
        mount: Option<String>,
        role: String,
        #[serde(default)]
        jwt_file: Option<String>,
    },
}

/// Validates the section; `file` is proxy.yaml.
pub fn validate(file: &Path, raw: &RawVault, errs: &mut ConfigErrors) -> Option<VaultConfig> {
    let address = match interpolate(file, "vault.address", &raw.address) {
        Ok(a) => a.trim_end_matches('/').to_string(),
        Err(e) => {
            errs.push(e);
            return None;
        }
    };
    if !(address.starts_with("http://") || address.starts_with("https://")) || address.len() < 10 {
        errs.push(ConfigError::new(
            file,
            "vault.address",
            format!("{address:?} is not an http(s) URL"),
            "write the address as https://vault.example.com:8200",
        ));
        return None;
    }
    let timeout = raw.timeout.unwrap_or(Duration::from_secs(5));
    if timeout.is_zero() {
        errs.push(ConfigError::new(
            file,
            "vault.timeout",
            "a zero timeout fails every call",
            "use e.g. `5s`",
        ));
    }
    let auth = match &raw.auth {
        RawVaultAuth::Token {
            token_env,
            token_file,
        } => {
            if token_env.is_some() && token_file.is_some() {
                errs.push(ConfigError::new(
                    file,
                    "vault.auth",
                    "both token_env and token_file are set",
                    "keep one of them",
                ));
            }
            VaultAuth::Token {
                env: token_file
                    .is_none()
                    .then(|| token_env.clone().unwrap_or_else(|| "VAULT_TOKEN".into())),
                file: token_file.as_deref().map(|p| relative_to(file, p)),
            }
        }
        RawVaultAuth::Approle {
            mount,
            role_id_file,
            secret_id_file,
        } => VaultAuth::AppRole {
            mount: mount.clone().unwrap_or_else(|| "approle".into()),
            role_id_file: relative_to(file, role_id_file),
            secret_id_file: relative_to(file, secret_id_file),
        },
        RawVaultAuth::Kubernetes {
            mount,
            role,
            jwt_file,
        } => VaultAuth::Kubernetes {
            mount: mount.clone().unwrap_or_else(|| "kubernetes".into()),
            role: role.clone(),
            jwt_file: relative_to(
                file,
                jwt_file
                    .as_deref()
                    .unwrap_or("/var/run/secrets/kubernetes.io/serviceaccount/token"),
            ),
        },
    };
    Some(VaultConfig {
        address,
        namespace: raw.namespace.clone(),
        ca_file: raw.ca_file.as_deref().map(|p| relative_to(file, p)),
        timeout,
        auth,
    })
}
