//! Makers' declarations checked against observations.
//!
//! The ICS and the IXIT say what the device has: which services it runs,
//! how users authenticate, which cryptography it uses, how it updates,
//! which features are absent. The firmware scan and the live probe show
//! what it has. This crate compares the two, and the firmware with the live
//! device, and reports every contradiction as a [`touchstone_core::Finding`]
//! with its provisions and test units, so the engine weighs it like any
//! other check (`crates/touchstone-engine/data/weights.toml`).
//!
//! | check | compares |
//! |---|---|
//! | `decl-undeclared-service` | live services with 13-SoftServ, 15-Intf, 28-… |
//! | `decl-undeclared-boot-service` | daemons and serial consoles the firmware starts with the same tables |
//! | `decl-service-not-found` | declared services with what the probe and the firmware show (information) |
//! | `decl-undeclared-login` | live logins with 1-AuthMech |
//! | `decl-undeclared-account` | firmware password accounts with 1-AuthMech |
//! | `decl-password-hash-mismatch` | firmware hash schemes with the declared ones |
//! | `decl-crypto-mismatch` | live TLS versions and suites, SSH algorithms with 11-ComMech and 1-AuthMech |
//! | `decl-update-mismatch` | firmware update evidence with 7-UpdMech |
//! | `decl-ics-contradicted` | conditions declared false and N/A answers with observations |
//! | `xc-banner-version-mismatch` | live product versions with the firmware's component inventory |
//! | `xc-baked-key-served` | keys in the firmware with the SSH host keys and TLS keys the device serves |
//! | `xc-firmware-credential-login` | passwords recovered from the firmware with one live login each |
//!
//! Everything here is pure: [`run_all`] reads a validated
//! [`touchstone_project::Project`] and the [`Observations`] the binary
//! gathers from the scan ([`FirmwareImage::from_scan`]) and the probe
//! ([`Live`]); the one live login per firmware credential is made by the
//! probe ([`touchstone_probe::confirm_logins`], with the candidates from
//! [`observations::candidates`]) before this runs. Each check runs only when
//! its inputs exist (firmware, live device, or both). Declarations are
//! matched by whole words and ports from `data/services.toml`; text from
//! devices and images is kept as evidence, cut to a bounded length, and
//! passwords are masked unless [`Observations::show_secrets`].

pub mod check;
pub mod checks;
pub mod declared;
pub mod kinds;
pub mod observations;

pub use check::{Check, CheckInfo, Needs, registry, run_all};
pub use observations::{FirmwareImage, Live, Observations, candidates};
