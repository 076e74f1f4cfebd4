//! `decl-undeclared-boot-service`: a network daemon or serial console the firmware starts that the IXIT does not declare, or declares switched off.

use std::collections::BTreeSet;

use touchstone_core::{Finding, Location, Severity};
use touchstone_fwchecks::boot::Certainty;
use touchstone_fwchecks::checks::serial_login::is_serial;

use crate::check::{Check, CheckInfo, Input, Needs, finding};
use crate::checks::{excerpt, narrow};
use crate::declared::{Declared, SERVICE_TABLES, labels};
use crate::kinds::{self, Kind};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-undeclared-boot-service",
        title: "Service or console started by the firmware that the IXIT does not declare",
        severity: Severity::Medium,
        provisions: &["5.6-1", "5.6-4"],
        test_units: &["5.6-1-2a", "5.6-1-2b", "5.6-4-2a", "5.6-4-2b"],
        what: "Compares the network daemons the image's boot sequence starts (inittab, rc scripts, inetd, systemd, procd: the same reading as fw-boot-service) and the consoles it opens on serial ports (inittab gettys and shells, `console=ttyS…` on the kernel command line) with the services and interfaces declared in 13-SoftServ, 15-Intf (15-PhyIntf) and 28-ExtAPI (28-LogIntf). It reports those no entry names (by the kind's words in data/services.toml) and those whose entries all say disabled or removed.",
        why: "The firmware shows what every unit starts, including services a network scan of one sample may miss (bound to another interface, started on demand by inetd) and serial consoles no scan reaches. 5.6-1-2 and 5.6-4-2 ask for interfaces and debug access the IXIT does not list; a console declared removed in production but still opened by the image is a debug interface not disabled in software (5.6-4).",
        fix: "Remove the daemon or console from the boot sequence if the product does not need it; otherwise declare it in the IXIT (13-SoftServ for services, 15-Intf for interfaces and debug ports) with its protection.",
        needs: Needs::Firmware,
    },
    run,
};

/// The verdict of the declarations on one observed kind.
enum Declaration<'d> {
    Undeclared,
    Disabled(Vec<&'d Declared<'d>>),
    Declared,
}

fn judge<'d>(declared: &[&'d Declared<'d>], kinds: &[&Kind]) -> Declaration<'d> {
    let matching: Vec<&Declared<'_>> = declared
        .iter()
        .copied()
        .filter(|d| kinds.iter().any(|k| kinds::named(&d.text, k)))
        .collect();
    if matching.is_empty() {
        Declaration::Undeclared
    } else if matching.iter().all(|d| d.disabled()) {
        Declaration::Disabled(matching)
    } else {
        Declaration::Declared
    }
}

fn run(input: &Input<'_>) -> Vec<Finding> {
    let declared: Vec<&Declared<'_>> = input.declared.tables(SERVICE_TABLES).collect();
    let Some(console) = kinds::kind("serial-console") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for image in input.images() {
        let mut seen = BTreeSet::new();
        for tree in &image.trees {
            for s in &tree.boot.started {
                let found = kinds::of_program(&s.program);
                if found.is_empty()
                    || !seen.insert((s.program.clone(), s.origin.file.clone(), s.origin.line))
                {
                    continue;
                }
                let how = match s.certainty {
                    Certainty::Boot => "starts",
                    Certainty::Conditional => "starts under a condition",
                    Certainty::ConfigOnly => "configures (launcher not seen starting)",
                };
                let what = found
                    .iter()
                    .map(|k| k.title.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ");
                let message = match judge(&declared, &found) {
                    Declaration::Declared => continue,
                    Declaration::Undeclared => format!(
                        "The image {how} `{}` ({what}, {} line {}), and no IXIT entry of 13-SoftServ, 15-Intf or 28 declares it",
                        s.program, s.origin.file, s.origin.line
                    ),
                    Declaration::Disabled(by) => format!(
                        "The image {how} `{}` ({what}, {} line {}), but the IXIT declares it disabled ({})",
                        s.program,
                        s.origin.file,
                        s.origin.line,
                        labels(by)
                    ),
                };
                let debug = found.iter().any(|k| k.debug);
                let f = finding(
                    &CHECK.info,
                    image.place(&tree.layers, &s.origin.file),
                    message,
                    Some(excerpt(&s.evidence(&s.command()), 400)),
                );
                out.push(if debug {
                    f
                } else {
                    narrow(f, &["5.6-1"], &["5.6-1-2a", "5.6-1-2b"])
                });
            }
            for c in tree.boot.consoles.iter().filter(|c| is_serial(&c.tty)) {
                let what = if c.login {
                    "a login prompt"
                } else {
                    "a shell without password"
                };
                let message = match judge(&declared, &[console]) {
                    Declaration::Declared => continue,
                    Declaration::Undeclared => format!(
                        "The image opens {what} on the serial console `{}` ({} line {}), and no IXIT entry declares a serial or debug interface",
                        c.tty, c.origin.file, c.origin.line
                    ),
                    Declaration::Disabled(by) => format!(
                        "The image opens {what} on the serial console `{}` ({} line {}), but the IXIT declares the interface disabled or removed ({})",
                        c.tty,
                        c.origin.file,
                        c.origin.line,
                        labels(by)
                    ),
                };
                out.push(narrow(
                    finding(
                        &CHECK.info,
                        image.place(&tree.layers, &c.origin.file),
                        message,
                        Some(c.origin.text.trim().to_owned()),
                    ),
                    &["5.6-4"],
                    &["5.6-4-2a", "5.6-4-2b"],
                ));
            }
        }
        // Kernel consoles on serial ports, as fw-boot-console found them.
        for f in image
            .findings
            .iter()
            .filter(|f| f.check == "fw-boot-console" && f.message.contains("console"))
        {
            let message = match judge(&declared, &[console]) {
                Declaration::Declared => continue,
                Declaration::Undeclared => format!(
                    "{}, and no IXIT entry declares a serial or debug interface",
                    f.message
                ),
                Declaration::Disabled(by) => format!(
                    "{}, but the IXIT declares the interface disabled or removed ({})",
                    f.message,
                    labels(by)
                ),
            };
            let location = f.location.clone().unwrap_or(Location::Firmware {
                image: image.name.clone(),
                path: String::new(),
                layers: Vec::new(),
                offset: None,
            });
            out.push(narrow(
                finding(&CHECK.info, location, message, f.evidence.clone()),
                &["5.6-4"],
                &["5.6-4-2a", "5.6-4-2b"],
            ));
        }
    }
    out
}
