//! Admission: the checks of `request_filter`, in order. Who is asking (with a limit on failed
//! attempts per address), what is asked for (one normalized target), which handle and route,
//! where the handle may go, what policy decides, and the credential, resolved last so that a
//! refused request never mints one. Each check's refusal is a [`Rejection`] with its reason.

use http::header;
use pingora::http::RequestHeader;
use pingora::prelude::Session;

use super::{upgrade, CredgateProxy, Ctx, Rejection, X_CRED_HANDLE};
use crate::creds::cache::CacheKey;
use crate::creds::{MintRequest, SecretString};
use crate::policy::{self, Outcome};
use crate::target;

impl CredgateProxy {
    /// Runs the checks of `request_filter`; `Err` is the refusal to send.
    pub(super) async fn admit(
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
    pub(super) async fn hash_body(
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
