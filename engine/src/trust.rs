//! Answers of the database this process trusts for a short, stated time without asking again
//! (API keys, organizations). A change made through this process is seen at once (its writer
//! calls [`TrustCache::changed`]); one made through another instance sharing the database, within
//! the trust period.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A bounded map of recent answers, each trusted for `trust` after it was read.
#[derive(Debug)]
pub(crate) struct TrustCache<K, V> {
    entries: quick_cache::sync::Cache<K, (V, Instant)>,
    trust: Duration,
    /// Moved by every change: a read that began before a change committed does not put its
    /// (older) answer back after the change cleared the entry.
    generation: AtomicU64,
}

/// Where a read began, for [`TrustCache::remember`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadStart {
    generation: u64,
    at: Instant,
}

impl<K: Eq + Hash + Clone, V: Clone> TrustCache<K, V> {
    pub(crate) fn new(capacity: usize, trust: Duration) -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(capacity),
            trust,
            generation: AtomicU64::new(0),
        }
    }

    /// The answer read less than the trust period ago, if any.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.entries
            .get(key)
            .filter(|(_, read)| read.elapsed() < self.trust)
            .map(|(value, _)| value)
    }

    /// Call before reading the database.
    pub(crate) fn start_read(&self) -> ReadStart {
        ReadStart {
            generation: self.generation.load(Ordering::SeqCst),
            at: Instant::now(),
        }
    }

    /// Keeps what a read begun at `start` found (`None`: nothing is kept, and an older answer is
    /// forgotten), unless a change happened since it began.
    pub(crate) fn remember(&self, key: K, value: Option<V>, start: ReadStart) {
        match value {
            Some(value) if self.generation.load(Ordering::SeqCst) == start.generation => {
                self.entries.insert(key.clone(), (value, start.at));
                // A change may have cleared the cache between the check and the insert: then
                // what was just put back is older than the change and goes again.
                if self.generation.load(Ordering::SeqCst) != start.generation {
                    self.entries.remove(&key);
                }
            }
            Some(_) => {}
            None => {
                self.entries.remove(&key);
            }
        }
    }

    /// Forgets `key` (every key when `None`) when the guard is dropped: at the end of the
    /// function that changes it, after its commit, or when that function's future is cancelled
    /// anywhere, the commit included.
    pub(crate) fn changing(&self, key: Option<K>) -> ChangeGuard<'_, K, V> {
        ChangeGuard { cache: self, key }
    }

    /// After a change to `key` committed through this process.
    pub(crate) fn changed(&self, key: &K) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.remove(key);
    }

    /// After a change that may touch any entry committed through this process.
    pub(crate) fn changed_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.clear();
    }
}

/// See [`TrustCache::changing`].
pub(crate) struct ChangeGuard<'a, K: Eq + Hash + Clone, V: Clone> {
    cache: &'a TrustCache<K, V>,
    key: Option<K>,
}

impl<K: Eq + Hash + Clone, V: Clone> Drop for ChangeGuard<'_, K, V> {
    fn drop(&mut self) {
        match &self.key {
            Some(key) => self.cache.changed(key),
            None => self.cache.changed_all(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_trusted_for_the_period_and_a_change_here_forgets_it_at_once() {
        let cache: TrustCache<&str, u32> = TrustCache::new(8, Duration::from_millis(50));
        let start = cache.start_read();
        cache.remember("a", Some(1), start);
        let fresh = cache.get(&"a");
        cache.changed(&"a");
        let after_change = cache.get(&"a");
        cache.remember("b", Some(2), cache.start_read());
        std::thread::sleep(Duration::from_millis(60));
        let stale = cache.get(&"b");

        assert_eq!(fresh, Some(1), "a fresh answer is trusted");
        assert_eq!(after_change, None, "a change made here is seen at once");
        assert_eq!(
            stale, None,
            "an answer older than the trust period is read again"
        );
    }

    #[test]
    fn a_change_forgets_its_key_when_its_guard_drops_however_the_change_ends() {
        let cache: TrustCache<&str, u32> = TrustCache::new(8, Duration::from_secs(5));
        cache.remember("a", Some(1), cache.start_read());
        cache.remember("b", Some(2), cache.start_read());
        let guard = cache.changing(Some("a"));
        let during = cache.get(&"a");
        // A change whose future is dropped mid-way (a cancelled request) drops its guard too.
        drop(guard);

        assert_eq!(
            during,
            Some(1),
            "forgotten when the change is over, not before"
        );
        assert_eq!(cache.get(&"a"), None, "the changed key is read again");
        assert_eq!(cache.get(&"b"), Some(2), "the other keys are kept");
    }

    #[test]
    fn a_read_that_began_before_a_change_does_not_put_its_answer_back() {
        let cache: TrustCache<&str, u32> = TrustCache::new(8, Duration::from_secs(5));
        let start = cache.start_read();
        // The change commits and clears while the read is under way.
        cache.changed_all();
        cache.remember("a", Some(1), start);

        assert_eq!(cache.get(&"a"), None);
    }
}
