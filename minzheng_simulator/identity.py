"""Vectorised generators for people: resident ID numbers (GB 11643), Chinese names, credit codes."""

from __future__ import annotations

import datetime as dt

import numpy as np

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.array(list("10X98765432"))

# Common surnames with rough frequencies (per mille of the population; northern China ordering).
_SURNAMES = (
    "王李张刘杨陈赵高黄马郭孙吴周徐曹胡朱何冯白薛贺霍师惠宋郝任强雷杜田罗梁许韩"
    "史姚乔焦万崔常袁屈冯薛兰呼拓艾贾樊折党鲍康齐武"
)
SURNAMES = np.array(list(dict.fromkeys(_SURNAMES)))
_SURNAME_W = np.linspace(3.0, 0.4, len(SURNAMES)) ** 1.6
SURNAME_P = _SURNAME_W / _SURNAME_W.sum()

MALE_CHARS = np.array(
    list("伟强军平刚建国明文华永东海军利斌亮峰杰涛超勇志俊宏斌红兵延安宁生林鹏飞波辉荣忠福春成")
)
FEMALE_CHARS = np.array(list("芳娟霞艳丽静敏燕玲萍红梅英兰秀琴花慧莉婷雪佳欣悦晶凤娥彩云娜蓉琳颖妮"))
NEUTRAL_CHARS = np.array(list("小玉文海金新春晓宇子嘉世延宝瑞"))


def id_numbers(
    prefixes: np.ndarray, birth: np.ndarray, male: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Valid, unique 18-character resident IDs.

    prefixes: 6-digit region codes (int64), birth: datetime64[D], male: bool. The 3-digit order code
    is odd for men and even for women (GB 11643); rows sharing region, birth date and sex get
    consecutive order codes from a random start, so the IDs are unique within the batch.
    """
    n = len(prefixes)
    if n == 0:
        return np.array([], dtype="<U18")
    b = birth.astype("datetime64[D]")
    years = b.astype("datetime64[Y]").astype(np.int64) + 1970
    months = b.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (b - b.astype("datetime64[M]")).astype(np.int64) + 1
    ymd = years * 10000 + months * 100 + days
    sex = male.astype(np.int64)
    key = (prefixes.astype(np.int64) * 100_000_000 + ymd) * 2 + sex
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    start = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group_start = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - group_start
    if rank.max() >= 500:
        raise ValueError("more than 500 people share a region, birth date and sex")
    offset = np.empty(n, dtype=np.int64)  # one random start per (region, birth date, sex) group
    offset[order] = rng.integers(0, 500, n)[group_start]
    seq = ((offset + rank) % 500) * 2 + sex
    body = prefixes.astype(np.int64) * 10**11 + ymd * 1000 + seq
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
    check = ID_CHECK[(digits * ID_WEIGHTS).sum(axis=1) % 11]
    return np.char.add(body.astype("<U17"), check)


def check_char(first17: str) -> str:
    return str(ID_CHECK[sum(int(d) * int(w) for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11])


def is_valid_id(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return value[17].upper() == check_char(value[:17])


def names(male: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Chinese names: surname + one or two given-name characters matching the sex."""
    n = len(male)
    sur = SURNAMES[rng.choice(len(SURNAMES), n, p=SURNAME_P)]

    def gendered() -> np.ndarray:
        return np.where(
            male,
            MALE_CHARS[rng.integers(0, len(MALE_CHARS), n)],
            FEMALE_CHARS[rng.integers(0, len(FEMALE_CHARS), n)],
        )

    c1, c2 = gendered(), gendered()
    neutral = NEUTRAL_CHARS[rng.integers(0, len(NEUTRAL_CHARS), n)]
    first = np.where(rng.random(n) < 0.35, neutral, c1)
    given = np.where(rng.random(n) < 0.78, np.char.add(first, c2), c1)
    return np.char.add(sur, given)


def random_dates(start: dt.date, end: dt.date, n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform datetime64[D] in [start, end]."""
    lo = np.datetime64(start, "D")
    span = (np.datetime64(end, "D") - lo).astype(np.int64) + 1
    return lo + rng.integers(0, max(span, 1), n).astype("timedelta64[D]")


# GB 32100 unified social credit code: 18 characters from this alphabet, last one a check character.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(authority_type: str, county6: str, rng: np.random.Generator) -> str:
    """A well-formed 统一社会信用代码: 2-char registration type (12 事业单位, 52 民办非企业单位), the 6-digit
    county code, a 9-character organisation code and the GB 32100 check character."""
    org = (
        "".join(CREDIT_ALPHABET[i] for i in rng.integers(0, 10, 8))
        + CREDIT_ALPHABET[int(rng.integers(0, 31))]
    )
    body = authority_type + county6 + org
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return body + CREDIT_ALPHABET[(31 - total % 31) % 31]


def village_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Village names in the 陕北 style: 王家沟, 李家湾, 高家峁 ..."""
    tails = np.array(list("沟湾坪塬峁畔河庄洼岔台山"))
    sur = SURNAMES[rng.choice(len(SURNAMES), n, p=SURNAME_P)]
    return np.char.add(np.char.add(sur, "家"), tails[rng.integers(0, len(tails), n)])
