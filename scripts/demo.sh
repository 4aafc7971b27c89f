#!/usr/bin/env bash
# `make demo`: what zzxt does with the built-in Guangdong policy.
set -euo pipefail
zzxt=${1:-zzxt}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

step() { printf '\n\033[1m== %s ==\033[0m\n$ %s\n' "$1" "$2"; }

step "生效的政策（粤教助函〔2018〕56号）" "zzxt policy show"
"$zzxt" policy show

step "国庆前收到的技术类问题：3 个工作日，截止日是调休上班的周六" \
  "zzxt calendar deadline --start 2025-09-30T16:00:00+08:00 --days 3"
"$zzxt" calendar deadline --start 2025-09-30T16:00:00+08:00 --days 3

step "春节前收到的应用类问题：2 个工作日" \
  "zzxt calendar deadline --start 2026-02-13T10:00:00+08:00 --days 2"
"$zzxt" calendar deadline --start 2026-02-13T10:00:00+08:00 --days 2

step "标签" "zzxt labels list"
"$zzxt" labels list

step "生成 Gitea 问题表单" "zzxt forms render --flavor gitea --out $out"
"$zzxt" forms render --flavor gitea --out "$out"
ls "$out"

step "应用类问题表单（节选）" "head -40 $out/01-application.yml"
head -40 "$out/01-application.yml"

step "读回一份提交后的表单正文" "zzxt forms parse - < 示例正文"
cat > "$out/body.md" <<'BODY'
### 所属地市

广州市

### 学段

高等教育（本专科）

### 报送单位

华南示范大学学生资助管理中心

### 单位类型

普通高校

### 联系人姓名

李老师

### 身份

学校资助系统管理员

### 联系电话

_No response_

### 是否紧急

是

### 问题简要描述

登录时提示账号已锁定

### 应用类问题子类

系统登录类

### 本级已尝试的处理

已按知识库重置密码，仍提示锁定。

### 提交前确认

- [x] 我已查阅常见问题知识库，本问题不属于已组织培训且要求掌握的问题（第十二条）。
- [x] 本问题不含学生身份证号、银行卡号等个人信息（第十九条）。
BODY
"$zzxt" forms parse - < "$out/body.md"

step "启动沙箱：本机模拟的 Gitea/GitHub，内有国庆前后一个月的 23 个问题" \
  "zzxt sandbox --port … --seed 演示种子.yml"
python="$(dirname "$(command -v "$zzxt")")/python"
"$python" scripts/demo_seed.py > "$out/seed.yml"
sandbox_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$zzxt" sandbox --port "$sandbox_port" --seed "$out/seed.yml" --quiet > "$out/sandbox.log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null; rm -rf "$out"' EXIT
url="http://127.0.0.1:$sandbox_port"
for _ in $(seq 50); do
  "$python" -c "import httpx, sys; httpx.get('$url/_sandbox/state').raise_for_status()" 2>/dev/null && break
  sleep 0.2
done
export ZZXT_TOKEN=demo-bot-token
forge=(--forge gitea --url "$url" --repo gdzz/support --write-interval 0)
now=2025-10-13T10:00:00+08:00
echo "沙箱地址：$url（Gitea API 在 /api/v1）"

step "同步标签和表单：先看计划" "zzxt sync --forge gitea --url $url --repo gdzz/support"
"$zzxt" sync "${forge[@]}" > "$out/plan.txt"
head -12 "$out/plan.txt"
echo "  ……（共 $(grep -c '^  [+~-] ' "$out/plan.txt") 项）"

step "同步标签和表单：执行" "zzxt sync … --apply"
"$zzxt" sync "${forge[@]}" --apply | tail -1

step "国庆假期后第一个工作日上午检查答复时限" "zzxt sla check … --now $now --apply"
"$zzxt" sla check "${forge[@]}" --now "$now" --apply

step "问题处理进度清单（机器人维护的置顶问题）" "在 Gitea 中打开“问题处理进度清单”"
"$python" - "$url" <<'PY'
import sys
import httpx
url = sys.argv[1]
issues = httpx.get(f"{url}/api/v1/repos/gdzz/support/issues", params={"state": "open", "type": "issues", "limit": 50},
                   headers={"Authorization": "token demo-bot-token"}).json()
board = next(i for i in issues if "zzxt:dashboard" in (i.get("body") or ""))
print(f"#{board['number']} {board['title']}\n")
print(board["body"])
PY

step "再运行一次：没有新的变化，不重复发送提醒" "zzxt sla check … --now $now --apply"
"$zzxt" sla check "${forge[@]}" --now "$now" --apply | tail -2
kill "$sandbox_pid" 2>/dev/null || true

step "构建常见问题知识库，在本机提供访问" "make site && make serve"
"$python" scripts/fetch_site_assets.py
NO_MKDOCS_2_WARNING=1 "$python" -m mkdocs build --strict --quiet
port=${PORT:-$("$python" -c '
import socket
for port in range(8000, 8100):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
')}
printf '\n知识库已构建到 site/（共 %s 篇常见问题），访问地址：\033[1mhttp://127.0.0.1:%s/\033[0m\n按 Ctrl-C 结束。\n' \
  "$(find docs/faq -name '*.md' | wc -l)" "$port"
"$python" -m http.server "$port" --bind 127.0.0.1 --directory site
