//! AWS: temporary credentials from STS AssumeRole, scoped to the route and named after the agent.
//!
//! credgate's own (base) credentials come from the standard AWS chain (environment, profile,
//! web identity / IRSA, instance metadata) or from a named profile in a given file. Agents never
//! hold any AWS key: they get a request signed with credentials minted for them (see
//! [`crate::sigv4`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use aws_sdk_sts::error::SdkError;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{CredError, Credential, CredentialSource, MintRequest};

/// Validated `aws:` section of proxy.yaml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsConfig {
    pub region: String,
    /// Override of the STS endpoint (a VPC endpoint, or a test double such as moto).
    pub sts_endpoint: Option<String>,
    /// A named profile in a credentials file; `None`: the default chain.
    pub profile: Option<(String, Option<PathBuf>)>,
    pub timeout: Duration,
}

/// The STS client, built lazily (building loads credgate's base credentials).
pub struct Aws {
    pub config: AwsConfig,
    client: tokio::sync::OnceCell<aws_sdk_sts::Client>,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws")
            .field("region", &self.config.region)
            .finish_non_exhaustive()
    }
}

impl Aws {
    pub fn new(config: AwsConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            client: tokio::sync::OnceCell::new(),
        })
    }

    async fn client(&self) -> &aws_sdk_sts::Client {
        self.client
            .get_or_init(|| async {
                // hyper 1 + rustls 0.23 with ring, like Pingora; no aws-lc-rs, no legacy stack.
                let http = aws_smithy_http_client::Builder::new()
                    .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                        aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                    ))
                    .build_https();
                let timeouts = aws_config::timeout::TimeoutConfig::builder()
                    .operation_timeout(self.config.timeout)
                    .connect_timeout(self.config.timeout)
                    .build();
                let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .region(aws_config::Region::new(self.config.region.clone()))
                    .http_client(http)
                    .timeout_config(timeouts);
                if let Some((profile, file)) = &self.config.profile {
                    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
                    let mut files = EnvConfigFiles::builder().include_default_config_file(false);
                    files = match file {
                        Some(f) => files.with_file(EnvConfigFileKind::Credentials, f),
                        None => files.include_default_credentials_file(true),
                    };
                    loader = loader.profile_files(files.build()).profile_name(profile);
                }
                let sdk = loader.load().await;
                let mut b = aws_sdk_sts::config::Builder::from(&sdk);
                if let Some(e) = &self.config.sts_endpoint {
                    b = b.endpoint_url(e);
                }
                aws_sdk_sts::Client::from_conf(b.build())
            })
            .await
    }
}

/// Temporary credentials, carried inside one [`SecretString`] so that they travel through the
/// generic cache; only [`crate::sigv4`] and the scrubber open it.
#[derive(Serialize, Deserialize)]
pub struct TempCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

impl TempCredentials {
    pub fn seal(&self) -> SecretString {
        SecretString::from(serde_json::to_string(self).unwrap_or_default())
    }

    pub fn open(s: &SecretString) -> Option<Self> {
        serde_json::from_str(s.expose_secret()).ok()
    }
}

/// What the route asks STS for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleOptions {
    pub role_arn: String,
    pub duration: Duration,
    pub external_id: Option<String>,
    /// Inline session policy (JSON), given or derived from the route.
    pub session_policy: Option<String>,
}

/// AssumeRole per (agent, route).
#[derive(Debug)]
pub struct StsSource {
    pub aws: Arc<Aws>,
    pub options: AssumeRoleOptions,
}

/// A RoleSessionName from the agent and handle: `[\w+=,.@-]`, at most 64 characters.
pub fn session_name(agent: &str, handle: &str) -> String {
    let raw = format!("credgate-{agent}-{handle}");
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect()
}

/// A session policy allowing `actions` on `resources`.
pub fn session_policy(actions: &[String], resources: &[String]) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]
    })
    .to_string()
}

fn map_sdk_err<E, R>(e: &SdkError<E, R>) -> CredError {
    match e {
        SdkError::TimeoutError(_) => CredError::Timeout,
        SdkError::DispatchFailure(_) => CredError::Unavailable("sts unreachable".into()),
        SdkError::ServiceError(se) => {
            let _ = se;
            CredError::Refused("sts refused AssumeRole".into())
        }
        SdkError::ResponseError(_) => {
            CredError::Unavailable("sts answered with an unreadable response".into())
        }
        SdkError::ConstructionFailure(_) => CredError::Unavailable(
            "the AssumeRole request could not be built (base credentials?)".into(),
        ),
        _ => CredError::Unavailable("sts call failed".into()),
    }
}

#[async_trait]
impl CredentialSource for StsSource {
    fn kind(&self) -> &'static str {
        "aws_sts"
    }

    fn cache_key(&self) -> String {
        format!("aws_sts:{:?}", self.options)
    }

    fn per_agent(&self) -> bool {
        true
    }

    async fn fetch(&self, req: &MintRequest) -> Result<Credential, CredError> {
        let client = self.aws.client().await;
        let o = &self.options;
        let tag = |k: &str, v: &str| {
            aws_sdk_sts::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        };
        let out = client
            .assume_role()
            .role_arn(&o.role_arn)
            .role_session_name(session_name(&req.agent, &req.handle))
            .duration_seconds(o.duration.as_secs().clamp(900, 43_200) as i32)
            .set_external_id(o.external_id.clone())
            .set_policy(o.session_policy.clone())
            .source_identity(&*req.agent)
            .set_tags(Some(
                [
                    tag("credgate-agent", &req.agent),
                    tag("credgate-handle", &req.handle),
                ]
                .into_iter()
                .flatten()
                .collect(),
            ))
            .send()
            .await
            .map_err(|e| map_sdk_err(&e))?;
        let c = out
            .credentials()
            .ok_or_else(|| CredError::Unavailable("sts returned no credentials".into()))?;
        let now_unix = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let left = (c.expiration().secs() - now_unix).max(0) as u64;
        let creds = TempCredentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: c.secret_access_key().to_string(),
            session_token: c.session_token().to_string(),
        };
        Ok(Credential {
            secret: creds.seal(),
            expires_at: Some(Instant::now() + Duration::from_secs(left)),
            refresh_after: None,
            // The access key id identifies the session in CloudTrail; it is not a secret.
            audit_id: Some(format!("aws_access_key_id:{}", creds.access_key_id)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_are_valid_and_bounded() {
        assert_eq!(session_name("bot", "S3_RO"), "credgate-bot-S3_RO");
        assert_eq!(session_name("a b/c", "H"), "credgate-a-b-c-H");
        assert_eq!(session_name(&"x".repeat(100), "H").len(), 64);
    }

    #[test]
    fn sealed_credentials_round_trip_and_do_not_debug_print() {
        let c = TempCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "secret/key+1".into(),
            session_token: "token==".into(),
        };
        let s = c.seal();
        assert!(!format!("{s:?}").contains("secret/key"));
        let back = TempCredentials::open(&s).unwrap();
        assert_eq!(back.secret_access_key, "secret/key+1");
    }

    #[test]
    fn derived_session_policy() {
        let p: serde_json::Value = serde_json::from_str(&session_policy(
            &["s3:GetObject".into()],
            &["arn:aws:s3:::b/*".into()],
        ))
        .unwrap();
        assert_eq!(p["Statement"][0]["Action"][0], "s3:GetObject");
        assert_eq!(p["Statement"][0]["Resource"][0], "arn:aws:s3:::b/*");
    }
}
