//! `passwd`, `shadow` and `htpasswd` lines.

/// What the password field of an account holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordField {
    /// Empty: no password at all.
    Empty,
    /// `x` in passwd: the hash lives in shadow.
    Shadowed,
    /// `*`, `!`, `!!` or a hash prefixed with `!`: password login disabled.
    Locked(String),
    /// A crypt(3) hash.
    Hash(String),
}

/// One account line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// User name.
    pub user: String,
    /// The password field.
    pub password: PasswordField,
    /// Numeric user id (passwd only).
    pub uid: Option<u32>,
    /// Login shell (passwd only).
    pub shell: Option<String>,
    /// 1-based line number in its file.
    pub line: usize,
    /// The line as written, for evidence.
    pub text: String,
}

impl Account {
    /// Whether the account's shell allows an interactive login. Unknown shells count as able.
    pub fn can_log_in(&self) -> bool {
        match self.shell.as_deref() {
            None => true,
            Some(s) => {
                let name = s.rsplit('/').next().unwrap_or(s);
                !matches!(
                    name,
                    "nologin" | "false" | "sync" | "shutdown" | "halt" | "true"
                )
            }
        }
    }
}

fn password_field(field: &str) -> PasswordField {
    match field {
        "" => PasswordField::Empty,
        "x" => PasswordField::Shadowed,
        f if f.starts_with('!') || f.starts_with('*') => PasswordField::Locked(f.to_owned()),
        f => PasswordField::Hash(f.to_owned()),
    }
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

/// Parse `/etc/passwd` (`user:password:uid:gid:gecos:home:shell`). Malformed lines are skipped.
pub fn parse_passwd(text: &str) -> Vec<Account> {
    lines(text)
        .filter_map(|(line, l)| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 || f[0].is_empty() {
                return None;
            }
            Some(Account {
                user: f[0].to_owned(),
                password: password_field(f[1]),
                uid: f[2].parse().ok(),
                shell: Some(f[6].to_owned()),
                line,
                text: l.to_owned(),
            })
        })
        .collect()
}

/// Parse `/etc/shadow` (`user:hash:...`). Malformed lines are skipped.
pub fn parse_shadow(text: &str) -> Vec<Account> {
    lines(text)
        .filter_map(|(line, l)| {
            let mut f = l.split(':');
            let user = f.next().filter(|u| !u.is_empty())?;
            let hash = f.next()?;
            Some(Account {
                user: user.to_owned(),
                password: password_field(hash),
                uid: None,
                shell: None,
                line,
                text: l.to_owned(),
            })
        })
        .collect()
}

/// Parse an `htpasswd` file (`user:hash`). Lines without a colon are skipped.
pub fn parse_htpasswd(text: &str) -> Vec<Account> {
    lines(text)
        .filter_map(|(line, l)| {
            let (user, hash) = l.split_once(':')?;
            if user.is_empty() || user.contains(char::is_whitespace) {
                return None;
            }
            Some(Account {
                user: user.to_owned(),
                password: password_field(hash),
                uid: None,
                shell: None,
                line,
                text: l.to_owned(),
            })
        })
        .collect()
}
