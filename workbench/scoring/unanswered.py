"""Does a reply leave the customer's question unanswered? French and English.

A reply is read clause by clause (sentences, then commas, semicolons, dashes and contrastive
words: *mais, toutefois, en revanche, cependant, but, however, though*). Each clause is one of:

* a **limitation** — the assistant cannot, may not or does not know ("je ne suis pas en mesure
  de…", "impossible de vous répondre", "je n'ai pas la possibilité de vérifier", "I'm afraid
  that's beyond what I can do", "dsl je peux pas t'aider"), said of itself (first person, or
  no subject at all) or in a fixed phrase ("aucune idée", "no idea", "outside my remit");
* a **redirect** — the customer is sent elsewhere ("contactez le service client", "voyez avec
  votre banque", "please see our FAQ") or handed over ("je transmets à un conseiller", "an agent
  will follow up");
  A redirect names no fixed list of parties: a contact verb ("rapprochez-vous de", "speak to"),
  a hand-over in the third person or the passive ("un conseiller va vous rappeler", "your
  request has been logged"), or someone else deciding ("c'est la caisse qui décide") will do;
* an **offer** — help offered on the assistant's usual topics ("je peux vous aider pour une
  commande, un retour…", "is there anything else") or politeness ("désolée", "merci");
* **content** — anything else.

The reply is unanswered when it is empty, or when it has a limitation or a redirect and its
content clauses carry too little information (fewer than `MIN_ANSWER_WORDS` content words, a
number counting double): "Je ne peux pas vous donner de date exacte, mais votre remboursement a
été validé hier" is a partial answer, not a refusal, and a long answer closing on "pour toute
autre question, contactez le service client" is an answer. Next to a limitation or redirect,
acknowledgements ("je comprends votre inquiétude"), reasons ("for security reasons"), the topic
passed on ("regarding baggage compensation") and contact details (numbers, addresses, opening
hours) are not counted as an answer. Patterns run on folded text (lower
case, no accents, straight apostrophes).

Further kinds (`workbench.scoring.unanswered_kinds`): a reply that only acknowledges; a refusal
on the institution's behalf (a negated service verb with *we / nous / on*), whose stated rule or
reason is then not an answer; a curt no; a pointer-only reply (URL, section, article); an
escalation with a reference and a response time; someone else's matter ("relève du…", "is
handled by…"); courtesy and company talk beside a refusal; a long reply whose last real sentence
refuses or hands over. The assistant checking something itself ("I'll double-check with the
landlord") sends nobody elsewhere.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from workbench.scoring import unanswered_kinds as kinds
from workbench.scoring.lazy_patterns import lazy_compile  # patterns compile on first use
from workbench.scoring.lexicon import content_words
from workbench.scoring.text import fold

MIN_ANSWER_WORDS = 2
"""Content words (numbers count twice) the non-limitation part of a reply needs to be an answer."""

_FIRST_PERSON = lazy_compile(
    r"\b(?:je|j'|j|moi|me|m'|mon|ma|mes|nous|notre|on|i|i'm|i'd|i've|i'll|me|my|we|we're"
    r"|our|us)\b"
    # the assistant speaking of itself through its channel: "not covered by this chat"
    r"|\b(?:this (?:chat|channel|service|assistant)|ce (?:chat|canal|service)"
    r"|cette (?:messagerie|conversation))\b"
    r"|^\s*(?:pas|peux|can't|cannot|won't|don't|no|not|sais|connais|impossible)\b"
)
_NEGATION = lazy_compile(
    r"\b(?:ne|n'|pas|aucun|aucune|rien|jamais|ni|nullement|guere|not|no|never|neither|nor"
    r"|nothing|none|cannot|unable|can't|won't|don't|didn't|doesn't|isn't|aren't|wasn't"
    r"|haven't|hasn't|couldn't|wouldn't|shouldn't|ain't"
    # typed without the apostrophe
    r"|cant|dont|wont|doesnt|didnt|isnt|couldnt|arent)\b|n't\b"
)
# Verbs and nouns of ability, knowledge, permission and scope (folded, prefix-matched).
_ABILITY = lazy_compile(
    r"\b(?:peu[xt]|pouv\w*|pourr\w*|sai[st]|saur\w*|savoir|conn\w*|mesure|capacit\w*"
    r"|possibilit\w*|moyens?|autoris\w*|habilit\w*|permis|acces|acceder|dispos\w*|info\w*"
    r"|donnees?|visibilit\w*|idee|avis|compris|comprends|repond\w*|aid\w*|renseign\w*"
    r"|communiqu\w*|partag\w*|divulgu\w*|prononc\w*|comment\w*|occup\w*|trait\w*|ger\w*"
    r"|verifi\w*|consult\w*|regard\w*|voir|dire|donn\w*|fourni\w*|fai\w*|accompagn\w*"
    r"|domaine|role|cadre|competences?|ressort|relev\w*|perimetre|consignes|instructions"
    r"|regles"
    r"|can|could|able|allowed|permitted|authori[sz]ed|know|knowledge|idea|information|info"
    r"|access|visibility|position|help|assist|answer|respond|comment|say|tell|share|disclose"
    r"|reveal|provide|give|check|look|see|handle|deal|sort|do|get|understand|follow|catch"
    r"|manage|remit|scope|way|opinion|ignore|change"
    # answers, details and competence as nouns; discussing; having a hand on something
    r"|repons\w*|comprendre|competen\w*|precisions?|details?|discuss\w*)\b"
)
_PLAIN_LIMITATIONS: tuple[tuple[str, str, str], ...] = (
    (
        "unknown",
        "idioms of not knowing",
        r"\b(?:no clue|not a clue|beats me|search me|dunno|je seche|j'en sais fichtre rien"
        r"|chais pas|j'sais pas|je sais pas|mystere et boule de gomme"
        r"|je donne ma langue au chat)\b",
    ),
    (
        "out-of-scope",
        "pas la main / not handled here",
        r"\bn'(?:ai|avons|a) (?:\w+ )?pas la main\b"
        r"|\b(?:not|isn't|aren't) (?:covered|handled|dealt with) (?:by |in |on )?"
        r"(?:this (?:chat|channel|service)|here)\b"
        r"|\b(?:n'est|ne sont) pas (?:traite|gere|couvert)e?s? (?:ici|par ce (?:chat|canal|service)"
        r"|dans ce (?:chat|canal))\b",
    ),
    (
        "refusal",
        "confidential / security reasons",
        r"\b(?:sont|est|is|are|that's|c'est) (?:strictement |strictly )?confidenti\w+"
        r"|\bfor (?:security|privacy|data protection|confidentiality) reasons\b",
    ),
    (
        "not-understood",
        "pas sûr de comprendre / not sure what you mean",
        r"\b(?:pas (?:bien )?sur|pas certaine?) de (?:bien )?(?:comprendre|saisir)\b"
        r"|\bnot sure (?:what you mean|i (?:understand|follow))\b|\bwhat do you mean\b",
    ),
    ("refusal", "je ne suis pas en mesure", r"\bje ne suis (?:\w+ )?pas en mesure de\b"),
    ("refusal", "il m'est impossible", r"\bil m'est (?:\w+ )?impossible de\b"),
    ("refusal", "impossible / pas possible", r"\b(?:impossible|pas possible)\b"),
    ("unknown", "aucune idée / no idea", r"\b(?:aucune idee|no idea|pas la moindre idee)\b"),
    ("unknown", "je ne sais pas", r"\bje ne (?:le )?sais pas\b|\bj'en sais rien\b"),
    ("unknown", "I don't know", r"\bi (?:\w+ )?(?:don't|do not) know\b"),
    (
        "out-of-scope",
        "hors de mon périmètre",
        r"\b(?:hors de|en dehors de|depasse|sort de|sort du cadre|ne releve pas de)"
        # "en dehors de ces horaires, …": when, not what the assistant may answer
        r"(?! (?:\w+ )?(?:horaires?|heures?|jours?|periodes?|creneaux|week-ends?|vacances|saison"
        r"|dates?|zones?))"
        r"(?: (?:mon|mes|ma|mon|ce que))?\b",
    ),
    (
        "out-of-scope",
        "je ne suis pas la bonne personne",
        r"\bje ne suis pas (?:la bonne personne|le bon interlocuteur|la bonne interlocutrice"
        r"|le bon contact|le mieux place|la mieux placee)\b",
    ),
    (
        "out-of-scope",
        "I'm not the right person",
        r"\bi(?:'m| am) not the (?:right|best) (?:person|place|assistant)\b",
    ),
    (
        "out-of-scope",
        "outside my scope",
        r"\b(?:beyond what|outside (?:of )?(?:my|the|what)|falls outside|outside my|my remit"
        r"|not my (?:area|department|field))\b",
    ),
    (
        "out-of-scope",
        "je ne peux répondre qu'à…",
        r"\bje ne (?:peux|pourrai|m'occupe|traite|gere|reponds)\b[^.]{0,40}\bqu(?:e |')",
    ),
    (
        "out-of-scope",
        "I can only help with…",
        r"\bi (?:can )?only (?:help|assist|answer|handle|deal)\b|\bje (?:ne )?(?:suis|suis la)"
        r" (?:la )?(?:uniquement|seulement)\b|\bje m'occupe (?:uniquement|seulement)\b",
    ),
    (
        "not-understood",
        "je n'ai pas compris",
        r"\bje n'ai pas (?:bien |tres bien )?compris\b|\breformuler\b",
    ),
    (
        "not-understood",
        "I didn't understand",
        r"\bi (?:didn't|did not|don't|do not) (?:quite )?(?:understand|get that|follow)\b"
        r"|\b(?:could you )?(?:rephrase|say (?:it|that) another way)\b",
    ),
    (
        "not-understood",
        "pourriez-vous préciser",
        r"\b(?:pourriez-vous|pouvez-vous|peux-tu|pourrais-tu) (?:\w+ ){0,2}preciser\b"
        r"|\bcould you (?:please )?(?:clarify|be more specific)\b",
    ),
    ("refusal", "I'd rather not", r"\b(?:i'd|i would) rather not\b|\bprefere ne pas\b"),
    (
        "ai-disclaimer",
        "en tant qu'IA",
        r"\ben tant qu'(?:ia|intelligence artificielle|assistant virtuel|modele de langage)\b"
        r"|\bje ne suis qu'un (?:assistant|robot|programme)",
    ),
    (
        "ai-disclaimer",
        "as an AI",
        r"\bas an ai\b|\bas a (?:large )?language model\b|\bas an ai assistant\b"
        r"|\bi'm (?:just|only) a (?:virtual assistant|bot|chatbot)\b",
    ),
)
_NEGATED_ABILITY = (
    "refusal",
    "je ne peux pas / I can't (aider, répondre…)",
)
_NO_ACCESS = lazy_compile(
    r"\b(?:acces|acceder|information|info|donnees|dispose|visibilit\w*"
    r"|access|visibility)\b"
)

_THIRD_PARTY = lazy_compile(
    r"\b(?:service (?:client|clientele|apres-vente|comptabilite|concerne)|sav|apres-vente"
    r"|equipe|conseill\w+|collegue|agent|humain|human|banque|bank|transporteur|courier|carrier"
    r"|fabricant|manufacturer|la poste|post office|faq|help ?cent(?:er|re)|conditions generales"
    r"|cgv|terms|formulaire|contact form|ticket|point relais|pickup point|relais|vendeur|seller"
    r"|marketplace|comptabilite|accounts|magasin|store|team|department|support|care"
    r"|colissimo|chronopost|mondial relay|ups|dhl|fedex|dpd|site|website|page contact"
    r"|contact page|espace client"
    # organisations and roles of any domain: the customer is sent to *someone*
    r"|agences?|branch|mairie|prefecture|administration|council|embass\w+|ambassade|consulat"
    r"|compagnie\w*|airline|hotel|gare|station|guichet|ticket office|courtier|broker|assureur"
    r"|insurer|employeur|employer|rh|hr|medecin|doctor|gp|notaire|solicitor|avocat|lawyer"
    r"|advis[eo]rs?|specialist\w*|speciali\w+|expert|operat\w+|fournisseur|supplier"
    r"|messagerie|inbox|secure message|guichet|accueil|reception|desk|bureau|office"
    r"|service \w+|equipe \w+|\w+ team|\w+ department)\b"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:fr|com|uk|org|gouv|gov|eu|net|be|ch)\b"
    r"|[\w.+-]+@[\w-]+\.[\w.]+|\b\d{2}(?: ?\d{2}){4}\b|\+\d[\d ]{7,}"
)
_REDIRECT_VERB = lazy_compile(
    r"\b(?:contact\w*|appel\w*|joindre|joignez|ecri\w+|ecrivez|adress\w*|rapproch\w*|voy\w*"
    r"|voir avec|consult\w*|renseign\w* aupres|aupres d\w*|poser la question|passer par|pass\w* par"
    r"|ouvrir|invite|conseille|suggere|sauront|saura|pourra|pourront|mieux place\w*"
    r"|reach out|call|ring|email|e-mail|drop us|get in touch|ask|asking|see|refer|check with"
    r"|have a look|look at|use the|open a ticket|speak to|talk to|better placed|best off"
    r"|suggest|will know|they'll know|'ll know|will be able|best placed|best positioned)\b"
)
# Verbs that by themselves send the customer to someone else, whoever that is.
_DIRECTIVE = lazy_compile(
    r"\b(?:contactez|contacte[rz]?|contactant|appelez|appeler|joignez|ecrivez|ecris"
    r"|adressez-vous|adresse-toi|vous adresser|t'adresser|rapprochez-vous|rapproche-toi"
    r"|vous rapprocher|te rapprocher|tournez-vous|tourne-toi|vous tourner vers|te tourner vers"
    r"|prenez contact|prendre contact|voyez avec|vois avec|voir (?:\w+ ){0,2}avec"
    r"|renseignez-vous|vous rendre (?:en|au|a|sur|dans)"
    # the imperative, not the noun ("je décale votre rendez-vous au 12")
    r"|(?<!votre )(?<!ton )(?<!mon )(?<!le )(?<!un )(?<!du )(?<!ce )(?<!son )(?<!de )(?<!d')"
    r"(?<!notre )(?<!vos )(?<!les )(?<!des )rendez-vous (?:en|au|a|sur|dans)"
    r"|je vous oriente|je t'oriente|vous orienter vers|je bascule|basculer"
    r"|contact(?:ing)? (?:the|your|our|a|an|them|us)|call (?:the|your|our|a|them|us)"
    r"|e-?mail (?:them|us|the|your|our)|envoyez-nous|envoie-nous|write to|speak to"
    r"|speak with|talk to|ask (?:the|your|a|an|them)|reach out"
    r"|get in touch|check with|take (?:this|it|that) up with|have a (?:chat|word) with"
    r"|pop into|head to|go to (?:the|your)|loop in|put you through|refer you"
    r"|(?:prenez|prendre|prends|take|book|make|schedule) (?:un |an )?(?:rendez-vous|rdv"
    r"|appointment) (?:avec|with|aupres)"
    r"|(?:raise|submit|log|report|file|signalez|soumettez|deposez) (?:this|it|that|your \w+|le|la"
    r"|votre \w+) (?:via|through|on|in|par|sur|dans)"
    r"|deposer (?:votre|ta) demande|submit (?:your|a) (?:request|claim|query)"
    r"|(?:c'est|that's|it's) (?:une question|un sujet|un point|une demande|one|a question"
    r"|a matter) pour|(?:that's|it's) (?:one|a question|a matter) for"
    r"|the best place to (?:check|ask|look)|you'll find (?:it|this|all)"
    r"|vous trouverez (?:toutes|tout|l'ensemble|la reponse|les informations)"
    r"|tu trouveras (?:toutes|tout|la reponse))\b"
)
# "…c'est elle qui pourra vous renseigner", "ils sauront te dire", "la réponse s'y trouve":
# someone or something else has the answer.
_ELSEWHERE = lazy_compile(
    r"\b(?:pourra|pourront|saura|sauront|will|'ll|can|could|might|may|should|devrait|devraient"
    r"|pourrait|pourraient) (?:\w+ ){0,3}"
    r"(?:renseigner|dire|repondre|aider|tell|answer|help|know)\b"
    r"|\b(?:s'y trouve|tout y est|y est explique|y sont expliques|covered there|you'll find it)\b"
    # someone else decides or handles it: "ce sont eux qui gèrent", "they manage the scheme"
    r"|\b(?:will|'ll|need to|needs to|have to|has to|devra|devront|doit|doivent)"
    r" (?:\w+ ){0,2}(?:handle|deal with|sort out|look into|traiter|gerer|s'en occuper)\b"
    r"|\b(?:a meme de|en mesure de vous|better placed|best placed|mieux places?|best positioned"
    r"|releve (?:de la|du|des|de l'|de votre))\b"
)
# Someone else decides or handles it: "ce sont eux qui gèrent", "c'est la caisse qui décide",
# "they manage the scheme" (a first person may follow: "…, pas nous").
_OTHERS_DECIDE = lazy_compile(
    r"\b(?:ce sont (?:eux|elles)"
    r"|c'est (?:lui|elle|eux|(?:l'|le |la |les |votre |ta )[\w' -]{2,40}?)"
    r"|elle seule|lui seul|eux seuls|they|only they) (?:qui )?(?:\w+ ){0,1}"
    r"(?:ger\w*|trait\w*|s'occup\w*|expedi\w*|decid\w*|peu[tv]\w*|manage|handle|deal"
    r"|fulfil\w*|decide|run|own)\b"
)
_HANDOVER = lazy_compile(
    r"\b(?:je (?:vous |te )?(?:transfere|transmets|redirige|mets en relation|passe la main"
    r"|laisse la main)|(?:a ete |est )?transmise?s? a|prendre le relais|prend le relais"
    r"|reviendra vers (?:vous|toi)|vous recontacter\w*|te recontacter\w*|recontactera"
    r"|pass (?:this|it|that) on|hand you over|forwarded to|connecting you|transferring you"
    r"|redirecting you|get back to you|call you back|follow up with you|will be in touch"
    # the hand-over told in the third person or the passive
    r"|(?:va |vont )?revenir vers (?:vous|toi)|reviendr\w* vers (?:vous|toi)"
    r"|vous rappell\w*|te rappell\w*"
    r"|va (?:vous |te )?(?:rappeler|recontacter|reprendre|prendre en charge|prendre le relais"
    r"|traiter|contacter)|vous rappeler\w*|te rappeler\w*|te recontacte\w*|vous recontacte\w*"
    r"|(?:sera|seront|sont|est) (?:traitee?s?|examinee?s?|etudiee?s?) par"
    r"|a ete (?:enregistree|transmise|transferee|remontee|escaladee)"
    r"|est partie? (?:chez|a|au|vers)|be in touch|take it from here|dealt with by"
    r"|(?:raised|opened|logged) a (?:ticket|case|request)|has been (?:logged|escalated|passed)"
    r"|will (?:review|look into|handle|contact|call|reach out|deal with) (?:it|this|you|that)"
    r"|send it over|pass (?:it|this) (?:on|to)|je bascule|vous mets en relation)\b"
)
_OFFER = lazy_compile(
    r"\b(?:je (?:peux|pourrai|pourrais) (?:en revanche |toutefois |par contre )?(?:vous |t')?"
    r"(?:aider|accompagner|renseigner)|puis-je (?:vous|t') ?aider|je reste a (?:votre|ta)"
    r"|i (?:can|could) (?:help|assist)|can help with|happy to help|anything else"
    r"|autre chose|un autre sujet|l'un de ces sujets|je suis (?:l'assistant|la|le)"
    r"|i'm \w+'s assistant|this (?:chat|service) is (?:only |here )?for|is there anything"
    r"|ce (?:chat|canal|service) (?:est )?(?:reserve|dedie|sert)|je suis la (?:uniquement )?pour"
    r"|puis-je faire)\b"
)
# Clauses that carry no answer next to a redirect or a limitation: acknowledging the customer
# ("je comprends votre inquiétude", "thanks for getting in touch"), the reason for not answering
# ("pour des raisons de sécurité"), the topic being passed on ("pour toute réclamation relative
# à…", "regarding baggage compensation") and how to reach the other party (phone numbers,
# addresses, opening hours, "stay in the chat").
_ACKNOWLEDGE = lazy_compile(
    r"^(?:je comprends|nous comprenons|i (?:fully |completely |totally )?understand"
    r"|i appreciate|we understand|i hear you|thanks? (?:you )?(?:so much )?for"
    r"|merci (?:beaucoup )?(?:pour|de votre|d'avoir)|nous vous remercions (?:pour|de) (?:votre|ta)"
    r"|je vous remercie (?:pour|de) (?:votre|ta)|pour des raisons de|for (?:security|privacy"
    r"|data protection|confidentiality) reasons|pardon|hmm|oh|ah)\b"
)
_TOPIC = lazy_compile(
    r"^(?:pour|concernant|quant a|s'agissant d\w*|au sujet d\w*|regarding|concerning|about"
    r"|as for|as regards|for) (?:ce|cette|ces|cet|cela|ca|toute|tout|tous|toutes|la|le|les|l'"
    r"|this|that|these|those|any|such|your|votre|vos|ta|ton|tes)\b"
)
_CONTACT = lazy_compile(
    r"\b(?:joignable|joignables|reachable|reach (?:them|us|it|him|her)|stay in the chat"
    r"|restez en ligne|reste en ligne|merci de patienter|please (?:hold|wait)|book an appointment"
    r"|prendre rendez-vous|rue|avenue|boulevard|bd|street|road|lane|cedex|du lundi au \w+"
    r"|monday to \w+|de \d+ ?h(?: ?\d+)? a \d+ ?h|\d+ ?(?:am|pm)|7j/7|24/7|24h/24)\b"
    r"|\b\d{5} [a-z]|[\w.+-]+@[\w-]+\.[\w.]+|(?:\b\d[\d ]{3,}\d\b)"
)
_CONTRAST = lazy_compile(
    r"\s*(?:[,;:—–]|\s-\s|\bmais\b|\btoutefois\b|\ben revanche\b|\bcependant\b|\bpar contre\b"
    r"|\bneanmoins\b|\bbut\b|\bhowever\b|\bthough\b|\balthough\b|\bin the meantime\b"
    r"|\ben attendant\b)\s*"
)
_SENTENCE = lazy_compile(r"[.!?…]+(?=\s|$)|\n+")
# Words that carry no answer: politeness, hedges, meta words about the question itself
# (compared on their first five letters, so plurals and feminines go too).
_FILLER_TEXT = """
desole desolee navre navree dsl sorry afraid unfortunately malheureusement helas regrette
crains really honestly hmm mate ici here sujet topic question questions demande request point
genre type souci chose something thing anything message merci thanks thank bonne journee suite
vraiment tout simple mieux plus best sure bien
"""
_FILLER = frozenset(word[:5] for word in _FILLER_TEXT.split())

_COMPILED_LIMITATIONS = tuple((c, label, lazy_compile(p)) for c, label, p in _PLAIN_LIMITATIONS)
_EXTRA_LIMITATIONS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("refusal", "policy refusal (we do not / nous ne … pas)", kinds.POLICY_REFUSAL),
    ("refusal", "curt no / not available", kinds.CURT),
    ("refusal", "policy refusal (nothing can be disclosed)", kinds.NON_DISCLOSURE),
    ("refusal", "policy refusal (the request is turned down)", kinds.NO_FOLLOW_UP),
    ("out-of-scope", "the person who would answer is away", kinds.AWAY),
)
_EXTRA_REDIRECTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hands over to someone else", kinds.ESCALATION),
    ("someone else's matter", kinds.ELSEWHERE),
    ("sends the customer elsewhere", kinds.DIRECTIVE),
)
_URL = lazy_compile(
    r"https?://\S+|\bwww\.\S+"
    # a bare address: "help.example.io/refunds", "example.com" (not the domain of an e-mail)
    r"|(?<![@\w.-])(?:[a-z0-9-]+\.)+(?:com|fr|io|org|net|co|uk|eu|be|ch|de|app|gouv|gov)\b(?:/\S*)?"
)


@dataclass(frozen=True)
class UnansweredMatch:
    """Why a reply counts as unanswered: the category, the rule's label and the text."""

    category: str
    pattern: str
    matched: str


@dataclass(frozen=True)
class _Clause:
    text: str
    kind: str  # limitation, redirect, offer, detail, content
    match: UnansweredMatch | None = None


def _limitation(clause: str) -> UnansweredMatch | None:
    if kinds.HEDGE.search(clause):
        # "I can't rule out a fault with the meter": a hedge on an answer, not a refusal
        return None
    for category, label, pattern in _EXTRA_LIMITATIONS:
        found = pattern.search(clause)
        if found:
            return UnansweredMatch(category, label, found.group(0))
    for category, label, pattern in _COMPILED_LIMITATIONS:
        found = pattern.search(clause)
        if found:
            return UnansweredMatch(category, label, found.group(0))
    negation = _NEGATION.search(clause)
    ability = _ABILITY.search(clause)
    if negation and ability and _FIRST_PERSON.search(clause):
        category = "no-access" if _NO_ACCESS.search(clause) else _NEGATED_ABILITY[0]
        start = min(negation.start(), ability.start())
        end = max(negation.end(), ability.end())
        return UnansweredMatch(category, _NEGATED_ABILITY[1], clause[start:end].strip())
    return None


def _redirect(clause: str) -> UnansweredMatch | None:
    if kinds.AGENT_CHECKS.search(clause) and not kinds.CALLBACK.search(clause):
        # "I'll double-check with the landlord": the assistant checks, nobody is sent elsewhere.
        return None
    for label, pattern in _EXTRA_REDIRECTS:
        found = pattern.search(clause)
        if found:
            return UnansweredMatch("fallback", label, found.group(0))
    directive = _DIRECTIVE.search(clause)
    if directive:
        return UnansweredMatch("fallback", "sends the customer elsewhere", directive.group(0))
    others = _OTHERS_DECIDE.search(clause)
    if others:
        return UnansweredMatch("fallback", "someone else decides or handles it", others.group(0))
    found = _HANDOVER.search(clause)
    if found:
        return UnansweredMatch("fallback", "hands over to someone else", found.group(0))
    elsewhere = _ELSEWHERE.search(clause)
    if elsewhere and not _FIRST_PERSON.search(clause):
        return UnansweredMatch("fallback", "someone else has the answer", elsewhere.group(0))
    party = _THIRD_PARTY.search(clause)
    verb = _REDIRECT_VERB.search(clause)
    if party and verb:
        start, end = min(verb.start(), party.start()), max(verb.end(), party.end())
        return UnansweredMatch("fallback", "sends the customer elsewhere", clause[start:end])
    return None


def _classify(clause: str) -> _Clause:
    limitation = _limitation(clause)
    if limitation is not None:
        return _Clause(clause, "limitation", limitation)
    redirect = _redirect(clause)
    if redirect is not None:
        return _Clause(clause, "redirect", redirect)
    if _OFFER.search(clause):
        return _Clause(clause, "offer")
    return _Clause(clause, "content")


_INSERTED_CONTRAST = lazy_compile(r"\b(?:en revanche|toutefois|par contre|cependant|however) ")


def sentences(text: str) -> list[str]:
    """The folded sentences of a reply."""
    return [part.strip() for part in _SENTENCE.split(fold(text)) if part and part.strip()]


def clauses(sentence: str) -> list[str]:
    """The clauses of a folded sentence (see the module docstring)."""
    return [part.strip() for part in _CONTRAST.split(sentence) if part and part.strip()]


def _classify_sentence(sentence: str) -> list[_Clause]:
    found = [_classify(clause) for clause in clauses(sentence)]
    # "Je peux en revanche vous aider pour une commande…": the offer spans a contrast word.
    if _OFFER.search(_INSERTED_CONTRAST.sub("", sentence)):
        found = [
            _Clause(c.text, "offer")
            if c.kind == "content" and not any(ch.isdigit() for ch in c.text)
            else c
            for c in found
        ]
    return found


_CAN_CONFIRM = lazy_compile(
    r"\b(?:i|je|j'|we|nous|on) (?:\w+ )?(?:can|could|peux|pouvons|peut|pourr\w*|confirm\w*"
    r"|vois|see|have|ai|avons)\b"
)


def _without(pattern: re.Pattern[str], text: str) -> int:
    """Answer words left in `text` once what `pattern` matches is taken out."""
    return answer_words([pattern.sub(" ", text)])


def _around_signal(clause: _Clause, *, policy: bool = False) -> _Clause:
    """A content clause of a reply that refuses or redirects, read again: acknowledgements,
    reasons, topic references, pointers, references, response times and contact details are not
    an answer. With `policy` (the reply refuses on the institution's behalf), a clause stating
    the rule or the reason ("decisions are final", "cette règle s'applique à tous") is not one
    either."""
    if clause.kind != "content":
        return clause
    text = clause.text
    if kinds.ACKNOWLEDGEMENT.search(text) or kinds.AI_SELF.search(text):
        return _Clause(text, "offer")
    if kinds.TOPIC.search(text) and len(text.split()) <= 10:
        return _Clause(text, "detail")
    if kinds.CONCESSION.search(text) and len(text.split()) <= 12:
        return _Clause(text, "detail")
    if kinds.OTHER_PARTY_TOPIC.search(text) and len(text.split()) <= 14:
        return _Clause(text, "detail")
    if policy and kinds.REASON.search(text) and not _CAN_CONFIRM.search(text):
        return _Clause(text, "detail")
    for detail in (kinds.POINTER, kinds.HANDOVER_DETAIL):
        if detail.search(text) and _without(detail, text) < MIN_ANSWER_WORDS:
            return _Clause(text, "detail")
    if _ACKNOWLEDGE.search(text) and not any(ch.isdigit() for ch in text):
        return _Clause(text, "offer")
    if _TOPIC.search(text) and not any(ch.isdigit() for ch in text) and len(text.split()) <= 8:
        return _Clause(text, "detail")
    if _CONTACT.search(text):
        return _Clause(text, "detail")
    rest = [w for w in content_words(text) if not _THIRD_PARTY.fullmatch(w)]
    if not rest and _THIRD_PARTY.search(text):
        return _Clause(text, "detail")
    return clause


def answer_words(parts: list[str]) -> int:
    """Information carried by content clauses: content words, numbers counting twice."""
    total = 0
    for part in parts:
        for word in content_words(part):
            if word[:5] in _FILLER:
                continue
            total += 2 if any(char.isdigit() for char in word) else 1
    return total


@functools.lru_cache(maxsize=16384)
def detect_unanswered(
    text: str, *, min_answer_words: int = MIN_ANSWER_WORDS
) -> UnansweredMatch | None:
    """The reason `text` leaves the question unanswered, or None when it answers (even partly):
    the rules, with the learned second opinion (`unanswered_learned`, when scikit-learn is
    installed) overriding them only when it is confident. Deterministic and memoised."""
    found = detect_unanswered_rules(text, min_answer_words=min_answer_words)
    if not text.strip():
        return found
    from workbench.scoring import unanswered_learned

    probability = unanswered_learned.probability(text)
    if probability is None:
        return found
    if found is None and probability >= unanswered_learned.FLAG_ABOVE:
        return UnansweredMatch(
            "learned", f"learned model, p={probability:.2f}", " ".join(sentences(text))[:120]
        )
    if found is not None and probability <= unanswered_learned.CLEAR_BELOW:
        return None
    return found


def cleared_by_learned(text: str) -> str:
    """When the learned opinion cleared a reply the rules flagged, why ("learned model, p=0.04,
    overrides the rule 'sends the customer elsewhere'"); otherwise an empty string."""
    found = detect_unanswered_rules(text)
    if found is None or detect_unanswered(text) is not None:
        return ""
    from workbench.scoring import unanswered_learned

    probability = unanswered_learned.probability(text)
    return f"learned model, p={probability:.2f}, overrides the rule {found.pattern!r}"


@functools.lru_cache(maxsize=16384)
def detect_unanswered_rules(
    text: str, *, min_answer_words: int = MIN_ANSWER_WORDS
) -> UnansweredMatch | None:
    """The rules' reason `text` leaves the question unanswered, or None when it answers.

    Memoised (the result is immutable): a run's report asks for every cell's answer once per
    table it prints (the rubric's report, then the run's summary).
    """
    if not text.strip():
        return UnansweredMatch("empty", "empty output", "")
    said = _unsigned(sentences(_URL.sub(" website ", text)))
    by_sentence = [_classify_sentence(sentence) for sentence in said]
    classified = [c for sentence in by_sentence for c in sentence]
    signals = [c for c in classified if c.kind in {"limitation", "redirect"}]
    if not signals:
        if kinds.CURT.search(" ".join(said)):
            return UnansweredMatch("refusal", "curt no / not available", " ".join(said))
        if _pointer_only(classified):
            return UnansweredMatch("fallback", "only points to a page", " ".join(said))
        if any(_acknowledges(c.text) for c in classified) and all(
            _acknowledges(c.text) or not content_words(c.text) for c in classified
        ):
            return UnansweredMatch("acknowledgement", "acknowledges without answering", said[0])
        return None
    policy = any(_institutional_refusal(c) for c in signals)
    if not any(_GENERIC_CLOSING.search(c.text) for c in signals):
        # courtesy sentences beside a refusal or a hand-off ("nous savons combien…", "our team
        # works hard…") are not an answer; a sentence with a figure in it may be one
        by_sentence = [
            [_Clause(c.text, "offer") if c.kind == "content" else c for c in sentence]
            if _courteous(sentence)
            else sentence
            for sentence in by_sentence
        ]
        classified = [c for sentence in by_sentence for c in sentence]
    classified = [_around_signal(c, policy=policy) for c in classified]
    content = [c.text for c in classified if c.kind == "content"]
    if answer_words(content) >= min_answer_words:
        return _closing_signal(by_sentence, min_answer_words)
    first = signals[0].match
    assert first is not None
    return first


_WEBSITE = lazy_compile(r"\bwebsite\b")


def _pointer_only(classified: list[_Clause]) -> bool:
    """A link and next to nothing else: "Infos ici : https://…"."""
    if not any(_WEBSITE.search(c.text) for c in classified):
        return False
    rest = [
        _WEBSITE.sub(" ", kinds.POINTER.sub(" ", c.text))
        for c in classified
        if not _acknowledges(c.text)
    ]
    return answer_words(rest) < MIN_ANSWER_WORDS


def _courteous(sentence: list[_Clause]) -> bool:
    text = " ".join(c.text for c in sentence)
    return bool(kinds.COURTESY.search(text)) and not any(ch.isdigit() for ch in text)


def _unsigned(said: list[str]) -> list[str]:
    """The sentences before the sign-off ("Cordialement, L'équipe…", "Warm regards, …")."""
    for index, sentence in enumerate(said):
        after = said[index + 1 :]
        if (
            index
            and kinds.SIGN_OFF.search(sentence)
            and len(after) <= 3
            and all(len(line.split()) <= 6 for line in after)
        ):
            return said[:index]
    return said


def _acknowledges(clause: str) -> bool:
    """Greets, thanks, acknowledges receipt or signs off, and says nothing else."""
    return bool(kinds.ACKNOWLEDGEMENT.search(clause))


_INSTITUTION = lazy_compile(r"\b(?:we|we're|we've|nous|on)\b")


def _institutional_refusal(clause: _Clause, sentence: str = "") -> bool:
    """The reply refuses on the institution's behalf: "nous ne délivrons aucun…", "we're unable
    to restore…", "nous ne sommes pas autorisés à…"."""
    match = clause.match
    return (
        clause.kind == "limitation"
        and match is not None
        and match.category == "refusal"
        and (
            match.pattern.startswith("policy refusal")
            or bool(_INSTITUTION.search(sentence or clause.text))
        )
    )


_GENERIC_CLOSING = lazy_compile(
    r"\b(?:(?:autres?|other|further|more|d'autres|any|toute|tout) (?:\w+ )?(?:questions?"
    r"|informations?|help|assistance|demandes?|quer(?:y|ies)|details?|renseignements?|concerns?)"
    r"|n'hesitez|don't hesitate|do not hesitate|if you (?:have|need)|si vous avez|si tu as"
    r"|en cas de)\b"
)


def _closing_signal(
    by_sentence: list[list[_Clause]], min_answer_words: int
) -> UnansweredMatch | None:
    """A long reply whose last real sentence declines or hands over: what came before was
    courtesy and context, and the reply's point is the refusal ("…Unfortunately, we're unable
    to restore guild names"). A generic closing ("pour toute autre question…") is not one."""
    real = [
        sentence
        for sentence in by_sentence
        if not all(_acknowledges(c.text) or not content_words(c.text) for c in sentence)
    ]
    if not real:
        return None
    last = real[-1]
    signal = next((c for c in last if c.kind in {"limitation", "redirect"}), None)
    if signal is None or signal.match is None:
        return None
    if signal.kind == "redirect" and (
        signal.match.pattern != "hands over to someone else" or _GENERIC_CLOSING.search(signal.text)
    ):
        return None
    said = " ".join(c.text for c in last)
    if signal.kind == "limitation" and not _institutional_refusal(signal, said):
        # "je ne sais pas encore si…" closing a partial answer stays a partial answer
        return None
    rest = [_around_signal(c, policy=True) for c in last]
    if answer_words([c.text for c in rest if c.kind == "content"]) >= min_answer_words:
        return None
    return signal.match
