"""The rules as data: the policy file, its validation and where it is found.

A policy is one YAML file. The Guangdong one ships in the package; another
province passes its own with `--policy FILE` or `ZZXT_POLICY`. Everything else
(forms, labels, deadlines, the site's service guide) is derived from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from tracker.errors import PolicyError
from tracker.validation import LocatedError, Strict, validate_yaml

DEFAULT_POLICY = "guangdong.yml"

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
FieldId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
Text = Annotated[str, Field(min_length=1)]
Color = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{6}$")]

# Field ids every form must have: the triage and SLA bots read them.
COMMON_FIELD_IDS = (
    "city",
    "stage",
    "unit",
    "unit_type",
    "reporter",
    "role",
    "phone",
    "urgent",
    "summary",
)
# Fixed labels the code refers to by key.
FIXED_LABEL_KEYS = (
    "urgent",
    "pending",
    "incomplete",
    "unclassified",
    "rejected",
    "due_soon",
    "overdue",
    "late",
    "trained",
    "suspected_trained",
    "sensitive",
)
SUBJECT_PLACEHOLDERS = {"city", "stage", "category"}
# Both forges cap label names at 50 characters.
MAX_LABEL_LENGTH = 50
LabelGroupName = Literal["category", "subcategory", "stage", "city"]


class Document(Strict):
    number: Text
    title: Text
    authority: Text
    region: Text
    receiver: Text
    basis: str = ""


class Mailbox(Strict):
    address: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    categories: list[Key] = Field(min_length=1)


class Service(Strict):
    phone: Text
    mailboxes: list[Mailbox] = Field(min_length=1)


class Deadline(Strict):
    warn: Annotated[int, Field(ge=0)]
    breach: Annotated[int, Field(ge=1)]
    local_choice: bool = False

    @model_validator(mode="after")
    def _warn_before_breach(self) -> Deadline:
        if self.warn > self.breach:
            raise ValueError("提醒线 warn 不能晚于超期线 breach")
        return self


class Subcategory(Strict):
    key: Key
    name: Text


class Category(Strict):
    key: Key
    name: Text
    description: Text
    examples: list[str] = []
    subcategories: list[Subcategory] = []
    deadline: Deadline
    report_form: str = ""
    articles: list[str] = []


class Stage(Strict):
    key: Key
    name: Text


class Report(Strict):
    required_items: list[Text] = Field(min_length=1)
    subject_format: Text
    city_placeholder: Text
    stage_placeholder: Text
    title_separator: str = "："

    @field_validator("subject_format")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        used = set(re.findall(r"\{([^{}]*)\}", value))
        unknown = used - SUBJECT_PLACEHOLDERS
        if unknown:
            raise ValueError(
                f"未知占位符 {', '.join(sorted(unknown))}；只能使用 {{city}}、{{stage}}、{{category}}"
            )
        return value


class LabelGroup(Strict):
    prefix: Text
    color: Color


class LabelGroups(Strict):
    category: LabelGroup
    subcategory: LabelGroup
    stage: LabelGroup
    city: LabelGroup


class FixedLabel(Strict):
    key: Key
    name: Text
    color: Color
    description: str = ""


class Labels(Strict):
    groups: LabelGroups
    fixed: list[FixedLabel]

    @model_validator(mode="after")
    def _all_keys_present(self) -> Labels:
        keys = [label.key for label in self.fixed]
        missing = [key for key in FIXED_LABEL_KEYS if key not in keys]
        if missing:
            raise LocatedError(("fixed",), f"缺少程序需要的标签：{', '.join(missing)}")
        _no_duplicates(keys, "标签 key", ("fixed",), "key")
        return self


class YearOverride(Strict):
    """One year's days off and make-up workdays, from the State Council's notice."""

    complete: bool = False  # the whole year is listed: unlisted days go by the weekday
    source: str = ""
    holidays: list[date] = []
    workdays: list[date] = []


class CalendarSettings(Strict):
    """Where working days come from.

    Precedence for a day: a date listed under `years` > chinesecalendar > a
    `complete` year of `years` (by weekday) > the provisional statutory calendar
    (tracker.calendar). `strict` replaces that last step with an error (exit 3).
    `weekday_fallback` is still accepted for old policy files and has no effect:
    the provisional calendar does what it was for, with the statutory holidays.
    """

    timezone: Text = "Asia/Shanghai"
    strict: bool = False
    weekday_fallback: bool = False
    years: dict[int, YearOverride] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知时区 {value}，例如应写 Asia/Shanghai") from None
        return value

    @model_validator(mode="after")
    def _dates_in_their_year(self) -> CalendarSettings:
        if self.strict and self.weekday_fallback:
            raise LocatedError(
                ("weekday_fallback",),
                "strict: true 要求缺数据时停止，weekday_fallback: true 要求继续估算，二者矛盾；"
                "weekday_fallback 已不再需要，请删除这一行",
            )
        for year, override in self.years.items():
            for kind in ("holidays", "workdays"):
                for i, day in enumerate(getattr(override, kind)):
                    if day.year != year:
                        raise LocatedError(
                            ("years", year, kind, i),
                            f"{year} 年的安排里出现了其他年份的日期 {day.isoformat()}",
                        )
            for i, day in enumerate(override.workdays):
                if day in override.holidays:
                    raise LocatedError(
                        ("years", year, "workdays", i),
                        f"{day.isoformat()} 同时列为放假日和调休上班日",
                    )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Site(Strict):
    url: Annotated[str, Field(pattern=r"^https?://\S+/$")]
    guide_path: Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]*$")] = "guide/"

    @property
    def guide_url(self) -> str:
        return self.url + self.guide_path


OptionSource = Literal["cities", "stages", "accepted_units", "subcategories"]


class FormField(Strict):
    id: FieldId
    type: Literal["input", "textarea", "dropdown"]
    label: Text
    description: str = ""
    placeholder: str = ""
    required: bool = False
    options: list[Text] = []
    options_from: OptionSource | None = None
    render: str | None = None

    @model_validator(mode="after")
    def _options_only_for_dropdowns(self) -> FormField:
        if self.type == "dropdown":
            if bool(self.options) == (self.options_from is not None):
                raise ValueError("下拉框须给出 options 或 options_from 之一")
            _no_duplicates(self.options, "选项", ("options",))
        elif self.options or self.options_from:
            raise ValueError(f"{self.type} 类型的字段不能有选项")
        if self.render is not None and self.type != "textarea":
            raise ValueError("render 只能用于 textarea")
        if self.placeholder and self.type == "dropdown":
            raise ValueError("下拉框不能设置 placeholder")
        return self


class ConfirmOption(Strict):
    label: Text
    required: bool = True


class Confirmations(Strict):
    label: Text
    options: list[ConfirmOption] = Field(min_length=1)


class CategoryForm(Strict):
    file: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+\.yml$")]
    about: Text
    fields: list[FormField] = []


class Forms(Strict):
    intro: str = ""
    common: list[FormField]
    confirmations: Confirmations
    categories: dict[Key, CategoryForm]

    @model_validator(mode="after")
    def _contract(self) -> Forms:
        ids = [f.id for f in self.common]
        missing = [i for i in COMMON_FIELD_IDS if i not in ids]
        if missing:
            raise LocatedError(
                ("common",), f"缺少约定字段：{', '.join(missing)}（其他模块依赖这些字段 id）"
            )
        for key, form in self.categories.items():
            own = [f.id for f in form.fields]
            clash = [i for i in own if i in ids or i == "confirmations"]
            if clash:
                index = own.index(clash[0])
                raise LocatedError(
                    ("categories", key, "fields", index, "id"), f"字段 id {clash[0]} 与共有字段重复"
                )
            _no_duplicates(own, f"{key} 表单的字段 id", ("categories", key, "fields"), "id")
        files = [form.file for form in self.categories.values()]
        for key, form in self.categories.items():
            if files.count(form.file) > 1:
                raise LocatedError(("categories", key, "file"), f"表单文件名重复：{form.file}")
        return self


class Sla(Strict):
    """Who counts as answering, whom to escalate to, what is exempt (第十三、十四条)."""

    responders: list[Text] = []  # logins; empty: anyone but the author and bots
    responder_team: str = ""  # "org/team": its members count as responders too
    escalate_to: list[Text] = []  # @mentioned when an overdue issue has no assignee
    bots: list[Text] = []  # more logins to treat as bots
    exempt_labels: list[Key] = ["rejected"]  # fixed label keys
    dashboard_title: Text = "问题处理进度清单"

    @field_validator("responder_team")
    @classmethod
    def _team_format(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^/\s]+/[^/\s]+", value):
            raise ValueError("团队应写作 组织/团队，例如 gdzz/support")
        return value


class Triage(Strict):
    """What the triage bot does with new and edited issues (第十一、十二、十九条)."""

    faq_limit: Annotated[int, Field(ge=1, le=10)] = 3
    faq_min_score: Annotated[float, Field(ge=0)] = 15.0
    trained_min_score: Annotated[float, Field(ge=0)] = 40.0
    mask_pii: bool = False


class Policy(Strict):
    schema_version: Literal[1]
    document: Document
    service: Service
    categories: list[Category] = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    cities: list[Text] = Field(min_length=1)
    accepted_units: list[Text] = Field(min_length=1)
    report: Report
    labels: Labels
    calendar: CalendarSettings = CalendarSettings()
    site: Site
    forms: Forms
    sla: Sla = Sla()
    triage: Triage = Triage()

    @model_validator(mode="after")
    def _cross_references(self) -> Policy:
        keys = [c.key for c in self.categories]
        _no_duplicates(keys, "类别 key", ("categories",), "key")
        _no_duplicates([c.name for c in self.categories], "类别名称", ("categories",), "name")
        _no_duplicates([s.key for s in self.stages], "学段 key", ("stages",), "key")
        _no_duplicates([s.name for s in self.stages], "学段名称", ("stages",), "name")
        _no_duplicates(self.cities, "地市", ("cities",))
        for i, box in enumerate(self.service.mailboxes):
            for j, key in enumerate(box.categories):
                if key not in keys:
                    raise LocatedError(
                        ("service", "mailboxes", i, "categories", j),
                        f"邮箱 {box.address} 引用了不存在的类别 {key}；可用：{', '.join(keys)}",
                    )
        for i, key in enumerate(keys):
            if not self.mailboxes_for(key):
                raise LocatedError(("categories", i, "key"), f"没有任何邮箱受理类别 {key}")
        if set(self.forms.categories) != set(keys):
            raise LocatedError(
                ("forms", "categories"),
                "须与 categories 一一对应，应为：" + ", ".join(keys),
            )
        fixed = [f.key for f in self.labels.fixed]
        for i, key in enumerate(self.sla.exempt_labels):
            if key not in fixed:
                raise LocatedError(("sla", "exempt_labels", i), f"没有 key 为 {key} 的固定标签")
        names = self.label_names()
        for name in names:
            if names.count(name) > 1:
                raise LocatedError(("labels",), f"标签名称重复：{name}")
            if len(name) > MAX_LABEL_LENGTH:
                raise LocatedError(("labels",), f"标签名称超过 {MAX_LABEL_LENGTH} 个字符：{name}")
        for category in self.categories:
            for j, f in enumerate(self.forms.categories[category.key].fields):
                if f.options_from == "subcategories" and not category.subcategories:
                    raise LocatedError(
                        ("forms", "categories", category.key, "fields", j, "options_from"),
                        f"{category.key} 没有子类，字段 {f.id} 不能引用子类",
                    )
        return self

    # Lookups used across the package.

    def category(self, key: str) -> Category:
        for category in self.categories:
            if category.key == key:
                return category
        raise KeyError(key)

    def group_label(self, group: LabelGroupName, name: str) -> str:
        """Return the label of one member of a group, e.g. `地市/广州市`."""
        prefix: str = getattr(self.labels.groups, group).prefix
        return f"{prefix}/{name}"

    def label_names(self) -> list[str]:
        """Return every label name the policy defines, generated ones included."""
        names = [self.group_label("category", c.name) for c in self.categories]
        names += [
            self.group_label("subcategory", s.name)
            for c in self.categories
            for s in c.subcategories
        ]
        names += [self.group_label("stage", s.name) for s in self.stages]
        names += [self.group_label("city", c) for c in self.cities]
        return names + [f.name for f in self.labels.fixed]

    def mailboxes_for(self, key: str) -> list[str]:
        """Return the mailboxes a report of this category goes to, all at once."""
        return [box.address for box in self.service.mailboxes if key in box.categories]

    def subject(self, city: str, stage: str, category_key: str) -> str:
        """Return the email subject of 第十一条 for one report."""
        return self.report.subject_format.format(
            city=city, stage=stage, category=self.category(category_key).name
        )

    def title_prefix(self, category_key: str) -> str:
        """Return the issue title a form starts with, e.g. `XX市-XX学段-应用类问题：`."""
        subject = self.subject(
            self.report.city_placeholder, self.report.stage_placeholder, category_key
        )
        return subject + self.report.title_separator

    def fill(self, text: str, **extra: str) -> str:
        """Replace the known `{placeholder}`s in a text from the policy."""
        values = {
            "phone": self.service.phone,
            "site_url": self.site.url,
            "document": self.document.number,
            "receiver": self.document.receiver,
            **extra,
        }
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)

    def options(self, source: OptionSource, category_key: str) -> list[str]:
        """Return the choices a dropdown takes from another part of the policy."""
        if source == "cities":
            return list(self.cities)
        if source == "stages":
            return [s.name for s in self.stages]
        if source == "accepted_units":
            return list(self.accepted_units)
        return [s.name for s in self.category(category_key).subcategories]


def _no_duplicates(
    values: Iterable[str], what: str, loc: tuple[str | int, ...] = (), attribute: str = ""
) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            where: tuple[str | int, ...] = (*loc, i, attribute) if attribute else (*loc, i)
            raise LocatedError(where, f"{what}重复：{value}")
        seen.add(value)


# Loading.


def default_policy_text() -> str:
    return (resources.files("tracker") / "policies" / DEFAULT_POLICY).read_text("utf-8")


def load_policy(path: Path | None = None) -> Policy:
    """Load and validate a policy file, or the built-in one when `path` is None."""
    if path is None:
        return parse_policy(default_policy_text(), f"<内置>/{DEFAULT_POLICY}")
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise PolicyError(f"找不到政策文件 {path}，请检查路径或 ZZXT_POLICY 环境变量。") from None
    except UnicodeDecodeError:
        raise PolicyError(f"政策文件 {path} 不是 UTF-8 编码，请另存为 UTF-8 后重试。") from None
    except OSError as exc:
        raise PolicyError(f"无法读取政策文件 {path}：{exc.strerror}") from None
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str) -> Policy:
    """Validate policy YAML; errors name the file, line and field in Chinese."""
    return validate_yaml(
        Policy,
        text,
        source,
        kind="政策文件",
        hint="请修改后运行 zzxt policy check 重新校验。",
        error=PolicyError,
    )
