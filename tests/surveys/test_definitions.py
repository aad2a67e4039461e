"""Questionnaire definitions: whatever an officer's editor accepts, a citizen can open, answer and send.

The validator (surveys.definition) is the gate between the JSON editor and the citizen's phone. Hypothesis
generates definitions, mostly well-formed but with awkward values (keys of exactly 60 characters, keys
that look like another question's form field, emoji, markup, follow-ups on every bucket), and sometimes
breaks one thing. Every definition goes through the officer's JSON editor; the accepted ones are published,
given a campaign and a QR code, and the citizen form must open and take drawn answers without a 5xx.
"""

import datetime as dt
import json
import os
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from surveys.builtin.questionnaires import BUCKETS, RATING_ELEMENTS, REASON_ELEMENTS
from surveys.models import Answer, Questionnaire, Response
from surveys.services import campaign_create, qr_link_create
from tenants.routing import public_reverse, unit_reverse
from tests.conftest import CONFIRM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# DEFINITION_FUZZ_EXAMPLES=300 make test ARGS=tests/surveys/test_definitions.py explores more.
EXAMPLES = int(os.environ.get("DEFINITION_FUZZ_EXAMPLES", "30"))
TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
SCALE_BUCKETS = {"5": BUCKETS, "3": ("satisfied", "unsatisfied")}

# --------------------------------------------------------------------------- well-formed parts

key_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
keys = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
    st.builds(
        lambda head, tail: head + tail, st.sampled_from("qQxZ"), st.text(key_chars, min_size=59, max_size=59)
    ),
    st.sampled_from(["procedure", "other", "c", "c_name", "p", "p_other", "na", "website", "form_token"]),
)
words = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(str.strip)
awkward = st.sampled_from(
    ["Hài lòng 😀", "<script>alert(1)</script>", "‮ngược", "a" * 1000, "Dòng 1\nDòng 2", "100 % “ngoặc”"]
)
texts = st.fixed_dictionaries(
    {"vi": st.one_of(words, awkward)}, optional={"en": st.one_of(st.just(""), words)}
)
titles = st.fixed_dictionaries({"vi": words}, optional={"en": words})


@st.composite
def questions(draw, key: str, earlier: list[dict]) -> dict:
    kind = draw(st.sampled_from(["rating", "rating", "reasons", "text", "procedure", "field", "contact"]))
    q: dict = {"key": key, "kind": kind, "text": draw(texts), "required": draw(st.booleans())}
    if draw(st.booleans()):
        q["help"] = draw(texts)
    if kind == "rating":
        q["scale"] = draw(st.sampled_from(["5", "3"]))
        q["element"] = draw(st.sampled_from(sorted(RATING_ELEMENTS)))
    elif kind == "reasons":
        option_keys = draw(st.lists(keys, min_size=1, max_size=6, unique=True))
        q["options"] = [
            {"key": k, "text": draw(texts), "element": draw(st.sampled_from(sorted(REASON_ELEMENTS)))}
            for k in option_keys
        ]
    elif kind == "text":
        q["max_length"] = draw(st.sampled_from([1, 7, 300, 4000]))
    ratings = [r for r in earlier if r["kind"] == "rating"]
    if ratings and draw(st.booleans()):
        target = draw(st.sampled_from(ratings))
        q["show_if"] = {
            "question": target["key"],
            "bucket": draw(st.sampled_from(SCALE_BUCKETS[target["scale"]])),
        }
    return q


@st.composite
def well_formed(draw) -> dict:
    """A definition the validator must accept: every part valid, however awkward."""
    question_keys = draw(st.lists(keys, min_size=1, max_size=6, unique=True))
    chosen: list[dict] = []
    for key in question_keys:
        q = draw(questions(key, chosen))
        fields = {name for o in chosen for name in form_fields(o["key"], o["kind"])}
        mine = form_fields(key, q["kind"])
        if q["kind"] in {"procedure", "field", "contact"} and any(o["kind"] == q["kind"] for o in chosen):
            continue  # one of each
        if mine & fields:
            continue  # a key whose form fields another question already posts
        chosen.append(q)
    definition = {"title": draw(titles), "questions": chosen}
    if draw(st.booleans()):
        maybe = st.one_of(st.just(""), words)
        definition["description"] = draw(st.fixed_dictionaries({"vi": maybe, "en": maybe}))
    return definition


QUESTION_FIELDS = [
    "key",
    "kind",
    "text",
    "help",
    "required",
    "scale",
    "element",
    "options",
    "max_length",
    "show_if",
]
# The fields the citizen form posts for a question besides q_<key>.
SUFFIXES = {"procedure": ("other",), "field": ("other",), "contact": ("name", "phone", "email", "consent")}


def form_fields(key: str, kind: str) -> set[str]:
    return {f"q_{key}", *(f"q_{key}_{suffix}" for suffix in SUFFIXES.get(kind, ()))}


# --------------------------------------------------------------------------- one thing broken


def _some_question(definition: dict, data) -> dict:
    return data.draw(st.sampled_from(definition["questions"]))


BREAKAGES = {
    "option without a key": lambda d, data: [
        q["options"][0].pop("key") for q in d["questions"] if q["kind"] == "reasons"
    ],
    "key over 60": lambda d, data: _some_question(d, data).update(key="k" * 61),
    "option key over 60": lambda d, data: [
        q["options"][0].update(key="o" * 61) for q in d["questions"] if q["kind"] == "reasons"
    ],
    "key with a space": lambda d, data: _some_question(d, data).update(key="câu 1"),
    "duplicate key": lambda d, data: d["questions"].append(dict(d["questions"][0])),
    "empty options": lambda d, data: [q.update(options=[]) for q in d["questions"] if q["kind"] == "reasons"],
    "show_if on itself": lambda d, data: _some_question(d, data).update(
        show_if={"question": d["questions"][0]["key"], "bucket": "satisfied"}
    ),
    "show_if on a list": lambda d, data: _some_question(d, data).update(
        show_if={"question": [], "bucket": "x"}
    ),
    "neutral on 3 levels": lambda d, data: d["questions"].extend(
        [
            {"key": "r3", "kind": "rating", "text": {"vi": "Ba"}, "scale": "3", "element": "OVERALL"},
            {
                "key": "f3",
                "kind": "text",
                "text": {"vi": "Vì"},
                "max_length": 9,
                "show_if": {"question": "r3", "bucket": "neutral"},
            },
        ]
    ),
    "scale as a number": lambda d, data: [q.update(scale=5) for q in d["questions"] if q["kind"] == "rating"],
    "text as a string": lambda d, data: _some_question(d, data).update(text="Câu hỏi"),
    "help as a string": lambda d, data: _some_question(d, data).update(help="Gợi ý"),
    "description as a string": lambda d, data: d.update(description="Giới thiệu"),
    "NUL in a text": lambda d, data: _some_question(d, data)["text"].update(vi="a\x00b"),
    "max_length true": lambda d, data: [
        q.update(max_length=True) for q in d["questions"] if q["kind"] == "text"
    ],
    "required as text": lambda d, data: _some_question(d, data).update(required="yes"),
    "two contact questions": lambda d, data: d["questions"].extend(
        [{"key": f"lh{n}", "kind": "contact", "text": {"vi": "Liên hệ"}} for n in (1, 2)]
    ),
    "title too long": lambda d, data: d["title"].update(vi="T" * 301),
    "kind unknown": lambda d, data: _some_question(d, data).update(kind="slider"),
    "colliding form field": lambda d, data: d["questions"].extend(
        [
            {"key": "lh", "kind": "contact", "text": {"vi": "Liên hệ"}},
            {"key": "lh_name", "kind": "text", "text": {"vi": "Tên"}, "max_length": 20},
        ]
    ),
}


# --------------------------------------------------------------------------- the officer and the citizen


class Fuzz:
    """A platform operator's client in Hồng Thái (the JSON editor is theirs) and a counter, kept across
    Hypothesis examples."""

    def __init__(self, world, officer):
        self.unit = world.commune
        self.officer = Client()
        self.officer.force_login(officer)
        with tenant_context(self.unit):
            self.questionnaire = Questionnaire.objects.get(key="hong_thai_quick")
        self.n = 0

    def url(self, name: str, *args) -> str:
        return unit_reverse(self.unit, name, *args)

    def submit_definition(self, definition: dict):
        """The JSON editor's answer: 302 saved as the draft, 400 refused."""
        self.officer.post(self.url("unit:questionnaire_draft", self.questionnaire.pk))
        text = json.dumps(definition, ensure_ascii=False)
        return self.officer.post(
            self.url("unit:questionnaire_edit_json", self.questionnaire.pk), {"definition": text}
        )

    def publish_and_link(self) -> str:
        published = self.officer.post(self.url("unit:questionnaire_publish", self.questionnaire.pk), CONFIRM)
        assert published.status_code == 302, published.content.decode()[:2000]
        self.n += 1
        today = timezone.localdate()
        with tenant_context(self.unit):
            campaign = campaign_create(
                name=f"Thử định nghĩa {self.n}",
                version=self.questionnaire.versions.order_by("-number").first(),
                starts_on=today - dt.timedelta(days=1),
                ends_on=today + dt.timedelta(days=1),
                channels=["qr"],
            )
        return public_reverse("citizen_qr", qr_link_create(unit=self.unit, campaign=campaign).code)


def drawn_answers(definition: dict, data) -> dict:
    """What a citizen (or a bot) might post: right answers, wrong answers, nothing, too much."""
    junk = st.one_of(
        st.text(max_size=20), st.sampled_from(["", "na", "other", "-1", "99", "1", "5", "x" * 5000])
    )
    fields: dict[str, object] = {}
    for q in definition["questions"]:
        name = f"q_{q['key']}"
        if q["kind"] == "rating":
            levels = ["1", "2", "3"] + (["4", "5"] if q["scale"] == "5" else [])
            fields[name] = data.draw(st.one_of(st.sampled_from([*levels, "na"]), junk))
        elif q["kind"] == "reasons":
            keys_ = [o["key"] for o in q["options"]]
            fields[name] = data.draw(st.lists(st.one_of(st.sampled_from(keys_), junk), max_size=4))
        elif q["kind"] in ("procedure", "field"):
            fields[name] = data.draw(st.sampled_from(["", "other", "1", "abc"]))
            fields[f"{name}_other"] = data.draw(st.one_of(st.just("Xin giấy 0912 345 678"), junk))
        elif q["kind"] == "text":
            fields[name] = data.draw(st.one_of(st.text(max_size=q["max_length"] + 2), junk))
        elif q["kind"] == "contact":
            for part in ("name", "phone", "email"):
                fields[f"{name}_{part}"] = data.draw(st.one_of(st.just(""), junk))
            fields[f"{name}_consent"] = data.draw(st.sampled_from(["", "yes"]))
    return fields


@pytest.fixture
def fuzz(world, operator) -> Fuzz:
    return Fuzz(world, operator)  # the JSON editor is the platform operators'


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@FUZZ
@given(definition=well_formed(), data=st.data())
def test_an_accepted_definition_opens_takes_answers_and_stores_them(fuzz, definition, data):
    breakage = data.draw(st.sampled_from([None, None, *BREAKAGES]), label="breakage")
    if breakage:
        BREAKAGES[breakage](definition, data)
    saved = fuzz.submit_definition(definition)
    assert saved.status_code in (302, 400), saved.status_code
    if breakage is None:
        assert saved.status_code == 302, saved.context["form"].errors if saved.context else saved.status_code
    event("accepted" if saved.status_code == 302 else f"refused: {breakage}")
    if saved.status_code != 302:
        return
    form_url = fuzz.publish_and_link()
    citizen = Client()
    page = citizen.get(form_url)
    assert page.status_code == 200
    token = TOKEN_RE.search(page.content.decode()).group(1)
    fields = {**drawn_answers(definition, data), "form_token": token}
    sent = citizen.post(
        form_url, urlencode(fields, doseq=True), content_type="application/x-www-form-urlencoded"
    )
    assert sent.status_code in (303, 400, 413), sent.status_code
    if sent.status_code == 303:
        assert citizen.get(sent["Location"]).status_code == 200


# --------------------------------------------------------------------------- the two reported cases


def test_a_reason_option_without_a_key_is_refused_by_the_editor(fuzz):
    definition = {
        "title": {"vi": "Phiếu"},
        "questions": [
            {
                "key": "why",
                "kind": "reasons",
                "text": {"vi": "Vì sao?"},
                "options": [{"text": {"vi": "Chờ lâu"}, "element": "ACCESS"}],
            }
        ],
    }
    page = fuzz.submit_definition(definition)
    assert page.status_code == 400
    assert "Question 1 (why): option 1: needs a key." in page.context["form"].errors["definition"]


@pytest.mark.parametrize(
    "question",
    [
        {"key": "k" * 61, "kind": "text", "text": {"vi": "Ý kiến"}, "max_length": 100},
        {
            "key": "why",
            "kind": "reasons",
            "text": {"vi": "Vì sao?"},
            "options": [{"key": "o" * 61, "text": {"vi": "Chờ lâu"}, "element": "ACCESS"}],
        },
    ],
)
def test_keys_longer_than_the_answers_can_store_are_refused(fuzz, question):
    page = fuzz.submit_definition({"title": {"vi": "Phiếu"}, "questions": [question]})
    assert page.status_code == 400
    assert any("longer than 60 characters" in e for e in page.context["form"].errors["definition"])


def test_a_sixty_character_key_is_stored_with_its_answer(fuzz):
    key, option = "k" * 60, "o" * 60
    definition = {
        "title": {"vi": "Phiếu"},
        "questions": [
            {
                "key": key,
                "kind": "reasons",
                "text": {"vi": "Vì sao?"},
                "options": [{"key": option, "text": {"vi": "Chờ lâu"}, "element": "ACCESS"}],
            }
        ],
    }
    assert fuzz.submit_definition(definition).status_code == 302
    form_url = fuzz.publish_and_link()
    citizen = Client()
    token = TOKEN_RE.search(citizen.get(form_url).content.decode()).group(1)
    sent = citizen.post(form_url, {f"q_{key}": option, "form_token": token})
    assert sent.status_code == 303
    with tenant_context(fuzz.unit):
        answer = Answer.objects.get(response=Response.objects.latest("submitted_at"))
        assert (answer.question_key, answer.option_key) == (key, option)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
shaped = st.fixed_dictionaries(
    {
        "title": json_values,
        "questions": st.lists(st.dictionaries(st.sampled_from(QUESTION_FIELDS), json_values)),
    }
)


@FUZZ
@given(definition=st.one_of(json_values, shaped))
@example(
    definition={
        "title": {"vi": "x"},
        "questions": [{"kind": [], "element": [], "options": [{"element": {}}]}],
    }
)
@example(definition={"title": {"vi": "x"}, "questions": [{"kind": "rating", "element": ["OVERALL"]}]})
def test_any_json_gets_a_clear_answer_from_the_editor(fuzz, definition):
    page = fuzz.submit_definition(definition)
    assert page.status_code in (302, 400)
