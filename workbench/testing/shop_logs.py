"""Generated production logs for the demo shop (Maison Lumière), with fake PII in the raw text.

Conversations mix resolved questions, unanswered ones (topics the bot's knowledge base lacks)
and hand-offs to a human, over a chosen period, in the generic JSONL shape of
docs/conversation-logs.md. Every name, e-mail, phone number, IBAN, card number and address is
invented (IBANs and card numbers pass their checksums so the recognisers must catch them);
`SENTINELS` lists values that tests grep for after an import.

    python -m workbench.testing.shop_logs --conversations 2000 \
        --out samples/shop-conversations.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

FIRST = [
    "Marie",
    "Jean",
    "Sophie",
    "Nicolas",
    "Camille",
    "Thomas",
    "Julie",
    "Antoine",
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Nathalie",
    "Philippe",
    "Isabelle",
    "Karim",
    "Fatima",
    "Mehdi",
    "Élodie",
    "Sébastien",
    "Hélène",
    "Yanis",
    "Inès",
    "Olivier",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Mercier",
    "Benali",
    "Nguyen",
    "Lambert",
    "Fontaine",
    "Chevalier",
]
STREETS = (
    "rue des Lilas",
    "avenue Victor Hugo",
    "boulevard Voltaire",
    "rue de la République",
    "place du Marché",
    "allée des Tilleuls",
    "chemin des Vignes",
    "rue Pasteur",
    "impasse des Rosiers",
    "quai de la Loire",
)
CITIES = (
    ("75011", "Paris"),
    ("69003", "Lyon"),
    ("13006", "Marseille"),
    ("31000", "Toulouse"),
    ("44000", "Nantes"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("67000", "Strasbourg"),
    ("35000", "Rennes"),
    ("34000", "Montpellier"),
)
DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "yahoo.fr")
PRODUCTS = (
    "lampe Orsay",
    "bougie Figuier",
    "plaid Alpaga",
    "suspension Rotin",
    "linge de lit Lin lavé",
    "applique Atelier",
    "coussin Velours",
    "guirlande Perles",
)

# Values tests look for anywhere after an import: they must never be stored.
SENTINELS = {
    "name": "Théodorine Vasseur-Quintal",
    "email": "theodorine.vasseur.sentinel@example-mail.fr",
    "phone": "06 71 82 93 04",
    "iban": "FR76 3000 4000 0312 3456 7890 143",
    "address": "17 rue des Capucines",
}

RESOLVED = {
    "suivi": (
        [
            "Bonjour, où en est ma commande {order} ? {sign}",
            "bonjour ou est ma commande {order} svp ca fait une semaine",
            "Je n'ai toujours pas reçu mon colis {order}, pouvez-vous vérifier ?"
            " Mon numéro : {phone}",
            "Ma commande {order} est-elle partie ? Je suis {name}.",
        ],
        [
            "Bonjour{to}, votre commande {order} a été expédiée par Colissimo et sera livrée"
            " sous 2 à 3 jours ouvrés.",
            "Votre colis {order} est en cours d'acheminement, livraison prévue jeudi.",
        ],
    ),
    "retour": (
        [
            "Comment retourner la {product} ? Elle ne me plaît pas.",
            "Je veux renvoyer ma commande {order}, comment faire ?",
            "Quel est le délai pour un retour ? J'habite au {address}.",
        ],
        [
            "Vous disposez de 30 jours pour retourner un article : imprimez l'étiquette depuis"
            " votre espace client et déposez le colis en point relais.",
            "Le retour est gratuit sous 30 jours depuis votre espace client, rubrique"
            " Mes commandes.",
        ],
    ),
    "remboursement": (
        [
            "Quand serai-je remboursé pour la commande {order} ?",
            "J'ai renvoyé mon colis il y a 10 jours, toujours pas de remboursement. {sign}",
            "Vous pouvez rembourser sur mon compte {iban} ?",
        ],
        [
            "Le remboursement est fait sous 5 jours ouvrés après réception du retour, sur le moyen "
            "de paiement utilisé pour la commande.",
            "Votre retour a été reçu ; le remboursement de {price} sera visible sous 5 jours.",
        ],
    ),
    "facture": (
        [
            "Pouvez-vous m'envoyer la facture de la commande {order} à {email} ?",
            "Où trouver ma facture ? Mon mail est {email}",
        ],
        [
            "Votre facture est téléchargeable dans votre espace client, rubrique Mes commandes.",
            "Je viens de renvoyer la facture de {order} à l'adresse de votre compte.",
        ],
    ),
    "mot de passe": (
        [
            "J'ai oublié mon mot de passe, mon identifiant est {email}",
            "Impossible de me connecter à mon compte",
        ],
        [
            "Cliquez sur « Mot de passe oublié » sur la page de connexion : un lien vous sera"
            " envoyé par e-mail.",
            "Un lien de réinitialisation vient de vous être envoyé par e-mail.",
        ],
    ),
}
UNANSWERED = {
    "paiement en plusieurs fois": [
        "Est-ce que je peux payer en 4 fois sans frais ?",
        "Proposez-vous le paiement en plusieurs fois pour la {product} ?",
        "Paiement en 3 fois possible ? Ma carte : {card}",
    ],
    "carte cadeau": [
        "Vendez-vous des cartes cadeaux ?",
        "Comment utiliser une carte cadeau sur le site ?",
        "Ma carte cadeau ne fonctionne pas, que faire ?",
    ],
    "douane suisse": [
        "Je suis en Suisse, vais-je payer des frais de douane ?",
        "Les droits de douane pour Genève sont-ils inclus dans le prix ?",
    ],
    "durée de combustion": [
        "Combien de temps brûle la {product} ?",
        "Quelle est la durée de combustion de vos bougies ?",
        "La bougie Figuier est-elle en cire de soja ?",
    ],
    "réassort": [
        "Quand la {product} sera-t-elle de nouveau en stock ?",
        "La suspension Rotin est en rupture, un réassort est prévu ?",
    ],
}
HANDOFF = {
    "colis abîmé": [
        "Mon colis {order} est arrivé cassé, la {product} est en morceaux ! {sign}",
        "J'ai reçu la {product} abîmée, je veux un échange. Tel : {phone}",
    ],
    "changement d'adresse": [
        "Je dois changer l'adresse de livraison de {order} : nouvelle adresse {address}",
        "Erreur d'adresse sur ma commande, livrez plutôt au {address} svp",
    ],
}
FALLBACKS = (
    "Je suis désolé, je n'ai pas compris votre demande. Pouvez-vous reformuler ?",
    "Je ne dispose pas de cette information pour le moment.",
    "Je ne suis pas en mesure de répondre à cette question.",
    "Désolé, je ne sais pas. Pour toute question, contactez le service client.",
)


class _Faker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def email(self, name: str) -> str:
        first, last = name.lower().split()[:2]
        table = str.maketrans("éèëêàâïîôöüç", "eeeeaaiioouc")
        return (
            f"{first.translate(table)}.{last.translate(table)}{self.rng.randint(1, 99)}@"
            f"{self.rng.choice(DOMAINS)}"
        )

    def phone(self) -> str:
        digits = [self.rng.choice("67")] + [str(self.rng.randint(0, 9)) for _ in range(8)]
        number = "0" + "".join(digits)
        style = self.rng.random()
        if style < 0.5:
            return " ".join(number[i : i + 2] for i in range(0, 10, 2))
        if style < 0.75:
            return number
        return "+33 " + number[1] + " " + " ".join(number[i : i + 2] for i in range(2, 10, 2))

    def iban(self) -> str:
        bban = "".join(str(self.rng.randint(0, 9)) for _ in range(23))
        check = 98 - int("".join(str(int(c, 36)) for c in bban + "FR00")) % 97
        raw = f"FR{check:02d}{bban}"
        return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))

    def card(self) -> str:
        digits = [4] + [self.rng.randint(0, 9) for _ in range(14)]
        total = 0
        for index, digit in enumerate(reversed(digits)):
            if index % 2 == 0:
                digit *= 2
                digit -= 9 if digit > 9 else 0
            total += digit
        digits.append((10 - total % 10) % 10)
        text = "".join(map(str, digits))
        return " ".join(text[i : i + 4] for i in range(0, 16, 4))

    def address(self) -> str:
        code, city = self.rng.choice(CITIES)
        return f"{self.rng.randint(1, 140)} {self.rng.choice(STREETS)}, {code} {city}"

    def order(self) -> str:
        return f"ML-{self.rng.randint(100000, 999999)}"


def _fill(template: str, fake: _Faker, person: dict[str, str]) -> str:
    values = {
        "card": fake.card(),
        "iban": fake.iban(),
        **person,
        "product": fake.rng.choice(PRODUCTS),
        "price": f"{fake.rng.randint(15, 240)},{fake.rng.choice(['00', '90', '99'])} €",
        "sign": fake.rng.choice(
            [
                "",
                "",
                f"Cordialement, {person['name']}",
                f"{person['name']}",
                f"Merci, {person['name'].split()[0]}",
            ]
        ),
        "to": fake.rng.choice(["", f" {person['name'].split()[0]}"]),
    }
    return template.format(**values).strip()


def conversations(
    n: int,
    *,
    seed: int = 14,
    start: datetime | None = None,
    days: int = 30,
    sentinel_every: int = 0,
) -> Iterator[list[dict[str, Any]]]:
    """`n` conversations (lists of generic-shape message dicts) spread over `days` days."""
    rng = random.Random(seed)
    fake = _Faker(rng)
    start = start or datetime(2026, 10, 1, tzinfo=UTC)
    for index in range(n):
        name = fake.name()
        person = {
            "name": name,
            "email": fake.email(name),
            "phone": fake.phone(),
            "order": fake.order(),
            "address": fake.address(),
        }
        if sentinel_every and index % sentinel_every == 0:
            person = {
                "name": SENTINELS["name"],
                "email": SENTINELS["email"],
                "phone": SENTINELS["phone"],
                "order": fake.order(),
                "iban": SENTINELS["iban"],
                "address": f"{SENTINELS['address']}, 75011 Paris",
            }
        at = start + timedelta(seconds=rng.randint(0, days * 86400 - 3600))
        conv = f"conv-{seed}-{index:07d}"
        channel = rng.choice(["web", "web", "web", "app", "whatsapp"])
        roll = rng.random()
        messages: list[dict[str, Any]] = []

        def say(
            role: str,
            text: str,
            messages: list[dict[str, Any]] = messages,
            conv: str = conv,
            channel: str = channel,
            **extra: Any,
        ) -> None:
            nonlocal at
            at += timedelta(seconds=rng.randint(3, 90))
            messages.append(
                {
                    "conversation_id": conv,
                    "timestamp": at.isoformat().replace("+00:00", "Z"),
                    "role": role,
                    "text": text,
                    "channel": channel,
                    **extra,
                }
            )

        if roll < 0.62:
            topic = rng.choice(sorted(RESOLVED))
            questions, answers = RESOLVED[topic]
            say("user", _fill(rng.choice(questions), fake, person), intent=topic)
            say("assistant", _fill(rng.choice(answers), fake, person))
            if rng.random() < 0.5:
                say(
                    "user",
                    rng.choice(
                        ["Merci !", "Parfait, merci beaucoup", "ok merci", "Super, bonne journée"]
                    ),
                )
            rating = rng.choice([4, 5, 5, 5, 3, None, None])
        elif roll < 0.86:
            topic = rng.choice(sorted(UNANSWERED))
            say("user", _fill(rng.choice(UNANSWERED[topic]), fake, person), intent=topic)
            say("assistant", rng.choice(FALLBACKS))
            if rng.random() < 0.4:
                say("user", _fill(rng.choice(UNANSWERED[topic]), fake, person))
                say("assistant", rng.choice(FALLBACKS))
            rating = rng.choice([1, 2, 2, 3, None, None, None])
        else:
            topic = rng.choice(sorted(HANDOFF))
            say("user", _fill(rng.choice(HANDOFF[topic]), fake, person), intent=topic)
            say("assistant", "Je vous transfère à un conseiller, merci de patienter.")
            say(
                "agent",
                f"Bonjour {person['name'].split()[0]}, je m'occupe de votre demande.",
                handoff=True,
            )
            rating = rng.choice([3, 4, 5, None])
        if rating is not None:
            messages[-1]["rating"] = rating
        yield messages


def write_jsonl(out: TextIO, n: int, **options: Any) -> int:
    """Write `n` conversations as JSONL; returns the number of messages."""
    count = 0
    for conv in conversations(n, **options):
        for message in conv:
            out.write(json.dumps(message, ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        count = write_jsonl(handle, args.conversations, seed=args.seed, days=args.days)
    print(f"{args.conversations} conversations, {count} messages → {args.out}")


if __name__ == "__main__":
    main()
