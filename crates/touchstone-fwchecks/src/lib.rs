//! Firmware conformity checks: what EN 303 645 assessors look for in an
//! unpacked firmware image, reported as `touchstone_core::Finding`s mapped to
//! provisions and TS 103 701 test units.
//!
//! The analysers here are pure functions over file contents; the checks that
//! walk an unpacked image's virtual tree build on them.

pub mod boot;
pub mod busybox;
pub mod check;
pub mod checks;
pub mod components;
pub mod credentials;
pub mod elf;
pub mod esp;
pub mod files;
pub mod image;
pub mod keys;
pub mod secrets;
pub mod vulndb;
