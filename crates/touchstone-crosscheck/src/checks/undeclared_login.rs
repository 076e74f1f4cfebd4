//! `decl-undeclared-login`: a login the live device asks for that no 1-AuthMech entry describes.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Input, Needs, finding, network};
use crate::checks::{mechanism_words, names_any};
use crate::declared::table;
use crate::kinds;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-undeclared-login",
        title: "Live login the IXIT does not declare",
        severity: Severity::Medium,
        provisions: &["5.1-1", "5.1-5", "5.5-4"],
        test_units: &["5.1-1-2a", "5.1-5-2a", "5.5-4-2a"],
        what: "For every service on which the probe found a login (telnet, SSH, FTP, MQTT, RTSP, HTTP Basic, Digest or a login form, each confirmed by a negative control that the service refused), looks for a 1-AuthMech entry that describes it: an entry naming the mechanism or the service (whole words), or the entry a 13-SoftServ entry for that service references in its authentication mechanism. A login no entry describes is reported.",
        why: "TS 103 701 5.1-1-2 and 5.1-5-2 ask the assessor to discover authentication mechanisms the IXIT does not list. An undocumented login has never been assessed for unique passwords (5.1-1), brute-force protection (5.1-5) or its cryptography (5.1-3), and is often a maintenance back door.",
        fix: "Remove the login if the product does not need it; otherwise describe it in 1-AuthMech (factor, password generation, cryptography, brute-force prevention) and reference it from the service's 13-SoftServ entry.",
        needs: Needs::Live,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<Finding> {
    let Some(live) = input.live() else {
        return Vec::new();
    };
    let auth: Vec<_> = input.declared.table(table::AUTH_MECH).collect();
    let mut out = Vec::new();
    for e in &live.report.credentials {
        let r = &e.report;
        if !r.control_failed || r.no_authentication {
            continue;
        }
        let kind = kinds::of_service(&e.service, e.port);
        let described = auth.iter().any(|d| {
            names_any(&d.text, mechanism_words(&r.mechanism))
                || kind.is_some_and(|k| kinds::named(&d.text, k))
        });
        // A 13-SoftServ entry for the service that names an existing 1-AuthMech entry.
        let referenced = input
            .declared
            .table(table::SOFT_SERV)
            .filter(|d| d.declares(kind, Some(e.port)))
            .flat_map(|d| d.refs("authentication_mechanism"))
            .any(|id| {
                input
                    .declared
                    .by_id(id)
                    .is_some_and(|a| a.number == table::AUTH_MECH)
            });
        if described || referenced {
            continue;
        }
        out.push(finding(
            &CHECK.info,
            network(&e.host, e.port, "tcp", &e.service),
            format!(
                "The {} service on port {} asks for a login ({}), and no 1-AuthMech entry describes it",
                e.service, e.port, r.mechanism
            ),
            Some(format!(
                "{} login; the negative control (a random user name and password) was refused",
                r.mechanism
            )),
        ));
    }
    out
}
