//! Terminal conventions: data on stdout, diagnostics on stderr, colour
//! only when wanted (`--color`, `NO_COLOR`), broken pipes are not errors.

use std::io::{self, IsTerminal, Write};

use touchstone_core::text::display_safe_multiline;

use crate::cli::ColorChoice;

/// Where output goes and how it looks.
#[derive(Debug)]
pub(crate) struct Ui {
    /// Colour stdout.
    pub(crate) color_out: bool,
    /// Colour stderr.
    pub(crate) color_err: bool,
}

impl Ui {
    pub(crate) fn new(choice: ColorChoice) -> Ui {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Ui {
            color_out: decide(io::stdout().is_terminal()),
            color_err: decide(io::stderr().is_terminal()),
        }
    }

    /// Write data to stdout.
    pub(crate) fn out(&self, text: &str) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }

    /// Write a line of progress or diagnostics to stderr.
    pub(crate) fn err_line(&self, text: &str) {
        let _ = writeln!(io::stderr().lock(), "{text}");
    }

    /// Print a fatal error with its causes and hints.
    pub(crate) fn error(&self, err: &anyhow::Error) {
        let label = if self.color_err {
            "\x1b[1;31merror\x1b[0m"
        } else {
            "error"
        };
        // Messages quote file contents and names: no control character reaches the terminal.
        let mut text = format!("{label}: {}", display_safe_multiline(&err.to_string()));
        for cause in err.chain().skip(1) {
            text.push_str(&format!(
                "\n  caused by: {}",
                display_safe_multiline(&cause.to_string())
            ));
        }
        self.err_line(&text);
    }

    /// Colour a diagnostic's level word for stderr.
    pub(crate) fn diagnostic(&self, d: &touchstone_project::Diagnostic) -> String {
        let text = display_safe_multiline(&d.to_string()).into_owned();
        if !self.color_err {
            return text;
        }
        if let Some(rest) = text.strip_prefix("error:") {
            format!("\x1b[1;31merror\x1b[0m:{rest}")
        } else if let Some(rest) = text.strip_prefix("warning:") {
            format!("\x1b[1;33mwarning\x1b[0m:{rest}")
        } else {
            text
        }
    }
}

/// Whether an error is (caused by) a closed stdout pipe, as in `touchstone ... | head`.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The report timestamp: `SOURCE_DATE_EPOCH` when set (reproducible builds and
/// tests), the current time otherwise; RFC 3339 in UTC.
pub(crate) fn timestamp() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    rfc3339(secs)
}

/// Format seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn rfc3339(secs: i64) -> String {
    touchstone_core::date::rfc3339(secs)
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_920_706), "2026-11-29T02:51:46Z");
    }
}
