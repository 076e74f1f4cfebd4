//! A workbench over a fresh SQLite store holding the example, driven through
//! its router (no socket): sessions, CSRF tokens from the pages, forms and
//! multipart uploads built by hand.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use touchstone_store::{Location, Store, UserRole};
use tower::ServiceExt as _;

pub const PASSWORD: &str = "correct horse battery";

pub fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug")
}

pub struct Bench {
    pub router: Router,
    pub store: Store,
    pub id: String,
    pub setup_token: Option<String>,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub cookie: Option<String>,
    pub location: Option<String>,
    pub body: String,
}

impl Bench {
    /// The example imported by `lead` (an assessor with an account), plus
    /// the accounts `alice` and `bob` (assessors) and `rita` (reviewer).
    pub async fn new(upload_limit: u64) -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Location::Sqlite(dir.path().join("t.db")))
            .await
            .unwrap();
        let hash = touchstone_web::hash_password(PASSWORD).unwrap();
        for (login, role) in [
            ("lead", UserRole::Assessor),
            ("alice", UserRole::Assessor),
            ("bob", UserRole::Assessor),
            ("rita", UserRole::Reviewer),
        ] {
            store
                .set_password_hash(login, role, &hash, "test")
                .await
                .unwrap();
        }
        let id = store.import_project(&example(), "lead").await.unwrap().id;
        let app = touchstone_web::app(store.clone(), touchstone_web::Options { upload_limit })
            .await
            .unwrap();
        Bench {
            router: app.router,
            store,
            id,
            setup_token: app.setup_token,
            _dir: dir,
        }
    }

    /// An empty store (no account, no assessment).
    pub async fn empty() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Location::Sqlite(dir.path().join("t.db")))
            .await
            .unwrap();
        let app = touchstone_web::app(store.clone(), touchstone_web::Options::default())
            .await
            .unwrap();
        Bench {
            router: app.router,
            store,
            id: String::new(),
            setup_token: app.setup_token,
            _dir: dir,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            cookie,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, cookie: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn post_form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    pub async fn post_multipart(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Reply {
        let boundary = "XtouchstoneBoundaryX";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// A logged-in session of `login`: its cookie.
    pub async fn login(&self, login: &str) -> String {
        let page = self
            .send(Request::get("/login").body(Body::empty()).unwrap())
            .await;
        let anon = page.cookie.unwrap();
        let csrf = csrf(&page.body);
        let r = self
            .post_form(
                "/login",
                &anon,
                &[("csrf", &csrf), ("login", login), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let cookie = r.cookie.unwrap();
        assert_ne!(cookie, anon, "the session id changes at login");
        cookie
    }

    /// A test case waiting for a person, without automated findings.
    pub async fn manual_case(&self) -> String {
        let ev = self.store.evaluate(&self.id).await.unwrap();
        ev.assessment
            .provisions
            .iter()
            .flat_map(|p| &p.cases)
            .find(|c| c.verdict == touchstone_core::Verdict::NeedsManual && c.findings.is_empty())
            .unwrap()
            .id
            .clone()
    }

    pub fn case_path(&self, case: &str) -> String {
        format!("/a/{}/tc/{case}", self.id)
    }

    pub async fn record_count(&self) -> usize {
        self.store.records(&self.id).await.unwrap().len()
    }
}

/// The value of the first hidden input `name` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in:\n{page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

pub fn csrf(page: &str) -> String {
    hidden(page, "csrf")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
