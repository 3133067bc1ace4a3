"""A griffe extension (mkdocs.yml, mkdocstrings `extensions:`): show every docstring as the
plain text it is, in a fenced block. The docstrings here are written for `help()` — formulas
such as `y[i][j] = x[i][index[i][j]]` or `Σ a*b`, aligned columns, hard line breaks — and read
as Markdown they would be mangled (brackets taken for links, `*` for emphasis, lines joined)."""
import griffe


class PlainDocstrings(griffe.Extension):
    def on_instance(self, *, obj, **kwargs):
        doc = obj.docstring
        if doc is not None and doc.value.strip() and not doc.value.startswith("```"):
            fence = "````" if "```" in doc.value else "```"
            doc.value = f"{fence}text\n{doc.value}\n{fence}"
