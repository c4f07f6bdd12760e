"""Fields as the report prints them: every metrics.json key by its declared kind (``contract.fields``).

``Field`` is one value with its key and kind; ``str()`` gives the genre's form (``98.42%``, ``80,692.06万元``,
``75个``, ``77.20分``, ``2021年12月31日``) and a null value gives ``【无数据:key】``, a placeholder the report
counts. ``Node`` is a mapping of fields: ``expenditure.rate``, ``milestones.启动.done``,
``expenditure.domains["基础平台"].approved_total``; an unknown name raises ``UnknownName`` with the nearest
known names.

Escaping is a property of the field: whatever a field, a name from the data or a filter prints is text
(``md_text``): no HTML, link, emphasis, code or pandoc raw block can come from data or params.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal

from jixiao.contract.fields import Kind, is_declared_branch, kind_of
from jixiao.core.i18n import t
from jixiao.present import format as fmt

NO_DATA = "【无数据:{key}】"
TO_WRITE = "【待撰写:{what}】"
TO_FILL = "【待填写:{key}】"  # a cell of the 自评表 (自评.…) the data does not give: the department fills it
_FORM_ROOT = "自评"


def missing_text(key: str) -> str:
    """What a null field prints: 【待填写:自评.…】 for a form's cell, else 【无数据:…】."""
    return (TO_FILL if key.split(".")[0] == _FORM_ROOT else NO_DATA).format(key=key)


class UnknownName(Exception):
    """A template asked for a name that is not there; ``near``: the nearest known names."""

    def __init__(self, name: str, near: list[str], what: str = ""):
        self.name, self.near = name, near
        hint = t(f";最接近的名称:{'、'.join(near)}", f"; nearest known: {', '.join(near)}") if near else ""
        super().__init__(t(f"未知的{what or '名称'} {name!r}{hint}", f"unknown {what or 'name'} {name!r}{hint}"))


def nearest(name: str, known, n: int = 3) -> list[str]:
    known = [str(k) for k in known]
    near = difflib.get_close_matches(name, known, n=n, cutoff=0.5)
    if not near:  # the last part of a dotted name may be the one misspelt
        tail = name.rsplit(".", 1)[-1]
        near = [k for k in known if k.rsplit(".", 1)[-1] in difflib.get_close_matches(tail, [x.rsplit(".", 1)[-1] for x in known], n=n, cutoff=0.5)][:n]
    return near


# what Markdown (CommonMark, as mistune reads it) and pandoc's Markdown read as markup anywhere in a line; ``,;:()``
# are left alone (never markup inline, and the Chinese punctuation pass turns them full-width)
_MARKUP = re.compile(r"([\\`*_\[\]{}<>#|~^$@&])")
# what starts a block only at the start of a line: a list item (- + 1. 1)), a setext underline (=)
_LEADING = re.compile(r"^(\s*)([-+=]|\d+(?=[.)](?:\s|$)))")


def md_text(value) -> str:
    """``value`` as literal text in Markdown and pandoc Markdown: every markup character backslash-escaped, line
    breaks as spaces (data never starts a block)."""
    text = re.sub(r"[\r\n\t\v\f\u2028\u2029]+", " ", str(value))
    text = _MARKUP.sub(r"\\\1", text)
    return _LEADING.sub(lambda m: m.group(1) + (m.group(2) if m.group(2)[0].isdigit() else "\\" + m.group(2)) + (
        "\\" if m.group(2)[0].isdigit() else ""), text)


class DataText(str):
    """A string from data or params in a template: compares and looks up as itself, prints escaped."""

    def __str__(self) -> str:
        return md_text(str.__str__(self))

    def __html__(self) -> str:
        return str(self)


def _raw(value) -> str:
    """The text itself, of a DataText too (``str()`` of one is escaped)."""
    return str.__str__(value) if isinstance(value, str) else str(value)


def _data(value):
    """A value from data as a template sees it: text escaped when printed, lists of it too."""
    if isinstance(value, str) and not isinstance(value, DataText):
        return DataText(value)
    if isinstance(value, list):
        return [_data(v) for v in value]
    return value


def number_text(value, places: int = 2) -> str:
    return fmt.number(value, places)


def percent_text(rate) -> str:
    return fmt.percent(rate)


def date_text(value) -> str:
    return fmt.date(value)


def printed_text(value) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def format_value(kind: Kind, value) -> str:
    """The field as printed (plain text; ``Field`` escapes it for the template)."""
    return fmt.field(kind, value)


class Placeholders:
    """Counts the placeholders a rendering printed (null fields)."""

    def __init__(self) -> None:
        self.keys: list[str] = []


class Field:
    """One field of the report: its key, declared kind and value."""

    def __init__(self, key: str, kind: Kind, value, counter: Placeholders | None = None):
        self.key, self.kind, self._counter = key, kind, counter
        self._raw, self.value = value, _data(value)

    def missing(self) -> str:
        if self._counter is not None:
            self._counter.keys.append(self.key)
        return md_text(missing_text(self.key))

    def text(self) -> str:
        """As printed, unescaped."""
        return missing_text(self.key) if self._raw is None else format_value(self.kind, self._raw)

    def __str__(self) -> str:
        if self._raw is None:
            return self.missing()
        return md_text(format_value(self.kind, self._raw))

    def __html__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return self.value not in (None, 0, "", [])

    # comparisons and arithmetic on the value, for {% if %} in templates
    def _v(self, other):
        return other.value if isinstance(other, Field) else other

    def __eq__(self, other):
        return self.value == self._v(other)

    def __hash__(self):
        return hash(self.key)

    def __lt__(self, other):
        return self.value < self._v(other)

    def __le__(self, other):
        return self.value <= self._v(other)

    def __gt__(self, other):
        return self.value > self._v(other)

    def __ge__(self, other):
        return self.value >= self._v(other)

    def __iter__(self):
        return iter(self.value or [])

    def __len__(self):
        return len(self.value or [])

    def __getitem__(self, index: int):
        """An item of a list field (``public_reviews.months[0]``), as a field of its own declared kind."""
        items = self._raw if isinstance(self._raw, list) else []
        if not isinstance(index, int):
            raise TypeError(f"{self.key}[{index!r}]")
        value = items[index] if -len(items) <= index < len(items) else None
        key = f"{self.key}.{index}"
        return Field(key, kind_of(key) or Kind("printed"), value, self._counter)


def _is_branch(value) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and value and isinstance(value[0], (dict, list)))


class Node:
    """A mapping of metrics.json (or published.yaml) whose leaves are Fields."""

    def __init__(self, key: str, data, counter: Placeholders | None = None, parts: tuple | None = None):
        self._key, self._data, self._counter = key, data, counter
        # the path as parts: a name from the data ("4.您对…") may hold a dot, so the dotted key is for reading only
        self._parts = parts if parts is not None else (tuple(key.split(".")) if key else ())

    def _names(self) -> list[str]:
        if isinstance(self._data, dict):
            return [DataText(k) for k in self._data]
        return [DataText(i) for i in range(len(self._data or []))]

    def _child(self, name):
        name = _raw(name)
        key = f"{self._key}.{name}" if self._key else name
        data = self._data
        if isinstance(data, dict):
            found = next((k for k in data if str(k) == str(name)), None)
            if found is None:
                raise UnknownName(key, nearest(key, [f"{self._key}.{k}" if self._key else k for k in self._names()]), t("字段", "field"))
            value = data[found]
        elif isinstance(data, list):
            try:
                value = data[int(name)]
            except (ValueError, IndexError):
                raise UnknownName(key, [], t("字段", "field")) from None
        else:
            raise UnknownName(key, [], t("字段", "field"))
        parts = (*self._parts, str(name))
        kind = kind_of(parts)
        if kind is not None and kind.kind != "printed":
            return Field(key, kind, value, self._counter)
        if isinstance(value, dict) or _is_branch(value):
            return Node(key, value, self._counter, parts)
        if value is None and kind is None and is_declared_branch(parts):
            return Field(key, Kind("text"), None, self._counter)
        if kind is None:
            raise UnknownName(key, [], t("字段(未在 contract/fields.py 中声明类别)", "field (no kind declared in contract/fields.py)"))
        return Field(key, kind, value, self._counter)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._child(name)

    def __getitem__(self, name):
        return self._child(name)

    def __iter__(self):
        return iter(self._names())

    def items(self):
        return [(n, self._child(n)) for n in self._names()]

    def keys(self):
        return self._names()

    def values(self):
        return [self._child(n) for n in self._names()]

    def __len__(self):
        return len(self._names())

    def __bool__(self):
        return bool(self._data)

    def __str__(self) -> str:
        if self._data is None:
            return Field(self._key, Kind("text"), None, self._counter).missing()
        raise UnknownName(self._key, [f"{self._key}.{n}" for n in self._names()[:3]],
                          t("字段(这是一组字段,应写到具体的一项)", "field (a group: name one of its fields)"))


def flatten(data, prefix: str = "") -> list[tuple[str, object]]:
    """Every printable field of ``data`` as (dotted key, value)."""
    out = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) and data and isinstance(data[0], (dict, list)) else None
    if items is None:
        return [(prefix, data)]
    for k, v in items:
        out.extend(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def _flatten_parts(data, parts: tuple) -> list[tuple[tuple, object]]:
    """``flatten`` keeping each key as its parts: a name from the data may hold a dot ("4.您对…")."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) and data and isinstance(data[0], (dict, list)) else None
    if items is None:
        return [(parts, data)]
    return [found for k, v in items for found in _flatten_parts(v, (*parts, str(k)))]


def template_key(parts: tuple) -> str:
    """A key as a template writes it: dotted, a part holding a dot by its key (``survey.questions["4.您对…"]``)."""
    return parts[0] + "".join(f'["{p}"]' if "." in p else f".{p}" for p in parts[1:]) if parts else ""


def listed(data, prefix: str = "") -> list[tuple[str, str]]:
    """(key, printed value) of every declared field in ``data`` (for ``jixiao fields``)."""
    rows = []
    for parts, value in _flatten_parts(data, (prefix,) if prefix else ()):
        kind = kind_of(parts) or (kind_of(parts[:-1]) if len(parts) > 1 else None)
        if kind is not None and kind.kind == "list" and kind_of(parts) is None:
            continue  # an item of a list field: the list is listed whole
        if kind is None:
            continue
        key = template_key(parts)
        rows.append((key, missing_text(key) if value is None else format_value(kind, value)))
    return rows


# filters: other forms of a field
def _value(field):
    return field._raw if isinstance(field, Field) else (str.__str__(field) if isinstance(field, DataText) else field)


def f_yi(field) -> str:
    """万元 -> 亿元, two decimals: 80,692.06万元 -> 8.07亿元."""
    v = _value(field)
    if v is None:
        return field.missing() if isinstance(field, Field) else NO_DATA.format(key="?")
    return number_text(Decimal(repr(float(v))) / 10000) + "亿元"


def f_bare(field) -> str:
    """The number without its unit word: 80,692.06 / 98.42 / 75 / 77.20."""
    v = _value(field)
    if isinstance(field, Field) and v is None:
        return field.missing()
    kind = field.kind.kind if isinstance(field, Field) else "printed"
    if kind == "rate":
        return percent_text(v)[:-1]
    if kind in ("money", "score"):
        return number_text(v)
    if kind == "count":
        return f"{int(v):,}"
    if kind == "weight":
        return str(int(v)) if float(v).is_integer() else number_text(v)
    return printed_text(v)


def f_thousands(field) -> str:
    """A printed number with thousands separators: 35806422 -> 35,806,422."""
    v = _value(field)
    if isinstance(field, Field) and v is None:
        return field.missing()
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


def f_percent(field) -> str:
    """A printed percentage (published.yaml's 98.42) with its sign, in two decimals at least, as every rate
    prints: 98.42%, 100 -> 100.00%, 0.005 stays 0.005%."""
    v = _value(field)
    if isinstance(field, Field) and v is None:
        return field.missing()
    text = printed_text(v)
    if re.fullmatch(r"-?[\d,]+(\.\d*)?", text):
        whole, _, places = text.partition(".")
        text = f"{whole}.{places.ljust(2, '0')}"
    return f"{text}%"


def f_wan(field) -> str:
    """A printed amount in 万元 (published.yaml's 274128) in two decimals, as all money prints: 274,128.00万元."""
    v = _value(field)
    if isinstance(field, Field) and v is None:
        return field.missing()
    return number_text(v) + "万元"


def f_date_month(field) -> str:
    """A date as year and month: 2022年9月."""
    v = _value(field)
    text = str(v)[:10]
    day = v if isinstance(v, dt.date) else dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01")  # 2020-07 too
    return f"{day.year}年{day.month}月"


_INTERVAL = re.compile(r"^\[\s*([\d.]+%)\s*[,，]\s*([\d.]+%)\s*\)$")


def f_band(field) -> str:
    """A band's name in words, as prose reads it: [90%,100%) -> 90%（含）至100%, ≥100% -> 100%及以上,
    <60% -> 低于60%; any other name as it is."""
    text = str(_value(field))
    if m := _INTERVAL.match(text):
        return f"{m.group(1)}（含）至{m.group(2)}"
    if text.startswith(("≥", ">=")):
        return f"{text.lstrip('≥>=').strip()}及以上"
    if text.startswith(("<", "＜")):
        return f"低于{text[1:].strip()}"
    return text


def _escaped(filter_):
    import functools

    @functools.wraps(filter_)
    def printed(field) -> str:
        return md_text(filter_(field).replace("\\", "")) if isinstance(field, Field) and field.value is None \
            else md_text(filter_(field))
    return printed


FILTERS = {name: _escaped(f) for name, f in
           {"亿元": f_yi, "数值": f_bare, "千分位": f_thousands, "百分比": f_percent, "年月": f_date_month,
            "区间": f_band, "万元": f_wan}.items()}
