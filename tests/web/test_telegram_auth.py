"""The Mini App login accepts launch data Telegram signed for this bot, recently, and
nothing else: not forged, not another bot's, not altered, not stale, not malformed."""

from __future__ import annotations

import json

import pytest
from botharness import random_token, token_shaped
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from bot.web.telegram_auth import InitDataError, MiniAppUser, validate_init_data
from web.initdata import launch_fields, sign_init_data

TOKEN = token_shaped()
NOW = 1_764_820_100
USER_ID = 279058397

# Launch data as Telegram sends it (fields in its order, a `signature` field as since Bot
# API 8.0), signed by the documented formula with `cryptography`'s HMAC, not the standard
# library's the module uses (OpenSSL gives the same for a given token:
#   key=$(printf %s "$TOKEN" | openssl dgst -sha256 -mac HMAC -macopt key:WebAppData -hex)
#   printf %s "$DATA_CHECK_STRING" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -hex).
KNOWN_SIGNATURE = (
    "6fbdaQ3Uwc2PXMqTG9qPmRdVvv6H0lOo0T7lx1uGqlN8w1-n4F2S9l3VpxVdWMgv5V6pRstvlFZ7LxLZ0Qy0CQ"
)
KNOWN_USER = '{"id":279058397,"first_name":"Test","language_code":"sv","allows_write_to_pm":true}'
KNOWN_FIELDS = {
    "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
    "user": KNOWN_USER,
    "auth_date": "1764820000",
    "signature": KNOWN_SIGNATURE,
}


def _hmac_sha256(key: bytes, message: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SHA256())
    mac.update(message)
    return mac.finalize()


KNOWN_HASH = _hmac_sha256(
    _hmac_sha256(b"WebAppData", TOKEN.encode()),
    "\n".join(f"{key}={KNOWN_FIELDS[key]}" for key in sorted(KNOWN_FIELDS)).encode(),
).hex()
KNOWN_INIT_DATA = (
    "query_id=AAHdF6IQAAAAAN0XohDhrOrc"
    "&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Test%22%2C%22language_code%22"
    "%3A%22sv%22%2C%22allows_write_to_pm%22%3Atrue%7D"
    f"&auth_date=1764820000&signature={KNOWN_SIGNATURE}&hash={KNOWN_HASH}"
)


def signed(**changes: str) -> str:
    return sign_init_data({**launch_fields(USER_ID, NOW - 5), **changes}, TOKEN)


def refused(init_data: str, token: str = TOKEN, now: float = NOW) -> str:
    with pytest.raises(InitDataError) as refusal:
        validate_init_data(init_data, token, now=now)
    return str(refusal.value)


def test_known_answer_computed_outside_python_is_accepted():
    user = validate_init_data(KNOWN_INIT_DATA, TOKEN, now=NOW)
    assert user == MiniAppUser(id=USER_ID, language_code="sv")


def test_the_test_helper_signs_as_the_known_answer():
    known_fields = dict(pair.split("=", 1) for pair in KNOWN_INIT_DATA.split("&"))
    assert f"hash={KNOWN_HASH}" in sign_init_data(
        {
            "query_id": known_fields["query_id"],
            "user": json.dumps(
                {
                    "id": USER_ID,
                    "first_name": "Test",
                    "language_code": "sv",
                    "allows_write_to_pm": True,
                },
                separators=(",", ":"),
            ),
            "auth_date": "1764820000",
            "signature": KNOWN_SIGNATURE,
        },
        TOKEN,
    )


def test_valid_launch_data_gives_the_user_and_language():
    user = validate_init_data(signed(), TOKEN, now=NOW)
    assert user == MiniAppUser(id=USER_ID, language_code="sv")


def test_a_user_without_language_has_an_empty_one():
    user = json.dumps({"id": USER_ID, "first_name": "Kim"})
    assert validate_init_data(signed(user=user), TOKEN, now=NOW).language_code == ""


def test_a_forged_hash_is_refused():
    forged = signed().rsplit("hash=", 1)[0] + "hash=" + "0" * 64
    assert "does not match" in refused(forged)


def test_another_bots_token_is_refused():
    other_bots = sign_init_data(launch_fields(USER_ID, NOW - 5), random_token(7000000002))
    assert "does not match" in refused(other_bots)


@pytest.mark.parametrize(
    ("original", "altered"),
    [
        (f"%22id%22%3A{USER_ID}", f"%22id%22%3A{USER_ID + 1}"),
        ("auth_date=", "auth_date=1"),
        (f"signature={KNOWN_SIGNATURE}", f"signature=x{KNOWN_SIGNATURE}"),
        ("query_id=", "query_id=x"),
    ],
    ids=["user id", "auth_date", "signature", "query_id"],
)
def test_a_field_changed_after_signing_is_refused(original, altered):
    assert original in KNOWN_INIT_DATA
    assert "does not match" in refused(KNOWN_INIT_DATA.replace(original, altered))


def test_a_field_added_after_signing_is_refused():
    assert "does not match" in refused(signed() + "&chat_type=group")


def test_launch_data_up_to_five_minutes_old_is_accepted():
    assert validate_init_data(signed(auth_date=str(NOW - 300)), TOKEN, now=NOW).id == USER_ID


def test_stale_launch_data_is_refused():
    assert "too old" in refused(signed(auth_date=str(NOW - 301)))


def test_a_shorter_max_age_is_kept():
    with pytest.raises(InitDataError, match="too old"):
        validate_init_data(signed(auth_date=str(NOW - 61)), TOKEN, now=NOW, max_age_s=60)


def test_a_clock_a_minute_ahead_is_tolerated_but_no_more():
    assert validate_init_data(signed(auth_date=str(NOW + 60)), TOKEN, now=NOW).id == USER_ID
    assert "future" in refused(signed(auth_date=str(NOW + 61)))


@pytest.mark.parametrize("auth_date", ["", "soon", "-5", "+1764820095", "1.5e9", "١٧٦٤٨٢٠٠٩٥"])
def test_a_malformed_auth_date_is_refused(auth_date):
    assert "auth_date" in refused(signed(auth_date=auth_date))


def test_launch_data_without_auth_date_is_refused():
    fields = launch_fields(USER_ID, NOW)
    del fields["auth_date"]
    assert "auth_date" in refused(sign_init_data(fields, TOKEN))


@pytest.mark.parametrize(
    "duplicate",
    ["&user=%7B%22id%22%3A1%7D", f"&auth_date={NOW}", "&hash=" + "0" * 64],
    ids=["user", "auth_date", "hash"],
)
def test_a_duplicate_key_is_refused(duplicate):
    assert "twice" in refused(signed() + duplicate)


def test_launch_data_without_hash_is_refused():
    unsigned = signed().rsplit("&hash=", 1)[0]
    assert "hash" in refused(unsigned)


@pytest.mark.parametrize("bad_hash", ["", "abc", "B5" * 32, "zz" * 32, "ä" * 64, "0" * 65])
def test_a_malformed_hash_is_refused(bad_hash):
    assert "hash" in refused(signed().rsplit("hash=", 1)[0] + "hash=" + bad_hash)


def test_huge_input_is_refused_even_when_signed():
    huge = signed(start_param="x" * 4096)
    assert "too long" in refused(huge)


@pytest.mark.parametrize("garbage", ["", "user", "a=1&&b=2", "user=%ff&hash=00", "\x00=\x00"])
def test_what_is_not_a_query_string_is_refused(garbage):
    refused(garbage)


@pytest.mark.parametrize(
    "user",
    [
        json.dumps({"first_name": "Kim"}),
        json.dumps({"id": "279058397"}),
        json.dumps({"id": 2.5}),
        json.dumps({"id": True}),
        json.dumps({"id": 0}),
        json.dumps({"id": -5}),
        json.dumps([USER_ID]),
        json.dumps(USER_ID),
    ],
    ids=["no id", "text id", "float id", "true id", "zero id", "negative id", "list", "number"],
)
def test_a_user_without_an_integer_id_is_refused(user):
    assert "user" in refused(signed(user=user))


@pytest.mark.parametrize("user", ["Kim", "{'id': 1}", "{", ""])
def test_a_user_that_is_not_json_is_refused(user):
    assert "not JSON" in refused(signed(user=user))


def test_launch_data_without_user_is_refused():
    fields = launch_fields(USER_ID, NOW - 5)
    del fields["user"]
    assert "no user" in refused(sign_init_data(fields, TOKEN))


def test_a_bot_user_is_refused():
    bot = json.dumps({"id": USER_ID, "is_bot": True, "first_name": "Bot"})
    assert "bot" in refused(signed(user=bot))


def test_a_language_that_is_not_text_is_refused():
    user = json.dumps({"id": USER_ID, "language_code": 46})
    assert "language" in refused(signed(user=user))


def test_the_reason_never_repeats_the_token_or_the_data():
    for init_data in (signed(auth_date=str(NOW - 601)), signed(user="Kim"), signed() + "x"):
        reason = refused(init_data)
        assert TOKEN not in reason
        assert str(USER_ID) not in reason and "Kim" not in reason
