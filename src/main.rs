//! The `credgate` command line: `run`, `check`, `scrub`, `schema`, `gen-key`, `hash-key`.

#![forbid(unsafe_code)]

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use base64::Engine;
use clap::{Parser, Subcommand};
use credgate::config::Config;
use credgate::identity::KeyHash;
use credgate::server::{build, ServerOptions};
use credgate::state::State;

#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(name = "credgate", version, about = "A credential broker for AI agents", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the proxy and admin listeners.
    Run {
        /// Path of proxy.yaml.
        #[arg(short, long, default_value = "proxy.yaml", env = "CREDGATE_CONFIG")]
        config: PathBuf,
    },
    /// Validate proxy.yaml and every route file; exit non-zero on any error.
    Check {
        #[arg(short, long, default_value = "proxy.yaml", env = "CREDGATE_CONFIG")]
        config: PathBuf,
    },
    /// Scrub a sample response body offline as a route would (token formats and the route's
    /// own patterns; no live credentials): the body on stdout, what was redacted on stderr.
    /// Exit status: 0 nothing redacted, 1 something was, 2 an error, 3 the body failed closed.
    Scrub {
        /// proxy.yaml, read only with --handle.
        #[arg(short, long, default_value = "proxy.yaml", env = "CREDGATE_CONFIG")]
        config: PathBuf,
        /// Scrub as the route of this handle does; without it, with every default pack.
        #[arg(long)]
        handle: Option<String>,
        /// Scrub with these packs instead (as a route's `scrub.packs`), e.g. `default,extended`.
        #[arg(long, value_delimiter = ',', conflicts_with = "handle")]
        packs: Option<Vec<String>>,
        /// The body's Content-Type, which picks the mode as on the wire (text/event-stream:
        /// events reassembled; a type the route skips: passed through).
        #[arg(long)]
        content_type: Option<String>,
        /// The body to scrub; absent or `-`: standard input.
        input: Option<PathBuf>,
    },
    /// Print the JSON Schema of proxy.yaml and of route files (for editors).
    Schema,
    /// Generate a new agent key; prints the key (give it to the agent) and its hash (for proxy.yaml).
    GenKey,
    /// Read an agent key or admin token on stdin and print its hash for proxy.yaml.
    HashKey,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    credgate::logging::init();
    match cli.command {
        Command::Run { config } => {
            pingora::tls::install_default_crypto_provider();
            let state = match State::load(&config) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("credgate: not starting: {e}");
                    return ExitCode::from(2);
                }
            };
            let cfg = state.config();
            log::info!(
                "credgate {} serving proxy on {} and admin on {} ({} routes, {} agents)",
                env!("CARGO_PKG_VERSION"),
                cfg.listen_proxy,
                cfg.listen_admin,
                cfg.routes.len(),
                cfg.agents.names().count()
            );
            drop(cfg);
            // Not run_forever(): it exits the process before credgate can revoke what it minted.
            build(state.clone(), &ServerOptions::default())
                .run(pingora::server::RunArgs::default());
            credgate::server::revoke_on_shutdown(&state);
            // Audit lines still queued are written before the process exits.
            if let Err(e) = state.close_audit() {
                log::warn!("audit log not closed: {e}");
            }
            drop(state);
            let busy = credgate::audit::finish(std::time::Duration::from_secs(5));
            if busy > 0 {
                log::warn!(
                    "{busy} audit writer(s) still writing at exit; their last lines may be lost"
                );
            }
            ExitCode::SUCCESS
        }
        Command::Check { config } => match Config::load(&config) {
            Ok(cfg) => {
                let mut handles: Vec<_> = cfg.routes.iter().collect();
                handles.sort_by(|a, b| a.handle.cmp(&b.handle));
                for r in &handles {
                    for w in r.credential.check() {
                        println!("warning: {}: handle {}: {w}", r.file.display(), r.handle);
                    }
                }
                println!(
                    "ok: {} is valid ({} routes, {} agents)",
                    config.display(),
                    handles.len(),
                    cfg.agents.names().count()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprint!("{e}");
                ExitCode::from(1)
            }
        },
        Command::Scrub {
            config,
            handle,
            packs,
            content_type,
            input,
        } => scrub(
            &config,
            handle.as_deref(),
            packs,
            content_type.as_deref(),
            input,
        ),
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&credgate::config::json_schema()).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Command::GenKey => {
            let mut bytes = [0u8; 32];
            if getrandom::fill(&mut bytes).is_err() {
                eprintln!("credgate: the operating system's random source failed");
                return ExitCode::from(1);
            }
            let key = format!(
                "cgk_{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
            );
            println!("key:        {key}");
            println!("key_sha256: {}", KeyHash::of(key.as_bytes()).to_hex());
            ExitCode::SUCCESS
        }
        Command::HashKey => {
            let mut key = String::new();
            if std::io::stdin().read_to_string(&mut key).is_err() {
                eprintln!("credgate: cannot read the key from stdin");
                return ExitCode::from(1);
            }
            println!("{}", KeyHash::of(key.trim().as_bytes()).to_hex());
            ExitCode::SUCCESS
        }
    }
}

/// `credgate scrub`: see [`credgate::scrub::offline`].
fn scrub(
    config: &std::path::Path,
    handle: Option<&str>,
    packs: Option<Vec<String>>,
    content_type: Option<&str>,
    input: Option<PathBuf>,
) -> ExitCode {
    let policy = match handle {
        None if packs.is_some() => {
            let raw = credgate::scrub::RawScrub {
                packs,
                ..Default::default()
            };
            match credgate::scrub::ScrubPolicy::compile(raw) {
                Ok(p) => p,
                Err(errs) => {
                    for (field, problem, fix) in errs {
                        let field = field.replace("scrub.packs", "--packs");
                        eprintln!("credgate scrub: {field}: {problem}; {fix}");
                    }
                    return ExitCode::from(2);
                }
            }
        }
        None => credgate::scrub::ScrubPolicy::default(),
        Some(h) => {
            let cfg = match Config::load(config) {
                Ok(c) => c,
                Err(e) => {
                    eprint!("{e}");
                    return ExitCode::from(2);
                }
            };
            match cfg.routes.get(h) {
                Some(route) => route.scrub.clone(),
                None => {
                    let mut known: Vec<&str> =
                        cfg.routes.iter().map(|r| r.handle.as_ref()).collect();
                    known.sort_unstable();
                    eprintln!(
                        "credgate scrub: no route has handle {h:?} in {}; its routes have: {}",
                        config.display(),
                        known.join(", ")
                    );
                    return ExitCode::from(2);
                }
            }
        }
    };
    let mut reader: Box<dyn Read> = match input.filter(|p| p.as_os_str() != "-") {
        None => Box::new(std::io::stdin().lock()),
        Some(path) => match std::fs::File::open(&path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("credgate scrub: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    let mut stdout = std::io::stdout().lock();
    match credgate::scrub::offline::scrub_body(&policy, content_type, &mut reader, &mut stdout) {
        Ok(outcome) => {
            eprintln!("credgate scrub: {}", outcome.summary());
            ExitCode::from(match (outcome.failed, outcome.counts.total()) {
                (Some(_), _) => 3,
                (None, 0) => 0,
                (None, _) => 1,
            })
        }
        Err(e) => {
            eprintln!("credgate scrub: {e}");
            ExitCode::from(2)
        }
    }
}
