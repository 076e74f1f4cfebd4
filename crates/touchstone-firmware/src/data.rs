//! Shared, cheaply cloned byte ranges.
//!
//! Files in a [`crate::Tree`] point into the buffer of the layer that produced them
//! (a decompressed stream, the input) instead of copying. A buffer lives as long as some
//! file still points into it, and no longer.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// A range of bytes in a shared buffer.
#[derive(Clone)]
pub struct Data {
    buf: Arc<Vec<u8>>,
    start: usize,
    end: usize,
}

impl Data {
    /// Wraps owned bytes.
    #[must_use]
    pub fn from_vec(v: Vec<u8>) -> Self {
        let end = v.len();
        Self {
            buf: Arc::new(v),
            start: 0,
            end,
        }
    }

    /// The bytes.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether there are no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// A sub-range, clamped to the bounds of `self`.
    #[must_use]
    pub fn slice(&self, range: Range<usize>) -> Self {
        let len = self.len();
        let s = range.start.min(len);
        let e = range.end.clamp(s, len);
        Self {
            buf: Arc::clone(&self.buf),
            start: self.start + s,
            end: self.start + e,
        }
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Data({} bytes)", self.len())
    }
}

impl AsRef<[u8]> for Data {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}
