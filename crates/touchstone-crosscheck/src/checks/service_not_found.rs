//! `decl-service-not-found`: a service the IXIT declares enabled that neither the live device nor the firmware shows.

use touchstone_core::{Finding, Location, Severity, Supports};

use crate::check::{Check, CheckInfo, Input, Needs, finding};
use crate::declared::table;
use crate::kinds::{self, Kind};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-service-not-found",
        title: "Declared service not found",
        severity: Severity::Info,
        provisions: &["5.6-1"],
        test_units: &["5.6-1-2a"],
        what: "For every service the IXIT declares in 13-SoftServ or 28-ExtAPI (28-LogIntf) and does not mark disabled, looks for it by the kinds its text names (data/services.toml): among the services the probe found when it swept every port, and among the daemons the firmware starts at boot. A declared service found in neither is reported for the assessor (information, no verdict).",
        why: "An IXIT that lists services the device does not run is inaccurate: the assessor then cannot rely on it to judge what the device does run, and the missing service may run on another sample or firmware version, or only in a state the probe did not see (5.6-1).",
        fix: "Correct the IXIT (remove or mark disabled the services the product does not run), or tell the assessor how to reach the service (the state or configuration in which it runs).",
        needs: Needs::Either,
    },
    run,
};

/// Kinds the entry's text names that an observation can show.
fn named_kinds(text: &str) -> Vec<&'static Kind> {
    kinds::kinds()
        .iter()
        .filter(|k| k.network && kinds::named(text, k))
        .collect()
}

fn run(input: &Input<'_>) -> Vec<Finding> {
    let live = input.live().filter(|l| l.swept_all && !l.report.dry_run);
    let images: Vec<_> = input.images().iter().filter(|i| !i.incomplete).collect();
    if live.is_none() && images.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for d in input
        .declared
        .tables(&[table::SOFT_SERV, table::LOG_INTF])
        .filter(|d| !d.disabled())
    {
        let named = named_kinds(&d.text);
        let ports = kinds::ports_named(&d.text);
        if named.is_empty() && ports.is_empty() {
            continue;
        }
        let seen_live = live.is_some_and(|l| {
            l.report.services.iter().any(|s| {
                ports.contains(&s.port)
                    || kinds::of_service(&s.service, s.port)
                        .is_some_and(|k| named.iter().any(|n| n.id == k.id))
            })
        });
        let seen_boot = images.iter().any(|i| {
            i.trees.iter().any(|t| {
                t.boot.started.iter().any(|s| {
                    kinds::of_program(&s.program)
                        .iter()
                        .any(|k| named.iter().any(|n| n.id == k.id))
                })
            })
        });
        if seen_live || seen_boot {
            continue;
        }
        let mut missing = Vec::new();
        if live.is_some() {
            missing.push("the probe of every port found no such service");
        }
        if !images.is_empty() {
            missing.push("the firmware starts none at boot");
        }
        let what = if named.is_empty() {
            format!(
                "port {}",
                ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            named
                .iter()
                .map(|k| k.title.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let mut f = finding(
            &CHECK.info,
            Location::Document {
                uri: format!(
                    "ixit.toml#{}",
                    d.entry.id.as_deref().unwrap_or(&d.entry.table)
                ),
            },
            format!(
                "{} declares {what}, but {}",
                d.label(),
                missing.join(" and ")
            ),
            d.field("description").map(str::to_owned),
        );
        f.supports = Supports::Info;
        out.push(f);
    }
    out
}
