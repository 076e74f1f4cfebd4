//! The HTML report: one self-contained file (no external assets) that a
//! lab can hand over. It has the overall verdict, an inline SVG chart per
//! category, a provision table that drills down to test cases, units and
//! evidence, filters, and print styles for saving as PDF from a browser.

use std::fmt::Write as _;

use touchstone_core::Verdict;

use crate::awaiting;
use crate::model::{CaseRow, Counts, ProvisionRow, Report};

/// Escape text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}%"))
}

fn badge(v: Verdict) -> String {
    labelled(v, v.label())
}

fn labelled(v: Verdict, label: &str) -> String {
    format!(
        "<span class=\"badge v-{}\">{}</span>",
        v.as_str(),
        escape(label)
    )
}

/// The report's stylesheet; the workbench (`touchstone-web`) serves it too, so both share one look.
pub const STYLE: &str = r#"
.cover{border:1px solid var(--line);padding:24px;margin:12px 0 24px}.cover h1{margin-top:0}.cover table td:first-child{color:#57606a;padding-right:16px}
.sig{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:16px;margin:16px 0}.sig div{border-top:1px solid #000;padding-top:6px;min-height:70px}
.proposed{border:1px dashed #8250df;color:#8250df;border-radius:4px;padding:0 4px;font-size:12px}.proposal{border-left:3px dashed #8250df;padding-left:8px}ol.checklist{margin-top:0}.notes{font-size:13px}
.w-decisive{font-weight:600}.w-indication{color:#57606a}.unsettled{color:#c62828;font-weight:600}
:root{--pass:#1a7f37;--fail:#c62828;--pending:#b26a00;--na:#8c959f;--err:#8250df;--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ident td:first-child{width:190px;color:var(--muted)}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.v-pass{background:var(--pass)}.v-fail{background:var(--fail)}.v-not-applicable{background:var(--na)}
.v-not-run,.v-needs-manual,.v-inconclusive{background:var(--pending)}.v-error{background:var(--err)}
.verdict{display:flex;gap:18px;align-items:center;border:2px solid var(--line);border-radius:8px;padding:14px 18px;margin:16px 0}
.verdict .big{font-size:26px;font-weight:700;letter-spacing:.5px}
.verdict.v-pass-b{border-color:var(--pass)}.verdict.v-pass-b .big{color:var(--pass)}
.verdict.v-fail-b{border-color:var(--fail)}.verdict.v-fail-b .big{color:var(--fail)}
.verdict.v-pending-b{border-color:var(--pending)}.verdict.v-pending-b .big{color:var(--pending)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(270px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px}
.card h3{font-size:13px;margin:0 0 4px}
.card svg{display:block;width:100%;height:auto}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px;vertical-align:-1px}
.filters{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:8px;align-items:center;z-index:1}
.filters input[type=search]{padding:4px 8px;min-width:220px}.filters select,.filters button{padding:3px 6px}
details.prov{border-bottom:1px solid var(--line)}
details.prov>summary{display:grid;grid-template-columns:80px 1fr 110px 44px 150px 70px;gap:8px;padding:6px 4px;cursor:pointer;list-style:none;align-items:center}
details.prov>summary::-webkit-details-marker{display:none}
details.prov>summary:hover{background:var(--bg)}
.phead{display:grid;grid-template-columns:80px 1fr 110px 44px 150px 70px;gap:8px;padding:6px 4px;font-weight:600;background:var(--bg);border-bottom:1px solid var(--line)}
.pbody{padding:6px 12px 14px 24px}
.pbody p{margin:4px 0}
details.case{border:1px solid var(--line);border-radius:6px;margin:8px 0}
details.case>summary{padding:6px 10px;cursor:pointer;background:var(--bg)}
details.case .cbody{padding:6px 10px}
.units td,.units th{font-size:13px}.units td:first-child{white-space:nowrap}
code,.ev{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.ev{white-space:pre-wrap;word-break:break-all;background:var(--bg);padding:2px 4px;border-radius:3px}
.sev{font-size:12px;color:var(--fail);font-weight:600}
.hidden{display:none!important}
footer{margin-top:30px;font-size:12px;color:var(--muted)}
@media print{
 @page{size:A4;margin:14mm 14mm 18mm;@bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:9pt;color:#57606a}@bottom-left{content:var(--rid);font-size:9pt;color:#57606a}}
 .cover{break-after:page;min-height:240mm}
 body{font-size:11px}main{max-width:none;padding:0}
 .filters,.noprint{display:none!important}
 details.case,.card,tr,details.prov>summary{break-inside:avoid}
 h2,.phead,details.prov>summary{break-after:avoid}
 .badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .card svg rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

const SCRIPT: &str = r#"
(function(){
 var q=document.getElementById('q'),fv=document.getElementById('fv'),fc=document.getElementById('fc'),fm=document.getElementById('fm'),n=document.getElementById('shown');
 function apply(){
  var text=q.value.toLowerCase(),v=fv.value,c=fc.value,m=fm.value,shown=0;
  document.querySelectorAll('details.prov').forEach(function(d){
   var ok=(!v||d.dataset.verdict===v||(v==='pending'&&['not-run','needs-manual','inconclusive','error'].indexOf(d.dataset.verdict)>=0))
     &&(!c||d.dataset.category===c)&&(!m||d.dataset.modal===m)&&(!text||d.textContent.toLowerCase().indexOf(text)>=0);
   d.classList.toggle('hidden',!ok); if(ok)shown++;
  });
  n.textContent=shown;
 }
 [q,fv,fc,fm].forEach(function(e){e.addEventListener('input',apply);e.addEventListener('change',apply);});
 document.getElementById('expand').addEventListener('click',function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});});
 document.getElementById('collapse').addEventListener('click',function(){document.querySelectorAll('details').forEach(function(d){d.open=false;});});
 var before=[];
 window.addEventListener('beforeprint',function(){before=[];document.querySelectorAll('details').forEach(function(d){before.push(d.open);d.open=true;});});
 window.addEventListener('afterprint',function(){document.querySelectorAll('details').forEach(function(d,i){d.open=before[i];});});
 apply();
})();
"#;

/// The segments of a category bar: (class, colour, count, label).
fn segments(c: &Counts) -> [(&'static str, &'static str, usize, &'static str); 4] {
    [
        ("pass", "#1a7f37", c.pass, "pass"),
        ("fail", "#c62828", c.fail, "fail"),
        (
            "pending",
            "#b26a00",
            c.not_run + c.needs_manual + c.inconclusive + c.error,
            "pending",
        ),
        (
            "na",
            "#8c959f",
            c.not_applicable + c.not_implemented,
            "n/a or not impl.",
        ),
    ]
}

/// An inline SVG: a stacked bar of provision verdicts with counts.
fn bar(c: &Counts, label: &str) -> String {
    let total: usize = segments(c).iter().map(|s| s.2).sum();
    let width = 260.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 260 34\" role=\"img\" aria-label=\"{}\">",
        escape(label)
    );
    let mut x = 0.0;
    if total == 0 {
        svg.push_str("<rect x=\"0\" y=\"0\" width=\"260\" height=\"18\" fill=\"#eaeef2\"/>");
    }
    for (class, colour, n, name) in segments(c) {
        if n == 0 || total == 0 {
            continue;
        }
        let w = width * n as f64 / total as f64;
        let _ = write!(
            svg,
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"0\" width=\"{w:.1}\" height=\"18\" fill=\"{colour}\"><title>{n} {name}</title></rect>"
        );
        if w >= 14.0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"13\" font-size=\"11\" text-anchor=\"middle\" fill=\"#fff\">{n}</text>",
                x + w / 2.0
            );
        }
        x += w;
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"31\" font-size=\"10\" fill=\"#57606a\">score {} · coverage {}</text></svg>",
        pct(c.score),
        pct(c.coverage)
    );
    svg
}

fn counts_table(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::from(
        "<table><thead><tr><th></th><th class=num>PASS</th><th class=num>FAIL</th><th class=num>N/A</th><th class=num>not implemented</th><th class=num>not run</th><th class=num>needs manual</th><th class=num>inconclusive</th><th class=num>error</th><th class=num>score</th><th class=num>coverage</th></tr></thead><tbody>",
    );
    for (label, c) in [
        ("Provisions", &s.provisions),
        ("Mandatory", &s.mandatory),
        ("Recommendations", &s.recommendations),
        ("Test cases", &s.test_cases),
    ] {
        let _ = write!(
            out,
            "<tr><th>{label}</th><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
            c.pass,
            c.fail,
            c.not_applicable,
            c.not_implemented,
            c.not_run,
            c.needs_manual,
            c.inconclusive,
            c.error,
            pct(c.score),
            pct(c.coverage)
        );
    }
    out.push_str("</tbody></table>");
    let t = &s.test_cases;
    if t.proposed_pass + t.proposed_fail > 0 {
        let _ = write!(
            out,
            "<p class=proposal>Proposed verdicts (not counted above): {} proposed PASS, {} proposed FAIL among the test cases without a verdict; coverage counting them {} (without them {}).</p>",
            t.proposed_pass,
            t.proposed_fail,
            pct(t.coverage_with_proposed),
            pct(t.coverage)
        );
    }
    out
}

fn evidence_links(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("<a href=\"#ev-{0}\">{0}</a>", escape(id)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn case_html(c: &CaseRow) -> String {
    let mut out = String::new();
    let open = if c.verdict == Verdict::Fail {
        " open"
    } else {
        ""
    };
    let _ = write!(
        out,
        "<details class=\"case\"{open}><summary><b>{}</b> <span class=muted>{}{}</span> {} {}</summary><div class=cbody>",
        escape(&c.id),
        escape(&c.kind),
        if c.carried_over {
            " · carried over from TS 103 701 V1.1.1 (unverified)"
        } else {
            ""
        },
        badge(c.verdict),
        match &c.proposed {
            Some(p) => format!(
                "{}<span class=proposed>{}</span>",
                c.severity
                    .map(|s| format!("<span class=sev>{s}</span> "))
                    .unwrap_or_default(),
                escape(&p.label)
            ),
            None => c
                .severity
                .map(|s| format!("<span class=sev>{s}</span>"))
                .unwrap_or_default(),
        }
    );
    let _ = write!(
        out,
        "<p>{}</p><p><b>Why:</b> {}</p>",
        escape(&c.purpose),
        escape(&c.reason)
    );
    if let Some(p) = &c.proposed {
        let _ = write!(
            out,
            "<p class=proposal><b>{}</b> <span class=muted>({})</span>: {}{}</p>",
            escape(&p.label),
            awaiting::PROPOSED_NOTE,
            escape(&p.rationale),
            if p.sources.is_empty() {
                String::new()
            } else {
                format!("<br><b>Sources:</b> {}", escape(&p.sources.join(", ")))
            }
        );
    }
    if !c.assessors.is_empty() {
        let _ = write!(
            out,
            "<p><b>Assessor:</b> {}</p>",
            escape(&c.assessors.join(", "))
        );
    }
    if !c.records.is_empty() || !c.findings.is_empty() {
        let mut ev = c.records.clone();
        ev.extend(c.findings.iter().cloned());
        let _ = write!(out, "<p><b>Evidence:</b> {}</p>", evidence_links(&ev));
    }
    if !c.units.is_empty() {
        out.push_str("<table class=units><thead><tr><th>Unit</th><th>Kind</th><th>IXIT</th><th>Focus / reuses</th><th>Verdict</th><th>Evidence</th></tr></thead><tbody>");
        for u in &c.units {
            let mut focus = u.focus.as_deref().map(escape).unwrap_or_default();
            if !u.refs.is_empty() {
                if !focus.is_empty() {
                    focus.push_str("<br>");
                }
                let _ = write!(focus, "reuses {}", escape(&u.refs.join(", ")));
            }
            let mut ev = evidence_links(&u.records);
            for a in &u.applied {
                if !ev.is_empty() {
                    ev.push_str(", ");
                }
                let _ = write!(
                    ev,
                    "<a href=\"#ev-{0}\">{0}</a> <span class=\"w-{1}\">{1}</span>{2}",
                    escape(&a.finding),
                    escape(&a.weight),
                    match &a.disposition {
                        Some(d) => format!(
                            " <a href=\"#ds-{0}\">{1} ({0})</a>",
                            escape(d),
                            escape(&a.effect)
                        ),
                        None => String::new(),
                    }
                );
            }
            if u.unsettled {
                ev.push_str(" <span class=unsettled>unsettled</span>");
            }
            let mut state = badge(u.verdict);
            if let Some(p) = &u.proposed {
                let _ = write!(
                    state,
                    " <span class=proposed title=\"{}\">{}</span>",
                    escape(&p.rationale),
                    escape(&p.label)
                );
            }
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{focus}</td><td>{state}</td><td>{}</td></tr>",
                escape(&u.id),
                escape(&u.kind),
                escape(&u.ixit.join(", ")),
                ev
            );
        }
        out.push_str("</tbody></table>");
    }
    let notes = awaiting::unit_notes(c);
    if !notes.is_empty() {
        out.push_str("<ul class=notes>");
        for (letter, note) in notes {
            let _ = write!(out, "<li>{}: {}</li>", escape(&letter), escape(&note));
        }
        out.push_str("</ul>");
    }
    for (letters, list) in awaiting::checklists(c) {
        let _ = write!(
            out,
            "<p class=checklist><b>Checklist for {}</b></p><ol class=checklist>",
            escape(&awaiting::units_label(&letters))
        );
        for item in list {
            let _ = write!(out, "<li>{}</li>", escape(item));
        }
        out.push_str("</ol>");
    }
    out.push_str("</div></details>\n");
    out
}

fn provision_html(p: &ProvisionRow) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<details class=\"prov\" id=\"p-{}\" data-verdict=\"{}\" data-category=\"{}\" data-modal=\"{}\"><summary><b>{}</b><span>{}</span><code>{}</code><span>{}</span><span>{}</span><span>{}</span></summary><div class=pbody>",
        escape(&p.id),
        p.verdict.as_str(),
        escape(&p.category),
        escape(&p.modal),
        escape(&p.id),
        escape(&p.title),
        escape(&p.status),
        escape(p.support.as_deref().unwrap_or("–")),
        labelled(p.verdict, &p.label),
        p.severity
            .map(|s| format!("<span class=sev>{s}</span>"))
            .unwrap_or_default()
    );
    let _ = write!(out, "<p>{}</p>", escape(&p.summary));
    let _ = write!(
        out,
        "<p><b>ICS:</b> {}{}</p>",
        escape(p.support.as_deref().unwrap_or("not answered")),
        if p.detail.is_empty() {
            String::new()
        } else {
            format!(" — {}", escape(&p.detail))
        }
    );
    let _ = write!(out, "<p><b>Verdict:</b> {}</p>", escape(&p.reason));
    if !p.mappings.is_empty() {
        let maps: Vec<String> = p
            .mappings
            .iter()
            .map(|m| {
                format!(
                    "<span title=\"{}\">{} {}</span> <span class=muted>({})</span>",
                    escape(&m.title),
                    escape(&m.scheme),
                    escape(&m.requirement),
                    escape(&m.basis)
                )
            })
            .collect();
        let _ = write!(out, "<p><b>Maps to:</b> {}</p>", maps.join(", "));
    }
    if !p.findings.is_empty() {
        let _ = write!(
            out,
            "<p><b>Findings:</b> {}</p>",
            evidence_links(&p.findings)
        );
    }
    for c in &p.test_cases {
        out.push('\n');
        out.push_str(&case_html(c));
    }
    out.push_str("</div></details>");
    out
}

/// Render the report as one HTML document.
pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let d = &report.device;
    let title = format!("EN 303 645 assessment — {} {}", d.maker, d.model);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"generator\" content=\"touchstone {}\"><title>{}</title><style>{STYLE}:root{{--rid:\"{}\"}}</style></head><body><main>",
        escape(&report.tool.version),
        escape(&title),
        css_string(&format!(
            "{} rev. {}",
            report.deliverable.report_id.as_deref().unwrap_or("draft"),
            report.deliverable.revision.as_deref().unwrap_or("-")
        ))
    );
    out.push_str(&cover(report, &title));
    let _ = write!(
        out,
        "<h1>{}</h1><div class=muted>{} · tested with {}</div>",
        escape(&title),
        escape(&report.standard.title),
        escape(&report.standard.test_specification)
    );
    let class = match s.verdict {
        Verdict::Pass => "v-pass-b",
        Verdict::Fail => "v-fail-b",
        _ => "v-pending-b",
    };
    let _ = write!(
        out,
        "<section class=\"verdict {class}\"><div class=big>{}</div><div>{}<br><span class=muted>{}</span></div></section>",
        escape(&s.conclusion),
        escape(&s.explanation),
        s.worst_severity
            .map(|w| format!("Worst severity among failures: {w}"))
            .unwrap_or_default()
    );

    out.push_str("\n<h2>Device under test</h2><table class=ident><tbody>");
    let mut ident = vec![
        ("Manufacturer", d.maker.clone()),
        ("Model", d.model.clone()),
        ("Hardware version", d.hardware_version.clone()),
        ("Firmware version", d.firmware_version.clone()),
    ];
    if let Some(desc) = &d.description {
        ident.push(("Description", desc.clone()));
    }
    ident.push(("Project", report.project.clone()));
    ident.push((
        "Generated",
        format!(
            "{} by touchstone {} (catalogue {})",
            report.generated_at, report.tool.version, report.tool.catalog_version
        ),
    ));
    for (k, v) in ident {
        let _ = write!(out, "<tr><td>{k}</td><td>{}</td></tr>", escape(&v));
    }
    out.push_str("</tbody></table>");

    out.push_str("\n<h2>Summary</h2>");
    out.push_str(&counts_table(report));
    let _ = write!(out, "<p class=muted>{}</p>", escape(&s.disclaimer));

    out.push_str("\n<h2>Categories</h2><div class=\"legend\"><span><i style=\"background:#1a7f37\"></i>pass</span><span><i style=\"background:#c62828\"></i>fail</span><span><i style=\"background:#b26a00\"></i>pending (not run, needs manual, inconclusive, error)</span><span><i style=\"background:#8c959f\"></i>not applicable</span></div><div class=cards>");
    for c in &report.categories {
        let _ = write!(
            out,
            "\n<div class=card><h3>{} {} {}</h3>{}</div>",
            escape(&c.id),
            escape(&c.title),
            badge(c.verdict),
            bar(&c.provisions, &format!("{} {}", c.id, c.title))
        );
    }
    out.push_str("</div>");

    out.push_str("\n<h2>Provisions</h2><div class=filters><input id=q type=search placeholder=\"Search provisions, cases, evidence\" aria-label=Search><select id=fv aria-label=\"Verdict\"><option value=\"\">every verdict</option><option value=fail>FAIL</option><option value=pass>PASS</option><option value=pending>pending</option><option value=not-applicable>not applicable</option><option value=not-implemented>not implemented</option></select><select id=fc aria-label=Category><option value=\"\">every category</option>");
    for c in &report.categories {
        let _ = write!(
            out,
            "<option value=\"{}\">{} {}</option>",
            escape(&c.id),
            escape(&c.id),
            escape(&c.title)
        );
    }
    out.push_str("</select><select id=fm aria-label=Status><option value=\"\">M and R</option><option value=M>mandatory</option><option value=R>recommendations</option></select><button id=expand type=button>expand all</button><button id=collapse type=button>collapse all</button><span class=muted><span id=shown></span> shown</span></div>");
    out.push_str("<div class=phead><span>Provision</span><span>Title</span><span>Status</span><span>ICS</span><span>Verdict</span><span>Severity</span></div>");
    for p in &report.provisions {
        out.push('\n');
        out.push_str(&provision_html(p));
    }

    out.push_str(&crate::regulatory::html(report));
    if !report.findings.is_empty() {
        out.push_str("\n<h2>Findings</h2><table><thead><tr><th>Id</th><th>Check</th><th>Severity</th><th>Supports</th><th>Bears on</th><th>Location</th><th>Message and evidence</th></tr></thead><tbody>");
        for f in &report.findings {
            let mut bears = f.provisions.clone();
            bears.extend(f.test_units.iter().cloned());
            let _ = write!(
                out,
                "\n<tr id=\"ev-{}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}<div class=muted>from {} · <code>{}</code></div></td></tr>",
                escape(&f.id),
                escape(&f.id),
                escape(&f.check),
                f.severity,
                escape(&f.supports),
                escape(&bears.join(", ")),
                escape(
                    &f.location
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
                escape(&f.message),
                f.evidence
                    .as_deref()
                    .map(|e| format!("<div class=ev>{}</div>", escape(e)))
                    .unwrap_or_default(),
                escape(&f.source),
                escape(&f.fingerprint)
            );
        }
        out.push_str("</tbody></table>");
    }

    if !report.records.is_empty() {
        out.push_str("\n<h2>Manual evidence records</h2><table><thead><tr><th>Id</th><th>Test case</th><th>Units</th><th>Verdict</th><th>Assessor</th><th>Date</th><th>Notes and attachments</th></tr></thead><tbody>");
        for r in &report.records {
            let att: Vec<String> = r
                .attachments
                .iter()
                .map(|a| {
                    format!(
                        "<div><a href=\"{}\"><code>{}</code></a>{} <span class=ev>sha256 {}</span></div>",
                        escape(&a.path),
                        escape(&a.path),
                        a.description
                            .as_deref()
                            .map(|d| format!(" — {}", escape(d)))
                            .unwrap_or_default(),
                        escape(&a.sha256)
                    )
                })
                .collect();
            let _ = write!(
                out,
                "\n<tr id=\"ev-{}\"><td>{}</td><td><a href=\"#p-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
                escape(&r.id),
                escape(&r.id),
                escape(provision_of(report, &r.test_case)),
                escape(&r.test_case),
                escape(&if r.units.is_empty() {
                    "all".to_owned()
                } else {
                    r.units.join(", ")
                }),
                escape(&r.verdict),
                escape(&r.assessor),
                escape(&r.date),
                escape(&r.notes),
                att.join("")
            );
        }
        out.push_str("</tbody></table>");
    }

    out.push_str(&dispositions_html(report));
    out.push_str(&advice_html(report));

    if !report.warnings.is_empty() || !report.notes.is_empty() {
        out.push_str("\n<h2>Warnings and notes</h2><ul>");
        for w in report.warnings.iter().chain(report.notes.iter()) {
            let _ = write!(out, "<li>{}</li>", escape(w));
        }
        out.push_str("</ul>");
    }

    out.push_str(&signatures_html(report));
    out.push_str(&annexes_html(report));
    let _ = writeln!(
        out,
        "<footer>{} Report schema {}; touchstone {}; catalogue {}.</footer></main><script>{SCRIPT}</script></body></html>",
        escape(&s.disclaimer),
        escape(&report.schema),
        escape(&report.tool.version),
        escape(&report.tool.catalog_version)
    );
    out
}

/// The provision a test case belongs to, for links.
fn provision_of<'a>(report: &'a Report, case: &str) -> &'a str {
    report
        .provisions
        .iter()
        .find(|p| p.test_cases.iter().any(|c| c.id == case))
        .map_or("", |p| p.id.as_str())
}

/// Text for a CSS string literal (the running footer).
fn css_string(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '"' | '\\' | '<' | '>' | '&' => ' ',
            c => c,
        })
        .collect()
}

fn opt(x: &Option<String>) -> String {
    x.as_deref().map_or_else(|| "–".to_owned(), escape)
}

/// The cover page: report identification, laboratory, device, period, conclusion.
fn cover(report: &Report, title: &str) -> String {
    let d = &report.deliverable;
    let dev = &report.device;
    let mut out = String::from("<section class=cover>");
    let _ = write!(
        out,
        "<div class=muted>{}</div><h1>Test report {}</h1><p>{}</p><table class=ident><tbody>",
        opt(&d.lab_name),
        opt(&d.report_id),
        escape(title)
    );
    let rows = [
        ("Revision", opt(&d.revision)),
        ("Status", escape(&d.status)),
        ("Laboratory", opt(&d.lab_name)),
        ("Accreditation", opt(&d.lab_accreditation)),
        ("Client", opt(&d.client)),
        (
            "Device under test",
            escape(&format!(
                "{} {} (hardware {}, firmware {})",
                dev.maker, dev.model, dev.hardware_version, dev.firmware_version
            )),
        ),
        ("Standard", escape(&report.standard.title)),
        (
            "Test specification",
            escape(&report.standard.test_specification),
        ),
        (
            "Test period",
            format!("{} to {}", opt(&d.test_start), opt(&d.test_end)),
        ),
        ("Scope", opt(&d.scope)),
        (
            "Result",
            escape(&format!(
                "{}: {}",
                report.summary.conclusion, report.summary.explanation
            )),
        ),
        ("Issued", escape(&report.generated_at)),
    ];
    for (k, v) in rows {
        let _ = write!(out, "<tr><td>{k}</td><td>{v}</td></tr>");
    }
    out.push_str("</tbody></table>");
    if !d.deviations.is_empty() {
        out.push_str("<h3>Deviations</h3><ul>");
        for x in &d.deviations {
            let _ = write!(out, "<li>{}</li>", escape(x));
        }
        out.push_str("</ul>");
    }
    if !d.samples.is_empty() {
        out.push_str("<h3>Samples</h3><table><thead><tr><th>Sample</th><th>Serial</th><th>Hardware</th><th>Firmware</th><th>Notes</th></tr></thead><tbody>");
        for x in &d.samples {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&x.id),
                opt(&x.serial),
                opt(&x.hardware_version),
                opt(&x.firmware_version),
                opt(&x.notes)
            );
        }
        out.push_str("</tbody></table>");
    }
    if !d.inputs.is_empty() {
        out.push_str("<h3>Firmware images and tool inputs</h3><table><thead><tr><th>File</th><th>Kind</th><th>Sample</th><th>SHA-256</th><th>Status</th></tr></thead><tbody>");
        for x in &d.inputs {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&x.name),
                opt(&x.kind),
                opt(&x.sample),
                escape(&x.sha256),
                escape(&x.status)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
    out
}

fn dispositions_html(report: &Report) -> String {
    if report.dispositions.is_empty() && report.unsettled.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n<h2>Dispositions of findings</h2>");
    if !report.unsettled.is_empty() {
        let _ = write!(
            out,
            "<p class=unsettled>Unsettled contradictions (a manual PASS against a decisive FAIL): {}</p>",
            escape(&report.unsettled.join(", "))
        );
    }
    if report.dispositions.is_empty() {
        return out;
    }
    out.push_str("<table><thead><tr><th>Id</th><th>Decision</th><th>On</th><th>Findings</th><th>Status</th><th>Reason</th><th>Assessor, date</th><th>Owner, expires</th></tr></thead><tbody>");
    for x in &report.dispositions {
        let _ = write!(
            out,
            "<tr id=\"ds-{}\"><td>{}</td><td>{}</td><td>{} <code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}, {}</td><td>{}</td></tr>",
            escape(&x.id),
            escape(&x.id),
            escape(&x.decision),
            escape(&x.target_kind),
            escape(&x.target),
            x.unit
                .as_deref()
                .map(|u| format!(" on {}", escape(u)))
                .unwrap_or_default(),
            evidence_links(&x.findings),
            escape(&x.status),
            escape(&x.reason),
            escape(&x.assessor),
            escape(&x.date),
            match (&x.owner, &x.expires) {
                (None, None) => String::new(),
                (o, e) => format!("{}, {}", opt(o), opt(e)),
            }
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// Fix advice of the checks with failing findings.
fn advice_html(report: &Report) -> String {
    let failing: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.supports == "fail")
        .map(|f| f.check.as_str())
        .collect();
    let rows: Vec<_> = report
        .advice
        .iter()
        .filter(|a| failing.contains(&a.check.as_str()))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n<h2>How to fix</h2>");
    for a in rows {
        let _ = write!(
            out,
            "<h3><code>{}</code> {}</h3><dl>",
            escape(&a.check),
            escape(&a.title)
        );
        for (k, v) in [
            ("What it checks", &a.what),
            ("Why it matters", &a.why),
            ("How to fix", &a.fix),
        ] {
            if !v.is_empty() {
                let _ = write!(out, "<dt>{k}</dt><dd>{}</dd>", escape(v));
            }
        }
        out.push_str("</dl>");
    }
    out
}

fn signatures_html(report: &Report) -> String {
    let d = &report.deliverable;
    let mut out = String::from("\n<h2>Sign-off</h2><div class=sig>");
    for a in &d.assessors {
        let _ = write!(
            out,
            "<div><b>{}</b><br>Assessor of {}</div>",
            escape(&a.name),
            escape(&a.test_cases.join(", "))
        );
    }
    for (role, s) in [
        ("Technical reviewer", &d.reviewer),
        ("Approved for release", &d.approver),
    ] {
        match s {
            Some(s) => {
                let _ = write!(
                    out,
                    "<div><b>{}</b><br>{}<br>{}</div>",
                    escape(&s.name),
                    escape(s.role.as_deref().unwrap_or(role)),
                    escape(&s.date)
                );
            }
            None => {
                let _ = write!(out, "<div><b>(not signed)</b><br>{role}</div>");
            }
        }
    }
    out.push_str("</div>");
    out
}

fn annexes_html(report: &Report) -> String {
    let mut out = String::from(
        "\n<h2 id=annex-ics>Annex A: ICS</h2><table><thead><tr><th>Provision</th><th>Status</th><th>Support</th><th>Detail</th><th>IXIT</th></tr></thead><tbody>",
    );
    for r in &report.ics {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.provision),
            escape(&r.status),
            opt(&r.support),
            escape(&r.detail),
            escape(&r.ixit.join(", "))
        );
    }
    out.push_str("</tbody></table>\n<h2 id=annex-ixit>Annex B: IXIT</h2><table><thead><tr><th>Table</th><th>Entry</th><th>Fields</th></tr></thead><tbody>");
    for e in &report.ixit {
        let fields: Vec<String> = e
            .fields
            .iter()
            .map(|(k, v)| format!("<b>{}</b>: {}", escape(k), escape(v)))
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.table),
            opt(&e.id),
            fields.join("<br>")
        );
    }
    out.push_str("</tbody></table>");
    out
}
