//! Route files (`routes/*.yaml`): one handle each, bound to its upstream hosts, with ordered rules.
//!
//! A handle is a label an agent may name; the route is what makes it safe: which agents may use
//! it, the only destinations its credential is ever sent to, and which methods and paths are
//! allowed. Route files are parsed strictly and compiled into [`Route`]s the hot path trusts.

mod compile;

pub use compile::valid_handle;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use globset::GlobSet;
use http::Method;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::config::{ConfigError, ConfigErrors, Mode};
use crate::creds::CredentialSource;
use crate::identity::Agents;
use crate::inject::Injection;
use crate::target::Scheme;

/// Raw route file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// The opaque name agents use (`X-Cred-Handle: STRIPE_LIVE`). Letters, digits, `_ . -`.
    pub handle: String,
    /// Free text for humans.
    #[serde(default)]
    pub description: Option<String>,
    /// The only destinations this handle's credential is ever sent to.
    pub upstream: RawUpstream,
    /// Agent names allowed to use this handle, or `["*"]` for every configured agent.
    pub agents: Vec<String>,
    /// Where the secret comes from.
    pub credential: RawCredential,
    /// How the secret is put on the upstream request.
    pub inject: RawInject,
    /// `enforce` or `report`; default: the `mode` of proxy.yaml.
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Ordered rules; the first that matches decides. No match: deny.
    pub rules: Vec<RawRule>,
    /// Response scrubbing: token-format packs, extra patterns, replacement style, binary skips.
    #[serde(default)]
    pub scrub: crate::scrub::RawScrub,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUpstream {
    /// `https` (default) or `http`.
    #[serde(default)]
    pub scheme: Option<Scheme>,
    /// Host names (or IP literals) this handle is bound to. `*.example.com` matches one label.
    pub hosts: Vec<String>,
    /// Port; default 443 for https, 80 for http.
    #[serde(default)]
    pub port: Option<u16>,
    /// PEM bundle of CAs to trust for this upstream instead of the system roots.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Allow loopback, private, link-local and metadata addresses (internal services only).
    #[serde(default)]
    pub allow_private: bool,
    /// Overrides `upstream.connect_timeout` of proxy.yaml.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub connect_timeout: Option<Duration>,
    /// Overrides `upstream.read_timeout` of proxy.yaml.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub read_timeout: Option<Duration>,
}

/// Credential source.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "source", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawCredential {
    /// A secret in an environment variable of the credgate process.
    Env {
        /// Variable name.
        var: String,
    },
    /// A secret in a file (trailing newline trimmed), re-read every `refresh` (default 60s).
    File {
        /// Path, relative to the route file.
        path: String,
        #[serde(default, with = "humantime_serde")]
        #[schemars(with = "Option<String>")]
        refresh: Option<Duration>,
    },
    /// A field of a Vault KV v2 secret (needs `vault:` in proxy.yaml), re-read every `refresh`
    /// (default 60s); a new version is picked up then unless `version` pins one.
    #[serde(rename = "vault_kv")]
    VaultKv {
        /// KV v2 mount, default `secret`.
        #[serde(default)]
        mount: Option<String>,
        path: String,
        field: String,
        #[serde(default)]
        version: Option<u64>,
        #[serde(default, with = "humantime_serde")]
        #[schemars(with = "Option<String>")]
        refresh: Option<Duration>,
    },
    /// A Vault token minted per agent with these policies (one per agent and route).
    #[serde(rename = "vault_token")]
    VaultToken {
        policies: Vec<String>,
        /// Default 15m.
        #[serde(default, with = "humantime_serde")]
        #[schemars(with = "Option<String>")]
        ttl: Option<Duration>,
        #[serde(default, with = "humantime_serde")]
        #[schemars(with = "Option<String>")]
        explicit_max_ttl: Option<Duration>,
        /// 0 (default): unlimited.
        #[serde(default)]
        num_uses: u64,
        /// Not a child of credgate's own token (survives credgate's re-login).
        #[serde(default)]
        orphan: bool,
    },
    /// A lease-backed dynamic secret, e.g. `database/creds/readonly`; `fields` are joined with `:`
    /// (`[username, password]` for `inject.kind: basic`). Renewed while used, revoked at shutdown.
    #[serde(rename = "vault_dynamic")]
    VaultDynamic { path: String, fields: Vec<String> },
    /// Temporary AWS credentials from STS AssumeRole (needs `aws:` in proxy.yaml), one set per
    /// agent and route, used with `inject.kind: sigv4`.
    #[serde(rename = "aws_sts")]
    AwsSts {
        role_arn: String,
        /// Default 15m (STS allows 15m to 12h).
        #[serde(default, with = "humantime_serde")]
        #[schemars(with = "Option<String>")]
        duration: Option<Duration>,
        #[serde(default)]
        external_id: Option<String>,
        /// An inline session policy (JSON) further restricting the role for this route.
        #[serde(default)]
        session_policy: Option<String>,
        /// Or: a session policy derived from these actions on `allow_resources`.
        #[serde(default)]
        allow_actions: Vec<String>,
        #[serde(default)]
        allow_resources: Vec<String>,
    },
}

/// Injection kind.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawInject {
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// `Authorization: Basic ...` with `username` and the secret as password, or, without
    /// `username`, a secret that is itself `user:password`.
    Basic {
        #[serde(default)]
        username: Option<String>,
    },
    /// A custom header, e.g. `X-Api-Key`, with an optional value prefix.
    Header {
        name: String,
        #[serde(default)]
        prefix: Option<String>,
    },
    /// A query parameter.
    Query { param: String },
    /// AWS Signature Version 4 with STS credentials (`credential.source: aws_sts`).
    Sigv4 {
        /// Service name in the signing scope, e.g. `s3`.
        service: String,
        /// Signing region; default `aws.region` of proxy.yaml.
        #[serde(default)]
        region: Option<String>,
        /// Largest request body signed by hash (services other than s3), at most and by default
        /// 65536 bytes; larger bodies are refused with 413.
        #[serde(default)]
        max_body: Option<usize>,
    },
}

/// Rule action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Deny,
    /// Hold for human approval (not supported yet: rejected at load time).
    Approve,
}

/// One rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Shown in audit lines and denial reasons; default `rules[N]`.
    #[serde(default)]
    pub name: Option<String>,
    pub action: Action,
    /// HTTP methods; absent or `["*"]`: any.
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// Path globs over the canonical path: `*` within a segment, `**` across segments.
    pub paths: Vec<String>,
    /// A reason given to the agent when this rule denies.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The credential back ends configured in proxy.yaml, for route compilation.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sources<'a> {
    pub vault: Option<&'a Arc<crate::creds::vault::Vault>>,
    pub aws: Option<&'a Arc<crate::creds::aws::Aws>>,
}

/// A host a route is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// `*.example.com`: stored as `.example.com`; matches exactly one more label.
    OneLabel(String),
}

impl HostPattern {
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => h == host,
            HostPattern::OneLabel(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|label| !label.is_empty() && !label.contains('.')),
        }
    }
}

/// Parsed CA certificates in the form Pingora's connector takes.
#[derive(Clone)]
pub struct CaBundle(pub Arc<[pingora::utils::tls::WrappedX509]>);

impl std::fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CaBundle({} certificates)", self.0.len())
    }
}

/// Validated upstream.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub scheme: Scheme,
    pub hosts: Vec<HostPattern>,
    pub port: u16,
    /// A per-route CA bundle, trusted instead of the system roots.
    pub ca: Option<CaBundle>,
    pub allow_private: bool,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
}

impl Upstream {
    pub fn binds(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.matches(host))
    }

    /// The host used in reverse mode (the agent did not name one): the first exact host.
    pub fn default_host(&self) -> Option<&str> {
        self.hosts.iter().find_map(|h| match h {
            HostPattern::Exact(h) => Some(h.as_str()),
            HostPattern::OneLabel(_) => None,
        })
    }
}

/// Validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: Arc<str>,
    pub action: Action,
    /// `None`: any method.
    pub methods: Option<Vec<Method>>,
    pub paths: GlobSet,
    pub reason: Option<Arc<str>>,
}

impl Rule {
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        self.methods.as_ref().is_none_or(|m| m.contains(method)) && self.paths.is_match(path)
    }
}

/// Which agents may use a route.
#[derive(Debug, Clone)]
pub enum AgentSet {
    All,
    Names(Vec<Arc<str>>),
}

impl AgentSet {
    pub fn contains(&self, agent: &str) -> bool {
        match self {
            AgentSet::All => true,
            AgentSet::Names(n) => n.iter().any(|a| a.as_ref() == agent),
        }
    }
}

/// A compiled route.
#[derive(Debug)]
pub struct Route {
    pub handle: Arc<str>,
    pub file: PathBuf,
    pub upstream: Upstream,
    pub agents: AgentSet,
    pub credential: Arc<dyn CredentialSource>,
    pub inject: Injection,
    pub mode: Mode,
    pub rules: Vec<Rule>,
    /// Upstream connection pool key: connections are never shared between routes.
    pub pool_key: u64,
    /// The credential cache key of `credential` (computed once, not per request).
    pub cred_key: Arc<str>,
    /// How responses on this route are scrubbed.
    pub scrub: crate::scrub::ScrubPolicy,
}

/// All routes, by handle.
#[derive(Debug, Default)]
pub struct RouteTable {
    by_handle: HashMap<Arc<str>, Arc<Route>>,
    /// Names of custom headers that carry a placeholder handle (from `inject.kind: header`).
    placeholder_headers: Vec<http::header::HeaderName>,
    /// Query parameters that may carry a placeholder handle (from `inject.kind: query`).
    placeholder_params: Vec<String>,
}

impl RouteTable {
    pub fn get(&self, handle: &str) -> Option<&Arc<Route>> {
        self.by_handle.get(handle)
    }

    pub fn len(&self) -> usize {
        self.by_handle.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_handle.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Route>> {
        self.by_handle.values()
    }

    pub fn placeholder_headers(&self) -> &[http::header::HeaderName] {
        &self.placeholder_headers
    }

    pub fn placeholder_params(&self) -> &[String] {
        &self.placeholder_params
    }

    /// Builds a table from compiled routes (duplicates must already have been rejected).
    pub fn from_routes(routes: Vec<Route>) -> Self {
        let mut t = RouteTable::default();
        for r in routes {
            match &r.inject {
                Injection::Header { name, .. } if !t.placeholder_headers.contains(name) => {
                    t.placeholder_headers.push(name.clone())
                }
                Injection::Query { param } if !t.placeholder_params.contains(param) => {
                    t.placeholder_params.push(param.clone())
                }
                _ => {}
            }
            t.by_handle.insert(r.handle.clone(), Arc::new(r));
        }
        t
    }

    /// Loads every `*.yaml` / `*.yml` file in `dir`.
    pub fn load_dir(
        dir: &Path,
        agents: &Agents,
        default_mode: Mode,
        sources: &Sources<'_>,
    ) -> Result<Self, ConfigErrors> {
        let mut errs = ConfigErrors::default();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                return Err(ConfigError::new(
                    dir,
                    "routes_dir",
                    format!("cannot read the routes directory: {e}"),
                    "create the directory or point `routes_dir` in proxy.yaml at it",
                )
                .into())
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        let mut routes: Vec<Route> = Vec::new();
        for f in files {
            let text = match std::fs::read_to_string(&f) {
                Ok(t) => t,
                Err(e) => {
                    errs.push(ConfigError::new(
                        &f,
                        ".",
                        format!("cannot read: {e}"),
                        "fix the file's permissions",
                    ));
                    continue;
                }
            };
            let raw: RawRoute = match crate::config::error::parse_yaml(&f, &text) {
                Ok(r) => r,
                Err(e) => {
                    errs.push(e);
                    continue;
                }
            };
            match compile::compile(&f, raw, agents, default_mode, sources) {
                Ok(r) => {
                    if let Some(prev) = routes.iter().find(|p| p.handle == r.handle) {
                        errs.push(ConfigError::new(
                            &f,
                            "handle",
                            format!(
                                "handle {} is already defined in {}",
                                r.handle,
                                prev.file.display()
                            ),
                            "give each route file its own handle, or merge the two files",
                        ));
                    } else {
                        routes.push(r);
                    }
                }
                Err(e) => errs.0.extend(e.0),
            }
        }
        errs.into_result(()).map(|_| Self::from_routes(routes))
    }
}

/// Whether an address is one a public-API route must never reach: loopback, private, link-local
/// (incl. the 169.254.169.254 metadata service), CGNAT, unspecified, multicast, and their
/// IPv4-mapped IPv6 forms.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}
