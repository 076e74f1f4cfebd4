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
