"""Further kinds of unanswered replies, read on folded text (see `workbench.scoring.unanswered`).

Each pattern names a kind of reply, not a sentence:

* **acknowledgement only** — greetings, thanks, "noted", "your request has been received /
  closed", sign-offs and nothing else ("OK.", "Bien noté.", "N/A", "Merci pour votre retour");
* **policy refusal** — a negated service verb said by the institution ("nous ne délivrons aucun…",
  "on ne fait pas de geste", "we do not waive…"), the reasons that follow it ("the fee applies to
  all members", "cette règle s'applique à…", "decisions are final") carrying no answer;
* **curt no / not available** — "Sorry, no.", "Cette information n'est pas disponible.";
* **pointer** — a URL, a section, an article of the terms ("Cf. les CGV, article 8", "rubrique
  « Aide »", "the pharmacy section of our app") is where to look, not an answer;
* **escalation** — forwarded, escalated, assigned or referred to a team, with a reference number
  and a response time that are not an answer ("ref CB-77102", "within 48h", "sous 10 jours");
* **someone else's matter** — "relève du…", "is handled / best answered by…", "doit être faite
  au guichet", "demandez à votre…", "did you try the forums";
* **the agent checks** — "I'll double-check with the landlord", "je vais vérifier auprès de…": the
  assistant does the checking itself, which sends nobody elsewhere.
"""

from __future__ import annotations

# Compiled on first use: see `workbench.scoring.lazy_patterns`.
from workbench.scoring.lazy_patterns import lazy_compile

# A clause that only greets, thanks, acknowledges receipt or signs off.
ACKNOWLEDGEMENT = lazy_compile(
    r"^(?:(?:bonjour|bonsoir|salut|coucou|hello|hiya|hi|hey|dear|cher|chere|madame|monsieur"
    r"|customer|client|cliente|there|team|all|everyone|tout le monde)\b[\s!,]*)+$"
    r"|^(?:bonjour|bonsoir|salut|coucou|hello|hi|hey|dear|cher|chere)(?: \S+){0,2}\W*$"
    r"|^(?:ok|okay|okey|d'accord|dac|entendu|compris|understood|got it|noted|bien note|note"
    r"|c'est note|pris note|bien recu|recu|received|n/?a|sans objet|ras|👍|🙏|✅)\W*$"
    r"|^(?:thanks?|thank you|many thanks|merci|nous vous remercions|je vous remercie"
    r"|je te remercie)\b(?: (?:so much|a lot|a million|again|very much|beaucoup|bien|encore"
    r"|infiniment))?"
    # "merci de + infinitive" asks the customer to do something: not a thank-you
    r"(?: (?:for|pour|de (?:votre|vos|ta|tes|nous|m'|l'|cette|ce)|d'(?:avoir|etre))"
    r"(?: \S+){0,6})?\W*$"
    r"|^(?:(?:votre |ta |your )?(?:message|demande|requete|request|mail|e-mail|courriel|ticket"
    r"|feedback) (?:bien )?(?:recue?|received|notee?|noted|enregistree?|logged)|roger(?: that)?"
    r"|copy that|bien recu|recu 5 sur 5|(?:c'est )?(?:bien )?pris(?:e)? en compte)\b\W*$"
    r"|^(?:we|i|nous|je|j')(?:'ve| have| avons| ai)? (?:bien )?(?:recu|received|note|noted"
    r"|pris (?:bonne )?note|got|enregistre|logged)\b(?: \S+){0,8}\W*$"
    r"|^(?:(?:votre|ta|ton|vos|your|the|this|le|la|ce|cette) )?(?:demande|message|ticket"
    r"|requete|request|feedback|retour|reclamation|commentaires?|comments?|case|dossier"
    r"|avis|remarque|query|inquiry|enquiry|it|this)\b(?: \S+){0,3}"
    r" (?:a|as|has|have|est|is|sont|are)(?: bien)?(?: ete| been)?"
    r" (?:prise? en compte|prises en compte|recue?s?|enregistree?s?|notee?s?|noted|recorded"
    r"|received|closed|cloturee?s?|fermee?s?|logged|transmise?s?|acknowledged|archivee?s?)\W*$"
    r"|^(?:(?:merci|thanks?|thank you)\b(?: \S+){0,4} )?(?:on en prend|nous en prenons|on prend"
    r"|nous prenons|j'en prends|je prends|we've taken|we have taken|duly) (?:bonne |bien )?note\b"
    r"(?: \S+){0,4}\W*$"
    # wishes and hopes closing a reply ("Good luck with your studies!", "Wishing you a magical
    # day", "Have a wonderful day and happy picking!", "Hope you understand")
    r"|^(?:(?:thanks|thank you|merci)(?: again| encore)? (?:and|et) )?(?:good luck|bonne chance"
    r"|best of luck|wishing you|take care|prenez soin|dans l'attente|au plaisir"
    r"|(?:(?:nous vous prions|je vous prie) d'|veuillez )agreer|je vous souhaite|je te souhaite"
    r"|nous vous souhaitons|have a (?:\S+ ){0,2}(?:day|week|weekend|evening|one)"
    r"|hope you understand"
    r"|we hope you understand|j'espere que vous comprendrez|merci de ta comprehension"
    r"|we look forward to (?:welcoming|seeing|hearing)|au plaisir)\b(?: \S+){0,10}\W*$"
    r"|^(?:bonne (?:journee|soiree|fin de journee|continuation)|have a (?:nice|great|good) \w+"
    r"|a bientot|see you|cheers|take care|best|regards|warm regards|kind regards|best regards"
    r"|sincerely|cordialement|bien cordialement|bien a vous|salutations|happy \w+"
    r"|merci de votre comprehension|thanks for your understanding)\b\W*"
)
# A line that opens the signature: everything from it to the end is signed, not said.
SIGN_OFF = lazy_compile(
    r"^(?:cordialement|bien cordialement|bien a (?:vous|toi)|salutations|sincerely|regards"
    r"|warm regards|kind regards|best regards|best wishes|yours|sinceres salutations"
    r"|happy \w+|a bientot|l'equipe|the \w+ team|bises|cheers)\b[^\n]{0,30}$"
    r"|^(?:best|all the best|bien a vous|a\+)\s*,(?:\s[\w' &-]{0,30})?$"
)
# Negated service verbs said by the institution (we / nous / on): refusing to do something.
_SERVICE_VERBS = (
    r"(?:communiqu|deliv|fourni|proced|accord|rembours|modifi|offr|propos|fai|accept|annul"
    r"|echang|prolong|divulgu|transmet|donn|consent|applique|effectu|autoris|delivr|garanti"
    r"|retabl|restaur|reattribu|debann|geste|exception|derog|waive|refund|offer|give|provide"
    r"|issue|accept|grant|make|disclose|share|release|restore|reassign|unban|dispute|change"
    r"|cancel|extend|reimburse|compensat|support|assist|process|reveal|reverse|credit|allow"
    r"|permit|reinstate|transfer|exchange|override|remove|comment|discuss|tell|guarantee)\w*"
)
POLICY_REFUSAL = lazy_compile(
    r"\b(?:nous|on) (?:ne |n')(?:\w+ ){0,2}?"
    + _SERVICE_VERBS
    + r"(?: \w+){0,2}? (?:pas|aucune?|jamais|plus|ni)\b"
    r"|\b(?:nous|on) (?:ne |n')" + _SERVICE_VERBS + r"\b"
    r"|\bwe(?:'re| are)? (?:do not|don't|cannot|can't|can ?not|will not|won't|never|no longer"
    r"|are not able to|aren't able to|are unable to|not able to|unable to|are not allowed to"
    r"|aren't allowed to|not allowed to|are not permitted to|not permitted to)"
    r" (?:\w+ )?" + _SERVICE_VERBS + r"\b"
)
# Sentences that give the rule or the reason for a refusal: they carry no answer beside it.
REASON = lazy_compile(
    r"\b(?:regle|regles|politique|policy|policies|rule|rules|reglement|conformement|per our"
    r"|according to our|in line with|final|finales?|definiti\w+|permanent\w*|irrevocabl\w+"
    r"|sans exception|aucune exception|no exceptions?|exceptions? (?:n'est|ne sont|is|are)"
    r"|s'applique\w*|appl(?:y|ies) to (?:all|every|everyone)|regardless|quel(?:le)?s? que soi\w+"
    r"|pour tout le monde|for everyone|non negociable\w*|non-negotiable|stated in|indique dans"
    r"|prevu (?:par|dans)|terms of service|conditions generales|cgv|cgu|not discussed"
    r"|ne sont pas discute\w*|ticket (?:va etre|will be|is being) (?:ferme|closed|clos)"
    r"|parce que|puisque|because|since|as it was|car (?:il|elle|le|la|les|votre|ta|vous)"
    r"|afin de|afin que|in order to|so that we|pour vous apporter|to give you)\b"
)
# A concession beside a refusal ("…, even if they are family", "même s'il s'agit de…").
CONCESSION = lazy_compile(
    r"^(?:even if|even though|even for|even when|meme si|meme s'il|meme pour|meme quand"
    r"|y compris (?:si|pour|quand))\b"
)
# Curt refusals and information that is not available.
CURT = lazy_compile(
    r"^(?:(?:desole|desolee|sorry|navre|navree|helas|malheureusement|unfortunately|dsl)"
    r"[\s,!.]+)+(?:no|non|nope|nan|not possible|pas possible)\W*$"
    r"|^(?:no|non|nope)[\s,!.]+(?:sorry|desole|desolee|dsl)\W*$"
    r"|\b(?:cette|ces|l'|les|this|that|these|such|the) ?(?:information|info|donnee|renseignement"
    r"|detail|data|precision)s? (?:n'est|ne sont|is|are|isn't|aren't)(?: \w+)?"
    r" (?:pas |not )?(?:disponibles?|available|communicables?|public|publiques?|accessibles?"
    r"|shared|partagee?s?)\b"
)
# "I'm an automated assistant", "en tant qu'assistant automatique": the AI says what it is.
AI_SELF = lazy_compile(
    r"\bas an? (?:\w+ )?(?:assistant|bot|chatbot|ai|agent)\b"
    r"|\ben tant qu'(?:assistant|agent|robot|bot|chatbot)\b"
)
# Pointers: where to look, not what the answer is.
POINTER = lazy_compile(
    r"^(?:cf|voir|see|refer to|reportez-vous a|se reporter a|consulter|consultez)\b"
    r"|https?://\S+|\bwww\.\S+"
    r"|^(?:(?:la|le|l'|the|our|notre|votre|your) )?(?:rubrique|section|onglet|menu|article"
    r"|page|tab|chapitre|chapter|paragraphe|clause|lien|link|faq|cgv|cgu)\b(?: \S+){0,4}$"
    r"|\b(?:article|section|clause|paragraphe|chapitre|chapter|art)\.? \d[\d.]*\b"
    r"|\b(?:rubrique|section|onglet|tab|menu) [«\"'“][^»\"'”]{0,60}[»\"'”]?"
)
# Information that "cannot be communicated", said in the passive: "Aucune information ne peut
# être communiquée…", "No details can be shared", "This cannot be disclosed".
NON_DISCLOSURE = lazy_compile(
    r"\baucune? (?:information|donnee|detail|renseignement|precision|indication)s?\b.{0,60}?"
    r"\bne (?:peu\w*|sera\w*|pourr\w*|saur\w*|doi\w*) (?:pas )?(?:etre |vous etre |t'etre )?"
    r"(?:communique|transmis|divulgu|donne|fourni|partage|delivre|revele)\w*"
    r"|\bno (?:information|details?|data|info)\b.{0,60}?\b(?:can|will|may|could) be"
    r" (?:given|shared|disclosed|provided|released|passed on|communicated)"
    r"|\b(?:cannot|can't|can not|won't|will not|may not) be (?:disclosed|shared|released|given out"
    r"|communicated|passed on)\b"
)
# The request turned down in stock words: "nous regrettons de ne pouvoir donner une suite
# favorable à votre demande", "we are unable to accommodate your request".
NO_FOLLOW_UP = lazy_compile(
    r"\b(?:ne (?:pas )?pouvoir|ne (?:pouvons|peux|pouvez|peut) pas"
    r"|n'(?:est|etes|sommes) pas en mesure de"
    r"|unable to|not able to|cannot|can't|can not)"
    r" (?:\w+ ){0,2}?(?:donner suite|donner une suite|repondre favorablement|acceder a (?:votre|ta)"
    r" demande|grant (?:your|this|the) request|accommodate (?:your|this|the) request"
    r"|honou?r (?:your|this|the) request)"
)
# Hedges on an answer, not refusals: "I can't rule out a fault", "je ne vois pas de panne".
HEDGE = lazy_compile(
    r"\b(?:can't|cannot|can not|couldn't|ne (?:peux|pouvons|peut) pas) (?:\w+ )?(?:rule out|exclude"
    r"|exclure|ecarter)\b"
    r"|\b(?:can't|cannot|don't|do not|couldn't) (?:\w+ )?see (?:a|any) (?:\w+ )?(?:fault|problem"
    r"|issue|error|outage|anomal\w*)"
    r"|\bne (?:vois|voyons) (?:\w+ )?(?:pas|aucune?) (?:de )?(?:panne|probleme|defaut|erreur"
    r"|anomalie|incident)"
)
# The agent asks someone else to call back ("I'll ask the scheduling team to call you back"): a
# hand-over, though it opens like the agent checking ("let me … get back to you" is not one).
CALLBACK = lazy_compile(
    r"\b(?:ask|get|have|tell) (?:\w+ ){1,4}to (?:call|ring|contact|e-?mail|phone) you\b"
    r"|\bdemander? (?:a|au|aux) (?:\w+ ){1,4}de (?:vous|te) (?:rappeler|recontacter|contacter)\b"
)
# The question named as another party's ("Votre demande concerne l'expéditeur", "This looks like
# a billing issue with Google Play", "This appears to be related to your DNS provider"): read
# beside a hand-off, it says whose matter it is, not what the answer is.
OTHER_PARTY_TOPIC = lazy_compile(
    r"^(?:(?:votre|ta|ce|cet|cette|your|this|the|that) (?:demande|question|requete|query"
    r"|request|issue"
    r"|problem|probleme|souci|reclamation|dossier|case|point|sujet|matter|one)|this|that|it|cela|ca)"
    r" (?:concerne|porte sur|est lie\w* a|est du cote|looks like|appears to be|seems to be"
    r"|sounds like|semble (?:etre|concerner)|is (?:related|linked) to)\b"
)
# Verbs that send to a pointer or another party, beyond `unanswered._DIRECTIVE`.
DIRECTIVE = lazy_compile(
    # a clause opening on a vous-imperative aimed at someone or somewhere else ("Téléphonez à
    # votre assureur", "Passez à l'accueil", "Signalez-le au syndic"); spaCy's small French model
    # tags many sentence-initial imperatives as nouns or adjectives, so the form is read here
    r"^(?:(?:merci|bonjour|hello)\W+)?[a-z]+ez(?:-(?:vous|le|la|les|lui|leur|en|y))?"
    r" (?:a|au|aux|aupres d\w*|avec|chez) (?:votre|vos|ton|ta|tes|le|la|les|l'|un|une|des|son"
    r"|leur|ce|cette)"
    r"|^(?:voir|see|cf|consulter|lire|read)\b.{0,40}\b(?:article|section|clause|paragraphe"
    r"|chapitre|chapter|page|rubrique|faq|cgv|cgu|terms|conditions|notice|guide|manual|manuel"
    r"|reglement|contrat|contract|lease|bail|website|policy|politique)"
    r"|\b(?:tout est|everything is|it's all|all the details are|c'est|the answer is|la reponse est"
    r"|details are|infos? (?:sont|est)) (?:\w+ )?(?:sur|on|in|dans)"
    r" (?:notre |nos |our |the |le |la |l'|votre |your )?(?:website|site|faq|page|app|appli"
    r"|rubrique|section|help|aide|centre d'aide"
    r"|documentation|guide|notice)"
    r"|^cf\b|\bcf\. |\b(?:reportez-vous|referez-vous|refer to)\b"
    r"|\b(?:merci d'utiliser|utilisez (?:le|la|les|l'|notre|nos)|please use (?:the|our)"
    r"|please visit|visit (?:the|our|your)|try (?:the|our|your|asking)|did you try"
    r"|have you tried|you could try|you might try|essayez (?:le|la|les|l'|aupres|de contacter)"
    r"|reach(?:ing)? out to|recommend (?:contacting|reaching|calling|asking|speaking)"
    r"|je (?:vous|te) (?:invite|conseille|recommande) a (?:contacter|appeler|ecrire|vous adresser"
    r"|consulter|voir|vous rapprocher|vous rendre|poser)"
    r"|nous (?:vous |t')invitons a (?:les |le |la |nous )?(?:contacter|appeler|ecrire|consulter"
    r"|vous adresser|vous rapprocher|vous rendre)"
    r"|pose[zr]? (?:la|ta|votre|cette|vos|tes|les) questions? (?:a|au|aux)"
    r"|ask (?:your|the|this) questions? (?:to|at|in|on)"
    r"|demandez(?:-lui|-leur|-le)? (?:a|au|aux) |^demande(?:-lui|-leur|-le)? (?:a|au|aux) "
    r"|(?:renouvel\w*|reessay\w*|refaire|reformul\w*) (?:votre|ta|la) demande"
    r"|(?:reessay\w*|retent\w*|renouvel\w*|revenir|revenez|reviens|try again|come back|call back"
    r"|write again|check back)(?: \w+){0,4} (?:plus tard|later|demain|tomorrow|la semaine prochaine"
    r"|next week|a (?:son|leur) retour|when|lorsque|quand|apres|after)"
    r"|try again later|come back (?:later|when)|reviens plus tard|revenez plus tard"
    r"|(?:you can|you'll|you will|vous pouvez|vous pourrez|tu peux|tu pourras) (?:\w+ )?"
    r"(?:find|trouver|retrouver) (?:the answers?|it|this|that|more|all|everything|details"
    r"|information|la reponse|les reponses|toutes?|tout|les informations|l'information"
    r"|ces informations|le detail)"
    r"|\b(?:trouverez|trouveras|retrouverez|retrouveras) (?:la reponse|les reponses|toutes?|tout"
    r"|les informations|l'information|ces informations|le detail)"
    r"|(?:check|see|look at|visit|consult|browse|go to|head to|open|consultez|consulte|voyez"
    r"|vois|regardez|regarde|consulter|regarder|allez (?:dans|sur|voir)|va (?:dans|sur|voir)"
    r"|ouvrez|ouvre"
    r"|rendez-vous (?:dans|sur|a|au)) (?:\w+ |l'|d'){0,4}?(?:section|page|tab|menu|faq|app|appli"
    r"|application|site|website|help ?cent(?:er|re)|rubrique|onglet|espace (?:client|membre)"
    r"|forums?|community|communaute|guide|documentation|docs|knowledge base"
    r"|base de connaissances|tutoriel|tutorial)"
    r"|(?:doit|doivent|devra|devront|must|should|needs to|need to|has to|have to) (?:\w+ ){0,2}"
    r"(?:etre )?(?:faite?s?|adressee?s?|deposee?s?|envoyee?s?|made|submitted|sent|directed"
    r"|raised|filed|addressed) (?:a|au|aux|aupres|to|with|via|through|on|sur)\b)"
)
# Someone else's matter: "relève du CROUS", "is handled by our partner insurer".
ELSEWHERE = lazy_compile(
    r"\brelev\w* (?:de|du|des|d')\b|\best du ressort (?:de|du|des|d')"
    r"|\b(?:is|are|gets|get|would be|will be|is best|are best|is better)"
    r" (?:\w+ )?(?:handled|managed|dealt with|answered|processed|covered|decided|administered"
    r"|run|operated|issued) by\b"
    r"|\b(?:gere|geree|geres|gerees|traite|traitee|traites|traitees|pris en charge|prise en charge"
    r"|decide|decidee|administre|administree|delivre|delivree|emis|emise) (?:\w+ )?par (?:le|la|les"
    r"|l'|votre|vos|ton|ta|tes|un|une|notre|nos)\b"
    r"|\b(?:c'est|it's|it is) (?:a|au|aux|up to) (?:votre|vos|ton|ta|tes|la|le|l'|les|your|the)"
    r" (?:\w+ ){1,3}(?:de|d'|to) (?:vous |te )?(?:repondre|decider|voir|trancher|traiter"
    r"|confirmer|answer|decide|confirm|rule|deal)"
    r"|\b(?:falls? under|comes? under|is the responsibility of|est de la responsabilite"
    r"|incombe (?:a|au|aux)|'s responsibility)\b"
    r"|\b(?:is|it's) (?:a matter|a question|one) for\b|\b(?:c'est|ce sont) (?:l'affaire|le role)"
    r" (?:de|du|des|d')"
    r"|\b(?:suivie?s?|followed|looked after) (?:\w+ )?(?:par|by) (?:votre|vos|ton|ta|your|the|le|la"
    r"|l')\b"
    r"|\b(?:doit|doivent|devra|devront|needs to|need to|has to|will have to) (?:passer|intervenir"
    r"|se deplacer|venir|come out|visit)\b"
    r"|\b(?:we're|we are|je ne suis|nous ne sommes|i'm|i am) (?:not|pas) (?:the|le|la|les)"
    r" (?:right|correct|bon|bonne|bons|bonnes) (?:\w+)"
    r"|\b(?:someone|somebody|quelqu'un|they|ils|elles) (?:\w+ ){0,2}(?:might|may|should|could"
    r"|devrait|devraient|pourrait|pourraient|saura|sauront|will|'ll) (?:\w+ ){0,2}"
    r"(?:know|help|answer|savoir|aider|repondre|renseigner|get back|reviendr\w*)\b"
)
# The hand-over, forwarded, escalated, assigned or referred.
ESCALATION = lazy_compile(
    r"\b(?:(?:re)?assigned to|(?:re)?routed to|redirected to|(?:re)?orientee? vers"
    r"|(?:je|nous|on) (?:\w+ )?remont\w* (?:\S+ ){0,3}(?:a|au|aux|vers)"
    r"|(?:ai|avons|a ete|ont ete|est|sont|sera|seront) (?:\w+ )?(?:transmise?s?|transferee?s?"
    r"|remontee?s?|escaladee?s?|redirigee?s?|confiee?s?|affectee?s?|attribuee?s?)\b"
    r"|(?:i|we)(?:'ve| have)? (?:just |now )?(?:escalated|referred|passed|transferred|handed)\b"
    r"|(?:i|we)(?:'ve| have)? (?:just )?forwarded|forward(?:ed|ing)? (?:your|this|it|the|that)"
    r"|escalat(?:ed|ing|e) (?:this|it|your|the|that|to)|(?:been|is|was|were|be) escalated"
    r"|escalade\w*|referred (?:to|on)|refer(?:ring)? (?:it|this|your \w+) to"
    r"|(?:been|is|was|were|be) (?:re)?assigned to|transferee?s? (?:a|au|aux|vers)"
    r"|transferred (?:to|your|it|this|you)|remontee?s? (?:a|au|aux|vers)"
    r"|affectee?s? (?:a|au|aux)|attribuee?s? (?:a|au|aux)|mets en relation|mettre en relation"
    r"|met en relation|transmise?s? (?:a|au|aux)|passed (?:it|this|that|your \w+) (?:on )?to"
    # a ticket opened for someone else to answer
    r"|(?:j'ai|je (?:t'|vous )ai|nous (?:t'|vous )?avons|on (?:t'|vous )?a|i've|i have|we've"
    r"|we have) (?:just )?(?:cree|ouvert|opened|created|raised|logged)(?: \w+)?"
    r" (?:un|une|a|an) (?:ticket|case|demande|dossier|request|incident))\b"
)
# Reference numbers, response times and "one moment" beside a hand-over.
HANDOVER_DETAIL = lazy_compile(
    r"\b(?:ref|reference|numero|n°|no\.|ticket|case|dossier|id)\W*[a-z]*-?\d"
    r"|\b(?:within|under|sous|d'ici|dans les|in the next|in) \d+\s*(?:h|hours?|heures?|jours?"
    r"|days?|business days|jours ouvres|working days|minutes?|mn|min)\b"
    r"|\b(?:expected )?response time\b|\bdelai de (?:reponse|traitement)\b"
    r"|\b\d+\s*[-–]\s*\d+\s*(?:business |working )?(?:days|jours)\b"
    r"|\b\d+ (?:business |working )?(?:days?|jours?(?: ouvres| ouvrables)?|hours?|heures?|weeks?"
    r"|semaines?)\b|^\d+$"
    r"|^\W*(?:n°|no|#)?\s*[a-z]{0,4}[-/]?\d[\d-]*\W*$"
    r"|\b(?:expect|you'll (?:get|receive|hear)|you will (?:get|receive|hear)"
    r"|vous (?:aurez|recevrez)|tu (?:auras|recevras)) (?:\w+ ){0,3}"
    r"(?:answer|reply|response|news|back|reponse|retour"
    r"|nouvelles)\b"
    r"|\b(?:who|qui|they|ils|elles|il|elle|he|she|someone|quelqu'un|un \w+|une \w+"
    r"|(?:le|la|l'|the|notre|our) (?:\w+ )?(?:service|equipe|team|department|specialist\w*"
    r"|conseill\w+|technicien\w*)(?: \w+)?)"
    r"(?: will| 'll|'ll| vous| te| should)? (?:reply|respond|answer"
    r"|get back to you|be in touch|repondr\w*|reviendr\w*|recontacter\w*|contacter\w*)"
    r"(?:\W+\w+){0,6}"
    r"|\b(?:allow|comptez|compter|prevoir|prevoyez) (?:up to |jusqu'a |around |about |environ )?\d+"
    r" (?:\w+ ){0,2}(?:days?|jours?|hours?|heures?|weeks?|semaines?)(?: for (?:a |the )?(?:response"
    r"|reply|answer))?"
    r"|\b(?:pick (?:this|it|that) up|take (?:it|this) from here|prendra le relais)\b(?:\W+\w+){0,3}"
    r"|\b(?:in due course|shortly|as soon as possible|asap|dans les meilleurs delais|rapidement"
    r"|prochainement|sous peu|des que possible)\b"
    r"|\b(?:un instant|one moment|a moment|just a moment|un moment|stp|svp|please hold"
    r"|bear with)\b"
    r"|\b(?:at|au|on) \d{3,}\b|\b\d-\d{3}-\d{3}-\d{4}\b"
    r"|^(?:le|on the|the) \d{1,2}(?:st|nd|rd|th|er)?$"
)
# The assistant does the checking: "I'll double-check with the landlord", "je vais voir avec…".
AGENT_CHECKS = lazy_compile(
    r"\b(?:i'll|i will|let me|i'm going to|i can|je vais|je (?:\w+ )?(?:verifie|vois|regarde)"
    r"|laissez-moi|laisse-moi|je me renseigne|on va|we'll|we will)"
    r" (?:\w+ ){0,2}(?:double-check|check|verify|confirm|ask|see|look|verifier|voir|demander"
    r"|confirmer|regarder|me renseigner|contacter|appeler)\b"
)
# The person who would answer is away: "votre conseiller est absent", "your advisor is on leave".
AWAY = lazy_compile(
    r"\b(?:conseill\w+|agent|gestionnaire|advis[eo]r|account manager|manager|responsable"
    r"|interlocut\w+|collegue|colleague|referente?|coach|consultant\w*) (?:\w+ )?"
    r"(?:est|sont|is|are|will be|sera|seront)(?: \w+)? (?:absente?s?|en conge|en vacances|away"
    r"|out of (?:the )?office|on leave|on holiday|unavailable|indisponibles?|off)\b"
)
# The topic passed on ("for lost baggage inquiries", "pour tout ce qui concerne…").
TOPIC = lazy_compile(
    r"^(?:pour|for|concernant|regarding|about|quant a|s'agissant|as for|with)\b[^,]{0,60}?"
    r"\b(?:inquir\w*|enquir\w*|quer(?:y|ies)|questions?|demandes?|reclamations?|requests?"
    r"|issues?|problems?|problemes?|matters?|anything|everything|tout ce qui|toute \w+|all \w+"
    r"|related to|relatives? a|liees? a)\b"
)
# Courtesy and company talk around a refusal or a hand-off: empathy, thanks, loyalty, what the
# company strives for ("nous savons combien…", "our team works hard to…", "we value feedback").
COURTESY = lazy_compile(
    r"\b(?:comprenons|comprends|understand|appreciate|apprecions|savons (?:combien|a quel point)"
    r"|know how|sorry to hear|desolee? d'apprendre|navree? d'apprendre|frustrat\w*|deception"
    r"|disappointment|decue?|fidelite|loyal\w*|confiance|trust|value (?:your|feedback|you)"
    r"|valorisons|attachons|take (?:every|all|this|your) \w+ seriously|au serieux"
    r"|tout en (?:oe|œ)uvre|everything (?:it|we) can|works? (?:hard|around the clock)"
    r"|travaille\w* dur|(?:notre|nos|our) (?:objectif|priorite|mission|goal|priority|aim)"
    r"|une priorite|a priority|committed to|engagee?s? a|patience|inconvenience|desagrement\w*"
    r"|gene occasionnee|ravie? de vous|delighted to|glad to have you|thank you for"
    r"|thank you so much|thanks for|thanks so much|merci (?:pour|de|d')"
    r"|nous vous remercions|je vous remercie|stressante?|stressful|with us since|depuis (?:des|de"
    r" nombreuses|plusieurs|toutes ces) ann)"
)
