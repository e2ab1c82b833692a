//! The thin `ProxyHttp` implementation: each Pingora phase does one job.
//!
//! - `request_filter`: identify the agent, normalize the target, find the handle and its route,
//!   check the destination binding, decide, resolve the credential. Refusals end here, and so
//!   does any offer to switch protocols (see `upgrade`).
//! - `upstream_peer`: resolve the bound host, refuse private addresses, TLS with SNI.
//! - `upstream_request_filter`: origin-form URI, `Host`, strip agent-only headers, inject.
//! - `upstream_response_filter`: refuse a protocol switch and undecodable encodings, cut a
//!   widened range, drop `Content-Length`, scrub the head (see `head`).
//! - `response_body_filter`: streaming scrub.
//! - `logging`: one audit line and the metrics.

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
use crate::creds::cache::CacheKey;
use crate::creds::{MintRequest, SecretString};
use crate::policy::{self, Outcome};
use crate::routes::{is_private, Route};
use crate::scrub::ScrubPolicy;
use crate::state::State;
use crate::target::{self, Scheme};
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

    /// Runs the checks of `request_filter`; `Err` is the refusal to send.
    async fn admit(
        &self,
        session: &mut Session,
        ctx: &mut Ctx,
    ) -> std::result::Result<(), Rejection> {
        let cfg = self.state.config();
        ctx.config = Some(cfg.clone());
        let req = session.req_header();

        // 1. Who is asking. Failures per client address are limited against brute force.
        let client_ip = session
            .client_addr()
            .and_then(|a| a.as_inet())
            .map(|a| a.ip());
        if let Some(ip) = client_ip {
            if self.state.limiter.is_blocked(ip) {
                self.state
                    .metrics
                    .auth_failures
                    .with_label_values(&["rate_limited"])
                    .inc();
                return Err(Rejection::AuthRateLimited);
            }
        }
        let auth = req
            .headers
            .get(header::PROXY_AUTHORIZATION)
            .map(|v| v.as_bytes());
        let agent = match cfg.agents.authenticate(auth) {
            Ok(a) => a.name.clone(),
            Err(f) => {
                self.state
                    .metrics
                    .auth_failures
                    .with_label_values(&[f.label()])
                    .inc();
                if let (Some(ip), true) = (client_ip, auth.is_some()) {
                    self.state.limiter.record_failure(ip);
                }
                return Err(Rejection::Auth(f));
            }
        };
        ctx.agent = Some(agent.clone());

        if req.method == http::Method::CONNECT {
            return Err(Rejection::ConnectNotSupported);
        }

        // 2. What is asked for, normalized once; the normalized form is what is forwarded.
        let target = target::parse(req.raw_path()).map_err(Rejection::BadTarget)?;
        ctx.requested_host = target.authority.as_ref().map(|a| a.host.clone());
        ctx.target = Some(target.clone());

        // 3. Which handle.
        let handle = find_handle(req, target.query.as_deref(), &cfg.routes)?;
        let route = cfg
            .routes
            .get(&handle)
            .cloned()
            .ok_or(Rejection::UnknownHandle)?;
        ctx.route = Some(route.clone());
        // Refused once the audit line can name the handle, before any policy or credential work.
        if upgrade::offer(&req.headers) == upgrade::Offer::Refused {
            return Err(Rejection::UpgradeNotSupported);
        }

        // 4. The handle goes only where its route binds it, whatever the mode.
        let host = match &target.authority {
            Some(a) => {
                if !route.upstream.binds(&a.host)
                    || (a.explicit_port && a.port != route.upstream.port)
                {
                    return Err(Rejection::DestinationNotBound);
                }
                a.host.clone()
            }
            None => route
                .upstream
                .default_host()
                .ok_or(Rejection::NoDefaultHost)?
                .to_string(),
        };
        ctx.dest_host = Some(host);

        // SigV4 for services other than S3 signs the payload hash: such a body is read (up to
        // the route's limit) before anything is sent; S3 takes UNSIGNED-PAYLOAD and streams.
        if let crate::inject::Injection::SigV4 {
            service, max_body, ..
        } = &route.inject
        {
            let length = req
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            let has_body = req.headers.get(header::TRANSFER_ENCODING).is_some()
                || length.is_some_and(|l| l > 0);
            if service != "s3" && has_body {
                if length.is_some_and(|l| l > *max_body) {
                    return Err(Rejection::PayloadNotSignable);
                }
                ctx.sign_body_limit = Some(*max_body);
            }
        }

        // 5. Policy.
        let decision = policy::decide(&route, &agent, &req.method, &target.path);
        let outcome = decision.outcome;
        let denial = Rejection::Policy {
            reason: decision.reason,
            message: decision.message.as_deref().map(str::to_string),
        };
        ctx.decision = Some(decision);
        if outcome == Outcome::Deny {
            return Err(denial);
        }

        // 6. The credential. Fails closed.
        let source = route.credential.clone();
        let key = CacheKey {
            source: route.cred_key.clone(),
            agent: source.per_agent().then(|| agent.clone()),
        };
        let mint = MintRequest {
            handle: route.handle.clone(),
            agent,
        };
        let resolved = self
            .state
            .cache
            .get(&key, &source, &mint, cfg.limits.credential_timeout)
            .await;
        let labels = |result: &'static str| [route.handle.as_ref(), source.kind(), result];
        let resolved = match resolved {
            Ok(r) => r,
            Err(e) => {
                self.state
                    .metrics
                    .credential_resolutions
                    .with_label_values(&labels(e.label()))
                    .inc();
                // The detail (which variable, file or Vault status) is for operators only.
                log::warn!(
                    "request {}: credential for handle {} not available: {e}",
                    ctx.request_id,
                    route.handle
                );
                return Err(Rejection::Credential(e));
            }
        };
        self.state
            .metrics
            .credential_resolutions
            .with_label_values(&labels(resolved.how.label()))
            .inc();
        if let crate::creds::cache::Resolution::Fetched(d) = resolved.how {
            log::debug!(
                "request {}: fetched the credential for handle {} from its {} source in {:?}",
                ctx.request_id,
                route.handle,
                source.kind(),
                d
            );
            self.state
                .metrics
                .credential_fetch_duration
                .with_label_values(&[source.kind()])
                .observe(d.as_secs_f64());
        }
        // Built once here (checking the secret can go in a header) and used as is upstream.
        ctx.inject_header = route
            .inject
            .header_value(&resolved.cred.secret)
            .map_err(|_| Rejection::CredentialNotInjectable)?;

        // 7. Make sure the scrubber knows this credential in every form it goes on the wire.
        let live_key: std::borrow::Cow<'_, str> = match &key.agent {
            None => std::borrow::Cow::Borrowed(&route.handle),
            Some(a) => std::borrow::Cow::Owned(format!("{}|{a}", route.handle)),
        };
        self.state.live.observe(&live_key, resolved.version, || {
            route
                .inject
                .wire_forms(&resolved.cred.secret)
                .into_iter()
                .map(SecretString::from)
                .collect()
        });
        ctx.scrubber = Some(route.scrub.scrubber(self.state.live.snapshot()));
        ctx.credential = Some(resolved);
        Ok(())
    }
}

impl CredgateProxy {
    /// Reads the whole request body (at most `limit` bytes) into Pingora's retry buffer, which
    /// Pingora then sends upstream, and records its SHA-256 for the SigV4 signature.
    async fn hash_body(
        &self,
        session: &mut Session,
        ctx: &mut Ctx,
        limit: usize,
    ) -> std::result::Result<(), Rejection> {
        use sha2::{Digest, Sha256};
        session.as_mut().enable_retry_buffering();
        let mut total = 0usize;
        loop {
            match session.as_mut().read_request_body().await {
                Ok(Some(chunk)) => {
                    total += chunk.len();
                    if total > limit {
                        return Err(Rejection::PayloadNotSignable);
                    }
                }
                Ok(None) => break,
                Err(_) => return Err(Rejection::BadRequestBody),
            }
        }
        if session.as_ref().retry_buffer_truncated() {
            return Err(Rejection::PayloadNotSignable);
        }
        let body = session.as_ref().get_retry_buffer().unwrap_or_default();
        ctx.body_sha256 = Some(hex::encode(Sha256::digest(&body)));
        Ok(())
    }
}

/// Finds the handle: `X-Cred-Handle`, else a placeholder where an SDK puts its key (the bearer
/// token, either half of Basic credentials, a route's custom header or query parameter).
fn find_handle(
    req: &RequestHeader,
    query: Option<&str>,
    routes: &crate::routes::RouteTable,
) -> std::result::Result<String, Rejection> {
    if let Some(v) = req.headers.get(&X_CRED_HANDLE) {
        let v = v.to_str().map_err(|_| Rejection::BadHandle)?.trim();
        if !crate::routes::valid_handle(v) {
            return Err(Rejection::BadHandle);
        }
        return Ok(v.to_string());
    }
    let known = |s: &str| routes.get(s.trim()).map(|r| r.handle.to_string());
    if let Some(v) = req
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        // An AWS SDK signing with the handle as its access key id.
        if let Some(h) = crate::sigv4::handle_from_authorization(v).and_then(known) {
            return Ok(h);
        }
        if let Some((scheme, rest)) = v.trim().split_once(' ') {
            if scheme.eq_ignore_ascii_case("bearer") {
                if let Some(h) = known(rest) {
                    return Ok(h);
                }
            } else if let Some((user, pass)) = crate::identity::parse_basic(v.as_bytes()) {
                if let Some(h) = known(&user).or_else(|| known(&pass)) {
                    return Ok(h);
                }
            }
        }
    }
    for name in routes.placeholder_headers() {
        if let Some(v) = req.headers.get(name).and_then(|v| v.to_str().ok()) {
            if let Some(h) = v.split_whitespace().last().and_then(known) {
                return Ok(h);
            }
        }
    }
    if let Some(q) = query {
        for param in routes.placeholder_params() {
            for pair in q.split('&') {
                if let Some((k, v)) = pair.split_once('=') {
                    if k == param {
                        if let Some(h) = known(v) {
                            return Ok(h);
                        }
                    }
                }
            }
        }
    }
    Err(Rejection::NoHandle)
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
                    // Fail closed: a match larger than the cap. Nothing more of this body goes
                    // out; the aborted stream tells the agent it is incomplete.
                    *body = None;
                    ctx.rejection = Some(Rejection::ScrubOverflow);
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
