//! What a tenant's archive may contain: the tenant's own objects and nothing else.
//!
//! A backup file is outside input (a bucket, a download, a colleague), and its table of contents
//! says whatever its writer wanted: the namespace field of an entry proves nothing about the SQL
//! pg_restore prints for it (issue 27.9). So the SQL itself is parsed with PostgreSQL's own
//! parser (libpg_query) and checked statement by statement, twice: in the pre-flight, entry by
//! entry (definition, COPY statement, owner), so `backup verify` and `restore` refuse naming the
//! entry before anything starts; and again on the script pg_restore actually prints, just before
//! each statement is sent, so nothing smuggled past the TOC (a data block that ends its COPY
//! early and goes on as SQL) ever runs.
//!
//! The rules: only the statement kinds pg_dump writes for a schema's objects; every object
//! created, altered, commented, owned or granted is qualified with the tenant's schema; other
//! names may only point into the tenant's schema, `pg_catalog` or the configured extension
//! schema; ownership goes to one role only (checked against the live schema by the caller);
//! functions are in a trusted language (`sql`, `plpgsql`); the session settings are the ones
//! pg_restore sets, with the values that keep this parser and the server reading the same text;
//! and no expression evaluated during the restore itself (a constraint, an index, a generated
//! column, a materialized view) calls the tenant's own functions or operators, which would run
//! the archive's code with the restoring role's privileges.

use super::archive::{Toc, TocEntry};
use pg_query::NodeEnum;
use pg_query::protobuf::{self, ObjectType, RangeVar};
use serde_json::Value;

/// The TOC entry kinds a tenant schema's archive may hold.
const DESCS: &[&str] = &[
    "ENCODING",
    "STDSTRINGS",
    "SEARCHPATH",
    "SCHEMA",
    "TABLE",
    "TABLE DATA",
    "SEQUENCE",
    "SEQUENCE SET",
    "SEQUENCE OWNED BY",
    "DEFAULT",
    "INDEX",
    "INDEX ATTACH",
    "TABLE ATTACH",
    "CONSTRAINT",
    "CHECK CONSTRAINT",
    "FK CONSTRAINT",
    "TRIGGER",
    "VIEW",
    "MATERIALIZED VIEW",
    "MATERIALIZED VIEW DATA",
    "FUNCTION",
    "PROCEDURE",
    "AGGREGATE",
    "TYPE",
    "DOMAIN",
    "COMMENT",
    "ACL",
    "RULE",
    "POLICY",
    "ROW SECURITY",
];

/// Settings pg_restore's script sets, with the values allowed (`None`: any value).
const SETTINGS: &[(&str, Option<&[&str]>)] = &[
    ("statement_timeout", None),
    ("lock_timeout", None),
    ("idle_in_transaction_session_timeout", None),
    ("transaction_timeout", None),
    // The parser here reads the text as UTF-8 with standard strings; the server must too.
    (
        "client_encoding",
        Some(&["UTF8", "utf8", "UTF-8", "SQL_ASCII"]),
    ),
    ("standard_conforming_strings", Some(&["on"])),
    ("check_function_bodies", None),
    ("xmloption", None),
    ("client_min_messages", None),
    ("row_security", Some(&["off"])),
    ("default_tablespace", Some(&[""])),
    ("default_table_access_method", None),
    ("default_with_oids", Some(&["false", "off"])),
];

/// What the archive of one tenant may touch.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The tenant's schema.
    pub schema: String,
    /// Schemas names may point into besides the tenant's: `pg_catalog`, the extension schema.
    pub readable: Vec<String>,
    /// The one role objects may be given to (`None`: learnt from the archive's schema entry).
    pub owner: Option<String>,
}

impl Rules {
    /// `depends_on`: the other schemas the manifest says the tenant's objects use (an extension
    /// schema, say): names may point into them, nothing may be created there.
    pub fn new(schema: &str, depends_on: &[String]) -> Rules {
        let mut readable = vec!["pg_catalog".to_string()];
        readable.extend(depends_on.iter().filter(|d| *d != schema).cloned());
        Rules {
            schema: schema.to_string(),
            readable,
            owner: None,
        }
    }
}

/// Check every entry of `toc` against `rules`; returns the role the archive gives its objects to.
/// The error names the entry and what it does that a tenant's archive may not.
pub fn check_toc(toc: &Toc, rules: &Rules) -> Result<String, String> {
    let mut owner: Option<String> = None;
    for (i, e) in toc.entries.iter().enumerate() {
        let named = |why: String| format!("{} {why}", entry_name(e));
        if !DESCS.contains(&&*e.desc) {
            return Err(named(format!(
                "is a kind of entry a tenant's archive may not hold ({})",
                e.desc.to_lowercase()
            )));
        }
        let text = toc
            .entry_text(i)
            .map_err(|err| named(format!("cannot be read: {err}")))?;
        if !text.tablespace.is_empty() {
            return Err(named(format!(
                "puts its object in tablespace `{}`",
                text.tablespace
            )));
        }
        if !text.owner.is_empty() {
            match &owner {
                None if &*e.desc == "SCHEMA" || rules.owner.is_none() => {
                    owner = Some(text.owner.clone())
                }
                None => {}
                Some(o) if *o == text.owner => {}
                Some(o) => {
                    return Err(named(format!(
                        "is owned by role `{}`, the schema by `{o}`: the archive gives objects to another role",
                        text.owner
                    )));
                }
            }
        }
        let mut r = rules.clone();
        if r.owner.is_none() {
            r.owner = owner.clone();
        }
        check_sql(&text.defn, &r).map_err(&named)?;
        if !text.copy_stmt.is_empty() {
            if &*e.desc != "TABLE DATA" {
                return Err(named(
                    "carries a COPY statement but is no table's data".into(),
                ));
            }
            check_copy(&text.copy_stmt, &r).map_err(&named)?;
        } else if e.has_data && &*e.desc == "TABLE DATA" {
            return Err(named("has data but no COPY statement".into()));
        }
    }
    owner.ok_or_else(|| "the archive names no owner for its schema".to_string())
}

/// How an entry is named in messages: `entry 42 (function beta.f)`.
fn entry_name(e: &TocEntry) -> String {
    let ns = e
        .namespace
        .as_deref()
        .map(|n| format!("{n}."))
        .unwrap_or_default();
    format!(
        "entry {} ({} {ns}{})",
        e.dump_id,
        e.desc.to_lowercase(),
        e.tag
    )
}

/// A COPY statement of a data entry: `COPY schema.table (...) FROM stdin;` and nothing more.
pub fn check_copy(sql: &str, rules: &Rules) -> Result<(), String> {
    let stmts = parse(sql)?;
    match stmts.as_slice() {
        [NodeEnum::CopyStmt(c)] => {
            if !c.is_from || c.is_program || !c.filename.is_empty() || c.query.is_some() {
                return Err("has a COPY that is not `COPY ... FROM stdin`".into());
            }
            target_rel(c.relation.as_ref(), rules, "copies into")?;
            refs(&NodeEnum::CopyStmt(c.clone()), rules)
        }
        _ => Err(format!(
            "has a COPY statement that is not one COPY: `{}`",
            short(sql)
        )),
    }
}

/// Parse `sql` (any number of statements) and check each against `rules`.
pub fn check_sql(sql: &str, rules: &Rules) -> Result<(), String> {
    for stmt in parse(sql)? {
        check_stmt(&stmt, rules)?;
    }
    Ok(())
}

fn parse(sql: &str) -> Result<Vec<NodeEnum>, String> {
    let parsed =
        pg_query::parse(sql, 0).map_err(|e| format!("has SQL that does not parse ({e})"))?;
    Ok(parsed
        .protobuf
        .stmts
        .into_iter()
        .filter_map(|s| s.stmt.and_then(|n| n.node))
        .collect())
}

fn short(sql: &str) -> String {
    let one: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

/// The names of a list of `String` nodes (a qualified name).
fn names(list: &[protobuf::Node]) -> Vec<String> {
    list.iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

fn in_schema(schema: Option<&str>, rules: &Rules, what: &str, name: &str) -> Result<(), String> {
    match schema {
        Some(s) if s == rules.schema => Ok(()),
        Some(s) => Err(format!(
            "{what} `{name}` in schema `{s}`, outside the tenant's schema `{}`",
            rules.schema
        )),
        None => Err(format!(
            "{what} `{name}`, not qualified with the tenant's schema"
        )),
    }
}

fn target_rel(rel: Option<&RangeVar>, rules: &Rules, what: &str) -> Result<(), String> {
    let Some(r) = rel else {
        return Err(format!("{what} no relation"));
    };
    let schema = (!r.schemaname.is_empty()).then_some(r.schemaname.as_str());
    in_schema(schema, rules, what, &r.relname)
}

fn target_name(list: &[protobuf::Node], rules: &Rules, what: &str) -> Result<(), String> {
    let n = names(list);
    let schema = (n.len() >= 2).then(|| n[0].as_str());
    in_schema(schema, rules, what, &n.join("."))
}

/// The object of a COMMENT, ALTER ... OWNER or GRANT: the schema it is in (or, for a schema,
/// the schema itself) must be the tenant's.
fn target_object(
    node: Option<&protobuf::Node>,
    ot: ObjectType,
    rules: &Rules,
    what: &str,
) -> Result<(), String> {
    let Some(node) = node.and_then(|n| n.node.as_ref()) else {
        return Err(format!("{what} nothing"));
    };
    match node {
        NodeEnum::String(s) if ot == ObjectType::ObjectSchema => {
            if s.sval == rules.schema {
                Ok(())
            } else {
                Err(format!(
                    "{what} schema `{}`, not the tenant's schema `{}`",
                    s.sval, rules.schema
                ))
            }
        }
        NodeEnum::List(l) => match l.items.first().and_then(|n| n.node.as_ref()) {
            Some(NodeEnum::TypeName(t)) => target_name(&t.names, rules, what),
            _ => target_name(&l.items, rules, what),
        },
        NodeEnum::ObjectWithArgs(o) => target_name(&o.objname, rules, what),
        NodeEnum::TypeName(t) => target_name(&t.names, rules, what),
        NodeEnum::RangeVar(r) => target_rel(Some(r), rules, what),
        _ => Err(format!(
            "{what} an object of a kind a tenant's archive may not name"
        )),
    }
}

fn object_type(v: i32) -> ObjectType {
    ObjectType::try_from(v).unwrap_or(ObjectType::Undefined)
}

/// Object kinds a tenant's archive may comment on, give away or grant on.
fn tenant_object_type(ot: ObjectType) -> bool {
    use ObjectType as O;
    matches!(
        ot,
        O::ObjectSchema
            | O::ObjectTable
            | O::ObjectColumn
            | O::ObjectView
            | O::ObjectMatview
            | O::ObjectSequence
            | O::ObjectIndex
            | O::ObjectFunction
            | O::ObjectProcedure
            | O::ObjectRoutine
            | O::ObjectAggregate
            | O::ObjectType
            | O::ObjectDomain
            | O::ObjectDomconstraint
            | O::ObjectTabconstraint
            | O::ObjectTrigger
            | O::ObjectRule
            | O::ObjectPolicy
    )
}

fn owner_is(role: Option<&protobuf::RoleSpec>, rules: &Rules) -> Result<(), String> {
    let name = role.map(|r| r.rolename.as_str()).unwrap_or("");
    match &rules.owner {
        Some(o) if o == name => Ok(()),
        Some(o) => Err(format!(
            "gives an object to role `{name}`; the archive's objects belong to `{o}`"
        )),
        None => Err(format!(
            "gives an object to role `{name}` before the schema has an owner"
        )),
    }
}

fn check_stmt(stmt: &NodeEnum, rules: &Rules) -> Result<(), String> {
    use NodeEnum as N;
    // Statements whose expressions run during the restore (constraint checks, index builds,
    // generated columns, materialized views): no call into the tenant's own code there.
    let mut runs_now = false;
    match stmt {
        N::VariableSetStmt(v) => return check_set(v),
        N::SelectStmt(s) => return check_select(s, rules),
        N::CreateSchemaStmt(s) => {
            if s.schemaname != rules.schema {
                return Err(format!(
                    "creates schema `{}`, not the tenant's schema `{}`",
                    s.schemaname, rules.schema
                ));
            }
            if s.authrole.is_some() || !s.schema_elts.is_empty() {
                return Err("creates its schema with an owner or objects of its own".into());
            }
        }
        N::CreateStmt(s) => {
            target_rel(s.relation.as_ref(), rules, "creates table")?;
            if !s.tablespacename.is_empty() {
                return Err(format!(
                    "creates a table in tablespace `{}`",
                    s.tablespacename
                ));
            }
            runs_now = true;
        }
        N::AlterTableStmt(s) => {
            target_rel(s.relation.as_ref(), rules, "alters")?;
            for c in &s.cmds {
                if let Some(N::AlterTableCmd(c)) = &c.node
                    && c.newowner.is_some()
                {
                    owner_is(c.newowner.as_ref(), rules)?;
                }
            }
            runs_now = true;
        }
        N::IndexStmt(s) => {
            target_rel(s.relation.as_ref(), rules, "creates an index on")?;
            if !s.table_space.is_empty() {
                return Err(format!(
                    "creates an index in tablespace `{}`",
                    s.table_space
                ));
            }
            runs_now = true;
        }
        N::CreateSeqStmt(s) => target_rel(s.sequence.as_ref(), rules, "creates sequence")?,
        N::AlterSeqStmt(s) => target_rel(s.sequence.as_ref(), rules, "alters sequence")?,
        N::ViewStmt(s) => target_rel(s.view.as_ref(), rules, "creates view")?,
        N::CreateTableAsStmt(s) => {
            target_rel(
                s.into.as_ref().and_then(|i| i.rel.as_ref()),
                rules,
                "creates materialized view",
            )?;
            runs_now = true;
        }
        N::RefreshMatViewStmt(s) => {
            target_rel(s.relation.as_ref(), rules, "refreshes")?;
        }
        N::CreateFunctionStmt(s) => {
            target_name(&s.funcname, rules, "creates function")?;
            check_language(s)?;
        }
        N::CreateTrigStmt(s) => {
            target_rel(s.relation.as_ref(), rules, "creates a trigger on")?;
        }
        N::RuleStmt(s) => target_rel(s.relation.as_ref(), rules, "creates a rule on")?,
        N::CreatePolicyStmt(s) => target_rel(s.table.as_ref(), rules, "creates a policy on")?,
        N::CompositeTypeStmt(s) => target_rel(s.typevar.as_ref(), rules, "creates type")?,
        N::CreateEnumStmt(s) => target_name(&s.type_name, rules, "creates type")?,
        N::CreateRangeStmt(s) => target_name(&s.type_name, rules, "creates type")?,
        N::CreateDomainStmt(s) => {
            target_name(&s.domainname, rules, "creates domain")?;
            runs_now = true;
        }
        N::AlterDomainStmt(s) => {
            target_name(&s.type_name, rules, "alters domain")?;
            runs_now = true;
        }
        N::DefineStmt(s) => {
            let kind = object_type(s.kind);
            if !matches!(kind, ObjectType::ObjectAggregate | ObjectType::ObjectType) {
                return Err("defines an object of a kind a tenant's archive may not hold".into());
            }
            if kind == ObjectType::ObjectType && !s.definition.is_empty() {
                // A base type has input and output functions in C: superuser code.
                return Err("defines a base type (functions in C)".into());
            }
            target_name(&s.defnames, rules, "defines")?;
        }
        N::CommentStmt(s) => {
            let ot = object_type(s.objtype);
            if !tenant_object_type(ot) {
                return Err(format!("comments on a {}", ot.as_str_name().to_lowercase()));
            }
            target_object(s.object.as_deref(), ot, rules, "comments on")?;
        }
        N::AlterOwnerStmt(s) => {
            let ot = object_type(s.object_type);
            if !tenant_object_type(ot) {
                return Err(format!(
                    "changes the owner of a {}",
                    ot.as_str_name().to_lowercase()
                ));
            }
            match &s.relation {
                Some(r) => target_rel(Some(r), rules, "changes the owner of")?,
                None => target_object(s.object.as_deref(), ot, rules, "changes the owner of")?,
            }
            owner_is(s.newowner.as_ref(), rules)?;
        }
        N::GrantStmt(s) => {
            let ot = object_type(s.objtype);
            // ACL_TARGET_OBJECT = 1: named objects, not ALL ... IN SCHEMA or defaults.
            if s.targtype != 1 || !tenant_object_type(ot) {
                return Err(format!(
                    "grants on a {} that is not one of the tenant's objects",
                    ot.as_str_name().to_lowercase()
                ));
            }
            if s.objects.is_empty() {
                return Err("grants on nothing".into());
            }
            for o in &s.objects {
                target_object(Some(o), ot, rules, "grants on")?;
            }
        }
        other => {
            return Err(format!(
                "runs a statement a tenant's archive may not hold ({})",
                stmt_kind(other)
            ));
        }
    }
    refs(stmt, rules)?;
    if runs_now {
        no_tenant_calls(stmt, rules)?;
    }
    Ok(())
}

fn stmt_kind(n: &NodeEnum) -> String {
    let v = serde_json::to_value(n).unwrap_or(Value::Null);
    match v.as_object().and_then(|o| o.keys().next()) {
        Some(k) => k.clone(),
        None => "unknown".into(),
    }
}

fn check_language(s: &protobuf::CreateFunctionStmt) -> Result<(), String> {
    let mut language = None;
    for o in &s.options {
        if let Some(NodeEnum::DefElem(d)) = &o.node
            && d.defname == "language"
            && let Some(NodeEnum::String(v)) = d.arg.as_deref().and_then(|a| a.node.as_ref())
        {
            language = Some(v.sval.to_lowercase());
        }
    }
    match language.as_deref() {
        Some("sql" | "plpgsql") => Ok(()),
        // A function with a body in SQL standard form (BEGIN ATOMIC) has no LANGUAGE clause.
        None if s.sql_body.is_some() => Ok(()),
        Some(l) => Err(format!(
            "creates a function in language `{l}` (only sql and plpgsql are restored)"
        )),
        None => Err("creates a function without a language".into()),
    }
}

fn check_set(v: &protobuf::VariableSetStmt) -> Result<(), String> {
    let Some((_, allowed)) = SETTINGS.iter().find(|(n, _)| *n == v.name) else {
        return Err(format!("sets `{}`", v.name));
    };
    // VAR_SET_VALUE = 1
    if v.is_local || v.kind != 1 {
        return Err(format!("sets `{}` in a way pg_restore does not", v.name));
    }
    if let Some(allowed) = allowed {
        let value = match v.args.as_slice() {
            [a] => const_text(a),
            _ => None,
        };
        match value {
            Some(val) if allowed.contains(&val.as_str()) => {}
            _ => {
                return Err(format!(
                    "sets `{}` to a value other than {}",
                    v.name,
                    allowed
                        .iter()
                        .map(|a| format!("'{a}'"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ));
            }
        }
    }
    Ok(())
}

/// A constant's text: a string, an identifier-like word or a number.
fn const_text(n: &protobuf::Node) -> Option<String> {
    match n.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            protobuf::a_const::Val::Sval(s) => Some(s.sval.clone()),
            protobuf::a_const::Val::Boolval(b) => Some(b.boolval.to_string()),
            protobuf::a_const::Val::Ival(i) => Some(i.ival.to_string()),
            _ => None,
        },
        NodeEnum::String(s) => Some(s.sval.clone()),
        _ => None,
    }
}

/// The two SELECTs pg_restore's script holds: `SELECT pg_catalog.set_config('search_path', '',
/// false);` and a sequence's `SELECT pg_catalog.setval('schema.seq', N, true);`.
fn check_select(s: &protobuf::SelectStmt, rules: &Rules) -> Result<(), String> {
    let bad = || Err("runs a query a tenant's archive may not hold".to_string());
    if !s.from_clause.is_empty()
        || s.where_clause.is_some()
        || s.with_clause.is_some()
        || !s.values_lists.is_empty()
        || s.larg.is_some()
        || s.into_clause.is_some()
        || s.target_list.len() != 1
    {
        return bad();
    }
    let Some(NodeEnum::ResTarget(t)) = &s.target_list[0].node else {
        return bad();
    };
    let Some(NodeEnum::FuncCall(f)) = t.val.as_deref().and_then(|v| v.node.as_ref()) else {
        return bad();
    };
    let args: Vec<Option<String>> = f.args.iter().map(const_text).collect();
    if args.iter().any(Option::is_none) {
        return bad();
    }
    let args: Vec<String> = args.into_iter().flatten().collect();
    match (names(&f.funcname).as_slice(), args.as_slice()) {
        ([c, f], [p, v, _]) if c == "pg_catalog" && f == "set_config" => {
            if p == "search_path" && v.is_empty() {
                Ok(())
            } else {
                bad()
            }
        }
        ([c, f], [seq, _, _] | [seq, _]) if c == "pg_catalog" && f == "setval" => {
            // The sequence is named in a string: parse it as a relation name.
            let parsed = parse(&format!("SELECT FROM {seq}"))
                .map_err(|_| format!("sets sequence `{seq}`, which is not a sequence's name"))?;
            match parsed.as_slice() {
                [NodeEnum::SelectStmt(q)] if q.from_clause.len() == 1 => {
                    match &q.from_clause[0].node {
                        Some(NodeEnum::RangeVar(r)) => target_rel(Some(r), rules, "sets sequence"),
                        _ => bad(),
                    }
                }
                _ => bad(),
            }
        }
        _ => bad(),
    }
}

/// Keys of the parse tree that hold a qualified name as a list of strings.
const NAME_LISTS: &[&str] = &[
    "funcname",
    "names",
    "objname",
    "defnames",
    "domainname",
    "type_name",
    "collname",
    "opclass",
    "exclude_op_names",
    "name",
    "opfamilyname",
    "opclassname",
    "func_name",
    "oper_name",
    "use_op",
    "handler_name",
];

/// Every name anywhere in `stmt` points into the tenant's schema or a readable one.
fn refs(stmt: &NodeEnum, rules: &Rules) -> Result<(), String> {
    let tree = serde_json::to_value(stmt).map_err(|e| format!("cannot be checked: {e}"))?;
    walk(&tree, &mut |schema, name| {
        if schema == rules.schema || rules.readable.iter().any(|r| r == schema) {
            Ok(())
        } else {
            Err(format!(
                "refers to `{schema}.{name}`, outside the tenant's schema `{}`",
                rules.schema
            ))
        }
    })
}

/// No call of a function or operator of the tenant's own schema.
fn no_tenant_calls(stmt: &NodeEnum, rules: &Rules) -> Result<(), String> {
    let tree = serde_json::to_value(stmt).map_err(|e| format!("cannot be checked: {e}"))?;
    calls(&tree, &mut |schema, name| {
        if schema == rules.schema {
            Err(format!(
                "calls `{schema}.{name}` while being restored (in a constraint, index, generated column or materialized view): the archive's own code would run with the restoring role's privileges"
            ))
        } else {
            Ok(())
        }
    })
}

/// The qualified names in a parse tree (as JSON): relations and the name lists of
/// [`NAME_LISTS`]; `f(schema, name)` for each.
fn walk(v: &Value, f: &mut impl FnMut(&str, &str) -> Result<(), String>) -> Result<(), String> {
    match v {
        Value::Object(o) => {
            // A RangeVar, tagged or as a field.
            if let (Some(Value::String(s)), Some(Value::String(r))) =
                (o.get("schemaname"), o.get("relname"))
                && !s.is_empty()
            {
                f(s, r)?;
            }
            if let Some(Value::String(c)) = o.get("catalogname")
                && !c.is_empty()
            {
                return Err(format!("names database `{c}`"));
            }
            for (k, child) in o {
                if NAME_LISTS.contains(&k.as_str())
                    && let Some(n) = string_list(child)
                    && n.len() >= 2
                {
                    if n.len() > 2 && k != "name" {
                        return Err(format!("names `{}` in another database", n.join(".")));
                    }
                    f(&n[0], &n[1..].join("."))?;
                }
                walk(child, f)?;
            }
            Ok(())
        }
        Value::Array(a) => a.iter().try_for_each(|c| walk(c, f)),
        _ => Ok(()),
    }
}

/// The qualified function and operator names called in a parse tree (as JSON).
fn calls(v: &Value, f: &mut impl FnMut(&str, &str) -> Result<(), String>) -> Result<(), String> {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                let called = match k.as_str() {
                    "FuncCall" => child.get("funcname"),
                    "A_Expr" | "AExpr" => child.get("name"),
                    _ => None,
                };
                if let Some(n) = called.and_then(string_list)
                    && n.len() >= 2
                {
                    f(&n[0], &n[1..].join("."))?;
                }
                calls(child, f)?;
            }
            Ok(())
        }
        Value::Array(a) => a.iter().try_for_each(|c| calls(c, f)),
        _ => Ok(()),
    }
}

/// A JSON list of `{"node": {"String": {"sval": ...}}}`, as strings.
fn string_list(v: &Value) -> Option<Vec<String>> {
    let a = v.as_array()?;
    a.iter()
        .map(|n| {
            n.get("node")?
                .get("String")?
                .get("sval")?
                .as_str()
                .map(str::to_string)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        let mut r = Rules::new("beta", &[]);
        r.owner = Some("app".into());
        r
    }

    #[test]
    fn what_pg_dump_writes_for_a_tenant_passes() {
        for sql in [
            "SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nSELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\nSET default_tablespace = '';\nSET default_table_access_method = heap;",
            "CREATE SCHEMA beta;",
            "ALTER SCHEMA beta OWNER TO app;",
            "CREATE TABLE beta.people (id bigint NOT NULL, name character varying(100) NOT NULL, CONSTRAINT people_name_check CHECK ((btrim((name)::text) <> ''::text)));",
            "ALTER TABLE beta.people OWNER TO app;",
            "CREATE FUNCTION beta.set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;",
            "ALTER FUNCTION beta.set_updated_at() OWNER TO app;",
            "CREATE SEQUENCE beta.people_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;",
            "ALTER SEQUENCE beta.people_id_seq OWNED BY beta.people.id;",
            "ALTER TABLE ONLY beta.people ALTER COLUMN id SET DEFAULT nextval('beta.people_id_seq'::regclass);",
            "SELECT pg_catalog.setval('beta.people_id_seq', 3, true);",
            "ALTER TABLE ONLY beta.people ADD CONSTRAINT people_pkey PRIMARY KEY (id);",
            "CREATE UNIQUE INDEX people_lower_idx ON beta.people USING btree (lower((name)::text));",
            "CREATE TRIGGER t BEFORE UPDATE ON beta.people FOR EACH ROW EXECUTE FUNCTION beta.set_updated_at();",
            "ALTER TABLE ONLY beta.posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (author_id) REFERENCES beta.people(id) ON DELETE CASCADE;",
            "COMMENT ON TABLE beta.people IS 'x';",
            "COMMENT ON SCHEMA beta IS 'x';",
            "GRANT SELECT ON TABLE beta.people TO reader;",
            "CREATE VIEW beta.v AS SELECT people.id FROM beta.people;",
        ] {
            check_sql(sql, &rules()).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        check_copy("COPY beta.people (id, name) FROM stdin;", &rules()).unwrap();
    }

    #[test]
    fn anything_outside_the_tenant_is_refused() {
        for (sql, why) in [
            (
                "ALTER ROLE x SUPERUSER LOGIN PASSWORD 'p';",
                "AlterRoleStmt",
            ),
            (
                "GRANT CREATE ON SCHEMA public TO PUBLIC;",
                "schema `public`",
            ),
            (
                "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'select 1';",
                "schema `public`",
            ),
            (
                "CREATE FUNCTION pg_catalog.f() RETURNS int LANGUAGE sql AS 'select 1';",
                "schema `pg_catalog`",
            ),
            ("CREATE TABLE gamma.t (x int);", "schema `gamma`"),
            ("CREATE TABLE t (x int);", "not qualified"),
            (
                "ALTER TABLE beta.people OWNER TO postgres;",
                "role `postgres`",
            ),
            (
                "ALTER FUNCTION beta.f() OWNER TO postgres;",
                "role `postgres`",
            ),
            (
                "CREATE FUNCTION beta.f() RETURNS int LANGUAGE c AS '/tmp/x.so', 'f';",
                "language `c`",
            ),
            ("SET ROLE postgres;", "sets `role`"),
            (
                "SET standard_conforming_strings = off;",
                "standard_conforming_strings",
            ),
            (
                "SET SESSION AUTHORIZATION postgres;",
                "session_authorization",
            ),
            ("SELECT beta.evil();", "query"),
            (
                "SELECT pg_catalog.set_config('search_path', 'beta', false);",
                "query",
            ),
            (
                "SELECT pg_catalog.setval('gamma.s', 1, true);",
                "schema `gamma`",
            ),
            ("COMMIT;", "TransactionStmt"),
            ("DO $$ BEGIN END $$;", "DoStmt"),
            (
                "CREATE TABLE beta.t (x int CHECK (beta.evil(x)));",
                "calls `beta.evil`",
            ),
            (
                "CREATE INDEX i ON beta.t (beta.evil(x));",
                "calls `beta.evil`",
            ),
            (
                "CREATE TABLE beta.t (x int REFERENCES gamma.t);",
                "`gamma.t`",
            ),
            (
                "CREATE VIEW beta.v AS SELECT * FROM gamma.people;",
                "`gamma.people`",
            ),
            (
                "ALTER DEFAULT PRIVILEGES IN SCHEMA beta GRANT ALL ON TABLES TO x;",
                "AlterDefaultPrivilegesStmt",
            ),
            (
                "GRANT ALL ON ALL TABLES IN SCHEMA public TO x;",
                "grants on",
            ),
            ("COMMENT ON ROLE x IS 'y';", "comments on"),
            ("CREATE SCHEMA gamma;", "schema `gamma`"),
        ] {
            let err = check_sql(sql, &rules()).expect_err(sql);
            assert!(err.contains(why), "{sql}: {err}");
        }
        for copy in [
            "COPY beta.people FROM '/etc/passwd';",
            "COPY beta.people TO PROGRAM 'id';",
            "COPY gamma.people (id) FROM stdin;",
        ] {
            assert!(check_copy(copy, &rules()).is_err(), "{copy}");
        }
    }
}
