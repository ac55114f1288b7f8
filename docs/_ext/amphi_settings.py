"""Sphinx extension: ``.. amphi-settings::`` renders the settings reference from the declarations.

The reference comes from :func:`core.platform.settings.settings_reference` (the core's declarations and
those of every installed plugin), so the docs cannot drift from the code. It is a plain docutils
directive: it builds the tables as nodes, so nothing in a doc line needs reST escaping.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive

from core.platform.plugins import installed_settings
from core.platform.settings import CORE, SettingDoc, settings_reference

COLUMNS = (("Setting", 30), ("Type", 12), ("Default", 18), ("Per site", 8), ("Description", 42))


def paragraph(*children: nodes.Node) -> nodes.paragraph:
    return nodes.paragraph("", "", *children)


def row(cells: list[nodes.Node]) -> nodes.row:
    result = nodes.row()
    for cell in cells:
        result += nodes.entry("", cell)
    return result


def default_cell(default: str) -> nodes.Node:
    if not default:
        return paragraph(nodes.emphasis(text="empty"))
    if "\n" in default:
        return nodes.literal_block(default, default)
    return paragraph(nodes.literal(text=default))


def setting_row(line: SettingDoc) -> nodes.row:
    name = nodes.container(
        "", paragraph(nodes.literal(text=line.name)), paragraph(nodes.literal(text=line.environment))
    )
    return row(
        [
            name,
            paragraph(nodes.Text(line.type)),
            default_cell(line.default),
            paragraph(nodes.Text("yes" if line.per_site else "no")),
            paragraph(nodes.Text(line.doc)),
        ]
    )


def settings_table(lines: list[SettingDoc]) -> nodes.table:
    table = nodes.table(classes=["amphi-settings"])
    group = nodes.tgroup(cols=len(COLUMNS))
    table += group
    for _title, width in COLUMNS:
        group += nodes.colspec(colwidth=width)
    group += nodes.thead("", row([paragraph(nodes.Text(title)) for title, _width in COLUMNS]))
    group += nodes.tbody("", *(setting_row(line) for line in lines))
    return table


def group_section(document, group: str, lines: list[SettingDoc]) -> nodes.section:
    title = "Core" if group == CORE else f"Plugin {group}"
    section = nodes.section(ids=[nodes.make_id(f"settings-{group}")], names=[nodes.fully_normalize_name(title)])
    section += nodes.title(text=title)
    prefix = "amphi." if group == CORE else f"amphi.{group}."
    section += paragraph(nodes.Text("Settings under "), nodes.literal(text=prefix + "*"), nodes.Text("."))
    section += settings_table(lines)
    document.note_implicit_target(section)
    return section


class AmphiSettings(Directive):
    """``.. amphi-settings::``: one section per group (the core, then each plugin), one table each."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        document = self.state.document
        return [group_section(document, group, lines) for group, lines in settings_reference(installed_settings())]


def setup(app) -> dict:
    app.add_directive("amphi-settings", AmphiSettings)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
