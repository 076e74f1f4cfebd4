//! Parsing and validation of project files against the catalogue.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use touchstone_catalog::{Catalog, Edition, IxitTable, Modal, Records};
use touchstone_core::text::{line_col, nearest};

use crate::declared::{
    FieldValue, IcsMeta, IxitRef, Rationales, RefItem, clean_id, normalize_key, normalize_status,
    normalize_ts_edition, typed,
};
use crate::files::{
    AttachmentRow, DispositionRow, EvidenceFile, IXIT_NOTES, IcsFile, IxitFile, PROJECT_SCHEMA,
    ProjectFile, RecordRow, Support, valid_ymd,
};
use crate::{
    Attachment, Diagnostic, EVIDENCE_FILE, ICS_FILE, IXIT_FILE, IcsAnswer, IxitEntry, PROJECT_FILE,
    Project, Record,
};

/// The texts of a project's files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    /// `touchstone.toml`.
    pub project: &'a str,
    /// `ics.toml`, if present.
    pub ics: Option<&'a str>,
    /// `ixit.toml`, if present.
    pub ixit: Option<&'a str>,
    /// `evidence.toml`, if present.
    pub evidence: Option<&'a str>,
}

/// Hash an attachment given its path relative to the project: lowercase hex SHA-256, or why not.
pub type AttachmentHasher<'a> = dyn FnMut(&str) -> Result<String, String> + 'a;

struct Ctx<'a> {
    catalog: &'a Catalog,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn error(
        &mut self,
        code: &str,
        file: &str,
        text: &str,
        span: Option<Range<usize>>,
        msg: String,
    ) -> &mut Diagnostic {
        self.diags.push(
            Diagnostic::error(file, span.map(|s| line_col(text, s.start)), msg).with_code(code),
        );
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn warning(
        &mut self,
        code: &str,
        file: &str,
        text: &str,
        span: Option<Range<usize>>,
        msg: String,
    ) -> &mut Diagnostic {
        self.diags.push(
            Diagnostic::warning(file, span.map(|s| line_col(text, s.start)), msg).with_code(code),
        );
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }
}

fn hint(d: &mut Diagnostic, text: impl Into<String>) {
    d.hint = Some(text.into());
}

/// Turn a TOML parse error into a diagnostic with position and hint.
fn syntax(file: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let pos = e.span().map(|s| line_col(text, s.start));
    let message = e.message().trim().to_owned();
    let (code, h) = if message.contains("unknown field") {
        (
            "TS0101",
            "check the spelling; `touchstone init` writes a template with every field, and `touchstone schema` gives a JSON Schema for editors",
        )
    } else if message.contains("unknown variant") {
        (
            "TS0102",
            "use one of the values listed above, exactly as written (verdicts in capitals: PASS, FAIL, INCONCLUSIVE)",
        )
    } else if message.contains("missing field") {
        (
            "TS0103",
            "add the field; `touchstone init` writes a template with every required field",
        )
    } else if message.contains("invalid type") || message.contains("did not match any variant") {
        (
            "TS0104",
            "the value has the wrong type; `touchstone schema` gives the JSON Schema of every field",
        )
    } else {
        (
            "TS0100",
            "the file must be valid TOML (https://toml.io); check quotes, brackets and commas near this position",
        )
    };
    Diagnostic::error(file, pos, format!("expected {}", describe(&message)))
        .with_code(code)
        .with_hint(h)
}

/// Make serde's messages read as "expected ...".
fn describe(message: &str) -> String {
    let m = message.trim_end_matches('.');
    // "invalid type: integer `3`, expected a string"
    if let Some(rest) = m.strip_prefix("invalid type: ")
        && let Some((found, want)) = rest.split_once(", expected ")
    {
        return format!("{want}, found {found}");
    }
    if let Some(rest) = m.strip_prefix("unknown field ")
        && let Some((field, want)) = rest.split_once(", expected ")
    {
        return format!("{want}, found unknown field {field}");
    }
    if let Some(rest) = m.strip_prefix("unknown variant ")
        && let Some((found, want)) = rest.split_once(", expected ")
    {
        return format!("{want}, found {found}");
    }
    if let Some(field) = m.strip_prefix("missing field ") {
        return format!("field {field}, which is missing");
    }
    format!("valid TOML: {m}")
}

/// Parse one file, turning a syntax error into a diagnostic.
fn parse_file<'t, T: serde::de::DeserializeOwned>(
    diags: &mut Vec<Diagnostic>,
    name: &str,
    text: &'t str,
) -> Option<(&'t str, T)> {
    match toml::from_str::<T>(text) {
        Ok(f) => Some((text, f)),
        Err(e) => {
            diags.push(syntax(name, text, &e));
            None
        }
    }
}

/// Validate a project's texts; `hasher` checks attachments.
///
/// Returns the project when there are no errors (warnings allowed) and every diagnostic found.
pub fn parse(
    sources: &Sources<'_>,
    catalog: &Catalog,
    hasher: &mut AttachmentHasher<'_>,
) -> (Option<Project>, Vec<Diagnostic>) {
    let mut ctx = Ctx {
        catalog,
        diags: Vec::new(),
    };
    let project_file =
        parse_file::<ProjectFile>(&mut ctx.diags, PROJECT_FILE, sources.project).map(|(_, p)| p);
    let ics = match sources.ics {
        None => {
            ctx.diags.push(
                Diagnostic::coded("TS0209", ICS_FILE, None, "the project has no ICS file")
                    .with_hint(
                        "`touchstone init` scaffolds `ics.toml` with a row for every provision",
                    ),
            );
            None
        }
        Some(text) => parse_file::<IcsFile>(&mut ctx.diags, ICS_FILE, text),
    };
    let ixit = sources
        .ixit
        .and_then(|text| parse_file::<IxitFile>(&mut ctx.diags, IXIT_FILE, text));
    let evidence = sources
        .evidence
        .and_then(|text| parse_file::<EvidenceFile>(&mut ctx.diags, EVIDENCE_FILE, text));
    // A file that does not parse says nothing about the others' references:
    // report only what stopped the parse, never a cascade of unknown ids.
    if ctx.diags.iter().any(Diagnostic::is_error) {
        return (None, ctx.diags);
    }
    let header = project_file
        .as_ref()
        .and_then(|p| check_header(&mut ctx, sources.project, p));

    // Everything below needs the edition.
    let Some((project_file, edition, conditions, features)) = header else {
        return (None, ctx.diags);
    };
    let (ixit_entries, ixit_notes) = ixit
        .map(|(text, file)| check_ixit(&mut ctx, edition, text, file))
        .unwrap_or_default();
    let (ics_answers, (ics_meta, rationales)) = ics
        .map(|(text, file)| {
            let declared = check_ics_declaration(&mut ctx, edition, text, &file);
            let answers = check_ics(
                &mut ctx,
                edition,
                &conditions,
                &features,
                &ixit_entries,
                text,
                file,
                hasher,
            );
            (answers, declared)
        })
        .unwrap_or_default();
    let (records, dispositions) = evidence
        .map(|(text, file)| check_evidence(&mut ctx, edition, text, file, hasher))
        .unwrap_or_default();
    let deliverable = check_deliverable(&mut ctx, sources.project, &project_file);

    let findings_files = project_file
        .findings
        .iter()
        .map(|f| f.get_ref().clone())
        .collect();
    for f in &project_file.findings {
        if !is_inside(f.get_ref()) {
            ctx.error(
                "TS0117",
                PROJECT_FILE,
                sources.project,
                Some(f.span()),
                format!(
                    "expected a path inside the project, found `{}`",
                    f.get_ref()
                ),
            );
        }
    }

    let project = Project {
        edition,
        device: project_file.device,
        conditions,
        features,
        ics: ics_answers,
        ixit: ixit_entries,
        records,
        findings_files,
        dispositions,
        deliverable,
        ics_meta,
        rationales,
        ixit_notes,
    };
    let ok = !ctx.diags.iter().any(Diagnostic::is_error);
    (ok.then_some(project), ctx.diags)
}

type Header = (
    ProjectFile,
    Edition,
    BTreeMap<u32, bool>,
    BTreeMap<String, bool>,
);

fn check_header(ctx: &mut Ctx<'_>, text: &str, p: &ProjectFile) -> Option<Header> {
    let f = PROJECT_FILE;
    if p.schema.get_ref() != PROJECT_SCHEMA {
        let d = ctx.error(
            "TS0110",
            f,
            text,
            Some(p.schema.span()),
            format!(
                "expected schema `{PROJECT_SCHEMA}`, found `{}`",
                p.schema.get_ref()
            ),
        );
        hint(
            d,
            "this version of Touchstone reads project files of that schema only",
        );
    }
    let Some(edition) = Edition::parse(p.standard.get_ref()) else {
        let d = ctx.error(
            "TS0111",
            f,
            text,
            Some(p.standard.span()),
            format!(
                "expected the EN 303 645 edition `2.1.1` or `3.1.3`, found `{}`",
                p.standard.get_ref()
            ),
        );
        hint(d, "UK PSTI pins 2.1.1; use 3.1.3 for the current edition");
        return None;
    };
    let standard = ctx.catalog.standard(edition);
    let mut conditions = BTreeMap::new();
    for (key, holds) in &p.conditions {
        let known = key
            .get_ref()
            .parse::<u32>()
            .ok()
            .filter(|n| standard.conditions.iter().any(|c| c.number == *n));
        match known {
            Some(n) => {
                conditions.insert(n, *holds);
            }
            None => {
                let numbers: Vec<String> = standard
                    .conditions
                    .iter()
                    .map(|c| c.number.to_string())
                    .collect();
                let d = ctx.error(
                    "TS0112",
                    f,
                    text,
                    Some(key.span()),
                    format!(
                        "expected a condition of {edition} ({}), found `{}`",
                        numbers.join(", "),
                        key.get_ref()
                    ),
                );
                hint(
                    d,
                    "conditions are numbered as in the status column of Annex B; `touchstone catalog conditions` lists them",
                );
            }
        }
    }
    for c in &standard.conditions {
        if !conditions.contains_key(&c.number) {
            ctx.warning(
                "TS0113",
                f,
                text,
                None,
                format!(
                    "condition {} ({}) is not declared; it is taken to hold",
                    c.number, c.text
                ),
            );
        }
    }
    let mut features = BTreeMap::new();
    for (key, present) in &p.features {
        if standard.features.iter().any(|x| &x.letter == key.get_ref()) {
            features.insert(key.get_ref().clone(), *present);
        } else {
            let d = ctx.error(
                "TS0114",
                f,
                text,
                Some(key.span()),
                format!(
                    "expected a feature letter of {edition}, found `{}`",
                    key.get_ref()
                ),
            );
            if standard.features.is_empty() {
                hint(
                    d,
                    "EN 303 645 V2.1.1 has no lettered features: remove the [features] table",
                );
            } else {
                hint(
                    d,
                    "features are lettered a to aa; `touchstone catalog conditions --standard 3.1.3` lists them",
                );
            }
        }
    }
    for x in &standard.features {
        if !features.contains_key(&x.letter) {
            ctx.warning(
                "TS0115",
                f,
                text,
                None,
                format!(
                    "feature {} ({}) is not declared; it is taken to be present",
                    x.letter, x.text
                ),
            );
        }
    }
    contradictions(ctx, text, edition, &conditions, &features);
    Some((p.clone(), edition, conditions, features))
}

/// Conditions declared alike although one is the other's complement, and
/// conditions or features declared absent although one that implies them holds.
fn contradictions(
    ctx: &mut Ctx<'_>,
    text: &str,
    edition: Edition,
    conditions: &BTreeMap<u32, bool>,
    features: &BTreeMap<String, bool>,
) {
    let standard = ctx.catalog.standard(edition);
    let mut found = Vec::new();
    for c in &standard.conditions {
        let Some(&holds) = conditions.get(&c.number) else {
            continue;
        };
        if let Some(other) = c.complement
            && other > c.number
            && conditions.get(&other) == Some(&holds)
        {
            found.push(format!(
                "conditions {} ({}) and {other} are declared both {}, but exactly one of them holds",
                c.number,
                c.text,
                if holds { "true" } else { "false" }
            ));
        }
        for implied in &c.implies {
            if holds && conditions.get(implied) == Some(&false) {
                found.push(format!(
                    "condition {} ({}) holds, so condition {implied} must hold too, but it is declared false",
                    c.number, c.text
                ));
            }
        }
    }
    for x in &standard.features {
        for implied in &x.implies {
            if features.get(&x.letter) == Some(&true) && features.get(implied) == Some(&false) {
                found.push(format!(
                    "feature {} ({}) is present, so feature {implied} must be present too, but it is declared false",
                    x.letter, x.text
                ));
            }
        }
    }
    for message in found {
        let d = ctx.error(
            "TS0116",
            PROJECT_FILE,
            text,
            None,
            format!("expected consistent conditions: {message}"),
        );
        hint(
            d,
            "fix the declarations in touchstone.toml; `touchstone catalog conditions` lists them",
        );
    }
}

fn date_of(
    ctx: &mut Ctx<'_>,
    file: &str,
    text: &str,
    what: &str,
    d: &toml::Spanned<crate::files::DateField>,
) -> String {
    match d.get_ref().ymd() {
        Some(ymd) => ymd,
        None => {
            let e = ctx.error(
                "TS0402",
                file,
                text,
                Some(d.span()),
                format!(
                    "expected a date like 2026-11-20 for {what}, found `{}`",
                    d.get_ref().raw()
                ),
            );
            hint(e, "write the date as YYYY-MM-DD, without a time");
            d.get_ref().raw()
        }
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_deliverable(ctx: &mut Ctx<'_>, text: &str, p: &ProjectFile) -> crate::Deliverable {
    let f = PROJECT_FILE;
    let mut out = crate::Deliverable::default();
    if let Some(lab) = &p.lab {
        out.lab_name = Some(lab.name.clone());
        out.lab_accreditation = lab.accreditation.clone();
        out.lab_address = lab.address.clone();
    }
    let sign = |ctx: &mut Ctx<'_>, what: &str, s: &Option<crate::files::SignatureFile>| {
        s.as_ref().map(|s| crate::Signature {
            name: s.name.clone(),
            role: s.role.clone(),
            date: date_of(ctx, f, text, what, &s.date),
        })
    };
    if let Some(r) = &p.report {
        out.report_id = Some(r.id.clone());
        out.revision = r.revision.clone();
        out.client = r.client.clone();
        out.scope = r.scope.clone();
        out.deviations = r.deviations.clone();
        out.assessors = r.assessors.clone();
        out.test_start = r
            .test_start
            .as_ref()
            .map(|d| date_of(ctx, f, text, "report.test_start", d));
        out.test_end = r
            .test_end
            .as_ref()
            .map(|d| date_of(ctx, f, text, "report.test_end", d));
        if let (Some(a), Some(b)) = (&out.test_start, &out.test_end)
            && valid_ymd(a)
            && valid_ymd(b)
            && b < a
        {
            let d = ctx.error(
                "TS0120",
                f,
                text,
                r.test_end.as_ref().map(|d| d.span()),
                format!("expected the test period to end on or after {a}, found end {b}"),
            );
            hint(d, "swap test_start and test_end");
        }
        out.reviewer = sign(ctx, "report.reviewer.date", &r.reviewer);
        out.approver = sign(ctx, "report.approver.date", &r.approver);
        if out.approver.is_some() && out.reviewer.is_none() {
            let d = ctx.error(
                "TS0121",
                f,
                text,
                None,
                "expected a reviewer before an approver: the report is approved after its technical review".to_owned(),
            );
            hint(d, "add [report.reviewer] with name and date");
        }
        for (case, who) in &r.assessors {
            if ctx.catalog.case_by_id(p_edition(p), case).is_none() || who.trim().is_empty() {
                ctx.warning(
                    "TS0122",
                    f,
                    text,
                    None,
                    format!("report.assessors names `{case}`, which is not a test case of the plan, or no assessor"),
                );
            }
        }
    }
    for s in &p.samples {
        out.samples.push(crate::Sample {
            id: s.id.clone(),
            serial: s.serial.clone(),
            hardware_version: s.hardware_version.clone(),
            firmware_version: s.firmware_version.clone(),
            notes: s.notes.clone(),
        });
    }
    for i in &p.inputs {
        if !is_sha256(i.sha256.trim()) {
            ctx.error(
                "TS0123",
                f,
                text,
                None,
                format!(
                    "expected the SHA-256 of input `{}` as 64 hex digits, found `{}`",
                    i.name, i.sha256
                ),
            );
        }
        if i.name.contains('/') || i.name.contains('\\') {
            let d = ctx.error(
                "TS0124",
                f,
                text,
                None,
                format!(
                    "expected a file name without directories for input `{}`",
                    i.name
                ),
            );
            hint(
                d,
                "reports name inputs by file name and hash, never by host path",
            );
        }
        if let Some(sample) = &i.sample
            && !p.samples.iter().any(|s| &s.id == sample)
        {
            ctx.error(
                "TS0125",
                f,
                text,
                None,
                format!(
                    "expected input `{}` to name a declared sample, found `{sample}`",
                    i.name
                ),
            );
        }
        out.inputs.push(crate::Input {
            name: i.name.clone(),
            sha256: i.sha256.trim().to_lowercase(),
            kind: i.kind.clone(),
            sample: i.sample.clone(),
        });
    }
    out
}

fn p_edition(p: &ProjectFile) -> Edition {
    Edition::parse(p.standard.get_ref()).unwrap_or(Edition::ALL[0])
}

/// `[metadata]`, `[conditions]` and `[features]` of `ics.toml`.
fn check_ics_declaration(
    ctx: &mut Ctx<'_>,
    edition: Edition,
    text: &str,
    file: &IcsFile,
) -> (IcsMeta, Rationales) {
    let f = ICS_FILE;
    let catalog = ctx.catalog;
    let mut meta = IcsMeta::default();
    if let Some(m) = &file.metadata {
        let m = m.get_ref();
        if let Some(ts) = &m.ts_edition {
            let expected = &catalog.spec(edition).spec.version;
            match normalize_ts_edition(ts.get_ref()) {
                Some(v) if &v == expected => meta.ts_edition = Some(v),
                Some(v) => {
                    let d = ctx.warning(
                        "TS0211",
                        f,
                        text,
                        Some(ts.span()),
                        format!(
                            "the ICS says it follows TS 103 701 V{v}, but {edition} is assessed with TS 103 701 V{expected}"
                        ),
                    );
                    hint(
                        d,
                        "check which pro-forma the maker filled in; IXIT table names and fields differ between the editions",
                    );
                    meta.ts_edition = Some(v);
                }
                None => {
                    let d = ctx.warning(
                        "TS0212",
                        f,
                        text,
                        Some(ts.span()),
                        format!(
                            "expected a TS 103 701 edition like `V{expected}` in `ts_edition`, found `{}`",
                            ts.get_ref()
                        ),
                    );
                    hint(d, "write the version number, for instance \"V1.1.1\"");
                }
            }
        }
        if let Some(date) = &m.date {
            meta.date = Some(date_of(ctx, f, text, "the ICS metadata date", date));
        }
        meta.version = m.version.clone();
        meta.state = m.state.map(|s| s.as_str().to_owned());
        meta.maker = m.maker.clone();
        meta.supplier = m.supplier.clone();
    }
    let standard = catalog.standard(edition);
    let mut rationales = Rationales::default();
    for (key, why) in &file.conditions {
        let n = key
            .get_ref()
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| standard.conditions.iter().any(|c| c.number == *n));
        match n {
            Some(n) => {
                rationales.conditions.insert(n, why.get_ref().clone());
            }
            None => {
                let d = ctx.warning(
                    "TS0213",
                    f,
                    text,
                    Some(key.span()),
                    format!(
                        "rationale for `{}` ignored: {edition} has no such condition",
                        key.get_ref()
                    ),
                );
                hint(
                    d,
                    "`touchstone catalog conditions` lists the numbered conditions",
                );
            }
        }
    }
    for (key, why) in &file.features {
        let letter = key.get_ref().trim();
        if standard.features.iter().any(|x| x.letter == letter) {
            rationales
                .features
                .insert(letter.to_owned(), why.get_ref().clone());
        } else {
            let d = ctx.warning(
                "TS0214",
                f,
                text,
                Some(key.span()),
                format!("rationale for feature `{letter}` ignored: {edition} has no such feature"),
            );
            hint(d, "features are lettered a to aa in EN 303 645 V3.1.3 only");
        }
    }
    (meta, rationales)
}

/// Above this many IXIT entries, unknown references get no "did you mean" hint.
const MAX_SUGGESTION_CANDIDATES: usize = 2000;

/// Resolve one ICS reference into the IXIT: a table name, `table.field` of a
/// single-record table, or an entry id. `Err` says why not.
fn resolve_ics_ref(
    catalog: &Catalog,
    edition: Edition,
    ixit: &[IxitEntry],
    raw: &str,
) -> Result<IxitRef, (String, Option<String>)> {
    let r = clean_id(raw);
    if let Some(t) = catalog.ixit_table(r).filter(|t| t.is_named(r)) {
        return Ok(IxitRef::Table {
            table: t.name_for(edition).to_owned(),
        });
    }
    if let Some((table, field)) = r.split_once(['.', ':'])
        && let Some(t) = catalog.ixit_table(clean_id(table))
    {
        let canonical = t.name_for(edition).to_owned();
        let key = normalize_key(field);
        let Some(fd) = t
            .fields_for(edition)
            .find(|x| x.key == key || x.aliases.contains(&key))
        else {
            let keys: Vec<&str> = t.fields_for(edition).map(|x| x.key.as_str()).collect();
            return Err((
                format!(
                    "expected a field of IXIT table `{canonical}`, found unknown `{}`",
                    clean_id(field)
                ),
                Some(match nearest(&key, keys.iter().copied()) {
                    Some(near) => format!("did you mean `{canonical}.{near}`?"),
                    None => format!("the fields are: {}", keys.join(", ")),
                }),
            ));
        };
        if t.records == Records::Many {
            return Err((
                format!(
                    "expected a field of a single-record table, found `{r}`: `{canonical}` has many entries"
                ),
                Some(format!(
                    "refer to the entry by its id, or to the whole table as `{canonical}`"
                )),
            ));
        }
        return Ok(IxitRef::Field {
            table: canonical,
            field: fd.key.clone(),
        });
    }
    if ixit.iter().any(|e| e.id.as_deref() == Some(r)) {
        return Ok(IxitRef::Entry { id: r.to_owned() });
    }
    // Suggestions compare against every id: skipped for very large IXITs.
    let near = (ixit.len() <= MAX_SUGGESTION_CANDIDATES)
        .then(|| nearest(r, ixit.iter().filter_map(|e| e.id.as_deref())))
        .flatten()
        .map(|n| format!("did you mean `{n}`?"));
    Err((
        format!(
            "expected the id of an entry in ixit.toml, an IXIT table name or `table.field`, found unknown `{r}`"
        ),
        near,
    ))
}

/// Check and hash the attachments of an ICS row.
fn ics_attachments(
    ctx: &mut Ctx<'_>,
    text: &str,
    rows: Vec<toml::Spanned<AttachmentRow>>,
    hasher: &mut AttachmentHasher<'_>,
) -> Vec<Attachment> {
    let f = ICS_FILE;
    let mut out = Vec::new();
    for a in rows {
        let span = a.span();
        let a = a.into_inner();
        if !is_inside(&a.path) {
            let d = ctx.error(
                "TS0215",
                f,
                text,
                Some(span),
                format!(
                    "expected an attachment path inside the project, found `{}`",
                    a.path
                ),
            );
            hint(
                d,
                "keep supporting files in the project so they are versioned with it",
            );
            continue;
        }
        match hasher(&a.path) {
            Ok(actual) if actual.eq_ignore_ascii_case(a.sha256.trim()) => {}
            Ok(actual) => {
                let d = ctx.error(
                    "TS0216",
                    f,
                    text,
                    Some(span),
                    format!(
                        "expected `{}` to have SHA-256 {}, found {actual}: the file changed after it was recorded",
                        a.path, a.sha256
                    ),
                );
                hint(
                    d,
                    "review the change and update `sha256` (`touchstone hash FILE` prints it)",
                );
            }
            Err(why) => {
                let d = ctx.error(
                    "TS0217",
                    f,
                    text,
                    Some(span),
                    format!("expected attachment `{}` to be readable: {why}", a.path),
                );
                hint(d, "paths are relative to the project directory");
            }
        }
        out.push(Attachment {
            path: a.path,
            sha256: a.sha256.to_lowercase(),
            description: a.description,
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn check_ics(
    ctx: &mut Ctx<'_>,
    edition: Edition,
    conditions: &BTreeMap<u32, bool>,
    features: &BTreeMap<String, bool>,
    ixit: &[IxitEntry],
    text: &str,
    file: IcsFile,
    hasher: &mut AttachmentHasher<'_>,
) -> BTreeMap<String, IcsAnswer> {
    let f = ICS_FILE;
    let catalog = ctx.catalog;
    let mut answers = BTreeMap::new();
    let mut unanswered: Vec<String> = Vec::new();
    for (key, row) in file.rows {
        let id = key.get_ref();
        let Some(provision) = catalog.provision(edition, id) else {
            let d = ctx.error(
                "TS0200",
                f,
                text,
                Some(key.span()),
                format!("expected a provision id of {edition}, found unknown `{id}`"),
            );
            let other = Edition::ALL.into_iter().find(|e| *e != edition);
            let void = catalog.standard(edition).voids.iter().find(|v| &v.id == id);
            if let Some(v) = void {
                hint(
                    d,
                    format!(
                        "{id} is void in {edition}: answer {} instead",
                        v.replaced_by.join(" and ")
                    ),
                );
            } else if let Some(near) = nearest(
                id,
                catalog.provisions(edition).iter().map(|p| p.id.as_str()),
            ) {
                hint(d, format!("did you mean `{near}`?"));
            } else if let Some(o) = other.filter(|o| catalog.provision(*o, id).is_some()) {
                hint(
                    d,
                    format!("{id} exists in {o}; check `standard` in touchstone.toml"),
                );
            } else {
                hint(d, "`touchstone catalog provisions` lists the ids");
            }
            continue;
        };
        let span = row.span();
        let row = row.into_inner();
        let Some(support_field) = row.support.clone() else {
            unanswered.push(id.clone());
            continue;
        };
        let support = *support_field.get_ref();
        let applicability = crate::unmet(provision, conditions, features);
        match support {
            Support::NA if !provision.is_conditional() => {
                let d = ctx.error(
"TS0201",
                    f,
                    text,
                    Some(support_field.span()),
                    format!(
                        "expected `Y` or `N` for {id}, found `N/A`: {id} has status {} and applies to every device",
                        provision.status()
                    ),
                );
                hint(
                    d,
                    "N/A is only allowed on conditional provisions whose condition or feature does not hold; answer N with a reason if it is not met",
                );
            }
            Support::NA if applicability.is_empty() => {
                let what: Vec<String> = provision
                    .conditions
                    .iter()
                    .map(|c| format!("condition {c}"))
                    .chain(provision.features.iter().map(|x| format!("feature {x}")))
                    .collect();
                let d = ctx.error(
"TS0202",
                    f,
                    text,
                    Some(support_field.span()),
                    format!(
                        "expected `Y` or `N` for {id}, found `N/A`: {} {} according to touchstone.toml, so {id} applies",
                        what.join(" and "),
                        if what.len() == 1 { "holds" } else { "hold" }
                    ),
                );
                hint(
                    d,
                    "set the condition or feature to false in touchstone.toml if it really does not hold",
                );
            }
            Support::Y if !applicability.is_empty() => {
                ctx.warning(
                    "TS0203",
                    f,
                    text,
                    Some(support_field.span()),
                    format!(
                        "{id} is answered `Y` although {} {}; it will be assessed anyway",
                        applicability.join(" and "),
                        if applicability.len() == 1 {
                            "does not hold"
                        } else {
                            "do not hold"
                        }
                    ),
                );
            }
            Support::N | Support::NA
                if provision.modal == Modal::R && row.detail.trim().is_empty() =>
            {
                let d = ctx.warning(
"TS0204",
                    f,
                    text,
                    Some(span.clone()),
                    format!(
                        "recommendation {id} is answered `{}` without a justification; the reporting provision will fail",
                        support.as_str()
                    ),
                );
                hint(d, "write the reason in `detail`");
            }
            Support::N if provision.modal == Modal::M => {
                ctx.warning(
                    "TS0205",
                    f,
                    text,
                    Some(support_field.span()),
                    format!("mandatory provision {id} is answered `N`: a declared non-conformity"),
                );
            }
            _ => {}
        }
        if let Some(claimed) = &row.status
            && normalize_status(claimed.get_ref()) != normalize_status(&provision.status())
        {
            let d = ctx.warning(
                "TS0218",
                f,
                text,
                Some(claimed.span()),
                format!(
                    "the ICS gives {id} the status `{}`, the catalogue has `{}` for {edition}",
                    claimed.get_ref().trim(),
                    provision.status()
                ),
            );
            hint(
                d,
                "the maker may have used another edition's pro-forma or misread a condition; the catalogue's status is used",
            );
        }
        let mut references = Vec::new();
        for r in &row.ixit {
            match resolve_ics_ref(catalog, edition, ixit, r.get_ref()) {
                Ok(reference) => {
                    if let IxitRef::Table { table } = &reference
                        && !ixit.iter().any(|e| &e.table == table)
                    {
                        ctx.warning(
                            "TS0219",
                            f,
                            text,
                            Some(r.span()),
                            format!("{id} refers to IXIT table `{table}`, which has no entries in ixit.toml"),
                        );
                    }
                    references.push(reference);
                }
                Err((message, h)) => {
                    let d = ctx.error("TS0206", f, text, Some(r.span()), message);
                    if let Some(h) = h {
                        hint(d, h);
                    }
                }
            }
        }
        let attachments = ics_attachments(ctx, text, row.attachments, hasher);
        answers.insert(
            id.clone(),
            IcsAnswer {
                support,
                detail: row.detail,
                ixit: row
                    .ixit
                    .iter()
                    .map(|r| clean_id(r.get_ref()).to_owned())
                    .collect(),
                references,
                claimed_status: row.status.map(|s| s.into_inner().trim().to_owned()),
                documents: row.documents,
                attachments,
            },
        );
    }
    let undescribed: Vec<&str> = answers
        .iter()
        .filter(|(_, a)| a.support == Support::Y && a.detail.trim().is_empty())
        .map(|(id, _)| id.as_str())
        .collect();
    if !undescribed.is_empty() {
        let d = ctx.warning(
            "TS0207",
            f,
            text,
            None,
            format!(
                "{} provision(s) answered `Y` do not describe the measures taken: {}",
                undescribed.len(),
                undescribed.join(", ")
            ),
        );
        hint(
            d,
            "the ICS detail of a supported provision says how it is met; assessors start from it",
        );
    }
    if !unanswered.is_empty() {
        let d = ctx.warning(
            "TS0210",
            f,
            text,
            None,
            format!(
                "{} provision(s) are not answered yet (no `support`): {}; they are not assessed",
                unanswered.len(),
                unanswered.join(", ")
            ),
        );
        hint(
            d,
            "answer each with support = \"Y\", \"N\" or \"N/A\" and a detail",
        );
    }
    let missing: Vec<&str> = catalog
        .provisions(edition)
        .iter()
        .map(|p| p.id.as_str())
        .filter(|p| !answers.contains_key(*p) && !unanswered.iter().any(|u| u == p))
        .collect();
    if !missing.is_empty() {
        let d = ctx.error(
            "TS0208",
            f,
            text,
            None,
            format!(
                "expected an answer for every provision of {edition}; missing: {}",
                missing.join(", ")
            ),
        );
        hint(
            d,
            format!(
                "add a table like [\"{}\"] with `support` and `detail`",
                missing[0]
            ),
        );
    }
    answers
}

fn value_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Boolean(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|x| match x {
                toml::Value::Array(_) => None,
                x => value_text(x),
            })
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(", ")),
        _ => None,
    }
}

fn check_ixit(
    ctx: &mut Ctx<'_>,
    edition: Edition,
    text: &str,
    file: IxitFile,
) -> (Vec<IxitEntry>, BTreeMap<String, String>) {
    let f = IXIT_FILE;
    let catalog = ctx.catalog;
    let mut entries = Vec::new();
    let mut notes = BTreeMap::new();
    let mut spans: Vec<(usize, Range<usize>)> = Vec::new();
    for (key, value) in file {
        let name = clean_id(key.get_ref());
        if name == IXIT_NOTES {
            ixit_notes(ctx, edition, text, value, &mut notes);
            continue;
        }
        let Some(table) = catalog.ixit_table(name) else {
            let names: Vec<&str> = catalog
                .ixit_tables()
                .iter()
                .map(|t| t.name_for(edition))
                .collect();
            let d = ctx.error(
                "TS0300",
                f,
                text,
                Some(key.span()),
                format!("expected an IXIT table name such as `1-AuthMech`, found unknown `{name}`"),
            );
            match nearest(name, names.iter().copied()) {
                Some(near) => hint(d, format!("did you mean `{near}`?")),
                None => hint(d, "`touchstone catalog ixit` lists the 29 tables"),
            }
            continue;
        };
        let canonical = table.name_for(edition).to_owned();
        if name != canonical && name != table.number.to_string() {
            ctx.warning(
                "TS0301",
                f,
                text,
                Some(key.span()),
                format!(
                    "IXIT table `{name}` is called `{canonical}` in the TS edition for {edition}"
                ),
            );
        }
        let span = value.span();
        match (table.records, value.into_inner()) {
            (Records::Many, toml::Value::Array(items)) => {
                for item in items {
                    if let Some(e) =
                        ixit_record(ctx, edition, table, &canonical, text, span.clone(), &item)
                    {
                        spans.push((entries.len(), span.clone()));
                        entries.push(e);
                    }
                }
            }
            (Records::Single, v @ toml::Value::Table(_)) => {
                if let Some(e) =
                    ixit_record(ctx, edition, table, &canonical, text, span.clone(), &v)
                {
                    spans.push((entries.len(), span.clone()));
                    entries.push(e);
                }
            }
            (Records::Many, _) => {
                let d = ctx.error(
                    "TS0302",
                    f,
                    text,
                    Some(span),
                    format!("expected an array of entries for IXIT table `{canonical}`"),
                );
                hint(
                    d,
                    format!("write each entry as [[\"{canonical}\"]] with an `id`"),
                );
            }
            (Records::Single, _) => {
                let d = ctx.error(
                    "TS0302",
                    f,
                    text,
                    Some(span),
                    format!("expected one record (a table) for IXIT table `{canonical}`"),
                );
                hint(d, format!("write it once as [\"{canonical}\"]"));
            }
        }
    }
    // Ids are unique across the project and references resolve.
    let mut seen = BTreeSet::new();
    for (i, span) in &spans {
        if let Some(id) = &entries[*i].id
            && !seen.insert(id.clone())
        {
            ctx.error(
                "TS0303",
                f,
                text,
                Some(span.clone()),
                format!("expected unique IXIT entry ids, found `{id}` twice"),
            );
        }
    }
    for (i, span) in &spans {
        let entry = &entries[*i];
        let Some(table) = catalog.ixit_table(&entry.table) else {
            continue;
        };
        for field in table.fields_for(edition) {
            let (Some(target), Some(FieldValue::Refs { items })) =
                (&field.refs, entry.values.get(&field.key))
            else {
                continue;
            };
            let target_name = catalog.ixit_name(edition, target);
            for r in items {
                let RefItem::Entry { id: r, .. } = r else {
                    continue;
                };
                let ok = entries
                    .iter()
                    .any(|e| e.table == target_name && e.id.as_deref() == Some(r.as_str()));
                if !ok {
                    let at = locate(text, span, entry.id.as_deref(), Some(&field.key));
                    let d = ctx.error(
"TS0304",
                        f,
                        text,
                        Some(at),
                        format!(
                            "expected `{}` of {} to name an entry of `{target_name}`, found unknown `{r}`",
                            field.key,
                            entry.id.as_deref().unwrap_or(&entry.table)
                        ),
                    );
                    hint(
                        d,
                        format!(
                            "add an entry with id `{r}` to [[\"{target_name}\"]], fix the reference, or write `N/A` or `None` with a note"
                        ),
                    );
                }
            }
        }
    }
    (entries, notes)
}

/// `[notes]` of `ixit.toml`: one text per table name.
fn ixit_notes(
    ctx: &mut Ctx<'_>,
    edition: Edition,
    text: &str,
    value: toml::Spanned<toml::Value>,
    notes: &mut BTreeMap<String, String>,
) {
    let f = IXIT_FILE;
    let span = value.span();
    let toml::Value::Table(map) = value.into_inner() else {
        let d = ctx.error(
            "TS0308",
            f,
            text,
            Some(span),
            "expected `notes` to be a table of texts by IXIT table name".to_owned(),
        );
        hint(d, "write [notes] with lines like \"1-AuthMech\" = \"...\"");
        return;
    };
    for (k, v) in map {
        let name = clean_id(&k);
        let at = locate(text, &span, None, Some(&k));
        let Some(table) = ctx.catalog.ixit_table(name) else {
            ctx.warning(
                "TS0309",
                f,
                text,
                Some(at),
                format!("note for unknown IXIT table `{name}` kept out of the project"),
            );
            continue;
        };
        match value_text(&v) {
            Some(t) => {
                notes.insert(table.name_for(edition).to_owned(), t);
            }
            None => {
                ctx.error(
                    "TS0306",
                    f,
                    text,
                    Some(at),
                    format!("expected text for the note on `{name}`, found a nested table"),
                );
            }
        }
    }
}

/// Find an entry (by its `id = "..."` line) at or after the start of its
/// table, and within the entry the line assigning `key`. Values parsed as
/// dynamic TOML carry no spans of their own, so we look the text up; the
/// entry ends at the next table header.
fn locate(text: &str, span: &Range<usize>, id: Option<&str>, key: Option<&str>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    if let Some(id) = id {
        let needle = format!("id = {}", toml::Value::String(id.to_owned()));
        if let Some(i) = text.get(start..).and_then(|rest| rest.find(&needle)) {
            start += i;
        }
    }
    let Some(key) = key else {
        return start..span.end.max(start);
    };
    let mut offset = start;
    for (n, line) in text
        .get(start..)
        .unwrap_or("")
        .split_inclusive('\n')
        .enumerate()
    {
        let trimmed = line.trim_start();
        if n > 0 && trimmed.starts_with('[') {
            break;
        }
        if let Some(after) = trimmed.strip_prefix(key)
            && after.trim_start().starts_with('=')
        {
            let indent = line.len() - trimmed.len();
            return offset + indent..offset + line.len();
        }
        offset += line.len();
    }
    start..span.end.max(start)
}

fn ixit_record(
    ctx: &mut Ctx<'_>,
    edition: Edition,
    table: &IxitTable,
    canonical: &str,
    text: &str,
    table_span: Range<usize>,
    value: &toml::Value,
) -> Option<IxitEntry> {
    let f = IXIT_FILE;
    let raw_id = match value {
        toml::Value::Table(map) => map.get("id").and_then(toml::Value::as_str),
        _ => None,
    };
    // Located only for a diagnostic: searching the text for every entry would
    // make validation quadratic in the number of entries.
    let span = || locate(text, &table_span, raw_id, None);
    let toml::Value::Table(map) = value else {
        ctx.error(
            "TS0306",
            f,
            text,
            Some(span()),
            format!("expected a table of fields in `{canonical}`"),
        );
        return None;
    };
    let own: Vec<&touchstone_catalog::IxitField> = table.fields_for(edition).collect();
    let keys: Vec<&str> = own.iter().map(|x| x.key.as_str()).collect();
    let mut id = None;
    let mut title = None;
    let mut fields = BTreeMap::new();
    let mut values = BTreeMap::new();
    let mut extensions = BTreeMap::new();
    let label = raw_id.map_or_else(|| canonical.to_owned(), |i| clean_id(i).to_owned());
    for (k, v) in map {
        let at = || locate(text, &table_span, raw_id, Some(k));
        let Some(t) = value_text(v) else {
            ctx.error(
                "TS0306",
                f,
                text,
                Some(at()),
                format!("expected text for `{canonical}`.{k}, found a nested table"),
            );
            continue;
        };
        let nk = normalize_key(k);
        if nk == "id" && table.records == Records::Many {
            id = Some(clean_id(&t).to_owned());
            continue;
        }
        if nk == "title" {
            title = Some(t);
            continue;
        }
        let standard = own.iter().find(|x| x.key == nk);
        let renamed = own.iter().find(|x| x.aliases.contains(&nk));
        let field = match (standard, renamed) {
            (Some(x), _) => *x,
            (None, Some(x)) => {
                let d = ctx.warning(
                    "TS0310",
                    f,
                    text,
                    Some(at()),
                    format!(
                        "`{k}` of {label} is the older name of `{}` in `{canonical}`; read as `{}`",
                        x.key, x.key
                    ),
                );
                hint(d, format!("rename the key to `{}`", x.key));
                x
            }
            (None, None) => {
                let elsewhere = table.fields.iter().find(|x| x.key == nk);
                let d = ctx.warning(
                    "TS0305",
                    f,
                    text,
                    Some(at()),
                    format!(
                        "`{k}` of {label} is not a field of IXIT table `{canonical}`; kept as a non-standard extension"
                    ),
                );
                match (elsewhere, nearest(&nk, keys.iter().copied())) {
                    (Some(x), _) => hint(
                        d,
                        format!(
                            "`{}` belongs to TS 103 701 {} only; assessors will not read it as the standard's field",
                            x.key,
                            x.editions.join(", ")
                        ),
                    ),
                    (None, Some(near)) => hint(d, format!("did you mean `{near}`?")),
                    (None, None) => hint(d, format!("the fields are: {}", keys.join(", "))),
                }
                extensions.insert(k.clone(), t);
                continue;
            }
        };
        if fields.contains_key(&field.key) {
            ctx.warning(
                "TS0311",
                f,
                text,
                Some(at()),
                format!(
                    "`{k}` of {label} repeats `{}`; the first value is used, this one is kept as an extension",
                    field.key
                ),
            );
            extensions.insert(k.clone(), t);
            continue;
        }
        let value = match typed(field, &t) {
            Some(value) => value,
            None => {
                let want = match field.value {
                    Some(touchstone_catalog::ValueKind::YesNo) => "yes or no".to_owned(),
                    Some(touchstone_catalog::ValueKind::Date) => {
                        "a date like 2026-11-20".to_owned()
                    }
                    Some(touchstone_catalog::ValueKind::Enum) => {
                        format!("one of {}", field.values.join(", "))
                    }
                    None => "text".to_owned(),
                };
                let d = ctx.warning(
                    "TS0312",
                    f,
                    text,
                    Some(at()),
                    format!(
                        "expected {want} for `{}` of {label}, found `{}`; kept as text",
                        field.key,
                        t.trim()
                    ),
                );
                hint(
                    d,
                    "start the answer with the typed value; anything after it is kept as a note",
                );
                FieldValue::Text { text: t.clone() }
            }
        };
        values.insert(field.key.clone(), value);
        fields.insert(field.key.clone(), t);
    }
    if table.records == Records::Many && id.as_deref().is_none_or(str::is_empty) {
        let d = ctx.error(
            "TS0307",
            f,
            text,
            Some(span()),
            format!("expected an `id` on every entry of `{canonical}`"),
        );
        hint(
            d,
            "ids such as `AuthMech-1` let the ICS and other tables refer to the entry",
        );
        return None;
    }
    Some(IxitEntry {
        table: canonical.to_owned(),
        id,
        title,
        fields,
        values,
        extensions,
    })
}

fn check_evidence(
    ctx: &mut Ctx<'_>,
    edition: Edition,
    text: &str,
    file: EvidenceFile,
    hasher: &mut AttachmentHasher<'_>,
) -> (Vec<Record>, Vec<crate::Disposition>) {
    let f = EVIDENCE_FILE;
    let catalog = ctx.catalog;
    let mut records = Vec::new();
    let mut ids = BTreeSet::new();
    for row in file.records {
        let span = row.span();
        let row: RecordRow = row.into_inner();
        if !ids.insert(row.id.clone()) {
            ctx.error(
                "TS0400",
                f,
                text,
                Some(span.clone()),
                format!("expected unique record ids, found `{}` twice", row.id),
            );
        }
        if row.assessor.trim().is_empty() {
            ctx.error(
                "TS0401",
                f,
                text,
                Some(span.clone()),
                format!("expected the assessor of record `{}`", row.id),
            );
        }
        let date = date_of(ctx, f, text, &format!("record `{}`", row.id), &row.date);
        let case_id = row.test_case.get_ref();
        let Some(case) = catalog.case_by_id(edition, case_id) else {
            let d = ctx.error(
                "TS0403",
                f,
                text,
                Some(row.test_case.span()),
                format!(
                    "expected a test case id of the {} test plan, found unknown `{case_id}`",
                    edition
                ),
            );
            let all: Vec<String> = catalog
                .provisions(edition)
                .iter()
                .flat_map(|p| catalog.cases(edition, &p.id))
                .map(|c| c.case.id.clone())
                .collect();
            match nearest(case_id, all.iter().map(String::as_str)) {
                Some(near) => hint(d, format!("did you mean `{near}`?")),
                None => hint(d, "`touchstone catalog cases` lists the test cases"),
            }
            continue;
        };
        let known_units = catalog.units(&case);
        let mut units = Vec::new();
        for u in &row.units {
            let full = if u.get_ref().len() <= 2 {
                format!("{case_id}{}", u.get_ref())
            } else {
                u.get_ref().clone()
            };
            if known_units.iter().any(|k| k.id == full) {
                units.push(full);
            } else {
                let letters: Vec<String> = known_units
                    .iter()
                    .map(|k| k.id.trim_start_matches(case_id.as_str()).to_owned())
                    .collect();
                let d = ctx.error(
                    "TS0404",
                    f,
                    text,
                    Some(u.span()),
                    format!(
                        "expected a unit of test case {case_id}, found unknown `{}`",
                        u.get_ref()
                    ),
                );
                hint(d, format!("{case_id} has units {}", letters.join(", ")));
            }
        }
        let mut attachments = Vec::new();
        for a in row.attachments {
            let a_span = a.span();
            let a = a.into_inner();
            if !is_inside(&a.path) {
                let d = ctx.error(
                    "TS0405",
                    f,
                    text,
                    Some(a_span),
                    format!(
                        "expected an attachment path inside the project, found `{}`",
                        a.path
                    ),
                );
                hint(
                    d,
                    "keep evidence files in the project (for instance under evidence/) so they are versioned with it",
                );
                continue;
            }
            match hasher(&a.path) {
                Ok(actual) if actual.eq_ignore_ascii_case(a.sha256.trim()) => {}
                Ok(actual) => {
                    let d = ctx.error(
"TS0406",
                        f,
                        text,
                        Some(a_span.clone()),
                        format!(
                            "expected `{}` to have SHA-256 {}, found {actual}: the file changed after it was recorded",
                            a.path, a.sha256
                        ),
                    );
                    hint(
                        d,
                        "restore the recorded file, or review the change and update `sha256` (`touchstone hash FILE` prints it)",
                    );
                }
                Err(why) => {
                    let d = ctx.error(
                        "TS0407",
                        f,
                        text,
                        Some(a_span.clone()),
                        format!("expected attachment `{}` to be readable: {why}", a.path),
                    );
                    hint(d, "paths are relative to the project directory");
                }
            }
            attachments.push(Attachment {
                path: a.path,
                sha256: a.sha256.to_lowercase(),
                description: a.description,
            });
        }
        records.push(Record {
            id: row.id,
            test_case: case_id.clone(),
            units,
            verdict: row.verdict,
            assessor: row.assessor,
            date,
            notes: row.notes,
            attachments,
        });
    }
    let dispositions = check_dispositions(ctx, edition, text, file.dispositions);
    (records, dispositions)
}

fn check_dispositions(
    ctx: &mut Ctx<'_>,
    edition: Edition,
    text: &str,
    rows: Vec<toml::Spanned<DispositionRow>>,
) -> Vec<crate::Disposition> {
    let f = EVIDENCE_FILE;
    let catalog = ctx.catalog;
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for row in rows {
        let span = row.span();
        let row = row.into_inner();
        if !ids.insert(row.id.clone()) {
            ctx.error(
                "TS0410",
                f,
                text,
                Some(span.clone()),
                format!("expected unique disposition ids, found `{}` twice", row.id),
            );
        }
        let target = match (&row.finding, &row.check) {
            (Some(fp), None) => {
                let v = fp.get_ref().trim();
                let ok = v
                    .strip_prefix("fp1:")
                    .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()));
                if !ok {
                    let d = ctx.error(
                        "TS0412",
                        f,
                        text,
                        Some(fp.span()),
                        format!("expected a finding fingerprint like `fp1:` and 32 hex digits in disposition `{}`, found `{v}`", row.id),
                    );
                    hint(
                        d,
                        "copy the fingerprint from a report (the findings table shows it)",
                    );
                }
                crate::DispositionTarget::Finding(v.to_lowercase())
            }
            (None, Some(check)) => {
                if row.unit.is_none() {
                    let d = ctx.error(
                        "TS0413",
                        f,
                        text,
                        Some(check.span()),
                        format!("expected a `unit` with `check` in disposition `{}`: a whole check is settled one unit or test case at a time", row.id),
                    );
                    hint(d, "add unit = \"5.6-8-1a\" (a unit or test case id)");
                }
                if check.get_ref().trim().is_empty() {
                    ctx.error(
                        "TS0411",
                        f,
                        text,
                        Some(check.span()),
                        format!("expected a check id in disposition `{}`", row.id),
                    );
                }
                crate::DispositionTarget::Check(check.get_ref().trim().to_owned())
            }
            _ => {
                let d = ctx.error(
                    "TS0411",
                    f,
                    text,
                    Some(span.clone()),
                    format!(
                        "expected exactly one of `finding` and `check` in disposition `{}`",
                        row.id
                    ),
                );
                hint(
                    d,
                    "`finding` settles one finding by fingerprint; `check` with `unit` settles every finding of a check on a unit",
                );
                continue;
            }
        };
        let unit = row.unit.as_ref().map(|u| {
            let id = u.get_ref().trim();
            if catalog.case_by_id(edition, id).is_none() && !is_unit(catalog, edition, id) {
                let d = ctx.error(
                    "TS0413",
                    f,
                    text,
                    Some(u.span()),
                    format!("expected a unit or test case id of the {edition} test plan in disposition `{}`, found unknown `{id}`", row.id),
                );
                hint(d, "use full ids such as `5.6-8-1a` (unit) or `5.6-8-1` (test case)");
            }
            id.to_owned()
        });
        if row.reason.trim().is_empty() {
            let d = ctx.error(
                "TS0414",
                f,
                text,
                Some(span.clone()),
                format!("expected the reason of disposition `{}`", row.id),
            );
            hint(
                d,
                "a decision without a reason does not settle anything: say what was examined",
            );
        }
        if row.assessor.trim().is_empty() {
            ctx.error(
                "TS0414",
                f,
                text,
                Some(span.clone()),
                format!("expected the assessor of disposition `{}`", row.id),
            );
        }
        let date = date_of(
            ctx,
            f,
            text,
            &format!("disposition `{}`", row.id),
            &row.date,
        );
        let expires = row.expires.as_ref().map(|e| {
            date_of(
                ctx,
                f,
                text,
                &format!("the expiry of disposition `{}`", row.id),
                e,
            )
        });
        if row.decision == crate::Decision::AcceptedRisk {
            if row.owner.as_deref().is_none_or(|o| o.trim().is_empty()) || expires.is_none() {
                let d = ctx.error(
                    "TS0415",
                    f,
                    text,
                    Some(span.clone()),
                    format!(
                        "expected `owner` and `expires` on accepted risk `{}`",
                        row.id
                    ),
                );
                hint(
                    d,
                    "a waiver names who owns the risk and the date after which the finding counts again",
                );
            }
        } else if row.expires.is_some() || row.owner.is_some() {
            ctx.warning(
                "TS0416",
                f,
                text,
                Some(span.clone()),
                format!(
                    "`owner` and `expires` only apply to accepted risks; disposition `{}` is {}",
                    row.id,
                    row.decision.as_str()
                ),
            );
        }
        out.push(crate::Disposition {
            id: row.id,
            target,
            unit,
            decision: row.decision,
            reason: row.reason,
            assessor: row.assessor,
            date,
            owner: row.owner,
            expires,
        });
    }
    out
}

fn is_unit(catalog: &Catalog, edition: Edition, id: &str) -> bool {
    catalog.provisions(edition).iter().any(|p| {
        catalog
            .cases(edition, &p.id)
            .iter()
            .any(|c| catalog.units(c).iter().any(|u| u.id == id))
    })
}

/// Whether a relative path stays inside the directory it is relative to.
pub(crate) fn is_inside(path: &str) -> bool {
    let p = std::path::Path::new(path);
    !path.is_empty()
        && p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
}
