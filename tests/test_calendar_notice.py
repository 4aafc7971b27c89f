"""Reading the State Council's holiday notice into the policy: `zzxt calendar import-notice`.

The 2025 and 2026 notices are read from ../shared as published. The other
notices here were written for these tests: the 2017 and 2023 ones restate those
years' arrangements (checked against chinesecalendar) in the older style, the
2027 and 2030 ones are invented arrangements that follow the 2025 principles.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import shared_file
from tracker.calendar import WorkCalendar
from tracker.calendar_notice import Notice, insert_years, parse_notice, render_blocks
from tracker.errors import InputError
from tracker.policy import CalendarSettings, load_policy, parse_policy

NOTICE_2017 = """国务院办公厅关于2017年部分节假日安排的通知

一、元旦：1月1日（星期日）放假，1月2日（星期一）补休。
二、春节：1月27日（星期五）至2月2日（星期四）放假调休，共7天。1月22日（星期日）、2月4日（星期六）上班。
三、清明节：4月2日至4日放假调休，共3天。4月1日（星期六）上班。
四、劳动节：5月1日放假，与周末连休。
五、端午节：5月28日至30日放假调休，共3天。5月27日（星期六）上班。
六、中秋节、国庆节：10月1日至8日放假调休，共8天。9月30日（星期六）上班。
"""

NOTICE_2023 = """国务院办公厅关于2023年部分节假日安排的通知
一、元旦：12月31日至1月2日放假调休，共3天。
二、春节：1月21日(星期六)至27日(星期五)放假调休，共7天。1月28日(星期六)、1月29日(星期日)上班。
三、清明节：4月5日放假，共1天。
四、劳动节：4月29日至5月3日放假调休，共5天。4月23日(星期日)、5月6日(星期六)上班。
五、端午节：6月22日至24日放假调休，共3天。6月25日(星期日)上班。
六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日(星期六)、10月8日(星期日)上班。
"""

NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知

经批准，2027年节假日安排如下（测试用虚构内容）。

一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至12日（农历正月初八、周五）放假调休，共8天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。5月8日（周六）上班。
五、端午节：6月9日（周三）放假1天，不调休。
六、中秋节：9月15日（周三）放假1天，不调休。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。

国务院办公厅
2026年11月5日
"""


def _span(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


HOLIDAYS_2027 = tuple(
    _span("2027-01-01", "2027-01-03")
    + _span("2027-02-05", "2027-02-12")
    + _span("2027-04-03", "2027-04-05")
    + _span("2027-05-01", "2027-05-05")
    + [date(2027, 6, 9), date(2027, 9, 15)]
    + _span("2027-10-01", "2027-10-07")
)
WORKDAYS_2027 = (date(2027, 2, 20), date(2027, 5, 8), date(2027, 9, 26), date(2027, 10, 9))

NOTICE_2030 = """国务院办公厅关于2030年部分节假日安排的通知
一、元旦：2029年12月30日（周日）至2030年1月1日（周二）放假调休，共3天。2029年12月29日（周六）上班。
二、春节：2月2日（农历除夕、周六）至9日（农历正月初七、周六）放假调休，共8天。1月27日（周日）上班。
三、清明节：4月5日（周五）至7日（周日）放假，共3天。
四、劳动节：5月1日（周三）至5日（周日）放假调休，共5天。4月28日（周日）上班。
五、端午节：6月5日（周三）放假1天，不调休。
六、中秋节：9月12日（周四）至14日（周六）放假调休，共3天。9月15日（周日）上班。
七、国庆节：10月1日（周二）至7日（周一）放假调休，共7天。9月29日（周日）、10月12日（周六）上班。
"""


def _whole_year_mismatches(notice: Notice) -> list[date]:
    """Return the days of the notice's year where it and chinesecalendar disagree."""
    calendar = WorkCalendar(CalendarSettings(years=notice.blocks()), use_library=False)
    mismatches = []
    day = date(notice.year, 1, 1)
    while day.year == notice.year:
        info = calendar.explain(day)
        assert not info.provisional
        if info.workday != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += timedelta(days=1)
    return mismatches


# What the notices give, checked day by day over the whole year.


@pytest.mark.parametrize("year", [2025, 2026])
def test_published_notice_reproduces_chinesecalendar(year: int) -> None:
    path = shared_file(f"calendar/{year}-state-council-holiday-notice.txt")
    notice = parse_notice(path.read_text("utf-8"))
    assert notice.year == year
    assert notice.source.startswith(f"国务院办公厅关于{year}年部分节假日安排的通知")
    assert notice.other_years == {}
    assert _whole_year_mismatches(notice) == []


def test_published_notice_source_keeps_the_document_number() -> None:
    path = shared_file("calendar/2025-state-council-holiday-notice.txt")
    notice = parse_notice(path.read_text("utf-8"))
    assert notice.source == "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）"


def test_older_style_reproduces_chinesecalendar() -> None:
    notice = parse_notice(NOTICE_2017)
    assert notice.year == 2017
    assert date(2017, 1, 2) in notice.holidays  # 补休
    assert _whole_year_mismatches(notice) == []


def test_range_across_new_year_puts_the_first_day_in_the_year_before() -> None:
    notice = parse_notice(NOTICE_2023)
    assert _whole_year_mismatches(notice) == []
    assert set(notice.other_years) == {2022}
    before = notice.other_years[2022]
    assert (before.complete, before.holidays, before.workdays) == (False, [date(2022, 12, 31)], [])
    assert notice.holidays[:2] == (date(2023, 1, 1), date(2023, 1, 2))


def test_invented_notice_gives_its_days() -> None:
    notice = parse_notice(NOTICE_2027)
    assert (notice.year, notice.holidays, notice.workdays) == (2027, HOLIDAYS_2027, WORKDAYS_2027)
    assert notice.source == "国务院办公厅关于2027年部分节假日安排的通知"


# Tolerant reading: each variant of one line must give the same year.

LINE_VARIANTS = [
    pytest.param(
        "二、春节：",
        "二、春节:2月5日(农历除夕、周五)至12日(农历正月初八、周五)放假调休,共8天。2月20日(周六)上班。",
        id="半角标点",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：2月5日（农历除夕、星期五）至2月12日（农历正月初八、星期五）放假调休，共8天。"
        "2月20日（星期六）上班。",
        id="星期-区间写月份",
    ),
    pytest.param(
        "二、春节：",
        "  二 、 春节 ：  2 月 5 日 （ 周五 ） 至 12 日 放假调休 ， 共 8 天 。 2月20日 （周六） 上班 。  ",
        id="多余空格",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：２月５日至１２日放假调休，共８天。２月２０日（周六）上班。",
        id="全角数字",
    ),
    pytest.param(
        "二、春节：", "二、春节：2月5日至12日放假调休，共8天。\n\n2月20日（周六）上班。", id="折行"
    ),
    pytest.param(
        "二、春节：", "春节：2月5日至12日放假调休，共8天。2月20日（周六）上班。", id="无序号"
    ),
    pytest.param(
        "二、春节：", "（二）春节：2月5日至12日放假调休；共8天；2月20日（周六）上班", id="括号序号"
    ),
    pytest.param(
        "二、春节：",
        "2．春节：2月5日至2027年2月12日放假调休，共8天。2027年2月20日上班。",
        id="数字序号",
    ),
    pytest.param(
        "一、元旦：",
        "一、元旦：2027年1月1日（星期五）至1月3日（星期日）放假，共3天。二、春节：2月5日至12日"
        "放假调休，共8天。2月20日（周六）上班。",
        id="两节同一段",
    ),
    pytest.param("三、清明节：", "三、清明节：4月5日（星期一）放假，与周末连休。", id="与周末连休"),
    pytest.param("五、端午节：", "五、端午节：6月9日放假，共1天。", id="共1天"),
    pytest.param("六、中秋节：", "六、中秋节：9月15日（礼拜三）放假1天。", id="礼拜三"),
    pytest.param(
        "七、国庆节：",
        "七、国庆节：10月1日至7日放假调休，共7天。9月26日（周日）和10月9日（周六）上班。",
        id="和连接",
    ),
]


def _replace_line(text: str, starts: str, new: str) -> str:
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(starts))
    if starts == "一、元旦：":
        del lines[index + 1]  # the variant holds 春节 too
    lines[index] = new
    return "\n".join(lines)


@pytest.mark.parametrize(("starts", "line"), LINE_VARIANTS)
def test_variants_of_a_line_give_the_same_days(starts: str, line: str) -> None:
    text = _replace_line(NOTICE_2027, starts, line)
    if starts == "三、清明节：":
        # 4月3日、4日 are the weekend before; the line names only Monday the 5th.
        expected = tuple(d for d in HOLIDAYS_2027 if d not in (date(2027, 4, 3), date(2027, 4, 4)))
    else:
        expected = HOLIDAYS_2027
    notice = parse_notice(text)
    assert (notice.holidays, notice.workdays) == (expected, WORKDAYS_2027)


HEADERS = [
    "首页 > 政策 > 国务院文件\n",
    "【字体：大 中 小】 打印本页 分享\n",
    "来源：中国政府网\n发布时间：2026年11月05日 16:00\n",
    "转载 | 原文链接已失效\n\n\n",
]


def _mutate(text: str, rng: random.Random) -> str:
    """Change a notice the ways pasting from web pages does, without changing its dates."""
    if rng.random() < 0.5:
        text = text.translate(str.maketrans("（）：，；", "():,;"))
    if rng.random() < 0.5:
        text = re.sub(r"([（(])周([一二三四五六日])", r"\1星期\2", text)
    if rng.random() < 0.3:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    lines = []
    for line in text.split("\n"):
        chars = list(line)
        for _ in range(rng.randrange(4)):
            at = rng.randrange(len(chars) + 1)
            chars.insert(at, rng.choice([" ", "\u3000", "\u00a0", "\t", "\u200b"]))
        lines.append("".join(chars))
        lines += [rng.choice(["", " ", "\u3000"])] * rng.randrange(2)
    header = rng.choice(["", *HEADERS])
    newline = rng.choice(["\n", "\r\n"])
    return header.replace("\n", newline) + newline.join(lines)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False), which=st.sampled_from([2017, 2027, 2023]))
def test_pasted_variations_give_the_same_days(rng: random.Random, which: int) -> None:
    original = {2017: NOTICE_2017, 2023: NOTICE_2023, 2027: NOTICE_2027}[which]
    assert parse_notice(_mutate(original, rng)) == parse_notice(original)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(NOTICE_2027.split("\n")),
            st.from_regex(r"[一二三]、[元旦春节清明]{1,3}[:：][0-9]{1,2}月[0-9]{1,2}日[^\n]{0,20}"),
        ),
        max_size=12,
    )
)
def test_any_text_is_read_or_refused_in_chinese(lines: list[str]) -> None:
    try:
        notice = parse_notice("\n".join(lines), year=2027)
    except InputError as error:
        assert error.exit_code == 2
        assert re.search(r"[\u4e00-\u9fff]", error.message)
        return
    assert notice.year == 2027
    assert set(notice.holidays).isdisjoint(notice.workdays)


# Refusals: anything that looks like an arrangement must be understood.

REFUSALS = [
    pytest.param(
        "二、春节：",
        "二、春节：2月5日至12日放假调休，共8天。2月20日（周六）上班，具体另行通知。",
        "不理解“具体另行通知”",
        id="无法理解的分句",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：2月5日至12日放假调休，共8天。2月20日（周日）上班。",
        "2027年2月20日 是星期六，通知中写的是星期日",
        id="星期不符",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：2月5日至12日放假调休，共9天。2月20日（周六）上班。",
        "共 8 天",
        id="天数不符",
    ),
    pytest.param(
        "五、端午节：",
        "五、端午节 6月9日（周三）放假1天，不调休。",
        "看起来是放假安排",
        id="缺冒号",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：2月5日至12日放假调休，共8天。2月30日上班。",
        "不是有效日期",
        id="无效日期",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：2月5日至12日放假调休，共8天。2月22日（周一）上班。",
        "本来就是工作日",
        id="上班日不是周末",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：2月5日至12日放假调休，共8天。\n2月20日（周六）调整为上班日。",
        "不理解",
        id="折行无法理解",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：2月12日至2月5日放假调休。2月20日（周六）上班。",
        "超过 15 天",
        id="区间颠倒",
    ),
    pytest.param(
        "二、春节：",
        "二、春节：2月5日（休息日）至12日放假调休，共8天。2月20日（周六）上班。",
        "括号中的“休息日”无法识别",
        id="括号内容不明",
    ),
    pytest.param(
        "六、中秋节：", "六、中秋节：中秋当天放假。", "不理解“中秋当天放假”", id="节日行无日期"
    ),
    pytest.param(
        "六、中秋节：", "六、中秋节：9月19日（周日）上班。", "没有找到放假日期", id="只有上班日"
    ),
    pytest.param(
        "五、端午节：",
        "五、端午节：6月9日（周三）放假1天，2025年1月2日补休。",
        "2027 年的通知不会安排 2025 年的日期",
        id="相隔多年",
    ),
    pytest.param(
        "一、元旦：", "一、元旦：9999年12月31日放假，共1天。", "不会安排 9999 年", id="极端年份"
    ),
]


@pytest.mark.parametrize(("starts", "line", "words"), REFUSALS)
def test_a_line_not_understood_is_refused_with_its_number(
    invoke, starts: str, line: str, words: str
) -> None:
    text = _replace_line(NOTICE_2027, starts, line)
    result = invoke("calendar", "import-notice", "-", input=text)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = text.split("\n")
    # The offending line is the replaced one, or its wrapped continuation.
    bad = max(i for i, text_line in enumerate(lines) if text_line in line.split("\n")) + 1
    assert f"第 {bad} 行" in result.stderr
    assert f"“{lines[bad - 1].strip()}”" in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "args", "words"),
    [
        pytest.param(
            NOTICE_2027.replace("五、端午节：6月9日（周三）放假1天，不调休。\n", ""),
            [],
            "没有端午节（2027年6月9日）的放假安排",
            id="漏了一行",
        ),
        pytest.param(
            NOTICE_2027.replace("2月20日（周六）上班", "2月6日（周六）上班"),
            [],
            "2027年2月6日 既是放假日又是上班日",
            id="既放假又上班",
        ),
        pytest.param(
            NOTICE_2027.replace("国务院办公厅关于2027年部分节假日安排的通知\n", ""),
            [],
            "无法确定年份",
            id="无标题无年份",
        ),
        pytest.param(NOTICE_2027, ["--year", "2028"], "与 --year 2028 不一致", id="年份不一致"),
        pytest.param(
            "各省、自治区、直辖市人民政府：\n现将有关事项通知如下。\n",
            ["--year", "2027"],
            "没有找到放假安排",
            id="没有安排",
        ),
    ],
)
def test_a_notice_that_does_not_add_up_is_refused(
    invoke, text: str, args: list[str], words: str
) -> None:
    result = invoke("calendar", "import-notice", "-", *args, input=text)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert words in result.stderr


def test_year_option_reads_a_notice_pasted_without_its_title(invoke) -> None:
    text = NOTICE_2027.split("\n", 1)[1]
    result = invoke("calendar", "import-notice", "-", "--year", "2027", "--json", input=text)
    assert result.exit_code == 0
    block = json.loads(result.stdout)["calendar"]["years"]["2027"]
    assert block["source"] == "国务院办公厅关于2027年部分节假日安排的通知"


def test_not_utf8_is_an_input_error(invoke, tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes(NOTICE_2027.encode("gb18030"))
    result = invoke("calendar", "import-notice", str(path))
    assert result.exit_code == 2
    assert "UTF-8" in result.stderr


# Output.


def test_yaml_output_is_the_policy_block(invoke, tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE_2027, "utf-8")
    result = invoke("calendar", "import-notice", str(path))
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout) == {
        "calendar": {
            "years": {
                2027: {
                    "complete": True,
                    "source": "国务院办公厅关于2027年部分节假日安排的通知",
                    "holidays": list(HOLIDAYS_2027),
                    "workdays": list(WORKDAYS_2027),
                }
            }
        }
    }
    # Pasted under calendar.years of a policy, it validates.
    settings = CalendarSettings.model_validate(yaml.safe_load(result.stdout)["calendar"])
    assert settings.years[2027].complete


def test_json_output_has_the_documented_shape(invoke) -> None:
    result = invoke("calendar", "import-notice", "-", "--json", input=NOTICE_2023)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "calendar": {
            "years": {
                "2022": {
                    "complete": False,
                    "source": "国务院办公厅关于2023年部分节假日安排的通知（跨年部分）",
                    "holidays": ["2022-12-31"],
                    "workdays": [],
                },
                "2023": {
                    "complete": True,
                    "source": "国务院办公厅关于2023年部分节假日安排的通知",
                    "holidays": [d.isoformat() for d in parse_notice(NOTICE_2023).holidays],
                    "workdays": [
                        "2023-01-28",
                        "2023-01-29",
                        "2023-04-23",
                        "2023-05-06",
                        "2023-06-25",
                        "2023-10-07",
                        "2023-10-08",
                    ],
                },
            }
        }
    }


# Writing the policy.


def _write(invoke, path: Path, text: str = NOTICE_2027, *args: str):  # type: ignore[no-untyped-def]
    return invoke("calendar", "import-notice", "-", "--write", str(path), *args, input=text)


def test_write_into_the_default_policy_changes_only_the_years_line(
    invoke, policy_text: str, write_policy
) -> None:
    path = write_policy(policy_text)
    result = _write(invoke, path)
    assert result.exit_code == 0, result.stderr
    assert "已写入政策文件" in result.stderr
    old = policy_text.splitlines(keepends=True)
    new = path.read_text("utf-8").splitlines(keepends=True)
    at = old.index("  years: {}\n")
    assert new[:at] == old[:at]
    assert new[at] == "  years:\n"
    assert new[len(new) - (len(old) - at - 1) :] == old[at + 1 :]
    inserted = "".join(new[at + 1 : len(new) - (len(old) - at - 1)])
    assert yaml.safe_load(inserted)[2027]["holidays"] == list(HOLIDAYS_2027)
    policy = load_policy(path)
    assert policy.calendar.years[2027].complete
    # Running it again changes nothing.
    before = path.read_bytes()
    assert _write(invoke, path).exit_code == 0
    assert path.read_bytes() == before


def test_imported_year_is_no_longer_provisional(invoke, policy_text: str, write_policy) -> None:
    path = write_policy(policy_text)
    args = ["calendar", "deadline", "--start", "2027-02-04T10:00:00+08:00", "--days", "2", "--json"]
    before = json.loads(invoke("--policy", str(path), *args).stdout)
    # Provisionally 春节 is 5-8 February plus two substitute days: work resumes on the 11th.
    assert (before["due_date"], before["provisional"]) == ("2027-02-12", True)
    assert _write(invoke, path).exit_code == 0
    result = invoke("--policy", str(path), *args)
    after = json.loads(result.stdout)
    assert (after["due_date"], after["provisional"], after["provisional_years"]) == (
        "2027-02-16",
        False,
        [],
    )
    assert result.stderr == ""


BLOCK_YEARS = """\
  # 本省的补充安排
  years:
    # 2026 年：本省另加一天
    2026:
      holidays: [2026-11-26]   # 行尾注释
    # 2031 年试行
    2031:
      complete: true
      holidays: [2031-01-01]
      workdays: []
  # calendar 到此为止
"""


def test_write_into_block_years_inserts_in_order_and_keeps_comments(
    invoke, policy_text: str, write_policy
) -> None:
    text = policy_text.replace("  years: {}\n", BLOCK_YEARS)
    path = write_policy(text)
    assert _write(invoke, path).exit_code == 0
    rendered = "".join(
        line + "\n" for line in render_blocks(parse_notice(NOTICE_2027).blocks(), indent=4)
    )
    anchor = "    # 2031 年试行\n"
    assert path.read_text("utf-8") == text.replace(anchor, rendered + anchor)


def test_write_replaces_an_existing_year_and_only_it(
    invoke, policy_text: str, write_policy
) -> None:
    old_block = """\
    2027:
      # 手工录入的旧安排
      complete: false
      holidays: [2027-01-01]
    # 2031 年试行
"""
    text = policy_text.replace(
        "  years: {}\n", BLOCK_YEARS.replace("    # 2031 年试行\n", old_block)
    )
    path = write_policy(text)
    assert _write(invoke, path).exit_code == 0
    rendered = "".join(
        line + "\n" for line in render_blocks(parse_notice(NOTICE_2027).blocks(), indent=4)
    )
    assert path.read_text("utf-8") == text.replace(old_block, rendered + "    # 2031 年试行\n")


def test_write_puts_an_earlier_year_above_the_first_and_its_comment(
    invoke, policy_text: str, write_policy
) -> None:
    years = "  years:\n    # 2031 年试行\n    2031:\n      complete: true\n"
    text = policy_text.replace("  years: {}\n", years)
    path = write_policy(text)
    assert _write(invoke, path).exit_code == 0
    new = path.read_text("utf-8")
    assert new.index("    2027:\n") < new.index("    # 2031 年试行\n") < new.index("    2031:\n")
    assert load_policy(path).calendar.years[2031].complete


def test_write_keeps_windows_line_ends(invoke, policy_text: str, tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_bytes(policy_text.replace("\n", "\r\n").encode("utf-8"))
    assert _write(invoke, path).exit_code == 0
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert load_policy(path).calendar.years[2027].complete


def _inserted(old: str, new: str, first: str) -> tuple[str, str]:
    """Split `new` into `old` and the block of lines added from `first` on (indented deeper)."""
    lines = new.splitlines(keepends=True)
    start = lines.index(first)
    indent = len(first) - len(first.lstrip())
    stop = start + 1
    while stop < len(lines) and lines[stop].startswith(" " * (indent + 1)):
        stop += 1
    rest = "".join(lines[:start] + lines[stop:])
    assert rest == old
    return "".join(lines[start:stop]), rest


def test_write_adds_years_when_the_policy_has_none(invoke, policy_text: str, write_policy) -> None:
    text = re.sub(r"(?m)^  years: \{\}\n", "", policy_text)
    path = write_policy(text)
    assert _write(invoke, path).exit_code == 0
    block, _ = _inserted(text, path.read_text("utf-8"), "  years:\n")
    assert block.startswith("  years:\n    2027:\n")
    assert load_policy(path).calendar.years[2027].workdays == list(WORKDAYS_2027)


def test_write_adds_the_calendar_section_when_missing(
    invoke, policy_text: str, write_policy
) -> None:
    # Drop the calendar section: its line and everything indented or commented under it.
    lines = policy_text.splitlines(keepends=True)
    start = lines.index("calendar:\n")
    stop = start + 1
    while lines[stop].startswith((" ", "\n")):
        stop += 1
    text = "".join(lines[:start] + lines[stop:])
    path = write_policy(text)
    assert _write(invoke, path).exit_code == 0
    block, _ = _inserted(text, path.read_text("utf-8"), "calendar:\n")
    assert block.startswith("calendar:\n  years:\n    2027:\n")
    assert load_policy(path).calendar.years[2027].complete


def test_write_puts_days_of_the_year_before_into_that_year(
    invoke, policy_text: str, write_policy
) -> None:
    path = write_policy(policy_text)
    result = _write(invoke, path, NOTICE_2030)
    assert result.exit_code == 0, result.stderr
    years = load_policy(path).calendar.years
    assert years[2029].complete is False
    assert (years[2029].holidays, years[2029].workdays) == (
        [date(2029, 12, 30), date(2029, 12, 31)],
        [date(2029, 12, 29)],
    )
    calendar = WorkCalendar(load_policy(path).calendar)
    assert calendar.explain(date(2029, 12, 31)).workday is False  # Monday
    assert calendar.explain(date(2029, 12, 29)).workday is True  # Saturday
    assert calendar.explain(date(2029, 12, 28)).provisional  # the rest of 2029 is not known


def test_write_merges_days_of_the_year_before_into_a_complete_year(
    invoke, policy_text: str, write_policy
) -> None:
    years = (
        "  years:\n    2029:\n      complete: true\n      source: 手工录入\n"
        "      holidays: [2029-10-01, 2029-12-29]\n      workdays: [2029-12-30]\n"
    )
    path = write_policy(policy_text.replace("  years: {}\n", years))
    assert _write(invoke, path, NOTICE_2030).exit_code == 0
    block = load_policy(path).calendar.years[2029]
    assert (block.complete, block.source) == (True, "手工录入")
    assert block.holidays == [date(2029, 10, 1), date(2029, 12, 30), date(2029, 12, 31)]
    assert block.workdays == [date(2029, 12, 29)]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        pytest.param(
            lambda t: t.replace("schema_version: 1", "schema_version: 2"),
            "校验未通过",
            id="校验失败",
        ),
        pytest.param(
            lambda t: t.replace("calendar:\n", "calendar:\n  - x\n", 1), "YAML", id="YAML错误"
        ),
        pytest.param(lambda t: t + "\nbad: [没有闭合\n", "YAML", id="末尾乱码"),
    ],
)
def test_write_refuses_an_invalid_policy_and_leaves_it(
    invoke,
    policy_text: str,
    write_policy,
    change,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    path = write_policy(change(policy_text))
    before = path.read_bytes()
    result = _write(invoke, path)
    assert result.exit_code == 2
    assert words in result.stderr
    assert result.stdout == ""
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_write_refuses_a_missing_file(invoke, tmp_path: Path) -> None:
    result = _write(invoke, tmp_path / "nope.yml")
    assert result.exit_code == 2
    assert "找不到政策文件" in result.stderr
    assert not (tmp_path / "nope.yml").exists()


def test_write_refuses_when_the_notice_is_refused(invoke, policy_text: str, write_policy) -> None:
    path = write_policy(policy_text)
    result = _write(invoke, path, NOTICE_2027.replace("9月26日（周日）", "9月26日（周一）"))
    assert result.exit_code == 2
    assert path.read_text("utf-8") == policy_text


def test_insert_years_rewrites_a_flow_mapping_with_content() -> None:
    text = "calendar:\n  years: {2031: {complete: true, holidays: [2031-01-01]}}  # 旧\nx: 1\n"
    existing = CalendarSettings.model_validate(yaml.safe_load(text)["calendar"]).years
    new = insert_years(text, parse_notice(NOTICE_2027).blocks(), existing)
    assert new.startswith("calendar:\n  years:  # 旧\n    2027:\n")
    assert new.endswith(
        "    2031:\n      complete: true\n      holidays: [2031-01-01]\n      workdays: []\nx: 1\n"
    )
    assert set(yaml.safe_load(new)["calendar"]["years"]) == {2027, 2031}


def test_default_policy_text_accepts_the_written_years(policy_text: str) -> None:
    # The written block is what parse_policy reads back, in the shipped policy too.
    notice = parse_notice(NOTICE_2027)
    policy = parse_policy(policy_text, "内置")
    updated = insert_years(policy_text, notice.blocks(), policy.calendar.years)
    assert parse_policy(updated, "内置").calendar.years[2027].holidays == list(HOLIDAYS_2027)
