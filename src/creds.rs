//! Credential sources and what they yield.
//!
//! A route names a [`CredentialSource`]; the proxy never asks a source directly but goes through
//! the [`cache::CredentialCache`], which is shaped for short-lived credentials (expiry,
//! single-flight minting, refresh ahead of expiry) even though the sources in this file are
//! static: Vault and STS sources plug into the same trait.

pub mod aws;
pub mod cache;
pub mod static_source;
pub mod vault;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
pub use secrecy::{ExposeSecret, SecretString};

/// A resolved credential. `Debug` never shows the secret (`SecretString` redacts itself).
#[derive(Debug)]
pub struct Credential {
    pub secret: SecretString,
    /// Hard expiry: never injected at or after this instant.
    pub expires_at: Option<Instant>,
    /// Re-fetch after this long even when there is no expiry (e.g. a rotated secret file).
    pub refresh_after: Option<Duration>,
    /// A non-secret identifier for the audit log (token accessor, lease id), if the source has one.
    pub audit_id: Option<String>,
}

impl Credential {
    pub fn static_secret(secret: SecretString, refresh_after: Option<Duration>) -> Self {
        Self {
            secret,
            expires_at: None,
            refresh_after,
            audit_id: None,
        }
    }
}

/// What a mint is for. Sources that mint per agent session (Vault tokens, STS) scope by it.
#[derive(Debug, Clone)]
pub struct MintRequest {
    pub handle: Arc<str>,
    pub agent: Arc<str>,
}

/// Why a credential could not be had. Messages are written for the agent's operator and never
/// contain a secret, a token or a Vault path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredError {
    /// The source is down, unreachable, or the secret is missing: 503, worth retrying.
    #[error("credential source unavailable: {0}")]
    Unavailable(String),
    /// The source refused (a non-transient 4xx from Vault, an STS AccessDenied): 502.
    #[error("credential source refused: {0}")]
    Refused(String),
    /// The source did not answer in time: 503.
    #[error("credential source timed out")]
    Timeout,
}

impl CredError {
    /// Short label for metrics and audit.
    pub fn label(&self) -> &'static str {
        match self {
            CredError::Unavailable(_) => "unavailable",
            CredError::Refused(_) => "refused",
            CredError::Timeout => "timeout",
        }
    }
}

/// Where a handle's secret comes from.
#[async_trait]
pub trait CredentialSource: Send + Sync + fmt::Debug {
    /// Source kind for metrics labels: `env`, `file`, later `vault_kv`, `sts`, ...
    fn kind(&self) -> &'static str;

    /// Identity of the source configuration (never secret): two routes with the same key share
    /// cache entries, and a reload that changes it starts a new entry.
    fn cache_key(&self) -> String;

    /// Whether credentials are minted per agent (and so cached per agent).
    fn per_agent(&self) -> bool {
        false
    }

    /// Fetches or mints a credential.
    async fn fetch(&self, req: &MintRequest) -> Result<Credential, CredError>;

    /// Problems an operator should know at `credgate check` time (e.g. an unset variable).
    /// Not errors: the secret may be provided by the time a request needs it.
    fn check(&self) -> Vec<String> {
        Vec::new()
    }
}
