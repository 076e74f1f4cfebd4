//! Where the store is: `sqlite:PATH`, `postgres://...`, or the default file
//! under the user's data directory.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{Result, StoreError};

/// The database engines the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One embedded file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A store location, parsed from `--db`.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file (created on first use).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// Shown in messages: the PostgreSQL password is never printed.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            Location::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

impl Location {
    /// Parse `sqlite:PATH` (also `sqlite://PATH`), `postgres://...` or
    /// `postgresql://...`.
    pub fn parse(text: &str) -> Result<Location> {
        if let Some(rest) = text
            .strip_prefix("postgres://")
            .or_else(|| text.strip_prefix("postgresql://"))
        {
            if rest.is_empty() {
                return Err(StoreError::BadLocation(text.to_owned()));
            }
            return Ok(Location::Postgres(text.to_owned()));
        }
        if let Some(rest) = text.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() || path == ":memory:" || path.contains('?') {
                return Err(StoreError::BadLocation(text.to_owned()));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        Err(StoreError::BadLocation(text.to_owned()))
    }

    /// The backend of this location.
    pub fn backend(&self) -> Backend {
        match self {
            Location::Sqlite(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL sqlx connects to. For SQLite the directory is created first
    /// (mode 0700 when new) and the path is percent-encoded, so `?`, `#` and
    /// `%` in file names stay part of the name.
    pub(crate) fn sqlx_url(&self) -> Result<String> {
        match self {
            Location::Postgres(url) => Ok(url.clone()),
            Location::Sqlite(path) => {
                create_private_dir(path.parent().unwrap_or(Path::new(".")))?;
                let text = path
                    .to_str()
                    .ok_or_else(|| StoreError::BadLocation(format!("sqlite:{}", path.display())))?;
                let mut encoded = String::with_capacity(text.len());
                for c in text.chars() {
                    match c {
                        '%' | '?' | '#' => encoded.push_str(&format!("%{:02X}", c as u32)),
                        c => encoded.push(c),
                    }
                }
                Ok(format!("sqlite://{encoded}?mode=rwc"))
            }
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StoreError::Io(format!("cannot create `{}`: {e}", dir.display())))
}

/// The default store: `touchstone.db` in the user's data directory
/// (`$XDG_DATA_HOME/touchstone`, usually `~/.local/share/touchstone`).
pub fn default_location() -> Result<Location> {
    let dirs = directories::ProjectDirs::from("", "", "touchstone").ok_or_else(|| {
        StoreError::Io(
            "cannot tell the user's data directory (no home directory): give --db sqlite:PATH"
                .to_owned(),
        )
    })?;
    Ok(Location::Sqlite(dirs.data_dir().join("touchstone.db")))
}

/// Create an empty database `name` (lowercase letters, digits and `_`) on
/// the PostgreSQL server of `admin`, and return its location: for setting up
/// a lab server and for the tests, which use a fresh database each.
pub async fn create_postgres_database(admin: &Location, name: &str) -> Result<Location> {
    use sqlx::Connection as _;
    use sqlx::Executor as _;
    let Location::Postgres(url) = admin else {
        return Err(StoreError::Refused(
            "databases are created on PostgreSQL only".to_owned(),
        ));
    };
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(StoreError::Refused(format!(
            "`{name}` is not a database name: lowercase letters, digits and _, starting with a letter"
        )));
    }
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .map_err(|e| StoreError::Connect(admin.to_string(), e.to_string()))?;
    // Identifiers cannot be bound as parameters: the name was checked above
    // to hold only lowercase letters, digits and `_`.
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await?;
    conn.close().await?;
    // Replace the path of the URL (the database), keep user, host and options.
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    Ok(Location::Postgres(format!(
        "{scheme}://{authority}/{name}{query}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        assert_eq!(
            Location::parse("sqlite:/tmp/a.db").ok(),
            Some(Location::Sqlite("/tmp/a.db".into()))
        );
        assert_eq!(
            Location::parse("sqlite://rel/a.db").ok(),
            Some(Location::Sqlite("rel/a.db".into()))
        );
        assert_eq!(
            Location::parse("postgres://u:secret@h/db")
                .map(|l| l.backend())
                .ok(),
            Some(Backend::Postgres)
        );
        assert!(Location::parse("postgresql://h/db").is_ok());
        for bad in [
            "",
            "sqlite:",
            "sqlite::memory:",
            "mysql://h/db",
            "/tmp/a.db",
            "postgres://",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_not_displayed() {
        let l = Location::parse("postgres://lab:s3cret@db.lab:5432/ts?sslmode=require").ok();
        assert_eq!(
            l.map(|l| l.to_string()).as_deref(),
            Some("postgres://lab:***@db.lab:5432/ts?sslmode=require")
        );
        let l = Location::parse("postgres://lab@db/ts").ok();
        assert_eq!(
            l.map(|l| l.to_string()).as_deref(),
            Some("postgres://lab@db/ts")
        );
    }

    #[test]
    fn sqlite_paths_are_percent_encoded() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("a?b#c%d.db");
        let url = Location::Sqlite(path).sqlx_url().expect("url");
        assert!(url.ends_with("a%3Fb%23c%25d.db?mode=rwc"), "{url}");
    }
}
