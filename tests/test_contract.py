"""harness.contract fails when its points are false: a fixture runner (tests/fixtures/contract/)
whose user has no passwd entry and that ignores SIGTERM until `docker stop` kills it. The claims of
the pages and the example tests call the same functions."""

from __future__ import annotations

import pytest

from harness import claims, contract, images, outcomes, transient
from harness.dockerfiles import REPO

TAG = "guide/contract-fixture:broken"


@pytest.fixture(scope="module")
def broken() -> str:
    images.buildx(REPO / "tests" / "fixtures" / "contract", tag=TAG)
    return TAG


def test_a_user_without_a_passwd_entry_fails_the_user_point(broken):
    assert contract.check_user(broken, "python").startswith("user lookup of uid 10001: KeyError")


def test_a_process_that_dies_on_sigterm_fails_the_drain_point(broken):
    outcome = contract.check_drain(broken, "python", 8000)
    assert outcome.startswith("docker stop with a request in flight: the request got "), outcome
    # As PID 1 the process gets no default action for SIGTERM: docker stop kills it after 10 s.
    assert outcome.endswith("the process exited 137"), outcome


def test_tls_and_zone_hold_in_a_debian_based_python_image(broken):
    assert contract.check_tls(broken, "python") is None
    assert contract.check_zone(broken, "python") is None


def test_the_claim_names_every_broken_point_and_accepts_documented_ones(broken):
    assert claims.check(f"contract {TAG} python 8000").startswith("user: user lookup of uid 10001")
    assert claims.check(f"contract {TAG} python 8000 fails=user,drain") is None
    assert claims.check(f"contract {TAG} python 8000 fails=user,drain,zone") == \
        "zone: documented as failing, but it holds"


@pytest.mark.parametrize("claim, message", [
    ("contract", "write `contract IMAGE python|node|go PORT [fails=POINT,...]`"),
    ("contract python-api:runner ruby 8000", "write `contract IMAGE python|node|go PORT"),
    ("contract python-api:runner python http", "write `contract IMAGE python|node|go PORT"),
    ("contract python-api:runner python 8000 fails=speed", "`fails=speed`: write fails= with points from"),
    ("contract python-api:runner python 8000 skip=tls", "`skip=tls`: write fails= with points from"),
])
def test_a_malformed_contract_claim_says_what_to_write(claim, message):
    with pytest.raises(claims.ClaimError) as error:
        claims.check(claim)
    assert message in str(error.value)


def test_a_missing_image_is_named():
    assert claims.check("contract guide/no-such:image python 8000") == "no image guide/no-such:image"


def test_a_point_is_checked_once_for_images_that_run_the_same(broken):
    """A relabelled copy of the fixture runs the same layers and configuration: it shares the
    fixture's outcomes (contract.check_point), while another image does not."""
    relabelled = f"{TAG}-relabelled"
    images.buildx(REPO / "tests" / "fixtures" / "contract", tag=relabelled,
                  extra=["--label", "dev.multistage-guide.probe=relabelled"])
    assert images.client().images.get(relabelled).id != images.client().images.get(TAG).id
    assert images.runs_the_same(relabelled) == images.runs_the_same(TAG)
    assert images.runs_the_same("debian:trixie-slim") != images.runs_the_same(TAG)
    assert contract.check_point(TAG, "python", 8000, "user").startswith("user lookup of uid 10001")
    started = len(transient.STARTED)
    assert contract.check_point(relabelled, "python", 8000, "user") == \
        contract.check_point(TAG, "python", 8000, "user")
    assert len(transient.STARTED) == started, "the relabelled image's point ran again"
    images.client().images.remove(relabelled)


def test_a_server_without_a_slow_request_fails_the_drain_point():
    """copy-flags' runner answers every path at once, /slow too: the request is over before
    `docker stop`, so nothing was in flight and the point must not pass."""
    runner = images.build("copy-flags", "runner").tag
    outcome = contract.check_drain(runner, "node", 8080)
    assert outcome is not None, "the drain point passed with nothing in flight"
    assert outcome.endswith("no request was in flight (the app needs a /slow endpoint)"), outcome


def test_under_qemu_the_drain_is_checked_in_the_read_only_container(broken):
    """claims.contract_and_readonly checks the drain point in the read-only container it starts
    for the `readonly` answer: a process that dies on SIGTERM fails it there too."""
    points, readonly = claims.contract_and_readonly(broken, "python", 8000)
    assert readonly is None, readonly
    assert points["drain"].startswith("docker stop with a request in flight: the request got "), points
    assert points["drain"].endswith("the process exited 137"), points
    assert points["user"].startswith("user lookup of uid 10001"), points


@pytest.fixture
def moving_tag(broken, monkeypatch):
    """A tag of the fixture that moves to debian:trixie-slim (root, no Python) right after the
    check has inspected it, with no outcome kept yet in this process or shared with others."""
    tag = f"{TAG}-moving"
    images.client().images.get(TAG).tag(tag)
    monkeypatch.setattr(outcomes, "_KEPT", {})
    monkeypatch.delenv(outcomes.FOLDER, raising=False)
    inspected = images.identity

    def then_move(name: str) -> tuple[str, str]:
        answer = inspected(name)
        images.client().images.get("debian:trixie-slim").tag(tag)
        return answer

    monkeypatch.setattr(images, "identity", then_move)
    yield tag
    images.client().images.remove(tag)


def test_a_point_is_checked_on_the_image_its_outcome_is_kept_for(moving_tag):
    """The outcome is kept under the fixture's digest, so it must be the fixture's outcome even
    when the tag moves to another image before the point runs."""
    assert contract.check_point(moving_tag, "python", 8000, "user").startswith(
        "user lookup of uid 10001: KeyError")


def test_a_readonly_answer_is_checked_on_the_image_it_is_kept_for(moving_tag):
    assert claims.check_readonly(moving_tag, "8000", "/health") is None
