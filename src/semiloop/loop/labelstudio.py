"""Label Studio: the labeling config semiloop writes for a project, and the names in it.

A project's ``labelstudio.xml`` shows each item (its text, or its columns as a
table) with one single-choice question over the project's classes. Review
exports put predictions under the config's ``from_name`` / ``to_name``; review
imports read the answers under the same names.

Examples
--------
>>> config = labeling_config(["billing", "bug"], text_column="body")
>>> print(config)
<View>
  <Text name="item" value="$body" />
  <Choices name="label" toName="item" choice="single" showInLine="true">
    <Choice value="billing" />
    <Choice value="bug" />
  </Choices>
</View>
>>> control_names(config)
('label', 'item')
"""

import xml.etree.ElementTree as ET

from semiloop.errors import DataError

__all__ = ["TABLE_FIELD", "control_names", "labeling_config"]

#: the task data field that holds an item's columns when the project has no text column
TABLE_FIELD = "item"


def labeling_config(classes, *, text_column=None):
    """The Label Studio labeling config (XML) for a project's classes.

    Parameters
    ----------
    classes : list of str
    text_column : str, default=None
        Show this data field as text; without it, the task's ``item`` field
        (a dict of the row's columns) is shown as a table.

    Returns
    -------
    str
    """
    view = ET.Element("View")
    if text_column is not None:
        ET.SubElement(view, "Text", {"name": "item", "value": f"${text_column}"})
    else:
        ET.SubElement(view, "Table", {"name": "item", "value": f"${TABLE_FIELD}"})
    choices = ET.SubElement(view, "Choices", {"name": "label", "toName": "item",
                                              "choice": "single", "showInLine": "true"})
    for name in classes:
        ET.SubElement(choices, "Choice", {"value": str(name)})
    ET.indent(view)
    return ET.tostring(view, encoding="unicode")


def control_names(config):
    """``(from_name, to_name)`` of the first ``Choices`` control in a labeling config.

    Raises
    ------
    DataError
        When the config is not XML or has no ``Choices`` with a ``toName``.
    """
    try:
        root = ET.fromstring(config)
    except ET.ParseError as error:
        raise DataError(f"the Label Studio labeling config is not valid XML ({error}); "
                        "fix it or write it anew from the project's classes") from None
    for choices in root.iter("Choices"):
        if choices.get("name") and choices.get("toName"):
            return choices.get("name"), choices.get("toName")
    raise DataError("the Label Studio labeling config has no <Choices name=... toName=...>; "
                    "add one for the project's classes")
