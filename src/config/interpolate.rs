//! `${VAR}` and `${VAR:-default}` in configuration values.
//!
//! Secrets and per-environment values stay out of the YAML that ops teams commit. Interpolation is
//! done per field (never on raw YAML text), so an environment value can never inject YAML structure.

use std::path::Path;

use super::error::ConfigError;

/// Expands `${NAME}` / `${NAME:-default}` using `lookup`. `$$` is a literal `$`.
pub fn interpolate_with(
    value: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some(body) = tail.strip_prefix("${") {
            let end = body
                .find('}')
                .ok_or_else(|| format!("unterminated `${{` in {value:?}"))?;
            let expr = &body[..end];
            let (name, default) = match expr.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (expr, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("`${{{expr}}}` is not a valid variable name"));
            }
            match (lookup(name), default) {
                (Some(v), _) if !v.is_empty() => out.push_str(&v),
                (_, Some(d)) => out.push_str(d),
                (_, None) => return Err(format!("environment variable {name} is not set")),
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Interpolates from the process environment, reporting failures against `file` and `field`.
pub fn interpolate(file: &Path, field: &str, value: &str) -> Result<String, ConfigError> {
    interpolate_with(value, |k| std::env::var(k).ok()).map_err(|problem| {
        ConfigError::new(
            file,
            field,
            problem,
            "export the variable before starting credgate, or give a default as ${NAME:-value}",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::interpolate_with;

    fn env(k: &str) -> Option<String> {
        match k {
            "A" => Some("alpha".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_variables_defaults_and_escapes() {
        let cases = [
            ("plain", Ok("plain")),
            ("${A}", Ok("alpha")),
            ("x-${A}-y", Ok("x-alpha-y")),
            ("${B:-dflt}", Ok("dflt")),
            ("${EMPTY:-dflt}", Ok("dflt")),
            ("$$A", Ok("$A")),
            ("cost $5", Ok("cost $5")),
        ];
        for (input, want) in cases {
            assert_eq!(
                interpolate_with(input, env).as_deref(),
                want.map_err(|e: &str| e.to_string()).as_deref(),
                "{input}"
            );
        }
    }

    #[test]
    fn reports_missing_and_malformed() {
        assert_eq!(
            interpolate_with("${B}", env).unwrap_err(),
            "environment variable B is not set"
        );
        assert!(interpolate_with("${A", env)
            .unwrap_err()
            .contains("unterminated"));
        assert!(interpolate_with("${A B}", env)
            .unwrap_err()
            .contains("not a valid variable name"));
    }
}
