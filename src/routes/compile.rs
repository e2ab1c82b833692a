//! Raw route → validated [`Route`]: every check that can be made at load time is made here, so
//! that mistakes surface in `credgate check`, not as a surprise denial in production.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use globset::{GlobBuilder, GlobSetBuilder};
use http::header::HeaderName;
use http::Method;

use super::{Action, AgentSet, HostPattern, RawInject, RawRoute, Route, Rule, Upstream};
use crate::config::{relative_to, ConfigError, ConfigErrors, Mode};
use crate::identity::Agents;
use crate::inject::Injection;
use crate::target::{normalize_host, Scheme};

mod credential;
use credential::credential_source;

/// Headers credgate owns on the upstream request; an injection may not target them.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "proxy-authorization",
    "x-cred-handle",
    "te",
    "upgrade",
];

/// Pingora's retry buffer, where a body to be hashed for SigV4 is held.
const SIGNED_BODY_LIMIT: usize = 64 * 1024;

pub fn valid_handle(h: &str) -> bool {
    let mut bytes = h.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && h.len() <= 64
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

pub fn compile(
    file: &Path,
    raw: RawRoute,
    agents: &Agents,
    default_mode: Mode,
    sources: &super::Sources<'_>,
) -> Result<Route, ConfigErrors> {
    let mut errs = ConfigErrors::default();
    let err = |field: &str, problem: String, fix: &str| ConfigError::new(file, field, problem, fix);

    if !valid_handle(&raw.handle) {
        errs.push(err(
            "handle",
            format!("{:?} is not a valid handle", raw.handle),
            "start with a letter and use up to 64 of A-Z a-z 0-9 _ . - (e.g. STRIPE_LIVE)",
        ));
    }

    // Upstream.
    let scheme = raw.upstream.scheme.unwrap_or(Scheme::Https);
    let mut hosts = Vec::new();
    if raw.upstream.hosts.is_empty() {
        errs.push(err(
            "upstream.hosts",
            "no hosts: the credential would have nowhere it may go".into(),
            "list the host names this credential is for, e.g. [api.stripe.com]",
        ));
    }
    for (i, h) in raw.upstream.hosts.iter().enumerate() {
        let field = format!("upstream.hosts[{i}]");
        if h.contains("://") || h.contains('/') {
            errs.push(err(
                &field,
                format!("{h:?} is a URL or has a path; an upstream is a host only"),
                "write the bare host (api.example.com); the scheme goes in upstream.scheme and paths in rules",
            ));
            continue;
        }
        if h.contains(':') && h.parse::<IpAddr>().is_err() {
            errs.push(err(
                &field,
                format!("{h:?} has a port"),
                "write the bare host and put the port in upstream.port",
            ));
            continue;
        }
        let (wild, bare) = match h.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, h.as_str()),
        };
        let Some(norm) = normalize_host(bare) else {
            errs.push(err(
                &field,
                format!("{h:?} is not a valid host name"),
                "use a DNS name in ASCII (punycode for international names) or an IP address; \
                 `*.` is allowed only as the first label",
            ));
            continue;
        };
        let private = match norm.parse::<IpAddr>() {
            Ok(ip) => super::is_private(ip),
            Err(_) => norm == "localhost" || norm.ends_with(".localhost"),
        };
        if private && !raw.upstream.allow_private {
            errs.push(err(
                &field,
                format!("{h:?} is a loopback, private or link-local address"),
                "for an internal service set `upstream.allow_private: true` in this route; \
                 never for a route whose handle reaches the internet",
            ));
            continue;
        }
        hosts.push(if wild {
            HostPattern::OneLabel(format!(".{norm}"))
        } else {
            HostPattern::Exact(norm)
        });
    }
    let port = match raw.upstream.port {
        Some(0) => {
            errs.push(err(
                "upstream.port",
                "port 0 is not a port".into(),
                "remove it or give the real port",
            ));
            0
        }
        Some(p) => p,
        None => scheme.default_port(),
    };
    let ca = match &raw.upstream.ca_file {
        None => None,
        Some(p) => {
            if scheme != Scheme::Https {
                errs.push(err(
                    "upstream.ca_file",
                    "a CA bundle only applies to https upstreams".into(),
                    "set `scheme: https` or remove `ca_file`",
                ));
            }
            match load_ca(&relative_to(file, p)) {
                Ok(d) => Some(d),
                Err(problem) => {
                    errs.push(err(
                        "upstream.ca_file",
                        problem,
                        "point ca_file at a PEM file with one or more CERTIFICATE blocks",
                    ));
                    None
                }
            }
        }
    };
    for (f, d) in [
        ("upstream.connect_timeout", raw.upstream.connect_timeout),
        ("upstream.read_timeout", raw.upstream.read_timeout),
    ] {
        if d == Some(Duration::ZERO) {
            errs.push(err(
                f,
                "a zero timeout fails every request".into(),
                "use a positive duration like `10s`",
            ));
        }
    }

    // Agents.
    let agent_set = if raw.agents.iter().any(|a| a == "*") {
        if raw.agents.len() > 1 {
            errs.push(err(
                "agents",
                "`*` together with names".into(),
                "use either [\"*\"] for every agent or a list of names",
            ));
        }
        AgentSet::All
    } else {
        if raw.agents.is_empty() {
            errs.push(err(
                "agents",
                "no agents: nobody could use this handle".into(),
                "list the agents (names from proxy.yaml) that may use it, or [\"*\"]",
            ));
        }
        for (i, a) in raw.agents.iter().enumerate() {
            if !agents.contains(a) {
                let mut known: Vec<&str> = agents.names().collect();
                known.sort();
                errs.push(err(
                    &format!("agents[{i}]"),
                    format!("unknown agent {a:?}"),
                    &format!(
                        "define it under `agents:` in proxy.yaml, or use one of: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        AgentSet::Names(raw.agents.iter().map(|a| Arc::from(a.as_str())).collect())
    };

    // Credential.
    let credential = credential_source(file, raw.credential, sources, &mut errs);

    // Injection.
    let inject = match raw.inject {
        RawInject::Bearer => Injection::Bearer,
        RawInject::Basic { username } => {
            if username.as_deref().is_some_and(|u| u.contains(':')) {
                errs.push(err(
                    "inject.username",
                    "a Basic username cannot contain `:`".into(),
                    "remove the colon",
                ));
            }
            Injection::Basic { username }
        }
        RawInject::Header { name, prefix } => match HeaderName::try_from(name.as_str()) {
            Ok(h) if !RESERVED_HEADERS.contains(&h.as_str()) => Injection::Header {
                name: h,
                prefix: prefix.unwrap_or_default(),
            },
            Ok(_) => {
                errs.push(err(
                    "inject.name",
                    format!("{name:?} is a header credgate manages itself"),
                    "inject into Authorization (kind: bearer/basic) or a service-specific header",
                ));
                Injection::Bearer
            }
            Err(_) => {
                errs.push(err(
                    "inject.name",
                    format!("{name:?} is not a valid header name"),
                    "use a token such as X-Api-Key",
                ));
                Injection::Bearer
            }
        },
        RawInject::Query { param } => {
            if param.is_empty()
                || !param
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                errs.push(err(
                    "inject.param",
                    format!("{param:?} is not a plain query parameter name"),
                    "use letters, digits, _ - .",
                ));
            }
            Injection::Query { param }
        }
        RawInject::Sigv4 {
            service,
            region,
            max_body,
        } => {
            let max_body = max_body.unwrap_or(SIGNED_BODY_LIMIT);
            if max_body == 0 || max_body > SIGNED_BODY_LIMIT {
                errs.push(err(
                    "inject.max_body",
                    format!("{max_body} is outside 1..=65536"),
                    "bodies are buffered in Pingora's 64 KiB retry buffer to be hashed; use at most 65536",
                ));
            }
            if service.is_empty()
                || !service
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                errs.push(err(
                    "inject.service",
                    format!("{service:?} is not an AWS service name"),
                    "e.g. s3, sts, execute-api",
                ));
            }
            let region = region
                .or_else(|| sources.aws.map(|a| a.config.region.clone()))
                .unwrap_or_else(|| "us-east-1".into());
            Injection::SigV4 {
                service,
                region,
                max_body,
            }
        }
    };
    let is_sts = credential.kind() == "aws_sts";
    if is_sts != matches!(inject, Injection::SigV4 { .. }) {
        errs.push(err(
            "inject.kind",
            "sigv4 goes with `credential.source: aws_sts`, and aws_sts only with sigv4".into(),
            "pair `source: aws_sts` with `inject: {kind: sigv4, service: s3}`",
        ));
    }
    if let Injection::Header { prefix, .. } = &inject {
        if http::HeaderValue::from_str(prefix).is_err() {
            errs.push(err(
                "inject.prefix",
                "the prefix cannot go in a header".into(),
                "remove control characters",
            ));
        }
    }

    // Rules.
    let rules = compile_rules(file, &raw.rules, &mut errs);

    // Scrubbing.
    let scrub = crate::scrub::ScrubPolicy::compile(raw.scrub).unwrap_or_else(|es| {
        for (field, problem, fix) in es {
            errs.push(err(&field, problem, &fix));
        }
        crate::scrub::ScrubPolicy::default()
    });

    errs.into_result(Route {
        handle: Arc::from(raw.handle.as_str()),
        file: file.to_path_buf(),
        upstream: Upstream {
            scheme,
            hosts,
            port,
            ca,
            allow_private: raw.upstream.allow_private,
            connect_timeout: raw.upstream.connect_timeout,
            read_timeout: raw.upstream.read_timeout,
        },
        agents: agent_set,
        cred_key: Arc::from(credential.cache_key()),
        credential,
        inject,
        mode: raw.mode.unwrap_or(default_mode),
        rules,
        scrub,
        pool_key: {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            raw.handle.hash(&mut h);
            file.hash(&mut h);
            h.finish()
        },
    })
}

fn compile_rules(file: &Path, raw: &[super::RawRule], errs: &mut ConfigErrors) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    if raw.is_empty() {
        errs.push(ConfigError::new(
            file,
            "rules",
            "no rules: every request would be denied",
            "add at least one rule, e.g. `- {action: allow, methods: [GET], paths: [\"/**\"]}`",
        ));
    }
    // Index of an earlier rule that matches every path for a set of methods (None = any).
    let mut catch_alls: Vec<(usize, Option<Vec<Method>>)> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let field = format!("rules[{i}]");
        if r.action == Action::Approve {
            errs.push(ConfigError::new(
                file,
                format!("{field}.action"),
                "`approve` (hold for human approval) is not supported by this version",
                "use `deny` until approvals ship",
            ));
        }
        let methods = match &r.methods {
            None => None,
            Some(ms) if ms.iter().any(|m| m == "*") => None,
            Some(ms) => {
                let mut out = Vec::new();
                for (j, m) in ms.iter().enumerate() {
                    let up = m.to_ascii_uppercase();
                    match Method::from_bytes(up.as_bytes()) {
                        Ok(m) if up.bytes().all(|b| b.is_ascii_uppercase()) => out.push(m),
                        _ => errs.push(ConfigError::new(
                            file,
                            format!("{field}.methods[{j}]"),
                            format!("{m:?} is not an HTTP method"),
                            "use GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, or \"*\"",
                        )),
                    }
                }
                if out.is_empty() {
                    errs.push(ConfigError::new(
                        file,
                        format!("{field}.methods"),
                        "an empty method list never matches",
                        "list methods, or remove the field to match any method",
                    ));
                }
                Some(out)
            }
        };
        if r.paths.is_empty() {
            errs.push(ConfigError::new(
                file,
                format!("{field}.paths"),
                "a rule with no paths never matches",
                "list path globs; \"/**\" matches every path",
            ));
        }
        let mut set = GlobSetBuilder::new();
        let mut catch_all = false;
        for (j, p) in r.paths.iter().enumerate() {
            let pf = format!("{field}.paths[{j}]");
            if let Some(problem) = glob_never_matches(p) {
                errs.push(ConfigError::new(
                    file,
                    &pf,
                    format!("{p:?} can never match: {problem}"),
                    "write globs over the canonical path: it starts with `/`, has no `.`/`..`/empty \
                     segments, no query, and unreserved characters unescaped",
                ));
                continue;
            }
            catch_all |= p == "/**" || p == "**";
            match GlobBuilder::new(p)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
            {
                Ok(g) => {
                    set.add(g);
                }
                Err(e) => errs.push(ConfigError::new(
                    file,
                    &pf,
                    format!("invalid glob: {}", e.kind()),
                    "use * within a segment, ** across segments, {a,b} alternatives",
                )),
            }
        }
        let name: Arc<str> = Arc::from(r.name.clone().unwrap_or_else(|| field.clone()).as_str());
        // A rule after a catch-all for a superset of its methods can never be reached.
        for (k, ms) in &catch_alls {
            let covered = match (ms, &methods) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => b.iter().all(|m| a.contains(m)),
            };
            if covered {
                errs.push(ConfigError::new(
                    file,
                    &field,
                    format!("rule {name} can never match: rules[{k}] before it already matches every path for its methods"),
                    "move this rule above the catch-all, or remove it",
                ));
                break;
            }
        }
        if catch_all {
            catch_alls.push((i, methods.clone()));
        }
        let paths = set.build().unwrap_or_else(|_| globset::GlobSet::empty());
        rules.push(Rule {
            name,
            action: r.action,
            methods,
            paths,
            reason: r.reason.as_deref().map(Arc::from),
        });
    }
    rules
}

/// Why a glob can never match a canonical path, if it cannot.
fn glob_never_matches(p: &str) -> Option<&'static str> {
    if !(p.starts_with('/') || p.starts_with("**")) {
        return Some("paths always start with `/`");
    }
    if p.contains('?') && !p.contains("\\?") {
        return Some("`?` is a single-character wildcard here and the query is never part of the path; use `*`");
    }
    if p.contains('#') {
        return Some("fragments are never sent to a server");
    }
    if p.split('/').skip(1).any(|s| s == "." || s == "..") {
        return Some("dot segments are refused before policy runs");
    }
    if p.contains("//") {
        return Some("empty segments are collapsed before policy runs");
    }
    if p.to_ascii_lowercase().contains("%2f") {
        return Some("encoded slashes are refused before policy runs");
    }
    None
}

fn load_ca(path: &Path) -> Result<super::CaBundle, String> {
    use pingora::utils::tls::{parse_x509, WrappedX509};
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut certs = Vec::new();
    use rustls_pki_types::pem::PemObject;
    for c in rustls_pki_types::CertificateDer::pem_slice_iter(&data) {
        let der = c
            .map_err(|e| format!("{} is not valid PEM: {e:?}", path.display()))?
            .to_vec();
        // Pingora's parser panics on bad DER: validate first.
        if x509_parser::parse_x509_certificate(&der).is_err() {
            return Err(format!(
                "{} holds a certificate that does not parse",
                path.display()
            ));
        }
        certs.push(WrappedX509::new(der, parse_x509));
    }
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificates", path.display()));
    }
    Ok(super::CaBundle(certs.into()))
}
