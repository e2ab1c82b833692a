//! credgate: a credential broker for AI agents, built on Pingora.
//!
//! Agents send ordinary HTTP requests through credgate and name a credential by an opaque
//! handle; credgate authenticates the agent, checks the handle's route policy, resolves the
//! handle to a real credential, injects it, forwards the request only to the hosts the route
//! binds, and scrubs the response so that no credential travels back to the agent.
//!
//! Module map: [`config`] and [`routes`] turn YAML into validated types; [`identity`],
//! [`target`] and [`policy`] decide; [`creds`] resolves; [`inject`] and [`scrub`] touch the wire;
//! [`proxy`] wires the Pingora phases; [`audit`], [`metrics`] and [`admin`] report; [`state`]
//! holds what is shared and reloadable; [`server`] assembles and runs it all.

#![forbid(unsafe_code)]

pub mod admin;
pub mod audit;
pub mod config;
pub mod creds;
pub mod identity;
pub mod inject;
pub mod logging;
pub mod metrics;
pub mod policy;
pub mod proxy;
pub mod routes;
pub mod scrub;
pub mod server;
pub mod sigv4;
pub mod state;
pub mod target;
