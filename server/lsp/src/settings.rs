//! The server's settings, from `initializationOptions` and
//! `workspace/didChangeConfiguration`. Settings never fail a request: an unknown key or a
//! value of the wrong type becomes a warning for the user and the default is used.

use ail_engine::EngineConfig;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// What a client may set. Field names on the wire are camelCase.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub max_file_size: u64,
    pub exclude: Vec<String>,
    pub model_dir: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub exact_search: bool,
    /// Lexical and vector search of one question on two threads.
    pub parallel_stages: bool,
    /// The answer cache, and its semantic tier.
    pub cache: bool,
    pub semantic_cache: bool,
    pub persist: bool,
    /// Permalinks for self-hosted remotes: a host-to-kind map and a URL template.
    pub permalinks: ail_engine::git::PermalinkSettings,
    /// Factor on vendored and generated code's scores, 0..=1.
    pub vendored_weight: f32,
    /// Anonymous memory the index may hold, in bytes.
    pub memory_budget: usize,
    /// A prebuilt index to start from (`ail index --out`).
    pub prebuilt_index: Option<PathBuf>,
}

use ail_engine::config::{MAX_MEMORY_BUDGET_MB, MIN_MEMORY_BUDGET_MB};

const KNOWN: &[&str] = &[
    "maxFileSize",
    "exclude",
    "modelDir",
    "cacheDir",
    "exactSearch",
    "parallelStages",
    "cache",
    "semanticCache",
    "persist",
    "permalinkHosts",
    "permalinkTemplate",
    "vendoredWeight",
    "memoryBudgetMb",
    "prebuiltIndex",
];

impl Settings {
    /// The settings a client gets without saying anything: the command line's.
    pub fn from_defaults(defaults: &EngineConfig) -> Settings {
        Settings {
            max_file_size: defaults.max_file_size,
            exclude: defaults.exclude.clone(),
            model_dir: defaults.model_dir.clone(),
            cache_dir: defaults.cache_dir.clone(),
            exact_search: defaults.exact_search,
            parallel_stages: defaults.parallel_stages,
            cache: true,
            semantic_cache: true,
            persist: defaults.persist,
            permalinks: defaults.permalinks.clone(),
            vendored_weight: defaults.vendored_weight,
            memory_budget: defaults.memory_budget,
            prebuilt_index: defaults.prebuilt_index.clone(),
        }
    }

    /// Read `value` over `base`. Accepts the settings object itself or one nested under
    /// `"ail"` (what editors send for a configuration section). Returns the warnings to show.
    pub fn parse(value: Option<&Value>, base: &Settings) -> (Settings, Vec<String>) {
        let mut out = base.clone();
        let mut warnings = Vec::new();
        let object = match value {
            None | Some(Value::Null) => return (out, warnings),
            Some(Value::Object(map)) => match map.get("ail") {
                Some(Value::Object(inner)) => inner,
                _ => map,
            },
            Some(other) => {
                warnings.push(format!(
                    "AIL settings must be an object, got {}; using the defaults",
                    kind(other)
                ));
                return (out, warnings);
            }
        };
        read(object, &mut out, &mut warnings);
        (out, warnings)
    }

    /// The engine configuration these settings ask for. Indexing uses every core while no
    /// question is being answered (see `index_threads_for`).
    pub fn engine_config(&self, defaults: &EngineConfig) -> EngineConfig {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        EngineConfig {
            max_file_size: self.max_file_size,
            exclude: self.exclude.clone(),
            cache_dir: self.cache_dir.clone(),
            persist: self.persist,
            model_dir: self.model_dir.clone(),
            exact_search: self.exact_search,
            parallel_stages: self.parallel_stages,
            index_threads: index_threads_for(cores),
            // A long-lived server amortises an HNSW graph build; the engine still checks
            // the workspace size and the graph's memory budget first.
            vector_graph: true,
            permalinks: self.permalinks.clone(),
            vendored_weight: self.vendored_weight,
            memory_budget: self.memory_budget,
            prebuilt_index: self.prebuilt_index.clone(),
            ..defaults.clone()
        }
    }

    /// The answer cache these settings ask for.
    pub fn cache_config(&self) -> ail_engine::cache::CacheConfig {
        ail_engine::cache::CacheConfig {
            enabled: self.cache,
            semantic: self.semantic_cache,
            ..Default::default()
        }
    }

    /// Whether going from `self` to `other` needs the index rebuilt (everything but `cache`).
    pub fn affects_index(&self, other: &Settings) -> bool {
        Settings {
            cache: other.cache,
            semantic_cache: other.semantic_cache,
            ..self.clone()
        } != *other
    }
}

fn read(object: &Map<String, Value>, out: &mut Settings, warnings: &mut Vec<String>) {
    for (key, value) in object {
        if !KNOWN.contains(&key.as_str()) {
            warnings.push(format!(
                "unknown AIL setting `{key}` ignored (known: {})",
                KNOWN.join(", ")
            ));
            continue;
        }
        if value.is_null() {
            continue; // "not set": keep the default
        }
        let wrong = |what: &str| {
            format!(
                "AIL setting `{key}` must be {what}, got {}; using the default",
                kind(value)
            )
        };
        match key.as_str() {
            "maxFileSize" => match value.as_u64() {
                Some(n) if n > 0 => out.max_file_size = n,
                _ => warnings.push(wrong("a positive number of bytes")),
            },
            "exclude" => match value.as_array() {
                Some(items) if items.iter().all(Value::is_string) => {
                    out.exclude = items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                }
                _ => warnings.push(wrong("a list of glob strings")),
            },
            "modelDir" | "cacheDir" | "prebuiltIndex" => match value.as_str() {
                Some(path) => {
                    let path = (!path.is_empty()).then(|| PathBuf::from(path));
                    match key.as_str() {
                        "modelDir" => out.model_dir = path,
                        "cacheDir" => out.cache_dir = path,
                        _ => out.prebuilt_index = path,
                    }
                }
                None => warnings.push(wrong("a directory path")),
            },
            "exactSearch" | "parallelStages" | "cache" | "semanticCache" | "persist" => {
                match value.as_bool() {
                    Some(b) => match key.as_str() {
                        "exactSearch" => out.exact_search = b,
                        "parallelStages" => out.parallel_stages = b,
                        "cache" => out.cache = b,
                        "semanticCache" => out.semantic_cache = b,
                        _ => out.persist = b,
                    },
                    None => warnings.push(wrong("true or false")),
                }
            }
            "vendoredWeight" => match value.as_f64() {
                Some(w) if (0.0..=1.0).contains(&w) => out.vendored_weight = w as f32,
                _ => warnings.push(wrong("a number from 0 to 1")),
            },
            "memoryBudgetMb" => match value.as_u64() {
                Some(mb) if (MIN_MEMORY_BUDGET_MB..=MAX_MEMORY_BUDGET_MB).contains(&mb) => {
                    out.memory_budget = (mb as usize) << 20
                }
                _ => warnings.push(wrong(&format!(
                    "a whole number of megabytes from {MIN_MEMORY_BUDGET_MB} to {MAX_MEMORY_BUDGET_MB}"
                ))),
            },
            "permalinkTemplate" => match value.as_str() {
                Some(t) if t.contains("{sha}") && t.contains("{path}") => {
                    out.permalinks.template = Some(t.to_string())
                }
                Some("") => out.permalinks.template = None,
                _ => warnings.push(wrong("a URL template with {sha} and {path}")),
            },
            "permalinkHosts" => match value.as_object() {
                Some(map) => {
                    for (host, kind_name) in map {
                        match kind_name.as_str().and_then(remote_kind) {
                            Some(k) => {
                                out.permalinks.host_kinds.insert(host.to_ascii_lowercase(), k);
                            }
                            None => warnings.push(format!(
                                "AIL setting `permalinkHosts.{host}` must be one of github, gitlab, bitbucket, gitea, azure, template; ignored"
                            )),
                        }
                    }
                }
                None => warnings.push(wrong("an object mapping host names to kinds")),
            },
            _ => {}
        }
    }
}

fn remote_kind(name: &str) -> Option<ail_engine::git::RemoteKind> {
    use ail_engine::git::RemoteKind::*;
    Some(match name.to_ascii_lowercase().as_str() {
        "github" => GitHub,
        "gitlab" => GitLab,
        "bitbucket" => Bitbucket,
        "gitea" | "forgejo" | "codeberg" => Gitea,
        "azure" | "azuredevops" => AzureDevOps,
        "template" => Template,
        _ => return None,
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Threads an indexing pass uses on a machine with `cores` cores: all of them. While a
/// question is being answered, the last of them pauses between files (the engine's
/// `pool`), so `ail/context` finds a core free, and a pass nobody waits on uses the whole
/// machine.
pub fn index_threads_for(cores: usize) -> usize {
    cores.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Settings {
        Settings::from_defaults(&EngineConfig::default())
    }

    #[test]
    fn permalink_settings_are_read_and_bad_ones_warn() {
        let value = serde_json::json!({
            "permalinkHosts": { "git.corp.example": "gitlab", "odd.example": "svn" },
            "permalinkTemplate": "{base}/{sha}/{path}#L{start}-L{end}"
        });
        let (s, warnings) = Settings::parse(Some(&value), &base());
        assert_eq!(
            s.permalinks.host_kinds.get("git.corp.example"),
            Some(&ail_engine::git::RemoteKind::GitLab)
        );
        assert_eq!(
            s.permalinks.template.as_deref(),
            Some("{base}/{sha}/{path}#L{start}-L{end}")
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("odd.example"));
    }

    #[test]
    fn known_settings_are_read_flat_or_under_ail() {
        let v = json!({"maxFileSize": 2048, "exclude": ["*.min.js"], "exactSearch": true, "persist": false});
        let (s, w) = Settings::parse(Some(&v), &base());
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            (s.max_file_size, s.exact_search, s.persist),
            (2048, true, false)
        );
        assert_eq!(s.exclude, vec!["*.min.js".to_string()]);
        let (nested, _) = Settings::parse(Some(&json!({"ail": {"cacheDir": "/c"}})), &base());
        assert_eq!(nested.cache_dir, Some(PathBuf::from("/c")));
    }

    #[test]
    fn unknown_and_mistyped_settings_warn_and_keep_defaults() {
        let v = json!({"colour": "blue", "maxFileSize": "big", "exclude": [1], "cache": "yes"});
        let (s, w) = Settings::parse(Some(&v), &base());
        assert_eq!(s, base());
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(w.iter().any(|m| m.contains("`colour`")));
        assert!(w.iter().any(|m| m.contains("`maxFileSize`")));
        let (_, w) = Settings::parse(Some(&json!([1, 2])), &base());
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn only_index_settings_need_a_rebuild_and_indexing_uses_every_core() {
        let mut other = base();
        other.cache = false;
        assert!(!base().affects_index(&other));
        other.max_file_size = 1;
        assert!(base().affects_index(&other));
        // Indexing threads use every core; one of them pauses while questions are
        // answered (the engine's `pool` tests check that).
        for (cores, threads) in [(1, 1), (2, 2), (4, 4), (64, 64)] {
            assert_eq!(index_threads_for(cores), threads, "{cores} cores");
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = base().engine_config(&EngineConfig::default()).index_threads;
        assert_eq!(threads, index_threads_for(cores));
    }
}
