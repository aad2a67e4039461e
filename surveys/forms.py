"""Forms of the officer console's set-up pages. They parse and check input; services do the writing."""

import copy
import json
from typing import Any, cast

from django import forms
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .builtin.questionnaires import BUILTIN_QUESTIONNAIRES, ELEMENTS, RATING_ELEMENTS, REASON_ELEMENTS, SCALES
from .definition import MAX_TEXT_LENGTH, definition_errors, key_error, question_label
from .models import (
    OFFICER_SOURCES,
    Channel,
    Desk,
    FeedbackCategory,
    FeedbackSource,
    Field,
    QuestionnaireVersion,
    ReplyMethod,
    StaffMember,
)
from .selectors import published_versions
from .setup_services import key_from

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
MAX_JSON_LENGTH = 200_000
TWO_LINES = forms.Textarea(attrs={"rows": 2})
NEW_KINDS = [("rating", _("Rating")), ("reasons", _("Reasons (tick boxes)")), ("text", _("Free text"))]
BUCKET_CHOICES = [
    ("unsatisfied", _("unsatisfied")),
    ("neutral", _("neutral")),
    ("satisfied", _("satisfied")),
]


def _text(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs=attrs)


class DayField(forms.DateField):
    """A day typed as dd/mm/yyyy (the Vietnamese order) whatever the page language."""

    widget = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
    default_error_messages = {"invalid": _("Enter the day as dd/mm/yyyy, e.g. 01/06/2024.")}

    def __init__(self, **kwargs: Any):
        super().__init__(input_formats=DATE_FORMATS, **kwargs)


# --------------------------------------------------------------------------- catalog


class FieldForm(forms.Form):
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    key = forms.SlugField(
        label=pgettext_lazy("identifier", "Key"),
        max_length=60,
        required=False,
        help_text=_("Optional; made from the name if left empty. It cannot be changed later."),
    )


class ProcedureForm(forms.Form):
    name_vi = forms.CharField(label=_("Name (Vietnamese)"), max_length=400)
    name_en = forms.CharField(label=_("Name (English)"), max_length=400, required=False)
    field = forms.ModelChoiceField(label=_("Field"), queryset=Field.objects.none(), empty_label=None)
    national_code = forms.CharField(
        label=_("National procedure code"),
        max_length=40,
        required=False,
        help_text=_("The code on the national public service portal, e.g. 1.001193. Leave empty if unsure."),
    )
    key = forms.SlugField(
        label=pgettext_lazy("identifier", "Key"),
        max_length=80,
        required=False,
        help_text=_("Optional; made from the name if left empty. It cannot be changed later."),
    )

    def __init__(self, *args: Any, current_field: Field | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # An inactive field stays selectable for the procedure that already belongs to it.
        queryset = Field.objects.filter(is_active=True)
        if current_field is not None:
            queryset = Field.objects.filter(is_active=True) | Field.objects.filter(pk=current_field.pk)
        cast("forms.ModelChoiceField[Field]", self.fields["field"]).queryset = queryset.order_by("name_vi")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search procedures"), max_length=100, required=False)


# --------------------------------------------------------------------------- desks and staff


class DeskForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    location = forms.CharField(label=_("Location"), max_length=300, required=False)


class StaffMemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    desk = forms.ModelChoiceField(
        label=_("Desk"), queryset=Desk.objects.none(), required=False, empty_label=_("(no desk)")
    )

    def __init__(self, *args: Any, member: StaffMember | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        desks = Desk.objects.filter(is_active=True)
        fields = Field.objects.filter(is_active=True)
        if member is not None:
            if member.desk_id:
                desks = desks | Desk.objects.filter(pk=member.desk_id)
            fields = fields | Field.objects.filter(pk__in=member.fields.values("pk"))
        cast("forms.ModelChoiceField[Desk]", self.fields["desk"]).queryset = desks.order_by("name")
        # Added here, not declared on the class: a class attribute named "fields" would hide the form's
        # own `fields` from the type checker (Django's metaclass moves it; mypy cannot know).
        self.fields["fields"] = forms.ModelMultipleChoiceField(
            label=_("Fields handled"),
            queryset=fields.distinct().order_by("name_vi"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


# --------------------------------------------------------------------------- questionnaires


class InstallBuiltinForm(forms.Form):
    key = forms.ChoiceField(choices=[])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["key"]).choices = [
            (t["key"], t["title"]["vi"]) for t in BUILTIN_QUESTIONNAIRES
        ]


# Blank option rows offered under each reasons question (and the new question): fill one to add an option;
# after saving, the page offers as many blank rows again.
BLANK_OPTION_ROWS = 2
NEW_QUESTION_OPTION_ROWS = 4
# Question texts in the "ask only when…" choices are cut to this many characters.
SHOW_IF_TEXT_LENGTH = 70


def element_choices(codes: frozenset[str]) -> list[tuple[str, str]]:
    """The elements by their names in the page's language (officials never see the codes)."""
    english = (get_language() or "vi").startswith("en")
    named = [(code, ELEMENTS[code]["en" if english else "vi"]) for code in codes]
    # The five SIPAS elements in the method's order, then OVERALL and OTHER.
    order = {code: n for n, code in enumerate(ELEMENTS)}
    return sorted(named, key=lambda item: order.get(item[0], len(order)))


def _key_from_words(text: str, *, taken: set[Any]) -> str:
    """A key from Vietnamese words ("Thời gian chờ" → "thoi_gian_cho"), starting with a letter."""
    words = " ".join(text.split())
    return key_from(f"q {words}" if not words[:1].isalpha() else words, taken=taken, max_length=40)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOW_IF_TEXT_LENGTH else text[: SHOW_IF_TEXT_LENGTH - 1].rstrip() + "…"


SCALE_CHOICES = [(key, f"{scale['name']['vi']} / {scale['name']['en']}") for key, scale in SCALES.items()]


class QuestionnaireEditorForm(forms.Form):
    """The draft's questions as form fields: texts, required, order, removal, element; one new question.

    Question keys never change (figures follow a question across versions by its key); a new question
    gets a key once. The result goes through definition_errors before anything is saved.
    """

    title_vi = forms.CharField(label=_("Title (Vietnamese)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    description_vi = forms.CharField(
        label=_("Introduction (Vietnamese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_en = forms.CharField(
        label=_("Introduction (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("(no new question)")), *NEW_KINDS], required=False
    )
    new_key = forms.CharField(
        label=pgettext_lazy("identifier", "Key"),
        max_length=60,
        required=False,
        help_text=_("Optional; letters, digits and _."),
    )
    new_order = forms.IntegerField(label=_("Number"), min_value=1, max_value=999, required=False)
    new_text_vi = forms.CharField(
        label=_("Question (Vietnamese)"), max_length=1000, required=False, widget=TWO_LINES
    )
    new_text_en = forms.CharField(
        label=_("Question (English)"), max_length=1000, required=False, widget=TWO_LINES
    )
    new_required = forms.BooleanField(label=_("Required"), required=False)
    new_scale = forms.ChoiceField(label=_("Scale (rating)"), choices=SCALE_CHOICES, required=False)
    new_element = forms.ChoiceField(label=_("Element (rating)"), choices=[], required=False)
    new_max_length = forms.IntegerField(
        label=_("Maximum length (free text)"), min_value=1, max_value=MAX_TEXT_LENGTH, required=False
    )

    def __init__(self, data: Any = None, *, definition: dict[str, Any]):
        self.base = copy.deepcopy(definition)
        questions = [q for q in self.base.get("questions", []) if isinstance(q, dict)]
        self.questions = questions
        title, description = self.base.get("title") or {}, self.base.get("description") or {}
        initial = {
            "title_vi": title.get("vi", ""),
            "title_en": title.get("en", ""),
            "description_vi": description.get("vi", ""),
            "description_en": description.get("en", ""),
            "new_order": len(questions) + 1,
            "new_scale": "5",
            "new_max_length": 1000,
        }
        super().__init__(data, initial=initial)
        self.rating_elements = element_choices(RATING_ELEMENTS)
        self.reason_elements = element_choices(REASON_ELEMENTS)
        cast(forms.ChoiceField, self.fields["new_element"]).choices = [("", "—"), *self.rating_elements]
        # Option rows per question prefix: the key of each existing option, None for a blank row.
        self.option_rows: dict[str, list[str | None]] = {}
        self._add_option_rows("new_", [], NEW_QUESTION_OPTION_ROWS, existing=False)
        number_of = {q.get("key"): n for n, q in enumerate(questions, start=1)}
        show_if_choices = [("", _("always"))] + [
            (
                f"{q['key']}:{b}",
                gettext("only when question %(n)s “%(text)s” is answered: %(bucket)s")
                % {
                    "n": number_of[q["key"]],
                    "text": _short((q.get("text") or {}).get("vi", "")),
                    "bucket": label,
                },
            )
            for q in questions
            if q.get("kind") == "rating"
            for b, label in BUCKET_CHOICES
        ]
        for number, q in enumerate(questions, start=1):
            p, kind = self._prefix(q), q.get("kind")
            text, help_ = q.get("text") or {}, q.get("help") or {}
            self.fields[f"{p}order"] = forms.IntegerField(
                label=_("Number"), min_value=1, max_value=999, initial=number
            )
            self.fields[f"{p}text_vi"] = forms.CharField(
                label=_("Question (Vietnamese)"),
                max_length=1000,
                initial=text.get("vi", ""),
                widget=TWO_LINES,
            )
            self.fields[f"{p}text_en"] = forms.CharField(
                label=_("Question (English)"),
                max_length=1000,
                required=False,
                initial=text.get("en", ""),
                widget=TWO_LINES,
            )
            self.fields[f"{p}help_vi"] = forms.CharField(
                label=_("Hint (Vietnamese)"), max_length=1000, required=False, initial=help_.get("vi", "")
            )
            self.fields[f"{p}help_en"] = forms.CharField(
                label=_("Hint (English)"), max_length=1000, required=False, initial=help_.get("en", "")
            )
            if kind != "contact":  # contact details are always optional
                self.fields[f"{p}required"] = forms.BooleanField(
                    label=_("Required"), required=False, initial=bool(q.get("required"))
                )
            self.fields[f"{p}remove"] = forms.BooleanField(label=_("Remove"), required=False)
            if kind == "rating":
                self.fields[f"{p}element"] = forms.ChoiceField(
                    label=_("Counts for"), choices=self.rating_elements, initial=q.get("element")
                )
            if kind == "reasons":
                options = [o for o in q.get("options") or [] if isinstance(o, dict)]
                self._add_option_rows(p, options, BLANK_OPTION_ROWS, existing=True)
            if kind == "text":
                self.fields[f"{p}max_length"] = forms.IntegerField(
                    label=_("Maximum length"),
                    min_value=1,
                    max_value=MAX_TEXT_LENGTH,
                    initial=q.get("max_length"),
                )
            show_if = q.get("show_if") if isinstance(q.get("show_if"), dict) else None
            self.fields[f"{p}show_if"] = forms.ChoiceField(
                label=_("Ask"),
                # never itself; a later question is refused by the definition's checks, as moves may reorder
                choices=[c for c in show_if_choices if not c[0].startswith(f"{q.get('key')}:")],
                required=False,
                initial=f"{show_if.get('question')}:{show_if.get('bucket')}" if show_if else "",
            )

    def _add_option_rows(self, p: str, options: list[dict[str, Any]], blanks: int, *, existing: bool) -> None:
        """One row of fields per option (its texts, what it counts for, its number, remove) and blank rows."""
        keys: list[str | None] = [o.get("key") for o in options] + [None] * blanks
        for i, key in enumerate(keys):
            option = options[i] if key is not None else {}
            text = option.get("text") or {}
            r = f"{p}o{i}-"
            self.fields[f"{r}text_vi"] = forms.CharField(
                label=_("Option (Vietnamese)"), max_length=300, required=False, initial=text.get("vi", "")
            )
            self.fields[f"{r}text_en"] = forms.CharField(
                label=_("Option (English)"), max_length=300, required=False, initial=text.get("en", "")
            )
            self.fields[f"{r}element"] = forms.ChoiceField(
                label=_("Counts for"),
                choices=[("", "—"), *self.reason_elements],
                required=False,
                initial=option.get("element", ""),
            )
            if existing:
                self.fields[f"{r}order"] = forms.IntegerField(
                    label=_("Number"), min_value=1, max_value=99, initial=i + 1
                )
            if key is not None:
                self.fields[f"{r}remove"] = forms.BooleanField(label=_("Remove"), required=False)
        self.option_rows[p] = keys

    @staticmethod
    def _prefix(q: dict[str, Any]) -> str:
        return f"q-{q.get('key')}-"

    def option_blocks(self, p: str) -> list[dict[str, Any]]:
        """The bound fields of each option row of a question (or of the new question, p = "new_")."""
        rows = []
        for i, key in enumerate(self.option_rows.get(p, [])):
            r = f"{p}o{i}-"
            fields = {name[len(r) :]: self[name] for name in self.fields if name.startswith(r)}
            rows.append({"new": key is None, "f": fields})
        return rows

    def new_option_rows(self) -> list[dict[str, Any]]:
        return self.option_blocks("new_")

    def blocks(self) -> list[dict[str, Any]]:
        """The bound fields of each question, its option rows apart, for the template."""
        out = []
        for number, q in enumerate(self.questions, start=1):
            p = self._prefix(q)
            rows = f"{p}o"
            fields = {
                name[len(p) :]: self[name]
                for name in self.fields
                if name.startswith(p) and not (name.startswith(rows) and "-" in name[len(rows) :])
            }
            scale = SCALES.get(str(q.get("scale"))) if q.get("kind") == "rating" else None
            out.append(
                {
                    "number": number,
                    "key": q.get("key"),
                    "kind": q.get("kind"),
                    "scale": scale,
                    "f": fields,
                    "options": self.option_blocks(p),
                }
            )
        return out

    def _options(self, p: str, data: dict[str, Any]) -> list[dict[str, Any]]:
        """The options of the rows under prefix p, in their numbered order; errors go on the rows."""
        keys = self.option_rows.get(p, [])
        taken = {k for k in keys if k}
        chosen: list[tuple[int, bool, int, dict[str, Any]]] = []
        for i, key in enumerate(keys):
            r = f"{p}o{i}-"
            text_vi = (data.get(f"{r}text_vi") or "").strip()
            text_en = (data.get(f"{r}text_en") or "").strip()
            element = data.get(f"{r}element") or ""
            if data.get(f"{r}remove") or (key is None and not (text_vi or text_en or element)):
                continue
            if not text_vi:
                self.add_error(f"{r}text_vi", gettext("An option needs a Vietnamese text."))
            if not element:
                self.add_error(f"{r}element", gettext("Choose what this reason counts for."))
            if key is None:
                key = _key_from_words(text_vi, taken=taken)
                taken.add(key)
            option = {"key": key, "text": {"vi": text_vi, "en": text_en}, "element": element}
            order = data.get(f"{r}order") or len(keys) + i + 1
            # As with questions, a row given the number of another takes its place.
            chosen.append((order, order == i + 1, i, option))
        chosen.sort(key=lambda item: item[:3])
        return [item[3] for item in chosen]

    def error_summary(self) -> list[str]:
        """Each field error with where it is, for the box at the top of a long form."""
        numbers = {self._prefix(q): (n, q.get("key")) for n, q in enumerate(self.questions, start=1)}
        lines: list[str] = []
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            where = gettext("New question") if name.startswith("new_") else ""
            prefix = name[: name.rfind("-") + 1]
            if prefix in numbers:
                where = question_label(*numbers[prefix])
            label = self.fields[name].label if name in self.fields else name
            place = f"{where} · {label}" if where else str(label)
            lines.extend(f"{place}: {error}" for error in errors)
        return lines

    def clean_new_key(self) -> str:
        key = self.cleaned_data.get("new_key", "").strip()
        problem = key_error(key) if key else None
        if problem:
            raise forms.ValidationError(f"{problem[0].upper()}{problem[1:]}.")
        if key and any(q.get("key") == key for q in self.questions):
            raise forms.ValidationError(gettext("The key “%(key)s” is already used.") % {"key": key})
        return key

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self.options = {p: self._options(p, data) for p in self.option_rows if p != "new_"}
        kind = data.get("new_kind")
        if kind:
            if not (data.get("new_text_vi") or "").strip():
                self.add_error("new_text_vi", gettext("The new question needs a Vietnamese text."))
            if kind == "rating" and not data.get("new_element"):
                self.add_error("new_element", gettext("Choose what the rating counts for."))
            if kind == "reasons":
                self.options["new_"] = self._options("new_", data)
                if not self.options["new_"] and "new_o0-text_vi" not in self.errors:
                    self.add_error("new_o0-text_vi", gettext("Reasons need at least one option."))
            if kind == "text" and not data.get("new_max_length"):
                self.add_error("new_max_length", gettext("A free text needs a maximum length."))
        if not self.errors:
            self.definition = self._build(data)
            errors = definition_errors(self.definition)
            for error in errors:
                self.add_error(None, error)
        return data

    def _build(self, data: dict[str, Any]) -> dict[str, Any]:
        definition = copy.deepcopy(self.base)
        definition["title"] = {"vi": data["title_vi"].strip(), "en": data.get("title_en", "").strip()}
        if data.get("description_vi") or data.get("description_en") or "description" in definition:
            definition["description"] = {
                "vi": data.get("description_vi", "").strip(),
                "en": data.get("description_en", "").strip(),
            }
        ordered: list[tuple[int, bool, int, dict[str, Any]]] = []
        for index, q in enumerate(self.questions):
            p = self._prefix(q)
            if data.get(f"{p}remove"):
                continue
            new = copy.deepcopy(q)
            new["text"] = {"vi": data[f"{p}text_vi"].strip(), "en": data.get(f"{p}text_en", "").strip()}
            help_vi, help_en = data.get(f"{p}help_vi", "").strip(), data.get(f"{p}help_en", "").strip()
            if help_vi or help_en:
                new["help"] = {"vi": help_vi, "en": help_en}
            else:
                new.pop("help", None)
            if f"{p}required" in self.fields:
                new["required"] = bool(data.get(f"{p}required"))
            if f"{p}element" in data:
                new["element"] = data[f"{p}element"]
            if p in self.options:
                new["options"] = self.options[p]
            if f"{p}max_length" in data:
                new["max_length"] = data[f"{p}max_length"]
            self._set_show_if(new, data.get(f"{p}show_if"))
            moved = data[f"{p}order"] != index + 1
            ordered.append((data[f"{p}order"], not moved, index, new))
        kind = data.get("new_kind")
        if kind:
            new = self._new_question(kind, data, taken={q.get("key") for q in self.questions})
            ordered.append((data.get("new_order") or len(self.questions) + 1, False, -1, new))
        # A question given the number of another takes its place: moved (and new) ones go first on a tie.
        ordered.sort(key=lambda item: item[:3])
        definition["questions"] = [item[3] for item in ordered]
        return definition

    @staticmethod
    def _set_show_if(question: dict[str, Any], raw: str | None) -> None:
        if raw:
            target, _sep, bucket = raw.partition(":")
            question["show_if"] = {"question": target, "bucket": bucket}
        else:
            question.pop("show_if", None)

    def _new_question(self, kind: str, data: dict[str, Any], taken: set[Any]) -> dict[str, Any]:
        # Officials never type a key: one is made from the Vietnamese words (operators may give their own).
        key = data.get("new_key") or _key_from_words(data["new_text_vi"], taken=taken)
        question: dict[str, Any] = {
            "key": key,
            "kind": kind,
            "text": {"vi": data["new_text_vi"].strip(), "en": data.get("new_text_en", "").strip()},
            "required": bool(data.get("new_required")),
        }
        if kind == "rating":
            question["scale"] = data.get("new_scale") or "5"
            question["element"] = data["new_element"]
        elif kind == "reasons":
            question["options"] = self.options["new_"]
        else:
            question["max_length"] = data["new_max_length"]
        return question


class DefinitionJSONForm(forms.Form):
    """The whole definition as JSON, for what the structured editor does not offer (options, help...)."""

    definition = forms.CharField(
        label=_("Definition (JSON)"),
        max_length=MAX_JSON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        strip=False,
    )

    def clean_definition(self) -> dict[str, Any]:
        raw = self.cleaned_data["definition"]
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                gettext("Line %(line)s, column %(col)s: %(msg)s.")
                % {"line": error.lineno, "col": error.colno, "msg": error.msg}
            ) from error
        errors = definition_errors(parsed)
        if errors:
            raise forms.ValidationError(errors)
        return parsed


# --------------------------------------------------------------------------- campaigns


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: QuestionnaireVersion) -> str:
        return f"{obj.questionnaire.title_vi} · v{obj.number}"


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    version = VersionChoiceField(
        label=_("Questionnaire (published version)"),
        queryset=QuestionnaireVersion.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a published questionnaire version from the list.")},
    )
    starts_on = DayField(label=_("First day"))
    ends_on = DayField(label=_("Last day"))
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("“%(value)s” is not one of the channels."),
            "required": _("Choose at least one channel."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelChoiceField[QuestionnaireVersion]", self.fields["version"]
        ).queryset = published_versions()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", gettext("The last day is before the first day."))
        return data


# --------------------------------------------------------------------------- feedback


class FeedbackEntryForm(forms.Form):
    """Feedback that reached the unit by letter, hotline, feedback box or meeting, typed in by an officer.

    The form only reads the types; surveys.feedback checks the rest, so every entry point says the same.
    """

    source = forms.ChoiceField(label=_("Received by"))
    received_on = DayField(label=_("Received on"))
    category = forms.ChoiceField(label=_("What it is about"))
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000)
    procedure = forms.ChoiceField(label=_("Procedure concerned"), required=False)
    dossier_code = forms.CharField(label=_("Dossier code"), required=False, max_length=60)
    contact_name = forms.CharField(label=_("Citizen's name"), required=False, max_length=200)
    contact_phone = forms.CharField(label=_("Phone number"), required=False, max_length=30)
    contact_email = forms.CharField(label=_("Email"), required=False, max_length=254)
    contact_address = forms.CharField(label=_("Address"), required=False, max_length=300)

    def __init__(self, *args: Any, procedures: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        labels = dict(FeedbackSource.choices)
        cast(forms.ChoiceField, self.fields["source"]).choices = [
            (s.value, labels[s.value]) for s in OFFICER_SOURCES
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = FeedbackCategory.choices
        cast(forms.ChoiceField, self.fields["procedure"]).choices = [
            ("", _("None or not known")),
            *procedures,
        ]
        self.fields["contact_name"].help_text = _(
            "Contact details are optional, seen only by the officials handling the feedback, and erased once "
            "the reply has been rated or the rating link has expired."
        )


class FeedbackAssignForm(forms.Form):
    official = forms.ChoiceField(label=_("Official in charge"))

    def __init__(self, *args: Any, officials: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["official"]).choices = [("", _("Choose…")), *officials]


class FeedbackReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 8}), max_length=8000)
    method = forms.ChoiceField(label=_("Sent"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["method"]).choices = ReplyMethod.choices
