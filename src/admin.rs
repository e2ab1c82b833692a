//! The admin listener: `/metrics` for Prometheus, `/healthz` and `/readyz` for orchestrators, and
//! `/admin/*` for operators (reload, route listing). It is a separate listener so that agents,
//! who can reach the proxy port, never reach it; bind it to loopback or a management network,
//! and set `admin.token_sha256` when anything else can reach it.

use std::sync::Arc;

use async_trait::async_trait;
use http::{Response, StatusCode};
use pingora::apps::http_app::ServeHttp;
use pingora::protocols::http::ServerSession;
use serde_json::json;

use crate::state::{LoadError, State};

/// The admin HTTP app.
#[derive(Debug)]
pub struct AdminApp {
    pub state: Arc<State>,
}

fn json_response(status: StatusCode, v: serde_json::Value) -> Response<Vec<u8>> {
    let body = serde_json::to_vec_pretty(&v).unwrap_or_default();
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .header("cache-control", "no-store")
        .body(body)
        .unwrap_or_default()
}

impl AdminApp {
    fn authorized(&self, session: &ServerSession) -> bool {
        let cfg = self.state.config();
        let Some(token) = &cfg.admin_token else {
            return true;
        };
        session
            .req_header()
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| token.matches(t.trim().as_bytes()))
    }

    fn routes(&self) -> serde_json::Value {
        let cfg = self.state.config();
        let mut routes: Vec<_> = cfg
            .routes
            .iter()
            .map(|r| {
                json!({
                    "handle": r.handle.as_ref(),
                    "file": r.file.display().to_string(),
                    "scheme": r.upstream.scheme.as_str(),
                    "hosts": r.upstream.hosts.iter().map(|h| match h {
                        crate::routes::HostPattern::Exact(h) => h.clone(),
                        crate::routes::HostPattern::OneLabel(s) => format!("*{s}"),
                    }).collect::<Vec<_>>(),
                    "port": r.upstream.port,
                    "mode": match r.mode { crate::config::Mode::Enforce => "enforce", crate::config::Mode::Report => "report" },
                    "credential_source": r.credential.kind(),
                    "rules": r.rules.len(),
                })
            })
            .collect();
        routes.sort_by(|a, b| a["handle"].as_str().cmp(&b["handle"].as_str()));
        json!({ "routes": routes })
    }
}

#[async_trait]
impl ServeHttp for AdminApp {
    async fn response(&self, session: &mut ServerSession) -> Response<Vec<u8>> {
        let method = session.req_header().method.clone();
        let path = session.req_header().uri.path().to_string();
        match (method.as_str(), path.as_str()) {
            ("GET", "/metrics") => {
                let body = self.state.metrics.render();
                Response::builder()
                    .status(StatusCode::OK)
                    .header("content-type", "text/plain; version=0.0.4")
                    .header("content-length", body.len())
                    .body(body)
                    .unwrap_or_default()
            }
            ("GET", "/healthz") => json_response(StatusCode::OK, json!({"status": "ok"})),
            ("GET", "/readyz") => {
                let cfg = self.state.config();
                match &cfg.vault {
                    Some(v) if !v.ready() => json_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        json!({"status": "not_ready", "reason": "vault_token_unavailable"}),
                    ),
                    _ => json_response(
                        StatusCode::OK,
                        json!({"status": "ready", "routes": cfg.routes.len()}),
                    ),
                }
            }
            (_, p) if p.starts_with("/admin/") && !self.authorized(session) => json_response(
                StatusCode::UNAUTHORIZED,
                json!({"error": "unauthorized", "reason": "admin_token_required"}),
            ),
            ("POST", "/admin/reload") => match self.state.reload() {
                Ok(warnings) => json_response(
                    StatusCode::OK,
                    json!({"reloaded": true, "warnings": warnings}),
                ),
                Err(LoadError::Config(errs)) => json_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({
                        "reloaded": false,
                        "kept": "the last good configuration",
                        "errors": errs.0.iter().map(|e| json!({
                            "file": e.file.display().to_string(),
                            "field": e.field,
                            "problem": e.problem,
                            "fix": e.fix,
                        })).collect::<Vec<_>>(),
                    }),
                ),
                Err(e) => json_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"reloaded": false, "kept": "the last good configuration", "errors": [e.to_string()]}),
                ),
            },
            ("GET", "/admin/routes") => json_response(StatusCode::OK, self.routes()),
            _ => json_response(
                StatusCode::NOT_FOUND,
                json!({"error": "not_found", "endpoints": [
                    "GET /metrics", "GET /healthz", "GET /readyz",
                    "POST /admin/reload", "GET /admin/routes"
                ]}),
            ),
        }
    }
}
