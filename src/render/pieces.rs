//! [`Pieces`]: a large output file (the exports, the records' search index:
//! 100+ MB each at 100,000 records) as a list of buffers, never joined into
//! one. The writer writes them in order and frees each once written.

/// The bytes of one file as buffers in order. Written to through
/// [`std::io::Write`], it fills pieces of at most [`PIECE`] bytes: a growing
/// `Vec` holds its old and new buffer while it doubles (2.5 times the final
/// size of a 130 MB export at the last doubling), and a join would hold the
/// file twice; pieces hold it once. Writing never fails.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pieces(Vec<Vec<u8>>);

/// The most bytes [`Pieces`]' `Write` puts in one piece.
pub const PIECE: usize = 1 << 20;

impl Pieces {
    /// Adds `piece` (of any size) after the bytes so far.
    pub fn push(&mut self, piece: Vec<u8>) {
        self.0.push(piece);
    }

    /// The number of bytes in all pieces.
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    /// All bytes in one buffer of the exact size (for output kept in
    /// memory, such as `serve`'s).
    pub fn joined(self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.len());
        for piece in self.0 {
            bytes.extend_from_slice(&piece);
        }
        bytes
    }

    /// Writes every piece to `out` in order, freeing each once written.
    /// Errors: `out`'s.
    pub fn write_to(self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.0
            .into_iter()
            .try_for_each(|piece| out.write_all(&piece))
    }
}

impl From<Vec<u8>> for Pieces {
    /// `bytes` as one piece.
    fn from(bytes: Vec<u8>) -> Self {
        Self(vec![bytes])
    }
}

impl std::io::Write for Pieces {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.0.last_mut() {
                Some(piece) if piece.len() < PIECE => {
                    let take = rest.len().min(PIECE - piece.len());
                    piece.extend_from_slice(&rest[..take]);
                    rest = &rest[take..];
                }
                _ => self.0.push(Vec::with_capacity(PIECE)),
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn written_bytes_come_back_in_order_in_small_pieces() {
        let mut pieces = Pieces::default();
        let big = vec![7u8; PIECE + 10];
        pieces.write_all(b"ab").unwrap();
        pieces.write_all(&big).unwrap();
        pieces.write_all(b"").unwrap();
        pieces.write_all(b"cd").unwrap();
        assert!(pieces.0.iter().all(|piece| piece.len() <= PIECE));
        let mut expected = b"ab".to_vec();
        expected.extend_from_slice(&big);
        expected.extend_from_slice(b"cd");
        assert_eq!(pieces.len(), expected.len());
        let mut written = Vec::new();
        pieces.clone().write_to(&mut written).unwrap();
        assert_eq!(written, expected);
        assert_eq!(pieces.joined(), expected);
    }

    #[test]
    fn pushed_pieces_keep_their_order_and_size() {
        let mut pieces = Pieces::from(b"head ".to_vec());
        pieces.push(vec![b'x'; PIECE * 2]);
        pieces.push(b" tail".to_vec());
        assert!(!pieces.is_empty() && Pieces::default().is_empty());
        let joined = pieces.joined();
        assert!(joined.starts_with(b"head x") && joined.ends_with(b"x tail"));
        assert_eq!(joined.len(), 10 + PIECE * 2);
    }
}
