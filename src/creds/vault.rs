//! Vault / OpenBao: credgate's own login, token upkeep, and the record of everything it minted.
//!
//! credgate holds one Vault token of its own (from a token, AppRole or Kubernetes login), renews
//! it ahead of expiry and logs in again when renewal is no longer possible; `/readyz` reports
//! whether it holds a valid one. Tokens and leases minted for agents are recorded so that they
//! can be revoked when the agent's session ends or credgate shuts down cleanly.
//!
//! `vaultrs` is the client. Where it has no endpoint (generic `<mount>/creds/<role>` reads and
//! `sys/leases/*`) the raw call goes through its own HTTP client. Error messages never carry a
//! token, a secret or a Vault path: they name what failed and the HTTP status.

pub mod sources;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use vaultrs::client::{Client, VaultClient, VaultClientSettingsBuilder};
use vaultrs::error::ClientError;

use super::CredError;

/// How credgate authenticates to Vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultAuth {
    /// A token from an environment variable or a file.
    Token {
        env: Option<String>,
        file: Option<PathBuf>,
    },
    /// AppRole: role_id and secret_id read from files at each login.
    AppRole {
        mount: String,
        role_id_file: PathBuf,
        secret_id_file: PathBuf,
    },
    /// Kubernetes: the service account JWT read from its file at each login.
    Kubernetes {
        mount: String,
        role: String,
        jwt_file: PathBuf,
    },
}

/// Validated `vault:` section of proxy.yaml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultConfig {
    pub address: String,
    pub namespace: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    pub auth: VaultAuth,
}

/// Something minted for an agent, to revoke later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Minted {
    TokenAccessor(String),
    Lease(String),
}

struct Login {
    client: Arc<VaultClient>,
    /// When credgate's own token expires (`None`: never, e.g. a root token).
    expires_at: Option<Instant>,
    renewable: bool,
}

/// The Vault connection shared by every Vault-backed route.
pub struct Vault {
    pub config: VaultConfig,
    login: RwLock<Option<Arc<Login>>>,
    login_lock: tokio::sync::Mutex<()>,
    minted: Mutex<Vec<(Arc<str>, Minted)>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("address", &self.config.address)
            .finish_non_exhaustive()
    }
}

/// Maps a vaultrs error to a [`CredError`] without leaking anything from the request.
pub fn map_err(what: &str, e: &ClientError) -> CredError {
    match e {
        // 429 (rate limited), 412 (eventual consistency), 5xx (incl. 503 sealed/standby): retry.
        ClientError::APIError { code, .. } if *code == 429 || *code == 412 || *code >= 500 => {
            CredError::Unavailable(format!("vault answered {code} to {what}"))
        }
        ClientError::APIError { code, .. } => {
            CredError::Refused(format!("vault refused {what} with {code}"))
        }
        ClientError::RestClientError { .. } | ClientError::RestClientBuildError { .. } => {
            CredError::Unavailable(format!("vault unreachable during {what}"))
        }
        _ => CredError::Unavailable(format!("unexpected vault response to {what}")),
    }
}

fn read_secret_file(path: &PathBuf, what: &str) -> Result<SecretString, CredError> {
    let v = std::fs::read_to_string(path).map_err(|e| {
        CredError::Unavailable(format!("cannot read the {what} file: {}", e.kind()))
    })?;
    let v = v.trim();
    if v.is_empty() {
        return Err(CredError::Unavailable(format!("the {what} file is empty")));
    }
    Ok(SecretString::from(v.to_string()))
}

impl Vault {
    pub fn new(config: VaultConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            login: RwLock::new(None),
            login_lock: tokio::sync::Mutex::new(()),
            minted: Mutex::new(Vec::new()),
        })
    }

    fn client_with(&self, token: &str) -> Result<VaultClient, CredError> {
        let mut b = VaultClientSettingsBuilder::default();
        b.address(self.config.address.as_str())
            .token(token)
            .timeout(Some(self.config.timeout));
        if let Some(ns) = &self.config.namespace {
            b.namespace(Some(ns.clone()));
        }
        if let Some(ca) = &self.config.ca_file {
            b.ca_certs(vec![ca.display().to_string()]);
        }
        let settings = b
            .build()
            .map_err(|_| CredError::Unavailable("invalid vault client settings".into()))?;
        VaultClient::new(settings).map_err(|e| map_err("client setup", &e))
    }

    fn current(&self) -> Option<Arc<Login>> {
        self.login.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn valid(l: &Login) -> bool {
        l.expires_at
            .is_none_or(|e| Instant::now() + Duration::from_secs(1) < e)
    }

    /// Whether credgate holds a Vault token that has not expired.
    pub fn ready(&self) -> bool {
        self.current().is_some_and(|l| Self::valid(&l))
    }

    /// A client holding a valid token, logging in if needed.
    pub async fn client(&self) -> Result<Arc<VaultClient>, CredError> {
        if let Some(l) = self.current() {
            if Self::valid(&l) {
                return Ok(l.client.clone());
            }
        }
        let _g = self.login_lock.lock().await;
        if let Some(l) = self.current() {
            if Self::valid(&l) {
                return Ok(l.client.clone());
            }
        }
        Ok(self.login().await?.client.clone())
    }

    /// Logs in with the configured method and installs the new token.
    async fn login(&self) -> Result<Arc<Login>, CredError> {
        let unauthenticated = self.client_with("")?;
        let (token, ttl, renewable) = match &self.config.auth {
            VaultAuth::Token { env, file } => {
                let token = match (env, file) {
                    (_, Some(f)) => read_secret_file(f, "vault token")?,
                    (Some(var), None) => match std::env::var(var) {
                        Ok(v) if !v.trim().is_empty() => SecretString::from(v.trim().to_string()),
                        _ => {
                            return Err(CredError::Unavailable(format!(
                                "environment variable {var} (vault token) is not set"
                            )))
                        }
                    },
                    (None, None) => {
                        return Err(CredError::Unavailable("no vault token configured".into()))
                    }
                };
                let c = self.client_with(token.expose_secret())?;
                let info = vaultrs::token::lookup_self(&c)
                    .await
                    .map_err(|e| map_err("token lookup", &e))?;
                (token, info.ttl, info.renewable.unwrap_or(false))
            }
            VaultAuth::AppRole {
                mount,
                role_id_file,
                secret_id_file,
            } => {
                let role_id = read_secret_file(role_id_file, "approle role_id")?;
                let secret_id = read_secret_file(secret_id_file, "approle secret_id")?;
                let info = vaultrs::auth::approle::login(
                    &unauthenticated,
                    mount,
                    role_id.expose_secret(),
                    secret_id.expose_secret(),
                )
                .await
                .map_err(|e| map_err("approle login", &e))?;
                (
                    SecretString::from(info.client_token),
                    info.lease_duration,
                    info.renewable,
                )
            }
            VaultAuth::Kubernetes {
                mount,
                role,
                jwt_file,
            } => {
                let jwt = read_secret_file(jwt_file, "service account token")?;
                let info = vaultrs::auth::kubernetes::login(
                    &unauthenticated,
                    mount,
                    role,
                    jwt.expose_secret(),
                )
                .await
                .map_err(|e| map_err("kubernetes login", &e))?;
                (
                    SecretString::from(info.client_token),
                    info.lease_duration,
                    info.renewable,
                )
            }
        };
        let client = Arc::new(self.client_with(token.expose_secret())?);
        let login = Arc::new(Login {
            client,
            expires_at: (ttl > 0).then(|| Instant::now() + Duration::from_secs(ttl)),
            renewable,
        });
        *self.login.write().unwrap_or_else(|p| p.into_inner()) = Some(login.clone());
        log::info!(
            "logged in to vault at {} (token ttl {ttl}s)",
            self.config.address
        );
        Ok(login)
    }

    /// Keeps credgate's own token valid: renews it when two thirds of its life are gone, logs in
    /// again when renewal fails or is impossible. Returns how long to wait before calling again.
    pub async fn maintain(&self) -> Duration {
        let Some(l) = self.current().filter(|l| Self::valid(l)) else {
            let _g = self.login_lock.lock().await;
            return match self.login().await {
                Ok(l) => Self::next_check(&l),
                Err(e) => {
                    log::warn!("vault login failed: {e}; retrying");
                    Duration::from_secs(2)
                }
            };
        };
        let Some(exp) = l.expires_at else {
            return Duration::from_secs(60);
        };
        let left = exp.saturating_duration_since(Instant::now());
        if left > Duration::from_secs(3) && Self::next_check(&l) > Duration::ZERO {
            return Self::next_check(&l);
        }
        let _g = self.login_lock.lock().await;
        if l.renewable {
            if let Ok(info) = vaultrs::token::renew_self(l.client.as_ref(), None).await {
                let new_exp = Instant::now() + Duration::from_secs(info.lease_duration);
                // Renewal that does not extend the life (max TTL reached) is no renewal.
                if info.lease_duration > left.as_secs() + 1 {
                    let renewed = Arc::new(Login {
                        client: l.client.clone(),
                        expires_at: Some(new_exp),
                        renewable: info.renewable,
                    });
                    *self.login.write().unwrap_or_else(|p| p.into_inner()) = Some(renewed.clone());
                    return Self::next_check(&renewed);
                }
            }
        }
        match self.login().await {
            Ok(l) => Self::next_check(&l),
            Err(e) => {
                log::warn!("vault re-login failed: {e}; the current token serves until it expires");
                Duration::from_secs(2)
            }
        }
    }

    fn next_check(l: &Login) -> Duration {
        match l.expires_at {
            None => Duration::from_secs(60),
            Some(exp) => {
                let left = exp.saturating_duration_since(Instant::now());
                // Act when a third of the life is left, at most a minute from now.
                left.saturating_sub(left / 3).min(Duration::from_secs(60))
            }
        }
    }

    /// Records something minted for `agent`.
    pub fn record(&self, agent: &Arc<str>, m: Minted) {
        let mut v = self.minted.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: the oldest records are dropped first (their credentials expire on their own).
        if v.len() >= 100_000 {
            v.drain(..10_000);
        }
        v.push((agent.clone(), m));
    }

    /// Revokes what was minted for `agent` (all agents with `None`). Returns how many revocations
    /// Vault confirmed.
    pub async fn revoke(&self, agent: Option<&str>) -> usize {
        let items: Vec<Minted> = {
            let mut v = self.minted.lock().unwrap_or_else(|p| p.into_inner());
            let (take, keep): (Vec<_>, Vec<_>) = v
                .drain(..)
                .partition(|(a, _)| agent.is_none_or(|x| a.as_ref() == x));
            *v = keep;
            take.into_iter().map(|(_, m)| m).collect()
        };
        if items.is_empty() {
            return 0;
        }
        let Ok(client) = self.client().await else {
            log::warn!(
                "cannot revoke {} vault credentials: vault unavailable",
                items.len()
            );
            return 0;
        };
        let mut ok = 0;
        for m in items {
            let res = match &m {
                Minted::TokenAccessor(a) => vaultrs::token::revoke_accessor(client.as_ref(), a)
                    .await
                    .map_err(|e| map_err("token revocation", &e)),
                Minted::Lease(id) => raw_put(
                    &client,
                    "sys/leases/revoke",
                    &serde_json::json!({ "lease_id": id }),
                )
                .await
                .map(|_| ()),
            };
            match res {
                Ok(()) => ok += 1,
                Err(e) => log::warn!("revocation failed: {e}"),
            }
        }
        log::info!("revoked {ok} vault credentials");
        ok
    }
}

/// A raw Vault call through vaultrs' own HTTP client, for endpoints vaultrs lacks.
pub async fn raw_call(
    client: &VaultClient,
    method: http::Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<serde_json::Value, CredError> {
    let url = format!(
        "{}/v1/{}",
        client.settings().address.as_str().trim_end_matches('/'),
        path
    );
    let mut req = client
        .http()
        .http
        .request(method, url)
        .header("X-Vault-Token", client.settings().token.as_str())
        .header("X-Vault-Request", "true");
    if let Some(ns) = &client.settings().namespace {
        req = req.header("X-Vault-Namespace", ns.as_str());
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(serde_json::to_vec(b).unwrap_or_default());
    }
    let what = path.split('/').next().unwrap_or("vault").to_string();
    let resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            CredError::Timeout
        } else {
            CredError::Unavailable(format!("vault unreachable during {what} call"))
        }
    })?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|_| {
        CredError::Unavailable(format!("vault response to {what} call was cut off"))
    })?;
    if status >= 400 {
        return Err(map_err(
            &format!("a {what} call"),
            &ClientError::APIError {
                code: status,
                errors: vec![],
            },
        ));
    }
    if bytes.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&bytes)
        .map_err(|_| CredError::Unavailable(format!("vault answered a {what} call with non-JSON")))
}

async fn raw_put(
    client: &VaultClient,
    path: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, CredError> {
    raw_call(client, http::Method::PUT, path, Some(body)).await
}
