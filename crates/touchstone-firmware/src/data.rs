//! Shared, cheaply cloned byte ranges.
//!
//! Files in a [`crate::Tree`] point into the buffer of the layer that produced them
//! (a decompressed stream, the input) instead of copying. A buffer lives as long as some
//! file still points into it, and no longer.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// The memory behind [`Data`]: bytes produced in memory (decompressed
/// streams) or the input image mapped read-only from its file.
enum Backing {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl Backing {
    fn bytes(&self) -> &[u8] {
        match self {
            Backing::Owned(v) => v,
            Backing::Mapped(m) => m,
        }
    }
}

/// A range of bytes in a shared buffer.
#[derive(Clone)]
pub struct Data {
    buf: Arc<Backing>,
    start: usize,
    end: usize,
}

impl Data {
    /// Wraps owned bytes.
    #[must_use]
    pub fn from_vec(v: Vec<u8>) -> Self {
        let end = v.len();
        Self {
            buf: Arc::new(Backing::Owned(v)),
            start: 0,
            end,
        }
    }

    /// Wraps a read-only mapping of the input file, so that the image is paged
    /// in on demand instead of copied into memory.
    #[must_use]
    pub fn from_map(map: memmap2::Mmap) -> Self {
        let end = map.len();
        Self {
            buf: Arc::new(Backing::Mapped(map)),
            start: 0,
            end,
        }
    }

    /// The bytes.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        self.buf.bytes().get(self.start..self.end).unwrap_or(&[])
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

impl Data {
    /// Whether `self` and `other` are the same bytes of the same buffer (hard links,
    /// files that share one content): cheap, by identity, not by comparing bytes.
    #[must_use]
    pub fn same_content(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.buf, &other.buf) && self.start == other.start && self.end == other.end
    }

    /// An identity key for [`Data::same_content`]: equal keys, same bytes.
    #[must_use]
    pub fn identity(&self) -> (usize, usize, usize) {
        (Arc::as_ptr(&self.buf) as usize, self.start, self.end)
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
