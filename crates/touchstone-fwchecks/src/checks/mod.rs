//! One module per check; each holds a `CHECK` constant with its documentation.

pub mod cleartext_file_service;
pub mod cmdline_credentials;
pub mod console_shell;
pub mod debug_service;
pub mod default_password;
pub mod empty_password;
pub mod service_as_root;
pub mod telnet_service;
pub mod weak_password_hash;
