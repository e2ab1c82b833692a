//! Configuration errors that an operator can act on.
//!
//! Every error names the file, the field (as a YAML path such as `rules[2].paths[0]`) and a fix,
//! because the person reading it is editing YAML under pressure, not reading our source.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem found in one configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// YAML path of the offending field, `.` for the whole document.
    pub field: String,
    pub problem: String,
    pub fix: String,
}

impl ConfigError {
    pub fn new(
        file: &Path,
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_path_buf(),
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: field `{}`: {}\n    fix: {}",
            self.file.display(),
            self.field,
            self.problem,
            self.fix
        )
    }
}

/// All problems found in one load, so that one `credgate check` run shows every mistake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn push(&mut self, e: ConfigError) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result<T>(self, ok: T) -> Result<T, ConfigErrors> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(self)
        }
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        Self(vec![e])
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} configuration error{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Parses one YAML document into `T`, turning serde's message into a [`ConfigError`] that carries
/// the YAML path of the field and its line.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(
    file: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    let de = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at = inner
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        let msg = inner.to_string();
        let fix = if msg.contains("unknown field") {
            "remove the field or correct its spelling; the message lists the accepted fields"
        } else if msg.contains("missing field") {
            "add the missing field; the configuration reference in README.md describes it"
        } else if msg.contains("unknown variant") {
            "use one of the values the message lists"
        } else {
            "correct the value's type or syntax (see the configuration reference in README.md)"
        };
        // serde_yaml_ng appends its own "at line X column Y"; keep one location only.
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        // serde_yaml_ng prefixes the path too; the field is reported separately.
        let msg = match msg.split_once(": ") {
            Some((prefix, rest)) if path.starts_with(prefix) => rest,
            _ => msg,
        }
        .to_string();
        ConfigError::new(file, path, format!("{msg}{at}"), fix)
    })
}
