//! `proxy.yaml`: strict raw structs, then a validated [`Config`] that the hot path trusts.
//!
//! Loading is two-stage on purpose: serde only checks shape (unknown keys are errors), and
//! [`Config::load`] then checks meaning (addresses parse, hashes are hashes, routes name known
//! agents) and collects every problem it finds, each naming the file, the field and a fix.

pub mod aws;
pub mod error;
pub mod interpolate;
pub mod vault;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use error::{ConfigError, ConfigErrors};

use crate::identity::{Agent, Agents, KeyHash};
use crate::routes::RouteTable;

/// Whether policy denials are enforced or only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Denied requests are refused.
    #[default]
    Enforce,
    /// Dry run: requests that rules would deny are allowed and audited as `would_deny`.
    /// Destination binding is enforced in both modes: a credential never goes to an unbound host.
    Report,
}

/// Raw `proxy.yaml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawProxyConfig {
    /// Listening addresses.
    pub listen: RawListen,
    /// `enforce` (default) or `report` (dry run) for every route that does not set its own.
    #[serde(default)]
    pub mode: Mode,
    /// Directory of route files (`*.yaml`), relative to this file. Default `routes`.
    #[serde(default = "default_routes_dir")]
    pub routes_dir: String,
    /// Worker threads for the proxy listener. Default 2.
    #[serde(default)]
    pub threads: Option<usize>,
    /// Agents allowed to use the proxy.
    #[serde(default)]
    pub agents: Vec<RawAgent>,
    /// Where the audit log goes.
    #[serde(default)]
    pub audit: RawAudit,
    /// Defaults for upstream connections.
    #[serde(default)]
    pub upstream: RawUpstreamDefaults,
    /// Abuse limits.
    #[serde(default)]
    pub limits: RawLimits,
    /// Admin API settings.
    #[serde(default)]
    pub admin: RawAdmin,
    /// Vault / OpenBao, for routes whose credential comes from Vault.
    #[serde(default)]
    pub vault: Option<vault::RawVault>,
    /// AWS, for routes whose credential is minted by STS.
    #[serde(default)]
    pub aws: Option<aws::RawAws>,
}

fn default_routes_dir() -> String {
    "routes".into()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawListen {
    /// Agent-facing proxy listener, e.g. `127.0.0.1:8080`. `${ENV}` allowed.
    pub proxy: String,
    /// Admin listener (`/metrics`, `/healthz`, `/readyz`, `/admin/*`), e.g. `127.0.0.1:9090`.
    pub admin: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    /// The agent's name: the user part of `HTTP_PROXY=http://NAME:KEY@credgate:8080`.
    pub name: String,
    /// Hex SHA-256 of the agent's key (`credgate gen-key` prints a key and its hash). `${ENV}` allowed.
    pub key_sha256: String,
    /// Free text for humans.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    /// `stdout` (default), `file` or `off`.
    #[serde(default)]
    pub sink: AuditSinkKind,
    /// File path when `sink: file` (appended to, one JSON object per line). `${ENV}` allowed.
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditSinkKind {
    #[default]
    Stdout,
    File,
    Off,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUpstreamDefaults {
    /// TCP (+TLS) connect timeout, e.g. `5s`. Default 5s.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub connect_timeout: Option<Duration>,
    /// Timeout for each read from the upstream, e.g. `60s`. Default 60s.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub read_timeout: Option<Duration>,
    /// Timeout for each write to the upstream. Default 60s.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub write_timeout: Option<Duration>,
    /// How long an idle upstream connection is kept for reuse. Default 60s.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub idle_timeout: Option<Duration>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Failed proxy authentications allowed per client IP per minute before 429. Default 20.
    #[serde(default)]
    pub auth_failures_per_minute: Option<u32>,
    /// Upper bound on cached credentials. Default 10000.
    #[serde(default)]
    pub credential_cache_entries: Option<usize>,
    /// How long a credential fetch may take before the request fails with 503. Default 10s.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub credential_timeout: Option<Duration>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAdmin {
    /// Hex SHA-256 of a bearer token required for `/admin/*` calls. Unset: no token
    /// (bind the admin listener to loopback then). `${ENV}` allowed.
    #[serde(default)]
    pub token_sha256: Option<String>,
}

/// Where audit lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditSink {
    Stdout,
    File(PathBuf),
    Off,
}

/// Upstream connection timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Duration,
    pub write: Duration,
    pub idle: Duration,
}

/// Validated limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub auth_failures_per_minute: u32,
    pub credential_cache_entries: usize,
    pub credential_timeout: Duration,
}

/// The validated configuration: everything the hot path reads.
#[derive(Debug)]
pub struct Config {
    pub file: PathBuf,
    pub listen_proxy: SocketAddr,
    pub listen_admin: SocketAddr,
    pub threads: usize,
    pub mode: Mode,
    pub agents: Agents,
    pub audit: AuditSink,
    pub timeouts: Timeouts,
    pub limits: Limits,
    pub admin_token: Option<KeyHash>,
    pub vault: Option<std::sync::Arc<crate::creds::vault::Vault>>,
    pub aws: Option<std::sync::Arc<crate::creds::aws::Aws>>,
    pub routes: RouteTable,
}

impl Config {
    /// Reads, parses and validates `proxy.yaml` and every route file it points at.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        Self::load_reusing(path, None)
    }

    /// Like [`Config::load`], keeping `previous` Vault connection (its login and the record of
    /// what it minted) when the `vault:` section did not change.
    pub fn load_reusing(
        path: &Path,
        previous: Option<&std::sync::Arc<crate::creds::vault::Vault>>,
    ) -> Result<Config, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new(
                path,
                ".",
                format!("cannot read the file: {e}"),
                "pass the path of proxy.yaml with -c, or run credgate from the directory that holds it",
            )
        })?;
        let raw: RawProxyConfig = error::parse_yaml(path, &text)?;
        Self::from_raw(path, raw, previous)
    }

    /// Validates a parsed `proxy.yaml`; route files are read from its `routes_dir`.
    pub fn from_raw(
        path: &Path,
        raw: RawProxyConfig,
        previous_vault: Option<&std::sync::Arc<crate::creds::vault::Vault>>,
    ) -> Result<Config, ConfigErrors> {
        let mut errs = ConfigErrors::default();
        let listen_proxy = parse_addr(path, "listen.proxy", &raw.listen.proxy, &mut errs);
        let listen_admin = parse_addr(path, "listen.admin", &raw.listen.admin, &mut errs);
        if let (Some(p), Some(a)) = (listen_proxy, listen_admin) {
            if p == a && p.port() != 0 {
                errs.push(ConfigError::new(
                    path,
                    "listen.admin",
                    "the admin listener uses the same address as the proxy listener",
                    "give the admin listener its own port, e.g. 127.0.0.1:9090",
                ));
            }
        }
        let threads = match raw.threads {
            Some(0) => {
                errs.push(ConfigError::new(
                    path,
                    "threads",
                    "threads must be at least 1",
                    "remove the field (default 2) or set a positive number",
                ));
                1
            }
            Some(n) => n,
            None => 2,
        };

        let mut agents = Vec::new();
        for (i, a) in raw.agents.iter().enumerate() {
            let field = format!("agents[{i}]");
            if !valid_agent_name(&a.name) {
                errs.push(ConfigError::new(
                    path,
                    format!("{field}.name"),
                    format!("{:?} is not a valid agent name", a.name),
                    "use 1-64 characters from A-Z a-z 0-9 _ . - (the name is the user part of HTTP_PROXY)",
                ));
                continue;
            }
            if agents.iter().any(|x: &Agent| x.name.as_ref() == a.name) {
                errs.push(ConfigError::new(
                    path,
                    format!("{field}.name"),
                    format!("agent {:?} is defined twice", a.name),
                    "give every agent a unique name",
                ));
                continue;
            }
            let hash_field = format!("{field}.key_sha256");
            match interpolate::interpolate(path, &hash_field, &a.key_sha256)
                .and_then(|v| parse_key_hash(path, &hash_field, &v))
            {
                Ok(hash) => agents.push(Agent::new(&a.name, hash)),
                Err(e) => {
                    errs.push(e);
                    // Still declared: routes naming it must not also report "unknown agent".
                    // (A configuration with errors is never put in force.)
                    agents.push(Agent::new(&a.name, KeyHash::of(b"configuration error")));
                }
            }
        }

        let audit = match (raw.audit.sink, &raw.audit.path) {
            (AuditSinkKind::Stdout, None) => AuditSink::Stdout,
            (AuditSinkKind::Off, None) => AuditSink::Off,
            (AuditSinkKind::File, Some(p)) => {
                match interpolate::interpolate(path, "audit.path", p) {
                    Ok(p) => AuditSink::File(relative_to(path, &p)),
                    Err(e) => {
                        errs.push(e);
                        AuditSink::Off
                    }
                }
            }
            (AuditSinkKind::File, None) => {
                errs.push(ConfigError::new(
                    path,
                    "audit.path",
                    "`sink: file` needs a path",
                    "add `path: /var/log/credgate/audit.log` (or use `sink: stdout`)",
                ));
                AuditSink::Off
            }
            (_, Some(_)) => {
                errs.push(ConfigError::new(
                    path,
                    "audit.path",
                    "a path is only used with `sink: file`",
                    "set `sink: file` or remove `path`",
                ));
                AuditSink::Off
            }
        };

        let timeouts = Timeouts {
            connect: raw
                .upstream
                .connect_timeout
                .unwrap_or(Duration::from_secs(5)),
            read: raw.upstream.read_timeout.unwrap_or(Duration::from_secs(60)),
            write: raw
                .upstream
                .write_timeout
                .unwrap_or(Duration::from_secs(60)),
            idle: raw.upstream.idle_timeout.unwrap_or(Duration::from_secs(60)),
        };
        for (name, d) in [
            ("upstream.connect_timeout", timeouts.connect),
            ("upstream.read_timeout", timeouts.read),
            ("upstream.write_timeout", timeouts.write),
        ] {
            if d.is_zero() {
                errs.push(ConfigError::new(
                    path,
                    name,
                    "a timeout of zero would fail every request",
                    "use a positive duration such as `5s`",
                ));
            }
        }
        let limits = Limits {
            auth_failures_per_minute: raw.limits.auth_failures_per_minute.unwrap_or(20),
            credential_cache_entries: raw.limits.credential_cache_entries.unwrap_or(10_000).max(1),
            credential_timeout: raw
                .limits
                .credential_timeout
                .unwrap_or(Duration::from_secs(10)),
        };

        let admin_token = match &raw.admin.token_sha256 {
            None => None,
            Some(v) => match interpolate::interpolate(path, "admin.token_sha256", v)
                .and_then(|v| parse_key_hash(path, "admin.token_sha256", &v))
            {
                Ok(h) => Some(h),
                Err(e) => {
                    errs.push(e);
                    None
                }
            },
        };

        let vault = raw
            .vault
            .as_ref()
            .and_then(|v| vault::validate(path, v, &mut errs))
            .map(|cfg| match previous_vault {
                Some(prev) if prev.config == cfg => prev.clone(),
                _ => crate::creds::vault::Vault::new(cfg),
            });

        let aws = raw
            .aws
            .as_ref()
            .and_then(|a| aws::validate(path, a, &mut errs))
            .map(crate::creds::aws::Aws::new);

        let agents = Agents::new(agents);
        let routes_dir = relative_to(path, &raw.routes_dir);
        let sources = crate::routes::Sources {
            vault: vault.as_ref(),
            aws: aws.as_ref(),
        };
        let routes = match RouteTable::load_dir(&routes_dir, &agents, raw.mode, &sources) {
            Ok(t) => t,
            Err(e) => {
                errs.0.extend(e.0);
                RouteTable::default()
            }
        };

        errs.into_result(Config {
            file: path.to_path_buf(),
            listen_proxy: listen_proxy.unwrap_or_else(|| ([127, 0, 0, 1], 0).into()),
            listen_admin: listen_admin.unwrap_or_else(|| ([127, 0, 0, 1], 0).into()),
            threads,
            mode: raw.mode,
            agents,
            audit,
            timeouts,
            limits,
            admin_token,
            vault,
            aws,
            routes,
        })
    }
}

/// Paths in a config file are relative to the directory of that file.
pub fn relative_to(config_file: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        config_file
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(p)
    }
}

fn parse_addr(
    file: &Path,
    field: &str,
    value: &str,
    errs: &mut ConfigErrors,
) -> Option<SocketAddr> {
    let v = match interpolate::interpolate(file, field, value) {
        Ok(v) => v,
        Err(e) => {
            errs.push(e);
            return None;
        }
    };
    match v.parse() {
        Ok(a) => Some(a),
        Err(_) => {
            errs.push(ConfigError::new(
                file,
                field,
                format!("{v:?} is not an IP:port address"),
                "write an address such as 127.0.0.1:8080 or [::]:8080 (host names are not resolved)",
            ));
            None
        }
    }
}

fn parse_key_hash(file: &Path, field: &str, v: &str) -> Result<KeyHash, ConfigError> {
    KeyHash::from_hex(v.trim()).ok_or_else(|| {
        ConfigError::new(
            file,
            field,
            "not a hex SHA-256 digest (64 hex characters)",
            "store the hash, never the key: `credgate gen-key` prints a new key and its hash, \
             `credgate hash-key` hashes an existing one",
        )
    })
}

fn valid_agent_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// JSON Schema of `proxy.yaml` and of a route file, for editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::json!({
        "proxy.yaml": schemars::schema_for!(RawProxyConfig),
        "routes/*.yaml": schemars::schema_for!(crate::routes::RawRoute),
    })
}
