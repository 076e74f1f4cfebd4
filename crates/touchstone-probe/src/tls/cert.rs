//! Certificate facts from DER, with `x509-parser`.

use serde::Serialize;
use x509_parser::prelude::*;

/// What the probe learned about a certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertificateFacts {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Subject equals issuer.
    pub self_signed: bool,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: i64,
    /// `RSA`, `EC`, `Ed25519`, `DSA` or `unknown`.
    pub key_type: String,
    /// Key size in bits (0 when unknown).
    pub key_bits: u32,
    /// Signature algorithm name (or OID when unknown).
    pub signature_algorithm: String,
    /// Hash of the signature algorithm (`sha1`, `sha256` …, empty when none).
    pub signature_hash: String,
    /// DNS names and addresses from subjectAltName, and the subject CN.
    pub names: Vec<String>,
    /// SHA-256 of the DER encoding, lowercase hex.
    pub sha256: String,
    /// SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex (empty when
    /// the certificate did not parse): the same key in another certificate
    /// has the same value, which is how a key found in a firmware image is
    /// recognised on the live device.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub spki_sha256: String,
    /// Why parsing failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

/// Parse a DER certificate. Never panics; a parse error is a fact too.
pub fn facts(der: &[u8]) -> CertificateFacts {
    use sha2::{Digest, Sha256};
    let sha256 = hex::encode(Sha256::digest(der));
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(e) => {
            return CertificateFacts {
                sha256,
                parse_error: Some(e.to_string()),
                ..CertificateFacts::default()
            };
        }
    };
    let mut names = Vec::new();
    for cn in cert.subject().iter_common_name() {
        if let Ok(s) = cn.as_str() {
            names.push(s.to_owned());
        }
    }
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => names.push((*d).to_owned()),
                GeneralName::IPAddress(ip) => names.push(format!("{ip:02x?}")),
                _ => {}
            }
        }
    }
    let (key_type, key_bits) = match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => ("RSA", rsa.key_size()),
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => ("EC", ec.key_size()),
        Ok(x509_parser::public_key::PublicKey::DSA(_)) => ("DSA", 0),
        _ => {
            let oid = cert.public_key().algorithm.algorithm.to_id_string();
            if oid == "1.3.101.112" {
                ("Ed25519", 256)
            } else {
                ("unknown", 0)
            }
        }
    };
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let (signature_algorithm, signature_hash) = signature_name(&oid);
    CertificateFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        key_type: key_type.to_owned(),
        key_bits: u32::try_from(key_bits).unwrap_or(0),
        signature_algorithm: signature_algorithm.unwrap_or(&oid).to_owned(),
        signature_hash: signature_hash.to_owned(),
        names,
        sha256,
        spki_sha256: hex::encode(Sha256::digest(cert.public_key().raw)),
        parse_error: None,
    }
}

fn signature_name(oid: &str) -> (Option<&'static str>, &'static str) {
    match oid {
        "1.2.840.113549.1.1.2" => (Some("md2WithRSAEncryption"), "md2"),
        "1.2.840.113549.1.1.4" => (Some("md5WithRSAEncryption"), "md5"),
        "1.2.840.113549.1.1.5" => (Some("sha1WithRSAEncryption"), "sha1"),
        "1.2.840.113549.1.1.11" => (Some("sha256WithRSAEncryption"), "sha256"),
        "1.2.840.113549.1.1.12" => (Some("sha384WithRSAEncryption"), "sha384"),
        "1.2.840.113549.1.1.13" => (Some("sha512WithRSAEncryption"), "sha512"),
        "1.2.840.113549.1.1.10" => (Some("RSASSA-PSS"), "pss"),
        "1.2.840.10045.4.1" => (Some("ecdsa-with-SHA1"), "sha1"),
        "1.2.840.10045.4.3.2" => (Some("ecdsa-with-SHA256"), "sha256"),
        "1.2.840.10045.4.3.3" => (Some("ecdsa-with-SHA384"), "sha384"),
        "1.2.840.10045.4.3.4" => (Some("ecdsa-with-SHA512"), "sha512"),
        "1.2.840.10040.4.3" => (Some("dsa-with-SHA1"), "sha1"),
        "1.3.101.112" => (Some("Ed25519"), "none"),
        _ => (None, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_parse_error_not_a_panic() {
        let f = facts(&[0x30, 0x82, 0xff, 0xff, 1, 2]);
        assert!(f.parse_error.is_some());
        assert_eq!(f.key_bits, 0);
    }
}
