// Chaînes de l’interface en français. Mêmes clés que en.js.
export default {
  appName: 'Congress',
  skipToContent: 'Aller au contenu',
  language: 'Langue',
  mainNavigation: 'Navigation principale',
  breadcrumb: 'Fil d’Ariane',
  allEvents: 'Tous les événements',
  loading: 'Chargement…',

  'index.title': 'Événements',
  'index.upcoming': 'À venir',
  'index.past': 'Passés',
  'index.noUpcoming': 'Aucun événement à venir.',
  'index.noPast': 'Aucun événement passé.',
  happeningNow: 'En cours',

  'kind.congress': 'Congrès',
  'kind.colloquium': 'Colloque',
  'kind.workshop': 'Atelier',
  'kind.assembly': 'Assemblée',
  'kind.meeting': 'Réunion',

  'sessionKind.plenary': 'Plénière',
  'sessionKind.parallel': 'Session parallèle',
  'sessionKind.workshop': 'Atelier',
  'sessionKind.ceremony': 'Cérémonie',
  'sessionKind.meeting': 'Réunion',
  'sessionKind.break': 'Pause',

  seatsLeft: {
    one: '{count} place restante sur {capacity}',
    other: '{count} places restantes sur {capacity}',
  },
  seatsFull: 'Complet',
  seatsFullWaitlist: 'Complet : liste d’attente ouverte',
  seatsUnlimited: 'Places non limitées',

  venueTba: 'Lieu à préciser',
  timeZoneNote: 'Les heures sont données à l’heure locale de l’événement : {zone} ({offset}).',
  eligibilityDues: 'Ouvert aux membres à jour de leur cotisation pour {years}.',

  'registration.opens': 'Ouverture des inscriptions',
  'registration.closes': 'Clôture des inscriptions',
  'registration.notYetOpen': 'Inscriptions pas encore ouvertes',
  'registration.open': 'Inscriptions ouvertes',
  'registration.closed': 'Inscriptions closes',
  'registration.unknown': 'À préciser',

  programme: 'Programme',
  programmeView: 'Afficher le programme',
  byDay: 'Par jour',
  byTrack: 'Par thème',
  noSessions: 'Le programme n’a pas encore été publié.',
  trackEmpty: 'Aucune session dans ce thème pour le moment.',
  generalProgramme: 'Programme général',
  track: 'Thème',
  room: 'Salle',
  speakers: 'Intervenants',
  cancelled: 'Annulée',
  demoTag: 'données de démo',
  demoNotice:
    'Les éléments marqués « données de démo » sont des illustrations : leurs titres, intervenants et autres détails sont inventés.',

  eventUnavailable: 'Événement indisponible',
  'error.not_found': 'Cet événement est introuvable.',
  'error.network': 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
  'error.generic': 'Une erreur s’est produite ({code}). Veuillez réessayer plus tard.',
};
