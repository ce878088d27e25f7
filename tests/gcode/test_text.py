"""G-code text: the one-pass parse the runner uses gives exactly what command_word and params give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.gcode.text import command_word, params, parse_command

# Letters, digits, signs, dots, spaces and what the regular expressions treat specially (tabs, '*', lower case,
# non-ASCII digits and letters), so every branch of the fast path and its fallback is reached.
CHARS = "GMTXYZEFSNgxe0123456789.-+ *\t;\u0661\u00b2\u00e9"
WORDS = st.sampled_from(["G0", "G1", "G01", "G28", "M104", "M73", "T0", "g1", "G1.5", "G1234567", "X", "*", ""])
TOKENS = st.from_regex(r"[A-Za-z]?[-+]?[0-9.\u0661]{0,8}", fullmatch=True)


@given(st.text(alphabet=CHARS, max_size=24))
@settings(max_examples=3000)
def test_parse_command_equals_command_word_and_params_for_any_text(command: str) -> None:
    assert parse_command(command) == (command_word(command), params(command))


@given(WORDS, st.lists(TOKENS, max_size=5))
@settings(max_examples=3000)
def test_parse_command_equals_command_word_and_params_for_command_shaped_text(word: str, tokens: list[str]) -> None:
    command = " ".join([word, *tokens])
    assert parse_command(command) == (command_word(command), params(command))


def test_parse_command_reads_a_streamed_move() -> None:
    assert parse_command("G1 X139.998 Y100.400 E0.01664") == ("G1", {"X": 139.998, "Y": 100.4, "E": 0.01664})
    assert parse_command("G01 X-.5 F+3000") == ("G1", {"X": -0.5, "F": 3000.0})
