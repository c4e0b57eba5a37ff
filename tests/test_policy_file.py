"""The policy file as dated data (SPEC.md: every number is a policy parameter; DESIGN.md).

The packaged Beibei file must give exactly SPEC.md's values, each with unit and source; dates
before a parameter's first date are errors; a second dated value takes effect on its date; and
every malformed file is refused with the file, the parameter and the reason.
"""

from __future__ import annotations

import pickle
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from fayuan.policy.params import (
    SCHEMA,
    Policy,
    PolicyDateError,
    PolicyError,
    PolicyValues,
    available_policies,
    load_policy,
)

BEIBEI_FILE = Path(__file__).resolve().parents[1] / "src/fayuan/policies/beibei-2023.toml"
BEIBEI_TEXT = BEIBEI_FILE.read_text(encoding="utf-8")
EFFECTIVE = date(2023, 4, 10)
ARTICLE = re.compile(r"^第[〇零一二三四五六七八九十百千]+条")

# SPEC.md's value for every parameter (§2, §4, §5, §6, §8, §9, §10).
SPEC_VALUES: dict[str, object] = {
    "serious_criminal.min_practice_years": 3,
    "serious_criminal.min_criminal_cases": 10,
    "approval.major_group_min_persons": 50,
    "deadline.criminal_working_days": 1,
    "deadline.other_working_days": 3,
    "deadline.statutory_days": 3,  # 法律援助法第三十六、四十三条：三日
    "deadline.cap_by_statute": True,
    "calendar.next_year_reminder_from": (12, 1),
    "group.min_persons": 10,
    "group.min_handlers": 2,
    "group.handlers_by_persons": ((10, 2), (50, 3)),
    "group.major_difficult_extra_handlers": 1,
    "criminal.handlers_per_defendant": 1,
    "criminal_rotation.weight": "lawyers",
    "criminal_rotation.prefer_helping_institution": False,
    "criminal_rotation.choice_counts_as_turn": True,
    "ranking.load_window_days": 90,
    "ranking.weight.specialty": 40,
    "ranking.weight.quality": 30,
    "ranking.weight.locality": 20,
    "ranking.weight.load": 10,
    "ranking.max_share_ratio": 2,
    "handler_change.max_changes": 2,
}


@pytest.fixture(scope="module")
def beibei() -> Policy:
    return load_policy("beibei-2023")


# ---------------------------------------------------------------------------------------------
# Helpers: a copy of the Beibei file with one thing changed


def section(text: str, key: str) -> tuple[int, int]:
    """The span of `[parameters."key"]` up to the next table header (or the end)."""
    start = text.index(f'[parameters."{key}"]')
    nxt = re.compile(r"^\[", re.M).search(text, start + 1)
    return start, nxt.start() if nxt else len(text)


def in_param(key: str, old: str, new: str) -> Callable[[str], str]:
    """A mutation replacing `old` (which must occur once) by `new` inside one parameter's table."""

    def mutate(text: str) -> str:
        start, end = section(text, key)
        body = text[start:end]
        assert body.count(old) == 1, f"{old!r} not once in {key}"
        return text[:start] + body.replace(old, new) + text[end:]

    return mutate


def replace(old: str, new: str) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} not once in the file"
        return text.replace(old, new)

    return mutate


def drop_param(key: str) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        start, end = section(text, key)
        return text[:start] + text[end:]

    return mutate


def variant(tmp_path: Path, *mutations: Callable[[str], str], name: str = "variant.toml") -> Path:
    text = BEIBEI_TEXT
    for mutate in mutations:
        text = mutate(text)
        assert text != BEIBEI_TEXT
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(str(path))
    return info.value


# ---------------------------------------------------------------------------------------------
# The packaged Beibei file


def test_beibei_is_packaged() -> None:
    assert "beibei-2023" in available_policies()


def test_beibei_header(beibei: Policy) -> None:
    assert beibei.id == "beibei-2023"
    assert beibei.district == "重庆市北碚区"
    assert beibei.center == "重庆市北碚区法律援助中心"
    assert beibei.title == "重庆市北碚区法律援助案件指派工作制度（试行）"
    assert beibei.document == "北碚司发〔2023〕9号"
    assert beibei.issued_by == "重庆市北碚区司法局"
    assert beibei.effective == EFFECTIVE  # 第十五条：自正式印发之日起施行
    assert Path(beibei.path) == BEIBEI_FILE


def test_beibei_has_exactly_the_schema_parameters(beibei: Policy) -> None:
    assert set(beibei.parameters) == set(SCHEMA) == set(SPEC_VALUES)


@pytest.mark.parametrize(("key", "expected"), sorted(SPEC_VALUES.items()))
def test_beibei_value_is_specs(beibei: Policy, key: str, expected: object) -> None:
    for on in (EFFECTIVE, date(2026, 9, 30)):
        value = beibei.value(key, on)
        assert value == expected
        assert type(value) is type(expected) or (isinstance(value, float) and expected == value)


def test_beibei_values_on_is_typed(beibei: Policy) -> None:
    v = beibei.values_on(date(2026, 9, 30))
    assert v == PolicyValues(
        serious_min_practice_years=3,
        serious_min_criminal_cases=10,
        major_group_min_persons=50,
        criminal_working_days=1,
        other_working_days=3,
        statutory_days=3,
        cap_by_statute=True,
        next_year_reminder_from=(12, 1),
        group_min_persons=10,
        group_min_handlers=2,
        group_handlers_by_persons=((10, 2), (50, 3)),
        group_major_difficult_extra=1,
        criminal_handlers_per_defendant=1,
        rotation_weight="lawyers",
        rotation_prefer_helping=False,
        rotation_choice_counts_as_turn=True,
        ranking_load_window_days=90,
        ranking_weight_specialty=40.0,
        ranking_weight_quality=30.0,
        ranking_weight_locality=20.0,
        ranking_weight_load=10.0,
        ranking_max_share_ratio=2.0,
        handler_change_max_changes=2,
        effective_from=EFFECTIVE,
    )
    assert all(isinstance(w, float) for w in (v.ranking_weight_specialty, v.ranking_weight_load))


def test_values_on_is_cached_per_date(beibei: Policy) -> None:
    on = date(2025, 6, 1)
    first = beibei.values_on(on)
    assert beibei.values_on(on) is first
    assert beibei.values_on(date(2025, 6, 2)) == first


@pytest.mark.parametrize("key", sorted(SCHEMA))
def test_every_parameter_has_unit_description_and_source(beibei: Policy, key: str) -> None:
    param = beibei.parameters[key]
    assert param.unit == SCHEMA[key].unit and param.unit
    assert param.description.strip()
    # The regulation itself, or the higher law its 第十四条 points to.
    assert param.source.document in ("北碚司发〔2023〕9号", "中华人民共和国法律援助法")
    assert ARTICLE.match(param.source.article), param.source.article
    assert param.source.quote.strip()


def test_spec_chosen_readings_name_spec_and_the_law(beibei: Policy) -> None:
    note = beibei.parameters["group.min_persons"].source.note
    assert "SPEC.md §6" in note and "民事诉讼法解释第七十五条" in note
    for key in ("deadline.criminal_working_days", "deadline.other_working_days"):
        assert "民法典第二百零一条" in beibei.parameters[key].source.note
    assert "SPEC.md §4" in beibei.parameters["approval.major_group_min_persons"].source.note


def test_ranking_formula_is_written_in_the_file() -> None:
    flat = re.sub(r"\s+", " ", BEIBEI_TEXT.replace("#", " "))
    assert (
        "score = specialty_match * ranking.weight.specialty + quality / 100 * "
        "ranking.weight.quality + same_locality * ranking.weight.locality - "
        "load_per_practitioner * ranking.weight.load"
    ) in flat


def test_loading_is_fast() -> None:
    best = min(_timed_load() for _ in range(5))
    assert best < 0.050, f"loading took {best * 1000:.1f} ms"


def _timed_load() -> float:
    start = time.perf_counter()
    load_policy("beibei-2023")
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Dates: before the first date is an error; a new value takes effect on its date


@pytest.mark.parametrize("key", ["deadline.criminal_working_days", "group.min_persons"])
def test_date_before_effective_is_an_error_naming_the_key(beibei: Policy, key: str) -> None:
    the_day_before = date(2023, 4, 9)
    with pytest.raises(PolicyDateError) as info:
        beibei.value(key, the_day_before)
    assert info.value.key == key
    assert key in str(info.value) and "2023-04-09" in str(info.value)
    assert beibei.value(key, EFFECTIVE) == SPEC_VALUES[key]  # and the effective day itself works
    with pytest.raises(PolicyDateError):
        beibei.parameters[key].at(the_day_before)


def test_values_on_before_effective_is_an_error(beibei: Policy) -> None:
    with pytest.raises(PolicyDateError) as info:
        beibei.values_on(date(2023, 4, 9))
    assert info.value.key in SCHEMA
    assert str(info.value).startswith(f"政策文件 {beibei.path}：{info.value.key}：")


def test_a_datetime_is_not_a_date(beibei: Policy) -> None:
    with pytest.raises(TypeError):
        beibei.value("deadline.criminal_working_days", datetime(2026, 1, 5, 10, 0))


def test_unknown_key_asked_for(beibei: Policy) -> None:
    with pytest.raises(PolicyError) as info:
        beibei.value("deadline.civil_working_days", EFFECTIVE)
    assert "deadline.civil_working_days" in str(info.value)


def test_second_dated_value_takes_effect_on_its_date(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        in_param(
            "deadline.other_working_days",
            "values = [{ since = 2023-04-10, value = 3 }]",
            "values = [{ since = 2023-04-10, value = 3 }, { since = 2025-01-01, value = 5 }]",
        ),
    )
    policy = load_policy(str(path))
    key = "deadline.other_working_days"
    assert policy.value(key, date(2024, 12, 31)) == 3
    assert policy.value(key, date(2025, 1, 1)) == 5
    assert policy.value(key, date(2030, 1, 1)) == 5
    before, on = policy.values_on(date(2024, 12, 31)), policy.values_on(date(2025, 1, 1))
    assert (before.other_working_days, before.effective_from) == (3, EFFECTIVE)
    assert (on.other_working_days, on.effective_from) == (5, date(2025, 1, 1))
    assert before.criminal_working_days == on.criminal_working_days == 1
    assert policy.parameters[key].values == (
        (date(2023, 4, 10), 3),
        (date(2025, 1, 1), 5),
    )


def test_cross_checks_apply_on_every_change_date(tmp_path: Path) -> None:
    # min_handlers rises to 3 in 2025: the [10, 2] row is then too few, though fine in 2023.
    path = variant(
        tmp_path,
        in_param(
            "group.min_handlers",
            "values = [{ since = 2023-04-10, value = 2 }]",
            "values = [{ since = 2023-04-10, value = 2 }, { since = 2025-01-01, value = 3 }]",
        ),
    )
    err = refused(path)
    assert err.key == "group.handlers_by_persons"
    assert "2025-01-01" in err.reason and "group.min_handlers" in err.reason


# ---------------------------------------------------------------------------------------------
# Validation: each bad file is refused with file, key and reason


def _values(key: str, old_value: str, new_value: str) -> Callable[[str], str]:
    return in_param(
        key,
        f"values = [{{ since = 2023-04-10, value = {old_value} }}]",
        f"values = [{{ since = 2023-04-10, value = {new_value} }}]",
    )


BAD_FILES: list[tuple[str, list[Callable[[str], str]], str, str]] = [
    # (id, mutations, key named, fragment of the reason)
    (
        "unknown parameter",
        [replace('[parameters."ranking.weight.load"]', '[parameters."ranking.weight.loads"]')],
        "ranking.weight.loads",
        "未知参数",
    ),
    (
        "unquoted dotted key",
        [
            replace(
                '[parameters."handler_change.max_changes"]',
                "[parameters.handler_change.max_changes]",
            )
        ],
        "handler_change",
        "加引号",
    ),
    (
        "unknown field in a parameter",
        [in_param("group.min_persons", 'unit = "persons"', 'unit = "persons"\nunits = "x"')],
        "group.min_persons",
        "未知字段“units”",
    ),
    (
        "unknown field in source",
        [in_param("group.min_persons", 'article = "第十条"', 'article = "第十条", page = 2')],
        "group.min_persons",
        "未知字段“page”",
    ),
    (
        "unknown field in a value",
        [_values("group.min_persons", "10", "10, until = 2030-01-01")],
        "group.min_persons",
        "未知字段“until”",
    ),
    (
        "unknown field in [policy]",
        [replace('issued_by = "重庆市北碚区司法局"', 'issued_by = "x"\nsigned_by = "y"')],
        "policy",
        "未知字段“signed_by”",
    ),
    (
        "unknown top-level table",
        [replace("[policy]\n", "[extra]\na = 1\n\n[policy]\n")],
        "extra",
        "顶层",
    ),
    (
        "missing [policy] field",
        [replace('issued_by = "重庆市北碚区司法局"\n', "")],
        "policy.issued_by",
        "缺少",
    ),
    (
        "missing parameter",
        [drop_param("handler_change.max_changes")],
        "handler_change.max_changes",
        "缺少此参数",
    ),
    (
        "bool is not int",
        [_values("deadline.criminal_working_days", "1", "true")],
        "deadline.criminal_working_days",
        "须为整数，实际为布尔值 true",
    ),
    (
        "float is not int",
        [_values("deadline.criminal_working_days", "1", "1.5")],
        "deadline.criminal_working_days",
        "须为整数",
    ),
    (
        "string is not int",
        [_values("group.min_persons", "10", '"10"')],
        "group.min_persons",
        "须为整数",
    ),
    (
        "int is not bool",
        [_values("criminal_rotation.choice_counts_as_turn", "true", "1")],
        "criminal_rotation.choice_counts_as_turn",
        "布尔值",
    ),
    (
        "bool is not a weight",
        [_values("ranking.weight.quality", "30", "true")],
        "ranking.weight.quality",
        "须为数字",
    ),
    (
        "unknown choice",
        [_values("criminal_rotation.weight", '"lawyers"', '"random"')],
        "criminal_rotation.weight",
        "lawyers、equal",
    ),
    (
        "working days 0",
        [_values("deadline.criminal_working_days", "1", "0")],
        "deadline.criminal_working_days",
        "超出允许范围 1–30",
    ),
    (
        "working days over 30",
        [_values("deadline.other_working_days", "3", "31")],
        "deadline.other_working_days",
        "超出允许范围 1–30",
    ),
    (
        "negative weight",
        [_values("ranking.weight.load", "10", "-1")],
        "ranking.weight.load",
        "超出允许范围",
    ),
    (
        "infinite weight",
        [_values("ranking.weight.load", "10", "inf")],
        "ranking.weight.load",
        "有限",
    ),
    (
        "weights all zero",
        [
            _values("ranking.weight.specialty", "40", "0"),
            _values("ranking.weight.quality", "30", "0"),
            _values("ranking.weight.locality", "20", "0"),
            _values("ranking.weight.load", "10", "0.0"),
        ],
        "ranking.weight",
        "全为 0",
    ),
    (
        "min_persons below 2",
        [_values("group.min_persons", "10", "1")],
        "group.min_persons",
        "超出允许范围 2–",
    ),
    (
        "handler rows persons not increasing",
        [_values("group.handlers_by_persons", "[[10, 2], [50, 3]]", "[[10, 2], [10, 3]]")],
        "group.handlers_by_persons",
        "须大于上一行",
    ),
    (
        "handler rows handlers decreasing",
        [_values("group.handlers_by_persons", "[[10, 2], [50, 3]]", "[[10, 3], [50, 2]]")],
        "group.handlers_by_persons",
        "少于上一行",
    ),
    (
        "handler rows below min_handlers",
        [_values("group.handlers_by_persons", "[[10, 2], [50, 3]]", "[[10, 1], [50, 3]]")],
        "group.handlers_by_persons",
        "group.min_handlers",
    ),
    (
        "handler rows not starting at min_persons",
        [_values("group.handlers_by_persons", "[[10, 2], [50, 3]]", "[[20, 2], [50, 3]]")],
        "group.handlers_by_persons",
        "group.min_persons",
    ),
    (
        "handler row malformed",
        [_values("group.handlers_by_persons", "[[10, 2], [50, 3]]", "[[10, 2, 1]]")],
        "group.handlers_by_persons",
        "两个整数",
    ),
    (
        "handler rows empty",
        [_values("group.handlers_by_persons", "[[10, 2], [50, 3]]", "[]")],
        "group.handlers_by_persons",
        "非空",
    ),
    (
        "values empty",
        [
            in_param(
                "group.min_handlers", "values = [{ since = 2023-04-10, value = 2 }]", "values = []"
            )
        ],
        "group.min_handlers",
        "values 须为非空列表",
    ),
    (
        "dates not increasing",
        [
            in_param(
                "group.min_handlers",
                "values = [{ since = 2023-04-10, value = 2 }]",
                "values = [{ since = 2024-01-01, value = 2 }, { since = 2024-01-01, value = 3 }]",
            )
        ],
        "group.min_handlers",
        "须晚于前一项",
    ),
    (
        "dates decreasing",
        [
            in_param(
                "group.min_handlers",
                "values = [{ since = 2023-04-10, value = 2 }]",
                "values = [{ since = 2025-01-01, value = 2 }, { since = 2024-01-01, value = 3 }]",
            )
        ],
        "group.min_handlers",
        "须晚于前一项",
    ),
    (
        "value before the policy's effective date",
        [
            in_param(
                "handler_change.max_changes",
                "since = 2023-04-10",
                "since = 2023-04-09",
            )
        ],
        "handler_change.max_changes",
        "早于政策施行日期",
    ),
    (
        "since is not a date",
        [in_param("handler_change.max_changes", "since = 2023-04-10", 'since = "2023-04-10"')],
        "handler_change.max_changes",
        "TOML 日期",
    ),
    (
        "since is a datetime",
        [
            in_param(
                "handler_change.max_changes", "since = 2023-04-10", "since = 2023-04-10T00:00:00"
            )
        ],
        "handler_change.max_changes",
        "TOML 日期",
    ),
    (
        "missing source article",
        [in_param("handler_change.max_changes", 'article = "第十二条", ', "")],
        "handler_change.max_changes",
        "缺少出处 source.article",
    ),
    (
        "source article not an article",
        [in_param("handler_change.max_changes", 'article = "第十二条"', 'article = "12"')],
        "handler_change.max_changes",
        "须形如“第六条”",
    ),
    (
        "wrong unit",
        [in_param("deadline.other_working_days", 'unit = "working_days"', 'unit = "days"')],
        "deadline.other_working_days",
        "working_days",
    ),
    (
        "missing unit",
        [in_param("deadline.other_working_days", 'unit = "working_days"\n', "")],
        "deadline.other_working_days",
        "缺少字段 unit",
    ),
    (
        "effective not a date",
        [replace("effective = 2023-04-10", 'effective = "2023-04-10"')],
        "policy.effective",
        "TOML 日期",
    ),
]


@pytest.mark.parametrize(
    ("mutations", "key", "reason"),
    [pytest.param(m, k, r, id=i) for i, m, k, r in BAD_FILES],
)
def test_bad_file_is_refused(
    tmp_path: Path, mutations: list[Callable[[str], str]], key: str, reason: str
) -> None:
    path = variant(tmp_path, *mutations)
    err = refused(path)
    message = str(err)
    assert message.startswith(f"政策文件 {path}：")
    assert key in err.key and key in message
    assert reason in err.reason and reason in message
    assert message == f"政策文件 {err.file}：{err.key}：{err.reason}"
    assert not isinstance(err, PolicyDateError)


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    broken = in_param("group.min_persons", 'unit = "persons"', "unit = persons")
    path = variant(tmp_path, broken)
    line = 1 + path.read_text(encoding="utf-8").splitlines().index("unit = persons")
    err = refused(path)
    assert str(path) in str(err)
    assert "TOML 语法错误" in err.reason and f"第 {line} 行" in err.reason


def test_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(BEIBEI_TEXT.encode("gb18030"))
    assert "UTF-8" in refused(path).reason


def test_unknown_policy_name_lists_the_available_ones() -> None:
    with pytest.raises(PolicyError) as info:
        load_policy("hechuan-2024")
    assert "hechuan-2024" in str(info.value)
    assert "beibei-2023" in info.value.reason


def test_missing_file_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(PolicyError) as info:
        load_policy(str(missing))
    assert str(missing) in str(info.value) and "不存在" in info.value.reason


def test_policy_error_survives_pickling() -> None:
    err = PolicyError("f.toml", "group.min_persons", "原因")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.file, copy.key, copy.reason, str(copy)) == (
        err.file,
        err.key,
        err.reason,
        str(err),
    )


# ---------------------------------------------------------------------------------------------
# Another district: its own file, loaded independently


def test_second_district_loads_independently(tmp_path: Path, beibei: Policy) -> None:
    path = variant(
        tmp_path,
        replace('id = "beibei-2023"', 'id = "hechuan-2024"'),
        replace('district = "重庆市北碚区"', 'district = "重庆市合川区"'),
        replace('center = "重庆市北碚区法律援助中心"', 'center = "重庆市合川区法律援助中心"'),
        replace("effective = 2023-04-10", "effective = 2024-01-01"),
        _values("deadline.other_working_days", "3", "5"),
        _values("criminal_rotation.weight", '"lawyers"', '"equal"'),
        _values("group.handlers_by_persons", "[[10, 2], [50, 3]]", "[[10, 2], [30, 3], [100, 4]]"),
        lambda text: text.replace("since = 2023-04-10", "since = 2024-01-01"),
        name="hechuan-2024.toml",
    )
    hechuan = load_policy(str(path))
    assert (hechuan.id, hechuan.district, hechuan.effective) == (
        "hechuan-2024",
        "重庆市合川区",
        date(2024, 1, 1),
    )
    on = date(2025, 3, 3)
    h, b = hechuan.values_on(on), beibei.values_on(on)
    assert (h.other_working_days, h.rotation_weight) == (5, "equal")
    assert h.group_handlers_by_persons == ((10, 2), (30, 3), (100, 4))
    assert (b.other_working_days, b.rotation_weight) == (3, "lawyers")
    assert b.group_handlers_by_persons == ((10, 2), (50, 3))
    # Hechuan's rules start on its own date; Beibei's are unaffected.
    with pytest.raises(PolicyDateError):
        hechuan.values_on(date(2023, 12, 31))
    assert load_policy("beibei-2023").values_on(date(2023, 12, 31)).other_working_days == 3
