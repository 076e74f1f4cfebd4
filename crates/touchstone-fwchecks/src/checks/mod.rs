//! One module per check; each holds a `CHECK` constant with its documentation.

pub mod baked_host_key;
pub mod boot_console;
pub mod boot_service;
pub mod certificate;
pub mod cleartext_file_service;
pub mod cmdline_credentials;
pub mod console_shell;
pub mod debug_service;
pub mod default_password;
pub mod elf_hardening;
pub mod embedded_token;
pub mod empty_password;
pub mod eol_component;
pub mod known_vulnerability;
pub mod partial_analysis;
pub mod private_key;
pub mod service_as_root;
pub mod setuid_root;
pub mod shared_key;
pub mod ssh_weak_config;
pub mod telnet_service;
pub mod tls_verification_disabled;
pub mod unpack_problem;
pub mod update_evidence;
pub mod weak_password_hash;
pub mod world_writable;
