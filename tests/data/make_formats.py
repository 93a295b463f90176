"""Writes the PDF and DOCX fixtures of tests/data/formats/ (committed; rerun to change them).

Usage: .venv/bin/pip install fpdf2 && .venv/bin/python tests/data/make_formats.py
The same small guide in both formats: a title, sections, a bullet list, a wrapped paragraph.
"""

from pathlib import Path

HERE = Path(__file__).parent / "formats"
TITLE = "Cold Brew at Home"
SECTIONS = [
    ("Why Cold Brew", ["Cold brew steeps coarse coffee in cold water for a long time. The result "
                       "is smooth and low in acidity, and it keeps in the fridge for up to two "
                       "weeks without losing its taste."]),
    ("What You Need", ["- A large jar with a lid", "- Coarsely ground coffee",
                       "- A fine filter or cheesecloth"]),
    ("How Long to Steep", ["Steep the grounds for 12 to 18 hours at room temperature, then filter "
                           "twice. Dilute the concentrate one to one with water or milk."]),
]


def guide_pdf(name: str, width: float, title: tuple[int, float], heading: tuple[int, float],
              body: tuple[int, float], gap: float) -> None:
    """The guide as a PDF: column `width` in mm (0: the page's), each (font size, line height)."""
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", "B", title[0])
    doc.multi_cell(width, title[1], TITLE, new_x="LMARGIN", new_y="NEXT")
    for section, paragraphs in SECTIONS:
        doc.set_font("Helvetica", "B", heading[0])
        doc.ln(2 * gap)
        doc.multi_cell(width, heading[1], section, new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", body[0])
        for p in paragraphs:
            # Core PDF fonts are Latin-1: the list marker is a middle dot.
            text = "\u00b7 " + p[2:] if p.startswith("- ") else p
            doc.multi_cell(width, body[1], text, new_x="LMARGIN", new_y="NEXT")
            doc.ln(gap)
    doc.output(str(HERE / name))


def pdf() -> None:
    from fpdf import FPDF

    guide_pdf("cold-brew.pdf", 0, (22, 12), (15, 9), (11, 6), gap=2)
    # The same guide in a narrow column: body lines wrap short.
    guide_pdf("cold-brew-narrow.pdf", 70, (18, 9), (13, 7), (10, 5), gap=1.5)
    two = FPDF()  # a section per page, for page numbers
    for heading, body in [("Grinding", "Grind coarse for cold brew, like sea salt."),
                          ("Storing", "Keep the concentrate in the fridge for up to two weeks.")]:
        two.add_page()
        two.set_font("Helvetica", "B", 16)
        two.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
        two.set_font("Helvetica", "", 11)
        two.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    two.output(str(HERE / "two-pages.pdf"))
    scan = FPDF()
    scan.add_page()
    scan.rect(20, 20, 100, 60, style="F")  # an image-like page with no text layer
    scan.output(str(HERE / "scanned.pdf"))


def docx() -> None:
    import docx as python_docx

    doc = python_docx.Document()
    doc.add_heading(TITLE, level=0)
    for heading, paragraphs in SECTIONS:
        doc.add_heading(heading, level=1)
        for p in paragraphs:
            if p.startswith("- "):
                doc.add_paragraph(p[2:], style="List Bullet")
            else:
                doc.add_paragraph(p)
    doc.save(str(HERE / "cold-brew.docx"))


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    pdf()
    docx()
