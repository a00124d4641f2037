"""Vertebral levels written in words ("T7", "D4, D7, L2", "L2-L3", "T4 à T6"): read where a code names a region of
the spine or no bone, for the count of bone sites (§1.5) and the levels a painful site or a refutation is at."""

from __future__ import annotations

import re

from .place import SPINE_REGIONS, Place

# A vertebral level within a text ("corps vertébral de T7", "Th10", "D12"), and a span of them ("L2-L3", "T4 à T6"):
# checked against the levels each region has (C1-C7, T1-T12, L1-L5, S1-S5), so that "C79" is no level.
_LEVELS_IN = re.compile(r"(?<![A-Za-z0-9])(C|Th|T|D|L|S)\s?(\d{1,2})(?![\d.])(?:\s?(?:-|–|à|to)\s?(C|Th|T|D|L|S)?\s?"
                        r"(\d{1,2})(?![\d.]))?", re.IGNORECASE)
_REGION_LEVELS = {"C": 7, "T": 12, "L": 5, "S": 5}

# Words a site's text may hold beside its levels and still name vertebrae only ("corps vertébral de T7").
_VERTEBRAL_WORDS = re.compile(r"\b(corps|vert[ée]bral(e|es|aux)?|vert[èe]bres?|vertebra[e]?|vertebral|body|bodies|"
                              r"rachis|spine|de|du|des|the|of|en|et|and|niveaux?|levels?|[àa]|to|thoracique|dorsale?|"
                              r"lombaire|cervicale?|sacr[ée]e?|sacrum|thoracic|lumbar|cervical|sacral)\b",
                              re.IGNORECASE)


def spinal_levels(place: Place | None) -> list[str]:
    """The vertebral levels a place's words name, where its code is a region of the spine or no bone, and its
    words name nothing but vertebrae ("Métastases osseuses multiples dont T7", "T7 et côtes": not read, the count
    stays open)."""
    if place is None or (place.bone and str(place.bone).upper() not in SPINE_REGIONS):
        return []
    text = place.record_words or place.written
    rest = _VERTEBRAL_WORDS.sub(" ", _LEVELS_IN.sub(" ", text or ""))
    return [] if re.search(r"[^\W\d_]", rest) else _levels(text)


SPINE = [f"{region}{level}" for region, count in _REGION_LEVELS.items() for level in range(1, count + 1)]


def _levels(text: str) -> list[str]:
    """The vertebral levels a text names ("T7"; "L2-L3" is two, "T4 à T6" three, "T12-L1" two), each once; a
    number no level has ("C79") is not one."""
    found: list[str] = []
    for first, number, last, end in _LEVELS_IN.findall(text or ""):
        start = f"{'T' if first.upper() in ('TH', 'D') else first.upper()}{int(number)}"
        stop = start if not end else f"{'T' if (last or first).upper() in ('TH', 'D') else (last or first).upper()}" \
                                     f"{int(end)}"
        if start not in SPINE or stop not in SPINE or SPINE.index(stop) < SPINE.index(start):
            continue
        found += [level for level in SPINE[SPINE.index(start):SPINE.index(stop) + 1] if level not in found]
    return found


# Words of a diagnosis beside the levels of its metastases ("MTS rachis D4, D7, L2", "Métastases vertébrales T7 et
# L2", probe 23 s13): they name the disease, not another site.
_DISEASE_WORDS = re.compile(r"\b(mts|m[ée]tastases?|metastas[ie]s|metastatic|secondaires?|l[ée]sions?|osseuses?|"
                            r"osseux|bone|lytiques?|lytic)\b", re.IGNORECASE)  # not "multiples": the count stays open


def levels_in_diagnosis(words: str) -> list[str]:
    """The vertebral levels a metastasis's own words name, where they name nothing else ("MTS rachis D4, D7, L2");
    "Métastases osseuses dont T7 et côtes" names more than vertebrae: none."""
    rest = _VERTEBRAL_WORDS.sub(" ", _DISEASE_WORDS.sub(" ", _LEVELS_IN.sub(" ", words or "")))
    return [] if re.search(r"[^\W\d_]", rest) else _levels(words)


# Not a level: an MRI sequence ("IRM T2", "T1-weighted") or a cycle and day ("C1J1"): review 27.
_NOT_A_LEVEL_BEFORE = re.compile(r"(irm|mri|s[ée]quences?|pond[ée]r\w*|weighted|cycles?|cures?)\W*$", re.IGNORECASE)


def levels_named(text: str) -> list[str]:
    """Every vertebral level a text names, whatever else it says ("Laminectomie T12-L1 décompressive": T12, L1), but
    an MRI sequence's or a chemotherapy cycle's ("cf IRM T2", "C1J1", "T2-weighted")."""
    kept = [found.group() for found in _LEVELS_IN.finditer(text or "")
            if not _NOT_A_LEVEL_BEFORE.search(text[:found.start()])
            and not re.match(r"[A-Za-z]|-?weighted|\s*pond|\s?J\s?\d", text[found.end():], re.IGNORECASE)]  # "C1 J1"
    return _levels(" ".join(kept))
