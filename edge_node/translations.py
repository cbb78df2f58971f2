"""Kiswahili and French for every message of the interface, keyed by the English text.

Placeholders in braces (``{n}``) are filled after translation and must be kept.
"""

from __future__ import annotations

from credentials import verdicts
from sync import alerts

# English text: (Kiswahili, French)
_PAIRS: dict[str, tuple[str, str]] = {
    "Accounts": ("Akaunti", "Comptes"),
    "Add the account": ("Ongeza akaunti", "Ajouter le compte"),
    "Admin": ("Msimamizi", "Administration"),
    "After the course": ("Baada ya kozi", "Après la formation"),
    "After you submit, you cannot change your answers.": (
        "Ukishatuma, huwezi kubadilisha majibu yako.",
        "Après l'envoi, vous ne pourrez plus changer vos réponses.",
    ),
    "All learners": ("Wanafunzi wote", "Tous les apprenants"),
    "Already scored.": ("Tayari imepewa alama.", "Déjà noté."),
    "Anyone can scan this code to check your credential, even offline.": (
        "Mtu yeyote anaweza kuchanganua msimbo huu kuhakiki cheti chako, hata bila mtandao.",
        "Tout le monde peut scanner ce code pour vérifier votre attestation, même hors ligne.",
    ),
    "Assessment": ("Tathmini", "Évaluation"),
    "Assessments": ("Tathmini", "Évaluations"),
    "Back": ("Rudi", "Retour"),
    "Centre": ("Kituo", "Centre"),
    "Certificate of achievement": ("Cheti cha mafanikio", "Certificat de réussite"),
    "Certificate to print (A4)": ("Cheti cha kuchapisha (A4)", "Certificat à imprimer (A4)"),
    "Check": ("Hakiki", "Vérifier"),
    "Check a credential": ("Hakiki cheti", "Vérifier une attestation"),
    "Checklist": ("Orodha ya ukaguzi", "Grille pratique"),
    "Choose every answer that is right.": (
        "Chagua kila jibu lililo sahihi.",
        "Choisissez toutes les bonnes réponses.",
    ),
    "Clock": ("Saa", "Horloge"),
    "Close the session": ("Funga kipindi", "Clore la session"),
    "Continue": ("Endelea", "Continuer"),
    "Credential": ("Cheti", "Attestation"),
    "Credentials": ("Vyeti", "Attestations"),
    "Credentials waiting to be issued": (
        "Vyeti vinavyosubiri kutolewa",
        "Attestations en attente d'émission",
    ),
    "Dashboard": ("Dashibodi", "Tableau de bord"),
    "Date": ("Tarehe", "Date"),
    "Download for a wallet (Open Badges 3.0)": (
        "Pakua kwa pochi ya kidijitali (Open Badges 3.0)",
        "Télécharger pour un portefeuille (Open Badges 3.0)",
    ),
    "Download the credential (.cose)": ("Pakua cheti (.cose)", "Télécharger l'attestation (.cose)"),
    "Edit": ("Hariri", "Modifier"),
    "Edit learner": ("Hariri mwanafunzi", "Modifier l'apprenant"),
    "Events waiting to sync": (
        "Matukio yanayosubiri kusawazishwa",
        "Événements en attente de synchronisation",
    ),
    "False": ("Si kweli", "Faux"),
    "Female": ("Mwanamke", "Femme"),
    "Gender (optional)": ("Jinsia (si lazima)", "Genre (facultatif)"),
    "Home": ("Mwanzo", "Accueil"),
    "Join": ("Jiunge", "Rejoindre"),
    "Join an assessment": ("Jiunge na tathmini", "Rejoindre une évaluation"),
    "Language": ("Lugha", "Langue"),
    "Last sync": ("Usawazishaji wa mwisho", "Dernière synchronisation"),
    "Learner": ("Mwanafunzi", "Apprenant"),
    "Learner code": ("Namba ya mwanafunzi", "Code apprenant"),
    "Learners": ("Wanafunzi", "Apprenants"),
    "Learners open this node, choose Join, and type this code and their learner code.": (
        "Wanafunzi wafungue ukurasa huu, wachague Jiunge, kisha waandike namba hii na namba zao.",
        "Les apprenants ouvrent ce serveur, choisissent Rejoindre et saisissent ce code "
        "et leur code apprenant.",
    ),
    "Leave": ("Ondoka", "Quitter"),
    "Level": ("Kiwango", "Niveau"),
    "Log in": ("Ingia", "Se connecter"),
    "Log out": ("Toka", "Se déconnecter"),
    "Male": ("Mwanaume", "Homme"),
    "Merge into this learner": ("Unganisha na mwanafunzi huyu", "Fusionner avec cet apprenant"),
    "Module": ("Moduli", "Module"),
    "My credential and QR code": ("Cheti changu na msimbo wa QR", "Mon attestation et son code QR"),
    "My results": ("Matokeo yangu", "Mes résultats"),
    "Name": ("Jina", "Nom"),
    "Next": ("Endelea", "Suivant"),
    "No learner found.": ("Hakuna mwanafunzi aliyepatikana.", "Aucun apprenant trouvé."),
    "No session yet today.": ("Hakuna kipindi bado leo.", "Aucune session aujourd'hui."),
    "Nobody has joined yet.": ("Hakuna aliyejiunga bado.", "Personne n'a encore rejoint."),
    "Node time": ("Saa ya kituo", "Heure du serveur"),
    "None yet.": ("Bado hakuna.", "Aucun pour l'instant."),
    "Not yet": ("Bado", "Pas encore"),
    "Not yet passed.": ("Bado hujafaulu.", "Pas encore réussi."),
    "Open": ("Fungua", "Ouvrir"),
    "Open a session": ("Fungua kipindi", "Ouvrir une session"),
    "Or paste the text a QR scanner app read from the code (it starts with FC1:)": (
        "Au bandika maandishi ambayo programu ya kuchanganua QR ilisoma kutoka kwenye msimbo "
        "(yanaanza na FC1:)",
        "Ou collez le texte qu'une application de lecture de QR a lu dans le code (il commence "
        "par FC1:)",
    ),
    "Or type the time (UTC), YYYY-MM-DD HH:MM": (
        "Au andika saa (UTC), MMMM-MM-SS SS:DD",
        "Ou saisissez l'heure (UTC), AAAA-MM-JJ HH:MM",
    ),
    "Other": ("Nyingine", "Autre"),
    "Outcomes achieved": ("Matokeo yaliyofikiwa", "Acquis obtenus"),
    "PIN (only if you chose one)": (
        "PIN (ikiwa tu ulichagua)",
        "Code PIN (seulement si vous en avez choisi un)",
    ),
    "PIN, 4 to 8 digits (optional)": (
        "PIN, tarakimu 4 hadi 8 (si lazima)",
        "Code PIN, 4 à 8 chiffres (facultatif)",
    ),
    "Passed": ("Amefaulu", "Réussi"),
    "Password": ("Nenosiri", "Mot de passe"),
    "Take a photo of the QR code": ("Piga picha ya msimbo wa QR", "Photographiez le code QR"),
    "Credential {id}": ("Cheti {id}", "Attestation {id}"),
    "To check it, open {address} and take a photo of this code.": (
        "Ili kukihakiki, fungua {address} na upige picha ya msimbo huu.",
        "Pour la vérifier, ouvrez {address} et photographiez ce code.",
    ),
    "To check it, scan this code with any fieldcred verifier.": (
        "Ili kukihakiki, changanua msimbo huu kwa kihakiki chochote cha fieldcred.",
        "Pour la vérifier, scannez ce code avec n'importe quel vérificateur fieldcred.",
    ),
    "Phone (optional)": ("Simu (si lazima)", "Téléphone (facultatif)"),
    "Pocket card": ("Kadi ya mfukoni", "Carte de poche"),
    "Pocket card to print (A6)": (
        "Kadi ya mfukoni ya kuchapisha (A6)",
        "Carte de poche à imprimer (A6)",
    ),
    "Possible duplicates": ("Huenda wamesajiliwa mara mbili", "Doublons possibles"),
    "Practical checklist": ("Orodha ya ukaguzi wa vitendo", "Grille de l'épreuve pratique"),
    "Preferred language": ("Lugha anayopendelea", "Langue préférée"),
    "Prefers not to say": ("Hapendi kusema", "Préfère ne pas répondre"),
    "Print": ("Chapisha", "Imprimer"),
    "Prior learning (assessment only, for experienced farmers)": (
        "Ujuzi wa awali (tathmini pekee, kwa wakulima wenye uzoefu)",
        "Acquis de l'expérience (évaluation seule, pour les agriculteurs expérimentés)",
    ),
    "Question {n} of {total}": ("Swali {n} kati ya {total}", "Question {n} sur {total}"),
    "Recent results": ("Matokeo ya karibuni", "Résultats récents"),
    "Refresh": ("Onyesha upya", "Actualiser"),
    "Register a learner": ("Sajili mwanafunzi", "Inscrire un apprenant"),
    "Result": ("Matokeo", "Résultat"),
    "Results": ("Matokeo", "Résultats"),
    "Review": ("Pitia", "Relire"),
    "Role": ("Jukumu", "Rôle"),
    "Route": ("Njia", "Parcours"),
    "Save": ("Hifadhi", "Enregistrer"),
    "Save and review": ("Hifadhi na upitie", "Enregistrer et relire"),
    "Save the scores (final)": ("Hifadhi alama (za mwisho)", "Enregistrer les notes (définitives)"),
    "Score": ("Alama", "Note"),
    "Scored": ("Imepewa alama", "Noté"),
    "Search": ("Tafuta", "Rechercher"),
    "Search by name, village or code": (
        "Tafuta kwa jina, kijiji au namba",
        "Rechercher par nom, village ou code",
    ),
    "Session": ("Kipindi", "Session"),
    "Session code": ("Namba ya kipindi", "Code de session"),
    "Session code (from your worker)": (
        "Namba ya kipindi (kutoka kwa mwezeshaji wako)",
        "Code de session (donné par votre animateur)",
    ),
    "Set the node time": ("Weka saa ya kituo", "Régler l'heure du serveur"),
    "Sorry": ("Samahani", "Désolé"),
    "Submit my answers": ("Tuma majibu yangu", "Envoyer mes réponses"),
    "Submitted": ("Imetumwa", "Envoyé"),
    "Sync": ("Usawazishaji", "Synchronisation"),
    "Take an assessment, get your credential, or check one.": (
        "Fanya tathmini, pata cheti chako, au hakiki cheti.",
        "Passez une évaluation, obtenez votre attestation ou vérifiez-en une.",
    ),
    "The clock is not trusted: credentials wait until an admin sets the time.": (
        "Saa haiaminiki: vyeti vinasubiri hadi msimamizi aweke saa.",
        "L'horloge n'est pas fiable : les attestations attendent qu'un administrateur "
        "règle l'heure.",
    ),
    "The learner agrees that the centre stores these details to record their results "
    "and credentials.": (
        "Mwanafunzi anakubali kituo kihifadhi taarifa hizi ili kurekodi matokeo na vyeti vyake.",
        "L'apprenant accepte que le centre conserve ces informations pour enregistrer ses "
        "résultats et attestations.",
    ),
    "The old paper still verifies; the new one can be revoked on its own.": (
        "Karatasi ya zamani bado inahakikiwa; mpya inaweza kubatilishwa peke yake.",
        "L'ancien papier reste vérifiable ; le nouveau peut être révoqué à lui seul.",
    ),
    "The last sync failed": (
        "Usawazishaji wa mwisho haukufaulu",
        "La dernière synchronisation a échoué",
    ),
    "The hub reports about this centre": (
        "Kitovu kinaripoti kuhusu kituo hiki",
        "Le hub signale à propos de ce centre",
    ),
    "This certifies that": ("Hii inathibitisha kwamba", "Nous certifions que"),
    "Today's sessions": ("Vipindi vya leo", "Sessions du jour"),
    "True": ("Kweli", "Vrai"),
    "Username": ("Jina la mtumiaji", "Nom d'utilisateur"),
    "Valid until": ("Halali hadi", "Valable jusqu'au"),
    "Village": ("Kijiji", "Village"),
    "Welcome": ("Karibu", "Bienvenue"),
    "Well done, you passed!": ("Hongera, umefaulu!", "Bravo, vous avez réussi !"),
    "Worker": ("Mwezeshaji", "Animateur"),
    "Worker log-in": ("Kuingia kwa mwezeshaji", "Connexion animateur"),
    "Workload": ("Muda wa kujifunza", "Charge de travail"),
    "Year of birth (optional)": (
        "Mwaka wa kuzaliwa (si lazima)",
        "Année de naissance (facultatif)",
    ),
    "You answered {answered} of {total} questions.": (
        "Umejibu maswali {answered} kati ya {total}.",
        "Vous avez répondu à {answered} questions sur {total}.",
    ),
    "You can try again in another session.": (
        "Unaweza kujaribu tena katika kipindi kingine.",
        "Vous pourrez réessayer lors d'une autre session.",
    ),
    "Your answer": ("Jibu lako", "Votre réponse"),
    "Your answers are saved.": ("Majibu yako yamehifadhiwa.", "Vos réponses sont enregistrées."),
    "Your credential will be issued as soon as the node clock is set.": (
        "Cheti chako kitatolewa mara saa ya kituo itakapowekwa.",
        "Votre attestation sera émise dès que l'horloge du serveur sera réglée.",
    ),
    "Your learner code (on your card)": (
        "Namba yako ya mwanafunzi (iko kwenye kadi yako)",
        "Votre code apprenant (sur votre carte)",
    ),
    "Your phone says": ("Simu yako inasema", "Votre téléphone indique"),
    "Your result": ("Matokeo yako", "Votre résultat"),
    "Your worker will now watch you do the practical part. Then your result appears here.": (
        "Mwezeshaji wako sasa atakuangalia ukifanya sehemu ya vitendo. Kisha matokeo yako "
        "yataonekana hapa.",
        "Votre animateur va maintenant vous observer pendant la partie pratique. Ensuite, "
        "votre résultat s'affichera ici.",
    ),
    "answered": ("limejibiwa", "répondu"),
    "closed": ("kimefungwa", "close"),
    "code": ("namba", "code"),
    "course": ("kozi", "formation"),
    "has achieved the micro-credential": (
        "amefanikiwa kupata cheti kidogo cha",
        "a obtenu la micro-certification",
    ),
    "learners": ("wanafunzi", "apprenants"),
    "must pass": ("lazima afaulu", "obligatoire"),
    "never": ("bado", "jamais"),
    "not answered": ("halijajibiwa", "sans réponse"),
    "not trusted": ("haiaminiki", "non fiable"),
    "prior learning": ("ujuzi wa awali", "acquis de l'expérience"),
    "trusted": ("inaaminika", "fiable"),
    "waiting": ("inasubiri", "en attente"),
    # Messages the node sends back to learners and workers
    "No open session has this code. Check the code with your worker.": (
        "Hakuna kipindi kilicho wazi chenye namba hii. Hakikisha namba na mwezeshaji wako.",
        "Aucune session ouverte n'a ce code. Vérifiez le code avec votre animateur.",
    ),
    "Unknown learner code": ("Namba ya mwanafunzi haijulikani", "Code apprenant inconnu"),
    "Wrong PIN": ("PIN si sahihi", "Code PIN incorrect"),
    "Too many wrong PINs. Ask your worker to unlock your PIN.": (
        "PIN isiyo sahihi imejaribiwa mara nyingi mno. Mwombe mwezeshaji wako afungue PIN yako.",
        "Trop de codes PIN erronés. Demandez à votre animateur de débloquer votre code PIN.",
    ),
    "This learner's PIN is not locked": (
        "PIN ya mwanafunzi huyu haijafungwa",
        "Le code PIN de cet apprenant n'est pas bloqué",
    ),
    "PIN locked": ("PIN imefungwa", "Code PIN bloqué"),
    "PIN: wait before trying again": (
        "PIN: subiri kabla ya kujaribu tena",
        "Code PIN : attendez avant de réessayer",
    ),
    "someone typed a wrong PIN {n} times. Unlock it once the learner has shown you who they are.": (
        "mtu ameandika PIN isiyo sahihi mara {n}. Ifungue baada ya mwanafunzi kukuonyesha "
        "kuwa ni yeye.",
        "quelqu'un a tapé un code PIN erroné {n} fois. Débloquez-le une fois que l'apprenant "
        "vous a montré qui il est.",
    ),
    "Unlock the PIN": ("Fungua PIN", "Débloquer le code PIN"),
    "PIN unlocked by {by} at {at}": (
        "PIN imefunguliwa na {by} saa {at}",
        "Code PIN débloqué par {by} le {at}",
    ),
    "Wrong username or password": (
        "Jina la mtumiaji au nenosiri si sahihi",
        "Nom d'utilisateur ou mot de passe incorrect",
    ),
    "Choose one of the answers": ("Chagua moja ya majibu", "Choisissez une des réponses"),
    "Choose at least one answer": ("Chagua angalau jibu moja", "Choisissez au moins une réponse"),
    "Choose among the answers shown": (
        "Chagua kati ya majibu yaliyoonyeshwa",
        "Choisissez parmi les réponses proposées",
    ),
    "Answer true or false": ("Jibu kweli au si kweli", "Répondez vrai ou faux"),
    "Enter a number": ("Andika namba", "Saisissez un nombre"),
    "Page not found": ("Ukurasa haukupatikana", "Page introuvable"),
    "Please join a session with your learner code": (
        "Tafadhali jiunge na kipindi kwa namba yako ya mwanafunzi",
        "Veuillez rejoindre une session avec votre code apprenant",
    ),
    "Please log in as a worker": ("Tafadhali ingia kama mwezeshaji", "Veuillez vous connecter"),
    "No one is signed in with this session": (
        "Hakuna aliyeingia kwa kipindi hiki",
        "Personne n'est connecté avec cette session",
    ),
    "This form has expired or cookies are switched off. Go back, reload the page and try again.": (
        "Fomu hii imepitwa na wakati au vidakuzi vimezimwa. Rudi, pakia ukurasa upya na ujaribu "
        "tena.",
        "Ce formulaire a expiré ou les cookies sont désactivés. Revenez en arrière, rechargez "
        "la page et réessayez.",
    ),
    "This sitting is submitted; answers are final": (
        "Tathmini hii imeshatumwa; majibu ni ya mwisho",
        "Cette évaluation est envoyée ; les réponses sont définitives",
    ),
    "There is no such question in this sitting": (
        "Hakuna swali kama hilo katika tathmini hii",
        "Cette question n'existe pas dans cette évaluation",
    ),
    "Too many failed log-ins. Try again in {n} minute(s).": (
        "Majaribio mengi mno yameshindwa. Jaribu tena baada ya dakika {n}.",
        "Trop d'échecs de connexion. Réessayez dans {n} minute(s).",
    ),
    "No such sitting": ("Tathmini hiyo haipo", "Évaluation introuvable"),
    "To print, use your browser's Print menu.": (
        "Kuchapisha, tumia menyu ya Chapisha ya kivinjari chako.",
        "Pour imprimer, utilisez le menu Imprimer de votre navigateur.",
    ),
    "Key practical tasks to do better next time": (
        "Kazi muhimu za vitendo za kufanya vizuri zaidi wakati ujao",
        "Tâches pratiques clés à mieux réussir la prochaine fois",
    ),
    "The trust list kept on this node cannot be read ({reason}). Sync with the university "
    "hub or import a content pack to replace it.": (
        "Orodha ya uaminifu iliyohifadhiwa kwenye kituo hiki haisomeki ({reason}). "
        "Sawazisha na seva ya chuo kikuu au ingiza kifurushi cha maudhui ili kuibadilisha.",
        "La liste de confiance gardée sur ce serveur est illisible ({reason}). Synchronisez "
        "avec le serveur de l'université ou importez un paquet de contenu pour la remplacer.",
    ),
    "No such session": ("Kipindi hicho hakipo", "Session introuvable"),
    "No such learner": ("Mwanafunzi huyo hayupo", "Apprenant introuvable"),
    "No such credential": ("Cheti hicho hakipo", "Attestation introuvable"),
    "No such account": ("Akaunti hiyo haipo", "Compte introuvable"),
    "No such image": ("Picha hiyo haipo", "Image introuvable"),
    "Unknown language": ("Lugha haijulikani", "Langue inconnue"),
    "This credential belongs to someone else": (
        "Cheti hiki ni cha mtu mwingine",
        "Cette attestation appartient à quelqu'un d'autre",
    ),
    "The form is too large": ("Fomu ni kubwa mno", "Le formulaire est trop volumineux"),
    "The photo is too large (8 MB at most)": (
        "Picha ni kubwa mno (MB 8 zaidi)",
        "La photo est trop volumineuse (8 Mo au plus)",
    ),
    "Only an admin may do this": (
        "Msimamizi pekee ndiye anaweza kufanya hivi",
        "Seul un administrateur peut faire cela",
    ),
    "The role must be admin or worker": (
        "Jukumu liwe msimamizi au mwezeshaji",
        "Le rôle doit être administrateur ou animateur",
    ),
    "The username must be 2–32 letters, digits, dots, dashes or underscores": (
        "Jina la mtumiaji liwe herufi, tarakimu, nukta, vistari au mistari ya chini 2–32",
        "Le nom d'utilisateur doit compter de 2 à 32 lettres, chiffres, points, tirets ou "
        "tirets bas",
    ),
    "Give the time as YYYY-MM-DD HH:MM (UTC)": (
        "Andika saa kama YYYY-MM-DD HH:MM (UTC)",
        "Indiquez l'heure sous la forme AAAA-MM-JJ HH:MM (UTC)",
    ),
    "That time is not plausible": ("Saa hiyo haiwezekani", "Cette heure n'est pas plausible"),
    "The time must carry a time zone": (
        "Saa lazima iwe na saa za eneo",
        "L'heure doit indiquer un fuseau horaire",
    ),
    "The clock is still not trusted; set the time first": (
        "Saa bado haiaminiki; weka saa kwanza",
        "L'horloge n'est toujours pas fiable ; réglez d'abord l'heure",
    ),
    "The checklist of this sitting is already scored": (
        "Orodha ya ukaguzi ya tathmini hii imeshapewa alama",
        "La grille pratique de cette évaluation est déjà notée",
    ),
    "This module has no practical checklist": (
        "Moduli hii haina orodha ya ukaguzi wa vitendo",
        "Ce module n'a pas de grille pratique",
    ),
    "This module has no prior-learning route": (
        "Moduli hii haina njia ya ujuzi wa awali",
        "Ce module n'a pas de voie de validation des acquis",
    ),
    "The route must be 'course' or 'prior_learning'": (
        "Njia iwe 'course' au 'prior_learning'",
        "La voie doit être 'course' ou 'prior_learning'",
    ),
    "A learner cannot be merged with themselves": (
        "Mwanafunzi hawezi kuunganishwa na yeye mwenyewe",
        "Un apprenant ne peut pas être fusionné avec lui-même",
    ),
    "Both records sat the same session; they cannot be merged": (
        "Rekodi zote mbili zilifanya kipindi kimoja; haziwezi kuunganishwa",
        "Les deux fiches ont passé la même session ; elles ne peuvent pas être fusionnées",
    ),
    # Credentials earned at another centre, and what the node's certificate allows.
    "Earned elsewhere": ("Vilivyopatikana kwingine", "Obtenues ailleurs"),
    "Earned at {centre}": ("Kimepatikana katika {centre}", "Obtenue à {centre}"),
    "Add a credential earned elsewhere": (
        "Ongeza cheti kilichopatikana kwingine",
        "Ajouter une attestation obtenue ailleurs",
    ),
    "A module credential from another centre counts towards a pathway here. It is checked "
    "offline first.": (
        "Cheti cha moduli kutoka kituo kingine kinahesabiwa kwa njia ya mafunzo hapa. "
        "Kinahakikiwa kwanza bila mtandao.",
        "Une attestation de module d'un autre centre compte ici pour un parcours. Elle est "
        "d'abord vérifiée hors ligne.",
    ),
    "Add the credential": ("Ongeza cheti", "Ajouter l'attestation"),
    "Added: {title}, earned at {centre}.": (
        "Kimeongezwa: {title}, kilichopatikana katika {centre}.",
        "Ajoutée : {title}, obtenue à {centre}.",
    ),
    "Already recognised: {title}, earned at {centre}. Nothing was added.": (
        "Tayari kinatambuliwa: {title}, kilichopatikana katika {centre}. Hakuna kilichoongezwa.",
        "Déjà reconnue : {title}, obtenue à {centre}. Rien n'a été ajouté.",
    ),
    "The pathway is complete: its credential is issued.": (
        "Njia ya mafunzo imekamilika: cheti chake kimetolewa.",
        "Le parcours est complet : son attestation est délivrée.",
    ),
    "Paste the QR text or choose a photo.": (
        "Bandika maandishi ya QR au chagua picha.",
        "Collez le texte du QR ou choisissez une photo.",
    ),
    "The node is busy. Try again in a few seconds.": (
        "Kompyuta ya kituo ina kazi nyingi. Jaribu tena baada ya sekunde chache.",
        "Le serveur du centre est occupé. Réessayez dans quelques secondes.",
    ),
    "No QR code could be read in the photo. Take it again, closer and sharper.": (
        "Hakuna msimbo wa QR uliosomeka kwenye picha. Piga tena, karibu zaidi na wazi zaidi.",
        "Aucun code QR n'a pu être lu sur la photo. Reprenez-la, plus près et plus nette.",
    ),
    "This node has no trust list yet, so it cannot check credentials from other centres: "
    "import a content pack or sync first.": (
        "Kifaa hiki bado hakina orodha ya uaminifu, kwa hiyo hakiwezi kuhakiki vyeti vya "
        "vituo vingine: ingiza kifurushi cha maudhui au sawazisha kwanza.",
        "Ce poste n'a pas encore de liste de confiance et ne peut pas vérifier les "
        "attestations d'autres centres : importez un paquet de contenu ou synchronisez d'abord.",
    ),
    "This credential cannot be added: {reason}": (
        "Cheti hiki hakiwezi kuongezwa: {reason}",
        "Cette attestation ne peut pas être ajoutée : {reason}",
    ),
    "This credential was issued by this centre: it is already on this node's records.": (
        "Cheti hiki kilitolewa na kituo hiki: tayari kimo kwenye kumbukumbu za kifaa hiki.",
        "Cette attestation a été délivrée par ce centre : elle figure déjà dans ses registres.",
    ),
    "This is a pathway credential: only module credentials can be added.": (
        "Hiki ni cheti cha njia ya mafunzo: vyeti vya moduli pekee vinaweza kuongezwa.",
        "C'est une attestation de parcours : seules les attestations de module peuvent être "
        "ajoutées.",
    ),
    "The credential is for {holder}, but this learner is {learner}. If they are the same "
    "person, correct the learner's name first.": (
        "Cheti ni cha {holder}, lakini mwanafunzi huyu ni {learner}. Ikiwa ni mtu yule yule, "
        "sahihisha jina la mwanafunzi kwanza.",
        "L'attestation est au nom de {holder}, mais cet apprenant est {learner}. S'il s'agit "
        "de la même personne, corrigez d'abord le nom de l'apprenant.",
    ),
    "This credential is already recognised for another learner, {learner}.": (
        "Cheti hiki tayari kinatambuliwa kwa mwanafunzi mwingine, {learner}.",
        "Cette attestation est déjà reconnue pour un autre apprenant, {learner}.",
    ),
    "No credential can be issued:": (
        "Hakuna cheti kinachoweza kutolewa:",
        "Aucune attestation ne peut être délivrée :",
    ),
    "no credential": ("hakuna cheti", "pas d'attestation"),
    "Issued again at the university's request: give each holder the new paper": (
        "Kimetolewa upya kwa ombi la chuo kikuu: mpe kila mmiliki karatasi mpya",
        "Délivrée à nouveau à la demande de l'université : remettez à chaque titulaire "
        "le nouveau papier",
    ),
    "Passed, but no credential issued": (
        "Amefaulu, lakini hakuna cheti kilichotolewa",
        "Réussi, mais aucune attestation délivrée",
    ),
    "This centre has no certificate yet, so it cannot issue credentials. The result is kept; "
    "the credential is issued once the certificate is installed.": (
        "Kituo hiki bado hakina cheti cha kituo, kwa hiyo hakiwezi kutoa vyeti. Matokeo "
        "yamehifadhiwa; cheti kitatolewa mara cheti cha kituo kitakaposakinishwa.",
        "Ce centre n'a pas encore de certificat et ne peut donc pas délivrer d'attestations. "
        "Le résultat est conservé ; l'attestation sera délivrée une fois le certificat "
        "installé.",
    ),
    "This centre's certificate does not cover {module}, so no credential is issued. The "
    "result is kept; the credential is issued if a certificate that covers it arrives.": (
        "Cheti cha kituo hiki hakihusu {module}, kwa hiyo hakuna cheti kinachotolewa. "
        "Matokeo yamehifadhiwa; cheti kitatolewa ikiwa cheti cha kituo kinachohusu moduli "
        "hii kitafika.",
        "Le certificat de ce centre ne couvre pas {module} : aucune attestation n'est "
        "délivrée. Le résultat est conservé ; l'attestation sera délivrée si un certificat "
        "qui le couvre arrive.",
    ),
    "This time is before {known} UTC, which this centre has already recorded (its latest "
    "activity, or the university's time at the last sync). Check the date; only a sync "
    "with the university can set the clock further back.": (
        "Wakati huu ni kabla ya {known} UTC, ambao kituo hiki kimeshaurekodi (shughuli yake "
        "ya mwisho, au wakati wa chuo kikuu katika usawazishaji wa mwisho). Angalia tarehe; "
        "ni usawazishaji na chuo kikuu tu unaoweza kurudisha saa nyuma zaidi.",
        "Cette heure est antérieure au {known} UTC, que ce centre a déjà enregistré (sa "
        "dernière activité, ou l'heure de l'université à la dernière synchronisation). "
        "Vérifiez la date ; seule une synchronisation avec l'université peut reculer "
        "davantage l'horloge.",
    ),
    "This time is more than {days} days after {known} UTC, the latest time this centre "
    "knows for sure. Check the date; a time further ahead comes only from a sync with the "
    "university.": (
        "Wakati huu ni zaidi ya siku {days} baada ya {known} UTC, wakati wa mwisho ambao "
        "kituo hiki kina uhakika nao. Angalia tarehe; wakati wa mbele zaidi unatoka tu kwenye "
        "usawazishaji na chuo kikuu.",
        "Cette heure est plus de {days} jours après le {known} UTC, la dernière heure que ce "
        "centre connaît avec certitude. Vérifiez la date ; une heure plus lointaine ne vient "
        "que d'une synchronisation avec l'université.",
    ),
    "This learner's name is longer than the {limit} characters a credential holds, so no "
    "credential is issued. The result is kept; shorten the name on the learner's card and "
    "the credential is issued.": (
        "Jina la mwanafunzi huyu ni refu kuliko herufi {limit} ambazo cheti kinaweza kubeba, "
        "kwa hiyo hakuna cheti kinachotolewa. Matokeo yamehifadhiwa; fupisha jina kwenye "
        "kadi ya mwanafunzi na cheti kitatolewa.",
        "Le nom de cet apprenant dépasse les {limit} caractères qu'une attestation peut "
        "porter : aucune attestation n'est délivrée. Le résultat est conservé ; raccourcissez "
        "le nom sur la fiche de l'apprenant et l'attestation sera délivrée.",
    ),
    "The record to keep has a name of more than {limit} characters, more than a credential "
    "holds. Shorten it on that learner's card first, then merge.": (
        "Rekodi ya kubaki ina jina lenye herufi zaidi ya {limit}, zaidi ya kile cheti "
        "kinachobeba. Lifupishe kwanza kwenye kadi ya mwanafunzi huyo, kisha unganisha.",
        "La fiche à garder porte un nom de plus de {limit} caractères, plus qu'une attestation "
        "ne peut en porter. Raccourcissez-le d'abord sur la fiche de cet apprenant, puis "
        "fusionnez.",
    ),
    "Shorten the name for credentials": (
        "Fupisha jina kwa ajili ya vyeti",
        "Raccourcir le nom pour les attestations",
    ),
    "A credential holds a name of at most {limit} characters; this one has {length}. "
    "Write the name as it should appear on the learner's credentials.": (
        "Cheti kinabeba jina la herufi {limit} zaidi; hili lina {length}. Andika jina kama "
        "linavyopaswa kuonekana kwenye vyeti vya mwanafunzi.",
        "Une attestation porte un nom de {limit} caractères au plus ; celui-ci en a {length}. "
        "Écrivez le nom tel qu'il doit figurer sur les attestations de l'apprenant.",
    ),
    "Save the name": ("Hifadhi jina", "Enregistrer le nom"),
    "This centre's certificate is valid from {start} to {end}, so no credential is issued "
    "now. The result is kept; the credential is issued once a valid certificate arrives.": (
        "Cheti cha kituo hiki ni halali kuanzia {start} hadi {end}, kwa hiyo hakuna cheti "
        "kinachotolewa sasa. Matokeo yamehifadhiwa; cheti kitatolewa cheti halali cha kituo "
        "kitakapofika.",
        "Le certificat de ce centre est valable du {start} au {end} : aucune attestation "
        "n'est délivrée maintenant. Le résultat est conservé ; l'attestation sera délivrée "
        "dès qu'un certificat valable arrivera.",
    ),
    "A disabled account cannot log in, and whoever is logged in with it is logged out at once.": (
        "Akaunti iliyozimwa haiwezi kuingia, na yeyote aliyeingia nayo anatolewa mara moja.",
        "Un compte désactivé ne peut pas se connecter, et quiconque l'utilise est déconnecté "
        "aussitôt.",
    ),
    "Account changes": ("Mabadiliko ya akaunti", "Modifications des comptes"),
    "Disable": ("Zima", "Désactiver"),
    "Enable": ("Washa", "Réactiver"),
    "disabled": ("imezimwa", "désactivé"),
    "enabled": ("imewashwa", "réactivé"),
    "password set": ("nenosiri jipya", "nouveau mot de passe"),
    "The last enabled admin cannot be disabled: no one could set the clock": (
        "Msimamizi wa mwisho aliye hai hawezi kuzimwa: hakuna mtu angeweza kuweka saa",
        "Le dernier administrateur actif ne peut pas être désactivé : personne ne pourrait "
        "régler l'horloge",
    ),
    "Give the learner whose credentials to list: ?learner_id=...": (
        "Taja mwanafunzi ambaye vyeti vyake viorodheshwe: ?learner_id=...",
        "Indiquez l'apprenant dont lister les attestations : ?learner_id=...",
    ),
    # Form fields a page names in a validation error (``web.context.FIELD_LABELS``)
    "Gender": ("Jinsia", "Genre"),
    "PIN": ("PIN", "Code PIN"),
    "Consent": ("Ridhaa", "Consentement"),
    "Page": ("Ukurasa", "Page"),
    # What was wrong with a field (``web.context.SENTENCES``)
    "{field} is required.": ("{field} inahitajika.", "{field} est obligatoire."),
    "{field} must be at least {limit} characters.": (
        "{field} lazima iwe na herufi {limit} au zaidi.",
        "{field} doit compter au moins {limit} caractères.",
    ),
    "{field} must be at most {limit} characters.": (
        "{field} isizidi herufi {limit}.",
        "{field} doit compter au plus {limit} caractères.",
    ),
    "{field} must be a number.": ("{field} lazima iwe namba.", "{field} doit être un nombre."),
    "{field} must be {limit} or more.": (
        "{field} lazima iwe {limit} au zaidi.",
        "{field} doit être au moins {limit}.",
    ),
    "{field} must be more than {limit}.": (
        "{field} lazima izidi {limit}.",
        "{field} doit être supérieur à {limit}.",
    ),
    "{field} must be {limit} or less.": (
        "{field} isizidi {limit}.",
        "{field} doit être au plus {limit}.",
    ),
    "{field} must be less than {limit}.": (
        "{field} lazima iwe chini ya {limit}.",
        "{field} doit être inférieur à {limit}.",
    ),
    "{field} is not written as asked.": (
        "{field} haijaandikwa kama inavyotakiwa.",
        "{field} n'est pas écrit comme demandé.",
    ),
    "the learner's consent to store their data is required": (
        "ridhaa ya mwanafunzi kuhifadhi taarifa zake inahitajika",
        "le consentement de l'apprenant à la conservation de ses données est requis",
    ),
    "must not contain control characters or line breaks": (
        "isiwe na herufi za udhibiti wala mistari mipya",
        "ne doit contenir ni caractères de contrôle ni retours à la ligne",
    ),
    "Choose your language": ("Chagua lugha yako", "Choisissez votre langue"),
    "Merge two records": ("Unganisha rekodi mbili", "Fusionner deux fiches"),
    "A merge cannot be undone. Check that both records are the same person.": (
        "Kuunganisha hakuwezi kutenduliwa. Hakikisha rekodi zote mbili ni za mtu mmoja.",
        "Une fusion est définitive. Vérifiez que les deux fiches sont la même personne.",
    ),
    "Record kept": ("Rekodi inayobaki", "Fiche conservée"),
    "Record merged into it": ("Rekodi inayounganishwa nayo", "Fiche fusionnée avec elle"),
    "Phone": ("Simu", "Téléphone"),
    "Year of birth": ("Mwaka wa kuzaliwa", "Année de naissance"),
    "Registered": ("Alisajiliwa", "Inscrit le"),
    "What moves to the record kept": (
        "Kinachohamia rekodi inayobaki",
        "Ce qui passe à la fiche conservée",
    ),
    "The merged record's card then opens the record kept.": (
        "Kadi ya rekodi iliyounganishwa itafungua rekodi inayobaki.",
        "La carte de la fiche fusionnée ouvre ensuite la fiche conservée.",
    ),
    "Merge: this cannot be undone": (
        "Unganisha: haiwezi kutenduliwa",
        "Fusionner : c'est définitif",
    ),
    "Cancel": ("Ghairi", "Annuler"),
    # The hub's alerts about this node (``sync.alerts``), on the dashboard
    **alerts.TRANSLATIONS,
    # What a verification's verdict means (``credentials.verdicts``), on /verify
    **verdicts.TRANSLATIONS,
}

MESSAGES: dict[str, dict[str, str]] = {
    english: {"sw": sw, "fr": fr} for english, (sw, fr) in _PAIRS.items()
}
