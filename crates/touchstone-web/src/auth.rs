//! Accounts, sessions and CSRF tokens.
//!
//! A session exists from the first page on (anonymous until login), so the
//! login and set-up forms carry a CSRF token like every other form. Its id
//! is 256 random bits in the cookie `ts_session`; logging in replaces the
//! id. Sessions live in memory, at most [`MAX_SESSIONS`] (the oldest
//! anonymous ones go first), for [`SESSION_TTL`] since last use.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use axum::http::HeaderMap;
use rand::RngCore as _;
use touchstone_store::UserRole;

/// Sessions kept at once.
pub(crate) const MAX_SESSIONS: usize = 10_000;
/// A session ends after this long unused.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// The cookie's name.
pub(crate) const COOKIE: &str = "ts_session";

/// 32 random bytes, hex.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// An argon2id PHC string for `password` with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).ok().is_some_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Equal in time independent of where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user: Option<(String, UserRole)>,
    pub(crate) csrf: String,
    last: Instant,
}

#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_id: HashMap<String, Session>,
}

impl Sessions {
    /// The live session of `id`, touched.
    pub(crate) fn get(&mut self, id: &str) -> Option<Session> {
        let now = Instant::now();
        let s = self.by_id.get_mut(id)?;
        if now.duration_since(s.last) > SESSION_TTL {
            self.by_id.remove(id);
            return None;
        }
        s.last = now;
        Some(s.clone())
    }

    /// A new session; returns its id.
    pub(crate) fn create(&mut self, user: Option<(String, UserRole)>) -> (String, Session) {
        if self.by_id.len() >= MAX_SESSIONS {
            let now = Instant::now();
            self.by_id
                .retain(|_, s| s.user.is_some() && now.duration_since(s.last) <= SESSION_TTL);
        }
        let id = random_token();
        let s = Session {
            user,
            csrf: random_token(),
            last: Instant::now(),
        };
        self.by_id.insert(id.clone(), s.clone());
        (id, s)
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.by_id.remove(id);
    }
}

/// The session cookie's value in the request, if any.
pub(crate) fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// The `Set-Cookie` value for session `id`.
pub(crate) fn set_cookie(id: &str) -> String {
    format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/")
}

/// Failed logins allowed per login within [`LOCKOUT`] before it is locked.
pub(crate) const MAX_FAILURES: u32 = 5;
/// How long a login stays locked after too many failures.
pub(crate) const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// Failed logins per login name (bounded: names without an account count too,
/// so the map is capped at [`MAX_SESSIONS`] entries, oldest dropped).
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    failures: HashMap<String, (u32, Instant)>,
}

impl Throttle {
    /// Whether `login` may try now.
    pub(crate) fn allowed(&mut self, login: &str) -> bool {
        match self.failures.get(login) {
            Some((_, since)) if since.elapsed() > LOCKOUT => {
                self.failures.remove(login);
                true
            }
            Some((n, _)) => *n < MAX_FAILURES,
            None => true,
        }
    }

    pub(crate) fn failed(&mut self, login: &str) {
        if self.failures.len() >= MAX_SESSIONS
            && !self.failures.contains_key(login)
            && let Some(oldest) = self
                .failures
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(k, _)| k.clone())
        {
            self.failures.remove(&oldest);
        }
        let e = self
            .failures
            .entry(login.to_owned())
            .or_insert((0, Instant::now()));
        e.0 += 1;
    }

    pub(crate) fn succeeded(&mut self, login: &str) {
        self.failures.remove(login);
    }
}
