//! KQL's shared tables (see the module above): keywords, word lists, character classes and precedence,
//! as measured against Microsoft's Kusto.Language (docs/grammars.md).

#[cfg(test)]
use super::CharClass;
use super::{Case, Keyword, Level, Precedence, Refuse, Shape};
use crate::syntax::kinds::kql as k;

/// What Kusto.Language's lexer skips as whitespace, measured character by character with kql-check:
/// \t \n \f \r, space and the other Unicode space separators, U+180E, U+200B (zero width space) and
/// U+FEFF (BOM). Not \v, U+0085, U+200C/D, U+2028/9 or U+2060.
pub(crate) const WHITESPACE: &[(char, char)] = &[
    (' ', ' '),
    ('\t', '\n'),
    ('\u{0C}', '\r'),
    ('\u{A0}', '\u{A0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{2000}', '\u{200B}'),
    ('\u{202F}', '\u{202F}'),
    ('\u{205F}', '\u{205F}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{FEFF}', '\u{FEFF}'),
];

/// Comment bodies run to the end of the line; strings stop at a line break, their quote or `\`.
#[cfg(test)]
pub(crate) const CLASSES: &[CharClass] = &[
    class("line_char", "\n\r"),
    class("dq_char", "\n\r\"\\"),
    class("sq_char", "\n\r'\\"),
    class("vdq_char", "\n\r\""),
    class("vsq_char", "\n\r'"),
];

#[cfg(test)]
const fn class(rule: &'static str, except: &'static str) -> CharClass {
    CharClass {
        rule,
        except,
        except_ws: false,
    }
}

const fn kw(kind: &'static str, words: &'static [&'static str], refuse: Refuse) -> Keyword {
    Keyword {
        kind,
        words,
        case: Case::Sensitive,
        refuse,
    }
}

// Words the grammar's reserved_* rules refuse as names, per position.
pub(crate) const RESERVED_NAME: &[&str] = &[
    "externaldata",
    "endswith",
    "contains_cs",
    "contains",
    "materialize",
    "notcontains",
    "notlike",
    "startswith",
    "sample",
    "search",
    "simple",
    "string",
    "set",
    "datatable",
    "datetime",
    "decimal",
    "dynamic",
    "double",
    "date",
    "desc",
    "hasprefix",
    "hassuffix",
    "has_all",
    "has_any",
    "has_cs",
    "has",
    "timespan",
    "toscalar",
    "title",
    "time",
    "to",
    "between",
    "by",
    "isfuzzy",
    "invoke",
    "int",
    "in",
    "project",
    "print",
    "relaxed",
    "real",
    "first",
    "find",
    "union",
    "where",
    "last",
    "like",
    "long",
    "and",
    "asc",
    "as",
    "of",
    "or",
];
pub(crate) const RESERVED_CALL: &[&str] = &[
    "externaldata",
    "endswith",
    "contains_cs",
    "contains",
    "materialize",
    "notcontains",
    "notlike",
    "startswith",
    "sample",
    "search",
    "simple",
    "string",
    "set",
    "withsource",
    "where",
    "datatable",
    "datetime",
    "decimal",
    "dynamic",
    "double",
    "date",
    "desc",
    "hasprefix",
    "hassuffix",
    "has_all",
    "has_any",
    "has_cs",
    "has",
    "timespan",
    "toscalar",
    "typeof",
    "title",
    "time",
    "true",
    "to",
    "between",
    "by",
    "isfuzzy",
    "invoke",
    "int",
    "in",
    "project",
    "print",
    "relaxed",
    "real",
    "false",
    "first",
    "find",
    "union",
    "kind",
    "last",
    "like",
    "long",
    "and",
    "asc",
    "as",
    "of",
    "or",
];
pub(crate) const RESERVED_DECL: &[&str] = &[
    "withsource",
    "datetime",
    "decimal",
    "dynamic",
    "double",
    "date",
    "desc",
    "timespan",
    "time",
    "true",
    "between",
    "has_all",
    "has_any",
    "isfuzzy",
    "int",
    "project",
    "relaxed",
    "real",
    "simple",
    "string",
    "false",
    "first",
    "union",
    "kind",
    "last",
    "like",
    "long",
    "and",
    "asc",
    "or",
];
pub(crate) const TYPE_NAMES: &[&str] = &[
    "string", "int", "long", "real", "double", "decimal", "datetime", "date", "dynamic", "boolean",
    "bool", "timespan", "time", "guid", "uniqueid",
];
pub(crate) const TS_UNITS: &[&str] = &[
    "milliseconds",
    "millisecond",
    "millisec",
    "millis",
    "milli",
    "microseconds",
    "microsecond",
    "microsec",
    "micros",
    "micro",
    "minutes",
    "minute",
    "min",
    "ms",
    "m",
    "nanoseconds",
    "nanosecond",
    "nanosec",
    "nanos",
    "nano",
    "seconds",
    "second",
    "sec",
    "s",
    "days",
    "day",
    "d",
    "hours",
    "hour",
    "hrs",
    "hr",
    "h",
    "ticks",
    "tick",
];
/// The grammar's dashed_kw: one keyword token for Kusto's lexer, never a name followed by `-`.
pub(crate) const DASHED_KW: &[&str] = &[
    "graph-mark-components",
    "graph-shortest-paths",
    "graph-to-table",
    "graph-match",
    "granny-desc",
    "granny-asc",
    "macro-expand",
    "make-series",
    "make-graph",
    "mv-expand",
    "mv-apply",
    "parse-where",
    "parse-kv",
    "partition-by",
    "project-by-names",
    "project-reorder",
    "project-rename",
    "project-smart",
    "project-away",
    "project-keep",
    "sample-distinct",
    "top-hitters",
    "top-nested",
];
pub(crate) const BOOLS: &[&str] = &["true", "false", "TRUE", "True", "FALSE", "False"];
// typed_literal's words in the grammar's order (no `!ident_char`: a `(` must follow at once).
pub(crate) const TYPED_LITERAL: &[&str] = &[
    "datetime", "date", "double", "decimal", "timespan", "time", "guid", "long", "int", "real",
    "bool",
];
pub(crate) const HINT_PARAMS: &[&str] = &[
    "pass_filters_column",
    "progressive_top",
    "num_partitions",
    "distribution",
    "materialized",
    "pass_filters",
    "concurrency",
    "shufflekey",
    "strategy",
    "remote",
    "spread",
];
pub(crate) const PARAMS: &[&str] = &[
    "with_itemindex",
    "with_match_id",
    "bagexpansion",
    "decodeblocks",
    "with_source",
    "withsource",
    "bin_legacy",
    "isfuzzy",
    "flags",
    "kind",
];
pub(crate) const KV_PROPS: &[&str] = &[
    "pair_delimiter",
    "kv_delimiter",
    "quote",
    "escape",
    "greedy",
];
pub(crate) const RENDER_PROPS: &[&str] = &[
    "anomalycolumns",
    "accumulate",
    "ycolumns",
    "xcolumn",
    "legend",
    "series",
    "xtitle",
    "ytitle",
    "ysplit",
    "title",
    "xaxis",
    "yaxis",
    "kind",
    "xmin",
    "xmax",
    "ymin",
    "ymax",
];
pub(crate) const REDUCE_PROPS: &[&str] = &["threshold", "characters"];
/// `str_op`'s words, each followed by `!ident_char` (`=~` and `!~` come first; a space stands for
/// one or more whitespace characters).
pub(crate) const STR_OPS: &[&str] = &[
    "matches regex",
    "!startswith_cs",
    "!hasprefix_cs",
    "!hassuffix_cs",
    "!contains_cs",
    "!endswith_cs",
    "!startswith",
    "!hasprefix",
    "!hassuffix",
    "!contains",
    "!endswith",
    "!has_cs",
    "!has",
    "notcontainscs",
    "notcontains",
    "notlikecs",
    "notlike",
    "startswith_cs",
    "startswith",
    "hasprefix_cs",
    "hassuffix_cs",
    "hasprefix",
    "hassuffix",
    "has_cs",
    "has",
    "contains_cs",
    "containscs",
    "contains",
    "endswith_cs",
    "endswith",
    "likecs",
    "like",
];

// ---------------------------------------------------------------- keywords

pub(crate) const KW_LET: Keyword = kw(k::KW_LET, &["let"], Refuse::Nothing);
pub(crate) const KW_VIEW: Keyword = kw(k::KW_VIEW, &["view"], Refuse::Nothing);
pub(crate) const KW_SET: Keyword = kw(k::KW_SET, &["set"], Refuse::Nothing);
pub(crate) const KW_DECLARE: Keyword = kw(k::KW_DECLARE, &["declare"], Refuse::Nothing);
pub(crate) const KW_QUERY_PARAMETERS: Keyword = kw(
    k::KW_QUERY_PARAMETERS,
    &["query_parameters"],
    Refuse::Nothing,
);
pub(crate) const KW_WHERE: Keyword = kw(k::KW_WHERE, &["where"], Refuse::Nothing);
pub(crate) const KW_FILTER: Keyword = kw(k::KW_FILTER, &["filter"], Refuse::Nothing);
pub(crate) const KW_EXTEND: Keyword = kw(k::KW_EXTEND, &["extend"], Refuse::Nothing);
pub(crate) const KW_PROJECT: Keyword = kw(
    k::KW_PROJECT,
    &["project"],
    Refuse::Suffixes(&[
        "-by-names",
        "-reorder",
        "-rename",
        "-smart",
        "-away",
        "-keep",
    ]),
);
pub(crate) const KW_PROJECT_AWAY: Keyword =
    kw(k::KW_PROJECT_AWAY, &["project-away"], Refuse::Nothing);
pub(crate) const KW_PROJECT_KEEP: Keyword =
    kw(k::KW_PROJECT_KEEP, &["project-keep"], Refuse::Nothing);
pub(crate) const KW_PROJECT_RENAME: Keyword =
    kw(k::KW_PROJECT_RENAME, &["project-rename"], Refuse::Nothing);
pub(crate) const KW_PROJECT_REORDER: Keyword =
    kw(k::KW_PROJECT_REORDER, &["project-reorder"], Refuse::Nothing);
pub(crate) const KW_SUMMARIZE: Keyword = kw(k::KW_SUMMARIZE, &["summarize"], Refuse::Nothing);
pub(crate) const KW_BY: Keyword = kw(k::KW_BY, &["by"], Refuse::Nothing);
pub(crate) const KW_JOIN: Keyword = kw(k::KW_JOIN, &["join"], Refuse::Nothing);
pub(crate) const KW_LOOKUP: Keyword = kw(k::KW_LOOKUP, &["lookup"], Refuse::Nothing);
pub(crate) const KW_ON: Keyword = kw(k::KW_ON, &["on"], Refuse::Nothing);
pub(crate) const KW_UNION: Keyword = kw(k::KW_UNION, &["union"], Refuse::Nothing);
pub(crate) const KW_MV_EXPAND: Keyword =
    kw(k::KW_MV_EXPAND, &["mv-expand", "mvexpand"], Refuse::Nothing);
pub(crate) const KW_MV_APPLY: Keyword =
    kw(k::KW_MV_APPLY, &["mv-apply", "mvapply"], Refuse::Nothing);
pub(crate) const KW_TO: Keyword = kw(k::KW_TO, &["to"], Refuse::Nothing);
pub(crate) const KW_TYPEOF: Keyword = kw(k::KW_TYPEOF, &["typeof"], Refuse::Nothing);
pub(crate) const KW_LIMIT: Keyword = kw(k::KW_LIMIT, &["limit"], Refuse::Nothing);
pub(crate) const KW_PARSE: Keyword = kw(k::KW_PARSE, &["parse"], Refuse::DashedKeyword);
pub(crate) const KW_PARSE_WHERE: Keyword = kw(k::KW_PARSE_WHERE, &["parse-where"], Refuse::Nothing);
pub(crate) const KW_PARSE_KV: Keyword = kw(k::KW_PARSE_KV, &["parse-kv"], Refuse::Nothing);
pub(crate) const KW_WITH: Keyword = kw(k::KW_WITH, &["with"], Refuse::Nothing);
pub(crate) const KW_AS: Keyword = kw(k::KW_AS, &["as"], Refuse::Nothing);
pub(crate) const KW_TOP: Keyword = kw(k::KW_TOP, &["top"], Refuse::DashedKeyword);
pub(crate) const KW_TOP_NESTED: Keyword = kw(k::KW_TOP_NESTED, &["top-nested"], Refuse::Nothing);
pub(crate) const KW_TOP_HITTERS: Keyword = kw(k::KW_TOP_HITTERS, &["top-hitters"], Refuse::Nothing);
pub(crate) const KW_OF: Keyword = kw(k::KW_OF, &["of"], Refuse::Nothing);
pub(crate) const KW_OTHERS: Keyword = kw(k::KW_OTHERS, &["others"], Refuse::Nothing);
pub(crate) const KW_SORT: Keyword = kw(k::KW_SORT, &["sort"], Refuse::Nothing);
pub(crate) const KW_ORDER: Keyword = kw(k::KW_ORDER, &["order"], Refuse::Nothing);
pub(crate) const KW_ASC: Keyword = kw(k::KW_ASC, &["asc"], Refuse::Nothing);
pub(crate) const KW_DESC: Keyword = kw(k::KW_DESC, &["desc"], Refuse::Nothing);
pub(crate) const KW_GRANNY_ASC: Keyword = kw(k::KW_GRANNY_ASC, &["granny-asc"], Refuse::Nothing);
pub(crate) const KW_GRANNY_DESC: Keyword = kw(k::KW_GRANNY_DESC, &["granny-desc"], Refuse::Nothing);
pub(crate) const KW_NULLS: Keyword = kw(k::KW_NULLS, &["nulls"], Refuse::Nothing);
pub(crate) const KW_FIRST: Keyword = kw(k::KW_FIRST, &["first"], Refuse::Nothing);
pub(crate) const KW_LAST: Keyword = kw(k::KW_LAST, &["last"], Refuse::Nothing);
pub(crate) const KW_DISTINCT: Keyword = kw(k::KW_DISTINCT, &["distinct"], Refuse::Nothing);
pub(crate) const KW_TAKE: Keyword = kw(k::KW_TAKE, &["take"], Refuse::Nothing);
pub(crate) const KW_COUNT: Keyword = kw(k::KW_COUNT, &["count"], Refuse::Nothing);
pub(crate) const KW_EVALUATE: Keyword = kw(k::KW_EVALUATE, &["evaluate"], Refuse::Nothing);
pub(crate) const KW_MAKE_SERIES: Keyword = kw(k::KW_MAKE_SERIES, &["make-series"], Refuse::Nothing);
pub(crate) const KW_DEFAULT: Keyword = kw(k::KW_DEFAULT, &["default"], Refuse::Nothing);
pub(crate) const KW_IN: Keyword = kw(k::KW_IN, &["in"], Refuse::Nothing);
pub(crate) const KW_FROM: Keyword = kw(k::KW_FROM, &["from"], Refuse::Nothing);
pub(crate) const KW_STEP: Keyword = kw(k::KW_STEP, &["step"], Refuse::Nothing);
pub(crate) const KW_INVOKE: Keyword = kw(k::KW_INVOKE, &["invoke"], Refuse::Nothing);
pub(crate) const KW_RENDER: Keyword = kw(k::KW_RENDER, &["render"], Refuse::Nothing);
pub(crate) const KW_GETSCHEMA: Keyword = kw(k::KW_GETSCHEMA, &["getschema"], Refuse::Nothing);
pub(crate) const KW_SERIALIZE: Keyword = kw(k::KW_SERIALIZE, &["serialize"], Refuse::Nothing);
pub(crate) const KW_SAMPLE: Keyword =
    kw(k::KW_SAMPLE, &["sample"], Refuse::Suffixes(&["-distinct"]));
pub(crate) const KW_SAMPLE_DISTINCT: Keyword =
    kw(k::KW_SAMPLE_DISTINCT, &["sample-distinct"], Refuse::Nothing);
pub(crate) const KW_FACET: Keyword = kw(k::KW_FACET, &["facet"], Refuse::Nothing);
pub(crate) const KW_FORK: Keyword = kw(k::KW_FORK, &["fork"], Refuse::Nothing);
pub(crate) const KW_PARTITION: Keyword = kw(k::KW_PARTITION, &["partition"], Refuse::Nothing);
pub(crate) const KW_REDUCE: Keyword = kw(k::KW_REDUCE, &["reduce"], Refuse::Nothing);
pub(crate) const KW_CONSUME: Keyword = kw(k::KW_CONSUME, &["consume"], Refuse::Nothing);
pub(crate) const KW_SCAN: Keyword = kw(k::KW_SCAN, &["scan"], Refuse::Nothing);
pub(crate) const KW_OUTPUT: Keyword = kw(k::KW_OUTPUT, &["output"], Refuse::Nothing);
pub(crate) const KW_SEARCH: Keyword = kw(k::KW_SEARCH, &["search"], Refuse::Nothing);
pub(crate) const KW_PRINT: Keyword = kw(k::KW_PRINT, &["print"], Refuse::Nothing);
pub(crate) const KW_RANGE: Keyword = kw(k::KW_RANGE, &["range"], Refuse::Nothing);
pub(crate) const KW_DATATABLE: Keyword = kw(k::KW_DATATABLE, &["datatable"], Refuse::Nothing);
pub(crate) const KW_EXTERNALDATA: Keyword =
    kw(k::KW_EXTERNALDATA, &["externaldata"], Refuse::Nothing);
pub(crate) const KW_DYNAMIC: Keyword = kw(k::KW_DYNAMIC, &["dynamic"], Refuse::Nothing);
pub(crate) const KW_TOSCALAR: Keyword = kw(k::KW_TOSCALAR, &["toscalar"], Refuse::Nothing);
pub(crate) const KW_MATERIALIZE: Keyword = kw(k::KW_MATERIALIZE, &["materialize"], Refuse::Nothing);
pub(crate) const KW_AND: Keyword = kw(k::KW_AND, &["and"], Refuse::Nothing);
pub(crate) const KW_OR: Keyword = kw(k::KW_OR, &["or"], Refuse::Nothing);

#[cfg(test)]
pub(crate) const KEYWORDS: &[&Keyword] = &[
    &KW_LET,
    &KW_VIEW,
    &KW_SET,
    &KW_DECLARE,
    &KW_QUERY_PARAMETERS,
    &KW_WHERE,
    &KW_FILTER,
    &KW_EXTEND,
    &KW_PROJECT,
    &KW_PROJECT_AWAY,
    &KW_PROJECT_KEEP,
    &KW_PROJECT_RENAME,
    &KW_PROJECT_REORDER,
    &KW_SUMMARIZE,
    &KW_BY,
    &KW_JOIN,
    &KW_LOOKUP,
    &KW_ON,
    &KW_UNION,
    &KW_MV_EXPAND,
    &KW_MV_APPLY,
    &KW_TO,
    &KW_TYPEOF,
    &KW_LIMIT,
    &KW_PARSE,
    &KW_PARSE_WHERE,
    &KW_PARSE_KV,
    &KW_WITH,
    &KW_AS,
    &KW_TOP,
    &KW_TOP_NESTED,
    &KW_TOP_HITTERS,
    &KW_OF,
    &KW_OTHERS,
    &KW_SORT,
    &KW_ORDER,
    &KW_ASC,
    &KW_DESC,
    &KW_GRANNY_ASC,
    &KW_GRANNY_DESC,
    &KW_NULLS,
    &KW_FIRST,
    &KW_LAST,
    &KW_DISTINCT,
    &KW_TAKE,
    &KW_COUNT,
    &KW_EVALUATE,
    &KW_MAKE_SERIES,
    &KW_DEFAULT,
    &KW_IN,
    &KW_FROM,
    &KW_STEP,
    &KW_INVOKE,
    &KW_RENDER,
    &KW_GETSCHEMA,
    &KW_SERIALIZE,
    &KW_SAMPLE,
    &KW_SAMPLE_DISTINCT,
    &KW_FACET,
    &KW_FORK,
    &KW_PARTITION,
    &KW_REDUCE,
    &KW_CONSUME,
    &KW_SCAN,
    &KW_OUTPUT,
    &KW_SEARCH,
    &KW_PRINT,
    &KW_RANGE,
    &KW_DATATABLE,
    &KW_EXTERNALDATA,
    &KW_DYNAMIC,
    &KW_TOSCALAR,
    &KW_MATERIALIZE,
    &KW_AND,
    &KW_OR,
];

/// `list_op`: the first two need no word boundary after them.
pub(crate) const LIST_OPS_TILDE: &[&str] = &["!in~", "in~"];
pub(crate) const LIST_OPS: &[&str] = &["!in", "in", "has_any", "has_all"];
pub(crate) const BETWEEN_OPS: &[&str] = &["!between", "between"];

/// Precedence as Kusto.Language builds it (checked by dumping its syntax trees), loosest first. Only
/// `or`, `and`, `+ -` and `* / %` chain; every other level takes at most one operator.
pub(crate) const PRECEDENCE: &[Precedence] = &[Precedence {
    parents: &[k::EXPR],
    levels: &[
        level(
            "expr",
            false,
            "and_expr",
            &[(k::KW_OR, "and_expr")],
            Shape::Chain,
        ),
        level(
            "and_expr",
            true,
            "eq_expr",
            &[(k::KW_AND, "eq_expr")],
            Shape::Chain,
        ),
        level(
            "eq_expr",
            true,
            "rel_expr",
            &[
                (k::EQ_OP, "rel_expr"),
                (k::LIST_OP, k::EXPR_LIST),
                (k::BETWEEN_OP, k::BETWEEN_RANGE),
            ],
            Shape::Single,
        ),
        level(
            "rel_expr",
            true,
            "str_expr",
            &[(k::REL_OP, "str_expr")],
            Shape::Single,
        ),
        level(
            "str_expr",
            true,
            "colon_expr",
            &[(k::STR_OP, "colon_expr")],
            Shape::Single,
        ),
        level(
            "colon_expr",
            true,
            "add_expr",
            &[(k::COLON_OP, "add_expr")],
            Shape::Single,
        ),
        level(
            "add_expr",
            true,
            "mul_expr",
            &[(k::ADD_OP, "mul_expr")],
            Shape::Chain,
        ),
        level(
            "mul_expr",
            true,
            "unary",
            &[(k::MUL_OP, "unary")],
            Shape::Chain,
        ),
    ],
    prefix: &[k::SIGN],
    postfix: &[k::MEMBER, k::INDEX],
    keep: &[],
    implicit_and: None,
}];

const fn level(
    rule: &'static str,
    silent: bool,
    next: &'static str,
    ops: &'static [(&'static str, &'static str)],
    shape: Shape,
) -> Level {
    Level {
        rule,
        silent,
        next,
        ops,
        shape,
    }
}
