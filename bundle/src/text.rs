//! Text rules: safe ids, which name files, and free-text fields (bundle.md §5.1). A remark is
//! short, plain, printable text. The bound keeps a free-text field from carrying what must stay
//! secret (a sealed log or a salt pasted in) and from hiding text from the reader (control,
//! bidirectional-override or private-use characters).

/// Most Unicode scalar values in a remark.
pub const REMARK_MAX_CHARS: usize = 500;
/// Longest word (run of characters without white space) in a remark.
pub const WORD_MAX_CHARS: usize = 40;
/// Shortest word that is refused when it is letters and digits of an encoding alphabet
/// (hex, base64, base64url) mixed, as an encoded key, salt or log is.
pub const ENCODED_WORD_CHARS: usize = 20;

/// Why a remark breaks the rule; never quotes the remark (it may hold what must stay secret).
pub fn remark_problem(text: &str) -> Option<String> {
    let n = text.chars().count();
    if n == 0 {
        return Some("an empty remark (write none instead)".into());
    }
    if n > REMARK_MAX_CHARS {
        return Some(format!(
            "{n} characters, more than the {REMARK_MAX_CHARS} a remark may have"
        ));
    }
    if let Some((i, c)) = text.chars().enumerate().find(|(_, c)| forbidden(*c)) {
        return Some(format!(
            "character {} is U+{:04X}, which a remark may not contain (control, format-override, private-use, replacement or non-character)",
            i + 1,
            u32::from(c)
        ));
    }
    for word in text.split(|c: char| c.is_whitespace()) {
        let len = word.chars().count();
        if len > WORD_MAX_CHARS {
            return Some(format!(
                "a word of {len} characters without a space, longer than {WORD_MAX_CHARS}: pasted data, not a remark"
            ));
        }
        if len >= ENCODED_WORD_CHARS && looks_encoded(word) {
            return Some(format!(
                "a word of {len} letters and digits of an encoding alphabet (hex or base64): pasted data, not a remark"
            ));
        }
    }
    None
}

/// Characters refused wherever they appear: controls other than tab and line feed, the
/// replacement character and byte-order mark, bidirectional embeddings, overrides and isolates,
/// private-use and tag characters, non-characters.
fn forbidden(c: char) -> bool {
    let u = u32::from(c);
    (c.is_control() && !matches!(c, '\t' | '\n'))
        || c == '\u{FFFD}'
        || c == '\u{FEFF}'
        || (0x202A..=0x202E).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || (0xE000..=0xF8FF).contains(&u)
        || (0xF0000..=0x10FFFF).contains(&u)
        || (0xE0000..=0xE007F).contains(&u)
        || (0xFDD0..=0xFDEF).contains(&u)
        || (u & 0xFFFE) == 0xFFFE
}

fn looks_encoded(word: &str) -> bool {
    let alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_');
    word.chars().all(alphabet)
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_alphabetic())
}

/// Ids and file names are `[A-Za-z0-9._-]`, 1 to 64 characters, not starting with a dot.
pub fn is_safe_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::remark_problem;

    #[test]
    fn real_remarks_pass() {
        for ok in [
            "CU 2134567 replaced at 11:40 after an error; mock-poll votes cleared",
            "मतदान केंद्र पर 2 मत 49MA के तहत परीक्षण",
            "મૉક પોલ પછી CRC કર્યું નથી; 50 મત દૂર કર્યા",
            "ZWJ in Malayalam: ന്‍ and a ZWNJ: क्‌ष",
            "Seal no. EDB1234 used; BU replaced",
        ] {
            assert_eq!(remark_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn pasted_data_and_hidden_text_fail() {
        let salt = "9f".repeat(32);
        for bad in [
            String::new(),
            "x ".repeat(260),
            format!("salt {salt}"),
            format!("{} {} {}", &salt[..22], &salt[22..44], &salt[44..]),
            "a4ZsQmVyaWZpYWJsZS1lbGVjdGlvbnM=".into(),
            "tab\tis fine but bell \u{7} is not".into(),
            "right-to-left \u{202E}override".into(),
            "private \u{E000} use".into(),
        ] {
            assert!(remark_problem(&bad).is_some(), "{bad:?}");
        }
        assert!(remark_problem("tab\tand newline\nare spaces").is_none());
    }
}
