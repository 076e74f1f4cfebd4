//! TCP connect scan with adaptive concurrency and bounded retries.
//!
//! No raw sockets: a full `connect()` per port, so no privileges are needed.
//! The window of simultaneous attempts starts small, grows while ports
//! answer (open or refused) and halves when attempts time out, which is how
//! an overloaded embedded stack shows itself. Ports that timed out are tried
//! again, at most `retries` times, with a smaller window.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::limiter::Limiter;

/// What one connection attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortState {
    Open,
    Closed,
    /// No answer within the timeout (filtered, or the host is overloaded).
    Silent,
}

/// Result of a scan of one host.
#[derive(Debug, Default)]
pub(crate) struct ScanResult {
    pub(crate) open: Vec<u16>,
    /// Ports still silent after every retry.
    pub(crate) silent: Vec<u16>,
    /// Whether the deadline stopped the scan early.
    pub(crate) stopped_by_deadline: bool,
    pub(crate) largest_window: usize,
}

/// Scan `ports` on `ip`.
pub(crate) async fn tcp_scan(
    ip: IpAddr,
    ports: &[u16],
    limiter: &Limiter,
    max_window: usize,
    timeout: Duration,
    retries: u8,
    deadline: Instant,
) -> ScanResult {
    let mut result = ScanResult::default();
    let mut pending: Vec<u16> = ports.to_vec();
    let mut window = 64.min(max_window).max(1);
    for round in 0..=retries {
        if pending.is_empty() {
            break;
        }
        if round > 0 {
            window = (window / 4).max(1);
        }
        let mut silent = Vec::new();
        let mut queue = pending.into_iter();
        let mut tasks: JoinSet<(u16, PortState)> = JoinSet::new();
        let mut answered_since_adjust = 0usize;
        let mut silent_since_adjust = 0usize;
        loop {
            if Instant::now() >= deadline {
                result.stopped_by_deadline = true;
                tasks.abort_all();
                silent.extend(queue.by_ref());
                break;
            }
            while tasks.len() < window {
                let Some(port) = queue.next() else { break };
                let limiter = limiter.clone();
                tasks.spawn(async move { (port, connect_once(ip, port, &limiter, timeout).await) });
            }
            result.largest_window = result.largest_window.max(window);
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let Ok((port, state)) = joined else { continue };
            match state {
                PortState::Open => {
                    result.open.push(port);
                    answered_since_adjust += 1;
                }
                PortState::Closed => answered_since_adjust += 1,
                PortState::Silent => {
                    silent.push(port);
                    silent_since_adjust += 1;
                }
            }
            // Adapt the window every 64 results.
            if answered_since_adjust + silent_since_adjust >= 64 {
                if silent_since_adjust * 4 > answered_since_adjust {
                    window = (window / 2).max(8);
                } else {
                    window = (window + window / 2).min(max_window).max(1);
                }
                answered_since_adjust = 0;
                silent_since_adjust = 0;
            }
        }
        pending = silent;
        if result.stopped_by_deadline {
            break;
        }
    }
    result.open.sort_unstable();
    pending.sort_unstable();
    result.silent = pending;
    result
}

async fn connect_once(ip: IpAddr, port: u16, limiter: &Limiter, timeout: Duration) -> PortState {
    let Some(_permit) = limiter.acquire().await else {
        return PortState::Silent;
    };
    match tokio::time::timeout(timeout, TcpStream::connect(SocketAddr::new(ip, port))).await {
        Ok(Ok(stream)) => {
            // Close with RST so a full sweep leaves no TIME_WAIT pile.
            let _ = stream.set_zero_linger();
            PortState::Open
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => PortState::Closed,
        Ok(Err(_)) | Err(_) => PortState::Silent,
    }
}
