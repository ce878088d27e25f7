"""G-code text: comments, words, parameters, framing with line numbers and checksums."""

from __future__ import annotations

import re

_WORD = re.compile(r"([A-Za-z])\s*([-+]?(?:\d+\.?\d*|\.\d+))?")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def checksum(payload: str | bytes) -> int:
    """Marlin's XOR checksum of every byte before the '*'."""
    data = payload.encode("ascii", "replace") if isinstance(payload, str) else payload
    value = 0
    for byte in data:
        value ^= byte
    return value


def frame(number: int, command: str) -> bytes:
    """The bytes of `N<number> <command>*<checksum>` with its newline."""
    body = f"N{number} {command}".encode("ascii", "replace")
    value = 0
    for byte in body:  # checksum(), without a call: this runs for every line sent
        value ^= byte
    return body + b"*%d\n" % value


def strip_comment(line: str) -> str:
    """The command part of a line, without `;` comments, `(...)` comments or surrounding space."""
    cut = line.find(";")
    if cut >= 0:
        line = line[:cut]
    if "(" in line:
        line = re.sub(r"\([^)]*\)", "", line)
    return line.strip()


def command_word(command: str) -> str:
    """The command letter and number in canonical form, e.g. 'G1' for 'g01 X1'."""
    match = _WORD.match(command.lstrip())
    if not match or match.group(2) is None:
        return command.split(" ", 1)[0].upper()
    letter, number = match.group(1).upper(), match.group(2)
    try:
        value = float(number)
    except ValueError:
        return letter + number
    return f"{letter}{int(value)}" if value.is_integer() else f"{letter}{number}"


def params(command: str) -> dict[str, float]:
    """The numeric parameters of a command, e.g. {'X': 10.0, 'F': 3000.0} for 'G1 X10 F3000'."""
    out: dict[str, float] = {}
    body = command.split("*", 1)[0]
    first = True
    for match in _WORD.finditer(body):
        if first:
            first = False
            continue
        letter, number = match.group(1).upper(), match.group(2)
        if number is not None:
            out[letter] = float(number)
    return out


def parse_command(command: str) -> tuple[str, dict[str, float]]:
    """`(command_word(command), params(command))`, without regular expressions for the usual `G1 X1.5 E.2` form."""
    tokens = command.split(" ")
    head = tokens[0]
    # Up to 6 digits: int() then equals command_word's int(float()) exactly.
    if len(head) > 7 or head[:1] not in _UPPER or not head[1:].isdecimal():
        return command_word(command), params(command)
    values: dict[str, float] = {}
    for token in tokens[1:]:
        number = token[1:]
        # What _WORD takes as a number: an optional sign, then digits with at most one '.'.
        digits = number[1:] if number[:1] == "-" or number[:1] == "+" else number
        if token[:1] not in _UPPER or not digits.replace(".", "", 1).isdecimal():
            return command_word(command), params(command)
        values[token[0]] = float(number)
    return f"{head[0]}{int(head[1:])}", values
