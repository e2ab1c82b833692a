//! Every way credgate refuses a request, mapped to a status and a short reason label in one
//! exhaustive `match`. The JSON body an agent gets says what happened and what to do, and never
//! anything secret (no credential, no Vault path, no upstream error text).

use serde::Serialize;

use crate::creds::CredError;
use crate::identity::AuthFailure;
use crate::target::TargetError;

/// A refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Auth(AuthFailure),
    AuthRateLimited,
    BadTarget(TargetError),
    ConnectNotSupported,
    /// An `Upgrade` request for a protocol the request cannot go on without (WebSocket).
    UpgradeNotSupported,
    BadHandle,
    NoHandle,
    UnknownHandle,
    DestinationNotBound,
    NoDefaultHost,
    /// A policy denial: reason label, rule name, rule message.
    Policy {
        reason: &'static str,
        message: Option<String>,
    },
    Credential(CredError),
    CredentialNotInjectable,
    PayloadNotSignable,
    BadRequestBody,
    PrivateAddress,
    DnsFailure,
    UpstreamUnreachable,
    UpstreamTls,
    UpstreamTimeout,
    UpstreamConnectTimeout,
    UndecodableEncoding,
    /// The upstream answered 101 to a request that asked for no upgrade.
    UpstreamSwitchedProtocols,
    /// The upstream answered a range request with a `206` that is not the single range asked
    /// for (several ranges, no or a malformed `Content-Range`).
    UpstreamBadRange,
    /// The response scrubber failed closed (one candidate past its hard cap): the rest of the
    /// body was withheld.
    ScrubOverflow,
    /// The response scrubber failed closed (candidates turned down by their checks overlapped
    /// past its work budget: a value holding its own key thousands of times): the rest of the
    /// body was withheld.
    ScrubBudget,
    Internal,
}

impl Rejection {
    pub fn status(&self) -> u16 {
        match self {
            Rejection::Auth(_) => 407,
            Rejection::AuthRateLimited => 429,
            Rejection::BadTarget(_)
            | Rejection::BadHandle
            | Rejection::NoDefaultHost
            | Rejection::BadRequestBody => 400,
            Rejection::NoHandle
            | Rejection::UnknownHandle
            | Rejection::DestinationNotBound
            | Rejection::Policy { .. }
            | Rejection::PrivateAddress => 403,
            Rejection::Credential(CredError::Refused(_)) => 502,
            Rejection::Credential(CredError::Unavailable(_) | CredError::Timeout) => 503,
            Rejection::CredentialNotInjectable
            | Rejection::DnsFailure
            | Rejection::UpstreamUnreachable
            | Rejection::UpstreamTls
            | Rejection::UndecodableEncoding
            | Rejection::UpstreamSwitchedProtocols
            | Rejection::UpstreamBadRange
            | Rejection::ScrubOverflow
            | Rejection::ScrubBudget => 502,
            Rejection::UpstreamTimeout | Rejection::UpstreamConnectTimeout => 504,
            Rejection::ConnectNotSupported => 405,
            Rejection::UpgradeNotSupported => 501,
            Rejection::PayloadNotSignable => 413,
            Rejection::Internal => 500,
        }
    }

    /// The reason label (JSON `reason`, audit `reason`).
    pub fn label(&self) -> &'static str {
        match self {
            Rejection::Auth(f) => f.label(),
            Rejection::AuthRateLimited => "auth_rate_limited",
            Rejection::BadTarget(t) => t.label(),
            Rejection::ConnectNotSupported => "connect_not_supported",
            Rejection::UpgradeNotSupported => "upgrade_not_supported",
            Rejection::BadHandle => "malformed_handle",
            Rejection::NoHandle => "no_handle",
            Rejection::UnknownHandle => "unknown_handle",
            Rejection::DestinationNotBound => "destination_not_bound",
            Rejection::NoDefaultHost => "reverse_mode_needs_exact_host",
            Rejection::Policy { reason, .. } => reason,
            Rejection::Credential(CredError::Unavailable(_)) => "credential_unavailable",
            Rejection::Credential(CredError::Refused(_)) => "credential_refused",
            Rejection::Credential(CredError::Timeout) => "credential_timeout",
            Rejection::CredentialNotInjectable => "credential_not_injectable",
            Rejection::PayloadNotSignable => "body_too_large_to_sign",
            Rejection::BadRequestBody => "bad_request_body",
            Rejection::PrivateAddress => "private_address_refused",
            Rejection::DnsFailure => "upstream_dns_failure",
            Rejection::UpstreamUnreachable => "upstream_unreachable",
            Rejection::UpstreamTls => "upstream_tls_error",
            Rejection::UpstreamTimeout => "upstream_timeout",
            Rejection::UpstreamConnectTimeout => "upstream_connect_timeout",
            Rejection::UndecodableEncoding => "undecodable_content_encoding",
            Rejection::UpstreamSwitchedProtocols => "upstream_switched_protocols",
            Rejection::UpstreamBadRange => "upstream_bad_range",
            Rejection::ScrubOverflow => "scrub_overflow",
            Rejection::ScrubBudget => "scrub_budget",
            Rejection::Internal => "internal_error",
        }
    }

    /// A sentence for the agent's developer.
    pub fn message(&self) -> String {
        match self {
            Rejection::Auth(AuthFailure::Missing) => {
                "proxy authentication required: set HTTP_PROXY=http://AGENT:KEY@host:port".into()
            }
            Rejection::Auth(AuthFailure::Malformed) => {
                "Proxy-Authorization must be Basic base64(AGENT:KEY)".into()
            }
            Rejection::Auth(AuthFailure::BadCredentials) => "unknown agent or wrong key".into(),
            Rejection::AuthRateLimited => {
                "too many failed authentications from this address; retry in a minute".into()
            }
            Rejection::BadTarget(_) => {
                "the request target is ambiguous or malformed; send a plain, normalized path".into()
            }
            Rejection::ConnectNotSupported => {
                "HTTPS tunnels (CONNECT) are not supported: request http://host/path through the proxy; \
                 credgate speaks TLS to the upstream itself when its route says https"
                    .into()
            }
            Rejection::UpgradeNotSupported => {
                "protocol upgrades (WebSocket) are not supported: credgate cannot scrub what \
                 flows after a switch; the request was not forwarded"
                    .into()
            }
            Rejection::BadHandle => "X-Cred-Handle is not a valid handle name".into(),
            Rejection::NoHandle => {
                "no credential handle: send X-Cred-Handle, or put the handle where the SDK puts its API key".into()
            }
            Rejection::UnknownHandle => "no route defines this handle".into(),
            Rejection::DestinationNotBound => {
                "this handle is not bound to the requested host and port; the request was not forwarded".into()
            }
            Rejection::NoDefaultHost => {
                "this handle's route has only wildcard hosts; use it through HTTP_PROXY with a full URL".into()
            }
            Rejection::Policy { reason, message } => match (message, *reason) {
                (Some(m), _) => m.clone(),
                (None, "agent_not_allowed") => "this agent may not use this handle".into(),
                (None, "no_matching_rule") => {
                    "no rule of this handle's route allows this method and path".into()
                }
                (None, _) => "denied by a rule of this handle's route".into(),
            },
            Rejection::Credential(CredError::Unavailable(_)) => {
                "the credential for this handle is unavailable right now (its source is down or the \
                 secret is missing); credgate's log has the detail under this request_id"
                    .into()
            }
            Rejection::Credential(CredError::Refused(_)) => {
                "the credential source refused to issue this handle's credential; credgate's log has \
                 the detail under this request_id"
                    .into()
            }
            Rejection::Credential(CredError::Timeout) => {
                "the credential source did not answer in time; retry later".into()
            }
            Rejection::CredentialNotInjectable => {
                "the credential contains characters that cannot be sent in a header".into()
            }
            Rejection::PayloadNotSignable => {
                "this AWS service signs the request body's hash, and the body is larger than this \
                 route's inject.max_body (at most 64 KiB); send a smaller request"
                    .into()
            }
            Rejection::BadRequestBody => "the request body could not be read".into(),
            Rejection::PrivateAddress => {
                "the upstream resolved to a private or loopback address, which this route does not allow".into()
            }
            Rejection::DnsFailure => "the upstream host name did not resolve".into(),
            Rejection::UpstreamUnreachable => "could not connect to the upstream".into(),
            Rejection::UpstreamTls => "TLS with the upstream failed (certificate or handshake)".into(),
            Rejection::UpstreamTimeout => "the upstream did not answer in time".into(),
            Rejection::UpstreamConnectTimeout => "connecting to the upstream timed out".into(),
            Rejection::UndecodableEncoding => {
                "the upstream used a content or transfer coding credgate cannot scan; the response was withheld".into()
            }
            Rejection::UpstreamSwitchedProtocols => {
                "the upstream switched protocols (101) unasked; credgate cannot scrub what follows \
                 a switch, so none of it was sent"
                    .into()
            }
            Rejection::UpstreamBadRange => {
                "the upstream answered the range request with a partial response that is not the \
                 single range asked for; credgate could not cut the requested bytes from it"
                    .into()
            }
            Rejection::ScrubOverflow => {
                "the response held a secret-like block longer than the scrubber's limit; the rest \
                 of it was withheld"
                    .into()
            }
            Rejection::ScrubBudget => {
                "the response held secret-like candidates overlapping past what the scrubber \
                 verifies per byte (a value repeating its own key); the rest of it was withheld"
                    .into()
            }
            Rejection::Internal => "internal error".into(),
        }
    }

    /// The JSON body.
    pub fn body(&self, handle: Option<&str>, request_id: &str) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
            reason: &'a str,
            message: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            handle: Option<&'a str>,
            request_id: &'a str,
        }
        let status = self.status();
        let error = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error");
        serde_json::to_vec(&Body {
            error,
            reason: self.label(),
            message: self.message(),
            handle,
            request_id,
        })
        .unwrap_or_default()
    }
}
