#!/usr/bin/env python3
"""Prints a pest choice of character ranges matching any character NOT in the given set, most common
ranges first. Used for SPL word characters: one range check per character instead of a dozen string
comparisons in `!(a | b | …) ~ ANY`.

Usage: tools/char-class.py CHARS   (Python string escapes allowed, e.g. ' \\t\\n|()')
"""
import sys

excluded = sorted(set(ord(c) for c in sys.argv[1].encode().decode("unicode_escape")))
ranges, lo = [], 0
for x in excluded + [0x110000]:
    if x > lo:
        ranges.append((lo, x - 1))
    lo = x + 1
def lit(c):
    if 0x20 < c < 0x7F and chr(c) not in "'\\":
        return f"'{chr(c)}'"
    return "'\\u{%02X}'" % c
def rank(r):
    for i, probe in enumerate("aA0_.-:*/"):
        if r[0] <= ord(probe) <= r[1]:
            return i
    return 99 if r[0] > 0x7F else 50
ranges.sort(key=rank)
print(" | ".join(f"{lit(a)}..{lit(b)}" for a, b in ranges))
