#!/usr/bin/env python3
"""Fills ui/src/locales/zh-TW.json: every key zh-CN.json has and zh-TW.json lacks gets the
zh-CN text converted to Traditional Chinese with Taiwan phrasing (OpenCC, config s2twp),
with the service terms that were reviewed by hand taken from OVERRIDES instead.

Texts already in zh-TW.json are kept as they are (they may have been edited by hand);
keys zh-CN.json no longer has are dropped. The file is written in zh-CN.json's key order.

OpenCC is a development tool here, not a dependency of the app:
    python3 -m venv .venv-opencc && .venv-opencc/bin/pip install opencc
    .venv-opencc/bin/python scripts/zh-tw-fill.py           # fill and write
    .venv-opencc/bin/python scripts/zh-tw-fill.py --check   # list what is missing, write nothing
    echo 维修委托书 | .venv-opencc/bin/python scripts/zh-tw-fill.py --convert   # convert stdin
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZH_CN = ROOT / "ui/src/locales/zh-CN.json"
ZH_TW = ROOT / "ui/src/locales/zh-TW.json"

# Simplified term -> the Traditional term a Taiwan service station uses, reviewed against the
# manuals in /work/shared/seeds/ (002 and 003 are in Traditional Chinese) and docs' domain terms.
# They are protected from OpenCC's phrase table, which reads some of them as computing words
# (项目 -> 專案 "project", 代码 -> 程式碼 "source code", 文件 -> 檔案 "file", 类型 -> 型別 "type").
OVERRIDES = {
    # the order and its people (domain.md; 000 and 002 write 工單)
    "工单": "工單",
    "技师": "技師",
    "质检": "質檢",
    "交车": "交車",
    "接车": "接車",
    "里程": "里程",
    "车牌": "車牌",
    "车架号": "車架號",
    "回访": "回訪",
    "客诉": "客訴",
    "投诉": "投訴",
    "维修委托书": "維修委託書",
    "服务顾问": "服務顧問",
    "站长": "站長",
    # words OpenCC's Taiwan phrases get wrong in a repair shop
    "项目": "項目",  # a repair item, not a project
    "代码": "代碼",  # station code, labor code, fault code
    "故障码": "故障碼",
    "文件": "文件",  # a printed, signed document (档案 still becomes 檔案: an archive)
    "类型": "類型",
    "对象": "對象",
    "权限": "權限",
    "视图": "視圖",
    "俯视": "俯視",
    "质量": "品質",  # quality, as Taiwan says it (質量 is mass)
    "保修": "保固",
    "刹车": "煞車",
    "划痕": "刮痕",
    "账": "帳",  # 帳號, 轉帳, 掛帳
    "台账": "台帳",
    "会签": "會簽",
    "响应": "回應",
    "自定义": "自訂",
    "二维码": "QR碼",
    "渠道": "管道",
    "分区": "分區",  # a region of stations, not a disk partition (分割槽)
    "仪表盘": "儀表板",  # the car's instrument panel, as Taiwan calls it
}


def _converter():
    try:
        import opencc
    except ImportError:
        sys.exit("OpenCC is not installed: python3 -m venv .venv-opencc && .venv-opencc/bin/pip install opencc")
    return opencc.OpenCC("s2twp")


def convert(text: str, cc=None) -> str:
    """`text` in Traditional Chinese with Taiwan phrasing, the reviewed terms from OVERRIDES."""
    cc = cc or _converter()
    # Private-use characters stand in for the reviewed terms while OpenCC runs, longest first
    # so that 车架号 is not split into 车 + 架号.
    terms = sorted(OVERRIDES, key=len, reverse=True)
    for i, term in enumerate(terms):
        text = text.replace(term, chr(0xE000 + i))
    text = cc.convert(text)
    for i, term in enumerate(terms):
        text = text.replace(chr(0xE000 + i), OVERRIDES[term])
    return text


def fill(source, target, cc, path=""):
    """`source`'s tree with `target`'s texts where it has them, converted ones elsewhere."""
    out, added = {}, []
    for key, value in source.items():
        here = f"{path}.{key}" if path else key
        mine = target.get(key) if isinstance(target, dict) else None
        if isinstance(value, dict):
            out[key], more = fill(value, mine if isinstance(mine, dict) else {}, cc, here)
            added += more
        elif isinstance(mine, str) and mine.strip():
            out[key] = mine
        else:
            out[key] = convert(value, cc)
            added.append(here)
    return out, added


def main(argv):
    if "--convert" in argv:
        cc = _converter()
        sys.stdout.write(convert(sys.stdin.read(), cc))
        return 0
    source = json.loads(ZH_CN.read_text(encoding="utf-8"))
    target = json.loads(ZH_TW.read_text(encoding="utf-8")) if ZH_TW.exists() else {}
    filled, added = fill(source, target, _converter())
    if "--check" in argv:
        for key in added:
            print(key)
        print(f"{len(added)} key(s) missing in zh-TW.json", file=sys.stderr)
        return 1 if added else 0
    ZH_TW.write_text(json.dumps(filled, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"zh-TW.json: {len(added)} key(s) filled", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
