//! The pages and form handlers. Every page is a maud template (text is
//! escaped by construction); every POST checks the session's CSRF token
//! first, then the role, then calls the store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path as FsPath;

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use tokio::io::AsyncWriteExt as _;
use touchstone_core::{Supports, Verdict};
use touchstone_engine::{Assessment, CaseResult};
use touchstone_store::{
    AssessmentRow, Declaration, NewAttachment, RecordInput, SignoffRole, StoreError, UserRole,
};

use crate::Shared;
use crate::auth::{self, Session};

const SCRIPT: &str = include_str!("app.js");
const EXTRA_STYLE: &str = include_str!("app.css");
/// Longest rationale accepted.
const MAX_NOTES: usize = 20_000;

// ---------------------------------------------------------------- context

/// The request's session (created anonymous when missing).
pub(crate) struct Ctx {
    sid: String,
    session: Session,
    new_cookie: bool,
}

impl Ctx {
    fn user(&self) -> Option<&(String, UserRole)> {
        self.session.user.as_ref()
    }
}

fn ctx(state: &Shared, headers: &HeaderMap) -> Ctx {
    let mut sessions = state
        .sessions
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(id) = auth::cookie(headers)
        && let Some(s) = sessions.get(&id)
    {
        return Ctx {
            sid: id,
            session: s,
            new_cookie: false,
        };
    }
    let (sid, session) = sessions.create(None);
    Ctx {
        sid,
        session,
        new_cookie: true,
    }
}

/// A finished response: the page, with the cookie when the session is new.
fn respond(ctx: &Ctx, status: StatusCode, body: Markup) -> Response {
    let mut r = (status, axum::response::Html(body.into_string())).into_response();
    headers_of(ctx, &mut r);
    r
}

fn headers_of(ctx: &Ctx, r: &mut Response) {
    if ctx.new_cookie
        && let Ok(v) = HeaderValue::from_str(&auth::set_cookie(&ctx.sid))
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

fn redirect(ctx: &Ctx, to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    headers_of(ctx, &mut r);
    r
}

/// A refusal or failure as a page.
fn problem(ctx: &Ctx, status: StatusCode, message: &str) -> Response {
    respond(
        ctx,
        status,
        layout(
            ctx,
            status.canonical_reason().unwrap_or("Error"),
            html! { p.msg.bad { (message) } },
        ),
    )
}

fn store_problem(ctx: &Ctx, e: &StoreError) -> Response {
    let status = match e {
        StoreError::NotFound(_) => StatusCode::NOT_FOUND,
        StoreError::Conflict(_) | StoreError::Frozen(_) => StatusCode::CONFLICT,
        StoreError::Refused(_) => StatusCode::FORBIDDEN,
        StoreError::InvalidProject(_) | StoreError::Io(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut text = e.to_string();
    if let StoreError::InvalidProject(diags) = e {
        for d in diags.iter().filter(|d| d.is_error()) {
            text.push_str(&format!("\n{}: {}", d.file, d.message));
        }
    }
    problem(ctx, status, &text)
}

/// The logged-in user with one of `roles`, or the response that refuses.
fn require(ctx: &Ctx, roles: &[UserRole]) -> Result<String, Response> {
    match ctx.user() {
        None => Err(redirect(ctx, "/login")),
        Some((login, role)) if roles.contains(role) => Ok(login.clone()),
        Some((login, role)) => Err(problem(
            ctx,
            StatusCode::FORBIDDEN,
            &format!(
                "{login} has the role {}; this needs {}",
                role.as_str(),
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        )),
    }
}

const ANYONE: &[UserRole] = &[UserRole::Assessor, UserRole::Reviewer, UserRole::Admin];
const ASSESSORS: &[UserRole] = &[UserRole::Assessor, UserRole::Admin];
const REVIEWERS: &[UserRole] = &[UserRole::Reviewer, UserRole::Admin];

fn csrf_ok(ctx: &Ctx, token: &str) -> Result<(), Response> {
    if auth::same(token, &ctx.session.csrf) {
        Ok(())
    } else {
        Err(problem(
            ctx,
            StatusCode::FORBIDDEN,
            "the form's CSRF token is missing or stale: reload the page and submit again",
        ))
    }
}

fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.session.csrf); }
}

fn layout(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · Touchstone" }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/app.js" defer {}
            }
            body {
                nav.top {
                    a href="/" { "Touchstone workbench" }
                    @if let Some((login, role)) = ctx.user() {
                        @if *role == UserRole::Admin { a href="/users" { "Accounts" } }
                        span.who { (login) " (" (role.as_str()) ")" }
                        form.inline method="post" action="/logout" {
                            (csrf_field(ctx))
                            button type="submit" id="logout" { "Log out" }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

// ---------------------------------------------------------------- assets

pub(crate) async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        format!("{}\n{EXTRA_STYLE}", touchstone_report::html::STYLE),
    )
        .into_response()
}

pub(crate) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

pub(crate) async fn not_found(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let ctx = ctx(&state, &headers);
    problem(&ctx, StatusCode::NOT_FOUND, "no such page")
}

// ---------------------------------------------------------------- login

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

fn login_form(ctx: &Ctx, message: Option<&str>) -> Markup {
    layout(
        ctx,
        "Log in",
        html! {
            @if let Some(m) = message { p.msg.bad { (m) } }
            form method="post" action="/login" {
                (csrf_field(ctx))
                label { "Login " input type="text" name="login" id="login" autocomplete="username" required; }
                label { "Password " input type="password" name="password" id="password" autocomplete="current-password" required; }
                button type="submit" id="login-submit" { "Log in" }
            }
            p { "First run? " a href="/setup" { "Create the first admin with the set-up token" } "." }
        },
    )
}

pub(crate) async fn login_page(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let ctx = ctx(&state, &headers);
    respond(&ctx, StatusCode::OK, login_form(&ctx, None))
}

/// Replace the session by a logged-in one (a new id: no fixation).
fn log_in(state: &Shared, ctx: &Ctx, login: String, role: UserRole) -> Response {
    let mut sessions = state
        .sessions
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    sessions.remove(&ctx.sid);
    let (sid, session) = sessions.create(Some((login, role)));
    drop(sessions);
    let fresh = Ctx {
        sid,
        session,
        new_cookie: true,
    };
    redirect(&fresh, "/")
}

pub(crate) async fn login(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    let allowed = state
        .throttle
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .allowed(&form.login);
    if !allowed {
        return respond(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            login_form(
                &ctx,
                Some("Too many failed logins for this login: try again in 15 minutes."),
            ),
        );
    }
    let account = match state.store.account(&form.login).await {
        Ok(a) => a,
        Err(e) => return store_problem(&ctx, &e),
    };
    let password = form.password.clone();
    let verified = match account {
        Some((role, hash)) => {
            tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
                .await
                .unwrap_or(false)
                .then_some(role)
        }
        None => None,
    };
    let mut throttle = state
        .throttle
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match verified {
        Some(role) => {
            throttle.succeeded(&form.login);
            drop(throttle);
            log_in(&state, &ctx, form.login, role)
        }
        None => {
            throttle.failed(&form.login);
            drop(throttle);
            respond(
                &ctx,
                StatusCode::UNAUTHORIZED,
                login_form(&ctx, Some("Unknown login or wrong password.")),
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn logout(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    state
        .sessions
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&ctx.sid);
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/login"));
    r
}

#[derive(Debug, Deserialize)]
pub(crate) struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn setup_page(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let ctx = ctx(&state, &headers);
    let body = html! {
        p { "The set-up token was printed once when the workbench started on a store without accounts." }
        form method="post" action="/setup" {
            (csrf_field(&ctx))
            label { "Set-up token " input type="password" name="token" id="token" required; }
            label { "Admin login " input type="text" name="login" id="login" required; }
            label { "Password (12 characters or more) " input type="password" name="password" id="password" minlength="12" required; }
            button type="submit" id="setup-submit" { "Create the admin" }
        }
    };
    respond(&ctx, StatusCode::OK, layout(&ctx, "First run", body))
}

pub(crate) async fn setup(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    let token_ok = {
        let mut slot = state
            .setup_token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let ok = slot.as_deref().is_some_and(|t| auth::same(t, &form.token));
        if ok && form.password.chars().count() >= 12 {
            *slot = None;
        }
        ok
    };
    if !token_ok {
        return problem(
            &ctx,
            StatusCode::FORBIDDEN,
            "wrong or used set-up token (it works once, on a store without accounts)",
        );
    }
    if form.password.chars().count() < 12 {
        return problem(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the password needs 12 characters or more",
        );
    }
    if let Err(r) = create_account(&ctx, &state, &form.login, UserRole::Admin, &form.password).await
    {
        return r;
    }
    log_in(&state, &ctx, form.login, UserRole::Admin)
}

async fn create_account(
    ctx: &Ctx,
    state: &Shared,
    login: &str,
    role: UserRole,
    password: &str,
) -> Result<(), Response> {
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| problem(ctx, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?
        .map_err(|e| problem(ctx, StatusCode::INTERNAL_SERVER_ERROR, &e))?;
    let actor = ctx.user().map_or(login, |u| u.0.as_str());
    state
        .store
        .set_password_hash(login, role, &hash, actor)
        .await
        .map_err(|e| store_problem(ctx, &e))
}

// ---------------------------------------------------------------- accounts

#[derive(Debug, Deserialize)]
pub(crate) struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn users(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = require(&ctx, &[UserRole::Admin]) {
        return r;
    }
    let accounts = match state.store.accounts().await {
        Ok(a) => a,
        Err(e) => return store_problem(&ctx, &e),
    };
    let body = html! {
        table {
            thead { tr { th { "Login" } th { "Role" } } }
            tbody { @for (login, role) in &accounts { tr { td { (login) } td { (role) } } } }
        }
        h2 { "New account" }
        form method="post" action="/users" {
            (csrf_field(&ctx))
            label { "Login " input type="text" name="login" id="new-login" required pattern="[A-Za-z0-9._-]{1,64}"; }
            label { "Role " select name="role" id="new-role" {
                option value="assessor" { "assessor" }
                option value="reviewer" { "reviewer" }
                option value="admin" { "admin" }
            } }
            label { "Password (12 characters or more) " input type="password" name="password" id="new-password" minlength="12" required; }
            button type="submit" id="new-user" { "Create" }
        }
    };
    respond(&ctx, StatusCode::OK, layout(&ctx, "Accounts", body))
}

pub(crate) async fn create_user(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<UserForm>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    if let Err(r) = require(&ctx, &[UserRole::Admin]) {
        return r;
    }
    let Some(role) = UserRole::parse(&form.role) else {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "unknown role");
    };
    if form.password.chars().count() < 12 {
        return problem(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the password needs 12 characters or more",
        );
    }
    if let Err(r) = create_account(&ctx, &state, &form.login, role, &form.password).await {
        return r;
    }
    redirect(&ctx, "/users")
}

// ---------------------------------------------------------------- list

fn pct(c: Option<f64>) -> String {
    c.map_or_else(|| "–".to_owned(), |c| format!("{c:.0} %"))
}

fn verdict_class(v: &str) -> &'static str {
    match v {
        "pass" | "PASS" => "wb-pass",
        "fail" | "FAIL" => "wb-fail",
        "needs-manual" => "wb-manual",
        _ => "wb-other",
    }
}

pub(crate) async fn list(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let ctx = ctx(&state, &headers);
    let role = match require(&ctx, ANYONE) {
        Ok(_) => ctx.user().map(|u| u.1),
        Err(r) => return r,
    };
    let rows = match state.store.list_assessments().await {
        Ok(r) => r,
        Err(e) => return store_problem(&ctx, &e),
    };
    let body = html! {
        table #assessments {
            thead { tr { th { "Assessment" } th { "Product" } th { "Firmware" } th { "Edition" } th { "Overall" } th { "Coverage" } th { "State" } th { "Last change" } } }
            tbody {
                @for a in &rows {
                    tr {
                        td { a href={ "/a/" (a.id) } { (a.name) } }
                        td { (a.maker) " " (a.model) }
                        td { (a.firmware_version) }
                        td { (a.edition) }
                        td class=(verdict_class(&a.overall)) { (a.overall) }
                        td { (pct(a.coverage)) }
                        td { (a.state) }
                        td { (a.updated_at) }
                    }
                }
            }
        }
        @if rows.is_empty() { p { "No assessment yet." } }
        @if matches!(role, Some(UserRole::Assessor | UserRole::Admin)) {
            h2 { "New assessment" }
            form method="post" action="/new" {
                (csrf_field(&ctx))
                label { "Maker " input type="text" name="maker" id="new-maker" required; }
                label { "Model " input type="text" name="model" id="new-model" required; }
                label { "Hardware version " input type="text" name="hardware_version" id="new-hw" required; }
                label { "Firmware version " input type="text" name="firmware_version" id="new-fw" required; }
                label { "EN 303 645 edition " select name="edition" id="new-edition" {
                    @for e in touchstone_catalog::Edition::ALL { option value=(e.version()) { (e.version()) } }
                } }
                button type="submit" id="new-submit" { "Create" }
            }
            h2 { "Import a project directory" }
            form method="post" action="/import" {
                (csrf_field(&ctx))
                label { "Directory on the server " input type="text" name="dir" id="import-dir" size="60" required; }
                button type="submit" id="import-submit" { "Import" }
            }
        }
    };
    respond(&ctx, StatusCode::OK, layout(&ctx, "Assessments", body))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ImportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    dir: String,
}

pub(crate) async fn import(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<ImportForm>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    let login = match require(&ctx, ASSESSORS) {
        Ok(l) => l,
        Err(r) => return r,
    };
    match state
        .store
        .import_project(FsPath::new(form.dir.trim()), &login)
        .await
    {
        Ok(imported) => redirect(&ctx, &format!("/a/{}", imported.id)),
        Err(e) => store_problem(&ctx, &e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    maker: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    hardware_version: String,
    #[serde(default)]
    firmware_version: String,
    #[serde(default)]
    edition: String,
}

/// A directory name from free text: lowercase letters, digits and `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "assessment".to_owned()
    } else {
        out
    }
}

/// A new assessment: the templates of `touchstone init` (claiming nothing),
/// written to a temporary directory and imported like any project.
pub(crate) async fn create(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<NewForm>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    let login = match require(&ctx, ASSESSORS) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(edition) = touchstone_catalog::Edition::parse(&form.edition) else {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "unknown edition");
    };
    let fields = [
        &form.maker,
        &form.model,
        &form.hardware_version,
        &form.firmware_version,
    ];
    if fields.iter().any(|f| f.trim().is_empty() || f.len() > 200) {
        return problem(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "maker, model, hardware and firmware version are each 1 to 200 characters",
        );
    }
    let catalog = match touchstone_catalog::Catalog::embedded() {
        Ok(c) => c,
        Err(e) => return problem(&ctx, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let device = touchstone_project::Device {
        maker: form.maker.trim().to_owned(),
        model: form.model.trim().to_owned(),
        hardware_version: form.hardware_version.trim().to_owned(),
        firmware_version: form.firmware_version.trim().to_owned(),
        description: None,
        product_page: None,
    };
    let files = touchstone_project::scaffold::scaffold(catalog, edition, &device);
    let written = (|| -> std::io::Result<(tempfile::TempDir, std::path::PathBuf)> {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join(slug(&format!(
            "{} {}",
            device.model, device.firmware_version
        )));
        std::fs::create_dir(&dir)?;
        for (name, text) in &files {
            std::fs::write(dir.join(name), text)?;
        }
        Ok((tmp, dir))
    })();
    let (_tmp, dir) = match written {
        Ok(w) => w,
        Err(e) => return problem(&ctx, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    match state.store.import_project(&dir, &login).await {
        Ok(imported) => redirect(&ctx, &format!("/a/{}", imported.id)),
        Err(e) => store_problem(&ctx, &e),
    }
}

// ---------------------------------------------------------------- assessment

struct Loaded {
    row: AssessmentRow,
    ev: touchstone_store::Evaluated,
}

async fn load(state: &Shared, ctx: &Ctx, id: &str) -> Result<Loaded, Response> {
    let rows = state
        .store
        .list_assessments()
        .await
        .map_err(|e| store_problem(ctx, &e))?;
    let row = rows
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| problem(ctx, StatusCode::NOT_FOUND, "no such assessment"))?;
    let ev = state
        .store
        .evaluate(id)
        .await
        .map_err(|e| store_problem(ctx, &e))?;
    Ok(Loaded { row, ev })
}

fn cases(
    a: &Assessment,
) -> impl Iterator<Item = (&touchstone_engine::ProvisionResult, &CaseResult)> {
    a.provisions
        .iter()
        .flat_map(|p| p.cases.iter().map(move |c| (p, c)))
}

fn kind_of(c: &CaseResult) -> String {
    format!("{:?}", c.kind).to_lowercase()
}

fn sub_nav(id: &str, row: &AssessmentRow) -> Markup {
    html! {
        p.sub {
            a href={ "/a/" (id) } { "Dashboard" } " · "
            a href={ "/a/" (id) "/queue" } { "Test cases" } " · "
            a href={ "/a/" (id) "/edit/ics" } { "ICS" } " · "
            a href={ "/a/" (id) "/edit/ixit" } { "IXIT" } " · "
            a href={ "/a/" (id) "/review" } { "Review, sign-off and reports" }
            " · " span class={ "state-" (row.state) } { "state: " (row.state) }
        }
    }
}

/// One horizontal bar per category: PASS, FAIL, waiting for a person, other.
fn chart(a: &Assessment) -> Markup {
    let rows = a.categories.len();
    let height = rows * 22 + 10;
    html! {
        svg.chart width="640" height=(height) role="img" aria-label="Test cases per category" {
            @for (i, c) in a.categories.iter().enumerate() {
                @let t = &c.cases;
                @let total = t.applicable().max(1) as f64;
                @let y = i * 22 + 4;
                @let pass = 400.0 * t.pass as f64 / total;
                @let fail = 400.0 * t.fail as f64 / total;
                @let manual = 400.0 * t.needs_manual as f64 / total;
                @let rest = (400.0 - pass - fail - manual).max(0.0);
                text x="0" y=(y + 13) font-size="12" { (c.id) " " (c.title.chars().take(26).collect::<String>()) }
                rect x="230" y=(y) width=(format!("{pass:.1}")) height="16" class="b-pass" { title { "PASS " (t.pass) } }
                rect x=(format!("{:.1}", 230.0 + pass)) y=(y) width=(format!("{fail:.1}")) height="16" class="b-fail" { title { "FAIL " (t.fail) } }
                rect x=(format!("{:.1}", 230.0 + pass + fail)) y=(y) width=(format!("{manual:.1}")) height="16" class="b-manual" { title { "needs a person " (t.needs_manual) } }
                rect x=(format!("{:.1}", 230.0 + pass + fail + manual)) y=(y) width=(format!("{rest:.1}")) height="16" class="b-other" { title { "other" } }
            }
        }
    }
}

pub(crate) async fn dashboard(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = require(&ctx, ANYONE) {
        return r;
    }
    let Loaded { row, ev } = match load(&state, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let a = &ev.assessment;
    let waiting: Vec<_> = cases(a)
        .filter(|(_, c)| c.verdict == Verdict::NeedsManual)
        .collect();
    let t = &a.overall.cases;
    let body = html! {
        (sub_nav(&id, &row))
        table.kv {
            tr { td { "Product" } td { (row.maker) " " (row.model) " (hardware " (row.hardware_version) ")" } }
            tr { td { "Firmware" } td { (row.firmware_version) } }
            tr { td { "Edition" } td { (row.edition) } }
            tr { td { "Overall" } td class=(verdict_class(a.overall.verdict.as_str())) id="overall" { (a.overall.verdict.label()) } }
            tr { td { "Coverage" } td id="coverage" { (pct(a.coverage())) " of " (t.applicable()) " applicable test cases evaluated" } }
            tr { td { "Test cases" } td { "PASS " (t.pass) " · FAIL " (t.fail) " · needs a person " (t.needs_manual) " · inconclusive " (t.inconclusive) " · not run " (t.not_run) } }
        }
        h2 { "By category" }
        (chart(a))
        @if row.state == "open" && matches!(ctx.user(), Some((_, UserRole::Assessor | UserRole::Admin))) {
            h2 { "Add a findings file" }
            form #findings-form method="post" enctype="multipart/form-data" action={ "/a/" (id) "/findings" } {
                (csrf_field(&ctx))
                input type="hidden" name="version" value=(row.version);
                label.drop { "touchstone.findings/v1 JSON from a scan, a probe or another tool "
                    input type="file" name="file" id="findings-file" accept=".json,application/json" required; }
                button type="submit" id="findings-submit" { "Add and evaluate" }
            }
        }
        h2 { "What to do next" }
        h3 { "Contradictions to settle (" (a.unsettled.len()) ")" }
        @if a.unsettled.is_empty() { p { "None." } }
        ul #unsettled { @for c in &a.unsettled { li { a href={ "/a/" (id) "/tc/" (c) } { (c) } } } }
        h3 { "Test cases waiting for a person (" (waiting.len()) ")" }
        ul #waiting {
            @for (p, c) in &waiting {
                li { a href={ "/a/" (id) "/tc/" (c.id) } { (c.id) } " — " (p.title) " (" (kind_of(c)) ")" }
            }
        }
    };
    respond(&ctx, StatusCode::OK, layout(&ctx, &row.name, body))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueFilter {
    #[serde(default)]
    category: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    assessor: String,
}

pub(crate) async fn queue(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(f): Query<QueueFilter>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = require(&ctx, ANYONE) {
        return r;
    }
    let Loaded { row, ev } = match load(&state, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let records = match state.store.records(&id).await {
        Ok(r) => r,
        Err(e) => return store_problem(&ctx, &e),
    };
    let mut assessors: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &records {
        assessors
            .entry(r.test_case.as_str())
            .or_default()
            .insert(r.assessor.as_str());
    }
    let all_assessors: BTreeSet<&str> = records.iter().map(|r| r.assessor.as_str()).collect();
    let a = &ev.assessment;
    let shown: Vec<_> = cases(a)
        .filter(|(p, c)| {
            (f.category.is_empty() || p.category == f.category)
                && (f.state.is_empty() || c.verdict.as_str() == f.state)
                && (f.kind.is_empty() || kind_of(c) == f.kind)
                && (f.assessor.is_empty()
                    || assessors
                        .get(c.id.as_str())
                        .is_some_and(|s| s.contains(f.assessor.as_str())))
        })
        .collect();
    let states = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::NeedsManual,
        Verdict::Inconclusive,
        Verdict::NotApplicable,
        Verdict::NotImplemented,
        Verdict::NotRun,
        Verdict::Error,
    ];
    let body = html! {
        (sub_nav(&id, &row))
        form.filters method="get" {
            label { "Category " select name="category" id="f-category" {
                option value="" { "all" }
                @for c in &a.categories { option value=(c.id) selected[f.category == c.id] { (c.id) " " (c.title) } }
            } }
            label { "State " select name="state" id="f-state" {
                option value="" { "all" }
                @for v in states { option value=(v.as_str()) selected[f.state == v.as_str()] { (v.label()) } }
            } }
            label { "Kind " select name="kind" id="f-kind" {
                option value="" { "all" }
                @for k in ["conceptual", "functional", "mixed"] { option value=(k) selected[f.kind == k] { (k) } }
            } }
            label { "Assessor " select name="assessor" id="f-assessor" {
                option value="" { "all" }
                @for s in &all_assessors { option value=(s) selected[f.assessor == *s] { (s) } }
            } }
            button type="submit" id="filter" { "Filter" }
        }
        p { (shown.len()) " test case(s)" }
        table #queue {
            thead { tr { th { "Test case" } th { "Provision" } th { "Kind" } th { "Verdict" } th { "Assessor" } th { "Why" } } }
            tbody {
                @for (p, c) in &shown {
                    tr {
                        td { a href={ "/a/" (id) "/tc/" (c.id) } { (c.id) } }
                        td { (p.id) " " (p.title) }
                        td { (kind_of(c)) }
                        td class=(verdict_class(c.verdict.as_str())) { (c.verdict.label()) @if c.unsettled { " ⚠ unsettled" } }
                        td { @if let Some(s) = assessors.get(c.id.as_str()) { (s.iter().copied().collect::<Vec<_>>().join(", ")) } }
                        td { (c.reason) }
                    }
                }
            }
        }
    };
    respond(
        &ctx,
        StatusCode::OK,
        layout(&ctx, &format!("{} — test cases", row.name), body),
    )
}

// ---------------------------------------------------------------- test case

/// What the assessor typed, kept across a refusal or a conflict.
#[derive(Debug, Default, Clone)]
struct Draft {
    verdict: String,
    notes: String,
    units: Vec<String>,
    record: String,
    pending: Option<(String, String)>,
}

struct Message {
    class: &'static str,
    text: String,
}

async fn render_case(
    state: &Shared,
    ctx: &Ctx,
    id: &str,
    case_id: &str,
    draft: Option<Draft>,
    message: Option<Message>,
    status: StatusCode,
) -> Response {
    let Loaded { row, ev } = match load(state, ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let a = &ev.assessment;
    let Some((prov, case)) = cases(a).find(|(_, c)| c.id == case_id) else {
        return problem(
            ctx,
            StatusCode::NOT_FOUND,
            "no such test case in this assessment",
        );
    };
    let verdict_row = state.store.verdict(id, case_id).await.ok();
    let history = state
        .store
        .verdict_history(id, case_id)
        .await
        .unwrap_or_default();
    let records: Vec<_> = match state.store.records(id).await {
        Ok(r) => r.into_iter().filter(|r| r.test_case == case_id).collect(),
        Err(e) => return store_problem(ctx, &e),
    };
    let tables: BTreeSet<&str> = case
        .units
        .iter()
        .flat_map(|u| u.ixit.iter().map(String::as_str))
        .collect();
    let entries: Vec<_> = ev
        .project
        .ixit
        .iter()
        .filter(|e| tables.contains(e.table.as_str()))
        .collect();
    let findings: Vec<_> = case
        .findings
        .iter()
        .filter_map(|i| a.findings.get(*i))
        .collect();
    let can_record = matches!(ctx.user(), Some((_, UserRole::Assessor | UserRole::Admin)))
        && row.state == "open"
        && verdict_row.is_some();
    let draft = draft.unwrap_or_else(|| Draft {
        record: records
            .last()
            .map(|r| format!("{}:{}", r.key, r.version))
            .unwrap_or_default(),
        ..Draft::default()
    });
    let body = html! {
        (sub_nav(id, &row))
        @if let Some(m) = &message { p class={ "msg " (m.class) } id="message" { (m.text) } }
        table.kv {
            tr { td { "Provision" } td { (prov.id) " " (prov.title) } }
            tr { td { "Kind" } td { (kind_of(case)) } }
            tr { td { "Purpose" } td { (case.purpose) } }
            tr { td { "Verdict now" } td class=(verdict_class(case.verdict.as_str())) id="verdict" { (case.verdict.label()) @if case.unsettled { " ⚠ unsettled contradiction" } } }
            tr { td { "Why" } td { (case.reason) } }
        }
        h2 { "Test units" }
        table {
            thead { tr { th { "Unit" } th { "Kind" } th { "IXIT" } th { "Focus" } th { "Verdict" } } }
            tbody { @for u in &case.units { tr {
                td { (u.id) } td { (format!("{:?}", u.kind).to_lowercase()) } td { (u.ixit.join(", ")) }
                td { (u.focus.as_deref().unwrap_or("")) } td class=(verdict_class(u.verdict.as_str())) { (u.verdict.label()) }
            } } }
        }
        h2 { "IXIT entries it refers to" }
        @if entries.is_empty() { p { "None declared." } }
        @for e in &entries {
            details {
                summary { (e.table) " " (e.id.as_deref().unwrap_or("")) " " (e.title.as_deref().unwrap_or("")) }
                table.kv { @for (k, v) in &e.fields { tr { td { (k) } td { (v) } } } }
            }
        }
        h2 { "Automated findings (" (findings.len()) ")" }
        @for f in &findings {
            div.finding {
                p { strong { (f.finding.check) } " · " (format!("{:?}", f.finding.supports).to_lowercase()) " · " (format!("{:?}", f.finding.severity).to_lowercase()) " · from " (f.source) }
                p { (f.finding.message) }
                @if let Some(l) = &f.finding.location { pre { (serde_json::to_string(l).unwrap_or_default()) } }
                @if let Some(e) = &f.finding.evidence { pre { (e) } }
            }
        }
        h2 { "Records" }
        @if records.is_empty() { p { "None yet." } }
        table #records {
            thead { tr { th { "Record" } th { "Verdict" } th { "Units" } th { "Assessor" } th { "Date" } th { "Notes" } th { "Version" } } }
            tbody { @for r in &records { tr {
                td { (r.key) } td class=(verdict_class(&r.verdict)) { (r.verdict) } td { (r.units.join(", ")) }
                td { (r.assessor) } td { (r.date) } td { (r.notes) } td { (r.version) }
            } } }
        }
        @if let Some(v) = &verdict_row {
            h2 { "Verdict history" }
            table {
                thead { tr { th { "Version" } th { "Verdict" } th { "Cause" } th { "By" } th { "At" } } }
                tbody { @for h in &history { tr { td { (h.version) } td { (h.verdict) } td { (h.cause) } td { (h.changed_by) } td { (h.changed_at) } } } }
            }
            @if can_record {
                h2 { "Record a verdict" }
                form #record-form method="post" enctype="multipart/form-data" action={ "/a/" (id) "/tc/" (case_id) } {
                    (csrf_field(ctx))
                    input type="hidden" name="version" value=(v.version);
                    @if let Some((sha, name)) = &draft.pending {
                        input type="hidden" name="pending_sha256" value=(sha);
                        input type="hidden" name="pending_name" value=(name);
                        p.msg { "Attachment kept from your last try: " (name) }
                    }
                    label { "Record " select name="record" id="record" {
                        option value="" { "a new record" }
                        @for r in &records { @let val = format!("{}:{}", r.key, r.version);
                            option value=(val) selected[draft.record.split(':').next() == Some(r.key.as_str())] { "edit " (r.key) " (" (r.verdict) ", " (r.assessor) ")" } }
                    } }
                    fieldset {
                        legend { "Verdict (TS 103 701)" }
                        @for (val, label) in [("PASS", "PASS"), ("FAIL", "FAIL"), ("INCONCLUSIVE", "inconclusive (tool state)")] {
                            label.inline { input type="radio" name="verdict" value=(val) id={ "verdict-" (val) } checked[draft.verdict == val] required; " " (label) }
                        }
                    }
                    fieldset {
                        legend { "Units (none ticked: the whole test case)" }
                        @for u in &case.units { label.inline { input type="checkbox" name="unit" value=(u.id) checked[draft.units.contains(&u.id)]; " " (u.id) } }
                    }
                    label { "Rationale (required for FAIL and for overriding an automated finding)"
                        textarea name="notes" id="notes" rows="5" cols="80" data-findings=(if findings.is_empty() { "0" } else { "1" }) { (draft.notes) } }
                    label.drop { "Attachment (at most " (state.options.upload_limit / 1024) " KiB; drop a file here) "
                        input type="file" name="file" id="file"; }
                    button type="submit" id="save" { "Save" }
                }
            } @else if row.state == "frozen" {
                p.msg { "This assessment is signed off and frozen: a reviewer or admin can reopen it on the review page." }
            }
        }
    };
    respond(
        ctx,
        status,
        layout(ctx, &format!("Test case {case_id}"), body),
    )
}

pub(crate) async fn case_page(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((id, case)): Path<(String, String)>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = require(&ctx, ANYONE) {
        return r;
    }
    render_case(&state, &ctx, &id, &case, None, None, StatusCode::OK).await
}

/// An upload's name: one plain component, `[A-Za-z0-9._-]`, not starting
/// with a dot, at most 100 characters. Anything else is refused, never
/// rewritten.
pub(crate) fn upload_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(name)
}

/// Today's date (UTC), `YYYY-MM-DD`.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    touchstone_core::date::date(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// The fields of the record form as received.
#[derive(Default)]
struct Posted {
    csrf: String,
    version: String,
    draft: Draft,
    upload: Option<(String, tempfile::TempPath)>,
}

enum ReadError {
    TooLarge,
    BadName(String),
    Broken(String),
}

/// A multipart error: the body limit's is "too large", the rest are broken forms.
fn multipart_error(e: &axum::extract::multipart::MultipartError) -> ReadError {
    let text = e.body_text();
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE || text.contains("too large") {
        ReadError::TooLarge
    } else {
        ReadError::Broken(text)
    }
}

async fn read_form(mut mp: Multipart, limit: u64, dir: &FsPath) -> Result<Posted, ReadError> {
    let mut p = Posted::default();
    let mut pending_sha = None;
    let mut pending_name = None;
    while let Some(mut field) = mp.next_field().await.map_err(|e| multipart_error(&e))? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            if file_name.is_empty() {
                // No file chosen: drain the (empty) part.
                while field
                    .chunk()
                    .await
                    .map_err(|e| multipart_error(&e))?
                    .is_some()
                {}
                continue;
            }
            if upload_name(&file_name).is_none() {
                return Err(ReadError::BadName(file_name));
            }
            let tmp = tempfile::NamedTempFile::new_in(dir)
                .map_err(|e| ReadError::Broken(e.to_string()))?;
            let (file, path) = tmp.into_parts();
            let mut out = tokio::fs::File::from_std(file);
            let mut size: u64 = 0;
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
                size += chunk.len() as u64;
                if size > limit {
                    return Err(ReadError::TooLarge);
                }
                out.write_all(&chunk)
                    .await
                    .map_err(|e| ReadError::Broken(e.to_string()))?;
            }
            out.flush()
                .await
                .map_err(|e| ReadError::Broken(e.to_string()))?;
            p.upload = Some((file_name, path));
            continue;
        }
        let text = field.text().await.map_err(|e| multipart_error(&e))?;
        if text.len() > MAX_NOTES {
            return Err(ReadError::Broken(format!("the field `{name}` is too long")));
        }
        match name.as_str() {
            "csrf" => p.csrf = text,
            "version" => p.version = text,
            "verdict" => p.draft.verdict = text,
            "notes" => p.draft.notes = text,
            "unit" => p.draft.units.push(text),
            "record" => p.draft.record = text,
            "pending_sha256" => pending_sha = Some(text),
            "pending_name" => pending_name = Some(text),
            _ => {}
        }
    }
    if let (Some(s), Some(n)) = (pending_sha, pending_name)
        && s.len() == 64
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && upload_name(&n).is_some()
    {
        p.draft.pending = Some((s, n));
    }
    Ok(p)
}

/// What every upload form does first: the role (nobody else gets to stream
/// a body to disk), the body read into a temporary directory within the
/// upload limit, then the CSRF token it carries. `what`, `name` and `verb`
/// word the refusals ("the file is larger than ...: nothing was stored").
/// The directory is returned so the upload lives as long as the caller needs it.
async fn receive_upload(
    state: &Shared,
    ctx: &Ctx,
    mp: Multipart,
    what: &str,
    name: &str,
    verb: &str,
) -> Result<(String, tempfile::TempDir, Posted), Response> {
    let login = require(ctx, ASSESSORS)?;
    let dir = tempfile::tempdir()
        .map_err(|e| problem(ctx, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    let posted = match read_form(mp, state.options.upload_limit, dir.path()).await {
        Ok(p) => p,
        Err(ReadError::TooLarge) => {
            return Err(problem(
                ctx,
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "{what} is larger than the limit of {} bytes: nothing was {verb}",
                    state.options.upload_limit
                ),
            ));
        }
        Err(ReadError::BadName(n)) => {
            return Err(problem(
                ctx,
                StatusCode::BAD_REQUEST,
                &format!(
                    "{name} `{n}` is refused: use letters, digits, `.`, `_` and `-` only, not starting with a dot"
                ),
            ));
        }
        Err(ReadError::Broken(m)) => return Err(problem(ctx, StatusCode::BAD_REQUEST, &m)),
    };
    csrf_ok(ctx, &posted.csrf)?;
    Ok((login, dir, posted))
}

pub(crate) async fn save_case(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((id, case_id)): Path<(String, String)>,
    mp: Multipart,
) -> Response {
    let ctx = ctx(&state, &headers);
    let (login, _dir, posted) = match receive_upload(
        &state,
        &ctx,
        mp,
        "the attachment",
        "the attachment's name",
        "saved",
    )
    .await
    {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut draft = posted.draft;
    let refuse = |draft: Draft, text: String, status: StatusCode| {
        let state = state.clone();
        let id = id.clone();
        let case_id = case_id.clone();
        let ctx = &ctx;
        async move {
            render_case(
                &state,
                ctx,
                &id,
                &case_id,
                Some(draft),
                Some(Message { class: "bad", text }),
                status,
            )
            .await
        }
    };
    let Ok(version) = posted.version.parse::<i64>() else {
        return problem(
            &ctx,
            StatusCode::BAD_REQUEST,
            "the form has no test-case version",
        );
    };
    if !matches!(draft.verdict.as_str(), "PASS" | "FAIL" | "INCONCLUSIVE") {
        return refuse(
            draft,
            "choose a verdict".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // The rationale rule needs the automated findings of the case.
    let ev = match state.store.evaluate(&id).await {
        Ok(e) => e,
        Err(e) => return store_problem(&ctx, &e),
    };
    let Some((_, case)) = cases(&ev.assessment).find(|(_, c)| c.id == case_id) else {
        return problem(
            &ctx,
            StatusCode::NOT_FOUND,
            "no such test case in this assessment",
        );
    };
    let supports: BTreeSet<String> = case
        .findings
        .iter()
        .filter_map(|i| ev.assessment.findings.get(*i))
        .map(|f| format!("{:?}", f.finding.supports))
        .collect();
    let automated_fail = supports.contains(&format!("{:?}", Supports::Fail));
    let automated_pass = supports.contains(&format!("{:?}", Supports::Pass));
    let overrides = match draft.verdict.as_str() {
        "PASS" => automated_fail,
        "FAIL" => automated_pass,
        _ => automated_fail || automated_pass,
    };
    if (draft.verdict == "FAIL" || overrides) && draft.notes.trim().is_empty() {
        let why = if draft.verdict == "FAIL" {
            "a FAIL needs a rationale"
        } else {
            "this verdict overrides an automated finding: give a rationale"
        };
        return refuse(draft, why.to_owned(), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // The attachment: hashed into the store first (a blob nobody cites is harmless).
    let mut attachments = Vec::new();
    if let Some((name, path)) = &posted.upload {
        match state.store.put_file(path, state.options.upload_limit).await {
            Ok(blob) => draft.pending = Some((blob.sha256, name.clone())),
            Err(e) => return store_problem(&ctx, &e),
        }
    }
    if let Some((sha, name)) = &draft.pending {
        attachments.push(NewAttachment {
            path: format!("evidence/{name}"),
            sha256: sha.clone(),
        });
    }
    // Which record: an existing one at the version read, or a new one.
    let (key, record_version) = match draft.record.split_once(':') {
        Some((k, v)) => match v.parse::<i64>() {
            Ok(v) => (k.to_owned(), Some(v)),
            Err(_) => return problem(&ctx, StatusCode::BAD_REQUEST, "bad record version"),
        },
        // A new record: the store gives it the next free id inside its
        // write transaction.
        None => (String::new(), None),
    };
    let input = RecordInput {
        key,
        test_case: case_id.clone(),
        units: draft.units.clone(),
        verdict: draft.verdict.clone(),
        assessor: login.clone(),
        date: today(),
        notes: draft.notes.clone(),
        record_version,
        attachments,
    };
    match state.store.save_record(&id, &input, version, &login).await {
        Ok(saved) => {
            let text = format!(
                "Saved record {} (version {}); {} verdict(s) changed.",
                input.key,
                saved.record_version,
                saved.changes.len()
            );
            render_case(
                &state,
                &ctx,
                &id,
                &case_id,
                None,
                Some(Message {
                    class: "good",
                    text,
                }),
                StatusCode::OK,
            )
            .await
        }
        Err(e @ (StoreError::Conflict(_) | StoreError::Frozen(_))) => {
            // Keep what was typed; the form now carries the current version.
            let text = format!(
                "Not saved: {e}. Your text is kept below: check the new state, then save again."
            );
            refuse(draft, text, StatusCode::CONFLICT).await
        }
        Err(StoreError::InvalidProject(diags)) => {
            let text = diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            refuse(
                draft,
                format!("Not saved: {text}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => store_problem(&ctx, &e),
    }
}

/// A findings file added to the assessment (a new run), from an upload.
pub(crate) async fn add_findings(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    mp: Multipart,
) -> Response {
    let ctx = ctx(&state, &headers);
    let (login, _dir, posted) =
        match receive_upload(&state, &ctx, mp, "the file", "the file name", "stored").await {
            Ok(r) => r,
            Err(r) => return r,
        };
    let Ok(version) = posted.version.parse::<i64>() else {
        return problem(&ctx, StatusCode::BAD_REQUEST, "the form has no version");
    };
    let Some((name, path)) = &posted.upload else {
        return problem(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "choose a findings file",
        );
    };
    match state
        .store
        .add_findings(&id, path, name, version, &login)
        .await
    {
        Ok(_) => redirect(&ctx, &format!("/a/{id}")),
        Err(e) => store_problem(&ctx, &e),
    }
}

// ---------------------------------------------------------------- editors

fn which(name: &str) -> Option<Declaration> {
    match name {
        "ics" => Some(Declaration::Ics),
        "ixit" => Some(Declaration::Ixit),
        _ => None,
    }
}

/// Longest declaration text accepted by the editors.
const MAX_DECLARATION: usize = 4 << 20;

fn diagnostics_list(diags: &[touchstone_project::Diagnostic], file: &str) -> Markup {
    let mine: Vec<_> = diags.iter().filter(|d| d.file == file).collect();
    let others = diags
        .iter()
        .filter(|d| d.file != file && d.is_error())
        .count();
    html! {
        @if !mine.is_empty() || others > 0 {
            ul #diagnostics {
                @for d in &mine {
                    li class=(if d.is_error() { "diag-error" } else { "diag-warning" }) {
                        code { (d.code) } " "
                        (d.file) @if let Some(l) = d.line { ":" (l) @if let Some(c) = d.column { ":" (c) } } " "
                        (d.message)
                        @if let Some(h) = &d.hint { br; small { "hint: " (h) } }
                    }
                }
                @if others > 0 { li.diag-error { (others) " error(s) in other files of the project" } }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_editor(
    state: &Shared,
    ctx: &Ctx,
    id: &str,
    decl: Declaration,
    text: Option<String>,
    diags: Option<Vec<touchstone_project::Diagnostic>>,
    message: Option<Message>,
    status: StatusCode,
) -> Response {
    let Loaded { row, ev } = match load(state, ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let text = match text {
        Some(t) => t,
        None => match state.store.declaration_text(id, decl).await {
            Ok(t) => t,
            Err(e) => return store_problem(ctx, &e),
        },
    };
    let diags = diags.unwrap_or(ev.diagnostics);
    let can_edit = matches!(ctx.user(), Some((_, UserRole::Assessor | UserRole::Admin)))
        && row.state == "open";
    let name = if decl == Declaration::Ics {
        "ics"
    } else {
        "ixit"
    };
    let body = html! {
        (sub_nav(id, &row))
        @if let Some(m) = &message { p class={ "msg " (m.class) } id="message" { (m.text) } }
        p { "The same checks as " code { "touchstone validate" } "; a save that leaves the project invalid is refused with the problems below, and your text stays here." }
        (diagnostics_list(&diags, decl.file()))
        form #editor method="post" action={ "/a/" (id) "/edit/" (name) } {
            (csrf_field(ctx))
            input type="hidden" name="version" value=(row.version);
            textarea name="text" id="text" rows="30" cols="110" spellcheck="false" readonly[!can_edit] { (text) }
            @if can_edit { button type="submit" id="save-declaration" { "Validate and save" } }
        }
    };
    respond(
        ctx,
        status,
        layout(ctx, &format!("{} — {}", row.name, decl.file()), body),
    )
}

pub(crate) async fn editor(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = require(&ctx, ANYONE) {
        return r;
    }
    let Some(decl) = which(&name) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "no such editor");
    };
    render_editor(&state, &ctx, &id, decl, None, None, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct EditorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    text: String,
}

pub(crate) async fn save_editor(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
    Form(form): Form<EditorForm>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    let login = match require(&ctx, ASSESSORS) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(decl) = which(&name) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "no such editor");
    };
    if form.text.len() > MAX_DECLARATION {
        return problem(
            &ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("{} is limited to {MAX_DECLARATION} bytes", decl.file()),
        );
    }
    // Browsers send CRLF line ends from a textarea; the files keep LF.
    let text = form.text.replace("\r\n", "\n");
    match state
        .store
        .save_declaration(&id, decl, &text, form.version, &login)
        .await
    {
        Ok(_) => {
            let message = Message {
                class: "good",
                text: format!("Saved {}: the verdicts were evaluated again.", decl.file()),
            };
            render_editor(
                &state,
                &ctx,
                &id,
                decl,
                None,
                None,
                Some(message),
                StatusCode::OK,
            )
            .await
        }
        Err(StoreError::InvalidProject(diags)) => {
            let message = Message {
                class: "bad",
                text: "Not saved: the project would not be valid.".to_owned(),
            };
            render_editor(
                &state,
                &ctx,
                &id,
                decl,
                Some(text),
                Some(diags),
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ (StoreError::Conflict(_) | StoreError::Frozen(_))) => {
            let message = Message {
                class: "bad",
                text: format!("Not saved: {e}. Your text is kept below."),
            };
            render_editor(
                &state,
                &ctx,
                &id,
                decl,
                Some(text),
                None,
                Some(message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => store_problem(&ctx, &e),
    }
}

// ---------------------------------------------------------------- review

/// The report files offered, by name.
const REPORTS: &[(&str, &str)] = &[
    ("report.html", "text/html; charset=utf-8"),
    ("report.pdf", "application/pdf"),
    ("report.json", "application/json"),
    ("report.md", "text/markdown; charset=utf-8"),
    ("report.txt", "text/plain; charset=utf-8"),
    ("report.sarif", "application/sarif+json"),
    ("report.junit.xml", "application/xml"),
];

pub(crate) async fn review_page(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = require(&ctx, ANYONE) {
        return r;
    }
    let Loaded { row, ev } = match load(&state, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let signoffs = state.store.signoffs(&id).await.unwrap_or_default();
    let audit = state.store.audit_of(&id).await.unwrap_or_default();
    let reviewer = matches!(ctx.user(), Some((_, UserRole::Reviewer | UserRole::Admin)));
    let body = html! {
        (sub_nav(&id, &row))
        p { "Overall " strong { (ev.assessment.overall.verdict.label()) } ", coverage " (pct(ev.assessment.coverage())) ", version " (row.version) "." }
        h2 { "Sign-offs" }
        @if signoffs.is_empty() { p { "None yet." } }
        ul #signoffs { @for (who, role, v, at) in &signoffs { li { (who) " signed as " (role) " at version " (v) ", " (at) } } }
        @if reviewer && row.state == "open" {
            form method="post" action={ "/a/" (id) "/signoff" } {
                (csrf_field(&ctx))
                input type="hidden" name="version" value=(row.version);
                p { "Signing as approver freezes the assessment: no record can be saved until it is reopened (logged)." }
                button type="submit" id="signoff" { "Approve and sign off" }
            }
        }
        @if reviewer && row.state == "frozen" {
            form method="post" action={ "/a/" (id) "/reopen" } {
                (csrf_field(&ctx))
                label { "Reason to reopen " input type="text" name="reason" id="reopen-reason" required; }
                button type="submit" id="reopen" { "Reopen" }
            }
        }
        h2 { "Reports" }
        p { "Built from the stored state" @if row.state == "frozen" { " (frozen)" } "." }
        ul #reports { @for (name, _) in REPORTS { li { a href={ "/a/" (id) "/report/" (name) } id={ "dl-" (name) } { (name) } } } }
        h2 { "Audit log" }
        table {
            thead { tr { th { "#" } th { "When" } th { "Who" } th { "What" } th { "Entity" } } }
            tbody { @for e in audit.iter().rev().take(100) { tr { td { (e.seq) } td { (e.at) } td { (e.actor) } td { (e.action) } td { (e.entity) " " (e.entity_id) } } } }
        }
    };
    respond(
        &ctx,
        StatusCode::OK,
        layout(&ctx, &format!("{} — review", row.name), body),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignoffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
}

pub(crate) async fn signoff(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<SignoffForm>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    let login = match require(&ctx, REVIEWERS) {
        Ok(l) => l,
        Err(r) => return r,
    };
    match state
        .store
        .sign_off(&id, &login, SignoffRole::Approver, form.version)
        .await
    {
        Ok(()) => redirect(&ctx, &format!("/a/{id}/review")),
        Err(e) => store_problem(&ctx, &e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReopenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn reopen(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReopenForm>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = csrf_ok(&ctx, &form.csrf) {
        return r;
    }
    let login = match require(&ctx, REVIEWERS) {
        Ok(l) => l,
        Err(r) => return r,
    };
    match state.store.reopen(&id, &login, &form.reason).await {
        Ok(()) => redirect(&ctx, &format!("/a/{id}/review")),
        Err(e) => store_problem(&ctx, &e),
    }
}

pub(crate) async fn report(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let ctx = ctx(&state, &headers);
    if let Err(r) = require(&ctx, ANYONE) {
        return r;
    }
    let Some((name, mime)) = REPORTS.iter().find(|(n, _)| *n == file) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "no such report format");
    };
    let Loaded { row, ev } = match load(&state, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let catalog = match touchstone_catalog::Catalog::embedded() {
        Ok(c) => c,
        Err(e) => return problem(&ctx, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let generated_at = row.updated_at.clone();
    // The sign-offs made in the workbench on the current version are the
    // report's reviewer and approver (a reopen raises the version, so older
    // ones no longer count); without them the project's own stand.
    let signoffs = match state.store.signoffs(&id).await {
        Ok(s) => s,
        Err(e) => return store_problem(&ctx, &e),
    };
    let mut project = ev.project.clone();
    for (login, role, version, at) in &signoffs {
        if *version != row.version {
            continue;
        }
        let signature = Some(touchstone_project::Signature {
            name: login.clone(),
            role: Some(format!("{role} (workbench sign-off)")),
            date: at.get(..10).unwrap_or(at).to_owned(),
        });
        match role.as_str() {
            "approver" => project.deliverable.approver = signature,
            _ => project.deliverable.reviewer = signature,
        }
    }
    let report = touchstone_report::build(&touchstone_report::ReportInputs {
        catalog,
        project: &project,
        project_name: &row.name,
        assessment: &ev.assessment,
        diagnostics: &ev.diagnostics,
        tool_version: env!("CARGO_PKG_VERSION"),
        generated_at: &generated_at,
    });
    let bytes: Vec<u8> = match *name {
        "report.html" => touchstone_report::html::render(&report).into_bytes(),
        "report.pdf" => touchstone_report::pdf::render(&report, &[]),
        "report.json" => touchstone_report::json::render(&report).into_bytes(),
        "report.md" => touchstone_report::markdown::render(&report).into_bytes(),
        "report.txt" => {
            touchstone_report::terminal::render(&report, touchstone_report::terminal::Color::Never)
                .into_bytes()
        }
        "report.sarif" => touchstone_report::sarif::render(&report).into_bytes(),
        _ => touchstone_report::junit::render(&report).into_bytes(),
    };
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut r = ([(header::CONTENT_TYPE, *mime)], bytes).into_response();
    if *name != "report.html"
        && let Ok(v) = HeaderValue::from_str(&disposition)
    {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The HTML report runs its own inline script and styles, nothing else.
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:",
        ),
    );
    if ctx.new_cookie
        && let Ok(v) = HeaderValue::from_str(&auth::set_cookie(&ctx.sid))
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_one_plain_component() {
        for ok in ["photo.png", "capture_2026-11-20.pcap", "a"] {
            assert_eq!(upload_name(ok), Some(ok));
        }
        for bad in [
            "",
            "../x",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "/etc/passwd",
            "C:\\x",
            "a\0b",
            "é.txt",
            "a b",
        ] {
            assert_eq!(upload_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_plain_directory_names() {
        assert_eq!(
            slug("Lumio SP-20 Smart Plug 2.4.1"),
            "lumio-sp-20-smart-plug-2-4-1"
        );
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("<>"), "assessment");
    }

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert!(touchstone_project::valid_ymd(&t), "{t}");
    }
}
