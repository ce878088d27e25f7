"""German words for parts, sizes, materials, quality and counts (regular-expression fragments, lower case)."""

from __future__ import annotations

# Most specific first; a leading \w* lets compounds match ("Montageplatte", "Wandhaken").
PARTS: dict[str, str] = {
    "spur_gear": r"\w*zahnr(?:a|ä)d(?:er|es)?|stirnr(?:a|ä)d(?:er)?",
    "phone_stand": r"handy\w*(?:halter\w*|ständer\w*|stütze\w*)|smartphone\w*(?:halter\w*|ständer\w*)|telefonhalter\w*",
    "l_bracket": r"l-?winkel|\w*winkel(?:halter)?|eckwinkel",
    "hook": r"\w*haken",
    "container": r"behälter|\w*dosen?|schachteln?|kisten?|aufbewahrungs\w*|box mit deckel|hohle box",
    "cup": r"becher|tassen?",
    "block_with_hole": r"(?:block|klotz) mit (?:einem |einer )?(?:\w+ )?(?:loch|bohrung)",
    "hex_prism": r"sechskant\w*|sechseck\w*",
    "torus": r"torus|tori|donuts?|krapfen",
    "washer": r"\w*unterleg\w*scheiben?|beilagscheiben?",
    "spacer": r"abstands?halter|distanz\w*",
    "tube": r"\w*rohre?|röhren?|hohlzylinder|hülsen?",
    "ring": r"ringe?",
    "dome": r"kuppeln?|halbkugeln?",
    "sphere": r"kugeln?",
    "cone": r"kegel\w*",
    "pyramid": r"pyramiden?",
    "plate": r"\w*platten?",
    "disc": r"scheiben?|münzen?|ronden?",
    "rod": r"stäbe?|stab|stangen?|stifte?|achsen?",
    "cylinder": r"zylinder|säulen?",
    "box": r"quader|klotz|klötze|block",
    "cube": r"würfel",
}

ROLES: list[tuple[str, str, bool]] = [
    (r"au(?:ß|ss)enradius", "outer_radius", False),
    (r"innenradius", "inner_radius", False),
    (r"au(?:ß|ss)endurchmesser|au(?:ß|ss)en-?ø|au(?:ß|ss)en", "outer_diameter", False),
    (r"innendurchmesser|innen-?ø|innen", "inner_diameter", False),
    (r"unterer durchmesser|basisdurchmesser", "bottom_diameter", False),
    (r"oberer durchmesser", "top_diameter", False),
    (r"teilkreis(?:durchmesser)?", "pitch_diameter", False),
    (r"rohrdurchmesser|querschnitt", "minor_diameter", False),
    (r"lochdurchmesser|löchern?|loch|bohrungen|bohrung", "hole", False),
    (r"wellen?|achsen?", "bore", False),
    (r"schlüsselweite|sw", "across_flats", False),
    (r"eckma(?:ß|ss)", "across_corners", False),
    (r"wandstärke|wanddicke|wände|wand", "wall", False),
    (r"bodenstärke|bodendicke|boden", "bottom", False),
    (r"durchmesser", "diameter", False),
    (r"radius|halbmesser", "radius", False),
    (r"dicke|stärke", "thickness", False),
    (r"dick\w*|stark", "thickness", True),
    (r"höhe", "height", False),
    (r"hoch|hohe[nrs]?", "height", True),
    (r"breite", "width", False),
    (r"breit\w*", "width", True),
    (r"tiefe", "depth", False),
    (r"tief\w*", "depth", True),
    (r"länge", "length", False),
    (r"lang\w*", "length", True),
    (r"kantenlänge|seitenlänge|größe|grö(?:ß|ss)e|seiten?|kanten?", "size", False),
    (r"gro(?:ß|ss)", "size", True),
    (r"grundseite|grundfläche|basis", "base", False),
    (r"ausladung|auskragung", "reach", False),
    (r"schenkel(?:länge)?", "leg", False),
    (r"randabstand|vom rand", "margin", False),
]

QUALITY: dict[str, str] = {
    "ultra": r"ultra(?:fein\w*)?|höchste[rn]? qualität|beste[rn]? qualität",
    "fine": r"fein\w*|hohe[rn]? qualität|hochwertig\w*|detailliert\w*",
    "draft": r"entwurf\w*|grob\w*|schnell\w*|niedrige[rn]? qualität",
    "standard": r"standard\w*|normal\w*",
}

NUMBER_WORDS: dict[str, int] = {
    "ein": 1,
    "eine": 1,
    "einen": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "ein paar": 2,
    "ein dutzend": 12,
}

COPIES = r"stück|stk\.?|exemplare?|kopien|mal"
SMALL = r"klein\w*|winzig\w*|mini"
LARGE = r"gro(?:ß|ss)\w*|riesig\w*"
LID = r"mit (?:einem )?deckel"
NO_LID = r"ohne deckel|offen\w*"
HOLES = r"löcher\w*|loch|bohrung\w*|gebohrt"
CORNERS = r"ecken?|eckbohrungen"
CENTER = r"mitte|mittig|zentr\w*"
GRID = r"raster|gitter|matrix"
TRUNCATED = r"kegelstumpf|abgeschnitten\w*|stumpf"

# Words only German text uses: they decide the language of a request.
MARKERS = (
    r"ein|eine|einen|einem|mit|und|für|aus|der|die|das|von|bitte|stück|ich|brauche|qualität|drucke?n?|"
    r"durchmesser|au(?:ß|ss)en\w*|innen\w*|höhe|hoch|breit\w*|lang|dick|stärke|modul|grad|deckel|loch|bohrung"
)
