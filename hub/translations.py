"""The hub's pages in English, Kiswahili and French.

Messages are keyed by their English text (gettext style); placeholders in braces
(``{node}``) are filled after translation and must be kept. A test checks that every
message a template or page uses has both other languages. Words that come from
elsewhere (centre names, catalogue titles) are shown as they are; a node's alert is
translated by its code (``sync.alerts``).
"""

from __future__ import annotations

from collections.abc import Callable

from credentials import verdicts
from sync import alerts

LANGUAGES = ("en", "sw", "fr")
LANGUAGE_NAMES = {"en": "English", "sw": "Kiswahili", "fr": "Français"}
LANG_COOKIE = "fieldcred_hub_lang"

# English text: (Kiswahili, French)
_PAIRS: dict[str, tuple[str, str]] = {
    # -- every page
    "Overview": ("Muhtasari", "Vue d'ensemble"),
    "Registry": ("Rejista", "Registre"),
    "Equity": ("Usawa", "Équité"),
    "Log out {user}": ("Toka ({user})", "Se déconnecter ({user})"),
    "Language": ("Lugha", "Langue"),
    "Check a credential": ("Hakiki cheti", "Vérifier une attestation"),
    "Nothing yet.": ("Bado hakuna kitu.", "Rien pour l'instant."),
    "Something went wrong": ("Kuna tatizo", "Un problème est survenu"),
    "This page was asked with a missing or malformed value: {fields}.": (
        "Ukurasa huu uliombwa bila thamani au kwa thamani isiyo sahihi: {fields}.",
        "Cette page a été demandée avec une valeur manquante ou mal formée : {fields}.",
    ),
    "Back to the overview": ("Rudi kwenye muhtasari", "Retour à la vue d'ensemble"),
    "This form has expired. Go back, reload the page and try again.": (
        "Fomu hii imepitwa na wakati. Rudi nyuma, pakia ukurasa upya na ujaribu tena.",
        "Ce formulaire a expiré. Revenez en arrière, rechargez la page et réessayez.",
    ),
    "Please log in.": ("Tafadhali ingia.", "Veuillez vous connecter."),
    "yes": ("ndiyo", "oui"),
    "no": ("hapana", "non"),
    # -- log-in
    "Staff login": ("Kuingia kwa wafanyakazi", "Connexion du personnel"),
    "Username": ("Jina la mtumiaji", "Nom d'utilisateur"),
    "Password": ("Nenosiri", "Mot de passe"),
    "Log in": ("Ingia", "Se connecter"),
    "The server is busy. Try again in a few seconds.": (
        "Seva ina kazi nyingi. Jaribu tena baada ya sekunde chache.",
        "Le serveur est occupé. Réessayez dans quelques secondes.",
    ),
    "Too many failed log-ins. Try again in {n} minute(s).": (
        "Majaribio mengi mno yameshindwa. Jaribu tena baada ya dakika {n}.",
        "Trop d'échecs de connexion. Réessayez dans {n} minute(s).",
    ),
    "wrong username or password": (
        "jina la mtumiaji au nenosiri si sahihi",
        "nom d'utilisateur ou mot de passe incorrect",
    ),
    # -- overview
    "Centres (nodes)": ("Vituo", "Centres"),
    "Node": ("Kituo (node)", "Nœud"),
    "Centre": ("Kituo", "Centre"),
    "Synced through": ("Imesawazishwa hadi", "Synchronisé jusqu'à"),
    "Results by module": ("Matokeo kwa moduli", "Résultats par module"),
    "Module": ("Moduli", "Module"),
    "Sittings": ("Mitihani", "Passages"),
    "Passed": ("Waliofaulu", "Réussis"),
    "Centres": ("Vituo", "Centres"),
    "Results by centre": ("Matokeo kwa kituo", "Résultats par centre"),
    "Events set aside for review": (
        "Matukio yaliyowekwa kando ili yakaguliwe",
        "Événements mis de côté pour examen",
    ),
    "Branch": ("Tawi", "Branche"),
    "Seq": ("Namba", "N°"),
    "Type": ("Aina", "Type"),
    "Reason": ("Sababu", "Motif"),
    "Received": ("Ilipokelewa", "Reçu"),
    "xAPI outbox": ("Foleni ya xAPI", "File d'envoi xAPI"),
    "Statements": ("Taarifa", "Déclarations"),
    "Waiting to be sent": ("Zinasubiri kutumwa", "En attente d'envoi"),
    "Possibly the same person at two centres (linked, not merged)": (
        "Huenda ni mtu yule yule katika vituo viwili (wameunganishwa, hawajachanganywa)",
        "Peut-être la même personne dans deux centres (liés, non fusionnés)",
    ),
    "Learner": ("Mwanafunzi", "Apprenant"),
    "Basis": ("Msingi", "Motif du lien"),
    "same name and birth year": (
        "jina na mwaka wa kuzaliwa ni sawa",
        "même nom et même année de naissance",
    ),
    "presented a credential issued at {node}": (
        "alionyesha cheti kilichotolewa na {node}",
        "a présenté une attestation délivrée à {node}",
    ),
    "held: on a forked branch": (
        "imezuiliwa: iko kwenye tawi lililogawanyika",
        "retenu : sur une branche divergente",
    ),
    "Review the fork": ("Kagua mgawanyiko", "Examiner la divergence"),
    # -- results, learners, registry, credential
    "Module {module_id}": ("Moduli {module_id}", "Module {module_id}"),
    "Learner {learner_id}": ("Mwanafunzi {learner_id}", "Apprenant {learner_id}"),
    "Score %": ("Alama %", "Score %"),
    "Submitted": ("Ilitumwa", "Soumis"),
    "Credential": ("Cheti", "Attestation"),
    "Credential registry": ("Rejista ya vyeti", "Registre des attestations"),
    "Two centres issued the same credential id {credential_id}: one may be shadowing the "
    "other's credential. Check each centre's credential before revoking either.": (
        "Vituo viwili vimetoa cheti chenye namba ileile {credential_id}: kimoja huenda "
        "kinaficha cheti cha kingine. Angalia cheti cha kila kituo kabla ya kufuta chochote.",
        "Deux centres ont délivré le même numéro d'attestation {credential_id} : l'un masque "
        "peut-être l'attestation de l'autre. Vérifiez l'attestation de chaque centre avant "
        "de révoquer l'une ou l'autre.",
    ),
    "Centres holding credential {credential_id}": (
        "Vituo vyenye cheti {credential_id}",
        "Centres qui détiennent l'attestation {credential_id}",
    ),
    "See the centres": ("Tazama vituo", "Voir les centres"),
    "Credentials from {start}": ("Vyeti kuanzia {start}", "Attestations à partir de {start}"),
    "Sittings from {start}": ("Mitihani kuanzia {start}", "Passages à partir de {start}"),
    "Previous page": ("Ukurasa uliotangulia", "Page précédente"),
    "Next page": ("Ukurasa unaofuata", "Page suivante"),
    "See them all": ("Tazama vyote", "Tout voir"),
    "Issued (node clock)": ("Kilitolewa (saa ya kituo)", "Émise (horloge du centre)"),
    "Made after (hub)": ("Kilitengenezwa baada ya (kitovu)", "Faite après (hub)"),
    "Status": ("Hali", "Statut"),
    "clock": ("saa", "horloge"),
    "active": ("halali", "active"),
    "revoked": ("kimefutwa", "révoquée"),
    "Credential {credential_id}": ("Cheti {credential_id}", "Attestation {credential_id}"),
    "Registry entry": ("Kumbukumbu katika rejista", "Entrée du registre"),
    "Field": ("Sehemu", "Champ"),
    "Value": ("Thamani", "Valeur"),
    "Revoke": ("Futa", "Révoquer"),
    "Revoke this credential": ("Futa cheti hiki", "Révoquer cette attestation"),
    "Module version": ("Toleo la moduli", "Version du module"),
    "Node clock in doubt": ("Saa ya kituo ina shaka", "Horloge du centre douteuse"),
    "Reason for revocation": ("Sababu ya kufuta", "Motif de la révocation"),
    # -- a credential issued again on a slot of its own
    "replaced": ("kimebadilishwa", "remplacée"),
    "Give this holder a credential on a revocation slot of its own": (
        "Mpe mwenye cheti hiki cheti chenye nafasi yake ya kufuta",
        "Donner à ce titulaire une attestation sur sa propre case de révocation",
    ),
    "At its next sync the centre signs this credential again, with the same content, on a "
    "revocation slot no other credential uses; give the holder the new paper. The old paper "
    "stays valid until its shared slot is revoked.": (
        "Katika usawazishaji wake ujao kituo kitasaini cheti hiki tena, chenye maudhui yale "
        "yale, kwenye nafasi ya kufuta ambayo hakuna cheti kingine kinachoitumia; mpe mwenye "
        "cheti karatasi mpya. Karatasi ya zamani inabaki halali hadi nafasi inayoshirikiwa "
        "itakapofutwa.",
        "À sa prochaine synchronisation, le centre signe à nouveau cette attestation, au même "
        "contenu, sur une case de révocation qu'aucune autre attestation n'utilise ; remettez "
        "le nouveau papier au titulaire. L'ancien papier reste valable jusqu'à la révocation "
        "de la case partagée.",
    ),
    "Ask the centre": ("Omba kituo", "Le demander au centre"),
    "Issued again on a revocation slot of its own": (
        "Kimetolewa tena kwenye nafasi yake ya kufuta",
        "Émise à nouveau sur sa propre case de révocation",
    ),
    "Asked by": ("Kiliombwa na", "Demandé par"),
    "Asked on": ("Kiliombwa tarehe", "Demandé le"),
    "Replacement": ("Cheti kipya", "Remplaçante"),
    "Replaces": ("Kinachukua nafasi ya", "Remplace"),
    "Waiting for the centre's next sync": (
        "Kinasubiri usawazishaji ujao wa kituo",
        "En attente de la prochaine synchronisation du centre",
    ),
    # -- two credentials on one revocation slot
    "Shares revocation slot {slot} with credential {other}: revoking one revokes both.": (
        "Kinatumia nafasi ya kufuta {slot} pamoja na cheti {other}: kufuta kimoja "
        "kunafuta vyote viwili.",
        "Partage la case de révocation {slot} avec l'attestation {other} : en révoquer une "
        "révoque les deux.",
    ),
    "Credential {credential} shares revocation slot {slot} with credential {other}: "
    "revoking one revokes both.": (
        "Cheti {credential} kinatumia nafasi ya kufuta {slot} pamoja na cheti {other}: "
        "kufuta kimoja kunafuta vyote viwili.",
        "L'attestation {credential} partage la case de révocation {slot} avec "
        "l'attestation {other} : en révoquer une révoque les deux.",
    ),
    "See both": ("Tazama vyote viwili", "Voir les deux"),
    "Credentials on the same revocation slot": (
        "Vyeti vilivyo kwenye nafasi moja ya kufuta",
        "Attestations sur la même case de révocation",
    ),
    "Revoking this credential revokes others too": (
        "Kufuta cheti hiki kunafuta vingine pia",
        "Révoquer cette attestation en révoque d'autres aussi",
    ),
    "Revocation sets one bit per revocation slot, and these credentials share theirs: "
    "every credential listed above will be revoked. A single one of them cannot be "
    "revoked alone.": (
        "Kufuta huweka alama moja kwa kila nafasi ya kufuta, na vyeti hivi vinashiriki "
        "nafasi yao: kila cheti kilichoorodheshwa hapo juu kitafutwa. Hakuna kimoja "
        "kinachoweza kufutwa peke yake.",
        "La révocation met un bit par case de révocation, et ces attestations partagent "
        "la leur : chaque attestation listée ci-dessus sera révoquée. Aucune ne peut être "
        "révoquée seule.",
    ),
    "Revoke them all": ("Vifute vyote", "Les révoquer toutes"),
    # -- equity
    "Equity figures": ("Takwimu za usawa", "Indicateurs d'équité"),
    "By gender, age band and centre": (
        "Kwa jinsia, kundi la umri na kituo",
        "Par genre, tranche d'âge et centre",
    ),
    "Dimension": ("Kipimo", "Dimension"),
    "Group": ("Kundi", "Groupe"),
    "Learners": ("Wanafunzi", "Apprenants"),
    "Credentials": ("Vyeti", "Attestations"),
    "gender": ("jinsia", "genre"),
    "age band": ("kundi la umri", "tranche d'âge"),
    "centre": ("kituo", "centre"),
    "female": ("mwanamke", "femme"),
    "male": ("mwanamume", "homme"),
    "other": ("nyingine", "autre"),
    "unstated": ("haijaelezwa", "non précisé"),
    "unknown": ("haijulikani", "inconnu"),
    "under 18": ("chini ya miaka 18", "moins de 18 ans"),
    "50 and over": ("miaka 50 na zaidi", "50 ans et plus"),
    # -- a node's alerts (``sync.alerts``), on the overview
    **alerts.TRANSLATIONS,
    # -- forks
    "Forks of {node}": ("Migawanyiko ya {node}", "Divergences de {node}"),
    "Branch {branch}, from seq {seq}": (
        "Tawi {branch}, kuanzia namba {seq}",
        "Branche {branch}, à partir du n° {seq}",
    ),
    "This centre sent events that differ from what the hub already holds after the same "
    "point: it was restored from an old backup, or its card was copied to a second "
    "server. Both chains are kept. The new branch stays out of results until you decide.": (
        "Kituo hiki kimetuma matukio yanayotofautiana na yale ambayo kitovu tayari kinayo "
        "baada ya hatua ile ile: kilirejeshwa kutoka nakala ya zamani, au kadi yake "
        "ilinakiliwa kwenye seva ya pili. Minyororo yote miwili imehifadhiwa. Tawi jipya "
        "halitaingia kwenye matokeo hadi utakapoamua.",
        "Ce centre a envoyé des événements qui diffèrent de ce que le hub détient déjà "
        "après le même point : il a été restauré depuis une ancienne sauvegarde, ou sa carte "
        "a été copiée sur un second serveur. Les deux chaînes sont conservées. La nouvelle "
        "branche reste hors des résultats jusqu'à votre décision.",
    ),
    "No forks: this centre's log has one chain.": (
        "Hakuna mgawanyiko: kumbukumbu za kituo hiki zina mnyororo mmoja.",
        "Aucune divergence : le journal de ce centre n'a qu'une chaîne.",
    ),
    "The hub's copy (branch {branch})": (
        "Nakala ya kitovu (tawi {branch})",
        "La copie du hub (branche {branch})",
    ),
    "The fork (branch {branch})": (
        "Mgawanyiko (tawi {branch})",
        "La divergence (branche {branch})",
    ),
    "Events": ("Matukio", "Événements"),
    "First event (node clock)": (
        "Tukio la kwanza (saa ya kituo)",
        "Premier événement (horloge du centre)",
    ),
    "Last event (node clock)": (
        "Tukio la mwisho (saa ya kituo)",
        "Dernier événement (horloge du centre)",
    ),
    "Set aside as unreadable": ("Yaliyowekwa kando kwa kutosomeka", "Mis de côté, illisibles"),
    "Holder": ("Mwenye cheti", "Titulaire"),
    "Issued": ("Kilitolewa", "Émise"),
    "Revocation slot": ("Nafasi ya kufuta", "Case de révocation"),
    "State": ("Hali", "État"),
    "Waiting for your decision": ("Inasubiri uamuzi wako", "En attente de votre décision"),
    "Accepted: in results": ("Limekubaliwa: liko kwenye matokeo", "Acceptée : dans les résultats"),
    "Rejected: kept out of results": (
        "Limekataliwa: haliko kwenye matokeo",
        "Rejetée : tenue hors des résultats",
    ),
    "Decided by {staff} on {when}: {reason}": (
        "Iliamuliwa na {staff} tarehe {when}: {reason}",
        "Décidé par {staff} le {when} : {reason}",
    ),
    "{n} credential(s) on this branch use revocation slots already used by credentials "
    "in results ({slots}): revoking one of them would revoke the other too.": (
        "Vyeti {n} kwenye tawi hili vinatumia nafasi za kufuta ambazo tayari zinatumiwa na "
        "vyeti vilivyo kwenye matokeo ({slots}): kufuta kimoja kungefuta na kingine pia.",
        "{n} attestation(s) de cette branche utilisent des cases de révocation déjà prises "
        "par des attestations dans les résultats ({slots}) : en révoquer une révoquerait "
        "aussi l'autre.",
    ),
    "Accept the branch": ("Kubali tawi hili", "Accepter la branche"),
    "This branch grew from branch {parent}, which is not in results: it can be accepted "
    "only after branch {parent} is.": (
        "Tawi hili limetokana na tawi {parent}, ambalo haliko kwenye matokeo: linaweza "
        "kukubaliwa tu baada ya tawi {parent} kukubaliwa.",
        "Cette branche est issue de la branche {parent}, qui n'est pas dans les résultats : "
        "elle ne peut être acceptée qu'après la branche {parent}.",
    ),
    "The usual case: the centre was restored from a backup and both branches are real "
    "work signed by its key. Its events enter results now, and so does what it sends next.": (
        "Hali ya kawaida: kituo kilirejeshwa kutoka nakala na matawi yote mawili ni kazi "
        "halisi iliyosainiwa kwa ufunguo wake. Matukio yake yanaingia kwenye matokeo sasa, "
        "pamoja na yale kitakayotuma baadaye.",
        "Le cas habituel : le centre a été restauré depuis une sauvegarde et les deux "
        "branches sont du vrai travail signé par sa clé. Ses événements entrent dans les "
        "résultats maintenant, ainsi que ce qu'il enverra ensuite.",
    ),
    "Reject the branch": ("Kataa tawi hili", "Rejeter la branche"),
    "For a copied card or a stolen key: the branch stays out of results for good. Then "
    "revoke the centre on the hub's server: {command}": (
        "Kwa kadi iliyonakiliwa au ufunguo ulioibiwa: tawi litabaki nje ya matokeo daima. "
        "Kisha futa kituo kwenye seva ya kitovu: {command}",
        "Pour une carte copiée ou une clé volée : la branche reste hors des résultats pour "
        "de bon. Révoquez ensuite le centre sur le serveur du hub : {command}",
    ),
    "Reason (kept in the audit record)": (
        "Sababu (inahifadhiwa kwenye kumbukumbu za ukaguzi)",
        "Motif (conservé dans le journal d'audit)",
    ),
    # -- public verification
    "Take a photo of the QR code": ("Piga picha ya msimbo wa QR", "Photographiez le code QR"),
    "Or paste the text a QR scanner app read from the code (it starts with FC1:)": (
        "Au bandika maandishi ambayo programu ya kuchanganua QR ilisoma kutoka kwenye msimbo "
        "(yanaanza na FC1:)",
        "Ou collez le texte qu'une application de lecture de QR a lu dans le code (il commence "
        "par FC1:)",
    ),
    "Check": ("Hakiki", "Vérifier"),
    "Anyone can check a credential here: take a photo of the QR code on the certificate or "
    "the pocket card. Nothing else is needed; the line under the code says where to check "
    "it.": (
        "Mtu yeyote anaweza kuhakiki cheti hapa: piga picha ya msimbo wa QR ulio kwenye cheti "
        "au kadi ya mfukoni. Hakuna kingine kinachohitajika; mstari ulio chini ya msimbo "
        "unasema mahali pa kukihakiki.",
        "Tout le monde peut vérifier une attestation ici : photographiez le code QR du "
        "certificat ou de la carte de poche. Rien d'autre n'est nécessaire ; la ligne sous le "
        "code indique où la vérifier.",
    ),
    "What the credential says": ("Cheti kinasema nini", "Ce que dit l'attestation"),
    "Name": ("Jina", "Nom"),
    "Outcomes achieved": ("Matokeo yaliyofikiwa", "Acquis obtenus"),
    "Date": ("Tarehe", "Date"),
    "Valid until": ("Halali hadi", "Valable jusqu'au"),
    "The photo is too large.": ("Picha ni kubwa mno.", "La photo est trop lourde."),
    # -- verdicts of a verification (``credentials.verdicts``), on /verify
    **verdicts.TRANSLATIONS,
}

MESSAGES: dict[str, dict[str, str]] = {
    english: {"en": english, "sw": sw, "fr": fr} for english, (sw, fr) in _PAIRS.items()
}


def gettext(lang: str, msgid: str, **values: object) -> str:
    """``msgid`` in ``lang`` (English when missing), placeholders filled."""
    text = MESSAGES.get(msgid, {}).get(lang, msgid)
    return text.format(**values) if values else text


def translator(lang: str) -> Callable[..., str]:
    def translate(msgid: str, **values: object) -> str:
        return gettext(lang, msgid, **values)

    return translate


def pick_language(query: str | None, cookie: str | None, accept_language: str) -> str:
    """``?lang=``, else the language cookie, else the browser's first of ours, else English."""
    for chosen in (query, cookie):
        if chosen in LANGUAGES:
            return str(chosen)
    for part in accept_language.split(",")[:8]:
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
