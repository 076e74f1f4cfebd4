//! The workbench's refusals and its optimistic locking, through the router:
//! CSRF, roles, upload names, upload sizes, two assessors on one test case,
//! the first-run token, loopback only; and the path that works (a verdict
//! with an attachment, sign-off by a second person, frozen afterwards,
//! reports from the stored state).

#![allow(clippy::unwrap_used, unreachable_pub)]

mod support;

use axum::http::StatusCode;
use support::{Bench, csrf, hidden};

/// The CSRF token of a page and the test case's version in the store (for
/// users who get no form: a reviewer, a frozen assessment).
async fn token_and_version(b: &Bench, cookie: &str, case: &str) -> (String, String) {
    let page = b.get(&b.case_path(case), cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let v = b.store.verdict(&b.id, case).await.unwrap().version;
    (csrf(&page.body), v.to_string())
}

async fn form_of(b: &Bench, cookie: &str, case: &str) -> (String, String) {
    let page = b.get(&b.case_path(case), cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    (csrf(&page.body), hidden(&page.body, "version"))
}

#[tokio::test]
async fn posts_without_the_sessions_csrf_token_are_refused() {
    let b = Bench::new(1 << 20).await;
    let case = b.manual_case().await;
    let alice = b.login("alice").await;
    let (_, version) = form_of(&b, &alice, &case).await;
    let before = b.record_count().await;
    for token in ["", "0000", &"a".repeat(64)] {
        let r = b
            .post_multipart(
                &b.case_path(&case),
                &alice,
                &[
                    ("csrf", token),
                    ("version", &version),
                    ("verdict", "PASS"),
                    ("notes", "seen"),
                ],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("CSRF"));
    }
    // Another session's token does not work either.
    let bob = b.login("bob").await;
    let (bobs_token, _) = form_of(&b, &bob, &case).await;
    let r = b
        .post_multipart(
            &b.case_path(&case),
            &alice,
            &[
                ("csrf", &bobs_token),
                ("version", &version),
                ("verdict", "PASS"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Plain forms too: sign-off, import, logout, login.
    for path in [
        format!("/a/{}/signoff", b.id),
        "/import".to_owned(),
        "/logout".to_owned(),
        "/login".to_owned(),
    ] {
        let r = b.post_form(&path, &alice, &[("version", "1")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(b.record_count().await, before);
    // Still logged in: the refused logout did nothing.
    assert_eq!(b.get("/", &alice).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_role_is_refused() {
    let b = Bench::new(1 << 20).await;
    let case = b.manual_case().await;
    // A reviewer does not record verdicts.
    let rita = b.login("rita").await;
    let (token, version) = token_and_version(&b, &rita, &case).await;
    let page = b.get(&b.case_path(&case), &rita).await;
    assert!(!page.body.contains("id=\"record-form\""));
    let r = b
        .post_multipart(
            &b.case_path(&case),
            &rita,
            &[("csrf", &token), ("version", &version), ("verdict", "PASS")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("reviewer"));
    // An assessor does not sign off, nor manage accounts.
    let alice = b.login("alice").await;
    let review = b.get(&format!("/a/{}/review", b.id), &alice).await;
    let token = csrf(&review.body);
    let r = b
        .post_form(
            &format!("/a/{}/signoff", b.id),
            &alice,
            &[("csrf", &token), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/users", &alice).await.status, StatusCode::FORBIDDEN);
    let r = b
        .post_form(
            "/users",
            &alice,
            &[
                ("csrf", &token),
                ("login", "mallory"),
                ("role", "admin"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(b.store.account("mallory").await.unwrap().is_none());
    // Nobody logged in: every page sends to the login.
    let r = b.get(&format!("/a/{}", b.id), "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn path_tricks_in_upload_names_are_refused() {
    let b = Bench::new(1 << 20).await;
    let case = b.manual_case().await;
    let alice = b.login("alice").await;
    let before = b.store.files(&b.id).await.unwrap();
    for name in [
        "../../etc/passwd",
        "..",
        "evidence/../../x.txt",
        "/etc/passwd",
        "..\\..\\boot.ini",
        ".hidden",
        "a/b.txt",
        "touchstone.toml/",
        "name with spaces.txt",
    ] {
        let (token, version) = form_of(&b, &alice, &case).await;
        let r = b
            .post_multipart(
                &b.case_path(&case),
                &alice,
                &[
                    ("csrf", &token),
                    ("version", &version),
                    ("verdict", "PASS"),
                    ("notes", "seen"),
                ],
                Some((name, b"evil")),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        assert!(r.body.contains("is refused"), "{name}");
    }
    assert_eq!(b.store.files(&b.id).await.unwrap(), before);
}

#[tokio::test]
async fn oversized_uploads_are_refused_and_nothing_is_saved() {
    let limit = 4096;
    let b = Bench::new(limit).await;
    let case = b.manual_case().await;
    let alice = b.login("alice").await;
    let before = b.record_count().await;
    let blobs = b.store.blob_totals().await.unwrap();
    // Just over the limit (the stream is cut by the handler), and far over
    // it (cut by the body limit).
    for size in [limit as usize + 1, 1 << 20] {
        let (token, version) = form_of(&b, &alice, &case).await;
        let big = vec![b'x'; size];
        let r = b
            .post_multipart(
                &b.case_path(&case),
                &alice,
                &[
                    ("csrf", &token),
                    ("version", &version),
                    ("verdict", "PASS"),
                    ("notes", "seen"),
                ],
                Some(("big.bin", &big)),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{size}: {}",
            r.body
        );
    }
    assert_eq!(b.record_count().await, before);
    assert_eq!(b.store.blob_totals().await.unwrap(), blobs);
}

#[tokio::test]
async fn the_second_of_two_assessors_gets_a_conflict_and_keeps_their_text() {
    let b = Bench::new(1 << 20).await;
    let case = b.manual_case().await;
    let alice = b.login("alice").await;
    let bob = b.login("bob").await;
    let (alice_token, alice_version) = form_of(&b, &alice, &case).await;
    let (bob_token, bob_version) = form_of(&b, &bob, &case).await;
    assert_eq!(alice_version, bob_version);
    let r = b
        .post_multipart(
            &b.case_path(&case),
            &alice,
            &[
                ("csrf", &alice_token),
                ("version", &alice_version),
                ("verdict", "PASS"),
                ("notes", "Alice examined the device."),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Saved record"));
    let bobs_notes = "Bob's <b>careful</b> notes & findings";
    let r = b
        .post_multipart(
            &b.case_path(&case),
            &bob,
            &[
                ("csrf", &bob_token),
                ("version", &bob_version),
                ("verdict", "FAIL"),
                ("notes", bobs_notes),
            ],
            Some(("bob-photo.txt", b"what bob saw")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("was saved by alice"), "{}", r.body);
    // Nothing lost: Bob's text is back in the form (escaped), his upload is
    // kept, and the form now names the current version.
    assert!(
        r.body
            .contains("Bob&#39;s &lt;b&gt;careful&lt;/b&gt; notes &amp; findings")
            || r.body
                .contains("Bob's &lt;b&gt;careful&lt;/b&gt; notes &amp; findings"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("name=\"pending_name\" value=\"bob-photo.txt\"")
    );
    let version_now = hidden(&r.body, "version");
    assert_ne!(version_now, bob_version);
    let records = b.store.records(&b.id).await.unwrap();
    let mine: Vec<_> = records.iter().filter(|r| r.test_case == case).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].assessor, "alice");
    assert_eq!(mine[0].notes, "Alice examined the device.");
    // Bob saves again from the page he got back: a new record, with his file.
    let pending = hidden(&r.body, "pending_sha256");
    let r = b
        .post_multipart(
            &b.case_path(&case),
            &bob,
            &[
                ("csrf", &csrf(&r.body)),
                ("version", &version_now),
                ("verdict", "FAIL"),
                ("notes", bobs_notes),
                ("pending_sha256", &pending),
                ("pending_name", "bob-photo.txt"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let files = b.store.files(&b.id).await.unwrap();
    assert!(
        files
            .iter()
            .any(|(p, role, sha)| p == "evidence/bob-photo.txt"
                && role == "attachment"
                && *sha == pending),
        "{files:?}"
    );
}

#[tokio::test]
async fn a_fail_needs_a_rationale() {
    let b = Bench::new(1 << 20).await;
    let case = b.manual_case().await;
    let alice = b.login("alice").await;
    let (token, version) = form_of(&b, &alice, &case).await;
    let before = b.record_count().await;
    let r = b
        .post_multipart(
            &b.case_path(&case),
            &alice,
            &[
                ("csrf", &token),
                ("version", &version),
                ("verdict", "FAIL"),
                ("notes", "  "),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("a FAIL needs a rationale"));
    assert_eq!(b.record_count().await, before);
}

#[tokio::test]
async fn a_verdict_with_an_attachment_then_sign_off_by_a_second_person_freezes() {
    let b = Bench::new(1 << 20).await;
    let case = b.manual_case().await;
    let lead = b.login("lead").await;
    let (token, version) = form_of(&b, &lead, &case).await;
    let r = b
        .post_multipart(
            &b.case_path(&case),
            &lead,
            &[
                ("csrf", &token),
                ("version", &version),
                ("verdict", "PASS"),
                ("notes", "Checked on the bench <script>alert(1)</script>"),
            ],
            Some(("bench-log.txt", b"bench log")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("<script>alert(1)</script>"));
    assert!(r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let ev = b.store.evaluate(&b.id).await.unwrap();
    let record = ev
        .project
        .records
        .iter()
        .find(|r| r.test_case == case)
        .unwrap();
    assert_eq!(record.attachments.len(), 1);
    assert_eq!(record.attachments[0].path, "evidence/bench-log.txt");
    // The creator cannot sign; a reviewer can, and the assessment freezes.
    let rita = b.login("rita").await;
    let review = b.get(&format!("/a/{}/review", b.id), &rita).await;
    let r = b
        .post_form(
            &format!("/a/{}/signoff", b.id),
            &rita,
            &[
                ("csrf", &csrf(&review.body)),
                ("version", &hidden(&review.body, "version")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let row = b.store.list_assessments().await.unwrap().remove(0);
    assert_eq!(row.state, "frozen");
    let page = b.get(&b.case_path(&case), &lead).await;
    assert!(!page.body.contains("id=\"record-form\""));
    assert!(page.body.contains("frozen"));
    let (token, version) = token_and_version(&b, &lead, &case).await;
    let r = b
        .post_multipart(
            &b.case_path(&case),
            &lead,
            &[
                ("csrf", &token),
                ("version", &version),
                ("verdict", "PASS"),
                ("notes", "again"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("frozen"));
    // Reports from the stored state, every format.
    for name in [
        "report.html",
        "report.pdf",
        "report.json",
        "report.md",
        "report.txt",
        "report.sarif",
        "report.junit.xml",
    ] {
        let r = b.get(&format!("/a/{}/report/{name}", b.id), &rita).await;
        assert_eq!(r.status, StatusCode::OK, "{name}");
        assert!(!r.body.is_empty(), "{name}");
    }
    let json = b
        .get(&format!("/a/{}/report/report.json", b.id), &rita)
        .await;
    assert!(json.body.contains(&case));
    // The report carries the sign-off made here and the assessor of the case.
    assert!(
        json.body.contains("approver (workbench sign-off)"),
        "no approver"
    );
    assert!(json.body.contains("\"rita\""), "no approver name");
    assert!(json.body.contains("\"lead\""), "no assessor of the case");
    assert_eq!(
        b.get(&format!("/a/{}/report/..%2F..%2Fetc%2Fpasswd", b.id), &rita)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Reopening is logged.
    let review = b.get(&format!("/a/{}/review", b.id), &rita).await;
    let r = b
        .post_form(
            &format!("/a/{}/reopen", b.id),
            &rita,
            &[
                ("csrf", &csrf(&review.body)),
                ("reason", "typo in a record"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let audit = b.store.audit_of(&b.id).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "assessment.reopen" && e.actor == "rita")
    );
}

#[tokio::test]
async fn the_first_run_token_creates_one_admin_once() {
    let b = Bench::empty().await;
    let token = b.setup_token.clone().unwrap();
    let page = b.get("/setup", "").await;
    let anon = page.cookie.clone().unwrap();
    let t = csrf(&page.body);
    let r = b
        .post_form(
            "/setup",
            &anon,
            &[
                ("csrf", &t),
                ("token", "wrong"),
                ("login", "admin"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .post_form(
            "/setup",
            &anon,
            &[
                ("csrf", &t),
                ("token", &token),
                ("login", "admin"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let admin = r.cookie.unwrap();
    assert_eq!(b.get("/users", &admin).await.status, StatusCode::OK);
    let r = b
        .post_form(
            "/setup",
            &anon,
            &[
                ("csrf", &t),
                ("token", &token),
                ("login", "second"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(b.store.account("second").await.unwrap().is_none());
    // Cookies are HttpOnly and SameSite=Strict.
    let res = tower::ServiceExt::oneshot(
        b.router.clone(),
        axum::http::Request::get("/login")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let set = res.headers()[axum::http::header::SET_COOKIE]
        .to_str()
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
}

#[test]
fn only_loopback_is_served() {
    assert!(touchstone_web::check_listen("127.0.0.1:8645".parse().unwrap()).is_ok());
    assert!(touchstone_web::check_listen("[::1]:8645".parse().unwrap()).is_ok());
    for addr in ["0.0.0.0:8645", "192.168.1.10:80", "[::]:8645"] {
        let e = touchstone_web::check_listen(addr.parse().unwrap()).unwrap_err();
        assert!(e.to_string().contains("loopback only"), "{e}");
    }
}

#[tokio::test]
async fn five_failed_logins_lock_the_login() {
    let b = Bench::new(1 << 20).await;
    let page = b.get("/login", "").await;
    let anon = page.cookie.clone().unwrap();
    let token = csrf(&page.body);
    for _ in 0..5 {
        let r = b
            .post_form(
                "/login",
                &anon,
                &[("csrf", &token), ("login", "alice"), ("password", "guess")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused for alice, not for bob.
    let r = b
        .post_form(
            "/login",
            &anon,
            &[
                ("csrf", &token),
                ("login", "alice"),
                ("password", support::PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    b.login("bob").await;
}
