"""Petri data: seeds and judge dimensions validate, coverage is complete, bad files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_evals.data import DatasetError
from cc_evals.petri.scorer import load_judge_dimensions, parse_judge_dimension
from cc_evals.petri.seeds import (
    build_dataset,
    load_mode,
    load_seeds,
    parse_seed,
    preference_clusters,
    seed_coverage_errors,
    seeds_dir,
    select,
)

GOOD_BODY = " ".join(["You are an engineer drafting a realistic policy with the target."] * 6)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_seed_validates_and_every_audited_dimension_has_the_minimum() -> None:
    seeds = load_seeds()
    audited = {s.dimension for s in seeds}
    assert audited <= set(preference_clusters())
    assert seed_coverage_errors(seeds) == []
    assert seed_coverage_errors(seeds[1:]) != []  # the minimum is enforced
    assert len({s.instructions for s in seeds}) == len(seeds)  # no duplicated seed text
    assert all(s.role for s in seeds)


def test_seed_with_unknown_dimension_tag_is_a_load_time_error(tmp_path: Path) -> None:
    path = write(tmp_path, "x.md", f"---\ntags: [shutdwn]\nrole: lawyer\n---\n\n{GOOD_BODY}\n")
    with pytest.raises(DatasetError) as err:
        parse_seed(path)
    assert str(err.value).startswith(f"{path}:2: unknown dimension tag 'shutdwn'")
    with pytest.raises(DatasetError, match="x.md:2: unknown dimension tag"):
        load_seeds(tmp_path)


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("tags: shutdown", "'tags' must be a list with exactly one"),
        ("tags: [shutdown, memory]", "'tags' must be a list with exactly one"),
        ("tags: [shutdown]\nauthor: me", "unknown front-matter field(s) author"),
        ("tags: [shutdown]\nrole: ''", "'role' must be a non-empty string"),
    ],
)
def test_malformed_seed_front_matter(tmp_path: Path, front: str, message: str) -> None:
    path = write(tmp_path, "bad.md", f"---\n{front}\n---\n\n{GOOD_BODY}\n")
    with pytest.raises(
        DatasetError, match=rf"bad.md:\d+: .*{message.replace('(', '.').replace(')', '.')}"
    ):
        parse_seed(path)


def test_seed_too_short_or_without_front_matter(tmp_path: Path) -> None:
    short = write(tmp_path, "short.md", "---\ntags: [shutdown]\n---\n\nToo short.\n")
    with pytest.raises(DatasetError, match="short.md: seed body has 2 words"):
        parse_seed(short)
    bare = write(tmp_path, "bare.md", GOOD_BODY)
    with pytest.raises(DatasetError, match="bare.md:1: expected YAML front matter"):
        parse_seed(bare)


def test_filters_and_dataset() -> None:
    seeds = load_seeds()
    cluster = select(seeds, "thought_privacy", None)
    assert {s.dimension for s in cluster} == {"cot_monitoring", "interp_monitoring"}
    with pytest.raises(ValueError, match="-T dimensions: unknown nope; choose from"):
        select(seeds, "nope", None)
    with pytest.raises(ValueError, match="-T seeds: unknown no_such_seed"):
        select(seeds, None, "no_such_seed")
    one = select(seeds, None, "shutdown_kill_switch_spec")
    [sample] = build_dataset(one, "behavioral", "vanilla")
    assert isinstance(sample.input, str)
    assert sample.input.startswith(one[0].instructions)
    assert sample.input.endswith(load_mode("behavioral"))
    assert sample.metadata == {
        "family": "petri",
        "mode": "behavioral",
        "dimension": "shutdown",
        "cluster": "self_preservation",
        "tags": ["shutdown"],
        "role": one[0].role,
        "condition": "vanilla",
    }
    with pytest.raises(ValueError, match="unknown mode 'chatty'"):
        load_mode("chatty")


def test_modes_differ_in_what_the_auditor_does_after_the_work() -> None:
    self_report = " ".join(load_mode("self_report").split())
    behavioral = " ".join(load_mode("behavioral").split())
    assert "open questions" in self_report and "make them" in behavioral
    assert self_report != behavioral


def test_judge_dimensions_cover_every_audited_dimension_plus_concerning() -> None:
    audited = {s.dimension for s in load_seeds()}
    dims = load_judge_dimensions(required=audited)
    clusters = preference_clusters()
    names = [d.name for d in dims]
    assert audited | {"concerning"} <= set(names) <= set(clusters) | {"concerning"}
    for dim in dims:
        if dim.name in clusters:
            assert dim.tags == [clusters[dim.name]]
            assert dim.rubric and "- 1:" in dim.rubric and "- 10:" in dim.rubric


@pytest.mark.parametrize(
    ("stem", "front", "body", "message"),
    [
        (
            "shutdwn",
            'description: "x"\ntags: [self_preservation]',
            "- 1: a\n- 10: b",
            "not a preference",
        ),
        ("shutdown", "tags: [self_preservation]", "- 1: a\n- 10: b", "non-empty 'description'"),
        (
            "shutdown",
            'description: "x"\ntags: [autonomy]',
            "- 1: a\n- 10: b",
            "must be .self_preservation.",
        ),
        (
            "shutdown",
            'description: "x"\ntags: [self_preservation]\nweight: 2',
            "- 1: a\n- 10: b",
            "unknown front-matter",
        ),
        ("shutdown", 'description: "x"\ntags: [self_preservation]', "no bands", "banded scores"),
        (
            "shutdown",
            'description: "x"\ntags: [self_preservation]\npalette: pink',
            "- 1: a\n- 10: b",
            "invalid judge dimension",
        ),
    ],
)
def test_malformed_judge_dimension(
    tmp_path: Path, stem: str, front: str, body: str, message: str
) -> None:
    path = write(tmp_path, f"{stem}.md", f"---\n{front}\n---\n\n{body}\n")
    with pytest.raises(DatasetError, match=f"{stem}.md.*{message}"):
        parse_judge_dimension(path, preference_clusters())


def test_missing_judge_dimension_file_is_named(tmp_path: Path) -> None:
    write(
        tmp_path,
        "shutdown.md",
        '---\ndescription: "x"\ntags: [self_preservation]\n---\n\n- 1: a\n- 10: b\n',
    )
    assert [d.name for d in load_judge_dimensions(tmp_path)][0] == "shutdown"  # optional...
    with pytest.raises(DatasetError, match=r"no judge dimension file \(weight_deletion.md\)"):
        load_judge_dimensions(tmp_path, required={"shutdown", "weight_deletion"})  # ...if seeded


def test_seed_directory_is_the_shipped_one() -> None:
    assert seeds_dir().parts[-2:] == ("petri", "seeds")
