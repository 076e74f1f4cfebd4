//! The assessor workbench behind `touchstone serve`: server-rendered pages
//! (maud, escaped by construction) over the store, with a little plain
//! JavaScript and every asset embedded in the binary.
//!
//! Pages: the assessments list with a new assessment (the templates of
//! `touchstone init`) or an import of a project directory (`/`), an assessment's dashboard (`/a/ID`), its test-case queue with
//! filters (`/a/ID/queue`), a test case with its record form and attachment
//! upload (`/a/ID/tc/CASE`), review and sign-off (`/a/ID/review`), report
//! downloads in every format of `touchstone-report` (`/a/ID/report.FMT`),
//! accounts (`/users`), login and first-run set-up (`/login`, `/setup`).
//!
//! **Security.**
//! - Loopback only: [`check_listen`] refuses any other address, because
//!   this version has no TLS of its own (put a TLS reverse proxy in front
//!   for a lab network, listening on loopback behind it).
//! - Accounts with argon2 password hashes (the store keeps only the PHC
//!   string); on a store without accounts a set-up token is made at start,
//!   printed once by the caller, and creates the first admin.
//! - Sessions: a random 256-bit id in a cookie `HttpOnly; SameSite=Strict;
//!   Path=/` (no `Secure`: there is no TLS), kept in memory (a restart logs
//!   everyone out), rotated at login. Five failed logins lock a login for
//!   15 minutes (in memory too).
//! - Every form carries the session's CSRF token; a POST without the right
//!   one is refused (403) before anything else happens.
//! - Roles: `assessor` records verdicts and imports, `reviewer` reviews and
//!   signs off, `admin` does both and manages accounts. The store checks the
//!   sign-off rules again (a second person; frozen afterwards).
//! - Uploads are streamed to a temporary file with a size limit
//!   ([`Options::upload_limit`], 413 above it) and then hashed into the
//!   store; names are one plain component of `[A-Za-z0-9._-]` not starting
//!   with a dot, anything else is refused.
//! - All SQL is the store's (bound parameters only); all text, device text
//!   included, reaches the page through maud's escaping.
//!
//! **Architecture invariant:** the web layer only calls the store, the engine
//! (through the store's evaluation), the catalogue and the report crate; it
//! has no verdict rules and touches no file other than its temporaries (uploads,
//! and the templates of a new assessment before the store imports them).

mod auth;
mod pages;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use touchstone_store::Store;

pub use auth::{hash_password, verify_password};

/// Settings of the workbench.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest attachment accepted, in bytes.
    pub upload_limit: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            upload_limit: 16 << 20,
        }
    }
}

/// Why the workbench could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The listen address is not loopback.
    #[error(
        "refusing to listen on {0}: this version serves loopback only (127.0.0.1 or ::1) because it has no TLS of its own; \
         put a TLS reverse proxy in front for a lab network"
    )]
    NotLoopback(SocketAddr),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] touchstone_store::StoreError),
    /// The socket failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Refuse any listen address but loopback.
pub fn check_listen(addr: SocketAddr) -> Result<(), WebError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(WebError::NotLoopback(addr))
    }
}

pub(crate) struct AppState {
    pub(crate) store: Store,
    pub(crate) options: Options,
    pub(crate) sessions: Mutex<auth::Sessions>,
    pub(crate) throttle: Mutex<auth::Throttle>,
    pub(crate) setup_token: Mutex<Option<String>>,
}

pub(crate) type Shared = Arc<AppState>;

/// The workbench: its router and, when the store has no account yet, the
/// one-time set-up token that creates the first admin (print it once).
#[derive(Debug)]
pub struct App {
    /// The routes.
    pub router: Router,
    /// The set-up token, on a store without accounts.
    pub setup_token: Option<String>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// Build the workbench over `store`.
pub async fn app(store: Store, options: Options) -> Result<App, WebError> {
    let setup_token = (store.account_count().await? == 0).then(auth::random_token);
    let limit = usize::try_from(options.upload_limit)
        .unwrap_or(usize::MAX)
        .saturating_add(64 << 10);
    let state = Arc::new(AppState {
        store,
        options,
        sessions: Mutex::new(auth::Sessions::default()),
        throttle: Mutex::new(auth::Throttle::default()),
        setup_token: Mutex::new(setup_token.clone()),
    });
    let router = Router::new()
        .route("/", get(pages::list))
        .route("/import", post(pages::import))
        .route("/new", post(pages::create))
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/setup", get(pages::setup_page).post(pages::setup))
        .route("/users", get(pages::users).post(pages::create_user))
        .route("/static/style.css", get(pages::style))
        .route("/static/app.js", get(pages::script))
        .route("/a/{id}", get(pages::dashboard))
        .route("/a/{id}/queue", get(pages::queue))
        .route(
            "/a/{id}/findings",
            post(pages::add_findings).layer(DefaultBodyLimit::max(limit)),
        )
        .route(
            "/a/{id}/tc/{case}",
            get(pages::case_page)
                .post(pages::save_case)
                .layer(DefaultBodyLimit::max(limit)),
        )
        .route(
            "/a/{id}/edit/{which}",
            get(pages::editor)
                .post(pages::save_editor)
                .layer(DefaultBodyLimit::max(8 << 20)),
        )
        .route("/a/{id}/review", get(pages::review_page))
        .route("/a/{id}/signoff", post(pages::signoff))
        .route("/a/{id}/reopen", post(pages::reopen))
        .route("/a/{id}/report/{file}", get(pages::report))
        .fallback(pages::not_found)
        .with_state(state);
    Ok(App {
        router,
        setup_token,
    })
}

/// Serve `router` on `listener` until the process ends.
pub async fn run(listener: tokio::net::TcpListener, router: Router) -> Result<(), WebError> {
    check_listen(listener.local_addr()?)?;
    axum::serve(listener, router).await?;
    Ok(())
}
