"""Loading and validating the source registry: good files, each kind of bad file, overrides, scopes."""

from __future__ import annotations

import json
import textwrap
import urllib.request
from pathlib import Path

import pytest

from ogi_scrape.errors import NotFound, UsageError
from ogi_scrape.sources import load_registry, register_family, sources_for, sources_in
from ogi_scrape.sources.registry import BUNDLED, known_families, load_file

ROOT = Path(__file__).resolve().parents[1]
LUDING_REPLICA = ROOT / "fixtures" / "portals" / "www.luding.gov.cn"

GOOD = """\
code = "513322"
name = "泸定县人民政府"
base_url = "http://www.luding.gov.cn/"
family = "ganzi"
site_id_code = "5133220001"
[politeness]
delay = 2.0
concurrency = 1
[options]
list_endpoint = "/site-service/c/manuscript/getManuscriptListByColumnId"
[[columns]]
kind = "government"
url = "http://www.luding.gov.cn/ldxrmzf2024zfnbzf/c/1234"
column_id = "1234"
folder = "ldxrmzf2024zfnbzf"
year = 2024
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path, text, name="bad.toml") -> str:
    path = write(tmp_path, name, text)
    with pytest.raises(UsageError) as info:
        load_file(path)
    message = info.value.message
    assert str(path) in message, "the error must name the file"
    return message


# ------------------------------------------------------------------ good files


def test_a_good_file_loads_with_every_field(tmp_path):
    source = load_file(write(tmp_path, "513322-mine.toml", GOOD))
    assert source.id == "513322-mine" and source.code == "513322"
    assert source.family == "ganzi" and source.host == "www.luding.gov.cn"
    assert source.politeness.delay == 2.0 and source.politeness.concurrency == 1
    (column,) = source.columns
    assert (column.kind, column.column_id, column.year) == ("government", "1234", 2024)
    assert column.get("folder") == "ldxrmzf2024zfnbzf"
    assert source.options["list_endpoint"].startswith("/site-service/")
    assert source.path.name == "513322-mine.toml"


def test_only_required_keys_are_needed(tmp_path):
    source = load_file(write(tmp_path, "x.toml", """\
        code = "110105"
        name = "北京市朝阳区人民政府"
        base_url = "https://www.bjchy.gov.cn/"
        family = "generic"
        """))
    assert source.columns == () and source.politeness.delay is None and source.enabled


def test_integer_column_id_is_kept_as_text(tmp_path):
    source = load_file(write(tmp_path, "x.toml", GOOD.replace('column_id = "1234"', "column_id = 1234")))
    assert source.columns[0].column_id == "1234"


# ------------------------------------------------------------------ bad files


@pytest.mark.parametrize("change,key,expected", [
    (('code = "513322"', 'code = "51332"'), "'code'", "6-digit"),
    (('code = "513322"', "code = 513322"), "'code'", "quoted"),
    (('code = "513322"', 'code = "519999"'), "'code'", "exists in the bundled divisions"),
    (('family = "ganzi"', 'family = "wordpress"'), "'family'", "ganzi"),
    (('base_url = "http://www.luding.gov.cn/"', 'base_url = "ftp://www.luding.gov.cn/"'),
     "'base_url'", "http"),
    (('base_url = "http://www.luding.gov.cn/"', 'base_url = "www.luding.gov.cn"'),
     "'base_url'", "http"),
    (('site_id_code = "5133220001"', 'site_id_code = "51332200"'), "'site_id_code'", "10-character"),
    (("delay = 2.0", "delay = -1"), "'politeness.delay'", ">= 0"),
    (("concurrency = 1", "concurrency = 0"), "'politeness.concurrency'", ">= 1"),
    (("concurrency = 1", "concurency = 1"), "'politeness.concurency'", "unknown key"),
    (('kind = "government"', 'kind = "gov"'), "'columns[0].kind'", "government"),
    (("year = 2024", 'year = "2024"'), "'columns[0].year'", "integer"),
    (('folder = "ldxrmzf2024zfnbzf"', 'colum_id = "1"'), "'columns[0].colum_id'", "unknown key"),
    (('url = "http://www.luding.gov.cn/ldxrmzf2024zfnbzf/c/1234"', 'url = "/ldxrmzf/c/1"'),
     "'columns[0].url'", "http"),
    (('list_endpoint = "/site', 'list_endpont = "/site'), "'options.list_endpont'", "unknown key"),
    (('family = "ganzi"', 'family = "ganzi"\nbase = "x"'), "'base'", "unknown key"),
])
def test_each_kind_of_bad_value_names_file_key_and_expectation(tmp_path, change, key, expected):
    old, new = change
    assert old in GOOD
    message = problems_of(tmp_path, GOOD.replace(old, new))
    line = next((line for line in message.splitlines() if key in line), None)
    assert line is not None, message
    assert expected in line, line


def test_missing_required_keys_are_all_reported_at_once(tmp_path):
    message = problems_of(tmp_path, 'name = "x"\n')
    for key in ("code", "base_url", "family"):
        assert f"'{key}'" in message and "missing" in message


def test_invalid_toml_names_file_and_line(tmp_path):
    message = problems_of(tmp_path, 'code = "513322\nname = "x"\n')
    assert "not valid TOML" in message and "line 1" in message


def test_non_utf8_file_is_refused_clearly(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes(GOOD.encode("gb18030"))
    with pytest.raises(UsageError) as info:
        load_file(path)
    assert "UTF-8" in info.value.message and str(path) in info.value.message


def test_non_gov_host_warns_but_loads(tmp_path):
    text = GOOD.replace("www.luding.gov.cn/\"", "luding-mirror.example.com/\"")
    registry = load_registry([write(tmp_path, "m.toml", text)], bundled=False)
    assert len(registry) == 1
    assert any("luding-mirror.example.com" in w and "mirror" in w for w in registry.warnings)


def test_site_id_of_another_division_warns(tmp_path):
    registry = load_registry([write(tmp_path, "s.toml",
                                    GOOD.replace("5133220001", "5133010001"))], bundled=False)
    assert any("5133010001" in w for w in registry.warnings)


def test_missing_or_empty_registry_paths_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_registry([tmp_path / "nope"])
    with pytest.raises(UsageError, match="no \\*.toml"):
        load_registry([tmp_path])


# ------------------------------------------------------------------ families


def test_family_list_is_data_and_adapters_can_register():
    assert {"ganzi", "trs", "hanweb", "gkmlpt", "generic"} <= set(known_families())
    register_family("testfamily_xyz", column_keys=["board"])
    try:
        assert "testfamily_xyz" in known_families()
    finally:
        from ogi_scrape.sources import registry
        registry._registered.pop("testfamily_xyz")
        registry._family_spec.cache_clear()


def test_a_registered_family_accepts_its_own_column_keys(tmp_path):
    text = GOOD.replace('family = "ganzi"', 'family = "testfamily_abc"').replace(
        'folder = "ldxrmzf2024zfnbzf"', 'board = "x"').replace(
        'list_endpoint = "/site-service/c/manuscript/getManuscriptListByColumnId"', "")
    register_family("testfamily_abc", column_keys=["board"])
    try:
        source = load_file(write(tmp_path, "f.toml", text))
        assert source.columns[0].get("board") == "x"
    finally:
        from ogi_scrape.sources import registry
        registry._registered.pop("testfamily_abc")
        registry._family_spec.cache_clear()


# ------------------------------------------------------------------ overrides and scopes


def test_user_file_with_same_id_overrides_bundled(tmp_path):
    write(tmp_path, "513322-luding.toml", GOOD.replace('name = "泸定县人民政府"', 'name = "override"'))
    registry = load_registry([tmp_path])
    (luding,) = registry.sources_for("513322")
    assert luding.name == "override" and luding.path.parent == tmp_path


def test_user_file_for_same_division_and_host_replaces_bundled(tmp_path):
    write(tmp_path, "my-luding.toml", GOOD.replace("delay = 2.0", "delay = 5.0"))
    registry = load_registry([tmp_path])
    (luding,) = registry.sources_for("513322")
    assert luding.id == "my-luding" and luding.politeness.delay == 5.0


def test_a_county_may_have_several_sources_and_disabled_ones_are_skipped(tmp_path):
    write(tmp_path, "513322-second.toml", GOOD.replace("www.luding.gov.cn", "zwgk.luding.gov.cn"))
    write(tmp_path, "513322-off.toml",
          "enabled = false\n" + GOOD.replace("www.luding.gov.cn", "old.luding.gov.cn"))
    registry = load_registry([tmp_path])
    assert {s.host for s in registry.sources_for("513322")} == {"www.luding.gov.cn",
                                                                "zwgk.luding.gov.cn"}
    assert len(registry.sources_for("513322", include_disabled=True)) == 3


def test_sources_in_scopes_by_province_county_and_name(tmp_path):
    write(tmp_path, "110105-chaoyang.toml", """\
        code = "110105"
        name = "北京市朝阳区人民政府"
        base_url = "http://www.bjchy.gov.cn/"
        family = "generic"
        """)
    registry = load_registry([tmp_path])
    assert [s.code for s in registry.sources_in(province="四川")] == ["513322"]
    assert [s.code for s in registry.sources_in(county="泸定")] == ["513322"]
    assert [s.code for s in registry.sources_in(county="甘孜州")] == ["513322"]
    assert [s.code for s in registry.sources_in(province="北京")] == ["110105"]
    assert [s.id for s in registry.sources_in(only=["110105-chaoyang"])] == ["110105-chaoyang"]
    with pytest.raises(NotFound, match="nonexistent"):
        registry.sources_in(only=["nonexistent"])
    with pytest.raises(UsageError):
        registry.sources_in(county="朝阳")   # ambiguous names are refused, not guessed


# ------------------------------------------------------------------ the bundled Luding entry


def test_bundled_registry_loads_and_every_file_is_a_source():
    registry = load_registry()     # raises if any bundled file is invalid
    assert {s.id for s in registry} == {p.stem for p in BUNDLED.glob("*.toml")}
    assert not [w for w in registry.warnings if "513322-luding" in w]


def test_luding_entry_resolves_to_513322():
    (luding,) = sources_for("513322")
    assert luding.id == "513322-luding"
    assert luding.division.name == "泸定县" and luding.division.prefecture == "甘孜藏族自治州"
    assert luding.base_url == "http://www.luding.gov.cn/" and luding.family == "ganzi"
    assert luding.politeness.delay == 2.0 and luding.politeness.concurrency == 1
    folders = {c.get("folder") for c in luding.columns}
    assert {"ldxrmzf2024zfnbzf", "xzbmxxgk2023n"} <= folders
    assert {c.kind for c in luding.columns} >= {"government", "department"}
    assert sources_in(county="泸定") == [luding]


@pytest.mark.skipif(not (LUDING_REPLICA / "columns.json").exists(), reason="replica not present")
def test_luding_column_ids_match_the_replica_site():
    replica = json.loads((LUDING_REPLICA / "columns.json").read_text(encoding="utf-8"))
    ids = {c["folder"]: str(c["id"]) for c in replica["columns"]}
    (luding,) = sources_for("513322")
    for column in luding.columns:
        assert ids.get(column.get("folder")) == column.column_id, column


@pytest.mark.skipif(not (LUDING_REPLICA / "site.toml").exists(), reason="replica not present")
def test_luding_column_urls_answer_on_the_replica_over_http():
    from ogi_scrape.replica import ReplicaServer

    (luding,) = sources_for("513322")
    with ReplicaServer(LUDING_REPLICA.parent) as server:
        proxy = urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{server.port}"})
        opener = urllib.request.build_opener(proxy)
        for column in luding.columns:
            with opener.open(column.url, timeout=10) as response:
                assert response.status == 200, column.url


# ------------------------------------------------------------------ through the CLI


def run_cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "ogi_scrape", "regions", *args],
                          capture_output=True, text=True)


def test_cli_shows_sources_from_a_user_registry(tmp_path):
    write(tmp_path, "513322-zwgk.toml", GOOD.replace("www.luding.gov.cn", "zwgk.luding.gov.cn"))
    result = run_cli("泸定", "--sources", "--registry", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "513322-luding" in result.stdout and "513322-zwgk" in result.stdout


def test_cli_bad_registry_file_exits_2_naming_file_and_key_without_traceback(tmp_path):
    write(tmp_path, "bad.toml", GOOD.replace('family = "ganzi"', 'family = "wordpress"'))
    result = run_cli("泸定", "--sources", "--registry", str(tmp_path))
    assert result.returncode == 2
    assert "bad.toml" in result.stderr and "'family'" in result.stderr
    assert "Traceback" not in result.stderr
