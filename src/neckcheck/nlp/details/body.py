"""Where it hurts (neck zones and the areas around) and which movements are stuck."""

from __future__ import annotations

import re

from neckcheck.nlp.details.text import Span, clause_at, sentences

# --- where it hurts ----------------------------------------------------------------------

_SIDE = r"(left|right)"
_MOVE_BEFORE = re.compile(
    r"(?:turn|turns|turning|turned|look|looks|looking|tilt|tilts|tilting|tip|tipped|tipping|bend"
    r"|bending|lean|leaning|rotate|rotating|twist\w*|pull\w*|drift\w*|go|goes|keeps?|jerk\w*|to"
    r"|over (?:my|his|her|your)|tipped over|towards|toward|both|or)\s+(?:\w+\s+){0,2}$"
)
_OTHER_PART = re.compile(
    r"^[\s-]*(?:hand(?:ed)?\s+side\s+of\s+(?:my|his|her|the)\s+)?(?:side\s+of\s+(?:my|"
    r"his|her|the)\s+|)"
    r"(?:arm|arms|hand|hands|finger|fingers|thumb|eye|eyes|"
    r"eyelid|lid|pupil|cheek|face|leg|legs|knee"
    r"|foot|feet|ankle|hip|ear|temple|body|half|shoulder|shoulders|jaw|chest|side of (?:my|his|her)"
    r" (?:face|body)|wrist|elbow|toe|toes|breast|ribs?|lung|kidney|back)\b"
)


def regions(lowered: str) -> tuple[list[str], list[str], list[Span]]:
    """Neck zones (ids of :class:`neckcheck.vocab.Region`) and other areas (head, jaw,
    upper back, arms) named in the text, with the spans used."""
    zones: list[str] = []
    other: list[str] = []
    spans: list[Span] = []

    def add(target: list[str], *names: str) -> None:
        for name in names:
            if name not in target:
                target.append(name)

    text_has_neck = bool(
        re.search(r"\b(?:neck|nek|nape|skull|torticollis|crick|whiplash)\b", lowered)
    )
    for start, sentence in sentences(lowered):
        for match in re.finditer(
            r"\bbetween (?:my |his |her |the )?shoulder[- ]?blades?|\bupper back\b", sentence
        ):
            add(other, "upper_back")
            spans.append((start + match.start(), start + match.end()))
        for match in re.finditer(
            r"\b(?:back|base|bottom) of (?:my |his |her |the )?(?:head|"
            r"skull)\b|\bback of the head\b|\bin back of head\b",
            sentence,
        ):
            add(other, "head")
            spans.append((start + match.start(), start + match.end()))
        level = None
        if re.search(
            r"\b(?:(?:just )?(?:under|below) (?:my |his |her |"
            r"the )?(?:skull|jaw)|top of (?:my |his |her |the )?neck|"
            r"upper neck|top of my neck|neck at the top|near the head|"
            r"at the top)\b",
            sentence,
        ):
            level = "upper"
        if re.search(
            r"\b(?:base of (?:my |his |her |the )?neck|lower neck|"
            r"bottom of (?:my |his |her |the )?neck|low down|lower part of (?:my |"
            r"his |her |the )?neck|at the base)\b",
            sentence,
        ):
            level = "lower" if level is None else "both"
        back = re.search(r"\bback of (?:my |his |her |the )?neck\b", sentence)
        sides: list[str] = []
        for match in re.finditer(
            rf"\b{_SIDE}(?:[- ]hand(?=[- ]side))?(?:[- ]sided?)?\b|\bboth sides\b|\beither side\b",
            sentence,
        ):
            before = sentence[max(0, match.start() - 30) : match.start()]
            after = sentence[match.end() : match.end() + 30]
            if _MOVE_BEFORE.search(before):
                continue
            if match.group(0).startswith(("both", "either")):
                if re.match(
                    r"\s+of (?:my|his|her|the) (?:neck|head)", after
                ) or not _OTHER_PART.match(after):
                    sides += ["left", "right"]
                    spans.append((start + match.start(), start + match.end()))
                continue
            if _OTHER_PART.match(after) or re.match(
                r"\s+of (?:my|his|her|the) (?:face|body)", after
            ):
                continue
            if text_has_neck and (
                re.match(r"^\s*(?:side\s+)?(?:of|on)\s+(?:my|his|her|the)\s+(?:neck|nek)", after)
                or re.search(
                    r"\b(?:neck|nek|nape|skull|spasm|knot|locked|stiff|"
                    r"sore|pain|ache|aching|hurts?|hurting|burning|"
                    r"throbbing|twitch\w*)\b",
                    sentence,
                )
                or not re.search(
                    r"\b(?:arm|hand|eye|face|leg|cheek|shoulder|jaw|finger)s?\b", sentence
                )
            ):
                sides.append(match.group(1))
                spans.append((start + match.start(), start + match.end()))
        neck_here = re.search(r"\b(?:neck|nek|nape)\b", sentence)
        sides = list(dict.fromkeys(sides))
        if sides and (neck_here or text_has_neck):
            for side in sides:
                levels = ["upper", "lower"] if level in (None, "both") else [level]
                for lvl in levels:
                    add(zones, f"{lvl}_{side}")
        elif back:
            add(zones, "upper_centre", "lower_centre")
            spans.append((start + back.start(), start + back.end()))
        elif level and neck_here:
            add(zones, f"{level}_centre" if level != "both" else "upper_centre")
            if level == "both":
                add(zones, "lower_centre")
        elif level == "upper" and re.search(
            r"\b(?:under|below) (?:my |his |her |the )?skull\b", sentence
        ):
            add(zones, "upper_centre")
        # Shoulders.
        for match in re.finditer(rf"\b(?:{_SIDE} shoulder|shoulder,? {_SIDE})\b", sentence):
            before = sentence[max(0, match.start() - 14) : match.start()]
            if re.search(r"over (?:my|his|her|your)\s*$|look\w*\s*$", before):
                continue
            add(zones, f"shoulder_{match.group(1) or match.group(2)}")
            spans.append((start + match.start(), start + match.end()))
        for match in re.finditer(
            r"\b(?:both (?:my |his |her )?shoulders|shoulders)\b(?!\s*blades?)", sentence
        ):
            before = sentence[max(0, match.start() - 14) : match.start()]
            if re.search(r"over (?:my|his|her|your)\s*$", before):
                continue
            add(zones, "shoulder_left", "shoulder_right")
            spans.append((start + match.start(), start + match.end()))
        # Jaw, with a side said in the same sentence.
        if re.search(r"\bjaw\b", sentence):
            jaw_side = re.search(
                rf"\b{_SIDE}\b(?:[- ]hand)?(?: side)?(?! (?:arm|hand|eye|leg|shoulder|cheek))",
                sentence,
            )
            if jaw_side and not re.search(r"\b(?:under|below) (?:the|my|his|her) jaw\b", sentence):
                add(other, f"jaw_{jaw_side.group(1)}")
        # Arms, when pain goes into them.
        for match in re.finditer(
            rf"\b(?:down|into|in|to|up)\s+(?:both\s+(?:of\s+)?(?:my|"
            rf"his|her)?\s*arms|(?:my|his|her|the)?\s*{_SIDE}\s+arm|"
            rf"both arms)\b",
            sentence,
        ):
            clause = clause_at(lowered, start + match.start())
            if re.search(
                r"\b(?:pain|ache|aching|sore|hurt\w*|shoot\w*|burn\w*|"
                r"stab\w*|shock|goes|going|goin|go|radiat\w*|spread\w*|"
                r"running)\b",
                clause,
            ):
                side = match.group(1)
                if side:
                    add(other, f"arm_{side}")
                else:
                    add(other, "arm_left", "arm_right")
                spans.append((start + match.start(), start + match.end()))
        for match in re.finditer(rf"\b{_SIDE} arm (?:aching|aches|hurts|is sore|pain)\b", sentence):
            add(other, f"arm_{match.group(1)}")
    return zones, other, spans


# --- movements ---------------------------------------------------------------------------

_CANT_MOVE = (
    r"(?:can'?t|cant|cannot|can not|could ?n'?t|unable to|not able to|hard to|difficult to|"
    r"struggl\w* to|struggl\w*|won'?t|wont|will not|impossible to|barely|hardly|stiff|stiffly|"
    r"stuck|locked|definite no|no go|doesn'?t want to|don'?t want)"
)
_HURTS = (
    r"(?:hurts?|hurting|painful|pain|sore|worse|agony|stabbing|sharp|twinges?|burns?|kills|"
    r"uncomfortable|aches?|aching)"
)
_LIMIT = rf"(?:{_CANT_MOVE}|{_HURTS})"
_ABLE = re.compile(
    r"\b(?:can|could|able to)\s+(?:still\s+|now\s+)?(?:turn|"
    r"move|look|tilt|bend|nod|put|touch|get)\b"
    r"(?!\s*(?:but|though))"
)


def movements(lowered: str) -> tuple[list[str], bool, list[Span]]:
    """Movements that are stuck or painful (ids of :class:`neckcheck.vocab.Movement`),
    whether any limit was said, and the spans used."""
    found: list[str] = []
    spans: list[Span] = []
    limited = False

    def add(*names: str) -> None:
        for name in names:
            if name not in found:
                found.append(name)

    for start, sentence in sentences(lowered):
        for clause_match in re.finditer(r"[^,;()]+", sentence):
            clause = clause_match.group(0)
            offset = start + clause_match.start()
            limit = re.search(_LIMIT, clause)
            cannot = re.search(_CANT_MOVE, clause)
            able = _ABLE.search(clause)
            if able and not re.search(
                r"\b(?:can'?t|cant|cannot|can not|couldn'?t|won'?t|unable)\b", clause
            ):
                # "he can turn both ways, it just hurts looking up": only what hurts counts
                limit_after = re.search(_LIMIT, clause[able.end() :])
                if not limit_after:
                    continue
            if not limit:
                continue
            head = r"(?:(?:my|his|her|the|your)\s+)?(?:head|neck|it)?\s*"
            before = len(found)
            for match in re.finditer(
                rf"\b(?:turn|turns|turning|turned|rotate|rotating|look|looking|looks)\s+{head}"
                rf"(?:to\s+(?:the\s+)?|towards\s+(?:the\s+)?)?{_SIDE}\b(?:\s+(?:side|shoulder))?",
                clause,
            ):
                add(f"rotation_{match.group(1)}")
                spans.append((offset + match.start(), offset + match.end()))
            for match in re.finditer(
                rf"\blook\w*\s+over\s+(?:my|his|her|your)\s+{_SIDE}\s+shoulder", clause
            ):
                add(f"rotation_{match.group(1)}")
                spans.append((offset + match.start(), offset + match.end()))
            for match in re.finditer(
                rf"\b(?:tilt|tilting|tilts|tip|tipping|lean|leaning|bend|bending|bends)\s+{head}"
                rf"(?:over\s+)?(?:to\s+(?:the\s+)?)?{_SIDE}\b",
                clause,
            ):
                add(f"side_bending_{match.group(1)}")
                spans.append((offset + match.start(), offset + match.end()))
            for match in re.finditer(
                r"\b(?:turn|turning|turns|move|moving|rotate)\w*\s+(?:(?:my|"
                r"his|her|the)\s+)?(?:head|neck|it)?\s*"
                r"(?:in\s+)?(?:both ways|either way|either direction|"
                r"left or right|left and right|both directions|side to side)",
                clause,
            ):
                add("rotation_left", "rotation_right")
                spans.append((offset + match.start(), offset + match.end()))
            if re.search(r"\b(?:every|all|any) directions?\b", clause) and re.search(
                r"\b(?:move|turn)\w*", clause
            ):
                add(
                    "flexion",
                    "extension",
                    "rotation_left",
                    "rotation_right",
                    "side_bending_left",
                    "side_bending_right",
                )
            for match in re.finditer(
                r"\b(?:look|looks|looking|looked|glanc\w*)\s+up\b|"
                r"\bup at the (?:ceiling|top shelf|sky)\b|\b(?:tilt|"
                r"tip)\w*\s+(?:my|his|her)?\s*head\s+back\b",
                clause,
            ):
                add("extension")
                spans.append((offset + match.start(), offset + match.end()))
            for match in re.finditer(
                r"\b(?:look|looks|looking|looked)\s+down\b|\bbend\w*\s+(?:it|"
                r"(?:my|his|her)?\s*(?:head|neck|chin))\s+(?:forward|"
                r"down)\b"
                r"|\bnod\w*\b|\b(?:chin|head)\s+(?:down\s+)?(?:to|"
                r"on|onto|near|towards?)\s+(?:my|his|her|the)?\s*chest\b"
                r"|\bchest with (?:my|his|her|the)? ?chin\b",
                clause,
            ):
                if "chest" in match.group(0) and not re.search(
                    r"\b(?:can'?t|cant|cannot|can not|couldn'?t|won'?t|"
                    r"unable|not able|anywhere near)\b",
                    clause,
                ):
                    continue
                add("flexion")
                spans.append((offset + match.start(), offset + match.end()))
            if cannot and len(found) > before:
                limited = True
            if re.search(
                rf"{_CANT_MOVE}\s+(?:to\s+)?(?:turn|move|rotate)\s+(?:(?:my|"
                rf"his|her|the)\s+)?(?:head|neck|it)\b",
                clause,
            ) or re.search(
                r"\b(?:won'?t|wont|can'?t|cant|cannot|can not|unable to|"
                r"doesn'?t want to|don'?t want) (?:turn|move)\b",
                clause,
            ):
                limited = True
    return found, limited, spans
