//! HTTP form logins described in data (`data/http-forms.toml`, format at
//! its top).
//!
//! A form applies to a web service when its detection page is served with
//! its marker. A login attempt submits the form on a fresh connection and
//! counts as working only when the answer shows every success marker of the
//! form *and* the protected page, fetched with the cookies the login set,
//! is served with its marker and differs from what the same request gets
//! without them.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use super::{Attempt, Credential, unknown};
use crate::http::{HttpAnswer, http_raw};
use crate::limiter::Limiter;
use crate::wire::excerpt;

/// The text of the bundled forms.
pub const BUNDLED_FORMS: &str = include_str!("../../data/http-forms.toml");

/// One login form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSpec {
    /// Stable id.
    pub id: String,
    /// What device family or software it is.
    pub title: String,
    /// Page fetched to recognise the form.
    pub detect_path: String,
    /// Text the detection page contains.
    pub detect_marker: String,
    /// Where the form is submitted.
    pub action: String,
    /// `POST` or `GET`.
    pub method: String,
    /// Name of the user field.
    pub user_field: String,
    /// Name of the password field.
    pub password_field: String,
    /// Further fields sent with every login.
    #[serde(default)]
    pub extra_fields: Vec<(String, String)>,
    /// Status codes of a successful login.
    #[serde(default)]
    pub success_status: Vec<u16>,
    /// Text in the `Location` of a successful login.
    #[serde(default)]
    pub success_location: Option<String>,
    /// Cookie a successful login sets.
    #[serde(default)]
    pub success_cookie: Option<String>,
    /// Text in the body of a successful login.
    #[serde(default)]
    pub success_body: Option<String>,
    /// Text in the body of a failed login.
    #[serde(default)]
    pub failure_body: Option<String>,
    /// Page only a logged-in session gets.
    pub protected_path: String,
    /// Text of the protected page.
    pub protected_marker: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormFile {
    #[allow(dead_code)]
    version: u32,
    form: Vec<FormSpec>,
}

/// The forms data does not parse or is inconsistent.
#[derive(Debug, thiserror::Error)]
#[error("login forms: {0} (see the format at the top of data/http-forms.toml)")]
pub struct FormsError(String);

/// Parse and check a forms file.
///
/// # Errors
///
/// [`FormsError`] for TOML errors, unknown methods, relative paths and forms
/// without any success marker.
pub fn parse_forms(text: &str) -> Result<Vec<FormSpec>, FormsError> {
    let file: FormFile = toml::from_str(text).map_err(|e| FormsError(e.to_string()))?;
    for f in &file.form {
        if f.method != "POST" && f.method != "GET" {
            return Err(FormsError(format!(
                "form `{}`: method `{}`, expected POST or GET",
                f.id, f.method
            )));
        }
        for path in [&f.detect_path, &f.action, &f.protected_path] {
            if !path.starts_with('/') || path.contains(['\r', '\n', ' ']) {
                return Err(FormsError(format!(
                    "form `{}`: path `{path}` must be absolute, without spaces or line breaks",
                    f.id
                )));
            }
        }
        if f.success_status.is_empty()
            && f.success_location.is_none()
            && f.success_cookie.is_none()
            && f.success_body.is_none()
        {
            return Err(FormsError(format!(
                "form `{}` has no success marker: give success_status, success_location, success_cookie or success_body",
                f.id
            )));
        }
        if f.detect_marker.is_empty() || f.protected_marker.is_empty() {
            return Err(FormsError(format!(
                "form `{}`: detect_marker and protected_marker must not be empty",
                f.id
            )));
        }
    }
    Ok(file.form)
}

/// The bundled forms (empty if the bundled file were broken; a test guards
/// it).
pub fn bundled_forms() -> Vec<FormSpec> {
    parse_forms(BUNDLED_FORMS).unwrap_or_default()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    String::from_utf8_lossy(haystack)
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `name=value` of every `Set-Cookie` of an answer, joined for a
/// `Cookie` header (at most 16 cookies).
pub fn session_cookies(answer: &HttpAnswer) -> Vec<(String, String)> {
    answer
        .header_values("set-cookie")
        .take(16)
        .filter_map(|v| {
            let pair = v.split(';').next()?.trim();
            let (name, value) = pair.split_once('=')?;
            let name = name.trim();
            (!name.is_empty() && !name.contains([' ', '\r', '\n']))
                .then(|| (name.to_owned(), value.trim().to_owned()))
        })
        .filter(|(_, v)| !v.contains(['\r', '\n']))
        .collect()
}

/// Whether a login answer shows every success marker of `form` and no
/// failure marker.
pub fn login_accepted(form: &FormSpec, answer: &HttpAnswer) -> bool {
    if !form.success_status.is_empty() && !form.success_status.contains(&answer.status) {
        return false;
    }
    if let Some(l) = &form.success_location
        && !answer
            .header_values("location")
            .any(|v| contains(v.as_bytes(), l))
    {
        return false;
    }
    if let Some(c) = &form.success_cookie
        && !session_cookies(answer)
            .iter()
            .any(|(name, value)| name == c && !value.is_empty())
    {
        return false;
    }
    if let Some(b) = &form.success_body
        && !contains(&answer.body, b)
    {
        return false;
    }
    if let Some(b) = &form.failure_body
        && contains(&answer.body, b)
    {
        return false;
    }
    true
}

fn get(addr: SocketAddr, path: &str, cookies: &[(String, String)]) -> String {
    let mut request = format!(
        "GET {path} HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\n",
        crate::http::host_header(addr.ip())
    );
    if !cookies.is_empty() {
        let joined: Vec<String> = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
        request.push_str(&format!("Cookie: {}\r\n", joined.join("; ")));
    }
    request.push_str("\r\n");
    request
}

fn submit(addr: SocketAddr, form: &FormSpec, cred: &Credential) -> String {
    let mut fields = vec![
        (form.user_field.as_str(), cred.user.as_str()),
        (form.password_field.as_str(), cred.password.as_str()),
    ];
    fields.extend(
        form.extra_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let encoded: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect();
    let encoded = encoded.join("&");
    if form.method == "GET" {
        let sep = if form.action.contains('?') { '&' } else { '?' };
        get(addr, &format!("{}{sep}{encoded}", form.action), &[])
    } else {
        format!(
            "POST {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{encoded}",
            form.action,
            crate::http::host_header(addr.ip()),
            encoded.len()
        )
    }
}

/// The first bundled form the service serves, with the unauthenticated
/// answer for its protected page.
pub(crate) async fn detect(
    addr: SocketAddr,
    limiter: &Limiter,
    timeout: Duration,
) -> Option<(FormSpec, HttpAnswer)> {
    for form in bundled_forms().into_iter().take(32) {
        let page = {
            let _permit = limiter.acquire().await?;
            http_raw(addr, &get(addr, &form.detect_path, &[]), timeout).await
        };
        let Some(page) = page else { continue };
        if page.status != 200 || !contains(&page.body, &form.detect_marker) {
            continue;
        }
        let protected = {
            let _permit = limiter.acquire().await?;
            http_raw(addr, &get(addr, &form.protected_path, &[]), timeout).await?
        };
        return Some((form, protected));
    }
    None
}

/// One login attempt; the duration is the answer time of the submission.
pub(super) async fn attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    cred: &Credential,
    form: &FormSpec,
    unauthenticated: &HttpAnswer,
    timeout: Duration,
) -> (Attempt, Duration) {
    let (answer, took) = {
        let Some(_permit) = limiter.acquire().await else {
            return unknown("limiter closed");
        };
        let sent = Instant::now();
        let answer = http_raw(addr, &submit(addr, form, cred), timeout).await;
        (answer, sent.elapsed())
    };
    let Some(answer) = answer else {
        return (
            Attempt::Unknown {
                reason: "no HTTP answer to the login form".into(),
            },
            took,
        );
    };
    if !login_accepted(form, &answer) {
        return (
            Attempt::Failure {
                answer: format!("{} {}", answer.status, excerpt(&answer.body, 60)),
            },
            took,
        );
    }
    let cookies = session_cookies(&answer);
    let protected = {
        let Some(_permit) = limiter.acquire().await else {
            return unknown("limiter closed");
        };
        http_raw(addr, &get(addr, &form.protected_path, &cookies), timeout).await
    };
    match protected {
        Some(p)
            if p.status == 200
                && contains(&p.body, &form.protected_marker)
                && (p.status != unauthenticated.status || p.body != unauthenticated.body) =>
        {
            (
                Attempt::Success {
                    proof: format!(
                        "form `{}` accepted the login ({}) and {} was then served with `{}`, unlike without the session ({})",
                        form.id,
                        answer.status,
                        form.protected_path,
                        form.protected_marker,
                        unauthenticated.status
                    ),
                },
                took,
            )
        }
        Some(p) => (
            Attempt::Failure {
                answer: format!(
                    "login markers matched, but {} answered {} without the protected content",
                    form.protected_path, p.status
                ),
            },
            took,
        ),
        None => (
            Attempt::Unknown {
                reason: format!("no answer for {} after the login", form.protected_path),
            },
            took,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::parse_http_answer;

    #[test]
    fn bundled_forms_parse() {
        let forms = parse_forms(BUNDLED_FORMS).unwrap_or_else(|e| panic!("{e}"));
        assert!(forms.len() >= 2);
        assert_eq!(bundled_forms(), forms);
    }

    #[test]
    fn bad_forms_are_refused_with_a_reason() {
        let base = "version = 1\n[[form]]\nid = \"x\"\ntitle = \"t\"\ndetect_path = \"/l\"\ndetect_marker = \"m\"\naction = \"/a\"\nuser_field = \"u\"\npassword_field = \"p\"\nprotected_path = \"/s\"\nprotected_marker = \"ok\"\n";
        let ok = format!("{base}method = \"POST\"\nsuccess_status = [302]\n");
        assert!(parse_forms(&ok).is_ok());
        for (extra, needle) in [
            ("method = \"PUT\"\nsuccess_status = [302]\n", "method"),
            ("method = \"POST\"\n", "no success marker"),
        ] {
            let err = parse_forms(&format!("{base}{extra}"))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(needle), "{err}");
        }
        let relative = ok.replace("\"/a\"", "\"a\"");
        assert!(parse_forms(&relative).is_err());
    }

    #[test]
    fn markers_and_cookies() {
        let forms = bundled_forms();
        let form = forms
            .iter()
            .find(|f| f.id == "cgi-session-login")
            .unwrap_or_else(|| panic!("form"));
        let ok = parse_http_answer(
            b"HTTP/1.0 302 Found\r\nLocation: /index.html\r\nSet-Cookie: SESSIONID=abc123; Path=/; HttpOnly\r\nSet-Cookie: lang=en\r\n\r\n",
        )
        .unwrap_or_else(|| panic!("parse"));
        assert!(login_accepted(form, &ok));
        assert_eq!(
            session_cookies(&ok),
            [
                ("SESSIONID".to_owned(), "abc123".to_owned()),
                ("lang".to_owned(), "en".to_owned())
            ]
        );
        let bad = parse_http_answer(
            b"HTTP/1.0 302 Found\r\nSet-Cookie: SESSIONID=; Path=/\r\n\r\nInvalid password",
        )
        .unwrap_or_else(|| panic!("parse"));
        assert!(!login_accepted(form, &bad));
        assert_eq!(form_encode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}
