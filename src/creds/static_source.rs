//! Static secrets from an environment variable or a file: the embedded default for one machine.
//!
//! Both are read at fetch time, not at load time, so credgate starts without them (requests for
//! the handle fail closed with 503 until the secret exists), and a file that is rotated in place
//! (a Kubernetes Secret mount) is picked up after `refresh`.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

use super::{CredError, Credential, CredentialSource, MintRequest, SecretString};

/// A secret held in an environment variable.
#[derive(Debug)]
pub struct EnvSource {
    pub var: String,
}

#[async_trait]
impl CredentialSource for EnvSource {
    fn kind(&self) -> &'static str {
        "env"
    }

    fn cache_key(&self) -> String {
        format!("env:{}", self.var)
    }

    async fn fetch(&self, _req: &MintRequest) -> Result<Credential, CredError> {
        match std::env::var(&self.var) {
            Ok(v) if !v.trim().is_empty() => Ok(Credential::static_secret(
                SecretString::from(v.trim().to_string()),
                None,
            )),
            _ => Err(CredError::Unavailable(format!(
                "environment variable {} is not set",
                self.var
            ))),
        }
    }

    fn check(&self) -> Vec<String> {
        match std::env::var(&self.var) {
            Ok(v) if !v.trim().is_empty() => vec![],
            _ => vec![format!(
                "environment variable {} is not set: requests for this handle will fail with 503 until it is",
                self.var
            )],
        }
    }
}

/// A secret held in a file (trailing newline trimmed), re-read every `refresh`.
#[derive(Debug)]
pub struct FileSource {
    pub path: PathBuf,
    pub refresh: Duration,
}

#[async_trait]
impl CredentialSource for FileSource {
    fn kind(&self) -> &'static str {
        "file"
    }

    fn cache_key(&self) -> String {
        format!("file:{}", self.path.display())
    }

    async fn fetch(&self, _req: &MintRequest) -> Result<Credential, CredError> {
        // The error text names the path and the kind of failure, never file contents.
        let text = tokio::fs::read_to_string(&self.path).await.map_err(|e| {
            CredError::Unavailable(format!(
                "cannot read secret file {}: {}",
                self.path.display(),
                e.kind()
            ))
        })?;
        let v = text.trim();
        if v.is_empty() {
            return Err(CredError::Unavailable(format!(
                "secret file {} is empty",
                self.path.display()
            )));
        }
        Ok(Credential::static_secret(
            SecretString::from(v.to_string()),
            Some(self.refresh),
        ))
    }

    fn check(&self) -> Vec<String> {
        match std::fs::metadata(&self.path) {
            Ok(m) if m.is_file() => vec![],
            _ => vec![format!(
                "secret file {} does not exist: requests for this handle will fail with 503 until it does",
                self.path.display()
            )],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::ExposeSecret;

    fn req() -> MintRequest {
        MintRequest {
            handle: "H".into(),
            agent: "a".into(),
        }
    }

    #[tokio::test]
    async fn file_source_reads_trims_and_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        let src = FileSource {
            path: p.clone(),
            refresh: Duration::from_secs(1),
        };
        let err = src.fetch(&req()).await.unwrap_err();
        assert!(
            matches!(err, CredError::Unavailable(ref m) if m.contains("cannot read secret file"))
        );
        std::fs::write(&p, "tok-123\n").unwrap();
        let c = src.fetch(&req()).await.unwrap();
        assert_eq!(c.secret.expose_secret(), "tok-123");
        assert!(!format!("{c:?}").contains("tok-123"));
    }

    #[tokio::test]
    async fn env_source_fails_closed_when_unset() {
        let src = EnvSource {
            var: "CREDGATE_TEST_SURELY_UNSET_VAR".into(),
        };
        assert_eq!(
            src.fetch(&req()).await.unwrap_err(),
            CredError::Unavailable(
                "environment variable CREDGATE_TEST_SURELY_UNSET_VAR is not set".into()
            )
        );
    }
}
