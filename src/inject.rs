//! How a credential is put on the upstream request: bearer, basic, a custom header, or a query
//! parameter. Every header carrying a secret is marked sensitive (never logged, never
//! HPACK-indexed).

use base64::Engine;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::creds::{ExposeSecret, SecretString};

/// Query values are encoded with everything but unreserved characters escaped.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A validated injection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injection {
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// `Authorization: Basic base64(username:secret)`, or of the secret itself when it is already
    /// `user:password`.
    Basic { username: Option<String> },
    /// `<name>: <prefix><secret>`.
    Header { name: HeaderName, prefix: String },
    /// `?<param>=<secret>` appended to the query (any agent-supplied `param` removed).
    Query { param: String },
    /// AWS SigV4 with STS credentials (see [`crate::sigv4`]); the secret is sealed
    /// [`crate::creds::aws::TempCredentials`].
    SigV4 {
        service: String,
        region: String,
        /// Largest body whose hash is signed (services other than S3).
        max_body: usize,
    },
}

/// Why a secret could not be injected (it contains bytes a header cannot carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidSecret;

impl Injection {
    /// The header this injection sets, which any agent-supplied copy of must be removed.
    pub fn header(&self) -> Option<&HeaderName> {
        match self {
            Injection::Bearer | Injection::Basic { .. } | Injection::SigV4 { .. } => {
                Some(&AUTHORIZATION)
            }
            Injection::Header { name, .. } => Some(name),
            Injection::Query { .. } => None,
        }
    }

    /// The header value to set, marked sensitive; `None` for query injection.
    pub fn header_value(
        &self,
        secret: &SecretString,
    ) -> Result<Option<HeaderValue>, InvalidSecret> {
        let s = secret.expose_secret();
        let v = match self {
            Injection::Bearer => format!("Bearer {s}"),
            Injection::Basic { username } => {
                let pair = match username {
                    Some(u) => format!("{u}:{s}"),
                    None => s.to_string(),
                };
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
            Injection::Header { prefix, .. } => format!("{prefix}{s}"),
            Injection::Query { .. } => return Ok(None),
            Injection::SigV4 { .. } => {
                // Signed later, over the final request; here only check that it opens.
                return match crate::creds::aws::TempCredentials::open(secret) {
                    Some(_) => Ok(None),
                    None => Err(InvalidSecret),
                };
            }
        };
        let mut hv = HeaderValue::from_str(&v).map_err(|_| InvalidSecret)?;
        hv.set_sensitive(true);
        Ok(Some(hv))
    }

    /// Builds the upstream query: the agent's query minus any parameter this injection owns,
    /// plus the secret for query injection.
    pub fn query(&self, agent_query: Option<&str>, secret: &SecretString) -> Option<String> {
        let Injection::Query { param } = self else {
            return agent_query.map(str::to_string);
        };
        let mut parts: Vec<String> = agent_query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && p.split('=').next() != Some(param.as_str()))
            .map(str::to_string)
            .collect();
        parts.push(format!(
            "{param}={}",
            utf8_percent_encode(secret.expose_secret(), QUERY_VALUE)
        ));
        Some(parts.join("&"))
    }

    /// Every form in which this injection puts the secret on the wire; the scrubber looks for
    /// these (and their encodings) in responses.
    pub fn wire_forms(&self, secret: &SecretString) -> Vec<String> {
        if let Injection::SigV4 { .. } = self {
            // The secret key never goes on the wire, but an upstream may still return any of
            // these (e.g. an STS-like echo); none of them is for the agent.
            return crate::creds::aws::TempCredentials::open(secret)
                .map(|c| vec![c.secret_access_key, c.session_token, c.access_key_id])
                .unwrap_or_default();
        }
        let s = secret.expose_secret();
        let mut forms = vec![s.to_string()];
        match self {
            Injection::Basic { username } => {
                let pair = match username {
                    Some(u) => format!("{u}:{s}"),
                    None => s.to_string(),
                };
                forms.push(base64::engine::general_purpose::STANDARD.encode(&pair));
                if let Some((_, pw)) = pair.split_once(':') {
                    forms.push(pw.to_string());
                }
            }
            Injection::Query { .. } => {
                forms.push(utf8_percent_encode(s, QUERY_VALUE).to_string());
            }
            Injection::Bearer | Injection::Header { .. } | Injection::SigV4 { .. } => {}
        }
        forms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn header_values() {
        let s = secret("sk_live_abc");
        let cases = [
            (Injection::Bearer, "Bearer sk_live_abc"),
            (
                Injection::Basic {
                    username: Some("u".into()),
                },
                "Basic dTpza19saXZlX2FiYw==",
            ),
            (
                Injection::Header {
                    name: HeaderName::from_static("x-api-key"),
                    prefix: "Token ".into(),
                },
                "Token sk_live_abc",
            ),
        ];
        for (inj, want) in cases {
            let v = inj.header_value(&s).unwrap().unwrap();
            assert_eq!(v.to_str().unwrap(), want);
            assert!(v.is_sensitive());
        }
        assert_eq!(
            Injection::Bearer.header_value(&secret("a\r\nX-Evil: 1")),
            Err(InvalidSecret)
        );
    }

    #[test]
    fn query_injection_replaces_agent_param() {
        let inj = Injection::Query {
            param: "api_key".into(),
        };
        assert_eq!(
            inj.query(Some("q=1&api_key=HANDLE&x=2"), &secret("a b&c"))
                .as_deref(),
            Some("q=1&x=2&api_key=a%20b%26c")
        );
        assert_eq!(
            Injection::Bearer
                .query(Some("q=1"), &secret("s"))
                .as_deref(),
            Some("q=1")
        );
    }
}
