// What a check-in desk keeps in the browser (IndexedDB, so that it survives a reload):
//
//   queue     the scans it admitted while the server was unreachable, until the server has
//             taken them (POST /api/events/{id}/checkin/sync): {scan_id, event_id, desk,
//             token | registration_id, session_id, scanned_at, name, organisation}
//   admitted  who this desk has let in (online or offline), so that a second offline scan of
//             the same badge is "already checked in": {key, event_id, registration_id,
//             session_id, at, desk, checkin_id}
//   lists     the event's attendee list (GET /api/events/{id}/checkin/attendees), to go on
//             checking badges without the server
//
// Without IndexedDB (a private window may refuse it) the same interface keeps everything in
// memory, for this page only.

const DB_NAME = 'congress-desk';
const DB_VERSION = 1;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('queue')) db.createObjectStore('queue', { keyPath: 'scan_id' }).createIndex('event_id', 'event_id');
      if (!db.objectStoreNames.contains('admitted')) db.createObjectStore('admitted', { keyPath: 'key' }).createIndex('event_id', 'event_id');
      if (!db.objectStoreNames.contains('lists')) db.createObjectStore('lists', { keyPath: 'event_id' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('The desk database is blocked by another tab.'));
  });
}

/** The key of a check-in in the `admitted` store: one per registration and place (event or session). */
export function admittedKey(eventId, registrationId, sessionId) {
  return `${eventId}:${registrationId}:${sessionId ?? ''}`;
}

function indexedStore(db) {
  async function run(storeName, mode, work) {
    const tx = db.transaction(storeName, mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
    });
    const result = await work(tx.objectStore(storeName));
    await done;
    return result;
  }
  const byEvent = (storeName, eventId) =>
    run(storeName, 'readonly', (store) => promised(store.index('event_id').getAll(IDBKeyRange.only(eventId))));

  return {
    durable: true,
    queued: async (eventId) => (await byEvent('queue', eventId)).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at)),
    enqueue: (scan) => run('queue', 'readwrite', (store) => promised(store.put(scan))),
    dequeue: (scanIds) =>
      run('queue', 'readwrite', async (store) => {
        for (const id of scanIds) await promised(store.delete(id));
      }),
    admitted: (eventId) => byEvent('admitted', eventId),
    admit: (entry) => run('admitted', 'readwrite', (store) => promised(store.put(entry))),
    forget: (key) => run('admitted', 'readwrite', (store) => promised(store.delete(key))),
    saveList: (eventId, list) => run('lists', 'readwrite', (store) => promised(store.put({ event_id: eventId, list }))),
    loadList: async (eventId) => (await run('lists', 'readonly', (store) => promised(store.get(eventId))))?.list ?? null,
  };
}

function memoryStore() {
  const queue = new Map();
  const admitted = new Map();
  const lists = new Map();
  const ofEvent = (map, eventId) => [...map.values()].filter((v) => v.event_id === eventId);
  return {
    durable: false,
    queued: async (eventId) => ofEvent(queue, eventId).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at)),
    enqueue: async (scan) => void queue.set(scan.scan_id, scan),
    dequeue: async (scanIds) => scanIds.forEach((id) => queue.delete(id)),
    admitted: async (eventId) => ofEvent(admitted, eventId),
    admit: async (entry) => void admitted.set(entry.key, entry),
    forget: async (key) => void admitted.delete(key),
    saveList: async (eventId, list) => void lists.set(eventId, list),
    loadList: async (eventId) => lists.get(eventId) ?? null,
  };
}

/** The desk's store: IndexedDB when the browser allows it, else memory (store.durable says which). */
export async function openDeskStore() {
  try {
    if (typeof indexedDB === 'undefined') throw new Error('no IndexedDB');
    return indexedStore(await openDatabase());
  } catch (err) {
    console.warn('desk: IndexedDB is not available; offline scans last only as long as this page', err);
    return memoryStore();
  }
}
