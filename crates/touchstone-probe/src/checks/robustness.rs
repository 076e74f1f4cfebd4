//! `net-robustness`: does a service survive malformed input?
//!
//! # What it checks
//!
//! Runs on the results of the robustness mini-fuzzer ([`crate::robust`],
//! `touchstone probe --robustness`, off by default): malformed HTTP, MQTT
//! and CoAP messages in batches, with a valid request after every batch.
//! A service that stops answering the valid request is a failure, with the
//! batch of inputs that preceded the silence (kind, size and first bytes in
//! hex) and, when a connection was refused within the batch, the last input
//! that was still accepted, the likely trigger. An error answer that shows
//! internals (a 5xx with a stack trace, a source file, an assertion) is a
//! failure of input validation too. A service that answered every batch
//! gets an information finding: a bounded fuzzer finding nothing is no
//! proof of validation.
//!
//! # Why it matters
//!
//! EN 303 645 5.13-1 requires software to validate data it receives over
//! its interfaces; a device that crashes on a malformed length or encoding
//! did not, and such crashes are often exploitable memory errors. 5.9-1
//! asks for resilience: a device that a single packet takes offline is not
//! resilient.
//!
//! # How to fix
//!
//! Check every length field against the bytes received and against fixed
//! limits before allocating or copying; reject invalid encodings; answer
//! malformed requests with a protocol error (HTTP 400/431, MQTT disconnect,
//! CoAP 4.00/4.02) and no internals; run services under a supervisor that
//! restarts them; fuzz the parsers during development.
//!
//! # Provisions and test units
//!
//! 5.13-1 (test unit 5.13-1-2a) for failures of input handling; an outage
//! also bears on 5.9-1 (test unit 5.9-1-2a).

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, finding_on, network};
use crate::robust::RobustnessReport;
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-robustness",
    provisions: &["5.13-1", "5.9-1"],
    test_units: &["5.13-1-2a", "5.9-1-2a"],
    summary: "services keep answering after malformed HTTP, MQTT and CoAP input",
};

const INPUT_HANDLING: (&[&str], &[&str]) = (&["5.13-1"], &["5.13-1-2a"]);

/// Findings for every fuzzed service.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    report.robustness.iter().flat_map(endpoint).collect()
}

fn endpoint(r: &RobustnessReport) -> Vec<Finding> {
    let transport = if r.protocol == crate::robust::Protocol::Coap {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let proto = r.protocol.as_str();
    let location = network(&r.host, r.port, transport, proto);
    let mut out = Vec::new();
    if r.not_alive_before {
        out.push(finding_on(
            &INFO,
            INPUT_HANDLING,
            Severity::Info,
            Supports::Info,
            location,
            format!(
                "{proto} on port {} did not answer a valid request before fuzzing; nothing was sent",
                r.port
            ),
            None,
        ));
        return out;
    }
    if let Some(outage) = &r.outage {
        let first = outage.inputs.first().map_or(0, |c| c.index);
        let last = outage.inputs.last().map_or(0, |c| c.index);
        let trigger = outage.suspect.as_ref().map_or_else(String::new, |s| {
            format!("; likely trigger: case {} {}", s.index, s.kind)
        });
        let mut evidence = Vec::new();
        if let Some(s) = &outage.suspect {
            evidence.push(format!("suspect {}", s.describe()));
        }
        evidence.extend(outage.inputs.iter().map(|c| c.describe()));
        out.push(finding(
            &INFO,
            Severity::High,
            Supports::Fail,
            location.clone(),
            format!(
                "{proto} on port {} stopped answering after malformed input (batch {}, cases {first}-{last}, seed {}){trigger}",
                r.port, outage.batch, r.seed
            ),
            Some(evidence.join("\n")),
        ));
    }
    for a in &r.anomalies {
        out.push(finding_on(
            &INFO,
            INPUT_HANDLING,
            Severity::Medium,
            Supports::Fail,
            location.clone(),
            format!(
                "{proto} on port {} answered case {} {} with {}",
                r.port, a.case.index, a.case.kind, a.what
            ),
            Some(format!("{}\n{}", a.case.describe(), a.evidence)),
        ));
    }
    if r.outage.is_none() {
        out.push(finding_on(
            &INFO,
            INPUT_HANDLING,
            Severity::Info,
            Supports::Info,
            location,
            format!(
                "{proto} on port {} kept answering through {} malformed inputs ({} liveness checks, seed {}){}",
                r.port,
                r.cases_sent,
                r.liveness_checks,
                r.seed,
                if r.stopped_by_budget {
                    "; the time budget ended the run early"
                } else {
                    ""
                }
            ),
            None,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::robust::{CaseRecord, Outage, Protocol};

    fn base(protocol: Protocol) -> RobustnessReport {
        RobustnessReport {
            host: "10.0.0.2".into(),
            port: 1883,
            protocol,
            seed: 1,
            cases_sent: 40,
            answered: 10,
            liveness_checks: 3,
            outage: None,
            anomalies: Vec::new(),
            not_alive_before: false,
            stopped_by_budget: false,
            duration_ms: 5,
        }
    }

    fn case(index: usize) -> CaseRecord {
        CaseRecord {
            index,
            kind: "huge_remaining_length".into(),
            len: 20,
            hex: "1080808001".into(),
        }
    }

    #[test]
    fn outage_names_the_inputs_and_survival_is_information() {
        let mut report = crate::empty_report();
        let mut dead = base(Protocol::Mqtt);
        dead.outage = Some(Outage {
            batch: 1,
            inputs: vec![case(20), case(21)],
            suspect: Some(case(21)),
            tries: 4,
        });
        report.robustness = vec![dead, base(Protocol::Coap)];
        let got: Vec<String> = run(&report)
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {}",
                    f.supports.as_str(),
                    f.severity.as_str(),
                    f.provisions.join(","),
                    f.message
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "fail high 5.13-1,5.9-1 mqtt on port 1883 stopped answering after malformed input (batch 1, cases 20-21, seed 1); likely trigger: case 21 huge_remaining_length",
                "info info 5.13-1 coap on port 1883 kept answering through 40 malformed inputs (3 liveness checks, seed 1)",
            ]
        );
        let evidence = run(&report)
            .first()
            .and_then(|f| f.evidence.clone())
            .unwrap_or_default();
        assert!(
            evidence.starts_with(
                "suspect case 21 huge_remaining_length (20 bytes): 1080808001\ncase 20"
            ),
            "{evidence}"
        );
    }
}
