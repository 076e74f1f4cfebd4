//! `net-tls-chain`: would a client that validates certificates trust the
//! service?
//!
//! # What it checks
//!
//! One real TLS 1.2/1.3 handshake with rustls, after the version and suite
//! enumeration, records the presented chain and judges it with webpki:
//! does it build to a Mozilla root (`webpki-roots`) or to a trust anchor
//! the lab supplied (`touchstone probe --ca FILE`, for instance the
//! vendor's device CA described in the IXIT); is the leaf valid for the
//! name the client used (the SNI name, or the address); is it within its
//! validity period; is it self-signed. A service that speaks only TLS 1.1
//! or older (which rustls, like every current client, refuses) has the
//! chain of its clear-text handshake judged the same way. Every reason a
//! validating client
//! would refuse the service is one finding with its own code in the
//! evidence (`untrusted`, `expired`, `not_yet_valid`, `self_signed`,
//! `name_mismatch`, `handshake_failed`).
//!
//! # Why it matters
//!
//! EN 303 645 5.5-1 asks for best-practice cryptography in communication,
//! and 5.1-3 for best-practice cryptography in authentication mechanisms:
//! TLS authenticates the device to its clients only when they can validate
//! its certificate. A chain nobody can validate teaches users and apps to
//! click through warnings or to switch verification off, which leaves the
//! connection open to an active attacker.
//!
//! # How to fix
//!
//! Issue device certificates from a CA the clients trust (the vendor's
//! device CA, pinned in the app, or a public CA for cloud endpoints), with
//! the name clients use in subjectAltName, a validity the device renews
//! before it ends, and the intermediate certificates sent with the leaf.
//!
//! # Provisions and test units
//!
//! 5.5-1 (5.5-1-2a) and 5.1-3 (5.1-3-2a). A chain that is trusted and
//! matches the name supports a pass. Each problem is graded by the
//! `[tls.chain]` table of the crypto policy, whose reason the finding
//! prints: an untrusted chain, an expired or not yet valid certificate and
//! a name mismatch are weak (a medium failure); without lab anchors an
//! untrusted chain and a self-signed leaf are information only (a local
//! device often cannot have a public certificate; give `--ca` to judge it
//! against the vendor's CA).

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, judged, network};
use crate::policy::{CryptoPolicy, Grade};
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-tls-chain",
    provisions: &["5.5-1", "5.1-3"],
    test_units: &["5.5-1-2a", "5.1-3-2a"],
    summary: "TLS certificate chain validation (trust, name, validity) with rustls",
};

/// One finding per reason a validating client would refuse the service,
/// or a pass.
pub fn run(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &report.tls {
        let Some(chain) = &t.report.chain else {
            continue;
        };
        let location = network(&t.host, t.port, Transport::Tcp, "tls");
        let lab_given = chain.lab_anchors.is_some();
        let evidence = |code: &str| {
            let trust = |o: &Option<crate::tls::TrustOutcome>| {
                o.as_ref()
                    .map_or_else(|| "-".to_owned(), |t| t.code.clone())
            };
            Some(format!(
                "{code}; name={} negotiated={} chain_length={} public_roots={} lab_anchors={}",
                chain.server_name,
                chain.negotiated.as_deref().unwrap_or("-"),
                chain.chain_length,
                trust(&chain.public_roots),
                trust(&chain.lab_anchors),
            ))
        };
        if let Some(e) = &chain.handshake_error {
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Info,
                location.clone(),
                format!("no rustls handshake completed, so the chain was not validated: {e}"),
                evidence("handshake_failed"),
            ));
            continue;
        }
        if chain.problems.is_empty() {
            let by = if chain.public_roots.as_ref().is_some_and(|o| o.valid) {
                "the Mozilla roots"
            } else {
                "the lab's trust anchors"
            };
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Pass,
                location.clone(),
                format!(
                    "certificate chain is trusted by {by} and valid for `{}`",
                    chain.server_name
                ),
                evidence("valid"),
            ));
            continue;
        }
        for p in &chain.problems {
            let key = if p.code == "untrusted" && !lab_given {
                "untrusted_public_only"
            } else {
                p.code
            };
            let rated = policy.tls.chain.get(key);
            let (severity, supports) = judged(rated.map_or(Grade::Unknown, |r| r.grade));
            let reason = rated.map_or("not graded by the crypto policy", |r| r.reason.as_str());
            out.push(finding(
                &INFO,
                severity,
                supports,
                location.clone(),
                format!("{} ({reason})", p.message),
                evidence(p.code),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{ChainProblem, ChainReport, TlsReport, TrustOutcome};
    use crate::{TlsEndpoint, empty_report};

    fn with_chain(chain: ChainReport) -> ProbeReport {
        let mut r = empty_report();
        r.tls.push(TlsEndpoint {
            host: "10.0.0.1".into(),
            port: 443,
            report: TlsReport {
                chain: Some(chain),
                ..TlsReport::default()
            },
        });
        r
    }

    #[test]
    fn trusted_chain_passes_and_each_problem_is_a_finding() {
        let ok = ChainReport {
            server_name: "cam.lab".into(),
            public_roots: Some(TrustOutcome {
                valid: false,
                code: "unknown_issuer".into(),
                reason: String::new(),
            }),
            lab_anchors: Some(TrustOutcome {
                valid: true,
                code: "valid".into(),
                reason: String::new(),
            }),
            ..ChainReport::default()
        };
        let policy = CryptoPolicy::bundled().unwrap_or_else(|e| panic!("{e}"));
        let got = run(&with_chain(ok.clone()), &policy);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].supports, Supports::Pass);
        assert!(got[0].message.contains("lab's trust anchors"), "{got:?}");

        let bad = ChainReport {
            problems: vec![
                ChainProblem {
                    code: "untrusted",
                    message: "u".into(),
                },
                ChainProblem {
                    code: "name_mismatch",
                    message: "n".into(),
                },
            ],
            lab_anchors: None,
            ..ok
        };
        let got: Vec<(Severity, Supports)> = run(&with_chain(bad), &policy)
            .iter()
            .map(|f| (f.severity, f.supports))
            .collect();
        assert_eq!(
            got,
            [
                (Severity::Info, Supports::Info),
                (Severity::Medium, Supports::Fail)
            ]
        );
    }
}
