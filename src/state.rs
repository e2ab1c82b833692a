//! The state shared by the proxy, the admin listener and background services: the active
//! configuration (swapped atomically on reload, keeping the last good one on error), the
//! credential cache, the live-secret set for scrubbing, metrics and the audit log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;

use crate::audit::AuditLog;
use crate::config::{Config, ConfigErrors};
use crate::creds::cache::CredentialCache;
use crate::identity::AuthFailureLimiter;
use crate::metrics::Metrics;
use crate::scrub::LiveSecrets;

/// Shared state; one per running server.
#[derive(Debug)]
pub struct State {
    config_path: PathBuf,
    config: ArcSwap<Config>,
    audit: ArcSwap<AuditLog>,
    pub cache: Arc<CredentialCache>,
    pub live: Arc<LiveSecrets>,
    pub metrics: Metrics,
    pub limiter: AuthFailureLimiter,
}

/// Why a configuration could not be put in force.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    #[error("cannot open the audit sink: {0}")]
    Audit(std::io::Error),
}

impl State {
    /// Loads the configuration at `path` and opens its audit sink.
    pub fn load(path: &Path) -> Result<Arc<Self>, LoadError> {
        let cfg = Config::load(path)?;
        Self::from_config(path, cfg)
    }

    pub fn from_config(path: &Path, cfg: Config) -> Result<Arc<Self>, LoadError> {
        let metrics = Metrics::new();
        let audit = AuditLog::open(&cfg.audit, metrics.clone()).map_err(LoadError::Audit)?;
        metrics.routes.set(cfg.routes.len() as i64);
        metrics.config_last_reload_success.set(unix_now());
        metrics
            .config_reloads
            .with_label_values(&["success"])
            .inc_by(0);
        metrics
            .config_reloads
            .with_label_values(&["error"])
            .inc_by(0);
        Ok(Arc::new(Self {
            config_path: path.to_path_buf(),
            cache: CredentialCache::new(cfg.limits.credential_cache_entries),
            live: LiveSecrets::new(),
            limiter: AuthFailureLimiter::new(cfg.limits.auth_failures_per_minute),
            config: ArcSwap::from_pointee(cfg),
            audit: ArcSwap::from_pointee(audit),
            metrics,
        }))
    }

    /// The configuration in force; a request keeps the one it started with.
    pub fn config(&self) -> Arc<Config> {
        self.config.load_full()
    }

    pub fn audit(&self) -> Arc<AuditLog> {
        self.audit.load_full()
    }

    /// At shutdown: puts a log that writes nothing in place of the one in force, so that the
    /// old one is dropped here (once no request holds it) and [`crate::audit::finish`] can wait
    /// for its last lines.
    pub fn close_audit(&self) -> std::io::Result<()> {
        let off = AuditLog::open(&crate::config::AuditSink::Off, self.metrics.clone())?;
        self.audit.store(Arc::new(off));
        Ok(())
    }

    /// Re-reads the configuration file and routes; on success swaps them in, on error keeps the
    /// last good configuration and returns every problem found. Listener addresses and thread
    /// counts are fixed at start: changes to them are reported as warnings.
    pub fn reload(&self) -> Result<Vec<String>, LoadError> {
        let result = self.try_reload();
        let label = if result.is_ok() { "success" } else { "error" };
        self.metrics
            .config_reloads
            .with_label_values(&[label])
            .inc();
        match &result {
            Ok(_) => log::info!("configuration reloaded from {}", self.config_path.display()),
            Err(e) => {
                log::error!("configuration reload failed, keeping the last good configuration: {e}")
            }
        }
        result
    }

    fn try_reload(&self) -> Result<Vec<String>, LoadError> {
        let old = self.config();
        let new = Config::load_reusing(&self.config_path, old.vault.as_ref())?;
        let mut warnings = Vec::new();
        if new.listen_proxy != old.listen_proxy || new.listen_admin != old.listen_admin {
            warnings
                .push("listener addresses changed: they take effect after a restart".to_string());
        }
        if new.threads != old.threads {
            warnings.push("threads changed: takes effect after a restart".to_string());
        }
        // Reopened on every reload, not only when the settings change: after a log rotation
        // (rename + SIGHUP) lines go to the new file.
        if new.audit != old.audit || matches!(new.audit, crate::config::AuditSink::File(_)) {
            let audit =
                AuditLog::open(&new.audit, self.metrics.clone()).map_err(LoadError::Audit)?;
            self.audit.store(Arc::new(audit));
        }
        self.metrics.routes.set(new.routes.len() as i64);
        self.metrics.config_last_reload_success.set(unix_now());
        self.config.store(Arc::new(new));
        Ok(warnings)
    }
}

impl State {
    /// Revokes every Vault token and lease minted so far; called on clean shutdown.
    pub async fn revoke_all(&self) -> usize {
        match &self.config().vault {
            Some(v) => v.revoke(None).await,
            None => 0,
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
