//! SHA-256 digests as lower-case hex: the one hashing helper behind the
//! manifest's per-file and population hashes and the sample's draw order
//! (SPEC sections 5 and 6).

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes` as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A SHA-256 computed over everything written to it, for hashing a
/// serialization without holding it in memory (the population hash of a
/// 100,000-record export is over 100 MB of JSON). Writing never fails.
#[derive(Default)]
pub struct Sha256Writer(Sha256);

impl Sha256Writer {
    /// The SHA-256 of all bytes written, as 64 lower-case hex digits
    /// (the same as [`sha256_hex`] of their concatenation).
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

impl std::io::Write for Sha256Writer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `digest` as lower-case hex.
fn hex(digest: &[u8]) -> String {
    let mut hex = String::with_capacity(2 * digest.len());
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::{sha256_hex, Sha256Writer};
    use std::io::Write;

    #[test]
    fn the_writer_hashes_what_is_written_in_pieces() {
        let mut writer = Sha256Writer::default();
        for piece in [&b"a"[..], b"", b"bc"] {
            writer.write_all(piece).unwrap();
        }
        assert_eq!(writer.finish(), sha256_hex(b"abc"));
    }

    #[test]
    fn known_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
