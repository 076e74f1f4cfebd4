//! One real TLS 1.2/1.3 handshake with rustls and a verifier that records
//! instead of refusing: the presented chain, whether it is valid against
//! the Mozilla roots (`webpki-roots`) and against a lab-supplied trust
//! anchor, whether the leaf matches the target name, and why not.
//!
//! The hand-built ClientHellos of [`super::analyse`] find versions and
//! suites; this handshake is what a strict client would do, so its outcome
//! is the answer to "would a client that validates trust this service".
//! TLS 1.3 certificates are encrypted, so this is also the only way to see
//! the certificate of a TLS 1.3-only service.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring as ring_provider};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Whether the chain is trusted by one set of anchors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustOutcome {
    /// The chain builds to one of the anchors and every certificate on the
    /// path is within validity.
    pub valid: bool,
    /// `valid`, `unknown_issuer`, `expired`, `not_yet_valid`,
    /// `bad_signature`, `unsupported_signature`, `ca_used_as_leaf`,
    /// `invalid_validity`, `bad_encoding` or `other`.
    pub code: String,
    /// The reason in words.
    pub reason: String,
}

/// One reason a validating client would refuse the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    /// Stable code: `untrusted`, `expired`, `not_yet_valid`, `self_signed`,
    /// `name_mismatch`, `handshake_failed`.
    pub code: &'static str,
    /// What is wrong, with a hint where one helps.
    pub message: String,
}

/// What the rustls handshake showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// The name the certificate was checked against (SNI host name or the
    /// target address).
    pub server_name: String,
    /// Negotiated version and suite, when the handshake completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiated: Option<String>,
    /// Why the handshake did not complete, if it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_error: Option<String>,
    /// Certificates the server presented (leaf first), DER.
    #[serde(skip)]
    pub chain_der: Vec<Vec<u8>>,
    /// Number of certificates presented.
    pub chain_length: usize,
    /// Validation against the Mozilla root store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_roots: Option<TrustOutcome>,
    /// Validation against the lab's trust anchors (`--ca`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab_anchors: Option<TrustOutcome>,
    /// Whether the leaf is valid for `server_name` (subjectAltName).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_matches: Option<bool>,
    /// Every reason a validating client would refuse it; empty when a
    /// client trusting the public roots or the lab anchors would accept.
    pub problems: Vec<ChainProblem>,
}

impl ChainReport {
    /// The chain is trusted by the public roots or by the lab anchors.
    pub fn trusted(&self) -> bool {
        self.public_roots.as_ref().is_some_and(|t| t.valid)
            || self.lab_anchors.as_ref().is_some_and(|t| t.valid)
    }
}

/// Trust anchors supplied by the lab, DER encoded.
#[derive(Debug, Clone, Default)]
pub struct LabAnchors {
    certificates: Vec<CertificateDer<'static>>,
}

/// A trust-anchor file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnchorError {
    /// The file holds no certificate.
    #[error(
        "no certificate found in the CA file: expected PEM `-----BEGIN CERTIFICATE-----` blocks or one DER certificate"
    )]
    Empty,
    /// A certificate is not usable as a trust anchor.
    #[error(
        "certificate {index} of the CA file is not a usable trust anchor ({reason}); hint: give the CA certificate, not a key or a CSR"
    )]
    Unusable {
        /// 1-based position in the file.
        index: usize,
        /// What webpki said.
        reason: String,
    },
}

impl LabAnchors {
    /// Read anchors from PEM (any number of certificates) or one DER
    /// certificate.
    ///
    /// # Errors
    ///
    /// [`AnchorError`] when nothing usable is in the bytes.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<LabAnchors, AnchorError> {
        use rustls_pki_types::pem::PemObject;
        let mut certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(bytes)
            .take(1000)
            .filter_map(Result::ok)
            .collect();
        if certificates.is_empty() && bytes.first() == Some(&0x30) {
            certificates.push(CertificateDer::from(bytes.to_vec()));
        }
        if certificates.is_empty() {
            return Err(AnchorError::Empty);
        }
        for (i, c) in certificates.iter().enumerate() {
            webpki::anchor_from_trusted_cert(c).map_err(|e| AnchorError::Unusable {
                index: i + 1,
                reason: format!("{e:?}"),
            })?;
        }
        Ok(LabAnchors { certificates })
    }

    /// Whether no anchor was given.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }
}

/// Judge a presented chain (leaf first) at `now` against the public roots,
/// the lab anchors and `server_name`. Pure: the handshake only collects the
/// chain.
pub fn judge(chain: &[Vec<u8>], server_name: &str, lab: &LabAnchors, now_secs: u64) -> ChainReport {
    let mut report = ChainReport {
        server_name: server_name.to_owned(),
        chain_der: chain.to_vec(),
        chain_length: chain.len(),
        ..ChainReport::default()
    };
    let Some(leaf_der) = chain.first() else {
        report.problems.push(ChainProblem {
            code: "untrusted",
            message: "the server presented no certificate".into(),
        });
        return report;
    };
    let now = UnixTime::since_unix_epoch(Duration::from_secs(now_secs));
    let leaf_cert = CertificateDer::from(leaf_der.as_slice());
    let intermediates: Vec<CertificateDer<'_>> = chain
        .iter()
        .skip(1)
        .take(16)
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let leaf = match webpki::EndEntityCert::try_from(&leaf_cert) {
        Ok(l) => l,
        Err(e) => {
            report.problems.push(ChainProblem {
                code: "untrusted",
                message: format!("the leaf certificate cannot be parsed by webpki: {e:?}"),
            });
            return report;
        }
    };
    let verify = |anchors: &[rustls_pki_types::TrustAnchor<'_>]| -> TrustOutcome {
        match leaf.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            anchors,
            &intermediates,
            now,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        ) {
            Ok(_) => TrustOutcome {
                valid: true,
                code: "valid".into(),
                reason: "the chain builds to a trust anchor".into(),
            },
            Err(e) => {
                let (code, reason) = describe_webpki(&e);
                TrustOutcome {
                    valid: false,
                    code: code.into(),
                    reason,
                }
            }
        }
    };
    report.public_roots = Some(verify(webpki_roots::TLS_SERVER_ROOTS));
    if !lab.is_empty() {
        let anchors: Vec<_> = lab
            .certificates
            .iter()
            .filter_map(|c| webpki::anchor_from_trusted_cert(c).ok())
            .collect();
        report.lab_anchors = Some(verify(&anchors));
    }
    match ServerName::try_from(server_name) {
        Ok(name) => {
            let ok = leaf.verify_is_valid_for_subject_name(&name).is_ok();
            report.name_matches = Some(ok);
        }
        Err(_) => report.name_matches = None,
    }

    let facts = super::cert::facts(leaf_der);
    let now_i = i64::try_from(now_secs).unwrap_or(i64::MAX);
    if !report.trusted() {
        let best = report
            .lab_anchors
            .as_ref()
            .or(report.public_roots.as_ref())
            .map(|t| t.reason.clone())
            .unwrap_or_default();
        let against = if lab.is_empty() {
            "the Mozilla roots"
        } else {
            "the Mozilla roots nor the lab's trust anchors"
        };
        report.problems.push(ChainProblem {
            code: "untrusted",
            message: format!("the chain is not trusted by {against}: {best}"),
        });
    }
    if facts.parse_error.is_none() && facts.not_after < now_i {
        report.problems.push(ChainProblem {
            code: "expired",
            message: format!("the leaf certificate expired at {}", facts.not_after),
        });
    }
    if facts.parse_error.is_none() && facts.not_before > now_i {
        report.problems.push(ChainProblem {
            code: "not_yet_valid",
            message: format!(
                "the leaf certificate is valid only from {}",
                facts.not_before
            ),
        });
    }
    if facts.self_signed && chain.len() == 1 {
        report.problems.push(ChainProblem {
            code: "self_signed",
            message:
                "the leaf is self-signed: only a client that pins this certificate can trust it"
                    .into(),
        });
    }
    if report.name_matches == Some(false) {
        report.problems.push(ChainProblem {
            code: "name_mismatch",
            message: format!(
                "the certificate is not valid for `{server_name}` (names: {})",
                facts.names.join(", ")
            ),
        });
    }
    report
}

fn describe_webpki(e: &webpki::Error) -> (&'static str, String) {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer => (
            "unknown_issuer",
            "issued by a CA that is not a trust anchor".into(),
        ),
        E::CertExpired { .. } => (
            "expired",
            "a certificate on the path has expired".into(),
        ),
        E::CertNotValidYet { .. } => (
            "not_yet_valid",
            "a certificate on the path is not yet valid".into(),
        ),
        E::InvalidSignatureForPublicKey => (
            "bad_signature",
            "a signature on the path does not verify".into(),
        ),
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => (
            "unsupported_signature",
            "signed with an algorithm a current client does not accept (for instance SHA-1 or a key below 2048 bits)".into(),
        ),
        E::InvalidCertValidity => (
            "invalid_validity",
            "a certificate's validity period ends before it starts".into(),
        ),
        E::CaUsedAsEndEntity => (
            "ca_used_as_leaf",
            "the leaf is a CA certificate".into(),
        ),
        E::BadDer | E::BadDerTime | E::TrailingData(_) => {
            ("bad_encoding", format!("a certificate is malformed: {e:?}"))
        }
        other => ("other", format!("{other:?}")),
    }
}

/// Records the chain and accepts it, so the handshake always completes
/// and the judgement is made afterwards.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<Vec<u8>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut chain) = self.chain.lock() {
            chain.clear();
            chain.push(end_entity.to_vec());
            chain.extend(intermediates.iter().take(16).map(|c| c.to_vec()));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A completed handshake: the stream (to send a request over) and the
/// judgement of the chain.
pub(crate) type Connected = (Option<TlsStream<TcpStream>>, ChainReport);

/// Connect, handshake with rustls (TLS 1.2 or 1.3), and judge the chain.
/// Never fails: a failed handshake is a [`ChainReport::handshake_error`].
/// The caller holds the limiter permit.
pub(crate) async fn handshake(
    addr: SocketAddr,
    server_name: &str,
    lab: &LabAnchors,
    timeout: Duration,
    alpn: &[&[u8]],
) -> Connected {
    let provider = Arc::new(ring_provider::default_provider());
    let recorder = Arc::new(Recorder {
        provider: provider.clone(),
        chain: Mutex::new(Vec::new()),
    });
    let failed = |message: String| ChainReport {
        server_name: server_name.to_owned(),
        handshake_error: Some(message),
        problems: vec![ChainProblem {
            code: "handshake_failed",
            message: "no TLS 1.2/1.3 handshake with a current client completed".into(),
        }],
        ..ChainReport::default()
    };
    let config = match rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    {
        Ok(b) => b,
        Err(e) => return (None, failed(format!("rustls configuration: {e}"))),
    };
    let mut config = config
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let name = match ServerName::try_from(server_name.to_owned()) {
        Ok(n) => n,
        Err(_) => ServerName::IpAddress(addr.ip().into()),
    };
    let connector = TlsConnector::from(Arc::new(config));
    let work = async {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("handshake: {e}"))
    };
    let stream = match tokio::time::timeout(timeout, work).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return (None, failed(e)),
        Err(_) => return (None, failed(format!("no handshake within {timeout:?}"))),
    };
    let chain = recorder.chain.lock().map(|c| c.clone()).unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut report = judge(&chain, server_name, lab, now);
    let conn = stream.get_ref().1;
    report.negotiated = Some(format!(
        "{} {}",
        match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
            _ => "unknown",
        },
        conn.negotiated_cipher_suite()
            .and_then(|s| s.suite().as_str())
            .unwrap_or("unknown suite")
    ));
    (Some(stream), report)
}
