"""French tu / vous detection on real customer-service sentences, traps included."""

from __future__ import annotations

import pytest

from workbench.scoring.address import detect_english_address, detect_french_address

SENTENCES: list[tuple[str, str]] = [
    # Tutoiement, correct for a "tu" persona.
    ("Salut Léa ! Ton colis est parti ce matin, tu le recevras jeudi.", "tu"),
    ("N’hésite pas à me recontacter si besoin.", "tu"),
    ("Dis-moi ton numéro de commande et je regarde ça.", "tu"),
    ("Envoie-moi une photo du produit abîmé, s’il te plaît.", "tu"),
    ("Regarde dans tes spams, le mail de confirmation s’y trouve peut-être.", "tu"),
    ("Je peux t’aider à suivre ta livraison.", "tu"),
    ("Clique sur « Mes commandes » puis choisis la commande concernée.", "tu"),
    ("Pas de souci, je m’en occupe pour toi.", "tu"),
    ("Le remboursement arrivera sur ton compte d’ici cinq jours.", "tu"),
    ("Ne t'inquiète pas, le transporteur a juste un peu de retard.", "tu"),
    ("Vas-y, passe ta commande, le code promo marche encore.", "tu"),
    ("Si tu veux, je t’envoie le lien du tutoriel.", "tu"),
    ("Pour cela, rends-toi sur ton espace client.", "tu"),
    ("Le colis est à toi dès qu’il est livré, et le tien arrive demain.", "tu"),
    ("T’inquiète, on s’en occupe tout de suite.", "tu"),
    ("Nous avons bien reçu ta demande et nous t’écrirons demain.", "tu"),
    # Vouvoiement, correct for a "vous" persona.
    ("Bonjour Madame, votre colis a été expédié le 3 novembre.", "vous"),
    ("N'hésitez pas à nous contacter pour toute question.", "vous"),
    ("Pourriez-vous me communiquer votre numéro de commande ?", "vous"),
    ("Envoyez-moi une photo du produit et je lance le remboursement.", "vous"),
    ("Veuillez trouver ci-joint la facture demandée.", "vous"),
    ("Cliquez sur le lien reçu par e-mail, puis suivez les étapes.", "vous"),
    ("Je vous remercie de votre patience.", "vous"),
    ("Rendez-vous sur notre site pour suivre la livraison.", "vous"),
    ("Dites-moi si le problème persiste.", "vous"),
    ("Le statut de votre commande indique « en préparation ».", "vous"),
    ("Vous nous avez écrit « peux-tu annuler ma commande ? » : c’est fait.", "vous"),
    ("Merci de patienter quelques minutes, svp.", "vous"),
    ("Je vous les renvoie tous les deux dès demain.", "vous"),
    ("Prenez rendez-vous sur notre site, c’est plus rapide.", "vous"),
    ("Pour suivre votre colis, rendez-vous sur la page Suivi.", "vous"),
    ("Est-ce que je peux vous aider autrement ?", "vous"),
    # Neither form: traps that a naive word match gets wrong.
    ("Le statut de la commande est « expédiée ».", "none"),
    ("Les data sont synchronisées chaque nuit.", "none"),
    ("Le tutoriel explique comment choisir une toilette sèche.", "none"),
    ("Il faut prendre rendez-vous avec un conseiller en agence.", "none"),
    ("Rendez-vous pris pour lundi à 14 h.", "none"),
    ("Le conseiller répond toujours sur un ton calme et posé.", "none"),
    ("Le ton de la réponse doit rester chaleureux.", "none"),
    ("Y a-t-il un suivi disponible pour cette commande ?", "none"),
    ("Le client a écrit : « tu m’as envoyé le mauvais article ».", "none"),
    ("Chez Maison Lumière, la livraison est offerte dès 50 €.", "none"),
    ("Le bouton « Valider » se trouve en bas de la page.", "none"),
    ("La commande a été préparée, assez vite d'ailleurs.", "none"),
    ("Note : la livraison est gratuite dès 50 €.", "none"),
    ("Mme Martinez a confirmé la réception du colis.", "none"),
    ("Le livreur ne passe pas le dimanche.", "none"),
    ("N'importe quel point relais fera l'affaire.", "none"),
    # Mixed: the reply switches forms, which the register check must catch.
    ("Bonjour, votre colis arrive demain, n'hésite pas si besoin.", "mixed"),
    ("Tu peux suivre votre commande dans l’espace client.", "mixed"),
    ("Merci pour votre message ! Dis-moi ton numéro de commande.", "mixed"),
    ("Contactez le support, ils t’aideront.", "mixed"),
    ("Veuillez patienter, je regarde ta commande.", "mixed"),
]


@pytest.mark.parametrize(("sentence", "form"), SENTENCES)
def test_french_address_form(sentence: str, form: str) -> None:
    report = detect_french_address(sentence)
    evidence = [(m.form, m.words, m.rule) for m in (*report.tu, *report.vous)]
    assert report.form == form, f"{sentence!r}: {evidence}"


def test_there_are_at_least_thirty_sentences() -> None:
    assert len(SENTENCES) >= 30
    assert {form for _, form in SENTENCES} == {"tu", "vous", "none", "mixed"}


def test_evidence_names_words_rules_and_context() -> None:
    report = detect_french_address("Merci pour votre message ! Dis-moi ton numéro de commande.")
    assert [(m.words, m.rule) for m in report.vous] == [("votre", "possessive")]
    assert [(m.words, m.rule) for m in report.tu] == [
        ("Dis-moi", "hyphenated imperative"),
        ("ton numéro", "possessive"),
    ]
    assert "Dis-moi ton numéro" in report.tu[0].context


def test_ignored_nouns_and_quotes_are_reported() -> None:
    report = detect_french_address(
        "Prenez rendez-vous sur un ton calme. Vous avez écrit « tu es nul »."
    )
    assert report.form == "vous"
    assert any("rendez-vous" in item for item in report.ignored)
    assert any("ton" in item for item in report.ignored)
    assert report.quoted_passages == 1


def test_quoted_lines_starting_with_a_chevron_are_ignored() -> None:
    text = "> Tu peux me rembourser ?\nBien sûr, votre remboursement part aujourd'hui."
    assert detect_french_address(text).form == "vous"


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("Hi John, your order shipped today.", "first_name"),
        ("Hey! Your order shipped.", "first_name"),
        ("Dear Ms Martin, your order shipped today.", "formal"),
        ("Dear Mr. Smith,\nThank you for your message.", "formal"),
        ("Good morning Sir, your refund is on its way.", "formal"),
        ("Hello, your order shipped today.", "neutral"),
        ("Dear customer, your order shipped.", "neutral"),
        ("Your order shipped today.", None),
    ],
)
def test_english_greeting_style(text: str, style: str | None) -> None:
    assert detect_english_address(text).style == style


@pytest.mark.parametrize(
    "text",
    [
        "Copie de votre facture en pièce jointe.",
        "Tente Nordik 4 places : disponible sous 48 h.",
        "Montre connectée Orion, 199 €.",
        "Un plaid ton sur ton, très doux.",
        "Coloris : ton sur ton.",
        "Gomez a bien reçu votre colis.",
        "Rodriguez et fils livrent demain.",
    ],
)
def test_headings_idioms_and_surnames_are_not_tu_or_vous_imperatives(text: str) -> None:
    report = detect_french_address(text)
    assert not report.tu, report.tu
    assert all(marker.rule != "imperative" for marker in report.vous), report.vous


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Copie le lien et envoie-le-moi.", "Copie"),
        ("Tente de te reconnecter.", "Tente"),
        ("Montre la photo au livreur.", "Montre"),
    ],
)
def test_the_same_words_as_imperatives_still_count(text: str, word: str) -> None:
    report = detect_french_address(text)
    assert any(marker.words == word and marker.rule == "imperative" for marker in report.tu)
