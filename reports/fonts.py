"""The Chinese font of the official documents (see README "Document font").

WeasyPrint embeds a subset of every font a PDF uses. The stock Noto Sans CJK
collection is five faces of 65,535 glyphs in one 19 MB file, and an ``@font-face``
pointing at it gets the first face, Japanese, whose glyph forms differ from Chinese
ones. ``build`` extracts the Simplified Chinese face once, at install time, keeping
every character Noto has that a Chinese document can need (all Chinese characters,
including the rare ones of names, 堃 喆 赟 玥 昇, and the symbols) and dropping the
Korean syllables and the alternate glyphs of other locales and of vertical text.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SOURCE_FAMILY = "Noto Sans CJK SC"
# Korean syllables and jamo: 11,405 glyphs no Chinese document uses.
LEFT_OUT = [(0x1100, 0x1200), (0x3130, 0x3190), (0xA960, 0xA980), (0xAC00, 0xD7B0)]
# Horizontal shaping only: other locales' forms (locl) and vertical forms are left out.
LAYOUT_FEATURES = ["ccmp", "kern", "liga", "calt", "clig", "mark", "mkmk", "rlig", "palt", "halt"]


def font_path():
    return Path(settings.DOCUMENT_FONT)


def kept(codepoint):
    return not any(low <= codepoint < high for low, high in LEFT_OUT)


def _face_index(collection, family):
    from fontTools.ttLib import TTCollection

    with TTCollection(collection, lazy=True) as faces:
        for index, face in enumerate(faces.fonts):
            if face["name"].getDebugName(1) == family:
                return index
    raise LookupError(f"{family} is not in {collection}")


def build(*, source=SOURCE, out=None):
    """Write the document font to ``out`` (default: settings.DOCUMENT_FONT) through a
    temporary file, so a failed build leaves no half-written font behind."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    out = Path(out or font_path())
    index = _face_index(source, SOURCE_FAMILY) if source.endswith(".ttc") else 0
    font = TTFont(source, fontNumber=index)
    options = subset.Options()
    options.layout_features = LAYOUT_FEATURES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for c in font.getBestCmap() if kept(c)])
    subsetter.subset(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=".font-", suffix=".otf")
    os.close(handle)
    try:
        font.save(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out
