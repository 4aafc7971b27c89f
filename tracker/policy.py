"""The rules as data: the policy file, its validation and where it is found.

A policy is one YAML file. The Guangdong one ships in the package; another
province passes its own with `--policy FILE` or `ZZXT_POLICY`. Everything else
(forms, labels, deadlines, the site's service guide) is derived from it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from tracker.errors import PolicyError
from tracker.labels import TIER_LABEL_KEYS, CategoryLabels, FixedLabel, LabelBook, Labels, TierKey
from tracker.policy_source import (
    BUILTIN,
    Layer,
    Merged,
    Overlay,
    fetch,
    origin_of,
    read_layer,
    read_path,
    resolve,
    single,
)
from tracker.validation import LocatedError, Strict, validate_data, validate_yaml

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
SUBJECT_PLACEHOLDERS = {"city", "stage", "category"}


class Document(Strict):
    number: Text
    title: Text
    short_title: str = ""  # how texts refer to it, e.g. 实施细则; defaults to the title
    authority: Text
    region: Text
    receiver: Text
    basis: str = ""

    @property
    def short(self) -> str:
        return self.short_title or f"《{self.title}》"


Article = Annotated[str, Field(pattern=r"^第[一二三四五六七八九十百零〇]+条$")]


class Articles(Strict):
    """Where the document says each thing; bots and the knowledge base cite these, if given."""

    scope: list[Article] = []  # who may report
    tiers: list[Article] = []  # tiered intake: where lower levels report
    report_items: list[Article] = []  # what a report states, the subject format
    trained: list[Article] = []  # trained questions are not accepted
    first_contact: list[Article] = []  # the receiver owns the problem, the progress list
    deadlines: list[Article] = []  # reply deadlines
    accounts: list[Article] = []  # account applications
    training: list[Article] = []  # training duties
    security: list[Article] = []  # personal data
    evaluation: list[Article] = []  # evaluation and published results
    filing: list[Article] = []  # the yearly filing of each city's contacts


def cite(articles: Iterable[str]) -> str:
    """Join article names the way Chinese documents do: 第十三条 + 第十四条 -> 第十三、十四条."""
    names = list(dict.fromkeys(articles))
    numbers = [re.fullmatch(r"第(.+)条", name) for name in names]
    if all(numbers) and names:
        return "第" + "、".join(m.group(1) for m in numbers if m) + "条"
    return "、".join(names)


class FlowStep(Strict):
    direction: Literal["up", "turn", "down"]  # towards the national office, there, or back
    title: Text
    text: Text  # may use {receiver}, {form}, {mailboxes}, {days}, {articles}


class AccountFlow(Strict):
    category: Key  # the category whose reports are account applications
    steps: list[FlowStep] = Field(min_length=1)


class Guide(Strict):
    """The region's own paragraphs of the service guide, in its own words."""

    # Where units that may not report directly take their problems instead.
    lower_levels: str = ""
    # How units above the cities (universities, provincial schools) fill in {city}.
    provincial_units: str = ""
    first_contact: str = ""
    training: list[Text] = []
    security: list[Text] = []
    accounts: AccountFlow | None = None


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
    aliases: list[Text] = []  # other names people write in a mail subject


class Stage(Strict):
    key: Key
    name: Text
    aliases: list[Text] = []  # other names people write in a mail subject


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


class TrackerLink(Strict):
    """The tracker the site's report buttons open: its kind, web address and repository.

    `forge` is a `tracker.forge.kinds` name; the knowledge base checks it when it builds
    the links (this module sits below the forge layer and does not know the names).
    """

    forge: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]  # the address people open
    repo: Annotated[str, Field(pattern=r"^[^/\s]+/[^/\s]+$")]


class Site(Strict):
    url: Annotated[str, Field(pattern=r"^https?://\S+/$")]
    guide_path: Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]*$")] = "guide/"
    # Where "仍未解决？" sends people; without it the site offers e-mail only.
    tracker: TrackerLink | None = None

    @property
    def guide_url(self) -> str:
        return self.url + self.guide_path


# The training register (第十七条 in Guangdong): a FAQ entry is "trained" (第十二条)
# only when a training recorded here covered it.

EntryId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
ORGANISER_LEVELS = {"province": "省级", "city": "市级"}


class TrainingMaterial(Strict):
    title: Text
    url: Annotated[str, Field(pattern=r"^(https?://\S+)?$")] = ""


class Training(Strict):
    """One training held for users: when, by whom, for whom, and what it required them to master."""

    date: date
    organiser: Literal["province", "city"]
    organiser_name: Text  # e.g. the provincial office or a city's education bureau
    audience: Text
    title: Text
    entries: list[EntryId] = Field(min_length=1)  # FAQ entries the training covered
    materials: list[TrainingMaterial] = []
    # A made-up record for demonstrations, shown as such wherever it appears.
    example: bool = False

    @model_validator(mode="after")
    def _entries_once(self) -> Training:
        _no_duplicates(self.entries, "常见问题 id", ("entries",))
        return self

    @property
    def organiser_level(self) -> str:
        return ORGANISER_LEVELS[self.organiser]


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
    # The bot's own login, when the token cannot read it (GET /user) and it is not the CI's bot.
    bot_login: str = ""
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


class SubjectSuffixes(Strict):
    """Words people add to or leave off a subject part, e.g. `广州` for `广州市`."""

    city: list[Text] = []
    stage: list[Text] = []
    category: list[Text] = []


class UnitRule(Strict):
    """One step of telling a sender's unit type from the unit's name (第十二条).

    `unit` is an entry of `accepted_units`, or empty for a unit outside the scope.
    The rule applies when the name contains one of `keywords` or is one of `names`.
    Either may contain `{city}`: any city of the policy, or one of its aliases.
    """

    unit: str
    keywords: list[Text] = []
    names: list[Text] = []

    @field_validator("keywords", "names")
    @classmethod
    def _only_city_placeholder(cls, value: list[str]) -> list[str]:
        for keyword in value:
            unknown = set(re.findall(r"\{([^{}]*)\}", keyword)) - {"city"}
            if unknown:
                raise ValueError(f"{keyword} 中有未知占位符；只能使用 {{city}}")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> UnitRule:
        if not self.keywords and not self.names:
            raise ValueError("规则须给出 keywords 或 names")
        return self


class Mail(Strict):
    """How `zzxt mail parse` reads report mails (第八至十二条): aliases and keywords."""

    city_aliases: dict[Text, list[Text]] = {}
    subject_suffixes: SubjectSuffixes = SubjectSuffixes()
    field_labels: dict[FieldId, list[Text]] = {}  # body labels, e.g. 来电单位 for `unit`
    value_aliases: dict[FieldId, dict[Text, list[Text]]] = {}  # dropdown answers, e.g. 急 for 是
    unit_rules: list[UnitRule] = []


_SPAN = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


class Statistics(Strict):
    """How the 督查通报 (zzxt report, 第二十条) counts and looks: this tool's settings.

    Which labels mean "passed up a level" is not set here: the tier labels say it
    (`tiers.labels`: escalated on a city's tracker, from_city on the province's).
    """

    # Working time counts only inside these spans, on working days of the calendar.
    # ["00:00-24:00"] counts whole working days (24 hours each).
    office_hours: list[Text] = Field(default=["08:30-12:00", "14:30-17:30"], min_length=1)
    # Unit types (values of the forms' unit_type field) that get a ranking table of their
    # units. None: every accepted unit type except the first, which the city table covers.
    unit_rankings: list[Text] | None = None
    # How documents name the system, e.g. "关于2026年第三季度资助系统技术支持服务情况的通报".
    system_name: Text = "资助系统"
    # Font families the Word document asks for; readers without them fall back to a CJK font.
    body_font: Text = "仿宋"
    heading_font: Text = "黑体"

    @field_validator("office_hours")
    @classmethod
    def _spans(cls, value: list[str]) -> list[str]:
        previous_end = -1
        for span in value:
            match = _SPAN.match(span)
            if match is None:
                raise ValueError(f"办公时段 {span!r} 应写作 HH:MM-HH:MM，例如 08:30-12:00")
            start = int(match[1]) * 60 + int(match[2])
            end = int(match[3]) * 60 + int(match[4])
            if end > 24 * 60 or start >= end:
                raise ValueError(f"办公时段 {span} 的结束时间须晚于开始时间，且不晚于 24:00")
            if start < previous_end:
                raise ValueError(f"办公时段 {span} 与前一时段重叠或顺序颠倒，请按时间先后书写")
            previous_end = end
        return value

    def spans(self) -> list[tuple[int, int]]:
        """Return the office hours as (start, end) minutes after midnight."""
        out = []
        for span in self.office_hours:
            start, end = span.split("-")
            out.append((_minutes(start), _minutes(end)))
        return out

    def hours_per_day(self) -> float:
        return sum(end - start for start, end in self.spans()) / 60


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


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
    articles: Articles = Articles()
    guide: Guide = Guide()
    mail: Mail = Mail()
    attachments: Attachments | None = None
    # Province and city trackers (第三、七至十、十五、十六条); see the models near the end.
    level: Level = "province"
    extends: str = ""  # the policy this one lays its values over (see tracker.policy_source)
    upstream: Upstream | None = None
    tiers: Tiers = Field(default_factory=lambda: Tiers())
    accounts: Accounts | None = None
    filing: FilingSettings = Field(default_factory=lambda: FilingSettings())
    trainings: list[Training] = []
    deploy: Deploy = Field(default_factory=lambda: Deploy())  # Deploy is defined below
    statistics: Statistics = Statistics()

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
        fixed = [f.key for f in self.labels.fixed] + [f.key for f in self.extra_labels()]
        for i, key in enumerate(self.sla.exempt_labels):
            if key not in fixed:
                raise LocatedError(("sla", "exempt_labels", i), f"没有 key 为 {key} 的固定标签")
        if self.guide.accounts is not None and self.guide.accounts.category not in keys:
            raise LocatedError(
                ("guide", "accounts", "category"),
                f"没有 key 为 {self.guide.accounts.category} 的类别；可用：{', '.join(keys)}",
            )
        problems = self.label_book().problems()
        if problems:
            raise LocatedError(("labels",), problems[0])
        for category in self.categories:
            for j, f in enumerate(self.forms.categories[category.key].fields):
                if f.options_from == "subcategories" and not category.subcategories:
                    raise LocatedError(
                        ("forms", "categories", category.key, "fields", j, "options_from"),
                        f"{category.key} 没有子类，字段 {f.id} 不能引用子类",
                    )
        self._check_mail()
        for i, unit in enumerate(self.statistics.unit_rankings or []):
            if unit not in self.accepted_units:
                raise LocatedError(
                    ("statistics", "unit_rankings", i),
                    f"单位类型 {unit} 不在 accepted_units 中；可用：{'、'.join(self.accepted_units)}",
                )
        return self

    def _check_mail(self) -> None:
        """Aliases name one thing each; rules and labels refer to what exists."""
        mail = self.mail
        for group, names in (
            ("stages", [(i, s.name, s.aliases) for i, s in enumerate(self.stages)]),
            ("categories", [(i, c.name, c.aliases) for i, c in enumerate(self.categories)]),
        ):
            seen = {alias_key(name): name for _, name, _ in names}
            for i, name, aliases in names:
                for j, alias in enumerate(aliases):
                    owner = seen.setdefault(alias_key(alias), name)
                    if owner != name or alias_key(alias) == alias_key(name):
                        raise LocatedError(
                            (group, i, "aliases", j), f"别名 {alias} 与 {owner} 重复"
                        )
        seen = {alias_key(city): city for city in self.cities}
        for city, aliases in mail.city_aliases.items():
            if city not in self.cities:
                raise LocatedError(("mail", "city_aliases", city), f"地市 {city} 不在 cities 中")
            for j, alias in enumerate(aliases):
                owner = seen.setdefault(alias_key(alias), city)
                if owner != city or alias_key(alias) == alias_key(city):
                    raise LocatedError(
                        ("mail", "city_aliases", city, j), f"别名 {alias} 与 {owner} 重复"
                    )
        for i, rule in enumerate(mail.unit_rules):
            if rule.unit and rule.unit not in self.accepted_units:
                raise LocatedError(
                    ("mail", "unit_rules", i, "unit"),
                    f"单位类型 {rule.unit} 不在 accepted_units 中；不予受理的单位请写空字符串",
                )
        fields = self.form_fields()
        for field_id in mail.field_labels:
            if field_id not in fields:
                raise LocatedError(
                    ("mail", "field_labels", field_id), f"表单中没有 id 为 {field_id} 的字段"
                )
        for field_id, values in mail.value_aliases.items():
            options = fields.get(field_id)
            if options is None:
                raise LocatedError(
                    ("mail", "value_aliases", field_id), f"表单中没有 id 为 {field_id} 的下拉框"
                )
            for value in values:
                if value not in options:
                    raise LocatedError(
                        ("mail", "value_aliases", field_id, value),
                        f"{value} 不是字段 {field_id} 的选项；可用：{', '.join(options)}",
                    )

    def form_fields(self) -> dict[str, list[str]]:
        """Return every form field id with its fixed choices (empty for free text)."""
        found: dict[str, list[str]] = {}
        for key, spec in self.forms.categories.items():
            for f in [*self.forms.common, *spec.fields]:
                choices = self.options(f.options_from, key) if f.options_from else f.options
                known = found.setdefault(f.id, [])
                known += [c for c in choices if c not in known]
        return found

    @model_validator(mode="after")
    def _attachments_refer_to_policy(self) -> Policy:
        if self.attachments is not None:
            check_attachments(self, self.attachments)
        return self

    @model_validator(mode="after")
    def _tiers_refer_to_policy(self) -> Policy:
        check_tiers(self)
        return self

    # Lookups used across the package.

    def category(self, key: str) -> Category:
        for category in self.categories:
            if category.key == key:
                return category
        raise KeyError(key)

    def label_book(self) -> LabelBook:
        """Return every label this policy implies (`tracker.labels` owns their names)."""
        return LabelBook(
            section=self.labels,
            categories=tuple(
                CategoryLabels(
                    c.key,
                    c.name,
                    c.description,
                    c.deadline.breach,
                    tuple(s.name for s in c.subcategories),
                )
                for c in self.categories
            ),
            stages=tuple(s.name for s in self.stages),
            cities=tuple(self.cities),
            extra=tuple(self.extra_labels()),
        )

    def extra_labels(self) -> list[FixedLabel]:
        """Return the labels of the optional sections this policy's level uses."""
        tiers = {label.key: label for label in self.tiers.labels}
        wanted: tuple[TierKey, ...] = (
            ("escalated", "upstream_answered", "upstream_closed")
            if self.level == "city"
            else ("from_city",)
        )
        out = [tiers[key] for key in wanted if key in tiers]
        if self.accounts is not None:
            out += [state.label() for state in self.accounts.states]
        if self.level == "province" and self.filing.label is not None:
            out.append(self.filing.label)
        return out

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


def alias_key(text: str) -> str:
    """Return the form in which names and aliases are compared: width, case, spaces, brackets."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s()\[\]【】〔〕<>《》\"'“”‘’]", "", text)


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
    """Load and validate a policy file, or the built-in one when `path` is None.

    A file that `extends` another is laid over it (see `load_layers`).
    """
    if path is None:
        return parse_policy(default_policy_text(), f"<内置>/{DEFAULT_POLICY}")
    return load_layers(path).policy


def parse_policy(text: str, source: str) -> Policy:
    """Validate one self-contained policy's YAML; errors name the file, line and field in Chinese."""
    if re.search(r"(?m)^extends[ \t]*:[ \t]*\S", text):
        raise PolicyError(
            f"政策文件 {source} 用 extends 继承上级政策，这里需要一份完整的政策文件。"
            "放假安排等由上级维护的内容请写入上级政策文件。"
        )
    return validate_yaml(
        Policy,
        text,
        source,
        kind="政策文件",
        hint="请修改后运行 zzxt policy check 重新校验。",
        error=PolicyError,
    )


# The rules' attachment forms (附件1-4) as spreadsheets: optional section `attachments`.

AttachmentNumber = Literal[1, 2, 3, 4]
ColumnSource = Literal["seq", "category", "created", "issue", "progress", "status"]
ColumnKind = Literal["text", "integer", "date"]
# Computed columns each form may use: 附件1 lists filings, 附件2-4 list reported problems.
REGISTER_SOURCES: tuple[ColumnSource, ...] = ("seq", "status")
PROBLEM_SOURCES: tuple[ColumnSource, ...] = ("seq", "category", "created", "issue", "progress")
# What a city files on 附件1 (第七条); the register's own field ids.
REGISTER_FIELD_IDS = (
    "city",
    "year",
    "filed",
    "phone",
    "email",
    "head_name",
    "head_title",
    "head_phone",
    "tech_name",
    "tech_title",
    "tech_phone",
    "tech_email",
    "note",
)
# Characters a spreadsheet refuses in a sheet name, and its length limit.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31


def header_key(text: str) -> str:
    """Return a header as compared on import: half-width, no spaces, no `*` mark or colon."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return text.lstrip("*").rstrip(":").lower()


class AttachmentColumn(Strict):
    """One column of an attachment form: its header and where its values come from."""

    header: Text
    # A form field id, or several when the categories of one form name it differently
    # (each row uses the first id its own category's form has).
    field: FieldId | list[FieldId] | None = None
    source: ColumnSource | None = None
    kind: ColumnKind = "text"
    width: Annotated[float, Field(gt=0, le=255)] = 12
    synonyms: list[Text] = []
    # The reporter's own contact: mobile numbers here are kept, not masked.
    contact: bool = False

    @model_validator(mode="after")
    def _one_origin(self) -> AttachmentColumn:
        if (self.field is None) == (self.source is None):
            raise ValueError("每列须给出 field（表单字段）或 source（计算列）之一")
        if isinstance(self.field, list):
            if not self.field:
                raise ValueError("field 列表不能为空")
            _no_duplicates(self.field, "字段 id", ("field",))
        if self.source is not None and self.kind != "text":
            raise ValueError("kind 只能用于 field 列；计算列的格式是固定的")
        return self

    @property
    def field_ids(self) -> tuple[str, ...]:
        if self.field is None:
            return ()
        return tuple(self.field) if isinstance(self.field, list) else (self.field,)

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.synonyms)


class AttachmentForm(Strict):
    number: AttachmentNumber
    title: Text
    categories: list[Key] = []
    columns: list[AttachmentColumn] = Field(min_length=1)

    @model_validator(mode="after")
    def _headers_distinct(self) -> AttachmentForm:
        seen: dict[str, int] = {}
        for j, column in enumerate(self.columns):
            for name in column.headers:
                key = header_key(name)
                if key in seen and seen[key] != j:
                    raise LocatedError(
                        ("columns", j, "header"),
                        f"表头或同义词“{name}”与第 {seen[key] + 1} 列重复，导入时无法区分",
                    )
                seen[key] = j
        return self


class Attachments(Strict):
    """The attachment forms of 第七至十条: titles, categories served and columns."""

    summary_sheet: Text = "汇总"
    progress: dict[Literal["open", "closed"], Text] = {"open": "处理中", "closed": "已办结"}
    forms: list[AttachmentForm] = Field(min_length=1)

    @model_validator(mode="after")
    def _numbers_distinct(self) -> Attachments:
        numbers = [str(f.number) for f in self.forms]
        _no_duplicates(numbers, "附件编号", ("forms",), "number")
        return self

    def form(self, number: int) -> AttachmentForm:
        for form in self.forms:
            if form.number == number:
                return form
        raise KeyError(number)

    def form_for(self, category_key: str) -> AttachmentForm | None:
        """Return the form a category's problems are reported on, if any."""
        return next((f for f in self.forms if category_key in f.categories), None)


def check_attachments(policy: Policy, attachments: Attachments) -> None:
    """Check the attachment forms against the rest of the policy."""
    root: tuple[str | int, ...] = ("attachments",)
    names = [s.name for s in policy.stages] + [attachments.summary_sheet]
    for name in names:
        if len(name) > MAX_SHEET_NAME or _SHEET_NAME_FORBIDDEN.search(name):
            raise LocatedError(
                ("stages",) if name != attachments.summary_sheet else (*root, "summary_sheet"),
                f"“{name}”不能用作工作表名称：不超过 {MAX_SHEET_NAME} 个字符，不含 [ ] : * ? / \\",
            )
    if attachments.summary_sheet in names[:-1]:
        raise LocatedError((*root, "summary_sheet"), "汇总工作表不能与学段同名")
    keys = [c.key for c in policy.categories]
    served: dict[str, int] = {}
    for i, form in enumerate(attachments.forms):
        where: tuple[str | int, ...] = (*root, "forms", i)
        if form.number == 1:
            if form.categories:
                raise LocatedError((*where, "categories"), "附件1 是备案表，不对应问题类别")
            allowed_sources, field_ids = REGISTER_SOURCES, set(REGISTER_FIELD_IDS)
        else:
            if not form.categories:
                raise LocatedError((*where, "categories"), f"附件{form.number} 须列出所服务的类别")
            for j, key in enumerate(form.categories):
                if key not in keys:
                    raise LocatedError(
                        (*where, "categories", j),
                        f"不存在的类别 {key}；可用：{', '.join(keys)}",
                    )
                if key in served:
                    raise LocatedError(
                        (*where, "categories", j),
                        f"类别 {key} 已由附件{served[key]} 报送，一个类别只能对应一张附件",
                    )
                served[key] = form.number
                named = policy.category(key).report_form
                if named.startswith("附件") and not named.startswith(f"附件{form.number}"):
                    raise LocatedError(
                        (*where, "categories", j),
                        f"类别 {key} 的 report_form 为“{named}”，与附件{form.number} 不符",
                    )
            allowed_sources = PROBLEM_SOURCES
            field_ids = set()
            for key in form.categories:
                field_ids |= set(_form_field_ids(policy, key))
        for j, column in enumerate(form.columns):
            at = (*where, "columns", j)
            if column.source is not None and column.source not in allowed_sources:
                raise LocatedError(
                    (*at, "source"),
                    f"附件{form.number} 不能使用计算列 {column.source}；可用：{', '.join(allowed_sources)}",
                )
            for field_id in column.field_ids:
                if field_id not in field_ids:
                    whose = (
                        "备案表"
                        if form.number == 1
                        else "、".join(policy.category(k).name for k in form.categories) + "的表单"
                    )
                    raise LocatedError(
                        (*at, "field"),
                        f"字段 {field_id} 不在{whose}中；可用：{', '.join(sorted(field_ids))}",
                    )
            for key in form.categories:
                own = [f for f in column.field_ids if f in _form_field_ids(policy, key)]
                if len(own) > 1:
                    raise LocatedError(
                        (*at, "field"),
                        f"{policy.category(key).name}的表单同时有 {', '.join(own)}，一列只能取其中一个",
                    )
        sources = [c.source for c in form.columns]
        if len(form.categories) > 1 and "category" not in sources:
            raise LocatedError(
                (*where, "columns"),
                f"附件{form.number} 服务多个类别，须有 source: category 的“问题类别”列",
            )


def _form_field_ids(policy: Policy, key: str) -> list[str]:
    return [f.id for f in (*policy.forms.common, *policy.forms.categories[key].fields)]


# Province and city trackers (第三、七至十、十五、十六条): optional sections with defaults.
#
#   level, extends, upstream   which level this tracker serves; a city's province tracker
#   tiers                      labels of escalation and mirroring, whether mirroring closes
#   accounts                   the states of account requests (第十五、十六条), shown by labels
#   filing                     the yearly 附件1 (第七条): the register, who files, who is reminded

Level = Literal["province", "city"]
LEVEL_NAMES: dict[Level, str] = {"province": "省级", "city": "市级"}
MAX_EXTENDS = 5  # a chain of `extends` longer than this is a mistake (or a loop)
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")

DEFAULT_TIER_LABELS: tuple[FixedLabel, ...] = (
    FixedLabel(
        key="escalated",
        name="层级/已报省",
        color="0052cc",
        description="本级无法解决，已报省级问题台账；机器人同步上级的答复",
    ),
    FixedLabel(
        key="upstream_answered",
        name="层级/省已答复",
        color="0e8a16",
        description="省级已在上级问题中答复，答复已同步到本问题",
    ),
    FixedLabel(
        key="upstream_closed",
        name="层级/省已办结",
        color="5319e7",
        description="省级已办结上级问题",
    ),
    FixedLabel(
        key="from_city",
        name="层级/地市报送",
        color="c5def5",
        description="由地市问题台账报送（逐级汇总），答复会同步回地市",
    ),
)


class Reporting(Strict):
    """The city bureau as the province's forms name a reporting unit (报送单位 of an escalation)."""

    city: Text  # the city's name in the province's `cities`
    unit: Text  # e.g. 佛山市教育局
    unit_type: Text  # one of the province's `accepted_units`
    reporter: Text  # the contact person or office
    role: Text
    phone: str = ""  # default: this policy's service phone


class Upstream(Strict):
    """The province's tracker a city escalates to; its token comes from ZZXT_UPSTREAM_TOKEN."""

    forge: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    url: Annotated[str, Field(pattern=r"^https?://[^\s/]+\S*$")]
    repo: Annotated[str, Field(pattern=r"^[^/\s]+/[^/\s]+$")]
    # The upstream token's own login, when the token cannot read it (GET /user).
    bot_login: str = ""
    reporting: Reporting


class Tiers(Strict):
    """Labels of escalation and mirroring, and what mirroring does when the province closes."""

    labels: list[FixedLabel] = list(DEFAULT_TIER_LABELS)
    close_on_upstream_close: bool = True

    @field_validator("labels", mode="before")
    @classmethod
    def _defaults_for_the_rest(cls, value: Any) -> Any:
        """A policy lists only the labels it renames; the others keep their defaults."""
        if not isinstance(value, list):
            return value
        given = {item.get("key"): item for item in value if isinstance(item, dict)}
        for i, item in enumerate(value):
            key = item.get("key") if isinstance(item, dict) else None
            if key not in TIER_LABEL_KEYS:
                raise LocatedError(
                    (i, "key"), f"未知的层级标签 key {key}；可用：{', '.join(TIER_LABEL_KEYS)}"
                )
        out: list[Any] = []
        for default in DEFAULT_TIER_LABELS:
            item = given.get(default.key)
            out.append({**default.model_dump(), **item} if item is not None else default)
        return out


class AccountState(Strict):
    """One state of an account request, shown by a label."""

    key: Key  # also the label's key (e.g. for `sla.exempt_labels`)
    name: Text  # the label, e.g. 账号/已报省
    color: Color
    description: str = ""

    def label(self) -> FixedLabel:
        return FixedLabel(
            key=self.key, name=self.name, color=self.color, description=self.description
        )


class Accounts(Strict):
    """Account requests through the levels (第十五、十六条): states in order, the last approved."""

    category: Key  # the category whose issues are account requests
    states: list[AccountState] = Field(min_length=2)

    @property
    def approved(self) -> AccountState:
        return self.states[-1]

    def index(self, key: str) -> int:
        for i, state in enumerate(self.states):
            if state.key == key:
                return i
        raise KeyError(key)


class FilingSettings(Strict):
    """The yearly 附件1 (第七条): where the register is, who files, whom a reminder goes to."""

    # The register (YAML, see tracker.attachments.register) in the tracker repository.
    register_file: Annotated[str, Field(pattern=r"^[^/\s][^\s]*\.ya?ml$")] | Literal[""] = ""
    exclude: list[Text] = []  # cities that file no 附件1 (e.g. 省直属)
    # Per city: logins or `org/team`s a reminder is assigned to (teams: their members).
    assignees: dict[Text, list[Text]] = {}
    label: FixedLabel | None = FixedLabel(
        key="filing",
        name="备案/待报送",
        color="fef2c0",
        description="本年度的技术支持服务备案表（附件1）尚未报送",
    )


def check_tiers(policy: Policy) -> None:
    """Check the tier sections against the rest of the policy."""
    if policy.level == "city" and policy.upstream is None:
        raise LocatedError(
            ("upstream",),
            "level: city 的政策须写明上级问题台账 upstream（forge、url、repo、reporting）",
        )
    if policy.level == "province" and policy.upstream is not None:
        raise LocatedError(
            ("upstream",), "只有 level: city 的政策才有上级问题台账；省级请删除 upstream"
        )
    if policy.upstream is not None:
        city = policy.upstream.reporting.city
        if city not in policy.cities:
            raise LocatedError(
                ("upstream", "reporting", "city"),
                f"{city} 不在 cities 中；应为上级政策中的地市名称，如 {policy.cities[0]}",
            )
    fixed = {label.key for label in policy.labels.fixed}
    extra: list[tuple[tuple[str | int, ...], str]] = [
        (("tiers", "labels", i, "key"), label.key) for i, label in enumerate(policy.tiers.labels)
    ]
    if policy.accounts is not None:
        keys = [c.key for c in policy.categories]
        if policy.accounts.category not in keys:
            raise LocatedError(
                ("accounts", "category"),
                f"没有 key 为 {policy.accounts.category} 的类别；可用：{', '.join(keys)}",
            )
        extra += [
            (("accounts", "states", i, "key"), state.key)
            for i, state in enumerate(policy.accounts.states)
        ]
    if policy.filing.label is not None:
        extra.append((("filing", "label", "key"), policy.filing.label.key))
    seen: set[str] = set(fixed)
    for where, key in extra:
        if key in seen:
            raise LocatedError(where, f"标签 key {key} 与其他标签重复")
        seen.add(key)
    for i, city in enumerate(policy.filing.exclude):
        if city not in policy.cities:
            raise LocatedError(("filing", "exclude", i), f"{city} 不在 cities 中")
    for city, logins in policy.filing.assignees.items():
        if city not in policy.cities:
            raise LocatedError(("filing", "assignees", city), f"{city} 不在 cities 中")
        for j, login in enumerate(logins):
            if not _LOGIN.fullmatch(login):
                raise LocatedError(
                    ("filing", "assignees", city, j),
                    f"{login!r} 不是账号或团队；账号如 fs-zizhu，团队写作 组织/团队，如 gdzz/foshan",
                )


# Layered policies: a city's file laid over the province's (`extends`).

# What a lower level may not change, and why (checked while laying a file over another).
_FROZEN: dict[tuple[str, ...], str] = {
    ("cities",): "地市名单由上级政策规定，不能修改",
    (
        "attachments",
    ): "报送附件（附件1-4）的格式由上级政策规定，报给上级的表格须与上级一致，不能修改",
    (
        "document",
        "number",
    ): "所依据的文件由上级政策规定，不能修改；本级名称请写在 document.receiver",
    ("document", "title"): "所依据的文件由上级政策规定，不能修改",
    ("document", "authority"): "所依据的文件由上级政策规定，不能修改",
    ("schema_version",): "须与上级政策相同",
}
_NO_NEW_ITEMS: dict[tuple[str, ...], str] = {
    (
        "categories",
    ): "不能新增问题类别：问题报上级时须能对应上级的类别；可以修改已有类别的名称、说明和时限",
    ("stages",): "不能新增学段：附件按上级的学段汇总",
    ("categories", "*", "subcategories"): "不能新增子类：问题报上级时须能对应上级的子类",
}


@dataclass(frozen=True)
class PolicyLayers:
    """A policy with the files it was laid over, and where each value came from."""

    policy: Policy
    files: tuple[str, ...]  # this file first, then the ones it extends, in order
    origins: dict[tuple[str, ...], tuple[str, int]]
    # The nearest policy it extends at level province: what escalations are written for.
    upstream: Policy | None = None

    def origin(self, path: tuple[str, ...]) -> tuple[str, int] | None:
        return origin_of(self.origins, path)


def load_layers(path: Path | None, fetcher: Callable[[str], str] = fetch) -> PolicyLayers:
    """Load a policy and every policy it `extends`, lay them over each other and validate."""
    if path is None:
        source = f"<内置>/{DEFAULT_POLICY}"
        return layers_from(read_layer(default_policy_text(), source, BUILTIN), fetcher)
    return layers_from(read_path(path), fetcher)


def load_text_layers(
    text: str, source: str, base: str, fetcher: Callable[[str], str] = fetch
) -> PolicyLayers:
    """As `load_layers`, for policy text read elsewhere; `base` resolves a relative `extends`."""
    return layers_from(read_layer(text, source, base), fetcher)


def layers_from(first: Layer, fetcher: Callable[[str], str] = fetch) -> PolicyLayers:
    """Follow `extends` from one layer, lay the chain over each other and validate."""
    chain = [first]
    while chain[-1].extends:
        if len(chain) > MAX_EXTENDS:
            raise PolicyError(
                f"政策文件 {chain[0].source} 的 extends 超过 {MAX_EXTENDS} 层："
                + " → ".join(layer.source for layer in chain)
            )
        parent = resolve(chain[-1].extends, chain[-1], fetcher)
        if parent.source in {layer.source for layer in chain}:
            raise PolicyError(
                "政策文件的 extends 形成了循环："
                + " → ".join([*(layer.source for layer in chain), parent.source])
            )
        chain.append(parent)
    merged = single(chain[-1])
    policy = _validate(merged, [chain[-1].source])
    upstream = None
    for depth in range(len(chain) - 2, -1, -1):
        parent, child = chain[depth + 1], chain[depth]
        if policy.level == "province":
            upstream = policy
        merged = Overlay(child, _refusals(parent, child)).apply(merged)
        policy = _validate(merged, [layer.source for layer in chain[depth:]])
    layers = PolicyLayers(policy, tuple(layer.source for layer in chain), merged.origins, upstream)
    _check_upstream(layers)
    return layers


def _validate(merged: Merged, order: list[str]) -> Policy:
    return validate_data(
        Policy,
        merged.data,
        _blame(merged.origins, order),
        kind="政策文件",
        hint="请修改后运行 zzxt policy check 重新校验。",
        error=PolicyError,
    )


def _blame(
    origins: dict[tuple[str, ...], tuple[str, int]], order: list[str]
) -> dict[tuple[str, ...], tuple[str, int]]:
    """Point each value at the latest file that changed anything inside it (`order`: latest first).

    A city that changes one deadline's `warn` makes the whole deadline its own for an
    error about that deadline: the message should name the city's file, not the province's.
    """
    rank = {source: i for i, source in enumerate(order)}
    blamed = dict(origins)
    for path, (source, line) in sorted(origins.items(), key=lambda item: item[1][1]):
        for n in range(len(path)):
            current = blamed.get(path[:n])
            if current is not None and rank.get(source, len(order)) < rank.get(
                current[0], len(order)
            ):
                blamed[path[:n]] = (source, line)
    return blamed


def _refusals(
    parent: Layer, child: Layer
) -> Callable[[tuple[str, ...], tuple[str, ...], bool], None]:
    def check(path: tuple[str, ...], child_path: tuple[str, ...], is_new: bool) -> None:
        reason = next(
            (why for frozen, why in _FROZEN.items() if path[: len(frozen)] == frozen), None
        )
        if reason is None and is_new:
            container = tuple("*" if part.isdigit() else part for part in path[:-1])
            reason = _NO_NEW_ITEMS.get(container) if path[-1].isdigit() else None
        if reason is not None:
            raise PolicyError(
                f"政策文件 {child.source} 第 {child.line(child_path)} 行，字段 {'.'.join(child_path)}："
                f"{reason}（上级政策 {parent.source}）。"
            )

    return check


def _check_upstream(layers: PolicyLayers) -> None:
    """A city's reporting unit must be one the province accepts."""
    policy, upstream = layers.policy, layers.upstream
    if policy.upstream is None or upstream is None:
        return
    reporting = policy.upstream.reporting
    for field_name, value, allowed in (
        ("unit_type", reporting.unit_type, upstream.accepted_units),
        ("city", reporting.city, upstream.cities),
    ):
        if value not in allowed:
            path = ("upstream", "reporting", field_name)
            source, line = layers.origin(path) or (layers.files[0], 1)
            raise PolicyError(
                f"政策文件 {source} 第 {line} 行，字段 {'.'.join(path)}：{value} 不是上级政策受理的"
                f"{'单位类型' if field_name == 'unit_type' else '地市'}；可用：{'、'.join(allowed)}。"
            )


# How a tracker repository's workflows install and run zzxt (zzxt init, zzxt sync): `deploy`.

# What a URL may hold here: no quotes, spaces, `$`, braces or `;`, so nothing in it can reach
# a shell or a workflow expression as code (it reaches pip through an environment variable).
_URL_CHARS = r"[A-Za-z0-9._~:/?#\[\]@&+,=%-]"
_PINNED = re.compile(r"zzxt==[0-9]+(\.[0-9]+)*([ab]|rc|\.post|\.dev)?[0-9]*")
_WHEEL = re.compile(
    rf"(https?|file)://{_URL_CHARS}+/zzxt-[A-Za-z0-9._+-]+\.whl(#sha256=[0-9a-f]{{64}})?"
)
_GIT = re.compile(rf"git\+(https?|ssh)://{_URL_CHARS}+")
_INDEX = re.compile(rf"https?://{_URL_CHARS}+")
_RUNNER_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")


class Deploy(Strict):
    """Which zzxt the tracker's workflows install, from where, on which runner.

    `zzxt` is one of: `zzxt==0.2.0` (from the package index), a wheel's URL
    (`https://…/zzxt-0.2.0-py3-none-any.whl`, optionally `#sha256=…`), or a git URL
    pinned to a tag or commit (`git+https://…/zzxt.git@v0.2.0`). Empty: the version of
    the zzxt that writes the workflows, from the package index.
    """

    zzxt: str = ""
    index_url: str = ""  # a package index, e.g. an intranet mirror; empty: pip's own default
    python: str = "3.11"  # what GitHub's setup-python installs; Gitea uses the runner's python3
    runs_on: str = "ubuntu-latest"  # the runner label every job asks for
    pages: bool = False  # publish the knowledge base with GitHub Pages (GitHub only)
    # The mail intake workflow (zzxt mail fetch and notify every 15 minutes): it needs each
    # service mailbox's IMAP secrets and the SMTP ones, so it is generated only when asked for.
    mail: bool = False
    # The monthly 督查通报 workflow (zzxt report publish on the first working day of a month).
    report: bool = True

    @field_validator("zzxt")
    @classmethod
    def _pinned_source(cls, value: str) -> str:
        if not value or _PINNED.fullmatch(value) or _WHEEL.fullmatch(value):
            return value
        if _GIT.fullmatch(value):
            path = value.split("://", 1)[1]
            tail = path.rsplit("/", 1)[-1]
            if "@" not in tail or not tail.rsplit("@", 1)[1]:
                raise ValueError(
                    f"git 地址 {value} 没有固定版本：请在末尾加 @标签 或 @提交，"
                    "例如 git+https://gitea.example.cn/gdzz/zzxt.git@v0.2.0"
                )
            return value
        if value.startswith("zzxt") and not re.search(r"\s", value):
            raise ValueError(f"{value} 没有固定版本：请写成 zzxt==0.2.0 这样的确切版本")
        raise ValueError(
            f"无法识别 {value}：应为 zzxt==版本号、以 .whl 结尾的 wheel 文件地址"
            "（文件名以 zzxt- 开头），或 git+https://….git@标签"
        )

    @field_validator("index_url")
    @classmethod
    def _index(cls, value: str) -> str:
        if value and not _INDEX.fullmatch(value):
            raise ValueError(
                f"软件源地址 {value} 无效：应以 http:// 或 https:// 开头，例如 "
                "https://mirrors.example.cn/pypi/simple"
            )
        return value

    @field_validator("python", mode="before")
    @classmethod
    def _python_quoted(cls, value: object) -> object:
        if isinstance(value, int | float):
            raise ValueError(
                'Python 版本须加引号，例如 "3.12"：不加引号时 YAML 把 3.10 读成数字 3.1'
            )
        return value

    @field_validator("python")
    @classmethod
    def _python(cls, value: str) -> str:
        match = re.fullmatch(r"3\.([0-9]{1,2})", value)
        if match is None or int(match.group(1)) < 11:
            raise ValueError(f'Python 版本 {value} 不可用：须为 3.11 及以上，例如 "3.12"（加引号）')
        return value

    @field_validator("runs_on")
    @classmethod
    def _label(cls, value: str) -> str:
        if not _RUNNER_LABEL.fullmatch(value):
            raise ValueError(
                f"运行器标签 {value!r} 无效：只能含字母、数字和 _ . : -，例如 ubuntu-latest"
            )
        return value


Policy.model_rebuild()
