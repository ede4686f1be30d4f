"""API key configuration: parsed strictly, matched by digest only."""

import pytest

from config import Settings
from config.api_keys import digest, new_key, owner_of


def test_keys_are_parsed_and_matched_by_their_digest():
    alice, bob = new_key(), new_key()
    assert alice != bob and alice.startswith("ck_") and len(alice) > 40
    settings = Settings.from_env({"CELEBCLF_API_KEYS": f"alice:{digest(alice)}, bob:{digest(bob)}"})
    assert [k.owner for k in settings.api_keys] == ["alice", "bob"]
    assert owner_of(alice, settings.api_keys) == "alice"
    assert owner_of(bob, settings.api_keys) == "bob"
    assert owner_of(digest(alice), settings.api_keys) is None  # the digest is not a key
    assert owner_of("", settings.api_keys) is None


@pytest.mark.parametrize(
    "entry",
    [
        "alice",
        "alice:abc",
        f":{'a' * 64}",
        f"al ice:{'a' * 64}",
        f"alice:{'A' * 64}",
        f"{'x' * 65}:{'a' * 64}",
    ],
)
def test_malformed_entries_stop_the_start(entry):
    with pytest.raises(ValueError, match="CELEBCLF_API_KEYS"):
        Settings.from_env({"CELEBCLF_API_KEYS": entry})


def test_no_keys_means_open():
    assert Settings.from_env({}).api_keys == ()
