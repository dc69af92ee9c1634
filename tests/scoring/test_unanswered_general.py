"""Unanswered detection beyond e-commerce wording: the general causes of the misses on the fresh
labelled set (``bench/data/unanswered_fresh.tsv``), each checked on replies not in any set."""

from __future__ import annotations

import pytest

from workbench.scoring.unanswered import detect_unanswered


@pytest.mark.parametrize(
    "text",
    [
        # sent to a party of any domain, not only the shop's own services
        "Rapprochez-vous de votre caisse de retraite pour cette question.",
        "Please get in touch with the embassy about visa timings.",
        "Il faut vous adresser à votre syndic de copropriété.",
        "You should speak to your landlord about that.",
        # a hand-over told in the third person or the passive
        "Un gestionnaire va vous recontacter d'ici demain.",
        "Your case has been escalated and a manager will contact you.",
        "Votre réclamation sera examinée par notre pôle qualité.",
        # someone else decides or handles it
        "C'est la caisse d'allocations qui décide, pas nous.",
        "The letting agency will need to deal with this.",
        # contact details, acknowledgements and the topic do not make an answer
        "Appelez le service résiliation au 09 69 36 39 00, du lundi au samedi de 8 h à 20 h.",
        "I understand this is stressful. Please call the claims line on 0345 600 1234.",
        "Concernant votre litige, écrivez à mediation@example.org.",
        # limitations in other words
        "Je ne suis pas habilité à discuter des détails de votre dossier.",
        "Dunno, sorry.",
        "Those figures are confidential, I'm afraid.",
    ],
)
def test_declines_and_redirects_in_other_domains_are_unanswered(text: str) -> None:
    assert detect_unanswered(text) is not None, text


@pytest.mark.parametrize(
    "text",
    [
        "Votre résiliation est enregistrée au 31 mai ; le service résiliation vous enverra une "
        "confirmation par courrier.",
        "Yes, the claim is approved: £320 will be paid on Friday. Call us on 0345 600 1234 if it "
        "doesn't arrive.",
        "Je comprends votre inquiétude : votre carte a bien été bloquée à 14 h 02 et une nouvelle "
        "part demain.",
        "Regarding your bill, the £12 extra is the roaming you used in Switzerland on 3 May.",
        "Non, nous ne couvrons pas la grêle sur la formule Tiers : elle est incluse dans la "
        "formule Tous risques à 42 € par mois.",
    ],
)
def test_answers_with_contact_details_or_refusal_words_are_answers(text: str) -> None:
    assert detect_unanswered(text) is None, text
