// Textos de la interfaz en español. Mismas claves que en.js.
export default {
  appName: 'Congress',
  skipToContent: 'Saltar al contenido',
  language: 'Idioma',
  mainNavigation: 'Navegación principal',
  breadcrumb: 'Ruta de navegación',
  allEvents: 'Todos los eventos',
  loading: 'Cargando…',

  'index.title': 'Eventos',
  'index.upcoming': 'Próximos',
  'index.past': 'Pasados',
  'index.noUpcoming': 'No hay eventos próximos.',
  'index.noPast': 'No hay eventos pasados.',
  happeningNow: 'En curso',

  'kind.congress': 'Congreso',
  'kind.colloquium': 'Coloquio',
  'kind.workshop': 'Taller',
  'kind.assembly': 'Asamblea',
  'kind.meeting': 'Reunión',

  'sessionKind.plenary': 'Plenaria',
  'sessionKind.parallel': 'Sesión paralela',
  'sessionKind.workshop': 'Taller',
  'sessionKind.ceremony': 'Ceremonia',
  'sessionKind.meeting': 'Reunión',
  'sessionKind.break': 'Pausa',

  seatsLeft: {
    one: 'Queda {count} plaza de {capacity}',
    other: 'Quedan {count} plazas de {capacity}',
  },
  seatsFull: 'Completo',
  seatsFullWaitlist: 'Completo: lista de espera abierta',
  seatsUnlimited: 'Sin límite de plazas',

  venueTba: 'Sede por anunciar',
  timeZoneNote: 'Los horarios se muestran en la hora local del evento: {zone} ({offset}).',
  eligibilityDues: 'Abierto a los miembros con la cuota pagada de {years}.',

  'registration.opens': 'Apertura de inscripciones',
  'registration.closes': 'Cierre de inscripciones',
  'registration.notYetOpen': 'Inscripciones aún no abiertas',
  'registration.open': 'Inscripciones abiertas',
  'registration.closed': 'Inscripciones cerradas',
  'registration.unknown': 'Por anunciar',

  programme: 'Programa',
  programmeView: 'Mostrar el programa',
  byDay: 'Por día',
  byTrack: 'Por eje temático',
  noSessions: 'El programa aún no se ha publicado.',
  trackEmpty: 'Todavía no hay sesiones en este eje.',
  generalProgramme: 'Programa general',
  track: 'Eje',
  room: 'Sala',
  speakers: 'Ponentes',
  cancelled: 'Cancelada',
  demoTag: 'datos de demostración',
  demoNotice:
    'Los elementos marcados como «datos de demostración» son ilustrativos: sus títulos, ponentes y demás detalles son inventados.',

  eventUnavailable: 'Evento no disponible',
  'error.not_found': 'No se ha encontrado este evento.',
  'error.network': 'No se puede conectar con el servidor. Compruebe su conexión e inténtelo de nuevo.',
  'error.generic': 'Se ha producido un error ({code}). Inténtelo de nuevo más tarde.',
};
