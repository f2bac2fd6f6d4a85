#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/corpus/ (run it again after changing it; the files are
committed). The seeds are requests and bodies from the tests and docs/api.md, with the
fixture's placeholders (@EVENT@, @CODE@, @COOKIE@...: see api_fixture.hpp) where an id goes.
Crash reproducers and other hand-picked inputs are added as files of their own (named
crash-*, regress-*) and are not touched by this script."""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, data, name=None):
    if isinstance(data, str):
        data = data.encode()
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    name = name or "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def request(method, target, body=None, staff=False, extra=()):
    lines = [f"{method} {target} HTTP/1.1", "Host: localhost:8080"]
    if staff:
        lines += ["Cookie: lang=fr; congress_staff=@COOKIE@", "X-CSRF-Token: @CSRF@"]
    lines += list(extra)
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body.encode())}"]
    return "\r\n".join(lines) + "\r\n\r\n" + (body or "")


# --- JSON bodies, by route (the order of json_bodies.cpp's table) ---------------------------
ROUTES = [
    ("POST /api/events/@EVENT@/registrations", [
        '{"name":"Ana Silva","email":"ana@example.org","organisation":"Barcelona","language":"fr"}',
        '{"name":"Ben Ortiz","email":"ben@example.org","member_organisation_id":1}',
    ]),
    ("DELETE /api/registrations/@OWN@", ['']),
    ("POST /api/registrations/@CODE@/sessions", ['{"session_id":@SESSION2@}', '{"session_id":"x"}']),
    ("DELETE /api/registrations/@CODE@/sessions/@SESSION2@", ['']),
    ("POST /api/staff/login", ['{"email":"fuzz-admin@example.org","password":"wrong password here"}']),
    ("POST /api/admin/users", ['{"email":"new@example.org","name":"New","password":"long enough password",'
                               '"grants":[{"role":"organiser","event_id":@EVENT@},{"role":"checkin","event_id":@EVENT2@}]}']),
    ("POST /api/admin/users/@USER@/disable", ['{"reason":"left the team"}']),
    ("POST /api/admin/users/@USER@/enable", ['{}']),
    ("POST /api/admin/users/@USER@/grants", ['{"role":"organiser","event_id":@EVENT@}', '{"role":"admin"}']),
    ("DELETE /api/admin/users/@USER@/grants", ['{"role":"checkin","event_id":@EVENT@,"reason":"done"}']),
    ("POST /api/console/events", ['{"slug":"fuzz-event","title":"Fuzz","kind":"meeting","timezone":"Europe/Madrid",'
                                  '"starts_at":"2030-06-13T09:00","ends_at":"2030-06-13T18:00","capacity":40,'
                                  '"registration_opens_at":null,"registration_closes_at":"2030-06-12T23:59",'
                                  '"waitlist_enabled":true,"eligibility":{"dues_paid_years":[2013,2014]},'
                                  '"venue":{"name":"Hall","address":"Rambla 1","city":"Barcelona","country":"Spain"}}']),
    ("PATCH /api/events/@EVENT2@", ['{"capacity":70,"promote_after_close":true}', '{"timezone":"Asia/Seoul","title":"T"}']),
    ("POST /api/events/@EVENT@/tracks", ['{"name":"Track X","description":"d","position":3}']),
    ("PATCH /api/events/@EVENT@/tracks/@TRACK@", ['{"name":"Renamed","position":0}']),
    ("POST /api/events/@EVENT@/rooms", ['{"name":"Room 9","capacity":80,"floor":"1","equipment":["projector","hearing loop"]}']),
    ("PATCH /api/events/@EVENT@/rooms/@ROOM@", ['{"capacity":2600,"floor":null,"equipment":[]}']),
    ("PATCH /api/events/@EVENT@/venue", ['{"address":"HITEC City","map_url":"https://www.openstreetmap.org/#map=16/17.47/78.37",'
                                         '"info":{"fr":{"wifi":"Réseau HICC"},"es":{"catering":null}}}']),
    ("POST /api/events/@EVENT@/sessions", ['{"title":"Fuzz session","kind":"workshop","track_id":@TRACK@,"room_id":@ROOM@,'
                                           '"starts_at":"2030-01-01T10:00","ends_at":"2030-01-01T11:00","capacity":20,'
                                           '"speakers":["Ana Silva","Ben Ortiz"],"reason":"added"}']),
    ("PATCH /api/events/@EVENT@/sessions/@SESSION2@", ['{"capacity":50,"room_id":null}', '{"starts_at":"2030-01-01T09:00"}']),
    ("POST /api/events/@EVENT@/sessions/@SESSION2@/cancel", ['{"reason":"speaker ill"}']),
    ("POST /api/events/@EVENT@/registrations/@REGISTRATION@/promote", ['{"reason":"VIP","override_capacity":true}']),
    ("POST /api/events/@EVENT@/registrations/@OWNID@/cancel", ['{"reason":"asked by phone"}']),
    ("POST /api/events/@EVENT@/sessions/@SESSION@/enrolments/@REGISTRATION@/promote", ['{"reason":"r","override_capacity":false}']),
    ("POST /api/events/@EVENT@/sessions/@SESSION@/enrolments/@REGISTRATION@/cancel", ['{"reason":"r"}']),
    ("POST /api/events/@EVENT@/sessions/@SESSION@/enrolments/@REGISTRATION@/move", ['{"reason":"r","to_session_id":@SESSION2@}']),
    ("POST /api/events/@EVENT@/checkin", ['{"desk":"Desk 1","token":"@TOKEN@"}',
                                          '{"desk":"Desk 2","registration_id":@REGISTRATION@,"session_id":@SESSION@}']),
    ("POST /api/events/@EVENT@/checkin/sync", ['{"desk":"Desk 2","scans":[{"scan_id":"d2-0001","token":"@TOKEN@",'
                                               '"scanned_at":"2014-10-07T03:42:10Z"},{"scan_id":"d2-0002",'
                                               '"registration_id":@REGISTRATION@,"scanned_at":"2014-10-07T03:42:10.123Z"}]}']),
    ("POST /api/events/@EVENT@/checkins/@CHECKIN@/undo", ['{"reason":"scanned the wrong badge"}']),
    ("POST /api/events/@EVENT@/badges/printed", ['{"registration_ids":[@REGISTRATION@,12,13]}']),
    ("POST /api/events/@EVENT@/hotels", ['{"name":"Taj Krishna","address":"Road No. 1, Banjara Hills, Hyderabad",'
                                         '"map_url":"https://maps.example.org/taj","distance":"6 km from HICC","notes":"Shuttle at 8:00"}']),
    ("PATCH /api/events/@EVENT@/hotels/@HOTEL@", ['{"notes":null,"distance":"5 km"}']),
    ("POST /api/events/@EVENT@/hotels/@HOTEL@/blocks", ['{"nights":["2030-01-01","2030-01-02"],"room_type":"single",'
                                                        '"room_label":"Single room","held":20,"rate_minor":750000,'
                                                        '"currency":"INR","release_at":"2029-12-07T23:59"}']),
    ("PATCH /api/events/@EVENT@/hotels/@HOTEL@/blocks/@BLOCK@", ['{"held":3,"release_at":null,"currency":"EUR"}']),
    ("POST /api/registrations/@CODE@/accommodation", ['{"hotel_id":@HOTEL@,"room_type":"double","nights":["2030-01-01"],'
                                                      '"sharing_with":"Ben Ortiz"}']),
    ("DELETE /api/registrations/@CODE@/accommodation", ['']),
    ("POST /api/registrations/@CODE@/letter", ['{"passport_name":"ANA MARIA SILVA","nationality":"BR","passport_number":"FP1234567",'
                                               '"birth_date":"1975-03-14","arrival":"2014-10-06","departure":"2014-10-11"}']),
    ("POST /api/events/@EVENT@/letters/@LETTER@/approve", ['{}']),
    ("POST /api/events/@EVENT@/letters/@LETTER@/refuse", ['{"reason":"incomplete"}']),
    ("POST /api/events/@EVENT@/letters/@LETTER@/revoke", ['{"reason":"forged passport"}']),
    ("PATCH /api/events/@EVENT@/letterhead", ['{"organisation":"Metropolis","address":"Avinguda Diagonal 1\\nBarcelona",'
                                              '"signatory_name":"Octavi de la Varga","signatory_title":"Secretary General"}']),
]


def main():
    for index, (route, bodies) in enumerate(ROUTES):
        for body in bodies:
            write("json_bodies", bytes([index]) + body.encode())
            method, target = route.split(" ", 1)
            staff = "/api/registrations/@" not in target and not target.endswith("/registrations") and "login" not in target
            target = target.replace("@OWN@", "@CODE@").replace("@OWNID@", "@REGISTRATION@")
            write("http_request", request(method, target, body if body else None, staff=staff))

    # Requests from tests/integration (bad_input_test, hardening_test) and docs/api.md.
    for raw in [
        "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /api/health HTTP/1.0\r\n\r\n",
        "GET /api/events/\xff\xfe\xc3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGET /api/events HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://localhost/api/events/@EVENT@?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "HEAD /api/events/hyderabad-2014 HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"abc\"\r\n\r\n",
        "POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
        "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        "POST /api/events/@EVENT@/registrations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n10;ext=1\r\n{\"name\":\"Ana\",\"\r\n1a\r\nemail\":\"a@example.org\"}\r\n0\r\nTrailer: x\r\n\r\n",
        "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        "GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n",
        "GET /events/@EVENT@ HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /login HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /js/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /css/app.css HTTP/1.1\r\nHost: x\r\n\r\n",
        "OPTIONS /api/events HTTP/1.1\r\nHost: x\r\n\r\n",
        request("GET", "/api/events"),
        request("GET", "/api/organisations"),
        request("GET", "/api/registrations/@CODE@"),
        request("GET", "/api/registrations/@CODE@/badge"),
        request("GET", "/api/registrations/@CODE@/badge.png"),
        request("GET", "/api/registrations/@CODE@/letter/print"),
        request("GET", "/api/registrations/@CODE@/accommodation"),
        request("GET", "/api/events/@EVENT@/hotels"),
        request("GET", "/api/letters/verify/abcdefghij"),
        request("GET", "/api/staff/me", staff=True),
        request("POST", "/api/staff/logout", staff=True),
        request("GET", "/api/admin/users", staff=True),
        request("GET", "/api/admin/audit?limit=5&before=100", staff=True),
        request("GET", "/api/console/events", staff=True),
        request("GET", "/api/console/venues", staff=True),
        request("GET", "/api/events/@EVENT@/console", staff=True),
        request("GET", "/api/events/@EVENT@/registrations?q=ana&status=confirmed&organisation=1&limit=10", staff=True),
        request("GET", "/api/events/@EVENT@/sessions/@SESSION@/enrolments", staff=True),
        request("GET", "/api/events/@EVENT@/export/registrations.csv", staff=True),
        request("GET", "/api/events/@EVENT@/export/enrolments.csv", staff=True),
        request("GET", "/api/events/@EVENT@/activity", staff=True),
        request("GET", "/api/events/@EVENT@/checkin/attendees", staff=True),
        request("GET", "/api/events/@EVENT@/checkin/search?q=dele", staff=True),
        request("GET", "/api/events/@EVENT@/checkin/stats", staff=True),
        request("GET", "/api/events/@EVENT@/checkins", staff=True),
        request("GET", "/api/events/@EVENT@/checkin/duplicates", staff=True),
        request("GET", "/api/events/@EVENT@/badges?unprinted=1", staff=True),
        request("GET", "/api/events/@EVENT@/badges?registrations=@REGISTRATION@,13", staff=True),
        request("GET", "/api/events/@EVENT@/hotels/@HOTEL@/rooming", staff=True),
        request("GET", "/api/events/@EVENT@/hotels/@HOTEL@/rooming.csv", staff=True),
        request("GET", "/api/events/@EVENT@/letters", staff=True),
        request("GET", "/api/events/@EVENT@/letters/@LETTER@", staff=True),
        request("GET", "/api/events/@EVENT@/letters/@LETTER@/print", staff=True),
        request("GET", "/api/events/@EVENT@/letterhead", staff=True),
        request("POST", "/api/events/@EVENT@/registrations", '{"name":"Ana","email":"ana2@example.org"}',
                extra=["Idempotency-Key: key-1"]),
    ]:
        write("http_request", raw.encode("latin-1") if any(ord(c) > 127 for c in raw) else raw)

    # /live: line mode (flag bit 0 clear; bit 1: with the staff cookie), and raw frames.
    for flags, lines in [
        (0, ['{"type":"subscribe","topic":"event:@EVENT@"}', '{"type":"subscribe","topic":"session:@SESSION@"}',
             '{"type":"ping"}', '{"type":"unsubscribe","topic":"event:@EVENT@"}']),
        (0, ['{"type":"subscribe","topic":"registration:@CODE@"}']),
        (2, ['{"type":"subscribe","topic":"checkin:@EVENT@"}']),
        (0, ['{"type":"subscribe","topic":"checkin:@EVENT@"}']),
        (0, ['{"type":"subscribe","topic":"event:@EVENT@","epoch":"x","last_seq":3}']),
        (0, ['{"type":"subscribe","topic":"event:999999"}', '{"type":"subscribe","topic":"nope"}', '[1,2]', 'not json',
             '{"type":"hello"}']),
    ]:
        write("live_messages", bytes([flags]) + "\n".join(lines).encode())

    def frame(opcode, payload, fin=True, mask=b"\x00\x00\x00\x00"):
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        else:
            header += bytes([0x80 | 126, n >> 8, n & 0xFF])
        return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    sub = b'{"type":"subscribe","topic":"event:27"}'
    write("live_messages", bytes([1]) + frame(1, sub) + frame(9, b"hi") + frame(8, b"\x03\xe8bye"))
    write("live_messages", bytes([1]) + frame(1, sub[:10], fin=False) + frame(9, b"") + frame(0, sub[10:]))
    write("live_messages", bytes([1 | (3 << 2)]) + frame(1, sub, mask=b"\x12\x34\x56\x78") + frame(2, b"\x00\x01"))
    write("live_messages", bytes([1]) + frame(1, b"\xc3\x28") + frame(10, b""))
    write("live_messages", bytes([1]) + frame(1, b'{"type":"ping"}' + b" " * 200))

    # Badge tokens: mode 0 (a scanned text), 1 (a genuine token changed), 2 (encodings).
    # The fixed key's token for event 27, registration 1 (CONGRESS_FUZZ_PRINT_TOKEN=1 fuzz_badge_tokens).
    token = os.environ.get("CONGRESS_FUZZ_TOKEN", "CB1AAAAAGYAAAAACVP3PALJA3WXULUPN3CTDH7SNFZRFXT2Q5VSCPBDPFHMAPGDP6GKAVSHUNMMXK6SXXRPWWVDTVFDO6MM2P6UOCU6GWIKLLOZ4XDEJYHQ")
    if token:
        write("badge_tokens", b"\x00" + token.encode())
        write("badge_tokens", b"\x00  " + token.lower().encode() + b"\r\n")
    for text in [b"CB1", b"CB1AAAAAAAA", b"cb1" + b"A" * 116, b"CB1" + b"7" * 116, b"not a badge", b""]:
        write("badge_tokens", b"\x00" + text)
    write("badge_tokens", b"\x01\x1a\x01\x00\x00\x20")
    write("badge_tokens", b"\x01\x05\x07" + b"\x00" * 118 + b"\x01")
    for text in [b"MZXW6YTBOI", b"GEZDGNBVGY3TQOJQ", b"AAAAAAAB", b"q83vEjRWeJA", b"q83v-jRWeJA_", b"AA=="]:
        write("badge_tokens", b"\x02" + text)

    # CSV rows (0x1E) and fields (0x1F).
    for text in ["Ana Silva\x1fana@example.org\x1fBarcelona\x1econfirmed\x1f=HYPERLINK(\"http://x\")\x1f+1",
                 "-5\x1f@SUM(A1)\x1f\tx\x1f\rx\x1f\uff1d1\x1f\"quoted, comma\"\x1fline\nbreak",
                 "\xe9t\xe9", "plain"]:
        write("csv_export", text.encode("utf-8"))
    write("csv_export", b"bad \xff\xfe utf-8\x1f\xed\xa0\x80\x1f\xc0\xaf\x1f\xf4\x90\x80\x80")


if __name__ == "__main__":
    sys.exit(main())
