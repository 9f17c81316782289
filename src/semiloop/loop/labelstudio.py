"""Label Studio: the labeling config semiloop writes for a project, the tasks, the answers.

A project's ``labelstudio.xml`` shows each item (its text, or its columns as a
table) with one single-choice question over the project's classes. Review
exports put predictions under the config's ``from_name`` / ``to_name``
(:func:`review_task`); review imports read the answers under the same names
from Label Studio's exports: JSON (:func:`annotation_choices`), JSON-MIN and
CSV (:func:`cell_choices`), and who gave them (:func:`annotator_name`).

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

import json
import xml.etree.ElementTree as ET

from semiloop.errors import DataError

__all__ = ["TABLE_FIELD", "annotation_choices", "annotator_name", "cell_choices", "control_names",
           "data_field", "labeling_config", "review_task"]

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


def data_field(config):
    """``(tag, field)``: the object the first ``Choices`` labels, and the task data field it shows.

    ``("Text", "body")`` for ``<Text name="item" value="$body"/>``; ``("Table", "item")``
    for a project without a text column.

    Raises
    ------
    DataError
        When no object tag carries the control's ``toName`` with a ``$field`` value.

    >>> data_field(labeling_config(["a", "b"]))
    ('Table', 'item')
    """
    _, to_name = control_names(config)
    for element in ET.fromstring(config).iter():
        value = element.get("value", "")
        if element.get("name") == to_name and element.tag != "Choices" and value.startswith("$"):
            return element.tag, value[1:]
    raise DataError(f"the Label Studio labeling config has no object tag named {to_name!r} "
                    "with a value=\"$field\"; add one (for example <Text name="
                    f"\"{to_name}\" value=\"$text\"/>) or write the config anew")


def review_task(data, *, from_name, to_name, suggestion=None, score=None, model_version=None):
    """One Label Studio task: the item's data and, when there is one, the model's suggestion.

    Parameters
    ----------
    data : dict
        The task data (JSON-ready), ``sample_id`` included.
    from_name, to_name : str
        The ``Choices`` control and the object it labels (see :func:`control_names`).
    suggestion : str, default=None
        The predicted class, shown as a prediction; None gives no prediction.
    score : float, default=None
        The prediction's score (left out when None).
    model_version : str, default=None
        Names the model that made the prediction.

    Returns
    -------
    dict
        ``{"data": ..., "predictions": [{"model_version", "score", "result": [...]}]}``.

    >>> review_task({"sample_id": "7", "text": "hi"}, from_name="label", to_name="item",
    ...             suggestion="ham", score=0.25, model_version="round-1")["predictions"]
    [{'model_version': 'round-1', 'score': 0.25, 'result': [{'from_name': 'label', \
'to_name': 'item', 'type': 'choices', 'value': {'choices': ['ham']}}]}]
    """
    task = {"data": data}
    if suggestion is not None:
        prediction = {"model_version": model_version}
        if score is not None:
            prediction["score"] = score
        prediction["result"] = [{"from_name": from_name, "to_name": to_name, "type": "choices",
                                 "value": {"choices": [str(suggestion)]}}]
        task["predictions"] = [prediction]
    return task


def annotation_choices(result, from_name):
    """The classes one annotation chose under ``from_name`` (distinct, in order).

    Parameters
    ----------
    result : list of dict or None
        An annotation's ``result``, as Label Studio's JSON export writes it:
        ``[{"from_name", "to_name", "type": "choices", "value": {"choices": [...]}}]``;
        regions of other controls are left out.
    from_name : str

    Returns
    -------
    list of str
        Empty when the annotation answers nothing under ``from_name``.

    Raises
    ------
    DataError
        When ``result`` or a region under ``from_name`` is not shaped as above.

    >>> annotation_choices([{"from_name": "label", "type": "choices",
    ...                      "value": {"choices": ["spam"]}}], "label")
    ['spam']
    """
    if result is None:
        return []
    if not isinstance(result, list):
        raise DataError(f"its result is {type(result).__name__}, not a list of regions")
    chosen = []
    for region in result:
        if not isinstance(region, dict) or region.get("from_name") != from_name:
            continue
        value = region.get("value")
        choices = value.get("choices") if isinstance(value, dict) else None
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise DataError(f"its {from_name!r} region has no value.choices list of class "
                            f"names (type {region.get('type')!r}, value {value!r})")
        chosen.extend(c for c in choices if c not in chosen)
    return chosen


def cell_choices(value, classes=()):
    """The classes a JSON-MIN value or a Label Studio CSV cell holds (distinct, in order).

    One choice is written as the class name; several as ``{"choices": [...]}``
    (in a CSV cell, that object as JSON text), and several regions as a list.

    Parameters
    ----------
    value : str, dict, list or None
    classes : collection of str, default=()
        The project's classes: a text that is one of them is never read as JSON.

    Returns
    -------
    list of str
        Empty for None or an empty cell.

    Raises
    ------
    DataError
        When ``value`` is an object without ``choices``.

    >>> cell_choices("spam"), cell_choices('{"choices": ["ham", "spam"]}'), cell_choices("")
    (['spam'], ['ham', 'spam'], [])
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text in classes or not text.startswith(("{", "[")):
            return [text] if text else []
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return [text]
    if isinstance(value, dict):
        if "choices" not in value:
            raise DataError(f"it holds {value!r}, not a choice; a choice is a class name or "
                            "{\"choices\": [...]}")
        value = value["choices"]
    if isinstance(value, list):
        chosen = []
        for part in value:
            chosen.extend(c for c in cell_choices(part, classes) if c not in chosen)
        return chosen
    return [str(value)]


def annotator_name(completed_by):
    """Who gave an annotation, from Label Studio's ``completed_by`` or ``annotator``.

    An email is kept as it is; a user id ``N`` (a number, or a dict without an
    email) becomes ``"label-studio user N"``, the same from every export format,
    so that one person's answers imported twice in two formats are duplicates.

    Returns
    -------
    str or None
        None when the value names no one (``None``, ``{}``, an empty cell).

    >>> annotator_name(7), annotator_name("7"), annotator_name({"id": 7, "email": "a@b.org"})
    ('label-studio user 7', 'label-studio user 7', 'a@b.org')
    """
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email") or completed_by.get("id")
    if completed_by is None or isinstance(completed_by, bool):
        return None
    if isinstance(completed_by, int):
        return f"label-studio user {completed_by}"
    text = str(completed_by).strip()
    if text.startswith("{"):
        try:
            return annotator_name(json.loads(text.replace("'", '"')))
        except json.JSONDecodeError:
            return text
    if text.isdigit():
        return f"label-studio user {int(text)}"
    return text if text and text.lower() not in ("none", "nan", "null") else None
