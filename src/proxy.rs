//! The thin `ProxyHttp` implementation: each Pingora phase does one job.
//!
//! - `request_filter`: identify the agent, normalize the target, find the handle and its route,
//!   check the destination binding, decide, resolve the credential (see `admit`). Refusals end
//!   here, and so does any offer to switch protocols (see `upgrade`).
//! - `upstream_peer`: resolve the bound host, refuse private addresses, TLS with SNI.
//! - `upstream_request_filter`: origin-form URI, `Host`, strip agent-only headers, widen a
//!   range (see `range`), inject.
//! - `upstream_response_filter`: refuse a protocol switch and undecodable encodings, cut a
//!   widened range, drop `Content-Length`, scrub the head (see `head`).
//! - `response_body_filter`: streaming scrub.
//! - `logging`: one audit line and the metrics.

mod admit;
pub mod ctx;
pub mod head;
pub mod range;
pub mod reject;
pub mod upgrade;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::header::{self, HeaderName};
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::prelude::{HttpPeer, Session};
use pingora::proxy::{FailToProxy, ProxyHttp};
use pingora::{Error, ErrorType, Result};

use crate::audit::{redact_query, AuditRecord};
use crate::policy::Outcome;
use crate::routes::{is_private, Route};
use crate::scrub::{Overflow, ScrubPolicy};
use crate::state::State;
use crate::target::Scheme;
pub use ctx::Ctx;
pub use reject::Rejection;

const X_CRED_HANDLE: HeaderName = HeaderName::from_static("x-cred-handle");

/// The proxy.
#[derive(Debug, Clone)]
pub struct CredgateProxy {
    pub state: Arc<State>,
}

fn http_error(rej: &Rejection) -> Box<Error> {
    Error::explain(ErrorType::HTTPStatus(rej.status()), rej.label())
}

impl CredgateProxy {
    pub fn new(state: Arc<State>) -> Self {
        Self { state }
    }

    async fn respond(&self, session: &mut Session, ctx: &mut Ctx, rej: Rejection) -> Result<bool> {
        let body = rej.body(ctx.handle(), &ctx.request_id);
        let mut resp = ResponseHeader::build(rej.status(), Some(6))?;
        resp.insert_header(header::CONTENT_TYPE, "application/json")?;
        resp.insert_header(header::CONTENT_LENGTH, body.len().to_string())?;
        resp.insert_header(header::CACHE_CONTROL, "no-store")?;
        resp.insert_header("x-credgate-request-id", ctx.request_id.as_str())?;
        match &rej {
            Rejection::Auth(_) => {
                resp.insert_header(header::PROXY_AUTHENTICATE, "Basic realm=\"credgate\"")?;
            }
            Rejection::AuthRateLimited => {
                resp.insert_header(header::RETRY_AFTER, "60")?;
            }
            _ => {}
        }
        ctx.rejection = Some(rej);
        session.set_keepalive(None);
        session.write_response_header(Box::new(resp), false).await?;
        session
            .write_response_body(Some(Bytes::from(body)), true)
            .await?;
        Ok(true)
    }
}

fn map_error(e: &Error) -> Option<Rejection> {
    Some(match e.etype() {
        ErrorType::ConnectTimedout | ErrorType::TLSHandshakeTimedout => {
            Rejection::UpstreamConnectTimeout
        }
        ErrorType::ReadTimedout | ErrorType::WriteTimedout => Rejection::UpstreamTimeout,
        ErrorType::TLSHandshakeFailure
        | ErrorType::InvalidCert
        | ErrorType::TLSWantX509Lookup
        | ErrorType::HandshakeError => Rejection::UpstreamTls,
        ErrorType::ConnectRefused
        | ErrorType::ConnectNoRoute
        | ErrorType::ConnectError
        | ErrorType::ConnectProxyFailure
        | ErrorType::SocketError
        | ErrorType::BindError => Rejection::UpstreamUnreachable,
        _ => match e.esource() {
            pingora::ErrorSource::Upstream => Rejection::UpstreamUnreachable,
            pingora::ErrorSource::Downstream => return None,
            _ => Rejection::Internal,
        },
    })
}

#[async_trait]
impl ProxyHttp for CredgateProxy {
    type CTX = Ctx;

    fn new_ctx(&self) -> Ctx {
        Ctx::new()
    }

    async fn request_filter(&self, session: &mut Session, ctx: &mut Ctx) -> Result<bool> {
        let admitted = match self.admit(session, ctx).await {
            Ok(()) => match ctx.sign_body_limit {
                Some(limit) => self.hash_body(session, ctx, limit).await,
                None => Ok(()),
            },
            Err(rej) => Err(rej),
        };
        match admitted {
            Ok(()) => {
                // Decode gzip/br from upstreams that ignore `Accept-Encoding: identity`, so the
                // scrubber sees plain bytes; other encodings are refused in the response filter.
                session.upstream_compression.adjust_decompression(true);
                Ok(false)
            }
            Err(rej) => self.respond(session, ctx, rej).await,
        }
    }

    async fn upstream_peer(&self, _session: &mut Session, ctx: &mut Ctx) -> Result<Box<HttpPeer>> {
        let (Some(route), Some(host), Some(cfg)) = (&ctx.route, &ctx.dest_host, &ctx.config) else {
            ctx.rejection = Some(Rejection::Internal);
            return Err(http_error(&Rejection::Internal));
        };
        let up = &route.upstream;
        let addr = match host.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, up.port),
            Err(_) => {
                let mut addrs = match tokio::net::lookup_host((host.as_str(), up.port)).await {
                    Ok(a) => a,
                    Err(_) => {
                        ctx.rejection = Some(Rejection::DnsFailure);
                        return Err(http_error(&Rejection::DnsFailure));
                    }
                };
                let Some(first) = addrs.next() else {
                    ctx.rejection = Some(Rejection::DnsFailure);
                    return Err(http_error(&Rejection::DnsFailure));
                };
                first
            }
        };
        // Checked on the resolved address, so DNS cannot point a public route at the inside.
        if !up.allow_private && is_private(addr.ip()) {
            ctx.rejection = Some(Rejection::PrivateAddress);
            return Err(http_error(&Rejection::PrivateAddress));
        }
        let tls = up.scheme == Scheme::Https;
        let mut peer = HttpPeer::new(addr, tls, host.clone());
        // Pingora's pool key ignores the CA store: without this a connection verified with one
        // route's CA could be reused by a route that trusts only the system roots. One pool per
        // route also keeps routes' credentials off each other's connections.
        peer.group_key = route.pool_key;
        let o = &mut peer.options;
        o.connection_timeout = Some(up.connect_timeout.unwrap_or(cfg.timeouts.connect));
        o.total_connection_timeout = Some(up.connect_timeout.unwrap_or(cfg.timeouts.connect) * 2);
        o.read_timeout = Some(up.read_timeout.unwrap_or(cfg.timeouts.read));
        o.write_timeout = Some(cfg.timeouts.write);
        o.idle_timeout = Some(cfg.timeouts.idle);
        o.http_upstream_request_policy = upgrade::request_policy();
        if let Some(ca) = &up.ca {
            o.ca = Some(ca.0.clone());
        }
        Ok(Box::new(peer))
    }

    async fn upstream_request_filter(
        &self,
        _session: &mut Session,
        upstream: &mut RequestHeader,
        ctx: &mut Ctx,
    ) -> Result<()> {
        let (Some(route), Some(target), Some(cred), Some(host)) =
            (&ctx.route, &ctx.target, &ctx.credential, &ctx.dest_host)
        else {
            return Err(http_error(&Rejection::Internal));
        };
        let secret = &cred.cred.secret;
        let query = route.inject.query(target.query.as_deref(), secret);
        let pq = match query {
            Some(q) => format!("{}?{q}", target.path),
            None => target.path.clone(),
        };
        let uri = http::Uri::try_from(pq).map_err(|_| http_error(&Rejection::Internal))?;
        upstream.set_uri(uri);
        upstream.insert_header(header::HOST, host_header(route, host))?;
        for h in [
            header::AUTHORIZATION,
            header::PROXY_AUTHORIZATION,
            X_CRED_HANDLE,
            HeaderName::from_static("proxy-connection"),
        ] {
            upstream.remove_header(&h);
        }
        if let Some(name) = route.inject.header() {
            upstream.remove_header(name);
        }
        // Cloned, not taken: Pingora runs this filter again if it retries another connection.
        if let (Some(v), Some(name)) = (ctx.inject_header.clone(), route.inject.header()) {
            upstream.insert_header(name.clone(), v)?;
        }
        upstream.insert_header(header::ACCEPT_ENCODING, "identity")?;
        // Before signing: the widened range is what goes out.
        let longest_live = ctx
            .scrubber
            .as_ref()
            .map_or(0, |s| s.scanner().live.max_len());
        ctx.range = range::forward(upstream, range::context(longest_live))?;
        if let crate::inject::Injection::SigV4 {
            service, region, ..
        } = &route.inject
        {
            let creds = crate::creds::aws::TempCredentials::open(secret)
                .ok_or_else(|| http_error(&Rejection::CredentialNotInjectable))?;
            let payload = if service == "s3" {
                crate::sigv4::Payload::Unsigned
            } else {
                crate::sigv4::Payload::Sha256(
                    ctx.body_sha256
                        .clone()
                        .unwrap_or_else(|| crate::sigv4::EMPTY_SHA256.to_string()),
                )
            };
            let scheme = route.upstream.scheme.as_str();
            if let Err(e) =
                crate::sigv4::sign_request(upstream, scheme, &creds, region, service, payload)
            {
                log::warn!("request {}: SigV4 signing failed: {e}", ctx.request_id);
                ctx.rejection = Some(Rejection::Internal);
                return Err(http_error(&Rejection::Internal));
            }
        }
        Ok(())
    }

    async fn upstream_response_filter(
        &self,
        session: &mut Session,
        resp: &mut ResponseHeader,
        ctx: &mut Ctx,
    ) -> Result<()> {
        // A HEAD answer, 204 and 304 carry no body: their Content-Length describes the resource
        // (clients such as `aws s3 cp` read it) and scrubbing cannot change it.
        let bodyless = session.req_header().method == http::Method::HEAD
            || matches!(resp.status.as_u16(), 204 | 304);
        ctx.upstream_status = Some(resp.status.as_u16());
        ctx.upstream_header_at = Some(std::time::Instant::now());
        // No request through credgate asks to switch (see `upgrade`): what follows a 101 would
        // be bytes the scrubber cannot read as a body.
        if resp.status == http::StatusCode::SWITCHING_PROTOCOLS {
            ctx.rejection = Some(Rejection::UpstreamSwitchedProtocols);
            return Err(http_error(&Rejection::UpstreamSwitchedProtocols));
        }
        // A transfer coding other than chunked (`gzip, chunked`) is passed on by Pingora as it
        // came, so it is refused like a content coding.
        let transfer_coded = resp
            .headers
            .get_all(header::TRANSFER_ENCODING)
            .iter()
            .flat_map(|v| v.as_bytes().split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .any(|t| !t.is_empty() && !t.eq_ignore_ascii_case(b"chunked"));
        let encoded = transfer_coded
            || resp
                .headers
                .get(header::CONTENT_ENCODING)
                .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
        if encoded {
            ctx.rejection = Some(Rejection::UndecodableEncoding);
            return Err(http_error(&Rejection::UndecodableEncoding));
        }
        let (Some(scrubber), Some(route)) = (ctx.scrubber.as_mut(), &ctx.route) else {
            return Ok(());
        };
        let content_type = resp
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = content_type.as_deref();
        let skip = route.scrub.skips(content_type);
        if skip {
            // The route chose to pass this binary type through; the audit line says so.
            scrubber.skip_body();
        }
        if let (Some(asked), 206) = (ctx.range, resp.status.as_u16()) {
            if let Err(rej) = range::cut(asked, resp, scrubber, skip) {
                ctx.rejection = Some(rej.clone());
                return Err(http_error(&rej));
            }
        }
        if !skip && !bodyless {
            // The body may shrink or grow: let Pingora re-frame it.
            if route.scrub.reassembles(content_type) {
                scrubber.event_stream();
            } else if ScrubPolicy::is_message_stream(content_type) {
                scrubber.message_stream();
            }
            resp.remove_header(&header::CONTENT_LENGTH);
        }
        ctx.header_redactions += head::scrub(resp, scrubber)?;
        Ok(())
    }

    fn response_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<Bytes>,
        end_of_stream: bool,
        ctx: &mut Ctx,
    ) -> Result<Option<std::time::Duration>> {
        if let Some(s) = ctx.scrubber.as_mut() {
            match s.push(body.as_deref(), end_of_stream) {
                Ok(b) => *body = b,
                Err(e) => {
                    // Fail closed: a match larger than the cap, or candidates past the work
                    // budget. Nothing more of this body goes out; the aborted stream tells the
                    // agent it is incomplete.
                    *body = None;
                    ctx.rejection = Some(match e {
                        Overflow::Cap => Rejection::ScrubOverflow,
                        Overflow::Budget => Rejection::ScrubBudget,
                    });
                    return Err(Error::explain(ErrorType::InternalError, e.to_string()));
                }
            }
        }
        if let Some(b) = body {
            ctx.bytes_out += b.len();
        }
        Ok(None)
    }

    async fn fail_to_proxy(&self, session: &mut Session, e: &Error, ctx: &mut Ctx) -> FailToProxy {
        let rej = match ctx.rejection.clone() {
            Some(r) => Some(r),
            None => map_error(e),
        };
        let Some(rej) = rej else {
            return FailToProxy {
                error_code: 0,
                can_reuse_downstream: false,
            };
        };
        let code = rej.status();
        if session.response_written().is_none() {
            let _ = self.respond(session, ctx, rej).await;
        } else {
            ctx.rejection = Some(rej);
        }
        FailToProxy {
            error_code: code,
            can_reuse_downstream: false,
        }
    }

    async fn logging(&self, session: &mut Session, _e: Option<&Error>, ctx: &mut Ctx) {
        let status = session.response_written().map_or(0, |r| r.status.as_u16());
        let (decision, reason) = match (&ctx.rejection, &ctx.decision) {
            (Some(r @ Rejection::Policy { .. }), _) => ("deny", r.label()),
            (Some(r), Some(d)) if d.outcome != Outcome::Deny => ("error", r.label()),
            (Some(r), _) => ("deny", r.label()),
            (None, Some(d)) => (d.outcome.label(), d.reason),
            (None, None) => ("error", "internal_error"),
        };
        let handle = ctx.handle().unwrap_or("none");
        let m = &self.state.metrics;
        m.requests
            .with_label_values(&[decision, handle, crate::metrics::status_class(status)])
            .inc();
        let elapsed = ctx.started.elapsed();
        m.request_duration
            .with_label_values(&[decision])
            .observe(elapsed.as_secs_f64());
        if let Some(at) = ctx.upstream_header_at {
            m.upstream_duration
                .with_label_values(&[handle])
                .observe(at.duration_since(ctx.started).as_secs_f64());
        }
        let redactions = ctx.redactions();
        let mut redactions_by_kind = std::collections::BTreeMap::new();
        if let Some(s) = &ctx.scrubber {
            for (counts, location) in [(&s.body_counts, "body"), (&s.header_counts, "header")] {
                for (kind, n) in &counts.0 {
                    // Kinds are rule names from the configuration: a bounded label set.
                    m.scrub_redactions
                        .with_label_values(&[kind.as_ref(), location])
                        .inc_by(u64::from(*n));
                    *redactions_by_kind.entry(kind.as_ref()).or_insert(0) += n;
                }
            }
        }
        let scrub = ctx.scrubber.as_ref().map(|s| {
            if s.failed() {
                "failed_closed"
            } else if s.body_skipped() {
                "body_skipped"
            } else if s.reassembles_events() {
                "scanned_events"
            } else {
                "scanned"
            }
        });
        let req = session.req_header();
        let path = match &ctx.target {
            Some(t) => match &t.query {
                Some(q) => format!("{}?{}", t.path, redact_query(q)),
                None => t.path.clone(),
            },
            // Unparsed targets are not echoed into the log: they may carry anything.
            None => "-".to_string(),
        };
        let method = req.method.as_str().to_string();
        let time = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
        let client = session
            .client_addr()
            .and_then(|a| a.as_inet())
            .map(|a| a.ip().to_string());
        let cred = ctx.credential.as_ref();
        let source_kind = ctx.route.as_ref().map(|r: &Arc<Route>| r.credential.kind());
        let rec = AuditRecord {
            time,
            request_id: &ctx.request_id,
            client,
            agent: ctx.agent.as_deref(),
            handle: ctx.handle(),
            rule: ctx.decision.as_ref().and_then(|d| d.rule.as_deref()),
            decision,
            reason,
            method: &method,
            host: ctx.dest_host.as_deref().or(ctx.requested_host.as_deref()),
            path: &path,
            status,
            upstream_status: ctx.upstream_status,
            bytes_out: ctx.bytes_out,
            redactions,
            redactions_by_kind,
            scrub,
            credential_source: cred.and(source_kind),
            credential_cache: cred.map(|c| c.how.label()),
            credential_id: cred.and_then(|c| c.cred.audit_id.as_deref()),
            latency_ms: (elapsed.as_secs_f64() * 1e6).round() / 1e3,
        };
        self.state.audit().write(&rec);
    }

    fn request_summary(&self, session: &Session, ctx: &Ctx) -> String {
        // Pingora's default summary includes the query string, which may carry secrets.
        format!(
            "{} {} handle={} request_id={}",
            session.req_header().method,
            ctx.target.as_ref().map_or("-", |t| t.path.as_str()),
            ctx.handle().unwrap_or("-"),
            ctx.request_id
        )
    }
}

/// `Host` for the upstream: the bound host, with the port when it is not the scheme's default.
fn host_header(route: &Route, host: &str) -> String {
    let h = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let up = &route.upstream;
    if up.port == up.scheme.default_port() {
        h
    } else {
        format!("{h}:{}", up.port)
    }
}
