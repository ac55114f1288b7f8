"""The text a site's page shows until its administrators write their own (Markdown, ``$site`` is the site's name).

The accessibility statement follows the RGAA 4.1 model ("déclaration d'accessibilité"); its
conformance state, audit date and rate are fields of the page, shown above this text.
"""

from __future__ import annotations

DEFAULTS: dict[str, dict[str, str]] = {
    "accessibility": {
        "fr": """\
$site s'engage à rendre ses services en ligne accessibles, conformément à l'article 47 de la loi n° 2005-102 du
11 février 2005.

Cette déclaration d'accessibilité s'applique au site $site.

## Résultats des tests

L'audit de conformité au RGAA 4.1 indique le taux de critères respectés ci-dessus.

## Contenus non accessibles

### Non-conformités

- *À compléter par l'administration du site.*

### Dérogations pour charge disproportionnée

- *À compléter, le cas échéant.*

### Contenus non soumis à l'obligation d'accessibilité

- Les vidéos en direct et les contenus déposés par des tiers avant leur vérification.

## Établissement de cette déclaration

Technologies utilisées : HTML, CSS, JavaScript.

## Retour d'information et contact

Si vous n'arrivez pas à accéder à un contenu ou à un service, vous pouvez contacter le responsable du site
pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme
(voir la page [Contact](/contact)).

## Voies de recours

Si vous constatez un défaut d'accessibilité vous empêchant d'accéder à un contenu ou une fonctionnalité du
site, que vous nous le signalez et que vous ne parvenez pas à obtenir une réponse de notre part, vous êtes en
droit de faire parvenir vos doléances ou une demande de saisine au Défenseur des droits.

Plusieurs moyens sont à votre disposition :

- écrire un message au Défenseur des droits (<https://formulaire.defenseurdesdroits.fr/>) ;
- contacter le délégué du Défenseur des droits dans votre région (<https://www.defenseurdesdroits.fr/saisir/delegues>) ;
- envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) :
  Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.
""",
        "en": """\
$site is committed to making its online services accessible, in accordance with article 47 of French law
no. 2005-102 of 11 February 2005.

This accessibility statement applies to $site.

## Test results

The RGAA 4.1 conformance audit gives the rate of criteria met shown above.

## Content that is not accessible

### Non-conformities

- *To be completed by the site's administrators.*

### Exemptions for disproportionate burden

- *To be completed, where applicable.*

### Content not subject to the accessibility obligation

- Live videos and content uploaded by third parties before it is checked.

## Preparation of this statement

Technologies used: HTML, CSS, JavaScript.

## Feedback and contact

If you cannot access some content or a service, contact the person responsible for the site to be directed
to an accessible alternative or to get the content in another form (see the [Contact](/contact) page).

## Remedies

If you find an accessibility defect that prevents you from accessing content or a feature of the site, you
report it to us and you do not get an answer, you may send your complaint or a referral request to the
Défenseur des droits (the French rights ombudsman):

- write a message to the Défenseur des droits (<https://formulaire.defenseurdesdroits.fr/>);
- contact the delegate of the Défenseur des droits in your region (<https://www.defenseurdesdroits.fr/saisir/delegues>);
- send a letter by post (free of charge, no stamp needed):
  Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07, France.
""",
    },
    "legal": {
        "fr": """\
## Éditeur

$site est édité par *(nom de l'établissement, adresse, téléphone)*.

Directeur ou directrice de la publication : *(nom)*.

## Hébergement

*(Nom, adresse et téléphone de l'hébergeur.)*

## Propriété intellectuelle

Chaque vidéo indique sa licence. Sauf mention contraire, les contenus appartiennent à leurs auteurs.
""",
        "en": """\
## Publisher

$site is published by *(name of the institution, address, telephone)*.

Director of publication: *(name)*.

## Hosting

*(Name, address and telephone of the host.)*

## Intellectual property

Each video states its licence. Unless stated otherwise, content belongs to its authors.
""",
    },
    "privacy": {
        "fr": """\
## Données collectées

$site conserve votre nom, votre adresse électronique et votre affiliation transmis à la connexion, les vidéos
que vous déposez et, pour reprendre la lecture, la position atteinte dans chaque vidéo.

## Finalité et base légale

Ces données servent uniquement à fournir le service de diffusion de vidéos de l'établissement (mission de
service public).

## Cookies

Seul un cookie de session, strictement nécessaire, est déposé lorsque vous vous connectez.

## Vos droits

Vous pouvez accéder à vos données, les rectifier ou demander leur effacement auprès du délégué à la protection
des données de l'établissement *(adresse)*. Vous pouvez aussi adresser une réclamation à la CNIL.
""",
        "en": """\
## Data collected

$site keeps your name, e-mail address and affiliation received when you sign in, the videos you upload and,
to resume playback, the position reached in each video.

## Purpose and legal basis

These data serve only to provide the institution's video service (a public service mission).

## Cookies

Only a strictly necessary session cookie is set when you sign in.

## Your rights

You may access, correct or ask for the deletion of your data from the institution's data protection officer
*(address)*. You may also lodge a complaint with the CNIL.
""",
    },
    "contact": {
        "fr": """\
Pour toute question sur $site, un problème de lecture ou d'accessibilité, écrivez à *(adresse électronique)*.
""",
        "en": """\
For any question about $site, a playback or accessibility problem, write to *(e-mail address)*.
""",
    },
}
