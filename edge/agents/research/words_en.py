"""English words for parts, sizes, materials, quality and counts (regular-expression fragments, lower case)."""

from __future__ import annotations

# Most specific first: the first part whose words occur wins.
PARTS: dict[str, str] = {
    "spur_gear": r"spur gears?|gears?|gear ?wheels?|cog(?:wheel)?s?",
    "phone_stand": r"(?:smart)?phone (?:stand|holder|dock)s?|(?:tablet|mobile) stands?",
    "l_bracket": r"l[- ]?brackets?|angle brackets?|corner brackets?|brackets?",
    "hook": r"hooks?",
    "container": r"containers?|hollow box(?:es)?|storage box(?:es)?|open box(?:es)?|boxes with (?:a )?lid|box with (?:a )?lid|bins?|trays?",
    "cup": r"cups?|mugs?|beakers?",
    "block_with_hole": r"blocks? with (?:a |an? )?(?:\w+ )?holes?",
    "hex_prism": r"hexagonal prisms?|hex(?:agon(?:al)?)? prisms?|hexagons?|hexagonal|hex",
    "torus": r"tor(?:us|i)|donuts?|doughnuts?",
    "washer": r"washers?",
    "spacer": r"spacers?|standoffs?|stand-offs?",
    "tube": r"tubes?|pipes?|hollow cylinders?|sleeves?",
    "ring": r"rings?",
    "dome": r"domes?|hemispheres?|half[- ]spheres?",
    "sphere": r"spheres?|balls?|orbs?",
    "cone": r"cones?|frust(?:um|a)",
    "pyramid": r"pyramids?",
    "plate": r"plates?|sheets?|slabs?|panels?",
    "disc": r"dis[ck]s?|coins?|pucks?",
    "rod": r"rods?|dowels?|pins?|axles?",
    "cylinder": r"cylinders?|columns?|pillars?",
    "box": r"box(?:es)?|cuboids?|blocks?|bricks?|rectangular prisms?",
    "cube": r"cubes?",
}

# (words, role, adjective): an adjective follows its number ("30 mm tall"); a noun may stand on either side.
ROLES: list[tuple[str, str, bool]] = [
    (r"outer radius|outside radius", "outer_radius", False),
    (r"inner radius|inside radius", "inner_radius", False),
    (r"outer diameter|outside diameter|external diameter|o\.?d\.?|outer|outside", "outer_diameter", False),
    (r"inner diameter|inside diameter|internal diameter|i\.?d\.?|inner|inside", "inner_diameter", False),
    (r"base diameter|bottom diameter", "bottom_diameter", False),
    (r"top diameter|tip diameter", "top_diameter", False),
    (r"pitch diameter", "pitch_diameter", False),
    (r"tube diameter|cross[- ]section|minor diameter", "minor_diameter", False),
    (r"major diameter", "major_diameter", False),
    (r"hole diameter|holes?", "hole", False),
    (r"bores?|shafts?|axles?", "bore", False),
    (r"across flats|a/f|af|wrench size|spanner size|flat to flat", "across_flats", False),
    (r"across corners|corner to corner", "across_corners", False),
    (r"wall thickness|walls?", "wall", False),
    (r"bottom thickness|floor thickness|bottom|floor", "bottom", False),
    (r"diameter|dia\.?|ø", "diameter", False),
    (r"radius", "radius", False),
    (r"thickness", "thickness", False),
    (r"thick", "thickness", True),
    (r"height", "height", False),
    (r"tall|high", "height", True),
    (r"width", "width", False),
    (r"wide|across", "width", True),
    (r"depth", "depth", False),
    (r"deep", "depth", True),
    (r"length", "length", False),
    (r"long", "length", True),
    (r"side length|edge length|sides?|edges?|size", "size", False),
    (r"base", "base", False),
    (r"reach|projection", "reach", False),
    (r"legs?|arms?", "leg", False),
    (r"margin|from the edges?|inset", "margin", False),
]

QUALITY: dict[str, str] = {
    "ultra": r"ultra(?:[- ]?fine)?|highest quality|best quality|maximum quality",
    "fine": r"fine|high quality|high-quality|detailed|high detail|hq",
    "draft": r"draft|rough|quick|low quality|low-quality|fast",
    "standard": r"standard|normal|regular|medium quality",
}

NUMBER_WORDS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a pair of": 2,
    "a dozen": 12,
}

COPIES = r"copies|copy|pieces|pcs|times|prints|units"
SMALL = r"small|little|tiny|mini"
LARGE = r"large|big|huge"
LID = r"with (?:a |its )?(?:lid|cover)|lidded"
NO_LID = r"without (?:a )?(?:lid|cover)|no lid|open[- ]top(?:ped)?|open"
HOLES = r"holes?|drilled|bored"
CORNERS = r"corners?"
CENTER = r"cent(?:er|re)d?|middle"
GRID = r"grid|array|matrix"
TRUNCATED = r"truncated|frust(?:um|a)"
