//! Identifier-aware tokenisation shared by the lexical index, the hashed embedder and
//! confidence scoring.
//!
//! Code names a thing in many spellings: `parseArgs`, `parse_args`, `ParseArgs` and the
//! words "parse args". All of them must meet, so identifiers are split at underscores and
//! case changes into lower-case sub-tokens, lightly stemmed. An identifier of several parts
//! also yields its compound (`parseargs`), which lets an exact name outrank a loose match;
//! questions add the compound of each adjacent word pair for the same reason.

/// Words too common in code or questions to carry meaning.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "all",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "by",
    "can",
    "cannot",
    "could",
    "do",
    "does",
    "done",
    "for",
    "from",
    "get",
    "had",
    "has",
    "have",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "me",
    "my",
    "no",
    "not",
    "of",
    "on",
    "or",
    "our",
    "should",
    "so",
    "some",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "defined",
    "define",
    "implemented",
    "implement",
    "located",
    "find",
    "happen",
    "happens",
    "work",
    "works",
    "code",
    "handle",
    "handled",
    "let",
    "fn",
    "def",
    "self",
    "pub",
    "return",
    "var",
    "const",
    "func",
    "function",
    "none",
    "null",
    "true",
    "false",
    "mut",
    "use",
    "import",
    "end",
    "else",
    "elif",
];

pub(crate) fn is_stop_word(word: &str) -> bool {
    STOP_WORD_SET.contains(word)
}

/// A set of short words, looked up by a hash of their length and a few bytes instead of a
/// scan: the tokenizer asks about every identifier part, twice. Built at compile time from
/// the word lists, which stay the single source of truth.
struct WordSet<const SLOTS: usize> {
    words: &'static [&'static str],
    /// Index + 1 into `words`; 0 is empty. Open addressing, linear probing.
    slots: [u8; SLOTS],
    longest: usize,
}

impl<const SLOTS: usize> WordSet<SLOTS> {
    const fn new(words: &'static [&'static str]) -> Self {
        assert!(SLOTS.is_power_of_two() && words.len() < SLOTS && words.len() < 255);
        let mut slots = [0u8; SLOTS];
        let mut longest = 0;
        let mut w = 0;
        while w < words.len() {
            let bytes = words[w].as_bytes();
            assert!(!bytes.is_empty());
            if bytes.len() > longest {
                longest = bytes.len();
            }
            let mut at = word_hash(bytes) & (SLOTS - 1);
            while slots[at] != 0 {
                at = (at + 1) & (SLOTS - 1);
            }
            slots[at] = (w + 1) as u8;
            w += 1;
        }
        WordSet {
            words,
            slots,
            longest,
        }
    }

    /// The index of `word` in the list it was built from.
    #[inline]
    fn find(&self, word: &str) -> Option<usize> {
        let bytes = word.as_bytes();
        if bytes.is_empty() || bytes.len() > self.longest {
            return None;
        }
        let mut at = word_hash(bytes) & (SLOTS - 1);
        loop {
            let slot = self.slots[at] as usize;
            if slot == 0 {
                return None;
            }
            if self.words[slot - 1] == word {
                return Some(slot - 1);
            }
            at = (at + 1) & (SLOTS - 1);
        }
    }

    #[inline]
    fn contains(&self, word: &str) -> bool {
        self.find(word).is_some()
    }
}

/// A hash of a non-empty word's length and its first, middle and last bytes.
#[inline]
const fn word_hash(bytes: &[u8]) -> usize {
    let n = bytes.len();
    let key = (n as u32)
        | (bytes[0] as u32) << 8
        | (bytes[n / 2] as u32) << 16
        | (bytes[n - 1] as u32) << 24;
    (key.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

static STOP_WORD_SET: WordSet<256> = WordSet::new(STOP_WORDS);

/// Reduce a lower-case word to a crude stem so that "caches", "cached" and "caching" meet.
/// Consistency between documents and questions matters more than linguistics here.
pub fn stem(word: &str) -> &str {
    let n = word.len();
    if n <= 3 || !word.is_ascii() {
        return word;
    }
    let strip = |suffix: &str, min_rest: usize| -> Option<usize> {
        (word.ends_with(suffix) && n - suffix.len() >= min_rest).then(|| n - suffix.len())
    };
    let cut = strip("ies", 3)
        .map(|k| k + 1) // "entries" -> "entri"
        .or_else(|| strip("sses", 2).map(|k| k + 2))
        .or_else(|| strip("ing", 3))
        .or_else(|| strip("ed", 3))
        .or_else(|| {
            if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
                None
            } else {
                strip("es", 3)
                    .filter(|_| {
                        let b = word.as_bytes();
                        matches!(b[n - 3], b's' | b'x' | b'z' | b'h')
                    })
                    .or_else(|| strip("s", 3))
            }
        })
        .unwrap_or(n);
    let mut stem = &word[..cut];
    // "cache" and "cach(ing)" meet; "entri(es)" and "entry" meet.
    if stem.len() > 3 && (stem.ends_with('e') || stem.ends_with('y') || stem.ends_with('i')) {
        stem = &stem[..stem.len() - 1];
    }
    stem
}

/// Calls `emit` with every token of `text`, in order. Tokens are lower-case stems of
/// identifier parts, plus compounds of multi-part identifiers. Stop words, single letters
/// and pure numbers are dropped.
pub fn for_each_token(text: &str, mut emit: impl FnMut(&str)) {
    let mut scratch = Scratch {
        lower: String::with_capacity(64),
        compound: String::new(),
    };
    for_each_identifier(text, |ident, ascii| {
        if ascii {
            ascii_identifier_tokens(ident, &mut scratch, &mut emit);
        } else {
            unicode_identifier_tokens(ident, &mut scratch, &mut emit);
        }
    });
}

/// Buffers reused across the identifiers of one text.
struct Scratch {
    /// The identifier (ASCII) or the current part (Unicode), lower-cased.
    lower: String,
    compound: String,
}

/// Tokens of an identifier made only of ASCII letters, digits and underscores: split and
/// lower-cased byte by byte, the way `unicode_identifier_tokens` does it char by char.
fn ascii_identifier_tokens(ident: &str, scratch: &mut Scratch, emit: &mut impl FnMut(&str)) {
    let bytes = ident.as_bytes();
    let lower = &mut scratch.lower;
    lower.clear();
    lower.push_str(ident);
    lower.make_ascii_lowercase();
    let mut parts = 0usize;
    let mut underscores = 0usize;
    let mut start: Option<usize> = None;
    for (k, &b) in bytes.iter().enumerate() {
        let class = CLASS[b as usize];
        if class == UNDERSCORE {
            underscores += 1;
            if let Some(s) = start.take() {
                parts += 1;
                emit_word(&lower[s..k], emit);
            }
            continue;
        }
        match start {
            Some(s) => {
                // Within a part the previous byte is never an underscore.
                let prev = CLASS[bytes[k - 1] as usize];
                let lower_to_upper = prev == LOWER && class == UPPER;
                let acronym_end = prev == UPPER
                    && class == UPPER
                    && bytes
                        .get(k + 1)
                        .is_some_and(|&next| CLASS[next as usize] == LOWER);
                if lower_to_upper || acronym_end {
                    parts += 1;
                    emit_word(&lower[s..k], emit);
                    start = Some(k);
                }
            }
            None => start = Some(k),
        }
    }
    if let Some(s) = start {
        parts += 1;
        emit_word(&lower[s..], emit);
    }
    // The compound is the parts joined: the identifier without its underscores.
    if parts > 1 && bytes.len() - underscores <= 64 {
        if underscores == 0 {
            emit(lower);
        } else {
            let compound = &mut scratch.compound;
            compound.clear();
            compound.extend(lower.split('_'));
            emit(compound);
        }
    }
}

/// Tokens of an identifier with non-ASCII letters or digits.
fn unicode_identifier_tokens(ident: &str, scratch: &mut Scratch, emit: &mut impl FnMut(&str)) {
    let Scratch {
        lower: part,
        compound,
    } = scratch;
    compound.clear();
    let mut parts = 0;
    for_each_part(ident, |p| {
        part.clear();
        for c in p.chars() {
            if c.is_ascii() {
                part.push(c.to_ascii_lowercase());
            } else {
                part.extend(c.to_lowercase());
            }
        }
        compound.push_str(part);
        parts += 1;
        emit_word(part, emit);
    });
    if parts > 1 && compound.len() <= 64 {
        emit(compound);
    }
}

/// Byte classes for ASCII fast paths.
const OTHER: u8 = 0;
const LOWER: u8 = 1;
const UPPER: u8 = 2;
const DIGIT: u8 = 3;
const UNDERSCORE: u8 = 4;
/// Part of a multi-byte character: decode it to classify it.
const NON_ASCII: u8 = 5;

static CLASS: [u8; 256] = {
    let mut class = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        class[b] = match b as u8 {
            b'a'..=b'z' => LOWER,
            b'A'..=b'Z' => UPPER,
            b'0'..=b'9' => DIGIT,
            b'_' => UNDERSCORE,
            0x80.. => NON_ASCII,
            _ => OTHER,
        };
        b += 1;
    }
    class
};

/// Tokens of a question: the document tokens plus the compound of each adjacent pair of
/// words, so "parse args" also looks for `parseArgs`. Duplicates removed, order kept.
pub fn question_tokens(question: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    // A set beside the list keeps the cost linear in the question's length.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut push = |t: &str, tokens: &mut Vec<String>| {
        if !seen.contains(t) {
            seen.insert(t.to_string());
            tokens.push(t.to_string());
        }
    };
    for_each_token(question, |t| push(t, &mut tokens));
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('_', ""))
        .filter(|w| !is_stop_word(w))
        .collect();
    for pair in words.windows(2) {
        let joined = format!("{}{}", pair[0], pair[1]);
        if joined.len() <= 64 && pair.iter().all(|w| w.len() > 1) {
            push(&joined, &mut tokens);
        }
    }
    tokens
}

/// Words programmers use for the same idea, by stem. A question's word also looks for its
/// relatives, at reduced weight (see `expansions`): "evict" finds `remove_oldest`.
const RELATED: &[&[&str]] = &[
    &["remov", "delet", "drop", "evict", "purg", "discard", "eras"],
    &["retry", "attempt", "tri", "backoff"],
    &["wait", "delay", "sleep", "backoff", "paus"],
    &["fail", "error", "failur", "except", "panic"],
    &["stop", "shutdown", "clos", "halt", "terminat", "cancel"],
    &["start", "begin", "launch", "spawn", "run"],
    &["fetch", "load", "read", "retriev", "get"],
    &["sav", "stor", "writ", "persist", "put"],
    &["creat", "mak", "new", "build", "construct"],
    &["find", "search", "lookup", "queri", "match"],
    &["timeout", "deadlin", "expir", "ttl"],
    &["config", "setting", "option", "prefer"],
    &["auth", "login", "credential", "token", "key"],
    &["pars", "decod", "deseri", "read"],
    &["render", "display", "show", "draw", "format"],
    &["valid", "check", "verifi", "ensur", "assert"],
    &["send", "emit", "publish", "notifi", "dispatch"],
    &["cach", "memo", "lru"],
    &["count", "number", "total", "tally"],
];

/// Weight of a related word relative to the word the question used.
pub const RELATED_WEIGHT: f32 = 0.35;

/// The relatives of the question's tokens that the question does not already contain.
pub fn expansions(tokens: &[String]) -> Vec<String> {
    let asked: std::collections::HashSet<&str> = tokens.iter().map(String::as_str).collect();
    let mut out: Vec<String> = Vec::new();
    // Each group is added once, so the output is bounded by the table, whatever the input.
    let mut groups_added = [false; RELATED.len()];
    for t in tokens {
        for (g, group) in RELATED.iter().enumerate() {
            if groups_added[g] || !group.contains(&t.as_str()) {
                continue;
            }
            groups_added[g] = true;
            for w in group.iter() {
                if !asked.contains(w) && !out.iter().any(|x| x == w) {
                    out.push(w.to_string());
                }
            }
        }
    }
    out
}

/// The compound form of a symbol name (`Config::load_file` -> `configloadfile`), the way
/// `for_each_token` spells it, for exact-symbol boosts.
pub fn compound(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn emit_word(word: &str, emit: &mut impl FnMut(&str)) {
    if word.len() < 2 || word.bytes().all(|b| b.is_ascii_digit()) || is_stop_word(word) {
        return;
    }
    let stemmed = canonical(stem(word));
    if !is_stop_word(stemmed) {
        emit(stemmed);
    }
}

/// Code abbreviates what prose spells out: map both spellings (after stemming) to one
/// token, so "environment" meets `env` and "authenticated" meets `auth`.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("environment", "env"),
    ("authenticat", "auth"),
    ("authentication", "auth"),
    ("authoriz", "auth"),
    ("authorization", "auth"),
    ("configuration", "config"),
    ("configur", "config"),
    ("cfg", "config"),
    ("conf", "config"),
    ("argument", "arg"),
    ("directory", "dir"),
    ("directori", "dir"),
    ("databas", "db"),
    ("database", "db"),
    ("repository", "repo"),
    ("repositori", "repo"),
    ("initializ", "init"),
    ("initialis", "init"),
    ("initialization", "init"),
    ("messag", "msg"),
    ("parameter", "param"),
    ("err", "error"),
    ("errors", "error"),
    ("maximum", "max"),
    ("minimum", "min"),
    ("temporary", "tmp"),
    ("temp", "tmp"),
    ("document", "doc"),
    ("documentation", "doc"),
    ("specification", "spec"),
    ("calculat", "calc"),
    ("previou", "prev"),
    ("previous", "prev"),
    ("length", "len"),
    ("str", "string"),
    ("strs", "string"),
    ("fmt", "format"),
    ("ctx", "context"),
    ("req", "request"),
    ("res", "respons"),
    ("resp", "respons"),
    ("btn", "button"),
    ("img", "imag"),
    ("idx", "index"),
    ("num", "number"),
    ("cnt", "count"),
    ("src", "sourc"),
    ("dst", "destination"),
    ("dest", "destination"),
    ("pkg", "packag"),
    ("lib", "library"),
    ("util", "utility"),
    ("utiliti", "utility"),
];

fn canonical(stemmed: &str) -> &str {
    ABBREVIATION_SET
        .find(stemmed)
        .map_or(stemmed, |at| ABBREVIATIONS[at].1)
}

/// The long spellings of `ABBREVIATIONS`, in the same order.
const ABBREVIATED: [&str; ABBREVIATIONS.len()] = {
    let mut out = [""; ABBREVIATIONS.len()];
    let mut at = 0;
    while at < out.len() {
        out[at] = ABBREVIATIONS[at].0;
        at += 1;
    }
    out
};

static ABBREVIATION_SET: WordSet<128> = WordSet::new(&ABBREVIATED);

/// `char::is_alphanumeric`, with the Basic Multilingual Plane answered from a bitmap:
/// text in other scripts (translations, comments) asks about every character, and the
/// standard library's table search costs far more than a bit test.
fn is_alphanumeric(c: char) -> bool {
    static BMP: std::sync::OnceLock<Box<[u64; 1024]>> = std::sync::OnceLock::new();
    let code = c as u32;
    if code >= 0x1_0000 {
        return c.is_alphanumeric();
    }
    let bits = BMP.get_or_init(|| {
        let mut bits = Box::new([0u64; 1024]);
        for code in 0..0x1_0000u32 {
            if char::from_u32(code).is_some_and(char::is_alphanumeric) {
                bits[(code / 64) as usize] |= 1 << (code % 64);
            }
        }
        bits
    });
    bits[(code / 64) as usize] & (1 << (code % 64)) != 0
}

/// Runs of letters, digits and underscores, each with whether it is all ASCII.
fn for_each_identifier(text: &str, mut f: impl FnMut(&str, bool)) {
    let bytes = text.as_bytes();
    // The word character at `at` and its length in bytes, if there is one.
    let word_char_len = |at: usize| -> Option<usize> {
        match CLASS[bytes[at] as usize] {
            OTHER => None,
            NON_ASCII => {
                let c = text[at..].chars().next()?;
                is_alphanumeric(c).then(|| c.len_utf8())
            }
            _ => Some(1),
        }
    };
    let mut at = 0;
    while at < bytes.len() {
        let Some(len) = word_char_len(at) else {
            at += if bytes[at] < 0x80 {
                1
            } else {
                text[at..].chars().next().map_or(1, char::len_utf8)
            };
            continue;
        };
        let start = at;
        let mut ascii = len == 1;
        at += len;
        while at < bytes.len() {
            match CLASS[bytes[at] as usize] {
                OTHER => break,
                NON_ASCII => match word_char_len(at) {
                    Some(len) => {
                        ascii = false;
                        at += len;
                    }
                    None => break,
                },
                _ => at += 1,
            }
        }
        f(&text[start..at], ascii);
    }
}

/// Splits an identifier at underscores and case changes: `parseHTTPRequest2` ->
/// `parse`, `HTTP`, `Request2`.
fn for_each_part(ident: &str, mut f: impl FnMut(&str)) {
    let mut start: Option<usize> = None;
    // Within a part the previous character is never an underscore.
    let mut prev = '_';
    let mut chars = ident.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '_' {
            if let Some(s) = start.take() {
                f(&ident[s..i]);
            }
        } else if let Some(s) = start {
            let lower_to_upper = prev.is_lowercase() && c.is_uppercase();
            let acronym_end = prev.is_uppercase()
                && c.is_uppercase()
                && chars.peek().is_some_and(|&(_, next)| next.is_lowercase());
            if lower_to_upper || acronym_end {
                f(&ident[s..i]);
                start = Some(i);
            }
        } else {
            start = Some(i);
        }
        prev = c;
    }
    if let Some(s) = start {
        f(&ident[s..]);
    }
}

/// The tokenizer as it was before its fast paths, kept verbatim as the reference the
/// optimised one must agree with token for token.
#[cfg(test)]
mod reference {
    use super::{stem, ABBREVIATIONS, STOP_WORDS};

    fn is_stop_word(word: &str) -> bool {
        STOP_WORDS.contains(&word)
    }

    pub fn for_each_token(text: &str, mut emit: impl FnMut(&str)) {
        let mut part = String::with_capacity(32);
        let mut compound = String::with_capacity(64);
        for_each_identifier(text, |ident| {
            compound.clear();
            let mut parts = 0;
            for_each_part(ident, |p| {
                part.clear();
                part.extend(p.chars().flat_map(char::to_lowercase));
                compound.push_str(&part);
                parts += 1;
                emit_word(&part, &mut emit);
            });
            if parts > 1 && compound.len() <= 64 {
                emit(&compound);
            }
        });
    }

    pub fn question_tokens(question: &str) -> Vec<String> {
        let mut tokens: Vec<String> = Vec::new();
        let push = |t: &str, tokens: &mut Vec<String>| {
            if !tokens.iter().any(|x| x == t) {
                tokens.push(t.to_string());
            }
        };
        for_each_token(question, |t| push(t, &mut tokens));
        let words: Vec<String> = question
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase().replace('_', ""))
            .filter(|w| !is_stop_word(w))
            .collect();
        for pair in words.windows(2) {
            let joined = format!("{}{}", pair[0], pair[1]);
            if joined.len() <= 64 && pair.iter().all(|w| w.len() > 1) {
                push(&joined, &mut tokens);
            }
        }
        tokens
    }

    fn emit_word(word: &str, emit: &mut impl FnMut(&str)) {
        if word.len() < 2 || word.bytes().all(|b| b.is_ascii_digit()) || is_stop_word(word) {
            return;
        }
        let stemmed = canonical(stem(word));
        if !is_stop_word(stemmed) {
            emit(stemmed);
        }
    }

    fn canonical(stemmed: &str) -> &str {
        ABBREVIATIONS
            .iter()
            .find(|(long, _)| *long == stemmed)
            .map_or(stemmed, |(_, short)| short)
    }

    fn for_each_identifier(text: &str, mut f: impl FnMut(&str)) {
        let mut start = None;
        for (i, c) in text.char_indices() {
            let word_char = c.is_alphanumeric() || c == '_';
            match (word_char, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    f(&text[s..i]);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            f(&text[s..]);
        }
    }

    fn for_each_part(ident: &str, mut f: impl FnMut(&str)) {
        let chars: Vec<(usize, char)> = ident.char_indices().collect();
        let mut start: Option<usize> = None;
        for (k, &(i, c)) in chars.iter().enumerate() {
            if c == '_' {
                if let Some(s) = start.take() {
                    f(&ident[s..i]);
                }
                continue;
            }
            if let Some(s) = start {
                let prev = chars[k - 1].1;
                let next = chars.get(k + 1).map(|&(_, n)| n);
                let lower_to_upper = prev.is_lowercase() && c.is_uppercase();
                let acronym_end = prev.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(|n| n.is_lowercase());
                if lower_to_upper || acronym_end {
                    f(&ident[s..i]);
                    start = Some(i);
                }
            } else {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            f(&ident[s..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_token(text, |t| out.push(t.to_string()));
        out
    }

    fn reference_tokens(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        reference::for_each_token(text, |t| out.push(t.to_string()));
        out
    }

    /// Texts that exercise every branch of the tokenizer: ASCII and Unicode identifiers,
    /// every case convention, digits, stop words, abbreviations, punctuation and
    /// identifiers longer than the compound limit.
    fn varied_corpus() -> Vec<String> {
        let mut corpus: Vec<String> = [
            "",
            " ",
            "_",
            "__",
            "a",
            "ab",
            "42",
            "x1",
            "parseArgs parse_args ParseArgs PARSE_ARGS parse-args parse.args",
            "parseHTTPRequest2 HTTPServer getHTTPResponseCode XMLHttpRequest IOError",
            "utf8_decode utf8Decode UTF8Decode base64 sha256sum v2 2fa i18n l10n",
            "MAX_RETRY_COUNT __init__ __dict__ _private __all__ self.__class__.__name__",
            "SCREAMING_SNAKE_CASE camelCaseIdentifier PascalCaseIdentifier kebab-case-name",
            "ABC ABCd ABCdef aB aBC aBCd AbC A_B a_b A1B2 a1b2 AB1cd ab1CD _a_ __a__b__",
            "The cache evicts entries when they are stale; caching is done by the LRU.",
            "environment authentication authorization configuration arguments directories",
            "databases repositories initialization messages parameters errors maximum",
            "temporary documents specifications calculating previous lengths strings",
            "fmt ctx req res resp btn img idx num cnt src dst dest pkg lib util utilities",
            "err errs cfg conf str strs env auth repo db dir msg param arg args init",
            "Grüße größe GRÜSSE café naïveTokenizer Straße ÆsirVanir ǅungla ǈubljana İstanbul",
            "ΣΊΣΥΦΟΣ σίσυφος ὈΔΥΣΣΕΎΣ Привет мир ПриветМир привет_мир",
            "日本語 中文字符 한국어 日本語Text textの中 カタカナ",
            "emoji 🎉 party🎉time rocket🚀launch 👍🏽 a\u{200d}b",
            "٣٤٥ ١٢abc Ⅻ ⅻ ² ³ ½ x² ①②",
            "e\u{301}cole combining\u{308}marks \u{200b}zero\u{200b}width",
            "!@#$%^&*()[]{}<>?/\\|`~'\";:,.+=-",
            "fn main() { let x = foo::bar(baz, qux)?; return x; }",
            "def get_user(self, user_id: int) -> Optional[User]:\n    return None",
            "const fooBar = async () => { await fetchJSONData(); };",
            "\t\r\n\u{a0}\u{3000}mixed\u{a0}spaces\u{3000}here",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        corpus.extend(STOP_WORDS.iter().map(|w| w.to_string()));
        corpus.push(STOP_WORDS.join(" "));
        corpus.push(STOP_WORDS.join("_"));
        corpus.push(
            STOP_WORDS
                .iter()
                .map(|w| w.to_uppercase())
                .collect::<Vec<_>>()
                .join(" "),
        );
        for (long, short) in ABBREVIATIONS {
            corpus.push(format!(
                "{long} {short} {long}s {long}ed {long}ing {short}_{long}"
            ));
        }
        for word in ["remove", "entries", "boxes", "classes"] {
            corpus.push(format!("{word} {} {}", word.to_uppercase(), word.len()));
        }
        // Long identifiers around the 64-byte compound limit, in both alphabets.
        for n in [30, 31, 32, 33, 60, 63, 64, 65, 100, 1000] {
            corpus.push(format!("{}_{}", "a".repeat(n / 2), "b".repeat(n - n / 2)));
            corpus.push(format!("{}{}", "a".repeat(n / 2), "B".repeat(n - n / 2)));
            corpus.push(format!("partOne{}", "x".repeat(n)));
            corpus.push(format!("{}Ü{}", "a".repeat(n), "b".repeat(n)));
            corpus.push("getValue".repeat(n / 8 + 1));
            corpus.push("ß".repeat(n));
        }
        // Pseudo-random strings over an alphabet that mixes every character class.
        let alphabet: Vec<char> = "aAbBzZeEsSiIxX019_ _-.:()/\nßÜüİıΣσς日本🎉\u{301}٣Ⅻǅ"
            .chars()
            .collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..4000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            let mut s = String::new();
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            corpus.push(s);
        }
        // Real code and prose.
        corpus.push(include_str!("text.rs").to_string());
        corpus.push(include_str!("index.rs").to_string());
        corpus.push(include_str!("chunk/syntax.rs").to_string());
        corpus.push(include_str!("../../../README.md").to_string());
        corpus
    }

    #[test]
    fn tokens_match_the_reference_tokenizer() {
        for text in varied_corpus() {
            assert_eq!(
                tokens(&text),
                reference_tokens(&text),
                "for_each_token({text:?})"
            );
            assert_eq!(
                question_tokens(&text),
                reference::question_tokens(&text),
                "question_tokens({text:?})"
            );
        }
    }

    #[test]
    fn alphanumeric_bitmap_matches_the_standard_library() {
        for code in (0..0x11_0000u32).step_by(7).chain(0..0x1_0000) {
            if let Some(c) = char::from_u32(code) {
                assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{code:#x}");
            }
        }
    }

    #[test]
    fn stop_words_and_abbreviations_are_all_found() {
        for word in STOP_WORDS {
            assert!(is_stop_word(word), "{word}");
            assert!(!is_stop_word(&format!("{word}x")), "{word}x");
        }
        for (long, short) in ABBREVIATIONS {
            assert_eq!(canonical(long), *short);
        }
        for word in ["", "x", "cache", "implementation", "the_", "THE"] {
            assert!(!is_stop_word(word), "{word}");
            assert_eq!(canonical(word), word);
        }
    }

    #[test]
    fn spellings_of_one_name_meet() {
        let camel = tokens("parseArgs");
        let snake = tokens("parse_args");
        let pascal = tokens("ParseArgs");
        assert_eq!(camel, vec!["pars", "arg", "parseargs"]);
        assert_eq!(camel, snake);
        assert_eq!(camel, pascal);
        let q = question_tokens("where do we parse args?");
        for t in &camel {
            assert!(q.contains(t), "{t} missing from {q:?}");
        }
    }

    #[test]
    fn acronyms_and_digits_split_sensibly() {
        assert_eq!(
            tokens("parseHTTPRequest"),
            vec!["pars", "http", "request", "parsehttprequest"]
        );
        assert_eq!(tokens("utf8_decode"), vec!["utf8", "decod", "utf8decode"]);
        assert_eq!(tokens("__init__"), vec!["init"]);
    }

    #[test]
    fn stop_words_numbers_and_single_letters_drop() {
        assert_eq!(tokens("the x of 42 is a cache"), vec!["cach"]);
    }

    #[test]
    fn stems_meet_across_inflections() {
        for (a, b) in [
            ("caches", "caching"),
            ("cached", "cache"),
            ("entries", "entry"),
            ("evicts", "evicted"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} vs {b}");
        }
        assert_eq!(stem("class"), "class");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("boxes"), "box");
    }

    #[test]
    fn unicode_text_does_not_panic_and_keeps_words() {
        let t = tokens("größe café 日本語 naïveTokenizer 🎉");
        assert!(t.contains(&"größe".to_string()));
        assert!(t.contains(&"tokenizer".to_string()));
    }

    #[test]
    fn prose_and_abbreviations_meet() {
        for (prose, code) in [
            ("environment variables", "envVars"),
            ("authenticated", "auth"),
            ("configuration", "cfg"),
            ("arguments", "args"),
        ] {
            let (p, c) = (tokens(prose), tokens(code));
            assert!(
                p.iter().any(|t| c.contains(t)),
                "{prose} {p:?} vs {code} {c:?}"
            );
        }
    }

    #[test]
    fn compound_matches_token_compound() {
        assert_eq!(compound("Config::load_file"), "configloadfile");
        assert!(tokens("load_file").contains(&compound("loadFile")));
    }
}
