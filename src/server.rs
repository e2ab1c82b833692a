//! Assembles the Pingora server: the proxy service, the admin service and background services,
//! and a handle to run it in a thread and stop it (tests, benchmarks) without `run_forever()`,
//! which exits the process.

use std::sync::Arc;
use std::thread::JoinHandle;

use async_trait::async_trait;
use pingora::server::configuration::ServerConf;
use pingora::server::{RunArgs, Server, ShutdownSignal, ShutdownSignalWatch, ShutdownWatch};
use pingora::services::background::{background_service, BackgroundService};
use pingora::services::listening::Service;

use crate::admin::AdminApp;
use crate::proxy::CredgateProxy;
use crate::state::State;

/// How the server is assembled.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Reload the configuration on SIGHUP (the CLI does; tests use the admin endpoint).
    pub reload_on_sighup: bool,
    /// Seconds to keep serving in-flight requests after a graceful stop.
    pub grace_period_seconds: u64,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            reload_on_sighup: true,
            grace_period_seconds: 5,
        }
    }
}

/// Builds the Pingora server for `state`.
pub fn build(state: Arc<State>, opts: &ServerOptions) -> Server {
    let cfg = state.config();
    let conf = ServerConf {
        threads: cfg.threads,
        grace_period_seconds: Some(opts.grace_period_seconds),
        graceful_shutdown_timeout_seconds: Some(2),
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();

    // CONNECT is let through to `request_filter` only so that it is refused there with a JSON
    // reason and an audit line, instead of Pingora's bare 405.
    let mut server_options = pingora::apps::HttpServerOptions::default();
    server_options.allow_connect_method_proxying = true;
    let mut proxy = pingora::proxy::ProxyServiceBuilder::new(
        &server.configuration,
        CredgateProxy::new(state.clone()),
    )
    .name("credgate proxy")
    .server_options(server_options)
    .build();
    proxy.add_tcp(&cfg.listen_proxy.to_string());
    let mut admin = Service::new(
        "credgate admin".to_string(),
        AdminApp {
            state: state.clone(),
        },
    );
    admin.add_tcp(&cfg.listen_admin.to_string());
    admin.threads = Some(1);
    server.add_service(proxy);
    server.add_service(admin);
    server.add_service(background_service(
        "vault token upkeep",
        VaultUpkeep {
            state: state.clone(),
        },
    ));
    if opts.reload_on_sighup {
        server.add_service(background_service(
            "reload on SIGHUP",
            SighupReload { state },
        ));
    }
    server
}

/// Reloads the configuration on SIGHUP.
struct SighupReload {
    state: Arc<State>,
}

#[async_trait]
impl BackgroundService for SighupReload {
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            log::error!("cannot listen for SIGHUP; reload through POST /admin/reload");
            return;
        };
        loop {
            tokio::select! {
                _ = hup.recv() => {
                    // reload() logs the outcome and counts it in metrics.
                    let _ = self.state.reload();
                }
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Keeps credgate's own Vault token valid (see `Vault::maintain`), for whichever Vault
/// connection the configuration in force has.
struct VaultUpkeep {
    state: Arc<State>,
}

#[async_trait]
impl BackgroundService for VaultUpkeep {
    async fn start(&self, mut shutdown: ShutdownWatch) {
        loop {
            let wait = match &self.state.config().vault {
                Some(v) => v.maintain().await,
                None => std::time::Duration::from_secs(30),
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Revokes what credgate minted, after the server stopped serving.
pub fn revoke_on_shutdown(state: &State) {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => {
            let n = rt.block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(10), state.revoke_all()).await
            });
            if n.is_err() {
                log::warn!("revocation at shutdown timed out");
            }
        }
        Err(e) => log::warn!("no runtime for revocation at shutdown: {e}"),
    }
}

struct ChannelShutdown(tokio::sync::Mutex<tokio::sync::mpsc::Receiver<ShutdownSignal>>);

#[async_trait]
impl ShutdownSignalWatch for ChannelShutdown {
    async fn recv(&self) -> ShutdownSignal {
        match self.0.lock().await.recv().await {
            Some(s) => s,
            None => ShutdownSignal::FastShutdown,
        }
    }
}

/// A server running in a thread of this process; stopped on drop.
pub struct RunningServer {
    stop: Option<tokio::sync::mpsc::Sender<ShutdownSignal>>,
    thread: Option<JoinHandle<()>>,
    pub state: Arc<State>,
}

impl RunningServer {
    /// Starts `state`'s server in a thread. The caller waits for readiness (e.g. polls `/readyz`).
    pub fn spawn(state: Arc<State>) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let opts = ServerOptions {
            reload_on_sighup: false,
            grace_period_seconds: 0,
        };
        let server = build(state.clone(), &opts);
        let thread = std::thread::Builder::new()
            .name("credgate-server".into())
            .spawn(move || {
                server.run(RunArgs {
                    shutdown_signal: Box::new(ChannelShutdown(tokio::sync::Mutex::new(rx))),
                })
            })
            .expect("spawn server thread");
        Self {
            stop: Some(tx),
            thread: Some(thread),
            state,
        }
    }

    /// Stops the server and waits for its thread.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.try_send(ShutdownSignal::FastShutdown);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
            revoke_on_shutdown(&self.state);
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop();
    }
}
