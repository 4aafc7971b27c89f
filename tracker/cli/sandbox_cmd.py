"""`zzxt sandbox`: a local forge that speaks the Gitea and GitHub APIs."""

from __future__ import annotations

import ipaddress
import signal
from pathlib import Path

import click

from tracker.cli import zh
from tracker.cli.base import Command, warn
from tracker.errors import InputError
from tracker.sandbox import Sandbox, load_seed
from tracker.sandbox.seed import default_seed


@click.command(cls=Command)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8787,
    show_default=True,
    help="监听端口；0 表示任选一个空闲端口。",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="地址",
    help="监听地址。沙箱的令牌是公开的固定值，不要监听本机以外的地址。",
)
@click.option(
    "--seed",
    "seed_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="种子文件（YAML 或 JSON）：用户、令牌、仓库、标签、问题和评论。不指定时用内置的最小数据。",
)
@click.option(
    "--faults",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="故障比例（0 到 1）：这一比例的 API 请求返回 502、429 或直接断开连接。",
)
@click.option(
    "--lost-answers",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    metavar="比例",
    help="丢失应答的比例（0 到 1）：这一比例的 API 请求照常执行，但应答变成 502 或连接断开，"
    "模拟“已写入但客户端没收到”。",
)
@click.option(
    "--fault-seed",
    type=int,
    default=0,
    show_default=True,
    help="故障的随机种子：相同的种子、相同的请求顺序得到相同的故障。",
)
@click.option(
    "--retry-after",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="故障 429 应答中 Retry-After 要求等待的秒数。",
)
@click.option("-q", "--quiet", is_flag=True, help="不逐条显示收到的请求。")
def sandbox(
    port: int,
    host: str,
    seed_path: Path | None,
    faults: float,
    lost_answers: float,
    fault_seed: int,
    retry_after: int,
    quiet: bool,
) -> None:
    """启动沙箱：在本机内存中模拟一个同时提供 Gitea API 和 GitHub API 的代码托管平台。

    用于试用机器人、演示和测试：不连接任何真实服务器，停止后数据全部丢弃。Gitea API 在 /api/v1，GitHub API 在 /api/v3（GitHub Enterprise 的布局）。按 Ctrl-C 停止。

    种子文件的写法见 docs/admin/sandbox.md。

    \b
    示例：
      zzxt sandbox --port 8787
      zzxt sandbox --port 8787 --seed 沙箱种子.yml
      zzxt sandbox --port 8787 --faults 0.2 --fault-seed 7
      zzxt sandbox --port 8787 --lost-answers 0.3
    """
    if faults + lost_answers > 1:
        raise InputError("--faults 与 --lost-answers 之和不能超过 1。")
    if not _loopback(host):
        warn(
            f"警告：沙箱将监听 {host}，本机以外也能访问。沙箱的令牌是公开的固定值，"
            "任何能连到这个地址的人都能读写其中的数据；除非确有需要，请用 --host 127.0.0.1。"
        )
    seed = load_seed(seed_path) if seed_path else default_seed()
    on_request = None if quiet else _show_request
    box = Sandbox(
        seed,
        faults=faults,
        lost_answers=lost_answers,
        fault_seed=fault_seed,
        retry_after=retry_after,
        host=host,
        port=port,
        on_request=on_request,
    )
    try:
        box.start()
    except OSError as exc:
        raise InputError(
            f"无法在 {host}:{port} 上启动沙箱：{zh.os_error(exc)}。请换一个端口（--port）或地址（--host）。"
        ) from None
    url = box.url
    click.echo(f"沙箱已启动：{url}")
    click.echo(f"  Gitea API： {url}/api/v1")
    click.echo(f"  GitHub API：{url}/api/v3")
    click.echo("用户与令牌（仅供本沙箱使用）：")
    for user in seed.users:
        kind = "，机器人" if user.type == "Bot" else ""
        token = user.token or "（无令牌，只能作为问题和评论的作者）"
        click.echo(f"  {user.login}{kind}：{token}")
    click.echo("仓库：")
    for repo in seed.repos:
        visibility = "私有" if repo.private else "公开"
        writers = "、".join(repo.writers) if repo.writers is not None else "所有有令牌的用户"
        click.echo(f"  {repo.name}（{visibility}，可写：{writers}）")
    if faults:
        click.echo(f"故障注入：{faults:.0%} 的 API 请求会失败（随机种子 {fault_seed}）。")
    if lost_answers:
        click.echo(
            f"丢失应答：{lost_answers:.0%} 的 API 请求执行后应答丢失（随机种子 {fault_seed}）。"
        )
    # Started in the background by a script, a process inherits SIGINT ignored; the
    # sandbox still stops on Ctrl-C (SIGINT) and on `kill` (SIGTERM), saying so.
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, _interrupt),
    }
    click.echo("按 Ctrl-C 停止。", nl=True)
    try:
        box.wait()
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
        click.echo("沙箱已停止。")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def _show_request(entry: dict[str, object]) -> None:
    status = entry["status"] or "断开"
    warn(f"{entry['method']} {entry['path']} {status}")
