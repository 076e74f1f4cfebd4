//! The bundled credential lists: the one file shared with the live probe
//! (`touchstone-core/data/credentials.toml`, see
//! [`touchstone_core::credentials`]).

pub use touchstone_core::credentials::Credentials;

/// The bundled credentials, parsed once (empty lists if the bundled file were
/// broken; tests guard it).
pub fn credentials() -> &'static Credentials {
    Credentials::bundled()
}
