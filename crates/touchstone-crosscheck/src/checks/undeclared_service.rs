//! `decl-undeclared-service`: a service the live device offers that the IXIT does not declare, or declares switched off.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Input, Needs, finding, network};
use crate::checks::banner;
use crate::declared::{SERVICE_TABLES, labels};
use crate::kinds;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-undeclared-service",
        title: "Live service the IXIT does not declare",
        severity: Severity::Medium,
        provisions: &["5.6-1", "5.5-5"],
        test_units: &["5.6-1-2a", "5.6-1-2b", "5.5-5-2b"],
        what: "Compares every service the probe found listening (TCP and UDP, identified by handshakes and banners) with the services and interfaces the IXIT declares in 13-SoftServ, 15-Intf (15-PhyIntf) and 28-ExtAPI (28-LogIntf). A service counts as declared when an entry names its kind (SSH, telnet, HTTPS, mDNS ... by the words in data/services.toml, whole words only) or its port. It reports services no entry declares, and services whose declaring entries all say they are disabled or removed.",
        why: "TS 103 701 5.6-1-2 asks the assessor to discover network and logical interfaces the IXIT does not list: an undocumented listening service is exactly the non-conformity that test unit looks for, and it is attack surface the manufacturer has not assessed or justified (5.6-1, 5.5-5).",
        fix: "Disable the service if the product does not need it; otherwise declare it in 13-SoftServ with its justification and authentication, and in the interface table.",
        needs: Needs::Live,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<Finding> {
    let Some(live) = input.live() else {
        return Vec::new();
    };
    let declared: Vec<_> = input.declared.tables(SERVICE_TABLES).collect();
    let mut out = Vec::new();
    for s in &live.report.services {
        let kind = kinds::of_service(&s.service, s.port);
        let name = kind.map_or_else(
            || format!("unidentified service `{}`", s.service),
            |k| k.title.clone(),
        );
        let matching: Vec<_> = declared
            .iter()
            .filter(|d| d.declares(kind, Some(s.port)))
            .copied()
            .collect();
        let product = match (&s.product, &s.version) {
            (Some(p), Some(v)) => format!(" ({p} {v})"),
            (Some(p), None) => format!(" ({p})"),
            _ => String::new(),
        };
        let message = if matching.is_empty() {
            format!(
                "{name}{product} listens on {}/{}, and no IXIT entry of 13-SoftServ, 15-Intf or 28 declares it",
                s.port,
                s.transport.as_str()
            )
        } else if matching.iter().all(|d| d.disabled()) {
            format!(
                "{name}{product} listens on {}/{}, but the IXIT declares it disabled ({})",
                s.port,
                s.transport.as_str(),
                labels(matching.iter().copied())
            )
        } else {
            continue;
        };
        // The evidence is what the device sent (the fingerprint then stays
        // the same when unrelated IXIT entries change).
        let evidence = banner(s.evidence.as_deref());
        out.push(finding(
            &CHECK.info,
            network(&s.host, s.port, s.transport.as_str(), &s.service),
            message,
            evidence,
        ));
    }
    out
}
