//! What the pages show: the queue's filters agree with the engine, and text
//! from the device and the assessors reaches every page escaped.

#![allow(clippy::unwrap_used, unreachable_pub)]

mod support;

use axum::http::StatusCode;
use support::Bench;
use touchstone_core::Verdict;

/// The rows of the queue table.
fn rows(page: &str) -> usize {
    let table = page.split("<table id=\"queue\">").nth(1).unwrap();
    let body = table.split("</table>").next().unwrap();
    body.matches("<tr>").count() - 1
}

#[tokio::test]
async fn the_queue_filters_by_state_kind_category_and_assessor() {
    let b = Bench::new(1 << 20).await;
    let alice = b.login("alice").await;
    let ev = b.store.evaluate(&b.id).await.unwrap();
    let all: Vec<_> = ev
        .assessment
        .provisions
        .iter()
        .flat_map(|p| p.cases.iter().map(move |c| (p, c)))
        .collect();
    let queue = |q: &str| format!("/a/{}/queue{q}", b.id);
    let page = b.get(&queue(""), &alice).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(rows(&page.body), all.len());
    let manual = all
        .iter()
        .filter(|(_, c)| c.verdict == Verdict::NeedsManual)
        .count();
    assert!(manual > 0);
    assert_eq!(
        rows(&b.get(&queue("?state=needs-manual"), &alice).await.body),
        manual
    );
    let conceptual = all
        .iter()
        .filter(|(_, c)| format!("{:?}", c.kind) == "Conceptual")
        .count();
    assert_eq!(
        rows(&b.get(&queue("?kind=conceptual"), &alice).await.body),
        conceptual
    );
    let category = &all[0].0.category;
    let in_category = all.iter().filter(|(p, _)| &p.category == category).count();
    assert_eq!(
        rows(
            &b.get(&queue(&format!("?category={category}")), &alice)
                .await
                .body
        ),
        in_category
    );
    // The example's records are by R. Okafor.
    let okafor = b.store.records(&b.id).await.unwrap();
    let cases: std::collections::BTreeSet<_> = okafor
        .iter()
        .filter(|r| r.assessor == "R. Okafor")
        .map(|r| r.test_case.clone())
        .collect();
    assert!(!cases.is_empty());
    assert_eq!(
        rows(&b.get(&queue("?assessor=R.+Okafor"), &alice).await.body),
        cases.len()
    );
    assert_eq!(
        rows(&b.get(&queue("?assessor=nobody"), &alice).await.body),
        0
    );
}

#[tokio::test]
async fn device_text_is_escaped_on_every_page() {
    let b = Bench::new(1 << 20).await;
    // A copy of the example whose device names carry markup.
    let dir = tempfile::tempdir().unwrap();
    copy(&support::example(), dir.path());
    let toml = dir.path().join("touchstone.toml");
    let text = std::fs::read_to_string(&toml).unwrap().replace(
        "model = \"Lumio SP-20 Smart Plug\"",
        "model = \"<script>alert('model')</script>\"",
    );
    std::fs::write(&toml, text).unwrap();
    let id = b.store.import_project(dir.path(), "lead").await.unwrap().id;
    let alice = b.login("alice").await;
    let case = b.manual_case().await;
    for path in [
        "/".to_owned(),
        format!("/a/{id}"),
        format!("/a/{id}/queue"),
        format!("/a/{id}/tc/{case}"),
        format!("/a/{id}/review"),
    ] {
        let page = b.get(&path, &alice).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script>alert"), "{path}");
    }
    let list = b.get("/", &alice).await;
    assert!(
        list.body
            .contains("&lt;script&gt;alert('model')&lt;/script&gt;")
    );
    // Query text comes back escaped too.
    let page = b
        .get(
            &format!("/a/{id}/queue?assessor=%3Cimg%20src%3Dx%3E"),
            &alice,
        )
        .await;
    assert!(!page.body.contains("<img src=x>"));
}

fn copy(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[tokio::test]
async fn a_new_assessment_starts_from_the_templates() {
    let b = Bench::new(1 << 20).await;
    let alice = b.login("alice").await;
    let page = b.get("/", &alice).await;
    let token = support::csrf(&page.body);
    let r = b
        .post_form(
            "/new",
            &alice,
            &[
                ("csrf", &token),
                ("maker", "Acme <Labs>"),
                ("model", "Cam 1"),
                ("hardware_version", "A"),
                ("firmware_version", "1.0"),
                ("edition", "3.1.3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows = b.store.list_assessments().await.unwrap();
    let new = rows.iter().find(|a| a.model == "Cam 1").unwrap();
    assert_eq!(new.maker, "Acme <Labs>");
    assert_eq!(new.edition, "3.1.3");
    assert_eq!(new.name, "cam-1-1-0");
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/a/{}", new.id).as_str())
    );
    let dashboard = b.get(&format!("/a/{}", new.id), &alice).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    // A reviewer cannot create one.
    let rita = b.login("rita").await;
    let token = support::csrf(&b.get("/", &rita).await.body);
    let r = b
        .post_form(
            "/new",
            &rita,
            &[
                ("csrf", &token),
                ("maker", "x"),
                ("model", "y"),
                ("hardware_version", "1"),
                ("firmware_version", "1"),
                ("edition", "2.1.1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_ics_editor_validates_before_saving_and_keeps_the_text() {
    let b = Bench::new(1 << 20).await;
    let alice = b.login("alice").await;
    let path = format!("/a/{}/edit/ics", b.id);
    let page = b.get(&path, &alice).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("support = &quot;Y&quot;") || page.body.contains("support = \"Y\""));
    let token = support::csrf(&page.body);
    let version = support::hidden(&page.body, "version");
    let original = b
        .store
        .declaration_text(&b.id, touchstone_store::Declaration::Ics)
        .await
        .unwrap();
    // An unknown support word: refused with the validator's diagnostic and
    // its line, the typed text kept, nothing stored.
    let broken = original.replacen("support = \"Y\"", "support = \"MAYBE\"", 1);
    let r = b
        .post_form(
            &path,
            &alice,
            &[("csrf", &token), ("version", &version), ("text", &broken)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"diagnostics\""));
    assert!(r.body.contains("ics.toml:4"), "{}", r.body);
    assert!(r.body.contains("MAYBE"));
    assert_eq!(
        b.store
            .declaration_text(&b.id, touchstone_store::Declaration::Ics)
            .await
            .unwrap(),
        original
    );
    // A valid change (CRLF from the browser, stored as LF) is saved and
    // the ICS rows follow.
    let edited = original
        .replacen(
            "Every recommendation answered N or N/A below carries its justification.",
            "Edited in the workbench.",
            1,
        )
        .replace('\n', "\r\n");
    let r = b
        .post_form(
            &path,
            &alice,
            &[("csrf", &token), ("version", &version), ("text", &edited)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Saved ics.toml"));
    let now = b
        .store
        .declaration_text(&b.id, touchstone_store::Declaration::Ics)
        .await
        .unwrap();
    assert!(now.contains("Edited in the workbench.") && !now.contains('\r'));
    let ev = b.store.evaluate(&b.id).await.unwrap();
    assert_eq!(ev.project.ics["4-1"].detail, "Edited in the workbench.");
    // The version read before that save is now stale: a conflict, text kept.
    let r = b
        .post_form(
            &path,
            &alice,
            &[
                ("csrf", &token),
                ("version", &version),
                ("text", "# stale edit\n"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("# stale edit"));
    // A reviewer cannot edit.
    let rita = b.login("rita").await;
    let page = b.get(&path, &rita).await;
    assert!(!page.body.contains("id=\"save-declaration\""));
    let r = b
        .post_form(
            &path,
            &rita,
            &[
                ("csrf", &support::csrf(&page.body)),
                ("version", &support::hidden(&page.body, "version")),
                ("text", &original),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_findings_file_becomes_a_run_and_changes_verdicts() {
    let b = Bench::new(1 << 20).await;
    let alice = b.login("alice").await;
    let dashboard = b.get(&format!("/a/{}", b.id), &alice).await;
    let token = support::csrf(&dashboard.body);
    let version = support::hidden(&dashboard.body, "version");
    let findings = r#"{"schema": "touchstone.findings/v1", "findings": [
        {"check": "lab-manual-check", "severity": "high", "supports": "fail",
         "provisions": ["5.1-1"], "test_units": ["5.1-1-2a"],
         "message": "<b>default</b> password accepted"}]}"#;
    // Not JSON of the format: refused, nothing stored.
    let r = b
        .post_multipart(
            &format!("/a/{}/findings", b.id),
            &alice,
            &[("csrf", &token), ("version", &version)],
            Some(("bad.json", b"{ not json")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let files = b.store.files(&b.id).await.unwrap();
    assert!(!files.iter().any(|(p, _, _)| p == "findings/bad.json"));
    let r = b
        .post_multipart(
            &format!("/a/{}/findings", b.id),
            &alice,
            &[("csrf", &token), ("version", &version)],
            Some(("bench.json", findings.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ev = b.store.evaluate(&b.id).await.unwrap();
    assert!(
        ev.project
            .findings_files
            .contains(&"findings/bench.json".to_owned())
    );
    let case = ev
        .assessment
        .provisions
        .iter()
        .flat_map(|p| &p.cases)
        .find(|c| c.id == "5.1-1-2")
        .unwrap();
    assert_eq!(case.verdict, Verdict::Fail, "{}", case.reason);
    let page = b.get(&b.case_path("5.1-1-2"), &alice).await;
    assert!(
        page.body
            .contains("&lt;b&gt;default&lt;/b&gt; password accepted")
    );
    // The same version again: a conflict.
    let r = b
        .post_multipart(
            &format!("/a/{}/findings", b.id),
            &alice,
            &[("csrf", &token), ("version", &version)],
            Some(("again.json", findings.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}
