//! Signed checkpoints in the C2SP formats, so that tooling written for transparency logs can
//! check JUNO's audit log without JUNO.
//!
//! A checkpoint's body is a C2SP `tlog-checkpoint`:
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <RFC 6962 root hash, standard base64>
//! ```
//!
//! wrapped in a C2SP `signed-note`: the body, a blank line, then one line per signature,
//! `— <key name> <base64(key ID ‖ Ed25519 signature)>` (an em dash, U+2014). The key ID is
//! the first four bytes of SHA-256(key name ‖ `\n` ‖ 0x01 ‖ public key), the 0x01 naming
//! Ed25519.
//!
//! Keys are written as the Go `golang.org/x/mod/sumdb/note` package writes them, so keys made
//! by its tools work here and the other way round:
//!
//! - signing key: `PRIVATE+KEY+<name>+<key ID, 8 hex digits>+<base64(0x01 ‖ 32-byte seed)>`
//! - verifier key: `<name>+<key ID, 8 hex digits>+<base64(0x01 ‖ 32-byte public key)>`

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, Verifier as _};

use super::{Hash, sha256};
use crate::error::{Error, Result};

/// The signature-type byte of Ed25519 keys in the signed-note format.
const ED25519: u8 = 0x01;
/// What starts each signature line.
const SIG_PREFIX: &str = "\u{2014} ";

/// A key name per the signed-note spec: not empty, no `+`, no Unicode space.
fn check_name(field: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(Error::invalid(
            field,
            format!("a key name must be non-empty, without `+` or spaces, got {name:?}"),
        ));
    }
    Ok(())
}

/// The key ID of an Ed25519 key called `name` (the spec's key hash).
fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut data = Vec::with_capacity(name.len() + 34);
    data.extend_from_slice(name.as_bytes());
    data.push(b'\n');
    data.push(ED25519);
    data.extend_from_slice(public);
    let h = sha256(&data);
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// Splits `<name>+<8 hex digits>+<base64(0x01 ‖ 32 bytes)>` and checks the key ID against
/// the key the bytes make.
fn parse_key_parts(field: &str, text: &str) -> Result<(String, u32, [u8; 32])> {
    // Standard base64 may itself hold `+`: only the first two split.
    let parts: Vec<&str> = text.trim().splitn(3, '+').collect();
    let [name, id, key] = parts[..] else {
        return Err(Error::invalid(
            field,
            "expected <name>+<key ID>+<base64 key>",
        ));
    };
    check_name(field, name)?;
    let id = (id.len() == 8)
        .then(|| u32::from_str_radix(id, 16).ok())
        .flatten()
        .ok_or_else(|| Error::invalid(field, "the key ID must be 8 hex digits"))?;
    let bytes = B64
        .decode(key)
        .map_err(|_| Error::invalid(field, "the key is not standard base64"))?;
    let [ED25519, rest @ ..] = bytes.as_slice() else {
        return Err(Error::invalid(
            field,
            "only Ed25519 keys (type byte 0x01) are supported",
        ));
    };
    let key: [u8; 32] = rest
        .try_into()
        .map_err(|_| Error::invalid(field, "an Ed25519 key is 32 bytes"))?;
    Ok((name.to_owned(), id, key))
}

/// An Ed25519 key that signs audit checkpoints, read from configuration
/// (`AUDIT_SIGNING_KEY`), never stored in the database. Does not print its secret.
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    key: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, ***)", self.verifier_key())
    }
}

impl SigningKey {
    /// Reads a signing key in the `PRIVATE+KEY+<name>+<key ID>+<base64>` form.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `field` for any other text, a key of another type, or
    /// a key ID that does not match the key.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| Error::invalid(field, "a signing key starts with PRIVATE+KEY+"))?;
        let (name, id, seed) = parse_key_parts(field, rest)?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        if key_id(&name, key.verifying_key().as_bytes()) != id {
            return Err(Error::invalid(field, "the key ID does not match the key"));
        }
        Ok(SigningKey { name, key })
    }

    /// A new key called `name` from a fresh random seed (the operating system's).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a name the format cannot hold; [`Error::Io`] when the
    /// system has no randomness to give.
    pub fn generate(name: &str) -> Result<Self> {
        check_name("name", name)?;
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| Error::Io {
            path: "the system's random source".into(),
            message: e.to_string(),
        })?;
        Ok(SigningKey {
            name: name.to_owned(),
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// The key's name (written on each signature line).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID, 8 hex digits.
    pub fn key_id(&self) -> String {
        format!("{:08x}", self.id())
    }

    fn id(&self) -> u32 {
        key_id(&self.name, self.key.verifying_key().as_bytes())
    }

    /// The key in its configuration form (`PRIVATE+KEY+…`): the secret. Write it only
    /// where the configuration is kept.
    pub fn to_secret_text(&self) -> String {
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            self.key_id(),
            B64.encode(bytes)
        )
    }

    /// The public verifier key (`<name>+<key ID>+<base64>`) that auditors check signatures
    /// with.
    pub fn verifier_key(&self) -> String {
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.verifying_key().as_bytes());
        format!("{}+{}+{}", self.name, self.key_id(), B64.encode(bytes))
    }

    /// Signs `text` (which must end in a newline) as a signed note.
    fn sign_note(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut bytes = self.id().to_be_bytes().to_vec();
        bytes.extend_from_slice(&sig.to_bytes());
        format!("{text}\n{SIG_PREFIX}{} {}\n", self.name, B64.encode(bytes))
    }
}

/// A public key that checks signed notes: `<name>+<key ID>+<base64(0x01 ‖ public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: u32,
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    /// Reads a verifier key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `field` for malformed text, a key of another type, a
    /// key that is not a curve point, or a key ID that does not match the key.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let (name, id, public) = parse_key_parts(field, text)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .map_err(|_| Error::invalid(field, "not an Ed25519 public key"))?;
        if key_id(&name, &public) != id {
            return Err(Error::invalid(field, "the key ID does not match the key"));
        }
        Ok(VerifierKey { name, id, key })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the note's text when one of its signature lines is this key's and verifies.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `field` when the note is malformed or carries no valid
    /// signature by this key.
    pub fn open<'n>(&self, field: &str, note: &'n str) -> Result<&'n str> {
        let (text, sigs) = split_note(field, note)?;
        for line in sigs.lines() {
            let Some(rest) = line.strip_prefix(SIG_PREFIX) else {
                return Err(Error::invalid(
                    field,
                    "a signature line starts with \u{2014}",
                ));
            };
            let Some((name, sig)) = rest.split_once(' ') else {
                return Err(Error::invalid(
                    field,
                    "a signature line is `— name signature`",
                ));
            };
            if name != self.name {
                continue;
            }
            let Ok(bytes) = B64.decode(sig) else {
                return Err(Error::invalid(field, "a signature is not standard base64"));
            };
            let Some((id, sig)) = bytes.split_first_chunk::<4>() else {
                continue;
            };
            if u32::from_be_bytes(*id) != self.id {
                continue;
            }
            let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
                continue;
            };
            if self.key.verify(text.as_bytes(), &sig).is_ok() {
                return Ok(text);
            }
        }
        Err(Error::invalid(
            field,
            format!("no valid signature by the key {}", self.name),
        ))
    }
}

/// Splits a signed note at its blank line into (text with its final newline, signature lines).
pub(crate) fn split_note<'n>(field: &str, note: &'n str) -> Result<(&'n str, &'n str)> {
    // The last blank line: signature lines never hold one, the text may (as Go's
    // `note.Open` reads it).
    let i = note.rfind("\n\n").ok_or_else(|| {
        Error::invalid(
            field,
            "a signed note has a blank line before its signatures",
        )
    })?;
    let (text, sigs) = (&note[..=i], &note[i + 2..]);
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(Error::invalid(
            field,
            "a signed note ends with a signature line and a newline",
        ));
    }
    Ok((text, sigs))
}

/// The `tlog-checkpoint` body for a tree.
pub(crate) fn checkpoint_body(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", B64.encode(root))
}

/// Signs a checkpoint body.
pub(crate) fn sign_checkpoint(key: &SigningKey, origin: &str, size: u64, root: &Hash) -> String {
    key.sign_note(&checkpoint_body(origin, size, root))
}

/// The origin, size and root of a `tlog-checkpoint` body (extension lines are allowed and
/// ignored).
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` for a body that is not a checkpoint.
pub(crate) fn parse_checkpoint_body(field: &str, text: &str) -> Result<(String, u64, Hash)> {
    let mut lines = text.lines();
    let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
        return Err(Error::invalid(
            field,
            "a checkpoint has an origin, a size and a root line",
        ));
    };
    if origin.is_empty() {
        return Err(Error::invalid(field, "the checkpoint's origin is empty"));
    }
    let size_ok = !size.is_empty()
        && size.bytes().all(|b| b.is_ascii_digit())
        && (size == "0" || !size.starts_with('0'));
    let size: u64 = size_ok
        .then(|| size.parse().ok())
        .flatten()
        .ok_or_else(|| Error::invalid(field, "the checkpoint's size is not a decimal number"))?;
    let root: Hash = B64
        .decode(root)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::invalid(field, "the checkpoint's root is not 32 bytes of base64"))?;
    Ok((origin.to_owned(), size, root))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn key() -> SigningKey {
        SigningKey {
            name: "juno.example/audit".into(),
            key: ed25519_dalek::SigningKey::from_bytes(&[7; 32]),
        }
    }

    #[test]
    fn keys_round_trip_through_their_text() {
        let k = key();
        let again = SigningKey::parse("key", &k.to_secret_text()).unwrap();
        assert_eq!(again.verifier_key(), k.verifier_key());
        let v = VerifierKey::parse("vkey", &k.verifier_key()).unwrap();
        assert_eq!(v.name(), "juno.example/audit");
        assert!(!format!("{k:?}").contains(&k.to_secret_text()));
        // A key ID that does not match the key is refused.
        let text = k.verifier_key();
        let wrong = text.replacen(&k.key_id(), "00000000", 1);
        assert!(VerifierKey::parse("vkey", &wrong).is_err());
        for bad in ["", "a+b", "PRIVATE+KEY+x", "x y+00000000+AQ=="] {
            assert!(VerifierKey::parse("vkey", bad).is_err(), "{bad}");
            assert!(SigningKey::parse("key", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_signed_checkpoint_opens_and_a_tampered_one_does_not() {
        let k = key();
        let v = VerifierKey::parse("vkey", &k.verifier_key()).unwrap();
        let root = sha256(b"root");
        let note = sign_checkpoint(&k, "juno.example/audit", 42, &root);
        let text = v.open("note", &note).unwrap();
        assert_eq!(
            parse_checkpoint_body("note", text).unwrap(),
            ("juno.example/audit".to_owned(), 42, root)
        );
        let tampered = note.replacen("\n42\n", "\n43\n", 1);
        assert!(v.open("note", &tampered).is_err());
        let other = SigningKey {
            name: k.name.clone(),
            key: ed25519_dalek::SigningKey::from_bytes(&[8; 32]),
        };
        let v2 = VerifierKey::parse("vkey", &other.verifier_key()).unwrap();
        assert!(
            v2.open("note", &note).is_err(),
            "another key of the same name"
        );
    }

    #[test]
    fn checkpoint_bodies_are_strict() {
        let root = B64.encode([0u8; 32]);
        for bad in [
            String::new(),
            format!("o\n01\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            "o\n1\nAAAA\n".to_owned(),
            format!("\n1\n{root}\n"),
        ] {
            assert!(parse_checkpoint_body("c", &bad).is_err(), "{bad:?}");
        }
        assert!(parse_checkpoint_body("c", &format!("o\n0\n{root}\next\n")).is_ok());
    }
}
