"""Write an issue body the way the forges write a submitted issue form.

Issues zzxt opens itself (from a mail, a spreadsheet row, a city's escalation)
look exactly like ones people submit through the form, so the triage bot, the
dashboard and `parse_body` read them the same way: one `### <label>` block per
field in form order, `_No response_` for an empty answer, checkboxes as
`- [x]` lines, a `render:` textarea fenced.
"""

from __future__ import annotations

import re

from tracker.templates.form_parse import NO_RESPONSE, Value
from tracker.templates.forms import Form


def render_body(form: Form, answers: dict[str, Value]) -> str:
    """Return the body of an issue submitted through `form` with these answers."""
    parts = []
    for element in form.elements:
        answer = answers.get(element.id, [] if element.type == "checkboxes" else "")
        if element.type == "checkboxes":
            chosen = set(answer) if isinstance(answer, list) else {answer}
            text = "\n".join(
                f"- [{'x' if option in chosen else ' '}] {option}" for option in element.options
            )
        elif not answer:
            text = NO_RESPONSE
        elif element.type == "textarea" and element.render:
            value = str(answer)
            runs = [len(run) for run in re.findall(r"`{3,}", value)]
            marks = "`" * max(3, max(runs, default=0) + 1)
            text = f"{marks}{element.render}\n{value}\n{marks}"
        else:
            text = str(answer)
        parts.append(f"### {element.label}\n\n{text}\n\n")
    return "".join(parts)
