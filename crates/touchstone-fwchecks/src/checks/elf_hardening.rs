//! `fw-elf-hardening`: executables built without the usual exploit mitigations.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};
use crate::elf::{ElfKind, Pie, Relro, Tri};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-elf-hardening",
        title: "Binaries without exploit mitigations",
        severity: Severity::Medium,
        provisions: &["5.6-8", "5.6-9"],
        test_units: &["5.6-8-1", "5.6-9-1"],
        what: "Reads every ELF executable and library (not kernel images) for non-executable stacks (PT_GNU_STACK), position independence, RELRO, stack canaries, FORTIFY_SOURCE and library search paths (RPATH/RUNPATH in writable or relative directories), falling back to the dynamic segment when sections are stripped, and reports per mitigation how many binaries lack it, with examples. Properties a binary does not reveal count as unknown, never as present or absent.",
        why: "These mitigations are the software side of memory access control (5.6-8) and the visible trace of a secure development process (5.6-9): without them a memory-safety bug in a network daemon is directly exploitable.",
        fix: "Build with `-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack` (most embedded SDKs have a hardening switch).",
    },
    run,
};

/// Examples listed per finding.
const EXAMPLES: usize = 8;

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    // A kernel image (vmlinux) is an ELF too, but user-space mitigations do not apply to it.
    let kernels: Vec<&str> = ctx
        .components
        .iter()
        .filter(|(_, c)| c.name.contains("kernel"))
        .map(|(p, _)| p.as_str())
        .collect();
    let programs: Vec<_> = ctx
        .elves
        .iter()
        .filter(|(_, e)| matches!(e.kind, ElfKind::Executable | ElfKind::Shared))
        .filter(|(p, e)| !(kernels.contains(&p.as_str()) && e.interpreter.is_none()))
        .collect();
    if programs.is_empty() {
        return Vec::new();
    }
    let executables = programs
        .iter()
        .filter(|(_, e)| e.pie.value != Pie::Dso)
        .count();
    let mut out = Vec::new();
    let mut report = |what: &str, lacking: Vec<&String>, of: usize, severity: Severity| {
        if lacking.is_empty() {
            return;
        }
        let first = lacking[0].clone();
        let mut f = ctx.finding(
            &CHECK.info,
            &first,
            format!("{} of {of} ELF binaries {what}", lacking.len()),
            Some(
                lacking
                    .iter()
                    .take(EXAMPLES)
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        );
        f.severity = severity;
        out.push(f);
    };
    report(
        "have an executable stack (no NX)",
        programs
            .iter()
            .filter(|(_, e)| e.nx.value == Tri::No)
            .map(|(p, _)| p)
            .collect(),
        programs.len(),
        Severity::Medium,
    );
    report(
        "are executables at a fixed address (no PIE)",
        programs
            .iter()
            .filter(|(_, e)| e.pie.value == Pie::NoPie)
            .map(|(p, _)| p)
            .collect(),
        executables,
        Severity::Low,
    );
    report(
        "have no RELRO",
        programs
            .iter()
            .filter(|(_, e)| e.relro.value == Relro::None)
            .map(|(p, _)| p)
            .collect(),
        programs.len(),
        Severity::Low,
    );
    report(
        "use no stack canary",
        programs
            .iter()
            .filter(|(_, e)| e.canary.value == Tri::No)
            .map(|(p, _)| p)
            .collect(),
        programs.len(),
        Severity::Low,
    );
    report(
        "call fortifiable C library functions without FORTIFY_SOURCE",
        programs
            .iter()
            .filter(|(_, e)| e.fortify.value.status == Tri::No)
            .map(|(p, _)| p)
            .collect(),
        programs.len(),
        Severity::Info,
    );
    // A library search path outside the read-only system directories lets
    // whoever can write there inject code into the program.
    let risky = |dirs: &[String]| {
        dirs.iter().any(|d| {
            d.is_empty()
                || d.contains("$ORIGIN")
                || !d.starts_with('/')
                || [
                    "/tmp", "/var", "/mnt", "/media", "/home", "/data", "/overlay",
                ]
                .iter()
                .any(|w| d.starts_with(w))
        })
    };
    report(
        "search libraries in writable or relative directories (RPATH/RUNPATH)",
        programs
            .iter()
            .filter(|(_, e)| risky(&e.rpath.value) || risky(&e.runpath.value))
            .map(|(p, _)| p)
            .collect(),
        programs.len(),
        Severity::Medium,
    );
    out
}
