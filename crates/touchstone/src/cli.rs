//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit-code table, shown in `--help` and the README.
pub(crate) const EXIT_CODES: &str = "Exit codes:
  0  success: nothing at or above --fail-on, no unsettled contradiction, and the other gates hold
  1  non-conformities found: a provision (assess) or a finding (firmware scan, probe, diff) at or
     above --fail-on (with --baseline only what is new counts); for assess also an unsettled
     contradiction (manual PASS against a decisive FAIL, no disposition); for validate,
     declarations that fail a test case
  2  usage or input error (bad arguments, invalid project, unreadable findings), nothing assessed;
     for store, a database that cannot be opened, an invalid project (nothing stored), an unknown
     id or an export directory that is not empty
  3  incomplete: test-case coverage below --min-coverage, or unsettled test cases with
     --fail-on-unsettled (assess); an image only partly analysed (firmware scan)";

/// EN 303 645 conformity assessment for consumer IoT products.
///
/// Touchstone keeps an assessment project (device identification, ICS, IXIT and manual
/// evidence) in a directory made for git, merges findings of automated checks with the
/// assessor's records into TS 103 701 verdicts, and writes reports a lab can hand over.
#[derive(Debug, Parser)]
#[command(name = "touchstone", version, after_help = EXIT_CODES, max_term_width = 100)]
pub(crate) struct Cli {
    /// When to colour output; NO_COLOR in the environment turns colour off.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// A size argument: bytes, or a number with a K, M, G or T suffix (binary multiples).
fn size(text: &str) -> Result<u64, String> {
    touchstone_project::safe_fs::parse_size(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a new assessment project directory.
    #[command(after_help = EXIT_CODES)]
    Init(InitArgs),
    /// Check a project's files against the catalogue.
    #[command(after_help = EXIT_CODES)]
    Validate(ValidateArgs),
    /// Assess a project: derive the test plan, merge evidence, report verdicts.
    #[command(after_help = EXIT_CODES)]
    Assess(AssessArgs),
    /// Browse the catalogue: provisions, test cases, IXIT tables, mappings.
    #[command(after_help = EXIT_CODES)]
    Catalog(CatalogArgs),
    /// Read a pro-forma (ICS, IXIT or evidence; Markdown, CSV or XLSX) into a project.
    #[command(after_help = EXIT_CODES)]
    Import(ImportArgs),
    /// Write a project's ICS, IXIT or evidence as a pro-forma (Markdown, CSV or XLSX).
    #[command(after_help = EXIT_CODES)]
    Export(ExportArgs),
    /// Print the JSON Schema of a file format, for editors and integrations.
    Schema(SchemaArgs),
    /// Print the SHA-256 of files, for evidence attachments.
    Hash(HashArgs),
    /// Take firmware images apart and check what is inside.
    #[command(subcommand, after_help = EXIT_CODES)]
    Firmware(FirmwareCommand),
    /// Probe a live device on the lab network: services, TLS, SSH, default credentials, disclosure.
    #[command(after_help = EXIT_CODES)]
    Probe(ProbeArgs),
    /// Test the device's own TLS client: present an untrusted certificate and record who accepts it.
    #[command(after_help = EXIT_CODES)]
    Mitm(MitmArgs),
    /// Manage the offline vulnerability data (OSV) firmware components are matched against.
    #[command(subcommand, after_help = EXIT_CODES)]
    Vulndb(VulndbCommand),
    /// Keep assessments in a database: SQLite by default, PostgreSQL for a lab server.
    #[command(subcommand, after_help = EXIT_CODES)]
    Store(StoreCommand),
    /// Start the assessor workbench (web pages over the store) on loopback.
    #[command(after_help = EXIT_CODES)]
    Serve(ServeArgs),
    /// Validate a security.txt (RFC 9116) from a file or an http(s):// URL.
    #[command(name = "security-txt", after_help = EXIT_CODES)]
    SecurityTxt(SecurityTxtArgs),
    /// Analyse device passwords: are they derived from MAC addresses or serial numbers?
    #[command(subcommand, after_help = EXIT_CODES)]
    Passwords(PasswordsCommand),
    /// Compare two findings files or JSON reports: new, fixed and unchanged findings, changed verdicts.
    #[command(after_help = EXIT_CODES)]
    Diff(DiffArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from the command-line definition.
    Man,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The earlier findings file or JSON report (the baseline).
    pub(crate) old: PathBuf,
    /// The later findings file or JSON report.
    pub(crate) new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub(crate) format: DiffFormat,
    /// Lowest severity of a new failing finding that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub(crate) fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// CycloneDX 1.5 JSON.
    #[value(name = "cyclonedx-1.5")]
    Cyclonedx15,
    /// SPDX 2.3 JSON.
    Spdx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum VexFormat {
    /// OpenVEX 0.2.0.
    Openvex,
    /// CycloneDX 1.6 with vulnerabilities (VEX).
    Cyclonedx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    /// Text for people.
    Human,
    /// JSON for programs.
    Json,
    /// Markdown, for a merge-request comment.
    Markdown,
    /// SARIF 2.1.0 with baselineState on every result.
    Sarif,
}

#[derive(Debug, Args)]
pub(crate) struct SecurityTxtArgs {
    /// A file, or an http:// or https:// URL (a URL without a path tries /.well-known/security.txt, then /security.txt).
    pub(crate) source: String,
    /// Trust this CA (PEM or DER) for https:// besides the Mozilla roots.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca: Option<PathBuf>,
    /// Request timeout in seconds.
    #[arg(long, default_value_t = 10)]
    pub(crate) timeout: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PasswordsCommand {
    /// Read a CSV of sample devices (mac, serial, password) and test whether the passwords derive from the identifiers.
    Analyze {
        /// CSV file with a header row naming the mac, serial and password columns (any order).
        csv: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ProbeArgs {
    /// The device: one host name or address (ranges need --allow-range). Required: nothing is probed by default.
    pub(crate) target: String,
    #[command(flatten)]
    pub(crate) options: ProbeOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) gate: FindingsGate,
}

#[derive(Debug, Args, Clone)]
pub(crate) struct ProbeOptions {
    /// Print what would be sent, send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Accept an address range as target (at most 256 hosts).
    #[arg(long)]
    pub(crate) allow_range: bool,
    /// TCP ports to scan, comma-separated (default: all 65,535).
    #[arg(long, value_delimiter = ',')]
    pub(crate) ports: Vec<u16>,
    /// Simultaneous connections to one host, at most.
    #[arg(long)]
    pub(crate) max_connections: Option<usize>,
    /// New connections per second to one host, at most (0: unlimited).
    #[arg(long)]
    pub(crate) rate: Option<u32>,
    /// Do not try default credentials.
    #[arg(long)]
    pub(crate) no_credentials: bool,
    /// Wrong logins per service that measure brute-force protection (delay growth,
    /// lockout, refusal); 0 skips the measurement. Raise it to see lockouts set
    /// after more failures.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=10))]
    pub(crate) brute_force_attempts: Option<u32>,
    /// Fuzz plain HTTP, MQTT and CoAP services with malformed input and check they stay alive.
    /// Off by default: it may crash the device.
    #[arg(long)]
    pub(crate) robustness: bool,
    /// Malformed inputs per service for --robustness.
    #[arg(long, default_value_t = 200, requires = "robustness")]
    pub(crate) robustness_cases: usize,
    /// Seed of the --robustness input generator (the same seed sends the same bytes).
    #[arg(long, requires = "robustness")]
    pub(crate) seed: Option<u64>,
    /// Trust this CA (PEM or DER; the vendor's device CA) when validating TLS chains, besides the Mozilla roots.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca: Option<PathBuf>,
    /// Upper bound of the whole probe of one host, in seconds (every phase included; default 300).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub(crate) max_time: Option<u64>,
}

/// `touchstone mitm`: redirect the device's TLS traffic (DNS, hosts or NAT) to
/// ADDR; a client that completes the handshake with the untrusted certificate
/// does not validate certificates (EN 303 645 5.5-1).
#[derive(Debug, Args)]
pub(crate) struct MitmArgs {
    /// Address and port to listen on, for instance 10.0.0.1:443. Required and explicit.
    #[arg(long)]
    pub(crate) listen: std::net::SocketAddr,
    /// Accept 0.0.0.0 or :: as --listen (every interface).
    #[arg(long)]
    pub(crate) allow_any_address: bool,
    /// Host name the self-signed certificate is issued for (use the device's cloud host name).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Seconds to accept clients.
    #[arg(long, default_value_t = 60)]
    pub(crate) duration: u64,
    /// Stop after this many connections.
    #[arg(long, default_value_t = 16)]
    pub(crate) max_connections: usize,
    /// Write every connection (ClientHello, outcome, redacted first data) as JSON to this file.
    #[arg(long)]
    pub(crate) details: Option<PathBuf>,
    /// Output format (json: a touchstone.findings/v1 file for `assess --findings`).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VulndbCommand {
    /// Import OSV entries (a JSON object, an array, or JSON Lines); replaces earlier data.
    Import {
        /// OSV files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where the data is kept (default: $TOUCHSTONE_VULNDB, else ~/.local/share/touchstone/vulndb.json).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Largest OSV file read (bytes, or with a K, M or G suffix).
        #[arg(long, value_name = "SIZE", value_parser = size, default_value = "512M")]
        max_vulndb_size: u64,
        /// Output format of the confirmation.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Say what data is imported and when.
    Show {
        /// Where the data is kept.
        #[arg(long)]
        db: Option<PathBuf>,
        /// Largest vulnerability data file read (bytes, or with a K, M or G suffix).
        #[arg(long, value_name = "SIZE", value_parser = size, default_value = "512M")]
        max_vulndb_size: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

/// `touchstone serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) db: DbArg,
    /// Address to listen on. Loopback only (127.0.0.1 or ::1): this version has no TLS of its
    /// own, so any other address is refused; put a TLS reverse proxy in front for a lab network.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8645")]
    pub(crate) listen: std::net::SocketAddr,
    /// Largest attachment accepted, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    pub(crate) upload_limit: u64,
}

/// Where the store is.
#[derive(Debug, Args)]
pub(crate) struct DbArg {
    /// The store: sqlite:PATH or postgres://USER@HOST/DB (default: $TOUCHSTONE_DB, else
    /// touchstone.db in the user's data directory, created on first use).
    #[arg(long, value_name = "URL")]
    pub(crate) db: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StoreCommand {
    /// Import a project directory as a new assessment (every file kept byte for byte); prints its id.
    Import {
        /// The project directory.
        dir: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Who imports, for the audit log (default: $USER).
        #[arg(long, value_name = "LOGIN")]
        user: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Write an assessment back into a new project directory, byte for byte.
    Export {
        /// The assessment's id (or a unique prefix of at least 4 characters).
        id: String,
        /// The directory to create (it must not exist, or be empty).
        dir: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// List the stored assessments: product, firmware version, edition, verdict, coverage.
    List {
        #[command(flatten)]
        db: DbArg,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum FirmwareCommand {
    /// Identify the layers of an image and, with --output, extract them safely.
    Unpack(UnpackArgs),
    /// Unpack images and run the firmware checks; prints findings (touchstone.findings/v1).
    Scan(ScanArgs),
    /// List the firmware checks with what they check, why, how to fix, and the provisions.
    Checks {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub(crate) struct UnpackArgs {
    /// The firmware image.
    pub(crate) image: PathBuf,
    /// Extract into this directory (must not exist, or be empty); nothing is ever written outside it.
    #[arg(long)]
    pub(crate) output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// Firmware images.
    #[arg(required = true)]
    pub(crate) images: Vec<PathBuf>,
    /// Show passwords and secrets in full; by default findings show them redacted.
    #[arg(long)]
    pub(crate) show_secrets: bool,
    #[command(flatten)]
    pub(crate) inventory: InventoryArgs,
    /// Vulnerability data to match components against (default: the imported data, if any).
    #[arg(long, value_name = "FILE")]
    pub(crate) vulndb: Option<PathBuf>,
    /// Largest vulnerability data file read (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", value_parser = size, default_value = "512M")]
    pub(crate) max_vulndb_size: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) gate: FindingsGate,
}

/// SBOM and VEX outputs of commands that scan firmware.
#[derive(Debug, Args, Clone)]
pub(crate) struct InventoryArgs {
    /// Also write an SBOM (JSON) of the components found, with evidence per component.
    #[arg(long, value_name = "FILE")]
    pub(crate) sbom: Option<PathBuf>,
    /// SBOM format: CycloneDX 1.6, CycloneDX 1.5 or SPDX 2.3.
    #[arg(long, value_enum, default_value_t = SbomFormat::Cyclonedx)]
    pub(crate) sbom_format: SbomFormat,
    /// Also write a VEX document: each matched vulnerability affected, not affected (with the
    /// evidence that shows it) or under investigation.
    #[arg(long, value_name = "FILE")]
    pub(crate) vex: Option<PathBuf>,
    /// VEX format.
    #[arg(long, value_enum, default_value_t = VexFormat::Openvex)]
    pub(crate) vex_format: VexFormat,
    /// Product name in the SBOM and VEX (default: the project's device, else the image's file name).
    #[arg(long)]
    pub(crate) name: Option<String>,
}

/// CI gate options of commands that produce findings.
#[derive(Debug, Args, Clone)]
pub(crate) struct FindingsGate {
    /// Lowest severity of a failing finding that makes the exit code 1 (default: never).
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub(crate) fail_on: FailOn,
    /// Report only findings that are not in this earlier findings file or JSON report (by fingerprint).
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Text for people.
    Human,
    /// JSON for programs.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Directory to create (it may exist if empty).
    pub(crate) dir: PathBuf,
    /// EN 303 645 edition: 2.1.1 (pinned by UK PSTI) or 3.1.3.
    #[arg(long, default_value = "2.1.1")]
    pub(crate) standard: String,
    /// Manufacturer.
    #[arg(long, default_value = "Example Manufacturer")]
    pub(crate) maker: String,
    /// Model designation.
    #[arg(long, default_value = "Example Model")]
    pub(crate) model: String,
    /// Hardware version.
    #[arg(long, default_value = "1.0")]
    pub(crate) hardware_version: String,
    /// Firmware version.
    #[arg(long, default_value = "1.0.0")]
    pub(crate) firmware_version: String,
    /// Output format of the confirmation.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Project directory.
    pub(crate) dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// Terminal summary.
    Human,
    /// JSON report (schema touchstone.report/v1).
    Json,
    /// Markdown report.
    Markdown,
    /// Self-contained HTML report.
    Html,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
    /// JUnit XML for CI test summaries.
    Junit,
    /// PDF deliverable with cover page, sign-off, annexes and embedded attachments (files only).
    Pdf,
    /// OSCAL 1.0 assessment-results (JSON) for GRC tools.
    Oscal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Never exit 1.
    Never,
    /// Any failure.
    Info,
    /// Failures of severity low or above.
    Low,
    /// Failures of severity medium or above.
    Medium,
    /// Failures of severity high or above.
    High,
    /// Critical failures only.
    Critical,
}

#[derive(Debug, Args)]
pub(crate) struct AssessArgs {
    /// Project directory.
    pub(crate) dir: PathBuf,
    /// Findings file to merge (JSON, touchstone.findings/v1); repeatable. Files named in
    /// touchstone.toml are always read.
    #[arg(long = "findings", value_name = "FILE")]
    pub(crate) findings: Vec<PathBuf>,
    /// Write a report file; the format follows the extension (.html, .json, .md, .sarif,
    /// .xml for JUnit, .txt) or an explicit FORMAT=PATH (html=out.html, oscal=results.json). Repeatable.
    #[arg(long = "report", value_name = "PATH")]
    pub(crate) reports: Vec<String>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub(crate) format: ReportFormat,
    /// Firmware image to unpack and check; its findings join the assessment. Repeatable.
    #[arg(long = "firmware", value_name = "IMAGE")]
    pub(crate) firmware: Vec<PathBuf>,
    /// Show passwords and secrets found in firmware in full; redacted by default.
    #[arg(long)]
    pub(crate) show_secrets: bool,
    /// Vulnerability data to match firmware components against (default: the imported data, if any).
    #[arg(long, value_name = "FILE")]
    pub(crate) vulndb: Option<PathBuf>,
    /// Largest vulnerability data file read (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", value_parser = size, default_value = "512M")]
    pub(crate) max_vulndb_size: u64,
    /// Largest findings file read (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", value_parser = size, default_value = "512M")]
    pub(crate) max_findings_size: u64,
    #[command(flatten)]
    pub(crate) inventory: InventoryArgs,
    /// Probe this live device and feed its findings into the assessment (see `touchstone probe`).
    #[arg(long, value_name = "TARGET")]
    pub(crate) probe: Option<String>,
    #[command(flatten)]
    pub(crate) probe_options: ProbeOptions,
    /// Lowest severity of failure that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Info)]
    pub(crate) fail_on: FailOn,
    /// Exit 3 when test-case coverage (evaluated over applicable) is below PERCENT.
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    pub(crate) min_coverage: Option<f64>,
    /// Exit 3 when an applicable test case has no PASS or FAIL (not run, manual, inconclusive, error).
    #[arg(long)]
    pub(crate) fail_on_unsettled: bool,
    /// An earlier JSON report or findings file: --fail-on counts only what is new since it.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Show only one scheme's regulatory view (every report format has all four by default).
    #[arg(long, value_parser = ["psti", "en18031", "cra", "nistir"])]
    pub(crate) view: Option<String>,
}

fn percent(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("expected a percentage from 0 to 100, found `{text}`"))?;
    if (0.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "expected a percentage from 0 to 100, found `{text}`"
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct CatalogArgs {
    #[command(subcommand)]
    pub(crate) what: CatalogCommand,
    /// EN 303 645 edition: 2.1.1 or 3.1.3.
    #[arg(long, global = true, default_value = "2.1.1")]
    pub(crate) standard: String,
    /// Output format.
    #[arg(long, value_enum, global = true, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CatalogCommand {
    /// List provisions.
    Provisions {
        /// Only this category (for instance 5.1).
        #[arg(long)]
        category: Option<String>,
    },
    /// List the conditions and features of the status column.
    Conditions,
    /// List test cases.
    Cases {
        /// Only the cases of this provision.
        #[arg(long)]
        provision: Option<String>,
    },
    /// List IXIT tables, or show one with its fields.
    Ixit {
        /// Table name or number (1-AuthMech, 1).
        table: Option<String>,
    },
    /// List mappings to other schemes.
    Mappings {
        /// Only this scheme (uk-psti, en18031, cra, nistir8259a).
        #[arg(long)]
        scheme: Option<String>,
    },
    /// Show the V2.1.1 to V3.1.3 migration map.
    Migration,
    /// Show one provision, test case or test unit by id.
    Show {
        /// Provision (5.1-1), test case (5.1-1-2) or test unit (5.1-1-2a) id.
        id: String,
    },
    /// Check the embedded catalogue's consistency.
    Lint,
    /// The edition as an OSCAL 1.0 catalog (JSON): provisions as controls, TS 103 701 cases as parts.
    Oscal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SchemaKind {
    /// touchstone.toml
    Project,
    /// ics.toml
    Ics,
    /// ixit.toml
    Ixit,
    /// evidence.toml
    Evidence,
    /// Findings files (touchstone.findings/v1).
    Findings,
    /// The JSON report (touchstone.report/v1).
    Report,
}

/// Which part of a project a pro-forma holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProformaKind {
    /// The ICS (`ics.toml`).
    Ics,
    /// The IXIT (`ixit.toml`).
    Ixit,
    /// Evidence records (`evidence.toml`).
    Evidence,
}

/// A pro-forma layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProformaLayout {
    /// Markdown.
    Md,
    /// CSV.
    Csv,
    /// XLSX workbook.
    Xlsx,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub(crate) kind: ProformaKind,
    /// The file (.md, .csv or .xlsx).
    pub(crate) file: PathBuf,
    /// The project directory whose file it replaces.
    #[arg(long, default_value = ".")]
    pub(crate) project: PathBuf,
    /// The layout, when the file name does not say it.
    #[arg(long, value_enum)]
    pub(crate) layout: Option<ProformaLayout>,
    /// Output format of the import log.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    pub(crate) kind: ProformaKind,
    /// The layout.
    #[arg(long, value_enum, default_value_t = ProformaLayout::Md)]
    pub(crate) format: ProformaLayout,
    /// The project directory.
    #[arg(long, default_value = ".")]
    pub(crate) project: PathBuf,
    /// Write to this file instead of stdout (required for xlsx).
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    pub(crate) kind: SchemaKind,
}

#[derive(Debug, Args)]
pub(crate) struct HashArgs {
    /// Files to hash.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

impl FailOn {
    /// The lowest severity that fails, `None` for never.
    pub(crate) fn severity(self) -> Option<touchstone_core::Severity> {
        use touchstone_core::Severity;
        match self {
            FailOn::Never => None,
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}

impl ProbeOptions {
    /// The options given that only mean something with a probe (for `assess` without `--probe`).
    pub(crate) fn used(&self) -> Vec<&'static str> {
        let mut used = Vec::new();
        let mut flag = |on: bool, name: &'static str| {
            if on {
                used.push(name);
            }
        };
        flag(self.dry_run, "--dry-run");
        flag(self.allow_range, "--allow-range");
        flag(!self.ports.is_empty(), "--ports");
        flag(self.max_connections.is_some(), "--max-connections");
        flag(self.rate.is_some(), "--rate");
        flag(self.no_credentials, "--no-credentials");
        flag(
            self.brute_force_attempts.is_some(),
            "--brute-force-attempts",
        );
        flag(self.robustness, "--robustness");
        flag(self.seed.is_some(), "--seed");
        flag(self.ca.is_some(), "--ca");
        used
    }
}

#[cfg(test)]
mod size_tests {
    use clap::Parser as _;
    use touchstone_project::safe_fs::InputKind;

    use super::{Cli, Command};

    #[test]
    fn size_defaults_match_the_documented_limits() {
        let cli = Cli::try_parse_from(["touchstone", "assess", "dir"]).expect("parses");
        let Command::Assess(args) = cli.command else {
            panic!("assess expected");
        };
        assert_eq!(args.max_findings_size, InputKind::Findings.default_limit());
        assert_eq!(args.max_vulndb_size, InputKind::VulnData.default_limit());
        let cli = Cli::try_parse_from(["touchstone", "assess", "d", "--max-findings-size", "2G"])
            .expect("parses");
        let Command::Assess(args) = cli.command else {
            panic!("assess expected");
        };
        assert_eq!(args.max_findings_size, 2 << 30);
        assert!(
            Cli::try_parse_from(["touchstone", "assess", "d", "--max-findings-size", "lots"])
                .is_err()
        );
    }
}
