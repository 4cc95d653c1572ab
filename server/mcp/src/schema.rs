//! The JSON Schemas of the tools' inputs and outputs. Outputs follow the `ail/context` and
//! `ail/status` objects of docs/protocol.md field for field (the end-to-end tests validate
//! every structured answer against them).

use ail_engine::answer::MAX_LIMIT;
use ail_engine::engine::{MAX_BLAME_LINES, MAX_HISTORY_COMMITS};
use ail_protocol::budget::{MAX_MAX_TOKENS, MIN_MAX_TOKENS};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The token budget of a `context` answer when the call gives none.
pub const DEFAULT_MAX_TOKENS: usize = 4000;
/// Commits a `history` answer lists when the call does not say.
pub const DEFAULT_HISTORY_COMMITS: usize = 20;

pub fn object(v: Value) -> Arc<Map<String, Value>> {
    Arc::new(match v {
        Value::Object(map) => map,
        _ => Map::new(),
    })
}

pub fn context_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "question": {
                "type": "string", "minLength": 1,
                "description": "What you want to find or understand, in plain words or with identifiers, e.g. \"where are expired sessions cleaned up\" or \"parseArgs\"."
            },
            "file": {
                "type": "string",
                "description": "Optional: the file the question is about (relative to the workspace, or absolute inside it). Ranks places in and near it higher and adds its git history."
            },
            "line": {
                "type": "integer", "minimum": 1,
                "description": "Optional, with file: the 1-based line the question is about; adds the blame of the lines around it."
            },
            "limit": {
                "type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                "description": "Optional: at most this many places (default: as many as fit maxTokens)."
            },
            "maxTokens": {
                "type": "integer", "minimum": MIN_MAX_TOKENS, "maximum": MAX_MAX_TOKENS,
                "description": format!("Optional token budget of the answer text (default {DEFAULT_MAX_TOKENS}). Whole places are packed in rank order, then the best remaining one trimmed to the lines nearest the match.")
            }
        },
        "required": ["question"],
        "additionalProperties": false
    })
}

fn range() -> Value {
    let position = json!({
        "type": "object",
        "properties": {
            "line": {"type": "integer", "minimum": 0},
            "character": {"type": "integer", "minimum": 0}
        },
        "required": ["line", "character"]
    });
    json!({
        "type": "object",
        "description": "0-based lines, end exclusive (LSP style).",
        "properties": {"start": position, "end": position},
        "required": ["start", "end"]
    })
}

fn history() -> Value {
    json!({
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "commits": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "sha": {"type": "string"}, "author": {"type": "string"},
                    "date": {"type": "string"}, "summary": {"type": "string"}
                },
                "required": ["sha", "author", "date", "summary"]
            }},
            "authors": {"type": "array", "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "commits": {"type": "integer", "minimum": 0}},
                "required": ["name", "commits"]
            }},
            "totalCommits": {"type": "integer", "minimum": 0},
            "complete": {"type": "boolean"}
        },
        "required": ["path", "commits", "authors", "totalCommits", "complete"]
    })
}

fn blame() -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "range": range(),
                "sha": {"type": "string"}, "author": {"type": "string"},
                "date": {"type": "string"}, "summary": {"type": "string"},
                "committed": {"type": "boolean"}
            },
            "required": ["range", "sha", "author", "date", "summary"]
        }
    })
}

pub fn context_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "question": {"type": "string"},
            "summary": {"type": "string"},
            "results": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "uri": {"type": "string"},
                    "range": range(),
                    "score": {"type": "number", "minimum": 0, "maximum": 1},
                    "symbol": {"type": ["string", "null"]},
                    "kind": {"type": "string"},
                    "language": {"type": "string"},
                    "snippet": {"type": "string"},
                    "citation": {"type": "integer", "minimum": 1},
                    "trimmed": {"type": "boolean"}
                },
                "required": ["path", "uri", "range", "score", "symbol", "kind", "language", "snippet", "citation"]
            }},
            "citations": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "path": {"type": "string"},
                    "range": range(),
                    "label": {"type": "string"},
                    "url": {"type": "string"}
                },
                "required": ["id", "path", "range", "label", "url"]
            }},
            "history": {"anyOf": [{"type": "null"}, history()]},
            "blame": blame(),
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "cache": {"enum": ["miss", "exact", "semantic"]},
            "timingsMs": {"type": "object", "additionalProperties": {"type": "number"}},
            "index": {
                "type": "object",
                "properties": {
                    "state": {"enum": ["indexing", "ready"]},
                    "files": {"type": "integer", "minimum": 0},
                    "chunks": {"type": "integer", "minimum": 0},
                    "generation": {"type": "integer", "minimum": 0}
                },
                "required": ["state", "files", "chunks", "generation"]
            },
            "warnings": {"type": "array", "items": {"type": "string"}},
            "tokens": {"type": "integer", "minimum": 0},
            "omitted": {"type": "integer", "minimum": 0}
        },
        "required": ["question", "summary", "results", "citations", "history", "confidence", "cache", "timingsMs", "index", "tokens"]
    })
}

pub fn history_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "file": {
                "type": "string",
                "description": "The file (relative to the workspace, or absolute inside it)."
            },
            "startLine": {
                "type": "integer", "minimum": 1,
                "description": "Optional: first line (1-based) to blame. With endLine or alone (then that one line)."
            },
            "endLine": {
                "type": "integer", "minimum": 1,
                "description": format!("Optional: last line (1-based, inclusive) to blame; at most {MAX_BLAME_LINES} lines are blamed.")
            },
            "maxCommits": {
                "type": "integer", "minimum": 1, "maximum": MAX_HISTORY_COMMITS,
                "description": format!("Optional: how many recent commits to list (default {DEFAULT_HISTORY_COMMITS}).")
            }
        },
        "required": ["file"],
        "additionalProperties": false
    })
}

pub fn history_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "history": {"anyOf": [{"type": "null"}, history()]},
            "blame": {"anyOf": [{"type": "null"}, blame()]},
            "warnings": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["path", "history", "blame", "warnings"]
    })
}

pub fn empty_input() -> Value {
    json!({"type": "object", "properties": {}, "additionalProperties": false})
}

pub fn reindex_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "wait": {
                "type": "boolean",
                "description": "Optional: wait until the rebuild is complete (progress is reported when the call carries a progress token). Default false: return at once."
            }
        },
        "additionalProperties": false
    })
}

fn latency() -> Value {
    json!({
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "p50": {"type": "number"}, "p95": {"type": "number"}, "p99": {"type": "number"}
        },
        "required": ["count", "p50", "p95", "p99"]
    })
}

fn indexing() -> Value {
    json!({
        "type": "object",
        "description": "Present while a pass runs: its phase and files done of total.",
        "properties": {
            "phase": {"enum": ["walking", "indexing", "embedding", "saving"]},
            "done": {"type": "integer", "minimum": 0},
            "total": {"type": "integer", "minimum": 0}
        },
        "required": ["phase", "done", "total"]
    })
}

/// One folder's `ail/status` object (and what `ail mcp` adds to it).
fn folder_status() -> Value {
    let count = json!({"type": "integer", "minimum": 0});
    json!({
        "type": "object",
        "properties": {
            "state": {"enum": ["indexing", "ready"]},
            "files": count, "chunks": count, "generation": count,
            "indexBytes": count, "rssBytes": count, "rssAnonBytes": count, "rssFileBytes": count,
            "cache": {
                "type": "object",
                "properties": {
                    "entries": count, "hits": count, "misses": count,
                    "exactHits": count, "semanticHits": count,
                    "hitRate": {"type": "number", "minimum": 0, "maximum": 1}
                },
                "required": ["entries", "hits", "misses", "exactHits", "semanticHits", "hitRate"]
            },
            "latencyMs": latency(),
            "workspace": {"type": "string"},
            "skipped": {
                "type": "object",
                "properties": {
                    "binary": count, "tooLarge": count, "notUtf8": count,
                    "unreadable": count, "symlink": count, "special": count
                },
                "required": ["binary", "tooLarge", "notUtf8", "unreadable", "symlink", "special"]
            },
            "indexPath": {"type": "string"},
            "indexFileBytes": count,
            "embedder": {"type": "string"},
            "vectorIndex": {"type": "string"},
            "fallbacks": {"type": "array", "items": {"type": "string"}},
            "git": {
                "type": "object",
                "properties": {
                    "state": {"enum": ["ready", "reading", "unavailable"]},
                    "commits": count,
                    "reason": {"type": "string"}
                },
                "required": ["state", "commits"]
            },
            "requests": count, "errors": count,
            "stagesMs": {"type": "object", "additionalProperties": latency()},
            "name": {"type": "string"},
            "indexing": indexing(),
            "indexError": {"type": "string"}
        },
        "required": ["state", "files", "chunks", "generation", "indexBytes", "rssBytes",
                     "rssAnonBytes", "rssFileBytes", "cache",
                     "latencyMs", "workspace", "skipped", "embedder", "vectorIndex", "git",
                     "requests", "errors", "stagesMs", "name"]
    })
}

pub fn status_output() -> Value {
    let mut schema = folder_status();
    schema["properties"]["folders"] = json!({"type": "array", "items": folder_status()});
    if let Some(required) = schema["required"].as_array_mut() {
        required.push(json!("folders"));
    }
    schema
}

pub fn reindex_output() -> Value {
    let count = json!({"type": "integer", "minimum": 0});
    json!({
        "type": "object",
        "properties": {
            "state": {"enum": ["indexing", "ready"]},
            "waited": {"type": "boolean"},
            "cancelled": {"type": "boolean"},
            "folders": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "workspace": {"type": "string"},
                    "state": {"enum": ["indexing", "ready"]},
                    "files": count, "chunks": count,
                    "indexError": {"type": "string"}
                },
                "required": ["name", "workspace", "state", "files", "chunks"]
            }}
        },
        "required": ["state", "waited", "folders"]
    })
}
