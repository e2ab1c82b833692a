//! A bounded, single-flight credential cache that refreshes ahead of expiry.
//!
//! N concurrent cold requests for one key produce one fetch; a credential close to expiry is
//! refreshed in the background while the current one keeps serving; a credential is never
//! returned at or past its expiry; when a refresh fails, the cached credential keeps serving
//! until it expires and then requests fail closed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::{CredError, Credential, CredentialSource, MintRequest};

/// Never hand out a credential this close to its expiry: it may expire in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(2);

/// Everything that changes what a fetch returns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub source: Arc<str>,
    pub agent: Option<Arc<str>>,
}

/// How a resolution was served, for metrics and audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Hit,
    Fetched(Duration),
}

impl Resolution {
    pub fn label(self) -> &'static str {
        match self {
            Resolution::Hit => "hit",
            Resolution::Fetched(_) => "fetched",
        }
    }
}

#[derive(Clone)]
struct Entry {
    cred: Arc<Credential>,
    version: u64,
    refresh_at: Option<Instant>,
}

impl Entry {
    fn usable(&self, now: Instant) -> bool {
        self.cred
            .expires_at
            .is_none_or(|exp| now + EXPIRY_MARGIN < exp)
    }

    fn refresh_due(&self, now: Instant) -> bool {
        self.refresh_at.is_some_and(|r| now >= r)
    }
}

#[derive(Default)]
struct Slot {
    current: RwLock<Option<Entry>>,
    mint: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
}

impl Slot {
    fn read(&self) -> Option<Entry> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A resolved credential with the version the cache gave it (changes on every fetch).
#[derive(Debug, Clone)]
pub struct Resolved {
    pub cred: Arc<Credential>,
    pub version: u64,
    pub how: Resolution,
}

/// The cache. Cheap to share (`Arc`).
pub struct CredentialCache {
    slots: Mutex<HashMap<CacheKey, Arc<Slot>>>,
    max_entries: usize,
    versions: AtomicU64,
}

impl std::fmt::Debug for CredentialCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialCache")
            .field("max_entries", &self.max_entries)
            .finish_non_exhaustive()
    }
}

/// When to refresh: 70-80% into a known lifetime, or 90-100% of a refresh interval.
fn refresh_at(c: &Credential, now: Instant) -> Option<Instant> {
    let jitter = fastrand::f64() * 0.1;
    match (c.expires_at, c.refresh_after) {
        (Some(exp), r) => {
            let life = exp.saturating_duration_since(now);
            let at = now + life.mul_f64(0.7 + jitter);
            Some(r.map_or(at, |r| at.min(now + r)))
        }
        (None, Some(r)) => Some(now + r.mul_f64(0.9 + jitter)),
        (None, None) => None,
    }
}

impl CredentialCache {
    pub fn new(max_entries: usize) -> Arc<Self> {
        Arc::new(Self {
            slots: Mutex::new(HashMap::new()),
            max_entries: max_entries.max(1),
            versions: AtomicU64::new(0),
        })
    }

    fn slot(&self, key: &CacheKey) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slots.get(key) {
            return s.clone();
        }
        if slots.len() >= self.max_entries {
            let now = Instant::now();
            slots.retain(|_, s| s.read().is_some_and(|e| e.usable(now)));
            if slots.len() >= self.max_entries {
                // Still full of live entries: drop one; its holders keep their Arc.
                if let Some(k) = slots.keys().next().cloned() {
                    slots.remove(&k);
                }
            }
        }
        slots.entry(key.clone()).or_default().clone()
    }

    /// Number of cached keys.
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn store(&self, slot: &Slot, cred: Credential) -> Entry {
        let now = Instant::now();
        let entry = Entry {
            refresh_at: refresh_at(&cred, now),
            cred: Arc::new(cred),
            version: self.versions.fetch_add(1, Ordering::Relaxed) + 1,
        };
        *slot.current.write().unwrap_or_else(|p| p.into_inner()) = Some(entry.clone());
        entry
    }

    /// Returns a usable credential for `key`, fetching it from `source` at most once at a time.
    pub async fn get(
        self: &Arc<Self>,
        key: &CacheKey,
        source: &Arc<dyn CredentialSource>,
        req: &MintRequest,
        timeout: Duration,
    ) -> Result<Resolved, CredError> {
        let slot = self.slot(key);
        if let Some(e) = slot.read() {
            let now = Instant::now();
            if e.usable(now) {
                if e.refresh_due(now) {
                    self.spawn_refresh(slot, source.clone(), req.clone(), timeout);
                }
                return Ok(Resolved {
                    cred: e.cred,
                    version: e.version,
                    how: Resolution::Hit,
                });
            }
        }
        let _mint = slot.mint.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(e) = slot.read() {
            if e.usable(Instant::now()) {
                return Ok(Resolved {
                    cred: e.cred,
                    version: e.version,
                    how: Resolution::Hit,
                });
            }
        }
        let started = Instant::now();
        let cred = match tokio::time::timeout(timeout, source.fetch(req)).await {
            Ok(r) => r?,
            Err(_) => return Err(CredError::Timeout),
        };
        if cred
            .expires_at
            .is_some_and(|exp| Instant::now() + EXPIRY_MARGIN >= exp)
        {
            return Err(CredError::Unavailable(
                "the source returned a credential that is already expired".into(),
            ));
        }
        let e = self.store(&slot, cred);
        Ok(Resolved {
            cred: e.cred,
            version: e.version,
            how: Resolution::Fetched(started.elapsed()),
        })
    }

    fn spawn_refresh(
        self: &Arc<Self>,
        slot: Arc<Slot>,
        source: Arc<dyn CredentialSource>,
        req: MintRequest,
        timeout: Duration,
    ) {
        if slot.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let _mint = slot.mint.lock().await;
            match tokio::time::timeout(timeout, source.fetch(&req)).await {
                Ok(Ok(cred)) => {
                    this.store(&slot, cred);
                }
                Ok(Err(e)) => {
                    log::warn!(
                        "background refresh for handle {} failed ({}); serving the cached credential until it expires",
                        req.handle,
                        e.label()
                    );
                }
                Err(_) => log::warn!(
                    "background refresh for handle {} timed out; serving the cached credential until it expires",
                    req.handle
                ),
            }
            slot.refreshing.store(false, Ordering::Release);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::{ExposeSecret, SecretString};
    use async_trait::async_trait;
    use std::sync::atomic::AtomicUsize;

    /// A hand-written source: counting fetches and injecting faults is what no real source does.
    #[derive(Debug, Default)]
    struct Counting {
        calls: AtomicUsize,
        fail: AtomicBool,
        ttl: Option<Duration>,
    }

    #[async_trait]
    impl CredentialSource for Counting {
        fn kind(&self) -> &'static str {
            "test"
        }
        fn cache_key(&self) -> String {
            "test".into()
        }
        async fn fetch(&self, _r: &MintRequest) -> Result<Credential, CredError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            if self.fail.load(Ordering::SeqCst) {
                return Err(CredError::Unavailable("down".into()));
            }
            Ok(Credential {
                secret: SecretString::from(format!("secret-{n}")),
                expires_at: self.ttl.map(|t| Instant::now() + t),
                refresh_after: None,
                audit_id: None,
            })
        }
    }

    fn key() -> CacheKey {
        CacheKey {
            source: "test".into(),
            agent: None,
        }
    }

    fn req() -> MintRequest {
        MintRequest {
            handle: "H".into(),
            agent: "a".into(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_cold_requests_fetch_once() {
        let cache = CredentialCache::new(16);
        let src = Arc::new(Counting::default());
        let dyn_src: Arc<dyn CredentialSource> = src.clone();
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (c, s) = (cache.clone(), dyn_src.clone());
            tasks.push(tokio::spawn(async move {
                c.get(&key(), &s, &req(), Duration::from_secs(5))
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().cred.secret.expose_secret(), "secret-0");
        }
        assert_eq!(src.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn expired_credential_is_never_served_and_failure_is_closed() {
        let cache = CredentialCache::new(16);
        let src = Arc::new(Counting {
            ttl: Some(Duration::from_millis(2500)),
            ..Default::default()
        });
        let dyn_src: Arc<dyn CredentialSource> = src.clone();
        let first = cache
            .get(&key(), &dyn_src, &req(), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(first.how.label(), "fetched");
        src.fail.store(true, Ordering::SeqCst);
        // Within its life (minus the margin) the cached credential serves despite the outage.
        let again = cache
            .get(&key(), &dyn_src, &req(), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(again.version, first.version);
        // Once inside the expiry margin it is not served, and the failing source fails closed.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let err = cache
            .get(&key(), &dyn_src, &req(), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(err.label(), "unavailable");
    }

    #[tokio::test]
    async fn timeout_is_bounded() {
        let cache = CredentialCache::new(16);
        let src: Arc<dyn CredentialSource> = Arc::new(Counting::default());
        let err = cache
            .get(&key(), &src, &req(), Duration::from_millis(1))
            .await
            .unwrap_err();
        assert_eq!(err, CredError::Timeout);
    }

    #[tokio::test]
    async fn bounded_entries() {
        let cache = CredentialCache::new(2);
        let src: Arc<dyn CredentialSource> = Arc::new(Counting::default());
        for i in 0..5 {
            let k = CacheKey {
                source: format!("s{i}").into(),
                agent: None,
            };
            cache
                .get(&k, &src, &req(), Duration::from_secs(5))
                .await
                .unwrap();
        }
        assert!(cache.len() <= 2);
    }
}
