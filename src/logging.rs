//! Process logging (not the audit log).
//!
//! Pingora's debug and trace logs dump request and response headers and bodies, including the
//! injected credential and whatever the upstream echoed before scrubbing. So every target that
//! is not credgate's own is capped at `info`, whatever `RUST_LOG` asks for; credgate's own
//! targets follow `RUST_LOG` (default `info`) and never log secrets.

use log::{LevelFilter, Log, Metadata, Record};

struct CappedLogger {
    inner: env_logger::Logger,
}

/// Whether a record may be written: credgate's own at any enabled level, others up to `info`.
pub fn allowed(target: &str, level: log::Level) -> bool {
    target.starts_with("credgate") || level <= log::Level::Info
}

impl Log for CappedLogger {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        allowed(m.target(), m.level()) && self.inner.enabled(m)
    }

    fn log(&self, r: &Record<'_>) {
        if allowed(r.target(), r.level()) {
            self.inner.log(r);
        }
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// Installs the capped logger; call once, early in `main`.
pub fn init() {
    let inner =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).build();
    let max: LevelFilter = inner.filter();
    if log::set_boxed_logger(Box::new(CappedLogger { inner })).is_ok() {
        log::set_max_level(max);
    }
}

#[cfg(test)]
mod tests {
    use log::Level;

    #[test]
    fn third_party_debug_is_capped() {
        assert!(super::allowed("credgate::proxy", Level::Debug));
        assert!(super::allowed("pingora_proxy::proxy_h1", Level::Info));
        assert!(!super::allowed("pingora_proxy::proxy_h1", Level::Debug));
        assert!(!super::allowed("rustls::client", Level::Trace));
    }
}
