// English UI strings. Every language file has exactly the same keys.
// "{name}" is replaced by a parameter; an object with "one"/"other" (and any
// other CLDR plural category) is chosen by the "count" parameter.
export default {
  appName: 'Congress',
  skipToContent: 'Skip to content',
  language: 'Language',
  mainNavigation: 'Main',
  breadcrumb: 'Breadcrumb',
  allEvents: 'All events',
  loading: 'Loading…',

  'index.title': 'Events',
  'index.upcoming': 'Upcoming',
  'index.past': 'Past',
  'index.noUpcoming': 'No upcoming events.',
  'index.noPast': 'No past events.',
  happeningNow: 'Happening now',

  'kind.congress': 'Congress',
  'kind.colloquium': 'Colloquium',
  'kind.workshop': 'Workshop',
  'kind.assembly': 'Assembly',
  'kind.meeting': 'Meeting',

  'sessionKind.plenary': 'Plenary',
  'sessionKind.parallel': 'Parallel session',
  'sessionKind.workshop': 'Workshop',
  'sessionKind.ceremony': 'Ceremony',
  'sessionKind.meeting': 'Meeting',
  'sessionKind.break': 'Break',

  seatsLeft: {
    one: '{count} seat left of {capacity}',
    other: '{count} seats left of {capacity}',
  },
  seatsFull: 'Full',
  seatsFullWaitlist: 'Full: waiting list open',
  seatsUnlimited: 'No seat limit',

  venueTba: 'Venue to be announced',
  timeZoneNote: 'Times are shown in the event’s local time: {zone} ({offset}).',
  eligibilityDues: 'Open to members whose dues are paid for {years}.',

  'registration.opens': 'Registration opens',
  'registration.closes': 'Registration closes',
  'registration.notYetOpen': 'Registration not yet open',
  'registration.open': 'Registration open',
  'registration.closed': 'Registration closed',
  'registration.unknown': 'To be announced',
  'registration.untilEndOf': 'Until the end of {date}',

  programme: 'Programme',
  programmeView: 'Show programme',
  byDay: 'By day',
  byTrack: 'By track',
  noSessions: 'The programme has not been published yet.',
  trackEmpty: 'No sessions in this track yet.',
  generalProgramme: 'General programme',
  track: 'Track',
  room: 'Room',
  speakers: 'Speakers',
  cancelled: 'Cancelled',
  demoTag: 'demo data',
  demoNotice:
    'Items tagged “demo data” are illustrations: their titles, speakers and other details are invented.',

  eventUnavailable: 'Event unavailable',
  'error.not_found': 'This event could not be found.',
  'error.network': 'The server could not be reached. Check your connection and try again.',
  'error.generic': 'Something went wrong ({code}). Please try again later.',
};
