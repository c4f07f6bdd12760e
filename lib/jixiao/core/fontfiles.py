"""What a font file draws, read by HarfBuzz (uharfbuzz): shared by the intake's check of printed texts and by
the pages' glyph check, neither of which imports the other."""

from __future__ import annotations

from pathlib import Path


def code_points(path: Path) -> frozenset[int]:
    """The code points the face at ``path`` maps to a glyph (its cmap): about 1 ms, where fontTools took 0.25 s."""
    import uharfbuzz as hb

    return frozenset(hb.Face(hb.Blob.from_file_path(str(path))).unicodes)
