//! The three kinds of Vault-backed credential a route can ask for: a KV v2 secret, a token
//! minted for the calling agent, and a lease-backed dynamic secret (`<mount>/creds/<role>`).
//!
//! Only the chosen field(s) of a Vault response ever leave these functions; wrapping is never
//! requested, so nothing wrapped can reach the agent either.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use vaultrs::api::token::requests::{CreateOrphanTokenRequest, CreateTokenRequest};

use super::{map_err, raw_call, Minted, Vault};
use crate::creds::{CredError, Credential, CredentialSource, MintRequest};

/// A field of a KV v2 secret, re-read every `refresh`; a new version is picked up then.
#[derive(Debug)]
pub struct VaultKv {
    pub vault: Arc<Vault>,
    pub mount: String,
    pub path: String,
    pub field: String,
    pub version: Option<u64>,
    pub refresh: Duration,
}

#[async_trait]
impl CredentialSource for VaultKv {
    fn kind(&self) -> &'static str {
        "vault_kv"
    }

    fn cache_key(&self) -> String {
        format!(
            "vault_kv:{}:{}:{}:{:?}",
            self.mount, self.path, self.field, self.version
        )
    }

    async fn fetch(&self, _req: &MintRequest) -> Result<Credential, CredError> {
        let client = self.vault.client().await?;
        let data: HashMap<String, serde_json::Value> = match self.version {
            Some(v) => {
                vaultrs::kv2::read_version(client.as_ref(), &self.mount, &self.path, v).await
            }
            None => vaultrs::kv2::read(client.as_ref(), &self.mount, &self.path).await,
        }
        .map_err(|e| map_err("a kv read", &e))?;
        let value = data
            .get(&self.field)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| CredError::Refused("the kv secret has no such string field".into()))?;
        Ok(Credential::static_secret(
            SecretString::from(value.to_string()),
            Some(self.refresh),
        ))
    }
}

/// Options for tokens minted per agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOptions {
    pub policies: Vec<String>,
    pub ttl: Duration,
    pub explicit_max_ttl: Option<Duration>,
    pub num_uses: u64,
    pub orphan: bool,
}

/// A Vault token minted for the calling agent, one per (agent, route), carrying metadata that
/// names both, so that Vault's own audit log shows which agent acted.
#[derive(Debug)]
pub struct VaultToken {
    pub vault: Arc<Vault>,
    pub options: TokenOptions,
}

fn secs(d: Duration) -> String {
    format!("{}s", d.as_secs().max(1))
}

#[async_trait]
impl CredentialSource for VaultToken {
    fn kind(&self) -> &'static str {
        "vault_token"
    }

    fn cache_key(&self) -> String {
        format!("vault_token:{:?}", self.options)
    }

    fn per_agent(&self) -> bool {
        true
    }

    async fn fetch(&self, req: &MintRequest) -> Result<Credential, CredError> {
        let client = self.vault.client().await?;
        let o = &self.options;
        let meta: HashMap<String, String> = [
            ("agent".to_string(), req.agent.to_string()),
            ("handle".to_string(), req.handle.to_string()),
            ("issued_by".to_string(), "credgate".to_string()),
        ]
        .into();
        let display = format!("credgate-{}-{}", req.handle, req.agent);
        // The child and orphan request builders are distinct types with the same setters.
        macro_rules! token_options {
            ($builder:expr) => {{
                let mut b = $builder;
                b.policies(o.policies.clone())
                    .ttl(secs(o.ttl))
                    .num_uses(o.num_uses)
                    .meta(meta)
                    .display_name(display)
                    .renewable(false);
                if let Some(m) = o.explicit_max_ttl {
                    b.explicit_max_ttl(secs(m));
                }
                b
            }};
        }
        let info = if o.orphan {
            let mut b = token_options!(CreateOrphanTokenRequest::builder());
            vaultrs::token::new_orphan(client.as_ref(), Some(&mut b)).await
        } else {
            let mut b = token_options!(CreateTokenRequest::builder());
            vaultrs::token::new(client.as_ref(), Some(&mut b)).await
        }
        .map_err(|e| map_err("token creation", &e))?;
        self.vault
            .record(&req.agent, Minted::TokenAccessor(info.accessor.clone()));
        Ok(Credential {
            secret: SecretString::from(info.client_token),
            expires_at: (info.lease_duration > 0)
                .then(|| Instant::now() + Duration::from_secs(info.lease_duration)),
            refresh_after: None,
            audit_id: Some(format!("token_accessor:{}", info.accessor)),
        })
    }
}

#[derive(Debug)]
struct Lease {
    id: String,
    secret: SecretString,
    renewable: bool,
    duration: u64,
}

/// A lease-backed dynamic secret read from any path (`database/creds/readonly`, ...). The chosen
/// fields are joined with `:` (so `[username, password]` suits `inject.kind: basic`). While the
/// agent keeps using it, each refresh renews the lease; when renewal is refused (max TTL) a new
/// secret is read.
#[derive(Debug)]
pub struct VaultDynamic {
    pub vault: Arc<Vault>,
    pub path: String,
    pub fields: Vec<String>,
    leases: Mutex<HashMap<Arc<str>, Arc<Lease>>>,
}

impl VaultDynamic {
    pub fn new(vault: Arc<Vault>, path: String, fields: Vec<String>) -> Self {
        Self {
            vault,
            path,
            fields,
            leases: Mutex::new(HashMap::new()),
        }
    }

    async fn renew(&self, lease: &Lease) -> Option<Credential> {
        if !lease.renewable {
            return None;
        }
        let client = self.vault.client().await.ok()?;
        let body = serde_json::json!({"lease_id": lease.id, "increment": lease.duration});
        let v = raw_call(&client, http::Method::PUT, "sys/leases/renew", Some(&body))
            .await
            .ok()?;
        let d = v["lease_duration"].as_u64().filter(|d| *d > 2)?;
        Some(Credential {
            secret: SecretString::from(lease.secret.expose_secret().to_string()),
            expires_at: Some(Instant::now() + Duration::from_secs(d)),
            refresh_after: None,
            audit_id: Some(format!("lease:{}", lease.id)),
        })
    }
}

#[async_trait]
impl CredentialSource for VaultDynamic {
    fn kind(&self) -> &'static str {
        "vault_dynamic"
    }

    fn cache_key(&self) -> String {
        format!("vault_dynamic:{}:{:?}", self.path, self.fields)
    }

    fn per_agent(&self) -> bool {
        true
    }

    async fn fetch(&self, req: &MintRequest) -> Result<Credential, CredError> {
        let current = self
            .leases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&req.agent)
            .cloned();
        if let Some(lease) = current {
            if let Some(c) = self.renew(&lease).await {
                return Ok(c);
            }
        }
        let client = self.vault.client().await?;
        let v = raw_call(&client, http::Method::GET, &self.path, None).await?;
        let mut parts = Vec::with_capacity(self.fields.len());
        for f in &self.fields {
            match v["data"][f].as_str() {
                Some(s) if !s.is_empty() => parts.push(s.to_string()),
                _ => {
                    return Err(CredError::Refused(
                        "the dynamic secret lacks a configured field".into(),
                    ))
                }
            }
        }
        let id = v["lease_id"].as_str().unwrap_or_default().to_string();
        let duration = v["lease_duration"].as_u64().unwrap_or(0);
        if !id.is_empty() {
            self.vault.record(&req.agent, Minted::Lease(id.clone()));
        }
        let secret = parts.join(":");
        let lease = Arc::new(Lease {
            id: id.clone(),
            secret: SecretString::from(secret.clone()),
            renewable: v["renewable"].as_bool().unwrap_or(false),
            duration,
        });
        self.leases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(req.agent.clone(), lease);
        Ok(Credential {
            secret: SecretString::from(secret),
            expires_at: (duration > 0).then(|| Instant::now() + Duration::from_secs(duration)),
            refresh_after: None,
            audit_id: (!id.is_empty()).then(|| format!("lease:{id}")),
        })
    }
}
