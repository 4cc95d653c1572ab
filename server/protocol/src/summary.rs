//! The short text that leads every answer: how many places were found, the best one with its
//! lines and citation, and the next two. Below the engine's calibrated confidence threshold
//! (`NO_GOOD_MATCH`) the first place is more likely wrong than right, so the summary says
//! plainly that nothing matched well and offers the places as the closest, not as answers.

use crate::ResultItem;
use ail_engine::confidence::NO_GOOD_MATCH;

/// How the summary's line naming the second and third places begins (a front end that
/// shows every place may drop that line).
pub const SUMMARY_ALSO: &str = "Also: ";

/// Where the places came from, when an answer spans several workspace folders.
pub struct Across<'a> {
    pub folders: usize,
    /// The folder of the first place.
    pub top_folder: &'a str,
}

/// The summary of an answer to `question` with `results` (best first) at `confidence`.
pub fn summarize(
    question: &str,
    results: &[ResultItem],
    confidence: f32,
    across: Option<Across>,
) -> String {
    let Some(top) = results.first() else {
        let scope = match across {
            Some(a) => format!("the {} workspace folders", a.folders),
            None => "the workspace".to_string(),
        };
        return format!("Nothing in {scope} matches \u{201c}{question}\u{201d}. Try other words, or a name that appears in the code.");
    };
    let name = |r: &ResultItem| match &r.symbol {
        Some(s) => format!("`{s}` ({}) in `{}`", r.kind, r.path),
        None => format!("`{}`", r.path),
    };
    let plural = if results.len() == 1 { "" } else { "s" };
    let (folders, top_folder) = match &across {
        Some(a) => (
            format!(" across {} folders", a.folders),
            format!(" in {}", a.top_folder),
        ),
        None => (String::new(), String::new()),
    };
    let lead = if confidence < NO_GOOD_MATCH {
        format!(
            "**No good match** for \u{201c}{question}\u{201d}{folders}; the place{plural} below may be unrelated. Closest: {}{top_folder}",
            name(top)
        )
    } else {
        format!(
            "**{} place{plural}** for \u{201c}{question}\u{201d}{folders}. Best match: {}{top_folder}",
            results.len(),
            name(top)
        )
    };
    let (start, end) = (top.range.start.line, top.range.end.line);
    let mut s = format!(
        "{lead}, lines {}\u{2013}{} [{}].",
        start + 1,
        end.max(start + 1),
        top.citation
    );
    let others: Vec<String> = results
        .iter()
        .skip(1)
        .take(2)
        .map(|r| format!("{} [{}]", name(r), r.citation))
        .collect();
    if !others.is_empty() {
        s.push_str(&format!("\n{SUMMARY_ALSO}{}.", others.join("; ")));
    }
    s
}
