//! ELF hardening facts against third-party ground truth: FACT_core's
//! `exploit_mitigations` test binaries (checksec results asserted by FACT's own
//! test) and DVRF's static MIPS gdbserver builds, read in place from the
//! shared corpus; plus truncated and garbage inputs.

use std::path::PathBuf;

use touchstone_fwchecks::elf::{
    ByteOrder, ElfError, ElfKind, ElfReport, Linking, Pie, Relro, Tri, analyse,
};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    dir.is_dir().then_some(dir)
}

#[allow(clippy::print_stderr)]
fn skip(test: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the shared corpus (../shared/corpus) is missing and CI=true: corpus tests must not pass without it"
    );
    eprintln!("SKIP {test}: shared corpus not found next to the repository (../shared/corpus)");
}

fn read(dir: &std::path::Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn report(dir: &std::path::Path, rel: &str) -> ElfReport {
    analyse(&read(dir, rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// FACT_core `test_plugin_exploit_mitigations.py` (commit c286b67342c1):
/// `Hallo.out` baseline plus the per-file parametrised checks.
#[test]
fn fact_core_ground_truth() {
    let Some(dir) = corpus() else {
        return skip("fact_core_ground_truth");
    };
    let d = |f: &str| report(&dir, &format!("fact-core/elf-hardening/{f}"));

    // Baseline: canary off, NX on, PIE enabled, RELRO full, no RPATH/RUNPATH,
    // no SafeStack, not stripped.
    let base = d("Hallo.out");
    assert_eq!(base.canary.value, Tri::No, "{:?}", base.canary);
    assert_eq!(base.nx.value, Tri::Yes, "{:?}", base.nx);
    assert_eq!(base.pie.value, Pie::Pie, "{:?}", base.pie);
    assert_eq!(base.relro.value, Relro::Full, "{:?}", base.relro);
    assert!(base.rpath.value.is_empty() && base.runpath.value.is_empty());
    assert_eq!(base.safestack.value, Tri::No);
    assert_eq!(base.stripped.value, Tri::No);
    assert_eq!(base.arch, "x86_64");
    assert_eq!((base.bits, base.byte_order), (64, ByteOrder::Little));
    assert_eq!(base.linking.value, Linking::Dynamic);
    assert_eq!(
        base.interpreter.as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    assert_eq!(base.needed, ["libc.so.6"]);

    let obj = d("Hallo.o");
    assert_eq!(obj.kind, ElfKind::Relocatable);
    assert_eq!(obj.pie.value, Pie::Rel);
    assert_eq!(obj.relro.value, Relro::None);
    // FACT/checksec say NX false; an object file has no program headers, so
    // its stack flags are decided at link time. Its .note.GNU-stack asks for
    // a non-executable stack: we answer unknown and say so.
    assert_eq!(obj.nx.value, Tri::Unknown);
    assert!(
        obj.nx.evidence.contains("non-executable"),
        "{}",
        obj.nx.evidence
    );
    assert_eq!(obj.linking.value, Linking::Unknown);

    let so = d("Hallo.so");
    assert_eq!(so.pie.value, Pie::Dso);
    assert_eq!(so.relro.value, Relro::Partial);
    assert_eq!(so.kind, ElfKind::Shared);

    assert_eq!(d("Hallo_no_pie").pie.value, Pie::NoPie);

    let canary = d("Hallo_Canary");
    assert_eq!(canary.canary.value, Tri::Yes);
    assert!(canary.canary.evidence.contains("__stack_chk_fail"));

    let safestack = d("Hallo_SafeStack");
    assert_eq!(safestack.safestack.value, Tri::Yes);
    assert!(safestack.safestack.evidence.contains("__safestack_init"));

    let rpath = d("Hallo_rpath");
    assert_eq!(rpath.rpath.value, ["/some/path"]);
    assert!(rpath.runpath.value.is_empty());
    // DT_FLAGS_1 NOW without DT_FLAGS BIND_NOW still binds eagerly.
    assert_eq!(rpath.relro.value, Relro::Full);
    assert!(rpath.relro.evidence.contains("DT_FLAGS_1 NOW"));

    let runpath = d("Hallo_runpath");
    assert_eq!(runpath.runpath.value, ["/some/path"]);
    assert!(runpath.rpath.value.is_empty());

    let stripped = d("Hallo_stripped");
    assert_eq!(stripped.stripped.value, Tri::Yes);
    // Stripped, but the dynamic symbols still answer.
    assert_eq!(stripped.canary.value, Tri::No);
    assert!(stripped.canary.evidence.contains(".dynsym"));
    assert_eq!(stripped.pie.value, Pie::Pie);
    assert_eq!(stripped.relro.value, Relro::Full);

    // Built with Clang CFI (no upstream assertion): at least the plain facts.
    let cfi = d("Hallo_cfi");
    assert_eq!(cfi.pie.value, Pie::NoPie);
    assert_eq!(cfi.nx.value, Tri::Yes);
}

/// Every corpus ELF parses, and nothing but the stripped one is stripped.
#[test]
fn every_fact_core_elf_parses() {
    let Some(dir) = corpus() else {
        return skip("every_fact_core_elf_parses");
    };
    let folder = dir.join("fact-core/elf-hardening");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .expect("corpus folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    assert_eq!(names.len(), 10, "{names:?}");
    for name in names {
        let r = report(&folder, &name);
        assert_eq!(
            r.stripped.value == Tri::Yes,
            name == "Hallo_stripped",
            "{name}: {:?}",
            r.stripped
        );
        assert_eq!(r.arch, "x86_64", "{name}");
    }
}

#[test]
fn dvrf_static_mips_gdbserver() {
    let Some(dir) = corpus() else {
        return skip("dvrf_static_mips_gdbserver");
    };
    for (file, order) in [
        ("gdbserver-mips1-be", ByteOrder::Big),
        ("gdbserver-mips1-le", ByteOrder::Little),
    ] {
        let r = report(&dir, &format!("dvrf/elf-mips/{file}"));
        assert_eq!(r.arch, "mips", "{file}");
        assert_eq!(r.bits, 32, "{file}");
        assert_eq!(r.byte_order, order, "{file}");
        assert_eq!(r.kind, ElfKind::Executable, "{file}");
        assert_eq!(r.linking.value, Linking::Static, "{file}");
        assert_eq!(r.stripped.value, Tri::No, "{file}");
        // PT_GNU_STACK RWE: executable stack.
        assert_eq!(r.nx.value, Tri::No, "{file}: {:?}", r.nx);
        assert!(r.nx.evidence.contains("RWE"), "{file}");
        assert_eq!(r.pie.value, Pie::NoPie, "{file}");
        assert_eq!(r.relro.value, Relro::None, "{file}");
        assert_eq!(r.canary.value, Tri::No, "{file}: {:?}", r.canary);
        assert_eq!(r.fortify.value.status, Tri::No, "{file}: {:?}", r.fortify);
        assert!(r.fortify.value.fortified.is_empty());
        assert!(r.interpreter.is_none() && r.needed.is_empty());
    }
}

/// Every prefix of real binaries, and bytes flipped in their headers, give a
/// value or an error, never a panic; cuts inside the headers are errors.
#[test]
fn truncated_and_corrupted_inputs_do_not_panic() {
    let Some(dir) = corpus() else {
        return skip("truncated_and_corrupted_inputs_do_not_panic");
    };
    for rel in [
        "fact-core/elf-hardening/Hallo.out",
        "fact-core/elf-hardening/Hallo_stripped",
        "fact-core/elf-hardening/Hallo.o",
        "dvrf/elf-mips/gdbserver-mips1-be",
    ] {
        let bytes = read(&dir, rel);
        let step = (bytes.len() / 600).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let result = analyse(bytes.get(..cut).unwrap_or_default());
            assert!(result.is_err(), "{rel} cut at {cut} parsed: {result:?}");
        }
        // Flip every byte of the first 256 and a sample of the rest.
        for at in (0..bytes.len()).filter(|i| *i < 256 || i % 97 == 0) {
            let mut copy = bytes.clone();
            if let Some(b) = copy.get_mut(at) {
                *b ^= 0xff;
            }
            let _ = analyse(&copy);
        }
    }
}

#[test]
fn garbage_is_an_error() {
    assert_eq!(analyse(b""), Err(ElfError::NotElf));
    assert_eq!(analyse(b"MZ\x90\x00"), Err(ElfError::NotElf));
    assert!(matches!(analyse(b"\x7fEL"), Err(ElfError::Truncated(_))));
    assert!(matches!(analyse(b"\x7fELF"), Err(ElfError::Truncated(_))));
    assert!(matches!(
        analyse(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
        Err(ElfError::Truncated(_))
    ));
    assert!(matches!(
        analyse(b"\x7fELF\x07\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
        Err(ElfError::Unsupported(_))
    ));
    // A pseudo-random blob behind a valid-looking identification.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for class in [1u8, 2] {
        for _ in 0..200 {
            let mut blob = vec![0x7f, b'E', b'L', b'F', class, 1, 1, 0];
            for _ in 0..4096 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                blob.push(state as u8);
            }
            let _ = analyse(&blob);
        }
    }
}

/// A section-less ELF (as `sstrip` leaves them): the dynamic segment alone
/// must still give RELRO, PIE, RUNPATH and the imported canary symbol.
#[test]
fn section_less_binary_falls_back_to_the_dynamic_segment() {
    let Some(dir) = corpus() else {
        return skip("section_less_binary_falls_back_to_the_dynamic_segment");
    };
    for rel in [
        "fact-core/elf-hardening/Hallo_Canary",
        "fact-core/elf-hardening/Hallo_runpath",
    ] {
        let mut bytes = read(&dir, rel);
        // Zero e_shoff (0x28, 8 bytes), e_shnum (0x3c) and e_shstrndx (0x3e).
        for i in (0x28..0x30).chain(0x3c..0x40) {
            if let Some(b) = bytes.get_mut(i) {
                *b = 0;
            }
        }
        // And a PT_DYNAMIC whose size is not a whole number of entries, as
        // sstrip'ed binaries from old toolchains have.
        grow_dynamic_segment(&mut bytes, 3);
        let with = report(&dir, rel);
        let without = analyse(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(without.stripped.value, Tri::Yes, "{rel}");
        assert_eq!(without.pie, with.pie, "{rel}");
        assert_eq!(without.relro, with.relro, "{rel}");
        assert_eq!(without.nx, with.nx, "{rel}");
        assert_eq!(without.runpath, with.runpath, "{rel}");
        assert_eq!(without.needed, with.needed, "{rel}");
        assert_eq!(without.canary.value, with.canary.value, "{rel}");
        assert!(
            without.canary.evidence.contains("DT_SYMTAB"),
            "{rel}: {}",
            without.canary.evidence
        );
    }
}

/// Add `extra` bytes to the PT_DYNAMIC file size of a little-endian ELF64.
fn grow_dynamic_segment(bytes: &mut [u8], extra: u64) {
    let word = |b: &[u8], at: usize, n: usize| -> u64 {
        b.get(at..at + n)
            .map(|s| {
                s.iter()
                    .rev()
                    .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
            })
            .unwrap_or(0)
    };
    let phoff = word(bytes, 0x20, 8) as usize;
    let phnum = word(bytes, 0x38, 2) as usize;
    for i in 0..phnum {
        let ph = phoff + i * 56;
        if word(bytes, ph, 4) == 2 {
            let size = word(bytes, ph + 32, 8) + extra;
            if let Some(field) = bytes.get_mut(ph + 32..ph + 40) {
                field.copy_from_slice(&size.to_le_bytes());
            }
            return;
        }
    }
    panic!("no PT_DYNAMIC");
}

/// Every ELF of an unpacked corpus image, by path.
fn image_elves(rel: &str) -> Option<Vec<(String, Result<ElfReport, ElfError>)>> {
    use touchstone_fwchecks::files::Files;
    let path = corpus()?.join(rel);
    let unpacked = touchstone_firmware::unpack(&path, &touchstone_firmware::Options::default());
    let mut out = Vec::new();
    for tree in &unpacked.trees {
        for file in Files::paths(tree) {
            if let Some(bytes) = Files::read(tree, &file).filter(|b| b.starts_with(b"\x7fELF")) {
                out.push((file, analyse(&bytes)));
            }
        }
    }
    Some(out)
}

fn find<'a>(elves: &'a [(String, Result<ElfReport, ElfError>)], path: &str) -> &'a ElfReport {
    elves
        .iter()
        .find(|(p, _)| p == path)
        .and_then(|(_, r)| r.as_ref().ok())
        .unwrap_or_else(|| panic!("{path} missing or unreadable"))
}

/// The TRENDnet image's MIPS little-endian binaries: all parse; its daemons
/// have executable stacks (PT_GNU_STACK RWE), no canary and no FORTIFY.
#[test]
fn trendnet_binaries() {
    let Some(elves) = image_elves("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return skip("trendnet_binaries");
    };
    assert!(elves.len() > 100, "{}", elves.len());
    for (path, r) in &elves {
        let r = r.as_ref().unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            (r.arch.as_str(), r.bits, r.byte_order),
            ("mips", 32, ByteOrder::Little),
            "{path}"
        );
    }
    let telnetd = find(&elves, "/usr/sbin/telnetd");
    assert_eq!(telnetd.interpreter.as_deref(), Some("/lib/ld-uClibc.so.0"));
    assert_eq!(telnetd.stripped.value, Tri::Yes);
    assert_eq!(telnetd.nx.value, Tri::No);
    assert_eq!(telnetd.pie.value, Pie::NoPie);
    assert_eq!(telnetd.relro.value, Relro::None);
    assert_eq!(telnetd.canary.value, Tri::No);
    assert!(telnetd.canary.evidence.contains(".dynsym"));
    assert_eq!(telnetd.fortify.value.status, Tri::No);
    assert!(
        telnetd
            .fortify
            .value
            .unfortified
            .iter()
            .any(|f| f == "strcpy")
    );
    // uClibc's libraries ask for BIND_NOW and have a PT_GNU_RELRO, but the
    // MIPS GOT lies past it: checksec says Full RELRO, the GOT is writable.
    let libc = find(&elves, "/lib/libuClibc-0.9.30.1.so");
    assert_eq!(libc.relro.value, Relro::Partial, "{:?}", libc.relro);
    assert!(libc.relro.evidence.contains("DT_PLTGOT"));
    assert_eq!(libc.pie.value, Pie::Dso, "{:?}", libc.pie);
    assert!(
        elves
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .all(|r| r.relro.value != Relro::Full)
    );
    let busybox = find(&elves, "/bin/busybox");
    assert_eq!(busybox.linking.value, Linking::Static);
    // Static and stripped: nothing to look for a canary in.
    assert_eq!(busybox.canary.value, Tri::Unknown);
}

/// The Broadcom image's big-endian binaries were sstrip'ed: no section
/// headers at all, and a PT_DYNAMIC spanning the symbol tables. The
/// dynamic segment alone still answers.
#[test]
fn broadcom_section_less_binaries() {
    let Some(elves) = image_elves("binwalk/rootfs/broadcom-bcm63xx-v2.squashfs") else {
        return skip("broadcom_section_less_binaries");
    };
    assert!(elves.len() > 50, "{}", elves.len());
    for (path, r) in &elves {
        let r = r.as_ref().unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            (r.arch.as_str(), r.bits, r.byte_order),
            ("mips", 32, ByteOrder::Big),
            "{path}"
        );
    }
    let busybox = find(&elves, "/bin/busybox");
    assert!(
        busybox
            .stripped
            .evidence
            .contains("no section header table")
    );
    assert_eq!(busybox.needed, ["libc.so.0"]);
    assert_eq!(busybox.nx.value, Tri::Unknown, "{:?}", busybox.nx);
    assert_eq!(busybox.canary.value, Tri::No);
    assert!(
        busybox.canary.evidence.contains("DT_SYMTAB"),
        "{}",
        busybox.canary.evidence
    );
    assert_eq!(busybox.fortify.value.status, Tri::No);
    // PT_DYNAMIC with a 12-byte file size: read where the loader reads it
    // (its p_vaddr inside the first PT_LOAD); readelf shows no entries here.
    let http = find(&elves, "/bin/http");
    assert_eq!(http.needed, ["libc.so.0"]);
    assert_eq!(http.canary.value, Tri::No, "{:?}", http.canary);
    // Every linked binary gets a canary answer from its dynamic symbols.
    let unknown: Vec<&str> = elves
        .iter()
        .filter_map(|(p, r)| r.as_ref().ok().map(|r| (p, r)))
        .filter(|(_, r)| r.kind != ElfKind::Relocatable && r.canary.value == Tri::Unknown)
        .map(|(p, _)| p.as_str())
        .collect();
    assert!(unknown.is_empty(), "{unknown:?}");
    // uClibc puts DT_DEBUG in its libraries: checksec would call this PIE.
    let libc = find(&elves, "/lib/libc.so.0");
    assert_eq!(libc.pie.value, Pie::Dso, "{:?}", libc.pie);
}

/// A BIND_NOW flag does not make Full RELRO when the GOT lies outside
/// PT_GNU_RELRO (checksec issue #161): shrink Hallo.out's PT_GNU_RELRO.
#[test]
fn bind_now_without_a_read_only_got_is_partial() {
    let Some(dir) = corpus() else {
        return skip("bind_now_without_a_read_only_got_is_partial");
    };
    let mut bytes = read(&dir, "fact-core/elf-hardening/Hallo.out");
    let word = |b: &[u8], at: usize, n: usize| -> u64 {
        b.get(at..at + n)
            .map(|s| {
                s.iter()
                    .rev()
                    .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
            })
            .unwrap_or(0)
    };
    let phoff = word(&bytes, 0x20, 8) as usize;
    let phnum = word(&bytes, 0x38, 2) as usize;
    let relro = (0..phnum)
        .map(|i| phoff + i * 56)
        .find(|&ph| word(&bytes, ph, 4) == 0x6474_e552)
        .expect("PT_GNU_RELRO");
    // p_memsz (offset 40) down to 8 bytes.
    if let Some(field) = bytes.get_mut(relro + 40..relro + 48) {
        field.copy_from_slice(&8u64.to_le_bytes());
    }
    let r = analyse(&bytes).expect("patched Hallo.out");
    assert_eq!(r.relro.value, Relro::Partial, "{:?}", r.relro);
    assert!(
        r.relro.evidence.contains("DT_PLTGOT"),
        "{}",
        r.relro.evidence
    );
}

/// A library that defines and exports `__stack_chk_fail` provides the
/// canary runtime: that says nothing about its own code. Hallo_Canary with
/// its dynamic `__stack_chk_fail` turned into a definition, then stripped
/// of its section headers, must give unknown rather than yes.
#[test]
fn exported_canary_runtime_is_not_evidence() {
    let Some(dir) = corpus() else {
        return skip("exported_canary_runtime_is_not_evidence");
    };
    let mut bytes = read(&dir, "fact-core/elf-hardening/Hallo_Canary");
    let word = |b: &[u8], at: usize, n: usize| -> usize {
        b.get(at..at + n)
            .map(|s| {
                s.iter()
                    .rev()
                    .fold(0usize, |acc, &x| (acc << 8) | usize::from(x))
            })
            .unwrap_or(0)
    };
    let (shoff, shnum) = (word(&bytes, 0x28, 8), word(&bytes, 0x3c, 2));
    let section = |i: usize| shoff + i * 64;
    let dynsym = (0..shnum)
        .map(section)
        .find(|&sh| word(&bytes, sh + 4, 4) == 11)
        .expect(".dynsym");
    let strtab = section(word(&bytes, dynsym + 40, 4));
    let (sym_off, sym_size) = (word(&bytes, dynsym + 24, 8), word(&bytes, dynsym + 32, 8));
    let str_off = word(&bytes, strtab + 24, 8);
    let mut patched = false;
    for sym in (sym_off..sym_off + sym_size).step_by(24) {
        let name = str_off + word(&bytes, sym, 4);
        if bytes.get(name..name + 17) == Some(&b"__stack_chk_fail\0"[..]) {
            // st_shndx: defined in section 14.
            if let Some(field) = bytes.get_mut(sym + 6..sym + 8) {
                field.copy_from_slice(&14u16.to_le_bytes());
                patched = true;
            }
        }
    }
    assert!(patched);
    for i in (0x28..0x30).chain(0x3c..0x40) {
        if let Some(b) = bytes.get_mut(i) {
            *b = 0;
        }
    }
    let r = analyse(&bytes).expect("patched Hallo_Canary");
    assert_eq!(r.canary.value, Tri::Unknown, "{:?}", r.canary);
    assert!(r.canary.evidence.contains("exports __stack_chk_fail"));
}
