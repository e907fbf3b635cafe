//! SPL's shared tables (see the module above): keywords, character classes and precedence.

use super::{Case, CharClass, Keyword, Level, Precedence, Refuse, Shape};
use crate::syntax::kinds::spl as k;

/// Whitespace between tokens.
pub(crate) const WHITESPACE: &[(char, char)] = &[
    (' ', ' '),
    ('\t', '\r'),
    ('\u{A0}', '\u{A0}'),
    ('\u{FEFF}', '\u{FEFF}'),
];

/// Word characters: everything but whitespace and the characters that end a word in that position.
/// A search term stops at `=`, `<` and `>` (so a failed `x=[ … ]` is not tried again as `x` `=` `[ … ]`);
/// a value may contain them; a field name after BY may contain `<` and `>` (foreach placeholders).
pub(crate) const S_NAME_CHAR: CharClass = word_class("s_name_char", "\"(),<=>[]`|");
pub(crate) const S_WORD_CHAR: CharClass = word_class("s_word_char", "\"()<=>[]`|");
pub(crate) const VALUE_CHAR: CharClass = word_class("value_char", "\"(),[]`|");
pub(crate) const G_WORD_CHAR: CharClass = word_class("g_word_char", "!\"(),<=>[]`|");
pub(crate) const FIELD_PAT_CHAR: CharClass = word_class("field_pat_char", "\"'(),=[]`|");

/// Every class the grammar names, for the generator.
#[cfg(test)]
pub(crate) const CLASSES: &[CharClass] = &[
    S_NAME_CHAR,
    VALUE_CHAR,
    S_WORD_CHAR,
    G_WORD_CHAR,
    FIELD_PAT_CHAR,
    CharClass {
        rule: "not_backtick",
        except: "`",
        except_ws: false,
    },
    CharClass {
        rule: "dq_plain",
        except: "\"\\",
        except_ws: false,
    },
    CharClass {
        rule: "sq_plain",
        except: "'\\",
        except_ws: false,
    },
];

const fn word_class(rule: &'static str, except: &'static str) -> CharClass {
    CharClass {
        rule,
        except,
        except_ws: true,
    }
}

const fn ci(kind: &'static str, words: &'static [&'static str]) -> Keyword {
    Keyword {
        kind,
        words,
        case: Case::Insensitive,
        refuse: Refuse::Nothing,
    }
}

const fn cs(kind: &'static str, word: &'static [&'static str]) -> Keyword {
    Keyword {
        kind,
        words: word,
        case: Case::Sensitive,
        refuse: Refuse::Nothing,
    }
}

// ---------------------------------------------------------------- commands with their own syntax

/// The commands that have their own rule; a broken `eval` must not pass as a generic command, so
/// `generic_cmd` refuses all their words (`special_cmd`).
pub(crate) const KW_EVAL: Keyword = ci(k::KW_EVAL, &["eval"]);
pub(crate) const KW_FIELDFORMAT: Keyword = ci(k::KW_FIELDFORMAT, &["fieldformat"]);
pub(crate) const KW_WHERE: Keyword = ci(k::KW_WHERE, &["where"]);
pub(crate) const KW_SEARCH: Keyword = ci(k::KW_SEARCH, &["search"]);
pub(crate) const KW_STATS: Keyword = ci(
    k::KW_STATS,
    &[
        "stats",
        "eventstats",
        "streamstats",
        "chart",
        "timechart",
        "sistats",
        "sichart",
        "sitimechart",
    ],
);
pub(crate) const KW_TSTATS: Keyword = ci(k::KW_TSTATS, &["tstats"]);
pub(crate) const KW_RENAME: Keyword = ci(k::KW_RENAME, &["rename"]);
pub(crate) const KW_LOOKUP: Keyword = ci(k::KW_LOOKUP, &["lookup"]);
pub(crate) const KW_FOREACH: Keyword = ci(k::KW_FOREACH, &["foreach"]);

/// The command keywords in `special_cmd`'s order.
pub(crate) const COMMANDS: &[Keyword] = &[
    KW_EVAL,
    KW_FIELDFORMAT,
    KW_WHERE,
    KW_SEARCH,
    KW_STATS,
    KW_TSTATS,
    KW_RENAME,
    KW_LOOKUP,
    KW_FOREACH,
];

// ---------------------------------------------------------------- other keywords

pub(crate) const KW_BY: Keyword = ci(k::KW_BY, &["by"]);
pub(crate) const KW_AS: Keyword = ci(k::KW_AS, &["as"]);
pub(crate) const KW_OVER: Keyword = ci(k::KW_OVER, &["over"]);
pub(crate) const KW_FROM: Keyword = ci(k::KW_FROM, &["from"]);
pub(crate) const KW_OUTPUT: Keyword = ci(k::KW_OUTPUT, &["outputnew", "output"]);
/// Search operators are operators only in capitals.
pub(crate) const KW_AND: Keyword = cs(k::KW_AND, &["AND"]);
pub(crate) const KW_OR: Keyword = cs(k::KW_OR, &["OR"]);
pub(crate) const KW_NOT: Keyword = cs(k::KW_NOT, &["NOT"]);
pub(crate) const KW_IN: Keyword = cs(k::KW_IN, &["IN"]);
/// Eval's operators in any case (ESCU's `where a > 1 and b > 2` runs on Splunk).
pub(crate) const OP_AND: Keyword = ci(k::OP_AND, &["and"]);
pub(crate) const OP_OR: Keyword = ci(k::OP_OR, &["or"]);
pub(crate) const OP_NOT: Keyword = ci(k::OP_NOT, &["not"]);
pub(crate) const OP_XOR: Keyword = ci(k::OP_XOR, &["xor"]);
pub(crate) const OP_LIKE: Keyword = ci(k::OP_LIKE, &["like"]);
pub(crate) const OP_IN: Keyword = ci(k::OP_IN, &["in"]);

/// Every keyword rule, for the generator.
#[cfg(test)]
pub(crate) const KEYWORDS: &[Keyword] = &[
    KW_EVAL,
    KW_FIELDFORMAT,
    KW_WHERE,
    KW_SEARCH,
    KW_STATS,
    KW_TSTATS,
    KW_RENAME,
    KW_LOOKUP,
    KW_FOREACH,
    KW_BY,
    KW_AS,
    KW_OVER,
    KW_FROM,
    KW_OUTPUT,
    KW_AND,
    KW_OR,
    KW_NOT,
    KW_IN,
    OP_AND,
    OP_OR,
    OP_NOT,
    OP_XOR,
    OP_LIKE,
    OP_IN,
];

/// Words that are operators, not names: a search term (`s_word`) is none of the first three, an
/// eval field (`e_field`) none of the eval operators.
pub(crate) const SEARCH_OPERATORS: &[&str] = &["AND", "OR", "NOT"];
pub(crate) const EVAL_OPERATORS: &[&str] = &["and", "or", "not", "xor", "like", "in"];
/// Words an aggregation cannot be named (they start the clauses around it).
pub(crate) const NOT_AGGREGATES: &[&str] = &["by", "as", "over", "from", "where"];

// ---------------------------------------------------------------- precedence

/// Search terms: AND (often implicit) is loosest, then OR, then NOT. Eval: XOR, OR, AND, NOT,
/// comparison, `+ - .`, `* / %`, sign.
pub(crate) const PRECEDENCE: &[Precedence] = &[
    Precedence {
        parents: &[k::SEARCH_EXPR, k::TSTATS_WHERE],
        levels: &[
            level(
                "s_and",
                "s_or",
                &[(k::KW_AND, "s_or")],
                Shape::OptionalChain,
            ),
            level("s_or", "s_not", &[(k::KW_OR, "s_not")], Shape::Chain),
            level("s_not", "s_atom", &[(k::KW_NOT, "s_atom")], Shape::Prefix),
        ],
        prefix: &[],
        postfix: &[],
        keep: &[k::KW_WHERE],
        implicit_and: Some(1),
    },
    Precedence {
        parents: &[k::EVAL_EXPR],
        levels: &[
            level("e_xor", "e_or", &[(k::OP_XOR, "e_or")], Shape::Chain),
            level("e_or", "e_and", &[(k::OP_OR, "e_and")], Shape::Chain),
            level("e_and", "e_not", &[(k::OP_AND, "e_not")], Shape::Chain),
            level("e_not", "e_cmp", &[(k::OP_NOT, "e_cmp")], Shape::Prefix),
            level(
                "e_cmp",
                "e_add",
                &[
                    (k::E_CMP_OP, "e_add"),
                    (k::OP_LIKE, "e_add"),
                    (k::OP_IN, k::E_LIST),
                ],
                Shape::Single,
            ),
            level("e_add", "e_mul", &[(k::E_ADD_OP, "e_mul")], Shape::Chain),
            level(
                "e_mul",
                "e_unary",
                &[(k::E_MUL_OP, "e_unary")],
                Shape::Chain,
            ),
        ],
        prefix: &[k::E_SIGN],
        postfix: &[],
        keep: &[],
        implicit_and: None,
    },
];

const fn level(
    rule: &'static str,
    next: &'static str,
    ops: &'static [(&'static str, &'static str)],
    shape: Shape,
) -> Level {
    Level {
        rule,
        silent: true,
        next,
        ops,
        shape,
    }
}
