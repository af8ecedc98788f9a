"""How people shorten Chinese division names, so ``泸定`` finds 泸定县 and ``甘孜`` finds 甘孜藏族自治州.

Reports, portals and users rarely write a division's full official name: a title says
"甘孜州", a researcher types "泸定", a path says "四川/甘孜/泸定". The generator stores the
derived short name in the CSV and the resolver applies the same rules to queries, so both
sides agree. The rules are deliberately conservative: a suffix is stripped only when at least
two characters remain (涉县 stays 涉县, 城区 stays 城区), because one-character names collide
with everything.
"""

from __future__ import annotations

# Longest first: "自治县" must win over "县", "特别行政区" over "区".
ADMIN_SUFFIXES: tuple[str, ...] = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗",
    "地区", "林区", "特区", "矿区", "新区",
    "省", "市", "县", "区", "旗", "盟",
)

# The 55 recognised minority nationalities, as they appear inside autonomous-area names
# (甘孜藏族自治州, 积石山保安族东乡族撒拉族自治县, 伊犁哈萨克自治州 – the last without 族).
ETHNIC_GROUPS: tuple[str, ...] = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
# Longest first so 土家 is tried before 土, 东乡 before 乡-less matches.
_ETHNIC_BY_LENGTH = sorted(ETHNIC_GROUPS, key=len, reverse=True)

_AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")

# Words that wrap a division name in report titles and organisation names.
_ORG_SUFFIXES = ("人民政府办公室", "人民政府", "政府")

MIN_SHORT = 2


def strip_ethnic(base: str) -> str:
    """Remove trailing nationality names: 甘孜藏族 → 甘孜, 黔南布依族苗族 → 黔南.

    One-character groups (回, 藏, 水 …) are removed only when followed by 族, because many
    place names simply end in those characters.
    """
    if base.endswith("各族") and len(base) - 2 >= MIN_SHORT:   # 龙胜各族自治县: "all nationalities"
        return base[:-2]
    changed = True
    while changed:
        changed = False
        for group in _ETHNIC_BY_LENGTH:
            for ending in (group + "族", group if len(group) > 1 else None):
                if ending and base.endswith(ending) and len(base) - len(ending) >= MIN_SHORT:
                    base = base[: -len(ending)]
                    changed = True
                    break
            if changed:
                break
    return base


def short_name(name: str) -> str:
    """The name people use in running text: 泸定县 → 泸定, 甘孜藏族自治州 → 甘孜, 内蒙古自治区 → 内蒙古."""
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_SHORT:
            base = name[: -len(suffix)]
            if suffix in _AUTONOMOUS or base.endswith("族"):   # also 管城回族区 → 管城
                base = strip_ethnic(base)
                if base.endswith("族") and len(base) - 1 >= MIN_SHORT:   # 鄂温克族自治旗 → 鄂温克
                    base = base[:-1]
            return base
    return name


def autonomous_aliases(name: str) -> list[str]:
    """Colloquial forms of autonomous areas: 甘孜藏族自治州 → 甘孜州, 峨边彝族自治县 → 峨边县.

    These are how titles and news refer to them ("甘孜州人民政府"), so they are worth indexing.
    """
    forms = {"自治州": "州", "自治县": "县", "自治旗": "旗"}
    for suffix, colloquial in forms.items():
        if name.endswith(suffix):
            base = short_name(name)
            if base != name:
                return [base + colloquial]
    return []


def clean_query(text: str) -> str:
    """Normalise a user query or an organisation name before lookup.

    Removes spaces and a trailing "人民政府"-style word, so "泸定县人民政府" resolves like "泸定县".
    """
    text = "".join(text.split())
    for suffix in _ORG_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text
