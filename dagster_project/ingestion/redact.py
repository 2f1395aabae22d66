"""Last line of defence against personal data in clear: mask what looks like an ID, a phone number, a bank
card or a person's name in any free text that leaves a worker (quarantine values, audit and error
messages, reports, Dagster events).

Declared personal columns are hashed (pseudonymise.py); this catches the rest: a row shifted by one cell
that puts an ID into the 性别 column, a name typed into 序号, a message quoting a cell.
"""

from __future__ import annotations

import re

MASK_ID = "［身份证号已脱敏］"
MASK_PHONE = "［电话已脱敏］"
MASK_CARD = "［卡号已脱敏］"
MASK_NAME = "［疑似姓名已脱敏］"
MASK_NUMBER = "［数字已脱敏］"

_DIGITS = r"0-9０-９"
_B = r"0-9０-９A-Za-z"  # an ID is not part of a longer code or a hex key
# 18-digit ID (check X), 15-digit old ID, bank card 16-19 digits, IDs stored as numbers (6.10602E+17),
# mobile numbers (optionally +86 / spaced / dashed).
_ID18 = re.compile(rf"(?<![{_B}])[{_DIGITS}]{{17}}[{_DIGITS}XxＸｘ](?![{_B}])")
_LONG = re.compile(rf"(?<![{_B}])[{_DIGITS}]{{15,19}}(?![{_B}])")
_SCI = re.compile(r"(?<![0-9])[0-9]\.[0-9]{4,}[eE]\+?1[4-9](?![0-9])")
_MOBILE = re.compile(rf"(?<![{_B}])(?:\+?86[-\s]?)?1[3-9][{_DIGITS}](?:[-\s]?[{_DIGITS}]){{8}}(?![{_B}])")
_SPACED_ID = re.compile(r"(?<![0-9A-Za-z])\d{6}[\s-]\d{8}[\s-]\d{3}[\dXx](?![0-9A-Za-z])")
_SPACED_CARD = re.compile(r"(?<![0-9])\d{4}(?:[\s-]\d{4}){3,4}(?:[\s-]\d{1,3})?(?![0-9])")

# The most common Chinese surnames (about 90% of the population): a short all-Chinese value starting with
# one of them, where a name is not expected, is masked.
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
# Words clerks write in cells that are not names (kept visible so the clerk can fix them).
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


def looks_like_name(value: str) -> bool:
    v = value.strip()
    if v in NOT_NAMES or not _NAME.match(v):
        return False
    return v[0] in SURNAMES or v[:2] in SURNAMES


def redact_text(text: str | None) -> str | None:
    """Mask IDs, phone and card numbers inside free text (messages, raw values)."""
    if not text:
        return text
    out = _SPACED_ID.sub(MASK_ID, text)
    out = _ID18.sub(MASK_ID, out)
    out = _SCI.sub(MASK_ID, out)
    out = _SPACED_CARD.sub(MASK_CARD, out)
    out = _LONG.sub(MASK_CARD, out)
    out = _MOBILE.sub(MASK_PHONE, out)
    return out


def redact_value(value: str | None) -> str | None:
    """A single cell shown to a clerk: masked if it looks personal (as redact_text, plus names)."""
    if value is None:
        return None
    if looks_like_name(value):
        return MASK_NAME
    return redact_text(value)


def contains_personal(text: str) -> bool:
    """True if `text` still holds something redact_text would mask (for tests and assertions)."""
    return redact_text(text) != text
