//! SigV4 signing of the upstream request with credentials minted for the agent.
//!
//! The request is signed as it will be forwarded: method, canonical origin-form path and query,
//! `Host`, and the `x-amz-*` / content headers. S3 bodies are streamed and signed as
//! `UNSIGNED-PAYLOAD`; for other services the body (up to the route's `max_body`, at most the
//! 64 KiB Pingora buffers for retries) is read first and its SHA-256 signed.
//!
//! Agents using an unmodified AWS SDK sign with the handle as access key id; credgate reads the
//! handle from the `Credential=` scope, drops the agent's signature headers and signs anew.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use http::HeaderValue;
use pingora::http::RequestHeader;

use crate::creds::aws::TempCredentials;

/// Headers an agent's own SigV4 signature consists of; removed before re-signing.
pub const AGENT_SIGNATURE_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// The handle an AWS SDK put where its access key id goes:
/// `AWS4-HMAC-SHA256 Credential=HANDLE/20261128/us-east-1/s3/aws4_request, ...`.
pub fn handle_from_authorization(v: &str) -> Option<&str> {
    let rest = v.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    let cred = rest
        .split(',')
        .find_map(|p| p.trim().strip_prefix("Credential="))?;
    cred.split('/').next().filter(|h| !h.is_empty())
}

/// How the payload is covered by the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// `x-amz-content-sha256: UNSIGNED-PAYLOAD` (S3 and S3-compatible services).
    Unsigned,
    /// The SHA-256 of the body, given in hex (the empty body for bodyless requests).
    Sha256(String),
}

/// SHA-256 of the empty body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn settings(service: &str) -> SigningSettings {
    let mut s = SigningSettings::default();
    if service == "s3" {
        // S3 neither normalizes nor double-encodes paths, and wants the payload hash header.
        s.percent_encoding_mode = PercentEncodingMode::Single;
        s.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        s.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    s
}

/// Computes the signing headers for a request given as parts.
#[allow(clippy::too_many_arguments)]
pub fn signing_headers(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    payload: Payload,
    creds: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    let identity = creds.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings(service))
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let body = match payload {
        Payload::Unsigned => SignableBody::UnsignedPayload,
        Payload::Sha256(h) => SignableBody::Precomputed(h),
    };
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        body,
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

/// Signs `req` (already carrying its final URI and `Host`) for `scheme://host`.
pub fn sign_request(
    req: &mut RequestHeader,
    scheme: &str,
    creds: &TempCredentials,
    region: &str,
    service: &str,
    payload: Payload,
) -> Result<(), String> {
    for h in AGENT_SIGNATURE_HEADERS {
        req.remove_header(*h);
    }
    let host = req
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or("no Host header")?
        .to_string();
    let pq = req
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let url = format!("{scheme}://{host}{pq}");
    let mut headers: Vec<(String, String)> = vec![("host".into(), host)];
    for (k, v) in req.headers.iter() {
        let name = k.as_str();
        if name.starts_with("x-amz-") || name == "content-type" || name == "content-md5" {
            if let Ok(v) = v.to_str() {
                headers.push((name.to_string(), v.to_string()));
            }
        }
    }
    let creds = Credentials::new(
        &creds.access_key_id,
        &creds.secret_access_key,
        Some(creds.session_token.clone()),
        None,
        "credgate-sts",
    );
    let signed = signing_headers(
        req.method.as_str(),
        &url,
        &headers,
        payload,
        &creds,
        region,
        service,
        SystemTime::now(),
    )?;
    for (k, v) in signed {
        let mut hv = HeaderValue::from_str(&v).map_err(|_| "unrepresentable signature header")?;
        if k == "authorization" || k == "x-amz-security-token" {
            hv.set_sensitive(true);
        }
        req.insert_header(k, hv)
            .map_err(|_| "cannot set signature header")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    // Vectors from AWS's published SigV4 test suite (aws-signing-test-suite/v4): credentials
    // AKIDEXAMPLE, region us-east-1, service "service", 2015-08-30T12:36:00Z.
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn vector(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body_sha256: &'static str,
        token: Option<&str>,
    ) -> String {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            SECRET,
            token.map(str::to_string),
            None,
            "test",
        );
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let out = signing_headers(
            method,
            url,
            &headers,
            Payload::Sha256(body_sha256.to_string()),
            &creds,
            "us-east-1",
            "service",
            time,
        )
        .unwrap();
        let auth = out
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap()
            .1
            .clone();
        auth.rsplit("Signature=").next().unwrap().to_string()
    }

    #[test]
    fn aws_test_suite_vectors() {
        let host = [("host", "example.amazonaws.com")];
        assert_eq!(
            vector(
                "GET",
                "https://example.amazonaws.com/",
                &host,
                EMPTY_SHA256,
                None
            ),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            "get-vanilla"
        );
        assert_eq!(
            vector(
                "GET",
                "https://example.amazonaws.com/?Param2=value2&Param1=value1",
                &host,
                EMPTY_SHA256,
                None
            ),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            "get-vanilla-query-order-key-case"
        );
        assert_eq!(
            vector(
                "GET",
                "https://example.amazonaws.com/",
                &[
                    ("host", "example.amazonaws.com"),
                    ("my-header1", " value1"),
                    ("my-header2", " \"a   b   c\"")
                ],
                EMPTY_SHA256,
                None
            ),
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            "get-header-value-trim"
        );
        assert_eq!(
            vector(
                "POST",
                "https://example.amazonaws.com/",
                &host,
                EMPTY_SHA256,
                None
            ),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            "post-vanilla"
        );
        assert_eq!(
            vector(
                "GET",
                "https://example.amazonaws.com/",
                &host,
                EMPTY_SHA256,
                Some("6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267")
            ),
            "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
            "get-vanilla-with-session-token"
        );
    }

    #[test]
    fn handle_in_an_sdk_signature() {
        let v = "AWS4-HMAC-SHA256 Credential=AWS_S3_REPORTS_RO/20261128/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(handle_from_authorization(v), Some("AWS_S3_REPORTS_RO"));
        assert_eq!(handle_from_authorization("Bearer x"), None);
        assert_eq!(
            handle_from_authorization("AWS4-HMAC-SHA256 Credential=/x"),
            None
        );
    }

    #[test]
    fn signs_a_pingora_request_with_session_token_and_unsigned_payload() {
        let mut req = RequestHeader::build("GET", b"/bucket/key.txt", None).unwrap();
        req.insert_header("host", "127.0.0.1:9000").unwrap();
        req.insert_header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=H/x, Signature=agent",
        )
        .unwrap();
        req.insert_header("x-amz-date", "19700101T000000Z").unwrap();
        let creds = TempCredentials {
            access_key_id: "ASIATEST".into(),
            secret_access_key: "sk".into(),
            session_token: "session-token-value".into(),
        };
        sign_request(
            &mut req,
            "http",
            &creds,
            "us-east-1",
            "s3",
            Payload::Unsigned,
        )
        .unwrap();
        let auth = req.headers.get("authorization").unwrap();
        assert!(auth.is_sensitive());
        let auth = auth.to_str().unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIATEST/"),
            "{auth}"
        );
        assert!(!auth.contains("Signature=agent"));
        assert_eq!(
            req.headers.get("x-amz-security-token").unwrap(),
            "session-token-value"
        );
        assert_eq!(
            req.headers.get("x-amz-content-sha256").unwrap(),
            "UNSIGNED-PAYLOAD"
        );
        assert_ne!(req.headers.get("x-amz-date").unwrap(), "19700101T000000Z");
    }
}
