#!/usr/bin/env python3
"""Prints a pest expression equivalent to the ordered choice of WORDS (in the order given), dispatched on
the first character so that a non-matching word costs one range check per group instead of one string
comparison per word. Words with different first characters can never both match, so grouping them by
first character (keeping the given order inside a group) keeps the ordered choice's meaning.

Usage: tools/trie-words.py word1 word2 ...   (each word as it appears in the grammar, without quotes)
"""
import sys

def esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')

def choice(words):
    groups = {}
    for w in words:
        groups.setdefault(w[0], []).append(w)
    parts = []
    for first, ws in groups.items():
        rests = [w[1:] for w in ws]
        c = esc(first)
        head = f"'{c}'..'{c}'" if first not in "'\\" else f'"{c}"'
        if rests == [""]:
            parts.append(head)
            continue
        alts = []
        for r in rests:
            alts.append(f'"{esc(r)}"' if r else '""')
        parts.append(f"{head} ~ ({' | '.join(alts)})")
    return "(" + " | ".join(parts) + ")"

print(choice(sys.argv[1:]))
