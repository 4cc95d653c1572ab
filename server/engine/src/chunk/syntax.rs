//! Code chunking with tree-sitter: finds the definitions a person would cite, names them,
//! attaches their doc comments and attributes, and covers the code between them.
//!
//! Only the top level and the bodies of containers (impl blocks, traits, classes, modules,
//! namespaces) are searched; what is inside a function belongs to that function.

use std::cell::RefCell;

use tree_sitter::{Node, ParseOptions, ParseState, Parser, Tree};

use super::lines::{LineSpan, LineTable};
use super::units::{self, bound_symbol, Item, MAX_SYMBOL_BYTES};
use super::{ChunkKind, Language};

/// Constants, statics and type aliases shorter than this stay with the surrounding
/// top-level code: twenty one-line constants make one useful chunk, not twenty poor ones.
pub(super) const MINOR_DEFINITION_MIN_LINES: usize = 3;
/// Deeper container nesting than this is treated as plain code. Nothing real comes close;
/// the limit keeps adversarial input from exhausting the stack.
pub(super) const MAX_NESTING: usize = 16;
/// Larger inputs are chunked by lines. Tree-sitter's offsets are 32-bit, and the walker
/// never hands over files this big in normal operation.
pub(super) const MAX_PARSE_BYTES: usize = 16 * 1024 * 1024;

/// The tree-sitter grammars the chunker knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Grammar {
    Rust,
    Python,
    Go,
    JavaScript,
    TypeScript,
    Tsx,
}

impl Grammar {
    pub(super) fn of(language: Language) -> Option<Grammar> {
        match language {
            Language::Rust => Some(Grammar::Rust),
            Language::Python => Some(Grammar::Python),
            Language::Go => Some(Grammar::Go),
            Language::JavaScript => Some(Grammar::JavaScript),
            Language::TypeScript => Some(Grammar::TypeScript),
            Language::Tsx => Some(Grammar::Tsx),
            Language::Markdown | Language::Text => None,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }

    fn tree_sitter_language(self) -> tree_sitter::Language {
        match self {
            Grammar::Rust => tree_sitter_rust::LANGUAGE.into(),
            Grammar::Python => tree_sitter_python::LANGUAGE.into(),
            Grammar::Go => tree_sitter_go::LANGUAGE.into(),
            Grammar::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }
}

thread_local! {
    /// One parser per grammar per thread: a `Parser` is not `Sync`, and building one for
    /// every file would cost more than parsing a small file.
    static PARSERS: RefCell<[Option<Parser>; 6]> =
        const { RefCell::new([None, None, None, None, None, None]) };
}

fn new_parser(grammar: Grammar) -> Option<Parser> {
    let mut parser = Parser::new();
    match parser.set_language(&grammar.tree_sitter_language()) {
        Ok(()) => Some(parser),
        Err(error) => {
            tracing::error!(?grammar, %error, "tree-sitter grammar rejected; chunking by lines");
            None
        }
    }
}

fn parse_with(parser: &mut Parser, text: &str) -> Option<Tree> {
    let bytes = text.as_bytes();
    let clock = super::budget::ParseClock::start(bytes.len());
    // Called by tree-sitter every hundred parse operations; `true` stops the parse.
    let mut over_budget = |_: &ParseState| clock.over_budget();
    let tree = parser.parse_with_options(
        &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
        None,
        Some(ParseOptions::new().progress_callback(&mut over_budget)),
    );
    if tree.is_none() {
        tracing::debug!(
            bytes = bytes.len(),
            used_ms = clock.used().as_millis(),
            "parse stopped over its time budget; chunking by lines"
        );
        // A parse that stopped early leaves state behind; start the next file clean.
        parser.reset();
    }
    tree
}

fn parse(grammar: Grammar, text: &str) -> Option<Tree> {
    let cached = PARSERS.try_with(|cell| {
        let mut parsers = cell.try_borrow_mut().ok()?;
        let slot = parsers.get_mut(grammar.slot())?;
        if slot.is_none() {
            *slot = new_parser(grammar);
        }
        Some(parse_with(slot.as_mut()?, text))
    });
    match cached {
        Ok(Some(tree)) => tree,
        // The thread is shutting down or the cache is busy: parse without it.
        _ => parse_with(&mut new_parser(grammar)?, text),
    }
}

/// Chunks `lines` as code; `None` when the text cannot be parsed usefully, in which case
/// the caller falls back to line windows.
pub(super) fn chunk(grammar: Grammar, lines: &LineTable) -> Option<Vec<LineSpan>> {
    let text = lines.text();
    if text.len() > MAX_PARSE_BYTES {
        return None;
    }
    let tree = parse(grammar, text)?;
    let root = tree.root_node();
    let finder = Finder {
        grammar,
        text,
        line_count: lines.len(),
    };
    let items = finder.scope_items(root, &Scope::default(), 0);
    if items.is_empty() && root.has_error() {
        // Probably not this language at all; structure-free windows serve it better.
        return None;
    }
    Some(units::spans(lines, &items))
}

/// Where definitions are being looked for.
#[derive(Clone, Debug, Default)]
struct Scope {
    /// Prepended to names defined here: `Config::` in an impl, `tests::` in a Rust module,
    /// `Config.` in a class.
    prefix: String,
    /// Functions here belong to a type (impl, trait, class): they are methods.
    in_type: bool,
    /// This is a function's body: only functions and classes defined here are worth a
    /// chunk of their own (`outer.helper`), so that a question naming a nested function
    /// finds it by its name; constants and aliases stay part of the function.
    in_function: bool,
}

impl Scope {
    fn nested(&self, name: &str, separator: &str, in_type: bool) -> Scope {
        Scope {
            prefix: format!("{}{name}{separator}", self.prefix),
            in_type,
            in_function: false,
        }
    }

    fn function_body(&self, name: &str) -> Scope {
        Scope {
            in_function: true,
            ..self.nested(name, ".", false)
        }
    }
}

/// What one syntax node defines, before its line range is settled.
struct Definition<'tree> {
    /// The node whose lines the definition covers (the caller widens it to a wrapper such
    /// as `export` or a decorator list when the wrapper holds only this definition).
    node: Node<'tree>,
    /// Where the definition starts when it is not the node's first line (doc comments
    /// inside a Go `type (...)` group).
    start: Option<usize>,
    kind: ChunkKind,
    symbol: String,
    /// The body to search for members, and the scope they are found in.
    body: Option<(Node<'tree>, Scope)>,
    /// A constant, static or alias: only kept when it is long enough to stand alone.
    minor: bool,
}

struct Finder<'a> {
    grammar: Grammar,
    text: &'a str,
    line_count: usize,
}

impl<'a> Finder<'a> {
    fn source(&self, node: Node) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// A name as it should read in a symbol: one line, bounded, without string quotes.
    fn name(&self, node: Node) -> String {
        let raw = self.source(node);
        let raw = if node.kind() == "string" {
            raw.trim_matches(['"', '\'', '`'])
        } else {
            raw
        };
        let mut name = String::with_capacity(raw.len().min(MAX_SYMBOL_BYTES));
        for (at, word) in raw.split_whitespace().enumerate() {
            if at > 0 {
                name.push(' ');
            }
            name.push_str(word);
            if name.len() > MAX_SYMBOL_BYTES {
                break;
            }
        }
        bound_symbol(&mut name);
        name
    }

    fn field_name(&self, node: Node, field: &str) -> Option<String> {
        let name = self.name(node.child_by_field_name(field)?);
        (!name.is_empty()).then_some(name)
    }

    /// The node's lines: the first line it touches up to the last, exclusive end, clamped
    /// to the file.
    fn lines_of(&self, node: Node) -> (usize, usize) {
        let last_line = self.line_count.saturating_sub(1);
        let start = node.start_position().row.min(last_line);
        let end_point = node.end_position();
        // A node that ends at column 0 ended with the previous line's newline.
        let end = if end_point.column == 0 && end_point.row > start {
            end_point.row
        } else {
            end_point.row.saturating_add(1)
        };
        (start, end.clamp(start + 1, self.line_count.max(start + 1)))
    }

    fn children<'tree>(node: Node<'tree>) -> Vec<Node<'tree>> {
        let mut cursor = node.walk();
        node.children(&mut cursor).collect()
    }

    /// The definitions directly inside `parent`, in document order.
    fn scope_items(&self, parent: Node, scope: &Scope, depth: usize) -> Vec<Item> {
        let mut items = Vec::new();
        if depth > MAX_NESTING {
            return items;
        }
        let children = Self::children(parent);
        for (at, &child) in children.iter().enumerate() {
            if child.is_error() {
                // Recovery keeps well-formed definitions inside an error node; still cite them.
                items.extend(self.scope_items(child, scope, depth + 1));
                continue;
            }
            let definitions = self.definitions(child, scope);
            // One definition takes the wrapper's lines (`export`, decorators); several
            // (a Go `type (...)` group, `const a = ..., b = ...`) keep their own, with the
            // first taking the wrapper's start and the last its end.
            let count = definitions.len();
            let lead = self.leading_start(&children, at);
            let (outer_start, outer_end) = self.lines_of(child);
            for (index, definition) in definitions.into_iter().enumerate() {
                let (own_start, own_end) = self.lines_of(definition.node);
                let too_minor = definition.minor
                    && (scope.in_function || own_end - own_start < MINOR_DEFINITION_MIN_LINES);
                if too_minor {
                    continue;
                }
                let (mut start, mut end) = if count == 1 {
                    (outer_start, outer_end)
                } else {
                    (own_start, own_end)
                };
                if let Some(explicit) = definition.start {
                    start = start.min(explicit);
                }
                if index == 0 {
                    start = start.min(lead);
                }
                if index + 1 == count {
                    end = end.max(outer_end);
                }
                let whole = definition
                    .body
                    .as_ref()
                    .is_some_and(|(_, inner)| inner.in_function);
                let members = match definition.body {
                    Some((body, inner)) => self
                        .scope_items(body, &inner, depth + 1)
                        .into_iter()
                        .filter(|member| member.start >= start && member.end <= end)
                        .collect(),
                    None => Vec::new(),
                };
                items.push(Item {
                    start,
                    end,
                    kind: definition.kind,
                    symbol: Some(definition.symbol),
                    members,
                    whole,
                });
            }
        }
        items
    }

    /// The first line of the doc comments, attributes and decorators directly above
    /// `children[at]`, or its own first line when there are none.
    fn leading_start(&self, children: &[Node], at: usize) -> usize {
        let Some(&node) = children.get(at) else {
            return 0;
        };
        let mut start = self.lines_of(node).0;
        let mut index = at;
        while index > 0 {
            let previous = children[index - 1];
            if !self.is_leading_trivia(previous) {
                break;
            }
            let (previous_start, previous_end) = self.lines_of(previous);
            // A blank line between a comment and the definition detaches it.
            if previous_end < start {
                break;
            }
            // A comment at the end of a line of code is about that code.
            if index >= 2 {
                let before = children[index - 2];
                if !self.is_leading_trivia(before) && self.lines_of(before).1 > previous_start {
                    break;
                }
            }
            start = start.min(previous_start);
            index -= 1;
        }
        start
    }

    fn is_leading_trivia(&self, node: Node) -> bool {
        match self.grammar {
            Grammar::Rust => match node.kind() {
                "attribute_item" => true,
                "line_comment" | "block_comment" => {
                    // `//!` and `/*!` document the enclosing module, not what follows.
                    let text = self.source(node);
                    !(text.starts_with("//!") || text.starts_with("/*!"))
                }
                _ => false,
            },
            Grammar::Python | Grammar::Go => node.kind() == "comment",
            Grammar::JavaScript | Grammar::TypeScript | Grammar::Tsx => {
                matches!(node.kind(), "comment" | "decorator")
            }
        }
    }

    fn definitions<'tree>(&self, node: Node<'tree>, scope: &Scope) -> Vec<Definition<'tree>> {
        match self.grammar {
            Grammar::Rust => self.rust(node, scope).into_iter().collect(),
            Grammar::Python => self.python(node, scope).into_iter().collect(),
            Grammar::Go => self.go(node, scope),
            Grammar::JavaScript | Grammar::TypeScript | Grammar::Tsx => self.script(node, scope),
        }
    }

    fn plain<'tree>(
        &self,
        node: Node<'tree>,
        kind: ChunkKind,
        symbol: String,
    ) -> Definition<'tree> {
        Definition {
            node,
            start: None,
            kind,
            symbol,
            body: None,
            minor: false,
        }
    }

    fn function<'tree>(&self, node: Node<'tree>, scope: &Scope, name: String) -> Definition<'tree> {
        let kind = if scope.in_type {
            ChunkKind::Method
        } else {
            ChunkKind::Function
        };
        self.plain(node, kind, format!("{}{name}", scope.prefix))
    }

    /// A function whose body may define functions of its own.
    fn function_with_body<'tree>(
        &self,
        node: Node<'tree>,
        scope: &Scope,
        name: String,
    ) -> Definition<'tree> {
        let body = node
            .child_by_field_name("body")
            .map(|body| (body, scope.function_body(&name)));
        Definition {
            body,
            ..self.function(node, scope, name)
        }
    }

    /// The plain name of a type as written in an impl or receiver: `Config` for
    /// `Config<T>`, `&'a Config`, `*Config` or `crate::Config`.
    fn base_type_name(&self, node: Node) -> String {
        let mut current = node;
        for _ in 0..MAX_NESTING {
            let next = match current.kind() {
                "generic_type" => current.child_by_field_name("type"),
                "reference_type" | "pointer_type" | "parenthesized_type" => current
                    .child_by_field_name("type")
                    .or_else(|| current.named_child(0)),
                "scoped_type_identifier" | "qualified_type" => current.child_by_field_name("name"),
                _ => None,
            };
            match next {
                Some(inner) => current = inner,
                None => break,
            }
        }
        self.name(current)
    }

    fn rust<'tree>(&self, node: Node<'tree>, scope: &Scope) -> Option<Definition<'tree>> {
        let named = |kind| {
            Some(self.plain(
                node,
                kind,
                format!("{}{}", scope.prefix, self.field_name(node, "name")?),
            ))
        };
        match node.kind() {
            "function_item" => {
                Some(self.function_with_body(node, scope, self.field_name(node, "name")?))
            }
            "function_signature_item" if scope.in_type => {
                Some(self.function(node, scope, self.field_name(node, "name")?))
            }
            "impl_item" => {
                let target = node.child_by_field_name("type")?;
                let symbol = match node.child_by_field_name("trait") {
                    Some(implemented) => {
                        format!("impl {} for {}", self.name(implemented), self.name(target))
                    }
                    None => format!("impl {}", self.name(target)),
                };
                let owner = self.base_type_name(target);
                // `unsafe impl Send for Parser {}` marks rather than defines: like a
                // constant, it only stands alone when it spans several lines.
                let empty = node.child_by_field_name("body").is_none_or(|body| {
                    let mut cursor = body.walk();
                    let has_items = body
                        .named_children(&mut cursor)
                        .any(|child| !child.is_extra());
                    !has_items
                });
                let body = node
                    .child_by_field_name("body")
                    .map(|body| (body, scope.nested(&owner, "::", true)));
                Some(Definition {
                    body,
                    minor: empty,
                    ..self.plain(node, ChunkKind::Impl, symbol)
                })
            }
            "trait_item" => {
                let name = self.field_name(node, "name")?;
                let body = node
                    .child_by_field_name("body")
                    .map(|body| (body, scope.nested(&name, "::", true)));
                Some(Definition {
                    body,
                    ..self.plain(node, ChunkKind::Trait, format!("{}{name}", scope.prefix))
                })
            }
            "mod_item" => {
                // `mod name;` only points at another file.
                let body = node.child_by_field_name("body")?;
                let name = self.field_name(node, "name")?;
                Some(Definition {
                    body: Some((body, scope.nested(&name, "::", false))),
                    ..self.plain(node, ChunkKind::Module, format!("{}{name}", scope.prefix))
                })
            }
            "struct_item" | "union_item" => named(ChunkKind::Struct),
            "enum_item" => named(ChunkKind::Enum),
            "macro_definition" => named(ChunkKind::Function),
            "const_item" | "static_item" => named(ChunkKind::Module).map(|definition| Definition {
                minor: true,
                ..definition
            }),
            "type_item" => named(ChunkKind::Struct).map(|definition| Definition {
                minor: true,
                ..definition
            }),
            _ => None,
        }
    }

    fn python<'tree>(&self, node: Node<'tree>, scope: &Scope) -> Option<Definition<'tree>> {
        match node.kind() {
            "function_definition" => {
                Some(self.function_with_body(node, scope, self.field_name(node, "name")?))
            }
            "class_definition" => {
                let name = self.field_name(node, "name")?;
                let body = node
                    .child_by_field_name("body")
                    .map(|body| (body, scope.nested(&name, ".", true)));
                Some(Definition {
                    body,
                    ..self.plain(node, ChunkKind::Class, format!("{}{name}", scope.prefix))
                })
            }
            "decorated_definition" => self.python(node.child_by_field_name("definition")?, scope),
            // A module-level constant such as a large table or settings dict.
            "expression_statement" if scope.prefix.is_empty() => {
                let assignment = node
                    .named_child(0)
                    .filter(|child| child.kind() == "assignment")?;
                let target = assignment
                    .child_by_field_name("left")
                    .filter(|left| left.kind() == "identifier")?;
                Some(Definition {
                    minor: true,
                    ..self.plain(node, ChunkKind::Module, self.name(target))
                })
            }
            _ => None,
        }
    }

    fn go<'tree>(&self, node: Node<'tree>, scope: &Scope) -> Vec<Definition<'tree>> {
        match node.kind() {
            "function_declaration" => self
                .field_name(node, "name")
                .map(|name| self.function(node, scope, name))
                .into_iter()
                .collect(),
            "method_declaration" => {
                let Some(name) = self.field_name(node, "name") else {
                    return Vec::new();
                };
                let receiver = node
                    .child_by_field_name("receiver")
                    .and_then(|receivers| {
                        let mut cursor = receivers.walk();
                        let first = receivers
                            .named_children(&mut cursor)
                            .find(|parameter| parameter.kind() == "parameter_declaration");
                        first
                    })
                    .and_then(|parameter| parameter.child_by_field_name("type"))
                    .map(|receiver_type| self.base_type_name(receiver_type));
                let symbol = match receiver {
                    Some(owner) if !owner.is_empty() => format!("{owner}.{name}"),
                    _ => name,
                };
                vec![self.plain(node, ChunkKind::Method, symbol)]
            }
            "type_declaration" => {
                // `type ( A struct{...}; B interface{...} )` defines several types at once.
                let children = Self::children(node);
                let mut found = Vec::new();
                for (at, &spec) in children.iter().enumerate() {
                    if !matches!(spec.kind(), "type_spec" | "type_alias") {
                        continue;
                    }
                    let Some(name) = self.field_name(spec, "name") else {
                        continue;
                    };
                    let shape = spec.child_by_field_name("type").map(|shape| shape.kind());
                    let (kind, minor) = match shape {
                        Some("struct_type") if spec.kind() == "type_spec" => {
                            (ChunkKind::Struct, false)
                        }
                        Some("interface_type") if spec.kind() == "type_spec" => {
                            (ChunkKind::Interface, false)
                        }
                        _ => (ChunkKind::Struct, true),
                    };
                    found.push(Definition {
                        start: Some(self.leading_start(&children, at)),
                        minor,
                        ..self.plain(spec, kind, format!("{}{name}", scope.prefix))
                    });
                }
                found
            }
            _ => Vec::new(),
        }
    }

    /// JavaScript, TypeScript and TSX share their declaration shapes.
    fn script<'tree>(&self, node: Node<'tree>, scope: &Scope) -> Vec<Definition<'tree>> {
        let prefixed = |name: String| format!("{}{name}", scope.prefix);
        let single = |definition: Option<Definition<'tree>>| definition.into_iter().collect();
        match node.kind() {
            "function_declaration" | "generator_function_declaration" => single(
                self.field_name(node, "name")
                    .map(|name| self.function_with_body(node, scope, name)),
            ),
            "class_declaration" | "abstract_class_declaration" | "class" => {
                let name = self
                    .field_name(node, "name")
                    .unwrap_or_else(|| "default".to_string());
                single(Some(self.class(node, scope, name)))
            }
            "method_definition" | "abstract_method_signature" if scope.in_type => single(
                self.field_name(node, "name")
                    .map(|name| self.function_with_body(node, scope, name)),
            ),
            // `handleClick = () => {...}` in a class body is a method in all but syntax.
            "field_definition" | "public_field_definition" if scope.in_type => {
                let function_valued = node
                    .child_by_field_name("value")
                    .is_some_and(|value| is_function_value(value));
                let name = self
                    .field_name(node, "property")
                    .or_else(|| self.field_name(node, "name"));
                single(
                    name.filter(|_| function_valued)
                        .map(|name| self.function(node, scope, name)),
                )
            }
            "lexical_declaration" | "variable_declaration" if !scope.in_type => {
                let mut cursor = node.walk();
                let declarators: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|child| child.kind() == "variable_declarator")
                    .collect();
                declarators
                    .into_iter()
                    .filter_map(|declarator| self.declarator(declarator, scope))
                    .collect()
            }
            "export_statement" => {
                if let Some(declaration) = node.child_by_field_name("declaration") {
                    return self.script(declaration, scope);
                }
                let Some(value) = node.child_by_field_name("value") else {
                    return Vec::new();
                };
                let symbol = prefixed("default".to_string());
                if value.kind() == "class" {
                    let name = self
                        .field_name(value, "name")
                        .unwrap_or_else(|| "default".to_string());
                    return single(Some(self.class(value, scope, name)));
                }
                if is_function_value(value) {
                    return single(Some(self.plain(value, ChunkKind::Function, symbol)));
                }
                single(Some(Definition {
                    minor: true,
                    ..self.plain(value, ChunkKind::Module, symbol)
                }))
            }
            "ambient_declaration" => {
                let mut cursor = node.walk();
                let inner = node
                    .named_children(&mut cursor)
                    .find(|child| !child.is_extra());
                inner.map_or_else(Vec::new, |inner| self.script(inner, scope))
            }
            "expression_statement" => {
                let inner = node
                    .named_child(0)
                    .filter(|child| child.kind() == "internal_module");
                inner.map_or_else(Vec::new, |inner| self.script(inner, scope))
            }
            "internal_module" | "module" => {
                let Some(name) = self.field_name(node, "name") else {
                    return Vec::new();
                };
                let body = node
                    .child_by_field_name("body")
                    .map(|body| (body, scope.nested(&name, ".", false)));
                single(Some(Definition {
                    body,
                    ..self.plain(node, ChunkKind::Module, prefixed(name))
                }))
            }
            "interface_declaration" => single(
                self.field_name(node, "name")
                    .map(|name| self.plain(node, ChunkKind::Interface, prefixed(name))),
            ),
            "enum_declaration" => single(
                self.field_name(node, "name")
                    .map(|name| self.plain(node, ChunkKind::Enum, prefixed(name))),
            ),
            "type_alias_declaration" => {
                single(self.field_name(node, "name").map(|name| Definition {
                    minor: true,
                    ..self.plain(node, ChunkKind::Interface, prefixed(name))
                }))
            }
            _ => Vec::new(),
        }
    }

    fn class<'tree>(&self, node: Node<'tree>, scope: &Scope, name: String) -> Definition<'tree> {
        let body = node
            .child_by_field_name("body")
            .map(|body| (body, scope.nested(&name, ".", true)));
        Definition {
            body,
            ..self.plain(node, ChunkKind::Class, format!("{}{name}", scope.prefix))
        }
    }

    /// `const parseArgs = (...) => {...}`, `const Widget = class {...}`,
    /// `const Memo = React.memo((props) => ...)` or a multi-line constant.
    fn declarator<'tree>(
        &self,
        declarator: Node<'tree>,
        scope: &Scope,
    ) -> Option<Definition<'tree>> {
        let name_node = declarator.child_by_field_name("name")?;
        if name_node.kind() != "identifier" {
            return None;
        }
        let name = self.name(name_node);
        let value = declarator.child_by_field_name("value")?;
        if is_function_value(value) {
            let body = value
                .child_by_field_name("body")
                .filter(|body| body.kind() == "statement_block")
                .map(|body| (body, scope.function_body(&name)));
            return Some(Definition {
                body,
                ..self.plain(
                    declarator,
                    ChunkKind::Function,
                    format!("{}{name}", scope.prefix),
                )
            });
        }
        if matches!(value.kind(), "class" | "class_expression") {
            let class = self.class(value, scope, name);
            return Some(Definition {
                node: declarator,
                ..class
            });
        }
        if value.kind() == "call_expression" {
            let wraps_function = value
                .child_by_field_name("arguments")
                .is_some_and(|arguments| {
                    let mut cursor = arguments.walk();
                    let found = arguments.named_children(&mut cursor).any(is_function_value);
                    found
                });
            if wraps_function {
                return Some(self.plain(
                    declarator,
                    ChunkKind::Function,
                    format!("{}{name}", scope.prefix),
                ));
            }
        }
        Some(Definition {
            minor: true,
            ..self.plain(
                declarator,
                ChunkKind::Module,
                format!("{}{name}", scope.prefix),
            )
        })
    }
}

fn is_function_value(node: Node) -> bool {
    matches!(
        node.kind(),
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}
