//! Diagnostics: what validation says about a project, with positions and hints.

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

/// The code of diagnostics made without one: a project file or directory cannot be read.
pub const IO_CODE: &str = "TS0001";

/// Whether a diagnostic stops the assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The project is invalid: the assessment cannot run.
    Error,
    /// Suspicious but allowed; shown in reports.
    Warning,
}

/// One message about a project file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Diagnostic {
    /// Stable code, `TS` and four digits (see the table in `docs/error-codes.md`).
    pub code: String,
    /// Error or warning.
    pub level: Level,
    /// File name relative to the project directory.
    pub file: String,
    /// 1-based line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at a position.
    pub fn error(
        file: &str,
        pos: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code: IO_CODE.to_owned(),
            level: Level::Error,
            file: file.to_owned(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message: message.into(),
            hint: None,
        }
    }

    /// An error with its code, without a position.
    pub fn coded(
        code: &str,
        file: &str,
        pos: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(file, pos, message).with_code(code)
    }

    /// A warning at a position.
    pub fn warning(
        file: &str,
        pos: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::error(file, pos, message)
        }
    }

    /// Set the stable code.
    #[must_use]
    pub fn with_code(mut self, code: &str) -> Diagnostic {
        self.code = code.to_owned();
        self
    }

    /// Attach a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{level}[{}]: {}", self.code, self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}
