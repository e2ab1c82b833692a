//! A route's `credential:` section → the source that resolves its handle. Split from the rest
//! of route compilation because each source kind has its own fields and limits (STS session
//! lengths, Vault paths and token lives), checked here so that `credgate check` reports them.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::super::{RawCredential, Sources};
use crate::config::{relative_to, ConfigError, ConfigErrors};
use crate::creds::static_source::{EnvSource, FileSource};
use crate::creds::vault::sources::{TokenOptions, VaultDynamic, VaultKv, VaultToken};
use crate::creds::vault::Vault;
use crate::creds::CredentialSource;

/// The credential source a route names, checked: a mistake is pushed to `errs` (naming the
/// field and the fix) and a placeholder source returned, so that every other mistake in the
/// file is reported in the same run.
pub(super) fn credential_source(
    file: &Path,
    raw: RawCredential,
    sources: &Sources<'_>,
    errs: &mut ConfigErrors,
) -> Arc<dyn CredentialSource> {
    let err = |field: &str, problem: String, fix: &str| ConfigError::new(file, field, problem, fix);
    match raw {
        RawCredential::Env { var } => {
            if var.is_empty() || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                errs.push(err(
                    "credential.var",
                    format!("{var:?} is not an environment variable name"),
                    "use letters, digits and _ (e.g. STRIPE_API_KEY)",
                ));
            }
            Arc::new(EnvSource { var })
        }
        RawCredential::File { path, refresh } => {
            let refresh = refresh.unwrap_or(Duration::from_secs(60));
            if refresh.is_zero() {
                errs.push(err(
                    "credential.refresh",
                    "zero refresh".into(),
                    "use a duration such as `60s`",
                ));
            }
            Arc::new(FileSource {
                path: relative_to(file, &path),
                refresh: refresh.max(Duration::from_secs(1)),
            })
        }
        RawCredential::AwsSts {
            role_arn,
            duration,
            external_id,
            session_policy,
            allow_actions,
            allow_resources,
        } => match sources.aws {
            Some(aws) => {
                let duration = duration.unwrap_or(Duration::from_secs(900));
                if !(Duration::from_secs(900)..=Duration::from_secs(43_200)).contains(&duration) {
                    errs.push(err(
                        "credential.duration",
                        format!("{duration:?} is outside what STS issues (15m to 12h)"),
                        "use a duration between 15m and 12h (the role's maximum session applies too)",
                    ));
                }
                if !role_arn.starts_with("arn:aws") || role_arn.split(':').count() < 6 {
                    errs.push(err(
                        "credential.role_arn",
                        format!("{role_arn:?} is not a role ARN"),
                        "write arn:aws:iam::123456789012:role/NAME",
                    ));
                }
                let policy = match (session_policy, allow_actions.is_empty()) {
                    (Some(_), false) => {
                        errs.push(err(
                            "credential.session_policy",
                            "both session_policy and allow_actions".into(),
                            "give the policy JSON or actions+resources, not both",
                        ));
                        None
                    }
                    (Some(p), true) => {
                        if serde_json::from_str::<serde_json::Value>(&p).is_err() {
                            errs.push(err(
                                "credential.session_policy",
                                "not valid JSON".into(),
                                "write the IAM policy document as JSON",
                            ));
                        }
                        Some(p)
                    }
                    (None, false) => {
                        if allow_resources.is_empty() {
                            errs.push(err(
                                "credential.allow_resources",
                                "allow_actions without allow_resources".into(),
                                "list the ARNs the actions apply to, e.g. arn:aws:s3:::reports/*",
                            ));
                        }
                        Some(crate::creds::aws::session_policy(
                            &allow_actions,
                            &allow_resources,
                        ))
                    }
                    (None, true) => None,
                };
                Arc::new(crate::creds::aws::StsSource {
                    aws: aws.clone(),
                    options: crate::creds::aws::AssumeRoleOptions {
                        role_arn,
                        duration,
                        external_id,
                        session_policy: policy,
                    },
                })
            }
            None => {
                errs.push(err(
                    "credential.source",
                    "aws_sts, but proxy.yaml has no `aws:` section".into(),
                    "add `aws: {region: ...}` to proxy.yaml (see README, AWS)",
                ));
                Arc::new(EnvSource { var: String::new() })
            }
        },
        vault_cred => match sources.vault {
            Some(v) => vault_source(file, vault_cred, v, errs),
            None => {
                errs.push(err(
                    "credential.source",
                    "a Vault credential source, but proxy.yaml has no `vault:` section".into(),
                    "add `vault: {address: ..., auth: {...}}` to proxy.yaml (see README, Vault)",
                ));
                Arc::new(EnvSource { var: String::new() })
            }
        },
    }
}

/// Builds a Vault-backed source; `raw` is one of the `vault_*` variants.
fn vault_source(
    file: &Path,
    raw: RawCredential,
    vault: &Arc<Vault>,
    errs: &mut ConfigErrors,
) -> Arc<dyn CredentialSource> {
    let mut check_path = |field: &str, p: &str| {
        if p.is_empty() || p.starts_with('/') || p.contains("..") || p.contains(['?', '#', ' ']) {
            errs.push(ConfigError::new(
                file,
                field,
                format!("{p:?} is not a Vault path"),
                "write it without a leading slash or /v1, e.g. database/creds/readonly",
            ));
        }
    };
    match raw {
        RawCredential::VaultKv {
            mount,
            path,
            field,
            version,
            refresh,
        } => {
            check_path("credential.path", &path);
            Arc::new(VaultKv {
                vault: vault.clone(),
                mount: mount.unwrap_or_else(|| "secret".into()),
                path,
                field,
                version,
                refresh: refresh
                    .unwrap_or(Duration::from_secs(60))
                    .max(Duration::from_secs(1)),
            })
        }
        RawCredential::VaultToken {
            policies,
            ttl,
            explicit_max_ttl,
            num_uses,
            orphan,
        } => {
            let ttl = ttl.unwrap_or(Duration::from_secs(15 * 60));
            if ttl < Duration::from_secs(10) {
                errs.push(ConfigError::new(
                    file,
                    "credential.ttl",
                    "a token ttl under 10s would be refreshed before almost every request",
                    "use at least `1m`; short lives are what Vault tokens are for, not seconds",
                ));
            }
            if policies.is_empty() {
                errs.push(ConfigError::new(
                    file,
                    "credential.policies",
                    "no policies: the token would carry only Vault's default policy",
                    "list the Vault policies this route's token needs, e.g. [billing-read]",
                ));
            }
            Arc::new(VaultToken {
                vault: vault.clone(),
                options: TokenOptions {
                    policies,
                    ttl,
                    explicit_max_ttl,
                    num_uses,
                    orphan,
                },
            })
        }
        RawCredential::VaultDynamic { path, fields } => {
            check_path("credential.path", &path);
            if fields.is_empty() || fields.len() > 2 {
                errs.push(ConfigError::new(
                    file,
                    "credential.fields",
                    "give one field, or two joined as user:password",
                    "e.g. [username, password] with `inject.kind: basic`",
                ));
            }
            Arc::new(VaultDynamic::new(vault.clone(), path, fields))
        }
        RawCredential::Env { .. } | RawCredential::File { .. } | RawCredential::AwsSts { .. } => {
            unreachable!("static sources are built by the caller")
        }
    }
}
