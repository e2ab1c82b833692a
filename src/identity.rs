//! Who is calling: agents authenticate with `Proxy-Authorization: Basic` (the `AGENT:KEY` of
//! `HTTP_PROXY=http://AGENT:KEY@credgate:8080`).
//!
//! Only SHA-256 digests of agent keys are stored. Agent keys are generated high-entropy tokens
//! (`credgate gen-key`), so a fast hash is the right tool here (as for API tokens at GitHub or
//! Stripe): a slow password hash would only add latency to every request. Comparison is
//! constant-time, and an unknown agent name costs the same as a wrong key.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// SHA-256 digest of a key. Its `Debug` never prints the digest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }

    pub fn of(key: &[u8]) -> Self {
        Self(Sha256::digest(key).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Constant-time comparison.
    pub fn matches(&self, key: &[u8]) -> bool {
        Self::of(key).0.ct_eq(&self.0).into()
    }
}

impl std::fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHash(..)")
    }
}

/// A configured agent.
#[derive(Debug, Clone)]
pub struct Agent {
    pub name: Arc<str>,
    key: KeyHash,
}

impl Agent {
    pub fn new(name: &str, key: KeyHash) -> Self {
        Self {
            name: name.into(),
            key,
        }
    }
}

/// Why a proxy authentication failed; the label goes to audit and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Malformed,
    BadCredentials,
}

impl AuthFailure {
    pub fn label(self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing_proxy_authorization",
            AuthFailure::Malformed => "malformed_proxy_authorization",
            AuthFailure::BadCredentials => "bad_agent_credentials",
        }
    }
}

/// The set of configured agents.
#[derive(Debug, Default)]
pub struct Agents {
    by_name: HashMap<Arc<str>, Agent>,
}

// Compared against when the agent name is unknown, so that the unknown-name path does the same work.
const DUMMY: KeyHash = KeyHash([0u8; 32]);

impl Agents {
    pub fn new(list: Vec<Agent>) -> Self {
        Self {
            by_name: list.into_iter().map(|a| (a.name.clone(), a)).collect(),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(|k| k.as_ref())
    }

    /// Checks a `Proxy-Authorization` header value.
    pub fn authenticate(&self, header: Option<&[u8]>) -> Result<&Agent, AuthFailure> {
        let header = header.ok_or(AuthFailure::Missing)?;
        let (name, key) = parse_basic(header).ok_or(AuthFailure::Malformed)?;
        match self.by_name.get(name.as_str()) {
            Some(agent) if agent.key.matches(key.as_bytes()) => Ok(agent),
            Some(_) => Err(AuthFailure::BadCredentials),
            None => {
                let _ = DUMMY.matches(key.as_bytes());
                Err(AuthFailure::BadCredentials)
            }
        }
    }
}

/// Parses `Basic base64(user:pass)`; the scheme name is case-insensitive.
pub fn parse_basic(value: &[u8]) -> Option<(String, String)> {
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, b64) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (user, pass) = raw.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// Counts failed authentications per client address in fixed one-minute windows, so that a key
/// cannot be brute-forced through the proxy. Bounded: the table is cleared when it grows past
/// `MAX_TRACKED` addresses (an attacker with that many addresses is not slowed by this anyway).
#[derive(Debug)]
pub struct AuthFailureLimiter {
    per_minute: u32,
    table: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

const MAX_TRACKED: usize = 65_536;
const WINDOW: Duration = Duration::from_secs(60);

impl AuthFailureLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            table: Mutex::new(HashMap::new()),
        }
    }

    /// True when `ip` has used up its failures for the current window.
    pub fn is_blocked(&self, ip: IpAddr) -> bool {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        matches!(table.get(&ip), Some((start, n)) if start.elapsed() < WINDOW && *n >= self.per_minute)
    }

    /// Records one failure; returns true when this failure used up the allowance.
    pub fn record_failure(&self, ip: IpAddr) -> bool {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if table.len() >= MAX_TRACKED {
            table.retain(|_, (start, _)| start.elapsed() < WINDOW);
            if table.len() >= MAX_TRACKED {
                table.clear();
            }
        }
        let now = Instant::now();
        let entry = table.entry(ip).or_insert((now, 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 >= self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(user: &str, pass: &str) -> Vec<u8> {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        format!("Basic {b}").into_bytes()
    }

    #[test]
    fn authenticates_by_hashed_key() {
        let agents = Agents::new(vec![Agent::new("bot", KeyHash::of(b"k1"))]);
        assert_eq!(
            agents
                .authenticate(Some(&header("bot", "k1")))
                .unwrap()
                .name
                .as_ref(),
            "bot"
        );
        let cases: [(Option<Vec<u8>>, AuthFailure); 5] = [
            (None, AuthFailure::Missing),
            (Some(b"Bearer x".to_vec()), AuthFailure::Malformed),
            (Some(b"Basic !!!".to_vec()), AuthFailure::Malformed),
            (Some(header("bot", "k2")), AuthFailure::BadCredentials),
            (Some(header("nobody", "k1")), AuthFailure::BadCredentials),
        ];
        for (h, want) in cases {
            assert_eq!(agents.authenticate(h.as_deref()).unwrap_err(), want);
        }
    }

    #[test]
    fn key_hash_debug_is_redacted() {
        let h = KeyHash::of(b"secret");
        assert_eq!(format!("{h:?}"), "KeyHash(..)");
        assert_eq!(KeyHash::from_hex(&h.to_hex()), Some(h));
    }

    #[test]
    fn limiter_blocks_after_allowance() {
        let l = AuthFailureLimiter::new(3);
        let ip: IpAddr = [10, 0, 0, 1].into();
        assert!(!l.record_failure(ip));
        assert!(!l.record_failure(ip));
        assert!(!l.is_blocked(ip));
        assert!(l.record_failure(ip));
        assert!(l.is_blocked(ip));
        assert!(!l.is_blocked([10, 0, 0, 2].into()));
    }
}
