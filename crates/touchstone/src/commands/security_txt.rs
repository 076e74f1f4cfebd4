//! `touchstone security-txt FILE|URL`: validate a security.txt (RFC 9116).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use serde_json::json;
use touchstone_core::text::display_safe;
use touchstone_core::{Finding, Supports};
use touchstone_probe::fetch_security_txt_blocking;
use touchstone_probe::security_txt::fetch::FetchOptions;

use crate::cli::{Format, SecurityTxtArgs};
use crate::output::Ui;

/// Largest file read from disk.
const MAX_FILE: u64 = 1024 * 1024;

pub(crate) fn run(args: &SecurityTxtArgs, ui: &Ui) -> Result<ExitCode> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let is_url = args.source.starts_with("http://") || args.source.starts_with("https://");
    let (value, findings): (serde_json::Value, Vec<Finding>) = if is_url {
        let mut options = FetchOptions {
            timeout: Duration::from_secs(args.timeout.clamp(1, 120)),
            now,
            ..FetchOptions::default()
        };
        if let Some(path) = &args.ca {
            options.lab_anchors = super::probe::lab_anchors(path)?;
        }
        let (fetched, findings) = fetch_security_txt_blocking(&args.source, &options)
            .with_context(|| format!("cannot fetch `{}`", args.source))?;
        for a in &fetched.attempts {
            ui.err_line(&format!("GET {}", display_safe(&a.describe())));
        }
        (serde_json::to_value(&fetched)?, findings)
    } else {
        let path = std::path::Path::new(&args.source);
        let size = std::fs::metadata(path)
            .with_context(|| {
                format!(
                    "cannot read {}\n  hint: give a file name or an http(s):// URL",
                    path.display()
                )
            })?
            .len();
        anyhow::ensure!(
            size <= MAX_FILE,
            "{} is {size} bytes; a security.txt is small text (at most {MAX_FILE} bytes are read)",
            path.display()
        );
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        let (doc, findings) = touchstone_probe::security_txt_findings(&text, &args.source, now);
        (
            json!({ "requested": args.source, "document": doc }),
            findings,
        )
    };
    let failed = findings.iter().any(|f| f.supports == Supports::Fail);
    match args.format {
        Format::Json => {
            let mut value = value;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("findings".into(), serde_json::to_value(&findings)?);
            }
            ui.out(&super::to_json(&value)?)?;
        }
        Format::Human => {
            let mut out = String::new();
            for f in &findings {
                let _ = writeln!(
                    out,
                    "{:<5} {:<20} {}",
                    f.supports.as_str(),
                    display_safe(f.evidence.as_deref().unwrap_or("-")),
                    display_safe(&f.message)
                );
            }
            ui.out(&out)?;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
