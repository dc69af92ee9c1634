"""Perturbations: outputs on fixed seeds, protected spans, word lists, variants of rows."""

from __future__ import annotations

import random
import re

import pytest

from workbench.core.errors import ValidationError
from workbench.core.models import DatasetRow
from workbench.core.perturb import (
    LAYOUTS,
    PERTURBATIONS,
    PerturbationChoice,
    char_diff,
    detect_language,
    format_perturbations,
    inline_diff,
    make_variants,
    noise_of,
    original_of,
    parse_perturbations,
    perturb_text,
    protected_spans,
    word_list,
)
from workbench.core.perturb.kinds import NEIGHBOURS
from workbench.core.perturb.wordlists import parse_word_list

FR = (
    "Bonjour, j'ai toujours pas reçu ma commande ML-104522. Pourquoi ? C'est à quelle adresse ?"
    " Merci."
)
EN = (
    "Hello, please tell me why my package is still not delivered. Your tracking"
    " 1Z999AA10123456784 says nothing, thank you!"
)

FIXED_FR = [
    (
        "accents",
        "Bonjour, j'ai toujours pas recu ma commande ML-104522. Pourquoi ? C'est a quelle"
        " adresse ? Merci.",
    ),
    (
        "typos",
        "Bonjour, j'ai toujours pas reçu ma commande ML-104522. Pourquoi ? C'est à quelle"
        " adrezse ? Mercu.",
    ),
    (
        "letters",
        "Bonjoru, j'ai toujours as reçu a cmomande ML-104522. Pouruoi ? C'est à qelle"
        " adresse ? Merci.",
    ),
    ("sms", "Bjr, j'ai tjr pa reçu ma cmd ML-104522. Pk ? C à quelle adresse ? Mci."),
    (
        "caps",
        "BONJOUR, J'AI TOUJOURS PAS REÇU MA COMMANDE ML-104522. POURQUOI ? C'EST À QUELLE"
        " ADRESSE ? MERCI.",
    ),
    (
        "punctuation",
        "Bonjour jai toujours pas reçu ma commande ML-104522 Pourquoi Cest à quelle adresse Merci",
    ),
    (
        "phonetic",
        "Bonjour, j'ai toujour pas recu ma comande ML-104522. Pourquoi ? C'est a quelle"
        " adresse ? Merci.",
    ),
]
FIXED_EN = [
    (
        "typos",
        "Hello, please tell me why my pacoage is still not delivefed. Ypur tracking"
        " 1Z999AA10123456784 says nothing, rhank you!",
    ),
    (
        "sms",
        "Hello, pls tell me y my package is still not delivered. Ur tracking"
        " 1Z999AA10123456784 says nothing, ty!",
    ),
    (
        "phonetic",
        "Hello, please tell me why my pakage is still not delivered. Your traking"
        " 1Z999AA10123456784 says nothing, thank you!",
    ),
]


@pytest.mark.parametrize(("kind", "expected"), FIXED_FR)
def test_each_perturbation_on_a_fixed_seed_french(kind: str, expected: str) -> None:
    assert perturb_text(FR, kind, seed=7) == expected


@pytest.mark.parametrize(("kind", "expected"), FIXED_EN)
def test_each_perturbation_on_a_fixed_seed_english(kind: str, expected: str) -> None:
    assert perturb_text(EN, kind, seed=7) == expected


def test_same_seed_same_output_other_seed_other_output() -> None:
    outputs = {perturb_text(FR, "typos", 0.2, seed=s) for s in range(5)}
    assert perturb_text(FR, "typos", 0.2, seed=3) == perturb_text(FR, "typos", 0.2, seed=3)
    assert len(outputs) == 5


@pytest.mark.parametrize("kind", list(PERTURBATIONS))
def test_intensity_zero_changes_nothing(kind: str) -> None:
    assert perturb_text(FR, kind, 0.0, seed=1) == FR


def test_tiny_intensities_are_safe_and_rates_are_about_right() -> None:
    assert perturb_text("abc", "typos", 1e-300, seed=1) == "abc"
    text = "abcdefghijklmnopqrstuvwxyz" * 400
    changed = sum(
        a != b for a, b in zip(text, perturb_text(text, "typos", 0.1, seed=2), strict=True)
    )
    assert 0.08 * len(text) < changed < 0.12 * len(text)


def test_intensity_scales_the_number_of_changes() -> None:
    text = "je voudrais savoir quand arrive le colis que j'ai commandé la semaine dernière " * 5
    changed = [
        sum(a != b for a, b in zip(text, perturb_text(text, "typos", level, seed=4), strict=True))
        for level in (0.02, 0.2, 0.8)
    ]
    assert changed[0] < changed[1] < changed[2]


def test_keyboard_layout_follows_the_language() -> None:
    # 'a' on AZERTY touches z and q; on QWERTY it touches q, w, s and z.
    assert set(NEIGHBOURS["azerty"]["a"]) == {"z", "q"}
    assert set(NEIGHBOURS["qwerty"]["a"]) == {"q", "w", "s", "z"}
    assert set(NEIGHBOURS["azerty"]["m"]) == {"l", "p"}
    french = perturb_text("aaaaaaaaaaaaaaaaaaaa", "typos", 1.0, seed=1, language="fr")
    english = perturb_text("aaaaaaaaaaaaaaaaaaaa", "typos", 1.0, seed=1, language="en")
    assert set(french) <= {"z", "q"}
    assert set(english) <= {"q", "w", "s", "z"} and set(english) - {"z", "q"}
    assert all(len(row) >= 6 for rows in LAYOUTS.values() for row in rows)


def test_typos_keep_capitals_and_leave_non_letters() -> None:
    out = perturb_text("ABC ÉÀ 12 ?", "typos", 1.0, seed=2, language="en")
    assert out[:3].isupper() and out[:3] != "ABC" and out[3:] == " ÉÀ 12 ?"


def test_language_detection_and_fallback() -> None:
    assert detect_language("je voudrais savoir où est mon colis") == "fr"
    assert detect_language("where is my parcel, it was due yesterday") == "en"
    assert detect_language("ML-104522") == "fr"  # no signal: the project's main language
    # Given explicitly, the language wins over detection (English words, AZERTY keyboard).
    assert perturb_text("bonjour", "sms", language="en") == "bonjour"
    assert perturb_text("bonjour", "sms", language="fr-FR") == "bjr"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bonjour, je sais pas pourquoi", "bjr, jsp pk"),
        ("S'il vous plaît", "Svp"),
        ("s’il te plaît, c'est quand le rendez-vous ?", "stp, c qd le rdv ?"),
        ("désolé, beaucoup de retard", "dsl, bcp de retard"),
        ("Desole", "Dsl"),  # written without its accent, still recognised
        ("BONJOUR", "BJR"),
        ("salut, toujours rien", "slt, tjr r1"),
    ],
)
def test_french_sms_speak(text: str, expected: str) -> None:
    assert perturb_text(text, "sms", 1.0, language="fr") == expected


def test_english_sms_speak() -> None:
    out = perturb_text("please, you are great, thank you, I don't know", "sms", 1.0, language="en")
    assert out == "pls, u r gr8, ty, Idk"


def test_sms_does_not_touch_parts_of_words() -> None:
    # "pas" is in the list; "passée" and "repas" are not to be touched.
    assert perturb_text("passée repas pas", "sms", 1.0, language="fr") == "passée repas pa"


def test_phonetic_misspellings_tell_accents_apart() -> None:
    out = perturb_text("il a reçu sa commande et il est à Paris", "phonetic", 1.0, language="fr")
    assert out == "il à recu ça comande est il et a Paris"


def test_shipped_word_lists_hold_the_issue_abbreviations() -> None:
    fr = {v for values in word_list("sms_fr").replacements.values() for v in values}
    for abbreviation in ("bjr", "slt", "stp", "svp", "tjr", "pk", "c", "jsp", "dsl", "mdr", "cmd"):
        assert abbreviation in fr
    for abbreviation in ("qd", "bcp", "rdv"):
        assert abbreviation in fr
    en = {v for values in word_list("sms_en").replacements.values() for v in values}
    assert {"pls", "thx", "u", "idk", "asap", "btw"} <= en
    assert word_list("phonetic_fr").replacements["commande"] == ("comande",)
    assert word_list("phonetic_fr").replacements["reçu"] == ("recu",)


def test_a_malformed_word_list_line_is_named() -> None:
    with pytest.raises(ValidationError, match="word list x, line 2"):
        parse_word_list("x", "# comment\nno tab here\n", accent_sensitive=False)


def test_punctuation_and_apostrophes() -> None:
    assert perturb_text("j'ai payé, merci !", "punctuation", 1.0) == "jai payé merci"
    assert perturb_text("ma commande (ML-1234) ?", "punctuation", 1.0) == "ma commande ML-1234"


def test_accents_removed_including_ligatures() -> None:
    assert perturb_text("Numéro livrée cœur Ça", "accents", 1.0) == "Numero livree coeur Ca"


def test_caps_partial_intensity_works_per_sentence() -> None:
    out = perturb_text("un. deux. trois. quatre. cinq. six.", "caps", 0.5, seed=3)
    sentences = [s.strip() for s in out.split(".") if s.strip()]
    assert any(s.isupper() for s in sentences) and any(s.islower() for s in sentences)


def test_protected_spans_detected() -> None:
    text = (
        "Commande ML-104522 (suivi 6A23918475520), payée 1 299,00 € et $45.50, écrivez à"
        " jean.dupont+sav@example.co.uk ou voyez https://shop.example.com/track?id=9."
    )
    found = [text[a:b] for a, b in protected_spans(text)]
    assert found == [
        "ML-104522",
        "6A23918475520",
        "1 299,00 €",
        "$45.50",
        "jean.dupont+sav@example.co.uk",
        "https://shop.example.com/track?id=9",
    ]


def _message(rng: random.Random) -> tuple[str, list[str]]:
    """A generated customer message and the protected values it contains."""
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    order = f"{rng.choice(letters)}{rng.choice(letters)}-{rng.randint(100000, 999999)}"
    tracking = "".join(rng.choice(letters + "0123456789") for _ in range(rng.randint(10, 18)))
    tracking = tracking[:3] + str(rng.randint(0, 9)) + tracking[3:]
    user = "".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(2, 9)))
    email = f"{user}.{rng.choice(['martin', 'o'])}@{rng.choice(['gmail.com', 'exemple.fr'])}"
    amount = rng.choice(
        [
            f"{rng.randint(1, 999)},{rng.randint(10, 99)} €",
            f"${rng.randint(1, 999)}.{rng.randint(10, 99)}",
            f"{rng.randint(1, 99)} euros",
            f"€{rng.randint(1, 999)}",
        ]
    )
    url = f"https://{rng.choice(['suivi', 'track'])}.example.com/{user}/{rng.randint(1, 99)}"
    name = rng.choice(["Hélène Martin", "Zoë d'Artois", "Jean-Noël Côté"])
    words = re.findall(
        r"\S+",
        "bonjour je voudrais savoir où est ma commande pourquoi toujours pas reçu merci "
        "please where is my order thank you c'est à quelle adresse s'il vous plaît",
    )
    protected = [order, tracking, email, amount, url, name]
    pieces = [rng.choice(words) for _ in range(rng.randint(3, 12))]
    for value in protected:
        pieces.insert(rng.randint(0, len(pieces)), value + rng.choice(["", ",", ".", " !", " ?"]))
    return " ".join(pieces), protected


def test_protected_spans_survive_every_perturbation_on_many_messages() -> None:
    rng = random.Random(20261203)
    for _ in range(300):
        text, protected = _message(rng)
        for kind in PERTURBATIONS:
            for intensity in (0.3, 1.0):
                seed = rng.randint(0, 10**6)
                out = perturb_text(text, kind, intensity, seed, protected=protected[-1:])
                for value in protected:
                    assert value in out, (kind, intensity, seed, text, out, value)


def test_protected_values_are_matched_without_regard_to_case() -> None:
    out = perturb_text("bonjour hélène martin", "caps", 1.0, protected=["Hélène Martin"])
    assert out == "BONJOUR hélène martin"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("bogus", "unknown perturbation 'bogus': choose from accents, typos"),
        ("typos:1.5", "intensity 1.5 of perturbation 'typos' is outside 0–1"),
        ("typos:-0.1", "outside 0–1"),
        ("typos:lots", "intensity 'lots' of perturbation 'typos' is not a number"),
        ("typos,typos:0.1", "given twice"),
        (" , ", "no perturbation given"),
    ],
)
def test_bad_perturbation_choices_name_the_valid_ones(text: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(problem)):
        parse_perturbations(text)


def test_perturbation_choices_round_trip() -> None:
    choices = parse_perturbations("accents, typos:0.05 ,SMS, caps:0.5")
    assert choices == (
        PerturbationChoice("accents", 1.0),
        PerturbationChoice("typos", 0.05),
        PerturbationChoice("sms", 1.0),
        PerturbationChoice("caps", 0.5),
    )
    assert format_perturbations(choices) == "accents,typos,sms,caps:0.5"
    with pytest.raises(ValidationError, match="outside 0–1"):
        perturb_text("x", "typos", 2.0)


def test_char_diff_marks_what_changed() -> None:
    assert inline_diff("commande reçue", "comande recue") == "co[-m-]mande re[-ç-]{+c+}ue"
    pieces = char_diff("abc", "abc")
    assert [p.op for p in pieces] == ["equal"]


def _row(row_id: str, message: str, **extra: object) -> DatasetRow:
    return DatasetRow(
        id=row_id,
        vars={"message": message, "order_status": "Statut : expédiée", **extra},
        facts=("Colissimo",),
        tags=("fr", "tracking"),
    )


def test_variants_are_linked_tagged_and_leave_originals_alone() -> None:
    rows = [
        _row("r1", "Bonjour, où est ma commande ML-104522 ? Colissimo dit rien.", order_id="ML-1"),
        _row("r2", "Salut, toujours pas reçu"),
    ]
    before = [row.model_copy() for row in rows]
    result = make_variants(
        rows, parse_perturbations("accents,sms"), seed=5, protected_fields=("order_id",)
    )
    assert rows == before
    assert [r.id for r in result.rows] == [
        "r1",
        "r1~accents",
        "r1~sms",
        "r2",
        "r2~accents",
        "r2~sms",
    ]
    sms = result.rows[2]
    assert original_of(sms) == "r1" and noise_of(sms) == "sms"
    assert sms.tags == ("fr", "tracking", "noise:sms", "variant-of:r1")
    assert sms.vars["message"] == "Bjr, où est ma cmd ML-104522 ? Colissimo dit r1."
    assert sms.vars["order_status"] == "Statut : expédiée"  # context is not the customer's text
    assert sms.facts == ("Colissimo",)
    assert result.rows[5].vars["message"] == "Slt, tjr pa reçu"
    assert (
        len(result.notes) == 1
        and "1 row(s) lack the protected field(s) order_id" in result.notes[0]
    )
    again = make_variants(rows, parse_perturbations("accents,sms"), seed=5)
    assert again.rows[2] == result.rows[2]


def test_variants_perturb_user_turns_of_a_conversation_only() -> None:
    row = DatasetRow(
        id="c1",
        vars={
            "conversation": [
                {"role": "user", "content": "bonjour, ma commande ?"},
                {"role": "assistant", "content": "Bonjour, votre commande est partie."},
                {"role": "user", "content": "merci beaucoup"},
            ]
        },
    )
    variant = make_variants([row], parse_perturbations("sms"), seed=1).variants[0]
    turns = variant.vars["conversation"]
    assert [t["content"] for t in turns] == [
        "bjr, ma cmd ?",
        "Bonjour, votre commande est partie.",
        "mci bcp",
    ]


def test_rows_without_free_text_are_reported_once() -> None:
    rows = [DatasetRow(id=f"n{i}", vars={"order_id": "ML-1"}) for i in range(3)]
    result = make_variants(rows, parse_perturbations("caps"))
    assert result.variants == ()
    assert len(result.notes) == 1 and result.notes[0].startswith("3 row(s) have no free-text")
