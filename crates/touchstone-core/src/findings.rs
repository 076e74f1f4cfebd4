//! Findings: the interface between automated checks and the verdict engine.
//!
//! A finding is one observation made by a check: a stable check id, a
//! severity, the provisions and test units it bears on, whether it supports
//! a PASS or a FAIL of those, where it was seen, a message and an excerpt of
//! the evidence. Built-in firmware and network checks produce findings;
//! external tools can produce the same JSON and feed it to
//! `touchstone assess --findings FILE.json`.
//!
//! The wire format is versioned by its `schema` field ([`FINDINGS_SCHEMA`]).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Severity;

/// The schema identifier written in, and required of, every findings file.
pub const FINDINGS_SCHEMA: &str = "touchstone.findings/v1";

/// A findings file: a schema version, the producing tool and the findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingSet {
    /// Always `touchstone.findings/v1` for this version of the format.
    pub schema: String,
    /// The tool that produced the findings, for provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<Tool>,
    /// The findings themselves.
    pub findings: Vec<Finding>,
    /// Software components seen (an inventory, for instance from a firmware scan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// A software component and where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Name, for instance `OpenSSL`.
    pub name: String,
    /// Version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Package URL, when one can be formed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// CPE 2.3 name, when one can be formed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    /// The day support ended, when the version is end-of-life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_of_life: Option<String>,
    /// Where it was seen (the first place, when several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What identified it: the matched bytes or file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl FindingSet {
    /// An empty set in the current schema.
    pub fn new(tool: Option<Tool>) -> FindingSet {
        FindingSet {
            schema: FINDINGS_SCHEMA.to_owned(),
            tool,
            findings: Vec::new(),
            components: Vec::new(),
        }
    }
}

/// Name and version of the tool that produced a findings file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// Tool name.
    pub name: String,
    /// Tool version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One observation made by an automated check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Stable check identifier, for instance `fw-telnetd-enabled`. Never reused.
    pub check: String,
    /// How bad the observation is when it supports a failure.
    pub severity: Severity,
    /// Whether the observation supports a PASS or a FAIL of what it bears on.
    #[serde(default = "Supports::default_fail")]
    pub supports: Supports,
    /// EN 303 645 provisions the finding bears on, for instance `5.1-1`.
    #[serde(default)]
    pub provisions: Vec<String>,
    /// TS 103 701 test units the finding bears on, for instance `5.1-1-2b`; a test
    /// case id (`5.1-1-2`) names all of that case's units.
    #[serde(default)]
    pub test_units: Vec<String>,
    /// Where the observation was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// One sentence saying what was observed.
    pub message: String,
    /// An excerpt of the evidence (a line of a file, a banner, a hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl Finding {
    /// The finding's stable fingerprint: `fp1:` and the first 32 hex digits
    /// of a SHA-256 over the check id, where the finding was made and what
    /// was found (the evidence, or the message when there is none).
    ///
    /// "Where" is chosen to survive what does not change the finding: for a
    /// firmware location it is the chain of layer *kinds* (offsets dropped,
    /// `squashfs@0x40000` counts as `squashfs`) and the path inside the image,
    /// never the image's host path or file name, so renaming or moving the
    /// image, or a new build that shifts its layers, keeps the fingerprint;
    /// for a network location it is the port, transport and service, not the
    /// host address (the same device on another lab address); for a document,
    /// its URI. Assessors' dispositions, baselines, diffs and SARIF's
    /// `partialFingerprints` all use it. The recipe never changes for `fp1`.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(self.check.as_bytes());
        match &self.location {
            None => field(b"-"),
            Some(Location::Firmware { path, layers, .. }) => {
                field(b"firmware");
                for layer in layers {
                    field(layer_kind(layer).as_bytes());
                }
                field(path.as_bytes());
            }
            Some(Location::Network {
                port,
                transport,
                service,
                ..
            }) => {
                field(b"network");
                field(port.map(|p| p.to_string()).unwrap_or_default().as_bytes());
                field(transport.as_deref().unwrap_or("").as_bytes());
                field(service.as_deref().unwrap_or("").as_bytes());
            }
            Some(Location::Document { uri }) => {
                field(b"document");
                field(uri.as_bytes());
            }
        }
        field(self.evidence.as_deref().unwrap_or(&self.message).as_bytes());
        let digest = h.finalize();
        format!("fp1:{}", hex::encode(&digest[..16]))
    }
}

/// A layer name without its offset: `squashfs@0x40000` is `squashfs`.
fn layer_kind(layer: &str) -> &str {
    layer.split_once('@').map_or(layer, |(kind, _)| kind)
}

/// What a finding supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Supports {
    /// The observation shows that a criterion holds.
    Pass,
    /// The observation shows that a criterion does not hold.
    Fail,
    /// Evidence for the assessor without a judgement (an inventory, a banner).
    Info,
    /// The check could not run; the affected test units stay undecided.
    Error,
}

impl Supports {
    fn default_fail() -> Supports {
        Supports::Fail
    }

    /// The lowercase name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Supports::Pass => "pass",
            Supports::Fail => "fail",
            Supports::Info => "info",
            Supports::Error => "error",
        }
    }
}

/// Where a finding was observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Location {
    /// A path inside a firmware image.
    Firmware {
        /// The image file as given to the tool.
        image: String,
        /// Absolute path inside the image's root filesystem.
        path: String,
        /// The chain of layers that led to the file, outermost first,
        /// for instance `["uimage@0x0", "gzip@0x40", "cpio@0x0"]`.
        #[serde(default)]
        layers: Vec<String>,
        /// Byte offset inside the file, where it matters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offset: Option<u64>,
    },
    /// A network endpoint of the device under test.
    Network {
        /// Host address or name.
        host: String,
        /// Port, if the observation is about one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        /// `tcp` or `udp`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transport: Option<String>,
        /// Service name, for instance `ssh`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
    },
    /// A document or web page (a policy, a manual, an ICS entry).
    Document {
        /// File path or URL.
        uri: String,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Firmware {
                image,
                path,
                layers,
                offset,
            } => {
                write!(f, "{image}")?;
                for layer in layers {
                    write!(f, " > {layer}")?;
                }
                write!(f, " : {path}")?;
                if let Some(offset) = offset {
                    write!(f, " @ {offset:#x}")?;
                }
                Ok(())
            }
            Location::Network {
                host,
                port,
                transport,
                service,
            } => {
                let host = if host.contains(':') && !host.starts_with('[') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                write!(f, "{host}")?;
                if let Some(port) = port {
                    write!(f, ":{port}")?;
                }
                if let Some(transport) = transport {
                    write!(f, "/{transport}")?;
                }
                if let Some(service) = service {
                    write!(f, " ({service})")?;
                }
                Ok(())
            }
            Location::Document { uri } => f.write_str(uri),
        }
    }
}

/// A findings file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    /// The text is not valid JSON or does not have the expected shape.
    #[error("{source_name}:{line}:{column}: {message}")]
    Syntax {
        /// File name or other label of the input.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The `schema` field names a version this tool does not read.
    #[error(
        "{source_name}: unsupported findings schema `{found}`, expected `{FINDINGS_SCHEMA}`\nhint: regenerate the file with a current tool, or set \"schema\": \"{FINDINGS_SCHEMA}\" if it already follows that format"
    )]
    Schema {
        /// File name or other label of the input.
        source_name: String,
        /// The schema string found.
        found: String,
    },
}

/// Serialize a findings file as pretty JSON with a trailing newline.
pub fn findings_to_json(set: &FindingSet) -> String {
    let mut s = serde_json::to_string_pretty(set)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize findings: {e}\"}}"));
    s.push('\n');
    s
}

/// Parse a findings file. `source_name` labels the input in error messages.
pub fn parse_findings(text: &str, source_name: &str) -> Result<FindingSet, FindingsError> {
    check_schema(serde_json::from_str(text), source_name)
}

/// Parse a findings file from a reader, without holding its text: memory
/// stays within the size of the parsed findings. Give it a buffered reader.
pub fn parse_findings_reader(
    reader: impl std::io::Read,
    source_name: &str,
) -> Result<FindingSet, FindingsError> {
    check_schema(serde_json::from_reader(reader), source_name)
}

fn check_schema(
    parsed: Result<FindingSet, serde_json::Error>,
    source_name: &str,
) -> Result<FindingSet, FindingsError> {
    let set = parsed.map_err(|e| FindingsError::Syntax {
        source_name: source_name.to_owned(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    if set.schema != FINDINGS_SCHEMA {
        return Err(FindingsError::Schema {
            source_name: source_name.to_owned(),
            found: set.schema,
        });
    }
    Ok(set)
}

/// serde_json appends " at line L column C"; we print the position up front instead.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod fingerprint_tests {
    use super::*;

    fn firmware(image: &str, layers: &[&str], evidence: &str) -> Finding {
        Finding {
            check: "fw-telnet-service".into(),
            severity: Severity::High,
            supports: Supports::Fail,
            provisions: vec!["5.6-1".into()],
            test_units: vec![],
            location: Some(Location::Firmware {
                image: image.into(),
                path: "/etc/inittab".into(),
                layers: layers.iter().map(|s| (*s).to_owned()).collect(),
                offset: None,
            }),
            message: "telnetd starts at boot".into(),
            evidence: Some(evidence.into()),
        }
    }

    #[test]
    fn survives_renames_and_shifted_layers_but_not_other_evidence() {
        let a = firmware(
            "/home/a/fw-1.0.bin",
            &["uimage@0x0", "squashfs@0x40"],
            "::respawn:/usr/sbin/telnetd",
        );
        let b = firmware(
            "other/name.img",
            &["uimage@0x0", "squashfs@0x9000"],
            "::respawn:/usr/sbin/telnetd",
        );
        let c = firmware(
            "/home/a/fw-1.0.bin",
            &["uimage@0x0", "squashfs@0x40"],
            "::respawn:/bin/sh",
        );
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert!(a.fingerprint().starts_with("fp1:"));
        assert_eq!(a.fingerprint().len(), 4 + 32);
    }

    #[test]
    fn network_ignores_host() {
        let mut a = firmware("x", &[], "e");
        a.location = Some(Location::Network {
            host: "10.0.0.2".into(),
            port: Some(23),
            transport: Some("tcp".into()),
            service: Some("telnet".into()),
        });
        let mut b = a.clone();
        b.location = Some(Location::Network {
            host: "10.0.0.9".into(),
            port: Some(23),
            transport: Some("tcp".into()),
            service: Some("telnet".into()),
        });
        assert_eq!(a.fingerprint(), b.fingerprint());
    }
}
