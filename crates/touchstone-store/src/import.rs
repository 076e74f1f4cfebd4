//! Importing a project directory.
//!
//! Every file of the directory is kept, byte for byte, as a blob named by
//! its SHA-256 (`project_files`), except hidden entries (names starting with
//! `.`, such as `.git`) and what is not a regular file (a symbolic link is
//! followed only when it stays inside the project, through `safe_fs`). The
//! project is then parsed and validated from the *stored* bytes (never from
//! a second read of the directory), and the rows (product, firmware
//! version, ICS, IXIT, records, attachments, dispositions, a run per
//! findings file with its findings, the engine's verdicts) are derived from
//! it, all in one transaction: an invalid project or any failure stores
//! nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;
use touchstone_core::parse_findings;
use touchstone_project::safe_fs::InputKind;
use touchstone_project::{
    Diagnostic, EVIDENCE_FILE, ICS_FILE, IXIT_FILE, PROJECT_FILE, Project, Record,
};

use crate::audit::{self, Change};
use crate::review::ensure_user;
use crate::rows::UserRole;
use crate::stored::{self, Texts, normalize};
use crate::{Result, Store, StoreError, blob, clock};

/// At most this many files are kept from one project directory.
pub const MAX_FILES: usize = 10_000;
/// Directories deeper than this are refused.
pub const MAX_DEPTH: usize = 32;

/// What an import stored.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// The new assessment's id.
    pub id: String,
    /// Its name (the directory's name).
    pub name: String,
    /// Files kept.
    pub files: usize,
    /// Of which new content (the rest was already stored).
    pub new_blobs: usize,
    /// Bytes of the files kept.
    pub bytes: u64,
    /// Evidence records.
    pub records: usize,
    /// Findings imported from the project's findings files.
    pub findings: usize,
    /// Test cases with a verdict.
    pub test_cases: usize,
    /// Warnings of the validation.
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

/// The regular files under `dir`, as normalised relative paths, sorted.
fn walk(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new(), 0usize)];
    while let Some((abs, rel, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(StoreError::Refused(format!(
                "`{rel}` is nested more than {MAX_DEPTH} directories deep"
            )));
        }
        let entries = std::fs::read_dir(&abs)
            .map_err(|e| StoreError::Io(format!("cannot list `{}`: {e}", abs.display())))?;
        for entry in entries {
            let entry = entry
                .map_err(|e| StoreError::Io(format!("cannot list `{}`: {e}", abs.display())))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(StoreError::Refused(format!(
                    "a file name in `{}` is not UTF-8: it could not be exported again",
                    abs.display()
                )));
            };
            if name.starts_with('.') {
                continue;
            }
            let child = if rel.is_empty() {
                name.to_owned()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry
                .file_type()
                .map_err(|e| StoreError::Io(format!("cannot read `{child}`: {e}")))?;
            if kind.is_dir() {
                stack.push((entry.path(), child, depth + 1));
            } else {
                // Regular files and links (safe_fs keeps links inside the
                // project and refuses anything that is not a regular file).
                out.push(child);
            }
            if out.len() > MAX_FILES {
                return Err(StoreError::Refused(format!(
                    "the project directory has more than {MAX_FILES} files"
                )));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn role(path: &str, findings: &BTreeSet<String>, attachments: &BTreeSet<String>) -> &'static str {
    match path {
        PROJECT_FILE => "project",
        ICS_FILE => "ics",
        IXIT_FILE => "ixit",
        EVIDENCE_FILE => "evidence",
        p if findings.contains(p) => "findings",
        p if attachments.contains(p) => "attachment",
        _ => "other",
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

impl Store {
    /// Import the project in `dir` as a new assessment, as user `actor`.
    pub async fn import_project(&self, dir: &Path, actor: &str) -> Result<Imported> {
        if !dir.is_dir() {
            return Err(StoreError::Io(format!(
                "`{}` is not a project directory",
                dir.display()
            )));
        }
        let paths = walk(dir)?;
        if !paths.iter().any(|p| p == PROJECT_FILE) {
            return Err(StoreError::Io(format!(
                "expected {PROJECT_FILE} in `{}`: is this an assessment project?",
                dir.display()
            )));
        }
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string());

        let mut tx = self.begin_write().await?;
        let user_id = ensure_user(&mut tx, actor, UserRole::Assessor).await?;
        // Every file, streamed into blobs.
        let limit = InputKind::Attachment.default_limit();
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        let (mut new_blobs, mut bytes) = (0, 0u64);
        for rel in &paths {
            let b = blob::put_file(&mut tx, &dir.join(rel), Some(dir), limit).await?;
            new_blobs += usize::from(b.new);
            bytes += b.size;
            files.insert(rel.clone(), b.sha256);
        }
        // The project, parsed from the stored bytes.
        let mut texts = Texts::default();
        for (rel, slot) in [
            (PROJECT_FILE, None),
            (ICS_FILE, Some(&mut texts.ics)),
            (IXIT_FILE, Some(&mut texts.ixit)),
            (EVIDENCE_FILE, Some(&mut texts.evidence)),
        ] {
            let Some(sha) = files.get(rel) else { continue };
            let text = stored::text_of(&mut tx, sha, rel).await?;
            match slot {
                Some(slot) => *slot = Some(text),
                None => texts.project = text,
            }
        }
        let (project, warnings) = stored::parse(&texts, &files)?;

        let findings_files: BTreeSet<String> = project
            .findings_files
            .iter()
            .filter_map(|f| normalize(f))
            .collect();
        let attachments: BTreeSet<String> = project
            .records
            .iter()
            .flat_map(|r| r.attachments.iter())
            .chain(project.ics.values().flat_map(|a| a.attachments.iter()))
            .filter_map(|a| normalize(&a.path))
            .collect();

        let id = uuid::Uuid::new_v4().to_string();
        let now = clock::now();
        let firmware_id = firmware(&mut tx, &project, &now).await?;
        sqlx::query(
            "INSERT INTO assessments (id, firmware_id, name, edition, device, conditions, features, deliverable, summary, state, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', 1, $10, $11, $11)",
        )
        .bind(&id)
        .bind(&firmware_id)
        .bind(&name)
        .bind(project.edition.version())
        .bind(to_json(&project.device))
        .bind(to_json(&project.conditions))
        .bind(to_json(&project.features))
        .bind(to_json(&project.deliverable))
        .bind("{}")
        .bind(&user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        for (path, sha) in &files {
            sqlx::query(
                "INSERT INTO project_files (assessment_id, path, role, sha256) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(path)
            .bind(role(path, &findings_files, &attachments))
            .bind(sha)
            .execute(&mut *tx)
            .await?;
        }
        write_declarations(&mut tx, &id, &project).await?;
        for record in &project.records {
            insert_record(&mut tx, &id, record, &user_id, &now).await?;
        }
        write_attachments(&mut tx, &id, &project).await?;
        for d in &project.dispositions {
            sqlx::query(
                "INSERT INTO dispositions (assessment_id, disposition_key, body) VALUES ($1, $2, $3)",
            )
            .bind(&id)
            .bind(&d.id)
            .bind(to_json(d))
            .execute(&mut *tx)
            .await?;
        }
        // One run per findings file, in the project's order.
        let mut finding_count = 0;
        for (position, rel) in project.findings_files.iter().enumerate() {
            let sha = normalize(rel)
                .and_then(|p| files.get(&p).cloned())
                .ok_or_else(|| {
                    StoreError::Io(format!(
                        "findings file `{rel}` is not a file of the project"
                    ))
                })?;
            finding_count += insert_run(&mut tx, &id, position, rel, &sha, &user_id, &now).await?;
        }
        // The engine's verdicts on what was stored.
        let findings = stored::findings_of(&mut tx, &id).await?;
        let assessment = stored::evaluate(&project, &findings)?;
        let changes =
            stored::write_verdicts(&mut tx, &id, &assessment, &user_id, "import", None).await?;
        sqlx::query("UPDATE assessments SET summary = $1 WHERE id = $2")
            .bind(stored::summary(&assessment).to_string())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            Change {
                actor,
                action: "assessment.import",
                entity: "assessment",
                entity_id: &id,
                assessment_id: Some(&id),
                before: None,
                after: Some(json!({
                    "name": name,
                    "maker": project.device.maker,
                    "model": project.device.model,
                    "firmware_version": project.device.firmware_version,
                    "edition": project.edition.version(),
                    "files": files,
                    "summary": stored::summary(&assessment),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Imported {
            id,
            name,
            files: files.len(),
            new_blobs,
            bytes,
            records: project.records.len(),
            findings: finding_count,
            test_cases: changes.len(),
            warnings,
        })
    }
}

/// The product and firmware version of the project's device (created when new).
async fn firmware(conn: &mut AnyConnection, project: &Project, now: &str) -> Result<String> {
    let d = &project.device;
    let product: Option<(String,)> =
        sqlx::query_as("SELECT id FROM products WHERE maker = $1 AND model = $2")
            .bind(&d.maker)
            .bind(&d.model)
            .fetch_optional(&mut *conn)
            .await?;
    let product_id = match product {
        Some((id,)) => id,
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO products (id, maker, model, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(&d.maker)
            .bind(&d.model)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            id
        }
    };
    let fw: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM firmware_versions WHERE product_id = $1 AND version = $2 AND hardware_version = $3",
    )
    .bind(&product_id)
    .bind(&d.firmware_version)
    .bind(&d.hardware_version)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id,)) = fw {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO firmware_versions (id, product_id, version, hardware_version, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(&product_id)
    .bind(&d.firmware_version)
    .bind(&d.hardware_version)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// ICS answers and IXIT entries as rows.
pub(crate) async fn write_declarations(
    conn: &mut AnyConnection,
    id: &str,
    project: &Project,
) -> Result<()> {
    for (provision, a) in &project.ics {
        sqlx::query(
            "INSERT INTO ics_answers (assessment_id, provision, support, detail, ixit, claimed_status, documents) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(provision)
        .bind(a.support.as_str())
        .bind(&a.detail)
        .bind(to_json(&a.ixit))
        .bind(a.claimed_status.as_deref())
        .bind(to_json(&a.documents))
        .execute(&mut *conn)
        .await?;
    }
    for (pos, e) in project.ixit.iter().enumerate() {
        sqlx::query(
            "INSERT INTO ixit_entries (assessment_id, position, table_name, entry_id, title, fields, extensions) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(i64::try_from(pos).unwrap_or(i64::MAX))
        .bind(&e.table)
        .bind(e.id.as_deref())
        .bind(e.title.as_deref())
        .bind(to_json(&e.fields))
        .bind(to_json(&e.extensions))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A record row at version 1.
pub(crate) async fn insert_record(
    conn: &mut AnyConnection,
    assessment_id: &str,
    r: &Record,
    user_id: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO records (id, assessment_id, record_key, test_case, units, verdict, assessor, date, notes, version, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(assessment_id)
    .bind(&r.id)
    .bind(&r.test_case)
    .bind(to_json(&r.units))
    .bind(r.verdict.as_str())
    .bind(&r.assessor)
    .bind(&r.date)
    .bind(&r.notes)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The attachments cited by records and ICS rows (replacing any stored).
pub(crate) async fn write_attachments(
    conn: &mut AnyConnection,
    id: &str,
    project: &Project,
) -> Result<()> {
    sqlx::query("DELETE FROM attachments WHERE assessment_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let owners = project
        .records
        .iter()
        .map(|r| ("record", r.id.as_str(), &r.attachments))
        .chain(
            project
                .ics
                .iter()
                .map(|(p, a)| ("ics", p.as_str(), &a.attachments)),
        );
    for (kind, key, list) in owners {
        for (pos, a) in list.iter().enumerate() {
            sqlx::query(
                "INSERT INTO attachments (assessment_id, owner_kind, owner_key, position, path, sha256, description) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(kind)
            .bind(key)
            .bind(i64::try_from(pos).unwrap_or(i64::MAX))
            .bind(&a.path)
            .bind(&a.sha256)
            .bind(a.description.as_deref())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// A findings file already stored as blob `sha` becomes run number
/// `position` of the assessment with its findings; returns how many.
pub(crate) async fn insert_run(
    conn: &mut AnyConnection,
    id: &str,
    position: usize,
    rel: &str,
    sha: &str,
    user_id: &str,
    now: &str,
) -> Result<usize> {
    let text = blob::read_all(conn, sha, InputKind::Findings.default_limit()).await?;
    let text = String::from_utf8(text)
        .map_err(|_| StoreError::Io(format!("findings file `{rel}` is not UTF-8")))?;
    let set = parse_findings(&text, rel).map_err(|e| StoreError::Io(e.to_string()))?;
    let run_id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO runs (id, assessment_id, position, kind, label, input_sha256, status, started_by, started_at, finished_at) \
         VALUES ($1, $2, $3, 'findings-import', $4, $5, 'done', $6, $7, $7)",
    )
    .bind(&run_id)
    .bind(id)
    .bind(i64::try_from(position).unwrap_or(i64::MAX))
    .bind(rel)
    .bind(sha)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for (pos, f) in set.findings.iter().enumerate() {
        sqlx::query(
            "INSERT INTO findings (run_id, position, check_id, severity, supports, fingerprint, provisions, test_units, message, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&run_id)
        .bind(i64::try_from(pos).unwrap_or(i64::MAX))
        .bind(&f.check)
        .bind(f.severity.as_str())
        .bind(f.supports.as_str())
        .bind(f.fingerprint())
        .bind(to_json(&f.provisions))
        .bind(to_json(&f.test_units))
        .bind(&f.message)
        .bind(to_json(f))
        .execute(&mut *conn)
        .await?;
    }
    Ok(set.findings.len())
}
