"""Last line of defence against personal data in clear, in anything a clerk or an operator sees (quarantine
values and records, audit and error messages, reports, Dagster events).

Declared personal columns are hashed (pseudonymise.py). Everything else that comes from a file goes
through one of:

- `redact_value` (a cell, a sheet name, any other text taken from a file): an allowlist. The value is
  shown only when it is demonstrably not personal: numbers, dates, amounts and codes (that do not look
  like an ID, a bank card, a mobile or a landline), words of the domain's vocabulary (the spec's headers
  and categories, division names, units after a number, common cell words), or a mix of these. Anything
  else, a value spanning several lines (a record swallowed by a stray quote) or a long text, is replaced
  by a placeholder that tells the clerk where to look. A blacklist of name shapes always misses names
  (𠮷祥, 亓官雪, 买买提·艾力): this does not try to recognise names at all.
- `redact_public` (a column that is public by nature, `Column.public`: an institution's name): shown,
  with IDs and phone numbers masked; several lines or a long text are hidden as above.
- `redact_text` (messages the pipeline writes, which quote numbers: row numbers, amounts, codes): IDs,
  phone and card numbers masked. Text from a file must not reach it unredacted (use redact_value).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

MASK_ID = "［身份证号已脱敏］"
MASK_PHONE = "［电话已脱敏］"
MASK_CARD = "［卡号已脱敏］"
MASK_NAME = "［疑似姓名已脱敏］"
MASK_NUMBER = "［数字已脱敏］"
MASK_HIDDEN = "［内容已隐藏（可能含个人信息），请在原文件该行该列查看］"
MASK_MULTILINE = "［多行内容已隐藏（可能是引号未闭合而合并的多条记录），请在原文件该行该列查看］"
MASK_LABEL = "［名称已隐藏（可能含个人信息）］"
MASKS = (MASK_ID, MASK_PHONE, MASK_CARD, MASK_NAME, MASK_NUMBER, MASK_HIDDEN, MASK_MULTILINE, MASK_LABEL)

_DIGITS = r"0-9０-９"
_B = r"0-9０-９A-Za-z"  # an ID is not part of a longer code or a hex key
# 18-digit ID (check X), 15-digit old ID, bank card 16-19 digits, IDs stored as numbers (6.10602E+17),
# mobile numbers (optionally +86 / spaced / dashed), landlines with an area code (0911-8234567,
# (0911)8234567, 0911 8234567, 09118234567, with an extension).
_ID18 = re.compile(rf"(?<![{_B}])[{_DIGITS}]{{17}}[{_DIGITS}XxＸｘ](?![{_B}])")
_LONG = re.compile(rf"(?<![{_B}])[{_DIGITS}]{{15,19}}(?![{_B}])")
_SCI = re.compile(r"(?<![0-9])[0-9]\.[0-9]{4,}[eE]\+?1[4-9](?![0-9])")
_MOBILE = re.compile(rf"(?<![{_B}])(?:\+?86[-\s]?)?1[3-9][{_DIGITS}](?:[-\s]?[{_DIGITS}]){{8}}(?![{_B}])")
_SPACED_ID = re.compile(r"(?<![0-9A-Za-z])\d{6}[\s-]\d{8}[\s-]\d{3}[\dXx](?![0-9A-Za-z])")
_SPACED_CARD = re.compile(r"(?<![0-9])\d{4}(?:[\s-]\d{4}){3,4}(?:[\s-]\d{1,3})?(?![0-9])")
_D = f"[{_DIGITS}]"
_LANDLINE = re.compile(
    rf"(?<![{_B}])(?:\+?86[-\s]?)?(?:[(（]\s*[0０]{_D}{{2,3}}\s*[)）]|[0０]{_D}{{2,3}})[-－—\s]*"
    rf"{_D}{{3,4}}[-－\s]?{_D}{{4}}(?:(?:[-－转]|ext\.?){_D}{{1,5}})?(?![{_B}])"
)
# A bare 7- or 8-digit number may be a local phone number (8234567): hidden in a cell unless it has a
# decimal point or grouping (an amount) or reads as a date (20240605).
_LOCAL = re.compile(rf"(?<![{_B}.,．，])[1-9１-９]{_D}{{6,7}}(?![{_B}.,．，])")
_DATE8 = re.compile(r"^(?:19|20)[0-9]{2}[01][0-9][0-3][0-9]$")  # a date, or a mistyped one

# Kept for callers that still ask (tests, reports): the shape of a common Chinese name. redact_value does
# not rely on it any more.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
    "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫"
    "寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
SURNAMES |= {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒"}
_NAME = re.compile(r"^[\u4e00-\u9fff·•]{2,4}$")

# Words clerks write in cells, and words of the domain, that are not names (shown so the clerk can fix
# them). The spec's headers, aliases, titles and categories and the division names are added at first use.
NOT_NAMES = {
    "不详",
    "待核",
    "待定",
    "未知",
    "无",
    "同上",
    "合计",
    "小计",
    "总计",
    "男",
    "女",
    "暂无",
    "空",
    "其他",
}


def _words(text: str) -> list[str]:
    return text.split()


_WORDS = _words(
    "不详 待核 待定 未知 同上 暂无 其他 空白 缺失 错误 有误 无效 重复 见附件 见备注 备注 说明 注释 "
    "合计 小计 总计 累计 共计 总合计 本页小计 本页合计 本月合计 "
    "城市 农村 城乡 城镇 低保 特困 供养 集中 分散 临时 救助 医疗 教育 住房 残疾 孤儿 五保 优抚 "
    "敬老院 养老院 养老 公办 民办 机构 社区 日间 照料 中心 互助 幸福院 服务 设施 福利 社会 "
    "志愿者 志愿 队伍 活动 彩票 网点 销售 游戏 "
    "新增 停保 注销 退出 迁出 迁入 死亡 已故 正常 暂停 恢复 补发 扣发 "
    "男性 女性 单位 金额 人数 人口 家庭 户主 本人 配偶 子女 父母 "
    "整数 数字 文本 日期 年月 编号 代码 号码 类别 类型 等级 星级 时长 "
    "小时 分钟 周岁 万元 对象 花名册 工作表 表格 模板 汇总 明细 数据 附件 统计 报表 目录 封面 填报 "
    "旧版 新版 本月 上月 全年 年度 季度 月份 更正 更新 修正 副本 复制 最终 终版 联系电话 电话 "
    "填表 批次 上半月 下半月 修改 修订 空表 空模板 草稿 备份 分表"
)
_SINGLE = {"男", "女", "无", "空", "是", "否", "有", "略", "同", "缺", "亡", "注", "/", "-"}
# After a number only: 800元, 3人, 2级, 5张, 2024年6月5日, 8小时.
_UNITS = sorted(
    _words(
        "元 万元 角 分 人 户 名 位 个 张 级 岁 周岁 年 月 日 号 次 天 小时 时 分钟 床 间 所 期 倍 份 项 条 行 页 批"
    ),
    key=len,
    reverse=True,
)
_NUMERALS = "一二三四五六七八九十零〇两百千万亿"
_NUMERAL_START = "一二三四五六七八九十零〇两"
_ASCII_WORDS = {
    "true",
    "false",
    "yes",
    "no",
    "nan",
    "inf",
    "infinity",
    "null",
    "none",
    "na",
    "n",
    "a",
    "ref",
    "value",
    "div",
    "num",
    "name",
    "rmb",
    "cny",
    "kg",
    "km",
    "ok",
    "id",
    "nat",
    "error",
    "max",
    "min",
    "sum",
    "total",
    "sheet",
    "xlsx",
    "xls",
    "csv",
    "txt",
    "tsv",
    "htm",
    "html",
    "xml",
    "et",
    "xlsm",
    "xltx",
    "xltm",
    # file types a clerk may drop by mistake (reported as not importable, named in the message)
    "xlsb",
    "ods",
    "zip",
    "rar",
    "7z",
    "bak",
    "pdf",
    "doc",
    "docx",
    "wps",
    "dbf",
    "tmp",
    "copy",
    "final",
    "new",
    "old",
}
_MAX_SHOWN = 64  # longer text is not a code, a number or a category: hidden
_MAX_PUBLIC = 120
_LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_MASK_TOKENS = re.compile("|".join(re.escape(m) for m in MASKS))
# Tokens of the NFKC form: numbers, ASCII words/codes, punctuation and spaces; every other run (Chinese,
# any other script, symbols) must be read as domain words.
_TOKENS = re.compile(
    r"(?P<code>[0-9_]*[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<num>[0-9]+(?:[.,][0-9]+)*)"
    r"|(?P<punct>[\s!-/:-@\[-`{-~、，。：；！？“”‘’《》〈〉【】〔〕（）—…·•￥¥％‰°℃々～『』「」]+)"
    r"|(?P<word>[^\sA-Za-z0-9!-/:-@\[-`{-~、，。：；！？“”‘’《》〈〉【】〔〕（）—…·•￥¥％‰°℃々～『』「」]+)"
)
_HEX_DIGEST = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$")


def strip_invisible(text: str) -> str:
    """Remove invisible format characters (Unicode Cf: zero-width spaces, BOM, soft hyphen, joiners)."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def looks_like_name(value: str) -> bool:
    """A short all-Chinese value starting with a common surname (a hint only: see redact_value)."""
    v = value.strip()
    if v in NOT_NAMES or not _NAME.match(v):
        return False
    return v[0] in SURNAMES or v[:2] in SURNAMES


def redact_text(text: str | None) -> str | None:
    """Mask IDs, phone (mobile and landline) and card numbers inside free text (messages)."""
    if not text:
        return text
    out = _SPACED_ID.sub(MASK_ID, text)
    out = _ID18.sub(MASK_ID, out)
    out = _SCI.sub(MASK_ID, out)
    out = _SPACED_CARD.sub(MASK_CARD, out)
    out = _LONG.sub(MASK_CARD, out)
    out = _MOBILE.sub(MASK_PHONE, out)
    out = _LANDLINE.sub(MASK_PHONE, out)
    return out


def _mask_local(match: re.Match[str]) -> str:
    digits = unicodedata.normalize("NFKC", match.group(0))
    return match.group(0) if _DATE8.match(digits) else MASK_PHONE


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


@cache
def _vocabulary() -> tuple[frozenset[str], frozenset[str], int]:
    """(whole values, words of 2+ characters, longest word): the spec's headers, aliases, titles and
    categories, the division names of the reference data, and _WORDS."""
    from .spec import SOURCES

    whole: set[str] = set(NOT_NAMES) | _SINGLE
    texts: list[str] = list(_WORDS)
    for spec in SOURCES.values():
        texts.append(spec.title_zh)
        for col in spec.columns:
            texts += [col.header, *col.aliases, *col.categories]
    try:
        from ..reference.region import divisions

        texts += [t for d in divisions() for t in (d.name_zh, d.short_name_zh) if t]
    except (OSError, ValueError, KeyError):  # no reference data: the words of the spec still apply
        pass
    words: set[str] = set()
    for text in texts:
        whole.add(_norm(text))
        for m in _TOKENS.finditer(unicodedata.normalize("NFKC", text)):
            if m.lastgroup == "word" and len(m.group()) >= 2:
                words.add(m.group())
    words |= set(_UNITS) - {u for u in _UNITS if len(u) == 1}
    return frozenset(whole), frozenset(words), max(map(len, words))


def _domain_run(run: str, after_number: bool) -> bool:
    """True if a run of non-ASCII letters reads entirely as domain words, numerals with a unit, or (right
    after a number) a unit: 城乡低保, 二级, 六月, 年 in 2024年. Single characters only as units."""
    _, words, longest = _vocabulary()
    n = len(run)
    reach = [False] * (n + 1)
    reach[0] = True
    if after_number:
        for u in _UNITS:
            if run.startswith(u):
                reach[len(u)] = True
    for i in range(n):
        if not reach[i]:
            continue
        for j in range(min(n, i + longest), i + 1, -1):
            if run[i:j] in words:
                reach[j] = True
        if run[i] in _NUMERAL_START:
            j = i + 1
            while j < n and run[j] in _NUMERALS:
                j += 1
            if j == n:
                reach[n] = True
            for u in _UNITS:
                if run.startswith(u, j):
                    reach[j + len(u)] = True
    return reach[n]


def _shown_as_domain(text: str) -> bool:
    """True if `text` (masks already removed) is made only of numbers, codes, punctuation and domain
    words: nothing in it can be a name."""
    t = unicodedata.normalize("NFKC", strip_invisible(text))
    if not t.strip():
        return True
    whole, _, _ = _vocabulary()
    if _norm(t) in whole:
        return True
    prev = ""
    tokens = [(m.lastgroup, m.group()) for m in _TOKENS.finditer(t)]
    for i, (kind, tok) in enumerate(tokens):
        if kind == "word" and tok.endswith("第") and i + 1 < len(tokens) and tokens[i + 1][0] == "num":
            tok = tok[:-1]  # 第 before a number (第1批, 第2页): an ordinal
            if not tok:
                prev = kind
                continue
        if kind == "code" and not any(c.isdigit() for c in tok):
            low = tok.lower()
            if not (low in _ASCII_WORDS or len(tok) == 1 or _HEX_DIGEST.match(low)):
                return False
        elif kind == "word" and not _domain_run(tok, prev in ("num", "code_digit")):
            return False
        if kind != "punct" or not tok.isspace():  # 800 元: the unit still follows the number
            prev = "code_digit" if kind == "code" and tok[-1].isdigit() else kind
    return True


# Values redact_value returns unchanged, as a pattern polars can apply to a whole column at once (the
# common clean cells: amounts, counts, canonical dates, township and division codes; at most 6 decimals:
# a long run of digits after a point may be an ID typed as a number), and the exact
# category values of the spec: callers skip them before calling redact_value on the rest.
SHOWN_AS_IS = (
    r"^(?:[0-9]{1,6}(?:\.[0-9]{1,6})?|[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,6})?"
    r"|(?:19|20)[0-9]{2}-[0-9]{2}(?:-[0-9]{2})?|[1-9][0-9]{8}|[1-9][0-9]{11})$"
)


@cache
def shown_words() -> frozenset[str]:
    """The spec's category values and NOT_NAMES, which redact_value returns unchanged."""
    from .spec import SOURCES

    return frozenset(NOT_NAMES) | {v for s in SOURCES.values() for c in s.columns for v in c.categories}


@lru_cache(maxsize=1 << 16)
def redact_value(value: str | None) -> str | None:
    """A value from a file shown to a clerk: kept when demonstrably not personal (numbers, dates, amounts,
    codes, domain words), IDs and phone numbers in it masked; otherwise a placeholder."""
    if value is None:
        return None
    if _LINE_BREAKS.search(value.strip()):
        return MASK_MULTILINE
    if len(value) > _MAX_SHOWN:
        return MASK_HIDDEN
    out = redact_text(value) or value
    out = _LOCAL.sub(_mask_local, out)
    rest = _MASK_TOKENS.sub(" ", out)
    return out if _shown_as_domain(rest) else MASK_HIDDEN


def redact_public(value: str | None) -> str | None:
    """A value of a column that is public by nature (Column.public): shown, with IDs and phone numbers
    masked; several lines or a long text hidden."""
    if value is None:
        return None
    if _LINE_BREAKS.search(value.strip()):
        return MASK_MULTILINE
    if len(value) > _MAX_PUBLIC:
        return MASK_HIDDEN
    return redact_text(value)


def redact_label(text: str) -> str:
    """A sheet name, a header cell or a part of a file name quoted in a message: as redact_value shows
    it, with a placeholder that does not point to a cell."""
    shown = redact_value(text) or ""
    return MASK_LABEL if shown in (MASK_HIDDEN, MASK_MULTILINE) else shown


_NAME_PARTS = re.compile(r"([_\-\s()（）.]+)")


def redact_file_name(relative: str) -> str:
    """A landing-relative path as it may be recorded and shown: the folders (source and month, chosen by
    the pipeline) as they are; each part of the file name (county code, county name, 更正1, program)
    as redact_label shows it. A person's name or a phone number in a file name is not shown."""
    folder, _, name = relative.rpartition("/")
    parts = _NAME_PARTS.split(redact_text(name) or "")  # 0911-8234567 is one number, not two parts
    shown = "".join(p if i % 2 or not p else redact_label(p) for i, p in enumerate(parts))
    return f"{folder}/{shown}" if folder else shown


def contains_personal(text: str) -> bool:
    """True if `text` still holds something redact_text would mask (for tests and assertions)."""
    return redact_text(text) != text
