//! Templates written by `touchstone init`.
//!
//! The templates are valid projects that claim nothing: every provision has a
//! row with its `support` left to fill in (validation lists the unanswered
//! ones), every condition and feature is listed commented out (undeclared;
//! validation asks for each), and the IXIT and evidence files carry commented
//! examples of every table and field, including dispositions of findings and
//! the laboratory's report metadata.

use std::fmt::Write as _;

use touchstone_catalog::{Catalog, Edition, Records};

use crate::files::{Device, PROJECT_SCHEMA};
use crate::{EVIDENCE_FILE, ICS_FILE, IXIT_FILE, PROJECT_FILE};

/// The files of a new project, as `(file name, content)` pairs.
pub fn scaffold(
    catalog: &Catalog,
    edition: Edition,
    device: &Device,
) -> Vec<(&'static str, String)> {
    vec![
        (PROJECT_FILE, project(catalog, edition, device)),
        (ICS_FILE, ics(catalog, edition)),
        (IXIT_FILE, ixit(catalog, edition)),
        (EVIDENCE_FILE, evidence()),
    ]
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn project(catalog: &Catalog, edition: Edition, device: &Device) -> String {
    let standard = catalog.standard(edition);
    let mut out = String::new();
    let _ = writeln!(out, "# Touchstone assessment project: {edition}.");
    let _ = writeln!(
        out,
        "# Editors: schema/project.schema.json (`touchstone schema project`)."
    );
    let _ = writeln!(out, "schema = {}", quote(PROJECT_SCHEMA));
    let _ = writeln!(out, "standard = {}", quote(edition.version()));
    let _ = writeln!(
        out,
        "# Findings files (JSON, touchstone.findings/v1) fed into every assessment."
    );
    let _ = writeln!(out, "findings = []\n");
    let _ = writeln!(out, "[device]");
    let _ = writeln!(out, "maker = {}", quote(&device.maker));
    let _ = writeln!(out, "model = {}", quote(&device.model));
    let _ = writeln!(
        out,
        "hardware_version = {}",
        quote(&device.hardware_version)
    );
    let _ = writeln!(
        out,
        "firmware_version = {}",
        quote(&device.firmware_version)
    );
    if let Some(d) = &device.description {
        let _ = writeln!(out, "description = {}", quote(d));
    }
    let _ = writeln!(
        out,
        "\n# Which conditions of the status column hold for this device."
    );
    let _ = writeln!(
        out,
        "# A conditional provision may be answered N/A only when one of its conditions is false."
    );
    let _ = writeln!(
        out,
        "# Uncomment each line and set true or false; complementary conditions (such as"
    );
    let _ = writeln!(out, "# constrained / not constrained) must differ.");
    let _ = writeln!(out, "[conditions]");
    for c in &standard.conditions {
        let _ = writeln!(out, "# {} = true  # {}", c.number, c.text);
    }
    if !standard.features.is_empty() {
        let _ = writeln!(out, "\n# Which features (capabilities) the device has.");
        let _ = writeln!(out, "[features]");
        for f in &standard.features {
            let _ = writeln!(out, "# {} = true  # {}", f.letter, f.text);
        }
    }
    out.push_str(DELIVERABLE_TEMPLATE);
    out
}

/// The commented deliverable metadata at the end of `touchstone.toml`.
const DELIVERABLE_TEMPLATE: &str = "
# The deliverable: uncomment and fill in for a report a laboratory signs.
# [lab]
# name = \"Laboratory name\"
# accreditation = \"Accreditation body, number (ISO/IEC 17025:2017)\"
#
# [report]
# id = \"LAB-2026-0001\"
# revision = \"1\"
# client = \"Manufacturer\"
# test_start = 2026-01-05
# test_end = 2026-01-16
# scope = \"What the assessment covers\"
# deviations = []
# [report.assessors]          # assessor per test case (records name theirs too)
# \"5.1-1-1\" = \"Name\"
# [report.reviewer]
# name = \"Name\"
# date = 2026-01-20
# [report.approver]
# name = \"Name\"
# date = 2026-01-21
#
# [[sample]]
# id = \"S1\"
# serial = \"Serial number\"
#
# [[input]]                  # every firmware image and tool input, by file name and SHA-256
# name = \"firmware.bin\"
# sha256 = \"...\"
# kind = \"firmware\"
# sample = \"S1\"
";

fn ics(catalog: &Catalog, edition: Edition) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Implementation Conformance Statement (ICS) for {edition}."
    );
    let _ = writeln!(
        out,
        "# support: Y (supported), N (not supported) or N/A (only for conditional provisions"
    );
    let _ = writeln!(
        out,
        "# whose condition or feature does not hold). detail: the measures taken (Y), the"
    );
    let _ = writeln!(
        out,
        "# reason (N) or the rationale (N/A). Every recommendation answered N or N/A needs"
    );
    let _ = writeln!(
        out,
        "# a justification. ixit: IXIT entry ids, whole tables (`1-AuthMech`) or fields of"
    );
    let _ = writeln!(
        out,
        "# single-record tables (`2-UserInfo.support_period`). Optional per row: status (as the"
    );
    let _ = writeln!(
        out,
        "# pro-forma states it; compared with the catalogue), documents = [...], [[\"id\".attachment]]."
    );
    let _ = writeln!(out, "\n[metadata]");
    let _ = writeln!(
        out,
        "ts_edition = {}  # the TS 103 701 pro-forma filled in",
        quote(&format!("V{}", catalog.spec(edition).spec.version))
    );
    let _ = writeln!(
        out,
        "# version = \"1.0\"\n# date = 2026-01-31\n# state = \"draft\"  # draft, review or final\n# maker = \"...\"\n# supplier = \"...\""
    );
    let _ = writeln!(
        out,
        "\n# Why conditions hold or not (and, in V3.1.3, features are present or not)."
    );
    let _ = writeln!(out, "[conditions]\n\n[features]");
    let mut category = "";
    for p in catalog.provisions(edition) {
        if p.category != category {
            category = &p.category;
            let title = catalog
                .category(edition, category)
                .map_or("", |c| c.title.as_str());
            let _ = writeln!(out, "\n# --- {category} {title} ---");
        }
        let _ = writeln!(
            out,
            "\n# {} [{}] {}: {}",
            p.id,
            p.status(),
            p.title,
            p.summary
        );
        let _ = writeln!(out, "[{}]", quote(&p.id));
        let _ = writeln!(out, "# support = \"Y\" | \"N\" | \"N/A\"");
        let _ = writeln!(out, "detail = \"\"");
    }
    out
}

fn ixit(catalog: &Catalog, edition: Edition) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Implementation eXtra Information for Testing (IXIT)."
    );
    let _ = writeln!(
        out,
        "# Uncomment and fill one block per entry. Ids must be unique in the project;"
    );
    let _ = writeln!(
        out,
        "# the ICS `ixit` lists and reference fields point at them."
    );
    for t in catalog.ixit_tables() {
        let name = t.name_for(edition);
        let title = match edition {
            Edition::V3_1_3 => t.title_v2.as_deref().unwrap_or(&t.title),
            Edition::V2_1_1 => &t.title,
        };
        let _ = writeln!(out, "\n# {name}: {title}. {}", t.describes);
        match t.records {
            Records::Many => {
                let _ = writeln!(out, "# [[{}]]", quote(name));
            }
            Records::Single => {
                let _ = writeln!(out, "# [{}]", quote(name));
            }
        }
        let prefix = name.split_once('-').map_or(name, |(_, n)| n);
        for f in t.fields_for(edition) {
            let example = if f.key == "id" {
                format!("{prefix}-1")
            } else if let Some(r) = &f.refs {
                let target = catalog.ixit_name(edition, r);
                let p = target.split_once('-').map_or(target, |(_, n)| n);
                format!("{p}-1")
            } else {
                String::new()
            };
            let _ = writeln!(out, "# {} = {}  # {}", f.key, quote(&example), f.name);
        }
    }
    out
}

fn evidence() -> String {
    "# Manual evidence records: one [[record]] per assessed test case (or some of its units).\n\
     # verdict: PASS, FAIL or INCONCLUSIVE. Attachments are hashed with SHA-256 so that any\n\
     # later change to the file shows up in validation (`touchstone hash FILE` prints a hash).\n\
     #\n\
     # [[record]]\n\
     # id = \"EV-001\"\n\
     # test_case = \"5.1-1-1\"\n\
     # units = [\"a\"]            # optional: only these units\n\
     # verdict = \"PASS\"\n\
     # assessor = \"Name of the assessor\"\n\
     # date = 2026-01-31\n\
     # notes = \"What was examined and what was observed.\"\n\
     # [[record.attachment]]\n\
     # path = \"evidence/screenshot.png\"\n\
     # sha256 = \"...\"\n\
     #\n\
     # Dispositions of automated findings: one finding by its fingerprint (reports show it),\n\
     # or every finding of a check on one unit or test case. decision: confirmed,\n\
     # false-positive or accepted-risk (a waiver: owner and expires required).\n\
     #\n\
     # [[disposition]]\n\
     # id = \"DSP-001\"\n\
     # finding = \"fp1:0123456789abcdef0123456789abcdef\"   # or: check = \"fw-elf-hardening\"\n\
     # unit = \"5.6-8-1a\"        # required with check\n\
     # decision = \"false-positive\"\n\
     # reason = \"What was examined and why the finding does not hold.\"\n\
     # assessor = \"Name of the assessor\"\n\
     # date = 2026-01-31\n\
     # owner = \"Name\"            # accepted-risk only\n\
     # expires = 2026-06-30       # accepted-risk only\n"
        .to_owned()
}
