"""`zzxt faq`: the FAQ knowledge base."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TextIO, cast

import click

from tracker.bots import harvest as harvesting
from tracker.bots.identity import read_identity
from tracker.bots.writer import Writer
from tracker.cli.base import (
    Group,
    State,
    now_option,
    pass_state,
    print_json,
    read_text,
)
from tracker.cli.forge_opts import forge_options, open_forge, settings_from
from tracker.kb.entries import check_trainings, load_entries
from tracker.kb.search import DEFAULT_LIMIT, FaqIndex, Hit, SearchError, default_cache_dir

DEFAULT_DIR = Path("docs/faq")


@click.group(cls=Group)
def faq() -> None:
    """常见问题知识库：校验问题页面，搜索常见问题，把已解决的问题整理成草稿。

    \b
    示例：
      zzxt faq check
      zzxt faq search 忘记密码
      zzxt faq harvest --forge gitea --url https://gitea.example.cn --repo gdzz/support
    """


@faq.command()
@click.argument(
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR,
    metavar="[目录]",
)
@pass_state
def check(state: State, directory: Path) -> None:
    """校验常见问题页面的 front matter：类别、子类、学段须为政策中的 key，id 须与文件名一致。

    同时核对依据（basis）与来源（sources）是否相符，以及政策文件培训登记（trainings）中列出的问题是否都有已发布的页面。草稿（draft: true）一并校验。默认目录为 docs/faq。有错误时指出文件、行号和字段，退出码为 2。

    \b
    示例：
      zzxt faq check
      zzxt faq check docs/faq
    """
    policy = state.policy()
    entries = load_entries(directory, policy, drafts=True)
    check_trainings(policy, entries, directory)
    by_category = Counter(e.meta.category for e in entries)
    parts = "、".join(f"{policy.category(k).name} {n}" for k, n in by_category.items())
    trained = sum(e.meta.trained for e in entries)
    drafts = sum(e.meta.draft for e in entries)
    click.echo(
        f"{directory} 校验通过：共 {len(entries)} 篇（{parts or '无'}），"
        f"其中已培训问题 {trained} 篇、草稿 {drafts} 篇。"
    )


def _read_queries(stream: TextIO) -> list[str]:
    lines = read_text(stream, "查询文件").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    blank = [i for i, line in enumerate(lines, 1) if not line.strip()]
    if not lines:
        raise SearchError("查询文件中没有查询：请每行写一个要查找的问题。")
    if blank:
        numbers = "、".join(str(i) for i in blank[:5])
        raise SearchError(f"查询文件第 {numbers} 行为空：每行写一个查询，不要留空行。")
    return lines


def _print_hits(query: str, hits: list[Hit]) -> None:
    if not hits:
        click.echo(f"没有找到与“{query}”相关的常见问题。")
        return
    click.echo(f"与“{query}”最相关的 {len(hits)} 篇常见问题：")
    for rank, hit in enumerate(hits, 1):
        badge = "（已培训要求掌握）" if hit.trained else ""
        click.echo(f"{rank:>3}. {hit.title}{badge}")
        click.echo(f"     得分 {hit.score:.2f}  {hit.url}")


@faq.command()
@click.argument("query", required=False, metavar="[查询]")
@click.option(
    "--queries",
    "queries_file",
    type=click.File("r", encoding="utf-8-sig"),
    metavar="文件|-",
    help="批量查询：文件中每行一个查询，- 表示从标准输入读取；结果按行的顺序输出。",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    default=DEFAULT_LIMIT,
    show_default=True,
    help="每个查询最多返回的条数。",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR,
    show_default=True,
    metavar="目录",
    help="常见问题目录。",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="ZZXT_CACHE_DIR",
    metavar="目录",
    help="索引缓存目录；不指定时用环境变量 ZZXT_CACHE_DIR，再不指定则为 $XDG_CACHE_HOME/zzxt 或 ~/.cache/zzxt。",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='以 JSON 输出：[{"id", "title", "score", "url"}]，按相关度从高到低；批量查询时为列表的列表。',
)
@pass_state
def search(
    state: State,
    query: str | None,
    queries_file: TextIO | None,
    limit: int,
    directory: Path,
    cache_dir: Path | None,
    as_json: bool,
) -> None:
    """搜索常见问题：按中文分词和 BM25 相关度排序，口语说法（如“登不上”“口令”）也能找到。

    在问题的标题、其他问法、关键词和解答中查找，返回最相关的几篇及其在知识库站点上的地址。

    与知识库站点的搜索框和分诊机器人用同一个索引，排序相同。分词词典为 tracker/resources/jieba_userdict.txt，同义词表为同一目录的 faq_synonyms.txt。问题页面的分词结果会缓存，页面或词典改动后自动重新切分。

    查询为空时报错，退出码为 2；没有匹配的问题时输出空列表，退出码为 0。

    \b
    示例：
      zzxt faq search 忘记密码
      zzxt faq search "身份证号 导入" --limit 3 --json
      zzxt faq search --queries 问题.txt --json
    """
    if (query is None) == (queries_file is None):
        raise click.UsageError("请给出一个查询，或用 --queries 指定查询文件（二者选一）。")
    queries = [query] if query is not None else _read_queries(cast(TextIO, queries_file))
    for text in queries:
        if not text.strip():
            raise SearchError("搜索内容不能为空，请输入要查找的问题，例如“忘记密码”。")
    policy = state.policy()
    entries = load_entries(directory, policy)
    index = FaqIndex.build(entries, policy, cache_dir=cache_dir or default_cache_dir())
    results = [index.search(text, limit) for text in queries]
    if as_json:
        data = [[hit.to_json() for hit in hits] for hits in results]
        print_json(data if queries_file is not None else data[0])
        return
    for i, (text, hits) in enumerate(zip(queries, results, strict=True)):
        if i:
            click.echo()
        _print_hits(text, hits)


@faq.command()
@forge_options
@click.option(
    "--label",
    default=harvesting.DEFAULT_LABEL,
    show_default=True,
    metavar="标签",
    help="工作人员给可转入知识库的已关闭问题加的标签。",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR,
    show_default=True,
    metavar="目录",
    help="常见问题目录：草稿写到这里，已有页面的 source_issue 用来避免重复。",
)
@click.option("--apply", "do_apply", is_flag=True, help="写入草稿文件，并在问题中留言说明。")
@click.option(
    "--now", "now_text", metavar="时间", help="草稿的更新日期按此时间（ISO 8601，默认为当前时间）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出计划。")
@pass_state
def harvest(
    state: State,
    forge: str | None,
    url: str | None,
    repo: str | None,
    write_interval: float | None,
    verbose: bool,
    label: str,
    directory: Path,
    do_apply: bool,
    now_text: str | None,
    as_json: bool,
) -> None:
    """把已解决的问题整理成常见问题草稿：问题台账中已关闭、带有指定标签的问题，各生成一篇草稿页面。

    问题取自标题（去掉“XX市-XX学段-XX类问题：”），解答取自关闭前最后一条以“【答复】”开头的工作人员评论（去掉该标记；答复人的认定与答复时限机器人相同），类别、子类和学段取自表单或标签，关键词从问答中提取。身份证号、银行卡号和手机号部分隐藏。

    草稿写入常见问题目录，front matter 中有 draft: true，编辑核对、删除这一行后才会发布到知识库站点；source_issue 记下来源问题。已有页面注明来自某个问题，或机器人已在该问题中留言的，不再重复生成。不加 --apply 时只列出计划，不写任何文件。

    本命令不提供 --pull-request：问题台账的接口层还不能创建分支和合并请求。需要审核流程时，在知识库仓库的工作副本中运行本命令，再按平时的方式提交合并请求。

    \b
    示例：
      zzxt faq harvest --forge gitea --url https://gitea.example.cn --repo gdzz/support
      zzxt faq harvest --repo gdzz/support --apply --dir docs/faq
    """
    rules = state.rules()
    policy = rules.policy
    today = now_option(policy.calendar.zone, now_text).date()
    existing = load_entries(directory, policy, drafts=True) if directory.is_dir() else []
    settings = settings_from(forge, url, repo, write_interval, verbose)
    client = open_forge(settings)
    identity = read_identity(client, policy, os.environ)
    snapshot = harvesting.read(client, rules, label, identity)
    plan = harvesting.plan(
        snapshot,
        rules,
        known=[e.meta.source_issue for e in existing if e.meta.source_issue],
        taken=[e.id for e in existing] + [p.stem for p in directory.glob("*.md")],
        issue_base=(settings.url, settings.repo),
        today=today,
    )
    writer = Writer(client, do_apply)
    written = harvesting.apply(plan, writer, directory)
    if as_json:
        print_json(plan.as_dict())
        return
    _print_harvest(plan, directory, written, do_apply)


def _print_harvest(
    plan: harvesting.HarvestPlan, directory: Path, written: list[Path], applied: bool
) -> None:
    verb = "已写入" if applied else "将写入"
    if not plan.drafts:
        click.echo("没有需要整理的问题。")
    for draft in plan.drafts:
        click.echo(f"{verb} {directory / draft.file_name}：#{draft.number} {draft.title}")
    for number, reason in plan.skipped:
        click.echo(f"跳过 #{number}：{reason}")
    if plan.drafts and not applied:
        click.echo("以上为计划，未做任何修改；加 --apply 写入草稿并在问题中留言。")
    elif written:
        click.echo("草稿的 front matter 中有 draft: true，编辑核对后删除这一行即可发布。")
