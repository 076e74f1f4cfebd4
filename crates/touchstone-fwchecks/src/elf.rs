//! Per-ELF hardening facts (EN 303 645 provisions 5.6-7 and 5.6-8): NX, PIE,
//! RELRO, stack canary, FORTIFY, SafeStack, RPATH/RUNPATH, plus the
//! architecture, bitness, endianness, linking and stripping of the binary.
//!
//! Every fact carries the evidence that decided it (the segment, dynamic tag
//! or symbol) and may be "unknown" where the binary gives no answer. That is
//! deliberate: checksec-style tools guess on stripped, section-less embedded
//! binaries and are often wrong there (checksec PR #287, issues #93 and
//! #161). Dynamic tags are read from the `PT_DYNAMIC` segment, which is what
//! the loader reads, so they are found whether or not section headers exist;
//! dynamic symbols come from `.dynsym` or, without sections, from the
//! `DT_SYMTAB` the dynamic segment points at.
//!
//! The analyser is pure: bytes in, facts out. Hostile or truncated input
//! yields an [`ElfError`], never a panic.

use std::collections::BTreeSet;
use std::fmt;

use object::elf;
use object::read::elf::{Dyn as _, FileHeader, ProgramHeader as _, SectionHeader as _, Sym as _};
use object::read::{ReadRef as _, StringTable};
use object::{Endianness, U32};
use serde::Serialize;

/// Most symbols read from one symbol table; larger tables are cut there.
const MAX_SYMBOLS: usize = 1 << 20;
/// Most dynamic entries read before `DT_NULL`.
const MAX_DYNAMIC_ENTRIES: usize = 1 << 16;
/// Most distinct names kept in a list of evidence (fortified functions, ...).
const MAX_NAMES: usize = 256;
/// Longest string read from the dynamic string table.
const MAX_STRING: u64 = 4096;

/// Why bytes could not be analysed as an ELF file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ElfError {
    /// The bytes do not start with the ELF magic.
    NotElf,
    /// An ELF class, byte order or header layout this analyser does not read.
    Unsupported(String),
    /// A header, segment or table points past the end of the bytes.
    Truncated(String),
    /// A header or table is inconsistent.
    Malformed(String),
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf => f.write_str("not an ELF file"),
            ElfError::Unsupported(d) => write!(f, "unsupported ELF: {d}"),
            ElfError::Truncated(d) => write!(f, "truncated ELF: {d}"),
            ElfError::Malformed(d) => write!(f, "malformed ELF: {d}"),
        }
    }
}

impl std::error::Error for ElfError {}

/// A yes/no answer that may be unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    /// The binary shows the property.
    Yes,
    /// The binary shows it lacks the property.
    No,
    /// The binary gives no answer.
    Unknown,
}

/// A fact and what decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact<T> {
    /// The answer.
    pub value: T,
    /// The segment, tag or symbol that decided it, in words.
    pub evidence: String,
}

fn fact<T>(value: T, evidence: impl Into<String>) -> Fact<T> {
    Fact {
        value,
        evidence: evidence.into(),
    }
}

/// Byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ByteOrder {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

/// `e_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElfKind {
    /// `ET_REL`: an object file, not yet linked.
    Relocatable,
    /// `ET_EXEC`: an executable at a fixed address.
    Executable,
    /// `ET_DYN`: a shared object or a position-independent executable.
    Shared,
    /// `ET_CORE`.
    Core,
    /// Anything else.
    Other(u16),
}

/// How the binary is linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Linking {
    /// No dynamic loader and no shared-library dependencies.
    Static,
    /// Loaded by a dynamic loader or depends on shared libraries.
    Dynamic,
    /// Not decided by this file (an unlinked object).
    Unknown,
}

/// Position independence, in checksec's four classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pie {
    /// A position-independent executable.
    Pie,
    /// An executable at a fixed address.
    NoPie,
    /// A shared library (position-independent by nature).
    Dso,
    /// A relocatable object (not linked yet).
    Rel,
    /// Not decided.
    Unknown,
}

/// Relocation read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relro {
    /// No `PT_GNU_RELRO`.
    None,
    /// `PT_GNU_RELRO` with lazy binding: the PLT GOT stays writable.
    Partial,
    /// `PT_GNU_RELRO` and `BIND_NOW`.
    Full,
    /// Not decided.
    Unknown,
}

/// `_FORTIFY_SOURCE` evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fortify {
    /// Yes when a `__*_chk` function is used, No when fortifiable functions
    /// are used without any checked variant, Unknown otherwise.
    pub status: Tri,
    /// Checked variants found (`__memcpy_chk`, ...).
    pub fortified: Vec<String>,
    /// Fortifiable libc functions used unchecked (`memcpy`, ...); empty for
    /// static binaries, where libc defines them whether or not they are used.
    pub unfortified: Vec<String>,
}

/// The hardening facts of one ELF file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElfReport {
    /// Architecture name (`x86_64`, `mips`, `arm`, ...).
    pub arch: String,
    /// Raw `e_machine`.
    pub machine: u16,
    /// 32 or 64.
    pub bits: u8,
    /// Byte order.
    pub byte_order: ByteOrder,
    /// `e_type`.
    pub kind: ElfKind,
    /// `PT_INTERP`, when present.
    pub interpreter: Option<String>,
    /// `DT_NEEDED` libraries.
    pub needed: Vec<String>,
    /// Static or dynamic.
    pub linking: Fact<Linking>,
    /// Whether the static symbol table is gone.
    pub stripped: Fact<Tri>,
    /// Non-executable stack.
    pub nx: Fact<Tri>,
    /// Position independence.
    pub pie: Fact<Pie>,
    /// RELRO.
    pub relro: Fact<Relro>,
    /// Stack canary.
    pub canary: Fact<Tri>,
    /// Clang SafeStack.
    pub safestack: Fact<Tri>,
    /// FORTIFY_SOURCE.
    pub fortify: Fact<Fortify>,
    /// `DT_RPATH` values (empty when absent).
    pub rpath: Fact<Vec<String>>,
    /// `DT_RUNPATH` values (empty when absent).
    pub runpath: Fact<Vec<String>>,
}

/// Analyse the bytes of one ELF file.
pub fn analyse(data: &[u8]) -> Result<ElfReport, ElfError> {
    if !data.starts_with(&elf::ELFMAG) {
        return Err(if !data.is_empty() && elf::ELFMAG.starts_with(data) {
            ElfError::Truncated("shorter than the ELF magic".into())
        } else {
            ElfError::NotElf
        });
    }
    let ident = data
        .get(..16)
        .ok_or_else(|| ElfError::Truncated("shorter than the ELF identification".into()))?;
    // EI_CLASS is byte 4 of the identification.
    match ident.get(4).copied() {
        Some(elf::ELFCLASS32) => analyse_as::<elf::FileHeader32<Endianness>>(data, 32),
        Some(elf::ELFCLASS64) => analyse_as::<elf::FileHeader64<Endianness>>(data, 64),
        Some(c) => Err(ElfError::Unsupported(format!("ELF class {c}"))),
        None => Err(ElfError::Truncated("no ELF class".into())),
    }
}

/// What one symbol table says about the hardening symbols.
struct SymbolFacts {
    /// Where the symbols came from, for evidence.
    source: &'static str,
    /// Whether this is a dynamic symbol table (imports and exports).
    dynamic: bool,
    /// Canary symbols this file exports (it provides the runtime: a C library).
    canary_exported: BTreeSet<String>,
    /// How many named symbols were read.
    count: usize,
    /// Canary symbols seen.
    canary: BTreeSet<String>,
    /// SafeStack symbols seen.
    safestack: BTreeSet<String>,
    /// `__*_chk` functions imported or referenced (undefined here).
    fortified: BTreeSet<String>,
    /// `__*_chk` functions defined here: evidence in a static binary, a
    /// provided runtime in a C library.
    fortified_defined: BTreeSet<String>,
    /// Fortifiable functions imported (undefined).
    fortifiable_undefined: BTreeSet<String>,
    /// Fortifiable functions defined.
    fortifiable_defined: usize,
}

impl SymbolFacts {
    fn new(source: &'static str) -> Self {
        SymbolFacts {
            source,
            dynamic: source != ".symtab",
            canary_exported: BTreeSet::new(),
            count: 0,
            canary: BTreeSet::new(),
            safestack: BTreeSet::new(),
            fortified: BTreeSet::new(),
            fortified_defined: BTreeSet::new(),
            fortifiable_undefined: BTreeSet::new(),
            fortifiable_defined: 0,
        }
    }

    fn add(&mut self, name: &[u8], undefined: bool) {
        if name.is_empty() {
            return;
        }
        self.count += 1;
        // Versioned names (`memcpy@GLIBC_2.2.5`) appear in some tables.
        let base = name.split(|&b| b == b'@').next().unwrap_or(name);
        let Ok(base) = std::str::from_utf8(base) else {
            return;
        };
        if CANARY_SYMBOLS.contains(&base) {
            if self.dynamic && !undefined {
                insert_capped(&mut self.canary_exported, base);
            } else {
                insert_capped(&mut self.canary, base);
            }
        }
        if SAFESTACK_SYMBOLS.contains(&base) {
            insert_capped(&mut self.safestack, base);
        }
        if let Some(inner) = base.strip_prefix("__").and_then(|s| s.strip_suffix("_chk"))
            && !inner.is_empty()
            && inner != "stack"
        {
            if undefined {
                insert_capped(&mut self.fortified, base);
            } else {
                insert_capped(&mut self.fortified_defined, base);
            }
        }
        if FORTIFIABLE.contains(&base) {
            if undefined {
                insert_capped(&mut self.fortifiable_undefined, base);
            } else {
                self.fortifiable_defined += 1;
            }
        }
    }
}

fn insert_capped(set: &mut BTreeSet<String>, name: &str) {
    if set.len() < MAX_NAMES {
        set.insert(name.to_owned());
    }
}

/// Symbols whose presence means the compiler inserted stack canaries: GCC and
/// Clang call `__stack_chk_fail` (or `__stack_chk_fail_local` on i386/PIC),
/// architectures without TLS canaries read `__stack_chk_guard`, and the Intel
/// compiler uses `__intel_security_cookie`.
const CANARY_SYMBOLS: &[&str] = &[
    "__stack_chk_fail",
    "__stack_chk_fail_local",
    "__stack_chk_guard",
    "__intel_security_cookie",
];

/// Clang SafeStack runtime symbols.
const SAFESTACK_SYMBOLS: &[&str] = &["__safestack_init", "__safestack_unsafe_stack_ptr"];

/// libc functions that have a `__*_chk` variant under `_FORTIFY_SOURCE`
/// (glibc's `debug/` directory; uClibc and musl have none).
const FORTIFIABLE: &[&str] = &[
    "asprintf",
    "confstr",
    "dprintf",
    "explicit_bzero",
    "fgets",
    "fgets_unlocked",
    "fgetws",
    "fgetws_unlocked",
    "fprintf",
    "fread",
    "fread_unlocked",
    "fwprintf",
    "getcwd",
    "getdomainname",
    "getgroups",
    "gethostname",
    "getlogin_r",
    "gets",
    "getwd",
    "longjmp",
    "mbsnrtowcs",
    "mbsrtowcs",
    "mbstowcs",
    "memcpy",
    "memmove",
    "mempcpy",
    "memset",
    "poll",
    "ppoll",
    "pread",
    "pread64",
    "printf",
    "ptsname_r",
    "read",
    "readlink",
    "readlinkat",
    "realpath",
    "recv",
    "recvfrom",
    "snprintf",
    "sprintf",
    "stpcpy",
    "stpncpy",
    "strcat",
    "strcpy",
    "strlcat",
    "strlcpy",
    "strncat",
    "strncpy",
    "swprintf",
    "syslog",
    "ttyname_r",
    "vasprintf",
    "vdprintf",
    "vfprintf",
    "vfwprintf",
    "vprintf",
    "vsnprintf",
    "vsprintf",
    "vswprintf",
    "vsyslog",
    "vwprintf",
    "wcpcpy",
    "wcpncpy",
    "wcrtomb",
    "wcscat",
    "wcscpy",
    "wcsncat",
    "wcsncpy",
    "wcsnrtombs",
    "wcsrtombs",
    "wcstombs",
    "wctomb",
    "wmemcpy",
    "wmemmove",
    "wmempcpy",
    "wmemset",
    "wprintf",
];

/// What the dynamic segment says.
#[derive(Default)]
struct DynamicInfo {
    present: bool,
    needed: Vec<String>,
    rpath: Vec<String>,
    runpath: Vec<String>,
    flags: Option<u64>,
    flags_1: Option<u64>,
    bind_now_tag: bool,
    debug_tag: bool,
    soname: bool,
    pltgot: Option<u64>,
    symtab: Option<u64>,
    syment: Option<u64>,
    hash: Option<u64>,
    gnu_hash: Option<u64>,
    mips_symtabno: Option<u64>,
    strtab_offset: Option<u64>,
}

fn analyse_as<Elf: FileHeader<Endian = Endianness>>(
    data: &[u8],
    bits: u8,
) -> Result<ElfReport, ElfError> {
    let header = Elf::parse(data).map_err(|e| {
        if data.len() < std::mem::size_of::<Elf>() {
            ElfError::Truncated("shorter than the ELF header".into())
        } else {
            ElfError::Unsupported(e.to_string())
        }
    })?;
    let endian = header
        .endian()
        .map_err(|e| ElfError::Unsupported(e.to_string()))?;
    let byte_order = if header.is_big_endian() {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let machine = header.e_machine(endian);
    let kind = match header.e_type(endian) {
        elf::ET_REL => ElfKind::Relocatable,
        elf::ET_EXEC => ElfKind::Executable,
        elf::ET_DYN => ElfKind::Shared,
        elf::ET_CORE => ElfKind::Core,
        t => ElfKind::Other(t),
    };

    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| truncated_or_malformed(data, header.e_phoff(endian).into(), e))?;
    for (i, ph) in phdrs.iter().enumerate() {
        let (offset, size) = (
            Into::<u64>::into(ph.p_offset(endian)),
            Into::<u64>::into(ph.p_filesz(endian)),
        );
        if offset
            .checked_add(size)
            .is_none_or(|end| end > data.len() as u64)
        {
            return Err(ElfError::Truncated(format!(
                "program header {i} (type {:#x}) covers bytes {offset:#x}+{size:#x} past the end ({:#x})",
                ph.p_type(endian),
                data.len()
            )));
        }
    }
    let shoff: u64 = header.e_shoff(endian).into();
    let sections = header
        .sections(endian, data)
        .map_err(|e| truncated_or_malformed(data, shoff, e))?;
    let has_sections = !sections.is_empty();
    for (i, s) in sections.iter().enumerate() {
        // `file_range` is None for SHT_NOBITS, which occupies no file bytes.
        if let Some((offset, size)) = s.file_range(endian)
            && offset
                .checked_add(size)
                .is_none_or(|end| end > data.len() as u64)
        {
            return Err(ElfError::Truncated(format!(
                "section {i} covers bytes {offset:#x}+{size:#x} past the end ({:#x})",
                data.len()
            )));
        }
    }

    let find_ph = |t: u32| phdrs.iter().find(|ph| ph.p_type(endian) == t);
    // File offset of a virtual address and how many file bytes of its
    // PT_LOAD follow it.
    let load_span = |addr: u64| -> Option<(u64, u64)> {
        phdrs
            .iter()
            .filter(|ph| ph.p_type(endian) == elf::PT_LOAD)
            .find_map(|ph| {
                let vaddr: u64 = ph.p_vaddr(endian).into();
                let filesz: u64 = ph.p_filesz(endian).into();
                let off = addr.checked_sub(vaddr)?;
                (off < filesz).then_some(())?;
                let start = Into::<u64>::into(ph.p_offset(endian)).checked_add(off)?;
                Some((start, filesz - off))
            })
    };
    let load_to_offset = |addr: u64| load_span(addr).map(|(offset, _)| offset);

    let interpreter = find_ph(elf::PT_INTERP)
        .and_then(|ph| ph.interpreter(endian, data).ok().flatten())
        .map(printable);

    // Dynamic segment.
    let mut dynamic = DynamicInfo::default();
    let mut dyn_strings: Vec<(i64, u64)> = Vec::new();
    let mut strtab_addr = None;
    let mut strsz = None;
    if let Some(ph) = find_ph(elf::PT_DYNAMIC) {
        // The loader reads the dynamic array at p_vaddr in the mapped image
        // and stops at DT_NULL. Stripping tools leave PT_DYNAMIC file
        // offsets and sizes that disagree with that (a size that is not a
        // whole number of entries, or zero), so read it where the loader
        // does, within its PT_LOAD, and whole entries only.
        let (offset, size) = load_span(ph.p_vaddr(endian).into())
            .map(|(offset, available)| {
                let wanted: u64 =
                    Into::<u64>::into(ph.p_memsz(endian)).max(ph.p_filesz(endian).into());
                (offset, wanted.min(available))
            })
            .unwrap_or((ph.p_offset(endian).into(), ph.p_filesz(endian).into()));
        let entry = std::mem::size_of::<Elf::Dyn>() as u64;
        let count = usize::try_from(size / entry)
            .unwrap_or(MAX_DYNAMIC_ENTRIES)
            .min(MAX_DYNAMIC_ENTRIES);
        let entries = data
            .read_slice_at::<Elf::Dyn>(offset, count)
            .map_err(|()| ElfError::Truncated("PT_DYNAMIC entries past the end".into()))?;
        dynamic.present = true;
        for d in entries.iter().take(MAX_DYNAMIC_ENTRIES) {
            let tag = d.tag(endian);
            let val = d.val(endian);
            match tag {
                elf::DT_NULL => break,
                elf::DT_NEEDED => dyn_strings.push((elf::DT_NEEDED, val)),
                elf::DT_RPATH => dyn_strings.push((elf::DT_RPATH, val)),
                elf::DT_RUNPATH => dyn_strings.push((elf::DT_RUNPATH, val)),
                elf::DT_STRTAB => strtab_addr = Some(val),
                elf::DT_STRSZ => strsz = Some(val),
                elf::DT_FLAGS => dynamic.flags = Some(dynamic.flags.unwrap_or(0) | val),
                elf::DT_FLAGS_1 => dynamic.flags_1 = Some(dynamic.flags_1.unwrap_or(0) | val),
                elf::DT_BIND_NOW => dynamic.bind_now_tag = true,
                elf::DT_DEBUG => dynamic.debug_tag = true,
                elf::DT_SONAME => dynamic.soname = true,
                elf::DT_SYMTAB => dynamic.symtab = Some(val),
                elf::DT_SYMENT => dynamic.syment = Some(val),
                elf::DT_HASH => dynamic.hash = Some(val),
                elf::DT_PLTGOT => dynamic.pltgot = Some(val),
                elf::DT_GNU_HASH => dynamic.gnu_hash = Some(val),
                elf::DT_MIPS_SYMTABNO if machine == elf::EM_MIPS => {
                    dynamic.mips_symtabno = Some(val)
                }
                _ => {}
            }
        }
    }
    dynamic.strtab_offset = strtab_addr.and_then(load_to_offset);
    for (tag, val) in dyn_strings {
        let Some(s) = dynamic_string(data, dynamic.strtab_offset, strsz, val) else {
            continue;
        };
        match tag {
            elf::DT_NEEDED => dynamic.needed.push(s),
            elf::DT_RPATH => dynamic.rpath.push(s),
            _ => dynamic.runpath.push(s),
        }
    }

    // Symbols: the static table when present, and the dynamic one from its
    // section or, without sections, from the dynamic segment.
    let static_syms = if has_sections {
        let table = sections
            .symbols(endian, data, elf::SHT_SYMTAB)
            .map_err(|e| ElfError::Malformed(format!(".symtab: {e}")))?;
        if table.is_empty() {
            None
        } else {
            let mut facts = SymbolFacts::new(".symtab");
            for sym in table.iter().take(MAX_SYMBOLS) {
                let name = sym.name(endian, table.strings()).unwrap_or(&[]);
                facts.add(name, sym.is_undefined(endian));
            }
            Some(facts)
        }
    } else {
        None
    };
    let dynamic_syms = if has_sections
        && sections
            .iter()
            .any(|s| s.sh_type(endian) == elf::SHT_DYNSYM)
    {
        let table = sections
            .symbols(endian, data, elf::SHT_DYNSYM)
            .map_err(|e| ElfError::Malformed(format!(".dynsym: {e}")))?;
        let mut facts = SymbolFacts::new(".dynsym");
        for sym in table.iter().take(MAX_SYMBOLS) {
            let name = sym.name(endian, table.strings()).unwrap_or(&[]);
            facts.add(name, sym.is_undefined(endian));
        }
        Some(facts)
    } else if dynamic.present {
        segment_dynamic_symbols::<Elf>(data, endian, &dynamic, strsz, &load_to_offset)
    } else {
        None
    };

    let linking = linking(kind, interpreter.as_deref(), &dynamic);
    let stripped = stripped(has_sections, static_syms.is_some());
    let nx = nx::<Elf>(
        kind,
        find_ph(elf::PT_GNU_STACK).map(|ph| ph.p_flags(endian)),
        &sections,
        endian,
        machine,
        bits,
    );
    let pie = pie(kind, interpreter.as_deref(), &dynamic);
    let relro_range = find_ph(elf::PT_GNU_RELRO).map(|ph| {
        let start: u64 = ph.p_vaddr(endian).into();
        let size: u64 = ph.p_memsz(endian).into();
        (start, start.saturating_add(size))
    });
    let relro = relro(kind, relro_range, &dynamic);
    let symbol_sets: Vec<&SymbolFacts> = static_syms.iter().chain(dynamic_syms.iter()).collect();
    let mut canary = presence(
        &symbol_sets,
        |s| &s.canary,
        "stack canary",
        linking.value == Linking::Static,
    );
    if canary.value == Tri::No
        && let Some((name, source)) = symbol_sets
            .iter()
            .find_map(|s| s.canary_exported.iter().next().map(|n| (n, s.source)))
    {
        canary = fact(
            Tri::Unknown,
            format!(
                "exports {name} in {source}: it provides the canary runtime (a C library), so symbols cannot tell whether its own code uses canaries"
            ),
        );
    }
    let safestack = presence(
        &symbol_sets,
        |s| &s.safestack,
        "SafeStack runtime",
        linking.value == Linking::Static,
    );
    let fortify = fortify(&symbol_sets, linking.value);
    let rpath = paths("DT_RPATH", dynamic.present, dynamic.rpath.clone());
    let runpath = paths("DT_RUNPATH", dynamic.present, dynamic.runpath.clone());

    Ok(ElfReport {
        arch: arch_name(machine, bits),
        machine,
        bits,
        byte_order,
        kind,
        interpreter,
        needed: dynamic.needed,
        linking,
        stripped,
        nx,
        pie,
        relro,
        canary,
        safestack,
        fortify,
        rpath,
        runpath,
    })
}

fn truncated_or_malformed(data: &[u8], offset: u64, e: object::read::Error) -> ElfError {
    if offset >= data.len() as u64 || e.to_string().contains("size") {
        ElfError::Truncated(e.to_string())
    } else {
        ElfError::Malformed(e.to_string())
    }
}

fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A NUL-terminated string at `offset` in the dynamic string table.
fn dynamic_string(
    data: &[u8],
    strtab: Option<u64>,
    strsz: Option<u64>,
    offset: u64,
) -> Option<String> {
    let start = strtab?.checked_add(offset)?;
    let table_end = match strsz {
        Some(size) => strtab?.checked_add(size)?,
        None => data.len() as u64,
    };
    let end = start.saturating_add(MAX_STRING).min(table_end);
    if start >= end {
        return None;
    }
    let bytes = data.read_bytes_at_until(start..end, 0).ok()?;
    Some(printable(bytes))
}

/// Dynamic symbols located through the dynamic segment alone: `DT_SYMTAB`,
/// with the count from `DT_HASH`, `DT_GNU_HASH` or MIPS `DT_MIPS_SYMTABNO`.
fn segment_dynamic_symbols<Elf: FileHeader<Endian = Endianness>>(
    data: &[u8],
    endian: Endianness,
    dynamic: &DynamicInfo,
    strsz: Option<u64>,
    load_to_offset: &dyn Fn(u64) -> Option<u64>,
) -> Option<SymbolFacts> {
    let symtab = load_to_offset(dynamic.symtab?)?;
    let entsize = std::mem::size_of::<Elf::Sym>() as u64;
    if dynamic.syment.is_some_and(|s| s != entsize) {
        return None;
    }
    let count = if let Some(n) = dynamic.mips_symtabno {
        Some(n)
    } else if let Some(off) = dynamic.hash.and_then(load_to_offset) {
        // DT_HASH: nbucket, nchain; nchain is the symbol count.
        data.read_at::<U32<Endianness>>(off.checked_add(4)?)
            .ok()
            .map(|n| u64::from(n.get(endian)))
    } else {
        dynamic
            .gnu_hash
            .and_then(load_to_offset)
            .and_then(|off| gnu_hash_count(data, endian, off, Elf::is_type_64_sized()))
    };
    let count = count.or_else(|| {
        // Without a hash table, the usual layout puts .dynstr right after .dynsym.
        let strtab = dynamic.strtab_offset?;
        strtab.checked_sub(symtab).map(|span| span / entsize)
    })?;
    let count = usize::try_from(count).ok()?.min(MAX_SYMBOLS);
    let available = (data.len() as u64).saturating_sub(symtab) / entsize;
    let count = count.min(usize::try_from(available).ok()?);
    let syms = data.read_slice_at::<Elf::Sym>(symtab, count).ok()?;
    let strtab = dynamic.strtab_offset?;
    let strings = StringTable::new(data, strtab, strtab.saturating_add(strsz.unwrap_or(0)));
    let mut facts = SymbolFacts::new("the dynamic segment's DT_SYMTAB");
    for sym in syms {
        let name = sym.name(endian, strings).unwrap_or(&[]);
        facts.add(name, sym.is_undefined(endian));
    }
    Some(facts)
}

/// The number of symbols a `DT_GNU_HASH` table covers.
fn gnu_hash_count(data: &[u8], endian: Endianness, off: u64, is_64: bool) -> Option<u64> {
    let word = |at: u64| -> Option<u32> {
        data.read_at::<U32<Endianness>>(at)
            .ok()
            .map(|v| v.get(endian))
    };
    let nbuckets = u64::from(word(off)?);
    let symoffset = u64::from(word(off.checked_add(4)?)?);
    let bloom_size = u64::from(word(off.checked_add(8)?)?);
    let bloom_word = if is_64 { 8 } else { 4 };
    let buckets = off
        .checked_add(16)?
        .checked_add(bloom_size.checked_mul(bloom_word)?)?;
    if buckets.checked_add(nbuckets.checked_mul(4)?)? > data.len() as u64 {
        return None;
    }
    let mut max = 0u64;
    for i in 0..nbuckets {
        max = max.max(u64::from(word(buckets.checked_add(i * 4)?)?));
    }
    if max < symoffset {
        return Some(symoffset);
    }
    let chains = buckets.checked_add(nbuckets * 4)?;
    let mut index = max;
    for _ in 0..MAX_SYMBOLS {
        let value = word(chains.checked_add((index - symoffset).checked_mul(4)?)?)?;
        index += 1;
        if value & 1 == 1 {
            return Some(index);
        }
    }
    None
}

fn linking(kind: ElfKind, interpreter: Option<&str>, dynamic: &DynamicInfo) -> Fact<Linking> {
    if matches!(kind, ElfKind::Relocatable | ElfKind::Core) {
        return fact(
            Linking::Unknown,
            "not a linked executable or library: linking is decided later",
        );
    }
    if let Some(interp) = interpreter {
        return fact(Linking::Dynamic, format!("PT_INTERP requests {interp}"));
    }
    if let Some(lib) = dynamic.needed.first() {
        return fact(Linking::Dynamic, format!("DT_NEEDED {lib}"));
    }
    if dynamic.present {
        if dynamic
            .flags_1
            .is_some_and(|f| f & u64::from(elf::DF_1_PIE) != 0)
        {
            return fact(
                Linking::Static,
                "static-pie: PT_DYNAMIC for self-relocation only, no PT_INTERP, no DT_NEEDED",
            );
        }
        if kind == ElfKind::Shared {
            return fact(Linking::Dynamic, "shared object with PT_DYNAMIC");
        }
        return fact(Linking::Static, "PT_DYNAMIC without PT_INTERP or DT_NEEDED");
    }
    fact(Linking::Static, "no PT_INTERP and no PT_DYNAMIC")
}

fn stripped(has_sections: bool, has_symtab: bool) -> Fact<Tri> {
    match (has_sections, has_symtab) {
        (false, _) => fact(
            Tri::Yes,
            "no section header table at all (sstrip-style): no .symtab",
        ),
        (true, false) => fact(Tri::Yes, "no .symtab section"),
        (true, true) => fact(Tri::No, ".symtab present"),
    }
}

fn nx<'data, Elf: FileHeader<Endian = Endianness>>(
    kind: ElfKind,
    gnu_stack_flags: Option<u32>,
    sections: &object::read::elf::SectionTable<'data, Elf, &'data [u8]>,
    endian: Endianness,
    machine: u16,
    bits: u8,
) -> Fact<Tri> {
    if let Some(flags) = gnu_stack_flags {
        let rwx = format!(
            "{}{}{}",
            if flags & elf::PF_R != 0 { "R" } else { "" },
            if flags & elf::PF_W != 0 { "W" } else { "" },
            if flags & elf::PF_X != 0 { "E" } else { "" },
        );
        return if flags & elf::PF_X != 0 {
            fact(
                Tri::No,
                format!("PT_GNU_STACK flags {rwx}: executable stack"),
            )
        } else {
            fact(Tri::Yes, format!("PT_GNU_STACK flags {rwx}"))
        };
    }
    if kind == ElfKind::Relocatable {
        let note = match sections.section_by_name(endian, b".note.GNU-stack") {
            Some((_, s))
                if Into::<u64>::into(s.sh_flags(endian)) & u64::from(elf::SHF_EXECINSTR) != 0 =>
            {
                "; its .note.GNU-stack asks the linker for an executable stack"
            }
            Some(_) => "; its .note.GNU-stack asks the linker for a non-executable stack",
            None => "; it has no .note.GNU-stack, so linkers may default to an executable stack",
        };
        return fact(
            Tri::Unknown,
            format!(
                "relocatable object without program headers: the stack flags are decided when it is linked{note}"
            ),
        );
    }
    fact(
        Tri::Unknown,
        format!(
            "no PT_GNU_STACK: the kernel's default for {} decides (an executable stack on many 32-bit and older kernels)",
            arch_name(machine, bits)
        ),
    )
}

fn pie(kind: ElfKind, interpreter: Option<&str>, dynamic: &DynamicInfo) -> Fact<Pie> {
    match kind {
        ElfKind::Executable => fact(Pie::NoPie, "ET_EXEC: loaded at a fixed address"),
        ElfKind::Relocatable => fact(Pie::Rel, "ET_REL: relocatable object"),
        ElfKind::Shared => {
            if dynamic
                .flags_1
                .is_some_and(|f| f & u64::from(elf::DF_1_PIE) != 0)
            {
                fact(Pie::Pie, "ET_DYN with DT_FLAGS_1 PIE")
            } else if let Some(interp) = interpreter.filter(|_| !dynamic.soname) {
                fact(
                    Pie::Pie,
                    format!("ET_DYN with PT_INTERP {interp} and no DT_SONAME"),
                )
            } else if dynamic.debug_tag {
                // checksec takes DT_DEBUG for PIE, but old uClibc toolchains
                // put it in every shared library.
                fact(
                    Pie::Dso,
                    "ET_DYN without DF_1_PIE or a loader request: a shared library (DT_DEBUG alone does not make it an executable)",
                )
            } else {
                fact(
                    Pie::Dso,
                    "ET_DYN without DF_1_PIE or a loader request: a shared library",
                )
            }
        }
        ElfKind::Core | ElfKind::Other(_) => fact(Pie::Unknown, "not an executable or library"),
    }
}

fn relro(kind: ElfKind, gnu_relro: Option<(u64, u64)>, dynamic: &DynamicInfo) -> Fact<Relro> {
    if matches!(kind, ElfKind::Core | ElfKind::Other(_)) {
        return fact(Relro::Unknown, "not an executable or library");
    }
    let Some((start, end)) = gnu_relro else {
        return fact(Relro::None, "no PT_GNU_RELRO");
    };
    let now = if dynamic
        .flags
        .is_some_and(|f| f & u64::from(elf::DF_BIND_NOW) != 0)
    {
        Some("DT_FLAGS BIND_NOW")
    } else if dynamic
        .flags_1
        .is_some_and(|f| f & u64::from(elf::DF_1_NOW) != 0)
    {
        Some("DT_FLAGS_1 NOW")
    } else if dynamic.bind_now_tag {
        Some("DT_BIND_NOW")
    } else {
        None
    };
    match now {
        // BIND_NOW only helps if the GOT it fills is then made read-only: a
        // flag alone does not make Full RELRO (checksec #161). On MIPS the
        // GOT lies outside PT_GNU_RELRO and stays writable.
        Some(tag) => match dynamic.pltgot {
            Some(got) if !(start..end).contains(&got) => fact(
                Relro::Partial,
                format!(
                    "PT_GNU_RELRO and {tag}, but DT_PLTGOT {got:#x} lies outside PT_GNU_RELRO [{start:#x}, {end:#x}): the GOT stays writable"
                ),
            ),
            _ => fact(Relro::Full, format!("PT_GNU_RELRO and {tag}")),
        },
        None if dynamic.present => fact(
            Relro::Partial,
            "PT_GNU_RELRO without BIND_NOW: lazy binding keeps the PLT GOT writable",
        ),
        None => fact(
            Relro::Partial,
            "PT_GNU_RELRO without a dynamic segment (no BIND_NOW to read)",
        ),
    }
}

fn presence(
    sets: &[&SymbolFacts],
    pick: impl Fn(&SymbolFacts) -> &BTreeSet<String>,
    what: &str,
    is_static: bool,
) -> Fact<Tri> {
    for s in sets {
        if let Some(name) = pick(s).iter().next() {
            let mut evidence = format!("{name} in {}", s.source);
            if is_static && s.source == ".symtab" {
                evidence.push_str(
                    " (static binary: the libc linked in may bring it even if the program's own code was built without it)",
                );
            }
            return fact(Tri::Yes, evidence);
        }
    }
    let searched: Vec<String> = sets
        .iter()
        .filter(|s| s.count > 0)
        .map(|s| format!("{} ({} symbols)", s.source, s.count))
        .collect();
    if searched.is_empty() {
        fact(
            Tri::Unknown,
            format!("no symbols to look for the {what} in"),
        )
    } else {
        fact(
            Tri::No,
            format!("no {what} symbol in {}", searched.join(" or ")),
        )
    }
}

fn fortify(sets: &[&SymbolFacts], linking: Linking) -> Fact<Fortify> {
    let mut fortified = BTreeSet::new();
    let mut unfortified = BTreeSet::new();
    let mut provided = BTreeSet::new();
    let mut defined = 0usize;
    for s in sets {
        fortified.extend(s.fortified.iter().cloned());
        if linking == Linking::Static {
            // Linked in from libc because something called it.
            fortified.extend(s.fortified_defined.iter().cloned());
        } else {
            provided.extend(s.fortified_defined.iter().cloned());
        }
        defined += s.fortifiable_defined;
        if linking != Linking::Static {
            unfortified.extend(s.fortifiable_undefined.iter().cloned());
        }
    }
    // Functions with a checked variant in use do not count as unfortified.
    unfortified.retain(|name: &String| !fortified.contains(&format!("__{name}_chk")));
    let any_symbols = sets.iter().any(|s| s.count > 0);
    let (status, evidence) = if let Some(first) = fortified.iter().next() {
        (
            Tri::Yes,
            format!(
                "{} checked function(s), e.g. {first}; {} fortifiable function(s) used unchecked",
                fortified.len(),
                unfortified.len()
            ),
        )
    } else if let Some(first) = provided.iter().next() {
        (
            Tri::Unknown,
            format!(
                "defines {} __*_chk function(s), e.g. {first}: it provides the FORTIFY runtime (a C library), which says nothing about its own code",
                provided.len()
            ),
        )
    } else if !unfortified.is_empty() {
        (
            Tri::No,
            format!(
                "no __*_chk function; {} fortifiable function(s) used unchecked",
                unfortified.len()
            ),
        )
    } else if linking == Linking::Static && defined > 0 {
        (
            Tri::No,
            format!(
                "static binary: no __*_chk function among its symbols, though it contains {defined} fortifiable libc function(s)"
            ),
        )
    } else if any_symbols {
        (
            Tri::Unknown,
            "no __*_chk function, and no fortifiable function is used".to_owned(),
        )
    } else {
        (
            Tri::Unknown,
            "no symbols to look for __*_chk functions in".to_owned(),
        )
    };
    fact(
        Fortify {
            status,
            fortified: fortified.into_iter().collect(),
            unfortified: unfortified.into_iter().collect(),
        },
        evidence,
    )
}

fn paths(tag: &str, dynamic: bool, values: Vec<String>) -> Fact<Vec<String>> {
    let evidence = match (dynamic, values.is_empty()) {
        (false, _) => "no dynamic segment".to_owned(),
        (true, true) => format!("no {tag} entry"),
        (true, false) => format!("{tag} {}", values.join(", ")),
    };
    fact(values, evidence)
}

/// A conventional name for `e_machine`.
pub fn arch_name(machine: u16, bits: u8) -> String {
    let name = match machine {
        elf::EM_386 => "x86",
        elf::EM_X86_64 => "x86_64",
        elf::EM_ARM => "arm",
        elf::EM_AARCH64 => "aarch64",
        elf::EM_MIPS | elf::EM_MIPS_RS3_LE if bits == 64 => "mips64",
        elf::EM_MIPS | elf::EM_MIPS_RS3_LE => "mips",
        elf::EM_PPC => "powerpc",
        elf::EM_PPC64 => "powerpc64",
        elf::EM_RISCV if bits == 64 => "riscv64",
        elf::EM_RISCV => "riscv32",
        elf::EM_SH => "sh",
        elf::EM_SPARC | elf::EM_SPARC32PLUS => "sparc",
        elf::EM_SPARCV9 => "sparc64",
        elf::EM_68K => "m68k",
        elf::EM_ARC | elf::EM_ARC_COMPACT | elf::EM_ARC_COMPACT2 => "arc",
        elf::EM_XTENSA => "xtensa",
        elf::EM_MICROBLAZE => "microblaze",
        elf::EM_LOONGARCH => "loongarch",
        elf::EM_CSKY => "csky",
        elf::EM_OPENRISC => "openrisc",
        elf::EM_S390 => "s390",
        elf::EM_IA_64 => "ia64",
        elf::EM_AVR => "avr",
        elf::EM_NONE => "none",
        m => return format!("unknown (e_machine {m})"),
    };
    name.to_owned()
}
