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


def pdf() -> None:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", "B", 22)
    doc.multi_cell(0, 12, TITLE, new_x="LMARGIN", new_y="NEXT")
    for heading, paragraphs in SECTIONS:
        doc.set_font("Helvetica", "B", 15)
        doc.ln(4)
        doc.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 11)
        for p in paragraphs:
            # Core PDF fonts are Latin-1: the list marker is a middle dot.
            text = "\u00b7 " + p[2:] if p.startswith("- ") else p
            doc.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            doc.ln(2)
    doc.output(str(HERE / "cold-brew.pdf"))
    narrow = FPDF()  # the same guide in a narrow column: body lines wrap short
    narrow.add_page()
    narrow.set_font("Helvetica", "B", 18)
    narrow.multi_cell(70, 9, TITLE, new_x="LMARGIN", new_y="NEXT")
    for heading, paragraphs in SECTIONS:
        narrow.set_font("Helvetica", "B", 13)
        narrow.ln(3)
        narrow.multi_cell(70, 7, heading, new_x="LMARGIN", new_y="NEXT")
        narrow.set_font("Helvetica", "", 10)
        for p in paragraphs:
            text = "\u00b7 " + p[2:] if p.startswith("- ") else p
            narrow.multi_cell(70, 5, text, new_x="LMARGIN", new_y="NEXT")
            narrow.ln(1.5)
    narrow.output(str(HERE / "cold-brew-narrow.pdf"))
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
