//! Tool arguments checked one by one, so that a model's mistake comes back as a tool error
//! that names the argument and says why (never a protocol error, never a crash). `null`
//! counts as absent.

use serde_json::{Map, Value};

pub type Args = Map<String, Value>;

/// An argument the tool does not take is an error: a misspelt one would be silently ignored.
pub fn only(args: &Args, known: &[&str]) -> Result<(), String> {
    match args.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "{k}: unknown argument; this tool takes {}",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

fn present<'a>(args: &'a Args, name: &str) -> Option<&'a Value> {
    args.get(name).filter(|v| !v.is_null())
}

pub fn string(args: &Args, name: &str) -> Result<Option<String>, String> {
    match present(args, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{name}: expected a string, got {}", kind(other))),
    }
}

/// An integer in `min..=max`.
pub fn integer(args: &Args, name: &str, min: i64, max: i64) -> Result<Option<i64>, String> {
    let Some(v) = present(args, name) else {
        return Ok(None);
    };
    let n = v
        .as_i64()
        .or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        })
        .ok_or_else(|| {
            format!(
                "{name}: expected an integer between {min} and {max}, got {}",
                kind(v)
            )
        })?;
    if n < min || n > max {
        return Err(format!("{name}: must be between {min} and {max}, got {n}"));
    }
    Ok(Some(n))
}

pub fn boolean(args: &Args, name: &str) -> Result<Option<bool>, String> {
    match present(args, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(format!(
            "{name}: expected true or false, got {}",
            kind(other)
        )),
    }
}

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() > 40 => "a long string".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Args {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn errors_name_the_argument() {
        let a = args(json!({"limit": "ten", "line": 0, "wait": 1, "q": 2, "file": 3}));
        assert!(integer(&a, "limit", 1, 100)
            .unwrap_err()
            .starts_with("limit:"));
        assert!(integer(&a, "line", 1, 10).unwrap_err().starts_with("line:"));
        assert!(boolean(&a, "wait").unwrap_err().starts_with("wait:"));
        assert!(string(&a, "file").unwrap_err().starts_with("file:"));
        assert!(only(&a, &["limit", "line", "wait", "file"])
            .unwrap_err()
            .starts_with("q:"));
        assert_eq!(integer(&args(json!({"n": 3.0})), "n", 1, 5), Ok(Some(3)));
        assert_eq!(integer(&args(json!({"n": null})), "n", 1, 5), Ok(None));
    }
}
