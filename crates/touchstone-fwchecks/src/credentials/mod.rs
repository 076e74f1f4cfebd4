//! Accounts and password hashes: parsing `passwd`, `shadow` and `htpasswd`
//! files, identifying hash schemes, and cracking hashes offline against the
//! bundled list of default and weak credentials with a bounded budget.

mod accounts;
mod crack;
mod wordlist;

pub use accounts::{Account, PasswordField, parse_htpasswd, parse_passwd, parse_shadow};
pub use crack::{CrackOutcome, Scheme, crack, identify, verify};
pub use wordlist::{Credentials, credentials};
