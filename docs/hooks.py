"""MkDocs hooks (mkdocs.yml `hooks:`): pages say what they take from elsewhere, so nothing is
written twice and nothing drifts.

    <!-- readme: TITLE -->     the README section whose heading starts with TITLE (its body)
    <!-- readme-intro -->      the README's text before its first section
    <!-- kernel-interface -->  the output of `python -m tinygrad_lite.backend.interface`

Links into docs/ in README text are made relative to the site (`docs/x.md` → `x.md`).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_MARK = re.compile(r"<!--\s*(readme-intro|readme:\s*(.+?)|kernel-interface)\s*-->")


def _readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def _sections(text):
    """{heading text: body} of the `## ` sections, and the text before the first one."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    intro = parts[0].split("\n", 1)[1] if parts[0].startswith("# ") else parts[0]  # drop the title
    return intro, dict(zip(parts[1::2], parts[2::2]))


def _site_links(md):
    return md.replace("](docs/", "](")


def _readme_section(title):
    _, sections = _sections(_readme())
    for heading, body in sections.items():
        if heading.startswith(title):
            return _site_links(body.strip("\n"))
    raise ValueError(f"docs: README.md has no section starting with {title!r} (headings: {list(sections)})")


def _kernel_interface():
    # a fresh interpreter, run in the repository, so the checkout's package (and its _C) is used
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "tinygrad_lite.backend.interface"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"docs: `python -m tinygrad_lite.backend.interface` failed:\n{out.stderr}")
    return out.stdout


def on_page_markdown(markdown, page, config, files, **kwargs):
    def replace(m):
        if m.group(1) == "readme-intro":
            return _site_links(_sections(_readme())[0].strip("\n"))
        if m.group(1) == "kernel-interface":
            return _kernel_interface()
        return _readme_section(m.group(2).strip())

    return _MARK.sub(replace, markdown)
