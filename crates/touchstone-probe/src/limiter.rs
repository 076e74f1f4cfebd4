//! The per-host connection cap and rate limit every connection goes through.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Caps simultaneous connections to one host and paces new ones.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    slots: Arc<Semaphore>,
    next: Arc<Mutex<Instant>>,
    interval: Duration,
    opened: Arc<AtomicU64>,
}

impl Limiter {
    pub(crate) fn new(max_connections: usize, per_second: u32) -> Limiter {
        let interval = if per_second == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs(1) / per_second
        };
        Limiter {
            slots: Arc::new(Semaphore::new(max_connections.max(1))),
            next: Arc::new(Mutex::new(Instant::now())),
            interval,
            opened: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A limiter with its own cap of simultaneous connections that shares
    /// this one's rate and counter: one host gets one per-second rate for
    /// all its traffic (the scan, payload probes, UDP), whatever the cap of
    /// each kind.
    pub(crate) fn with_cap(&self, max_connections: usize) -> Limiter {
        Limiter {
            slots: Arc::new(Semaphore::new(max_connections.max(1))),
            next: Arc::clone(&self.next),
            interval: self.interval,
            opened: Arc::clone(&self.opened),
        }
    }

    /// Wait for a free connection slot and for the rate limit, then count
    /// one opened connection. Hold the permit while the connection is open.
    pub(crate) async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        let permit = Arc::clone(&self.slots).acquire_owned().await.ok()?;
        if !self.interval.is_zero() {
            let at = {
                let mut next = self.next.lock().await;
                let now = Instant::now();
                let at = (*next).max(now);
                *next = at + self.interval;
                at
            };
            tokio::time::sleep_until(at).await;
        }
        self.opened.fetch_add(1, Ordering::Relaxed);
        Some(permit)
    }

    /// Connections opened so far (TCP connects and UDP probe sockets).
    pub(crate) fn opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two limiters of one host share the rate: 20 connections at 100 per
    /// second, split over both, need the time of 20, not of 10.
    #[tokio::test]
    async fn caps_are_separate_and_the_rate_is_shared() {
        let scan = Limiter::new(16, 100);
        let probe = scan.with_cap(2);
        let start = Instant::now();
        let mut held = Vec::new();
        for i in 0..20 {
            let l = if i % 2 == 0 { &scan } else { &probe };
            let permit = l.acquire().await;
            assert!(permit.is_some());
            if i % 2 == 0 {
                held.push(permit);
            }
        }
        // The 20th connection may start 19 intervals after the first.
        assert!(start.elapsed() >= Duration::from_millis(190));
        assert_eq!(scan.opened(), 20);
        assert_eq!(probe.opened(), 20);
        // The probe cap is its own: 2 slots, both free again.
        assert_eq!(probe.slots.available_permits(), 2);
        assert_eq!(scan.slots.available_permits(), 16 - held.len());
    }
}
