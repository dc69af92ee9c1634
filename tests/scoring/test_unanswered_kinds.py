"""Unanswered detection by kind of reply (the kinds behind the misses on the third labelled set,
``bench/data/unanswered_third.tsv``), each checked on replies written for these tests, in French
and English, with near-miss answers of the same shape that must stay answers."""

from __future__ import annotations

import pytest

from workbench.scoring.unanswered import detect_unanswered, detect_unanswered_rules

UNANSWERED = {
    "acknowledgement only": [
        "D'accord.",
        "Entendu !",
        "C'est noté, merci.",
        "Got it.",
        "Understood 👍",
        "Bonsoir, votre réclamation a bien été enregistrée. Bonne soirée.",
        "Hello, we have received your message.",
        "Thanks a lot for your comments!",
        "Your request has been logged.",
    ],
    "policy refusal": [
        "Nous n'accordons pas de prolongation de délai pour les dossiers de bourse.",
        "On ne rembourse jamais les billets non échangeables, c'est la règle.",
        "Nous ne communiquons aucune information sur les autres locataires. Cette règle "
        "s'applique à tous nos immeubles.",
        "We don't offer price matching on flights. This applies to every booking, no exceptions.",
        "We are unable to reinstate a membership once it has lapsed; the policy is final.",
        "As a virtual agent, I'm not able to change the name on a booking.",
    ],
    "curt no / not available": [
        "Désolée, non.",
        "Nope, sorry.",
        "Ces données ne sont pas communicables.",
        "That information isn't available.",
    ],
    "closing refusal": [
        "Bonjour Monsieur, merci pour votre fidélité depuis toutes ces années et pour la "
        "précision de votre message. Nous savons combien un retard de livraison de meubles peut "
        "compliquer un déménagement, et notre équipe logistique fait tout son possible pour "
        "tenir les délais annoncés. Nous ne sommes toutefois pas autorisés à vous accorder un "
        "dédommagement pour ce retard.\n\nCordialement,\nLe service clients",
        "Hello Sam,\n\nThank you for taking the time to write to us, and we are sorry to hear "
        "about the trouble with your streaming box over the weekend. Our engineers work around "
        "the clock to keep the service running smoothly for every household. Unfortunately, we "
        "are unable to credit your account for the outage.\n\nKind regards,\nViewNet Support",
    ],
    "pointer only": [
        "Voir l'article 12 du règlement intérieur.",
        "Cf. la notice, section 4.",
        "Tout est sur https://aide.exemple.fr/horaires",
        "See clause 9 of your lease.",
        "Have a look at the Billing tab of your dashboard.",
        "Consultez la rubrique « Mes remboursements » de votre espace adhérent.",
    ],
    "escalation": [
        "J'ai transmis votre demande au service contentieux.",
        "Votre dossier a été remonté à notre cellule qualité (réf. QL-4410).",
        "Your complaint has been escalated to a supervisor. Expect an answer within 72 hours.",
        "I've forwarded this to our accounts team.",
        "This ticket was assigned to the Returns desk (case 88213).",
    ],
    "someone else's matter": [
        "Le remboursement des soins relève de votre mutuelle.",
        "Cette question est du ressort du syndic.",
        "Parking permits are issued by the town hall, not by us.",
        "Noise complaints are dealt with by the building's management company.",
        "Demandez à votre banquier.",
        "Have you tried the user forum? Other players may know.",
        "Cette démarche doit être faite auprès de la préfecture.",
        "Votre conseillère est en congé, merci de réessayer la semaine prochaine.",
    ],
}

ANSWERED = {
    "acknowledgement only": [
        "Non.",
        "Yes.",
        "C'est noté : votre rendez-vous est déplacé au mardi 14 à 10 h.",
        "Thanks for your message — your refund of €45 was sent today.",
        "OK, la livraison est possible samedi matin.",
    ],
    "policy refusal": [
        "Non, nous ne livrons pas le dimanche : les livraisons ont lieu du lundi au samedi.",
        "We don't charge for the first bag; the second one is €25.",
        "Nous ne remboursons pas le billet, mais vous pouvez l'échanger sans frais jusqu'à la "
        "veille du départ.",
        "We can't refund the class, but we've added a free session to your account.",
    ],
    "curt no / not available": [
        "Non, désolé, le modèle en bleu n'existe plus ; il reste le gris et le noir.",
        "This colour is not available in size 42, but the 43 is in stock.",
    ],
    "closing refusal": [
        "Votre loyer de mars a bien été encaissé le 5 et la quittance est dans votre espace "
        "locataire. Je ne sais pas encore si la régularisation des charges aura lieu en mai.",
        "Your parcel left our warehouse on Monday and should arrive Thursday. For any other "
        "questions, please contact our support team.",
    ],
    "pointer only": [
        "Le délai de rétractation est de 14 jours (article 6 des CGV) : vous pouvez donc encore "
        "retourner l'article.",
        "Yes, pets are allowed in studio flats up to 10 kg; see clause 9 of your lease for the "
        "details.",
    ],
    "escalation": [
        "Votre remboursement de 32 € a été validé ; j'ai transmis le justificatif au service "
        "comptable pour archivage.",
        "I've forwarded your receipt to the accounts team, and the €18 credit is already on your "
        "account.",
    ],
    "someone else's matter": [
        "Oui, la mutuelle rembourse la consultation à 70 %, le reste relève de votre "
        "complémentaire qui prend en charge 30 €.",
        "Je pense que c'est possible, mais je vais vérifier auprès du propriétaire avant de vous "
        "le confirmer.",
        "I'll check with the warehouse and confirm your delivery slot this afternoon.",
        "Posez-moi votre question, je vais regarder votre contrat.",
    ],
}


UNANSWERED["acknowledgement only"] += ["Message reçu, bonne journée !", "Roger that."]
UNANSWERED["policy refusal"] += [
    "Nous ne faisons aucune exception pour les retards de paiement.",
    "We do not issue refunds for digital downloads. All sales are final.",
]
UNANSWERED["curt no / not available"] += ["Ces informations ne sont pas publiques."]
UNANSWERED["pointer only"] += [
    "Merci de consulter notre page d'aide : https://aide.site.fr",
    "Please refer to section 3 of the user guide.",
    "Tout est expliqué dans notre FAQ.",
]
UNANSWERED["escalation"] += [
    "Je transfère votre demande à l'équipe technique.",
    "We've escalated your case to the fraud team.",
]
UNANSWERED["someone else's matter"] += [
    "Les aides au logement relèvent de la CAF.",
    "Warranty claims are handled by the manufacturer.",
    "Posez la question à votre médecin traitant.",
    "C'est à votre employeur de vous répondre.",
    "Ask your GP.",
]
ANSWERED["acknowledgement only"] += [
    "C'est bien noté, je décale votre rendez-vous au 12 mars à 15 h.",
    "Noted — I've changed your delivery address to 4 rue des Lilas.",
    "Merci pour votre patience ! Votre colis a été livré ce matin à 9 h 40.",
    "Hi Tom, yes — late checkout until 1pm is free for Gold members. Cheers, Anna",
]
ANSWERED["policy refusal"] += [
    "We don't accept cash; card and Apple Pay are fine.",
    "Unfortunately we can't waive the fee, but we can split it into three payments of €20.",
    "Nous ne pouvons pas livrer le 24, mais le 23 est disponible.",
]
ANSWERED["curt no / not available"] += [
    "No, sorry — the offer ended on Sunday, but the 10% loyalty discount still applies.",
    "Désolé, c'est fermé le lundi ; on est ouverts du mardi au samedi.",
]
ANSWERED["pointer only"] += [
    "Le tarif étudiant est de 19 € par mois (voir la rubrique Tarifs pour les conditions).",
]
ANSWERED["escalation"] += [
    "I've escalated this; in the meantime your replacement router ships tomorrow by DPD.",
]
ANSWERED["someone else's matter"] += [
    "Les bourses relèvent du CROUS, mais je peux vous dire que la date limite du dossier est "
    "le 15 mai.",
    "The renewal is handled by our partner, and it happens automatically on 1 June at the same "
    "price.",
    "Let me check with the kitchen whether the dish contains nuts.",
    "Could you send me a photo of the damage so I can open the claim?",
]


_COURTESY_FR = (
    "Bonjour Madame, merci pour votre message et pour votre fidélité. Nous comprenons "
    "parfaitement votre déception, et nous savons combien il est agaçant de voir un voyage "
    "perturbé au dernier moment, surtout pendant les vacances scolaires. Notre équipe met tout en "
    "œuvre pour limiter ce genre de désagréments. "
)
_COURTESY_EN = (
    "Hi Chris, thank you for getting in touch and for being a loyal customer for so many years. "
    "We completely understand your disappointment, and we know how annoying it is when a trip is "
    "disrupted at the last minute, especially during the school holidays. Our team does "
    "everything it can to keep these situations rare. "
)
_SIGNED_FR = "\n\nCordialement,\nService voyageurs"
_SIGNED_EN = "\n\nBest,\nTravel Support"
UNANSWERED["closing refusal"] += [
    _COURTESY_FR + "Malheureusement, je ne peux pas vous rembourser ce billet." + _SIGNED_FR,
    _COURTESY_EN + "Unfortunately, I can't offer a refund on this ticket." + _SIGNED_EN,
    _COURTESY_FR + "Votre demande a été transmise à notre service réclamations." + _SIGNED_FR,
    _COURTESY_EN + "I have passed your message on to our complaints team, who will reply in due "
    "course." + _SIGNED_EN,
    _COURTESY_EN + "We are not in a position to compensate you for this delay." + _SIGNED_EN,
    _COURTESY_FR
    + "Nous vous invitons à adresser votre réclamation au service relation clients."
    + _SIGNED_FR,
    _COURTESY_EN
    + "Please contact our Customer Relations department about compensation."
    + _SIGNED_EN,
]
ANSWERED["closing refusal"] += [
    _COURTESY_FR + "Nous vous avons remboursé 48 € hier sur votre carte bancaire." + _SIGNED_FR,
    _COURTESY_EN + "A refund of £48 was issued to your card yesterday; for any other question, "
    "please contact us." + _SIGNED_EN,
    _COURTESY_EN + "Your voucher of €30 is attached. Unfortunately I can't add it to your "
    "existing booking." + _SIGNED_EN,
]


UNANSWERED["acknowledgement only"] += ["Thanks, noted.", "Pris en compte, merci !"]
UNANSWERED["policy refusal"] += [
    "Nous ne transmettons pas les coordonnées des conducteurs.",
    "We never share account details over chat.",
]
UNANSWERED["curt no / not available"] += ["Pas possible, désolé."]
UNANSWERED["pointer only"] += ["Infos ici : www.exemple.fr/aide", "Details are on our website."]
UNANSWERED["escalation"] += [
    "Your request has been routed to our Payments team.",
    "Ticket #44821 created and assigned to Level 2 support.",
    "Je remonte l'info à mon responsable.",
]
UNANSWERED["someone else's matter"] += [
    "Ce point est géré par votre caisse de retraite.",
    "That falls under your bank's responsibility.",
    "Il faut voir ça avec le bailleur.",
    "Best to ask the pharmacist at your local branch.",
    "Merci de vous adresser directement au transporteur.",
]
ANSWERED["closing refusal"] += [
    "Merci pour votre patience. Votre carte est en cours de fabrication et arrivera la semaine "
    "prochaine. Pour toute question, contactez votre agence.",
    "Nous comprenons votre inquiétude. Le prélèvement a bien été annulé et n'apparaîtra pas sur "
    "votre relevé.",
    "I understand your frustration — the charge was a duplicate and has been reversed; it will "
    "disappear from your statement.",
    "We appreciate your loyalty. Your upgrade to Premium is now active on your account.",
    "Je vous remercie pour votre confiance. Votre contrat est bien résilié au 31 mars et aucun "
    "frais ne sera prélevé.",
]
ANSWERED["escalation"] += [
    "Bonjour, votre dossier a été transmis au service des admissions, et votre candidature est "
    "complète : la décision tombera le 30 juin.",
    "Votre demande a bien été prise en compte : le technicien passera mardi entre 8 h et 12 h.",
]
ANSWERED["someone else's matter"] += [
    "We can't change the flight online, but the airport desk can do it free of charge before "
    "check-in.",
]


# a vous-imperative aimed elsewhere, whatever the verb (spaCy's small model mis-tags these)
UNANSWERED["someone else's matter"] += [
    "Téléphonez à votre assureur.",
    "Signalez-le à la mairie.",
    "Passez à l'accueil.",
]
ANSWERED["someone else's matter"] += [
    "Présentez votre carte à la caisse pour obtenir 10 %.",
    "Passez à l'accueil avec votre ticket, on vous rendra 20 € en espèces.",
    "Mme Gomez à la caisse vous remboursera.",
]


# Kinds a later unseen set exposed (these sentences are written for the tests, not taken from it).
UNANSWERED["sent to a named party"] = [
    "Ce point concerne votre syndic. Merci de vous rapprocher de lui pour en savoir plus.",
    "This seems to be related to your domain registrar. Please contact them directly.",
    "Pour toute question sur votre traitement, prenez rendez-vous avec votre pharmacien.",
    "Your membership is looked after by your local branch. We invite you to get in touch with "
    "them.",
    "Ton dossier est suivi par ta conseillère. Nous t'invitons à la contacter pour toute question.",
    "Our events team is best placed to help with private hire. You can reach them Monday to "
    "Friday.",
    "Please raise it via the tenant app > Requests > Maintenance.",
    "Merci de consulter l'espace client pour plus de détails.",
    "Je t'invite à consulter la FAQ, rubrique « Paiements et remboursements ».",
    "👉 shop-example.com/aide/retours",
    "Tout est expliqué ici : aide.exemple-banque.fr/cartes",
]
UNANSWERED["hand-over with a named person"] = [
    "I'll loop in our payroll specialist, Marc, who'll take it from here.",
    "Je vous ai ouvert un ticket, un technicien vous répondra par e-mail.",
    "I'll ask the accounts team to call you back about the refund.",
    "Ta demande a été transmise au coach, il te répondra directement dans l'appli.",
    "Your request has been referred to our claims unit. Please allow up to 10 working days for a "
    "response.",
    "Merci pour votre message, notre service juridique va revenir vers vous rapidement.",
    "Pour cette panne, un électricien doit passer chez vous. Nous vous rappellerons pour fixer "
    "la date.",
]
UNANSWERED["refusal wrapped in filler"] = [
    "Hiya! Thank you so much for choosing Petbox, we love our customers! Unfortunately this isn't "
    "something I'm able to help with. Have a fantastic week and happy walks!",
    "Good morning and thanks for your loyalty! I'm afraid I'm not able to help with loyalty point "
    "transfers. Wishing you a lovely weekend!",
    "Madame, nous vous remercions pour votre message. Nous regrettons de ne pouvoir donner une "
    "suite favorable à votre demande. Veuillez agréer nos salutations distinguées.",
    "We don't provide answers to homework questions. Best of luck with your exams!",
    "sorry we cant give out info on other members bookings, even if your a friend. hope you "
    "understand",
    "Nous ne pouvons pas vous communiquer le solde de ce compte, même s'il s'agit de votre parent.",
]
UNANSWERED["passive non-disclosure"] = [
    "Aucune donnée personnelle ne peut être transmise concernant nos autres clients.",
    "No details can be shared about other guests' stays.",
    "The name of the driver cannot be disclosed.",
]
UNANSWERED["empty acknowledgement"] = [
    "Merci pour votre message 🙏 On en prend bonne note !",
    "Merci, nous en prenons bonne note.",
]
ANSWERED["after an answer"] = [
    "Le cabinet est ouvert de 9h à 18h du lundi au samedi. En dehors de ces heures, les urgences "
    "sont prises par la garde au 01 98 76 54 32.",
    "A 'No Data' message usually clears itself within 12 hours once the hub reconnects. I can't "
    "see a fault on the line right now, but I can't rule out a problem with the hub itself.",
    "Je ne vois pas de panne sur votre ligne ; redémarrez la box en la débranchant 30 secondes.",
    "You can cancel online at any time, but yearly plans need to be cancelled at the desk. Let me "
    "check that with the manager and get back to you.",
]


@pytest.mark.parametrize(
    ("kind", "text"), [(kind, text) for kind, texts in UNANSWERED.items() for text in texts]
)
def test_kind_is_unanswered(kind: str, text: str) -> None:
    # the kinds are the rules' (the learned second opinion is measured by the bench's --loso)
    assert detect_unanswered_rules(text) is not None, f"{kind}: {text}"


@pytest.mark.parametrize(
    ("kind", "text"), [(kind, text) for kind, texts in ANSWERED.items() for text in texts]
)
def test_near_miss_is_an_answer(kind: str, text: str) -> None:
    found = detect_unanswered_rules(text)
    assert found is None, f"{kind}: {text} -> {found}"


def test_acknowledgement_only_says_why() -> None:
    found = detect_unanswered("Bien reçu, merci !")
    assert found is not None and found.category == "acknowledgement"


def test_policy_refusal_is_named() -> None:
    found = detect_unanswered("Nous ne délivrons pas de duplicata de carte grise.")
    assert found is not None and found.category == "refusal"


def test_new_kinds_are_named() -> None:
    found = detect_unanswered_rules(
        "Aucune information ne sera communiquée sur les autres voyageurs."
    )
    assert found is not None and "disclosed" in found.pattern
    found = detect_unanswered_rules("Nous vous rappellerons pour convenir d'un créneau.")
    assert found is not None and found.category == "fallback"
