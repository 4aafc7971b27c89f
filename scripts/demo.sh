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

# The city's tracker (GitHub face of the same sandbox) under the example city policy, whose
# upstream is the province's tracker above (Gitea face).
sed -e 's#^extends: .*#extends: builtin:guangdong.yml#' \
    -e "s#^  forge: github#  forge: gitea#" -e "s#^  url: https://github.com#  url: $url#" \
    tracker/policies/examples/city-foshan.yml > "$out/佛山市.yml"
city=(--forge github --url "$url" --repo fs/support --write-interval 0)
as_city() { ZZXT_TOKEN=demo-foshan-bot-token ZZXT_UPSTREAM_TOKEN=demo-foshan-up-token \
  "$zzxt" --policy "$out/佛山市.yml" "$@"; }

step "地市台账（示例：佛山市）的政策继承省级政策，只改本市的部分" "zzxt --policy 佛山市.yml policy show"
as_city policy show | sed -n '/^层级/,/^  forms.intro/p'
echo "  ……"
as_city sync "${city[@]}" --apply | tail -1

step "佛山市台账上的问题本级无法解决，报省级台账（第八条）" \
  "zzxt --policy 佛山市.yml escalate --forge github … --repo fs/support --issue 1 --apply"
as_city escalate "${city[@]}" --issue 1 --apply
as_city escalate "${city[@]}" --issue 1 --apply | tail -1 | sed 's/^/再运行一次：/'

step "省助学办答复并办结上级问题，地市台账的定时任务把答复同步回来" \
  "zzxt --policy 佛山市.yml mirror --forge github … --repo fs/support --apply"
"$python" - "$url" <<'PY'
import sys
import httpx
url = sys.argv[1]
staff = {"Authorization": "token demo-staff-token"}
issues = httpx.get(f"{url}/api/v1/repos/gdzz/support/issues", params={"state": "open", "type": "issues", "limit": 50},
                   headers=staff).json()
up = next(i for i in issues if i["user"]["login"] == "foshan-up")
print(f"省级台账 #{up['number']} {up['title']}")
print("  标签：" + "、".join(label["name"] for label in up["labels"]))
httpx.post(f"{url}/api/v1/repos/gdzz/support/issues/{up['number']}/comments", headers=staff,
           json={"body": "已核查：学籍同步延迟所致，今晚同步后人数一致，请明天重新统计。"}).raise_for_status()
httpx.patch(f"{url}/api/v1/repos/gdzz/support/issues/{up['number']}", headers=staff,
            json={"state": "closed"}).raise_for_status()
PY
as_city mirror "${city[@]}" --apply
"$python" - "$url" <<'PY'
import sys
import httpx
url = sys.argv[1]
issue = httpx.get(f"{url}/api/v3/repos/fs/support/issues/1", headers={"Authorization": "token demo-foshan-bot-token"}).json()
comments = httpx.get(issue["comments_url"], headers={"Authorization": "token demo-foshan-bot-token"}).json()
print(f"\n佛山市台账 #1（{'已关闭' if issue['state'] == 'closed' else '未关闭'}）标签：" + "、".join(label["name"] for label in issue["labels"]))
for comment in comments:
    text = "\n".join(line for line in comment["body"].splitlines() if not line.startswith("<!--"))
    print(f"--- {comment['user']['login']}：\n{text}")
PY

step "从省级台账按学段导出附件2（应用类及技术类问题反馈表）" \
  "zzxt attachments export --form 2 --forge gitea … --since 2025-09-26 --until 2025-10-13 --out 附件2.xlsx"
"$zzxt" attachments export --form 2 "${forge[@]}" --since 2025-09-26 --until 2025-10-13 \
  --out "$out/附件2.xlsx" --now "$now"
"$python" - "$out/附件2.xlsx" <<'PY'
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
ws = wb["义务教育"]
print(f"工作表：{'、'.join(wb.sheetnames[:-1])}")
print(f"“义务教育”工作表：{ws['A2'].value}")
for row in ws.iter_rows(min_row=4, max_row=min(ws.max_row, 7), max_col=11, values_only=True):
    print("  " + " | ".join("" if v is None else str(v) for v in row))
PY
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
