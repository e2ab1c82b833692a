//! The `aws:` section of proxy.yaml: the region, the STS endpoint and credgate's base credentials.

use std::path::Path;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{relative_to, ConfigError, ConfigErrors};
use crate::creds::aws::AwsConfig;

/// Raw `aws:` section.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAws {
    /// Region for STS and the default signing region. Default `us-east-1`.
    #[serde(default)]
    pub region: Option<String>,
    /// STS endpoint override (a VPC endpoint; a test double). Default: the regional endpoint.
    #[serde(default)]
    pub sts_endpoint: Option<String>,
    /// credgate's own credentials: a named profile (in `credentials_file`, or the default
    /// credentials file). Absent: the default chain (environment, profile, web identity/IRSA,
    /// instance metadata).
    #[serde(default)]
    pub profile: Option<String>,
    /// An AWS shared-credentials file holding `profile` (relative to proxy.yaml).
    #[serde(default)]
    pub credentials_file: Option<String>,
    /// Timeout for each STS call. Default 5s.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub timeout: Option<Duration>,
}

pub fn validate(file: &Path, raw: &RawAws, errs: &mut ConfigErrors) -> Option<AwsConfig> {
    let region = raw.region.clone().unwrap_or_else(|| "us-east-1".into());
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push(ConfigError::new(
            file,
            "aws.region",
            format!("{region:?} is not a region"),
            "use e.g. eu-west-1",
        ));
        return None;
    }
    if let Some(e) = &raw.sts_endpoint {
        if !(e.starts_with("https://") || e.starts_with("http://")) {
            errs.push(ConfigError::new(
                file,
                "aws.sts_endpoint",
                format!("{e:?} is not an http(s) URL"),
                "write e.g. https://sts.eu-west-1.amazonaws.com, or remove it for the default",
            ));
        }
    }
    if raw.credentials_file.is_some() && raw.profile.is_none() {
        errs.push(ConfigError::new(
            file,
            "aws.credentials_file",
            "a credentials file without a profile name",
            "add `profile: <name of the [section] in the file>`",
        ));
    }
    Some(AwsConfig {
        region,
        sts_endpoint: raw.sts_endpoint.clone(),
        profile: raw.profile.clone().map(|p| {
            (
                p,
                raw.credentials_file
                    .as_deref()
                    .map(|f| relative_to(file, f)),
            )
        }),
        timeout: raw.timeout.unwrap_or(Duration::from_secs(5)),
    })
}
