#include "storage/hotel_store.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "domain/registration.hpp"
#include "storage/event_repository.hpp"
#include "util/random.hpp"

namespace congress::storage {

namespace {

using domain::AccommodationStatus;
using domain::Id;
using domain::Instant;
using nlohmann::json;

// ---- SQL ---------------------------------------------------------------------------------

constexpr std::string_view insert_hotel = R"sql(
INSERT INTO hotels (event_id, name, address, map_url, distance, notes, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
)sql";

constexpr std::string_view update_hotel_row = R"sql(
UPDATE hotels SET name = ?2, address = ?3, map_url = ?4, distance = ?5, notes = ?6, updated_at = ?7 WHERE id = ?1
)sql";

constexpr std::string_view select_hotel = R"sql(
SELECT id, event_id, name, address, map_url, distance, notes FROM hotels WHERE id = ?1
)sql";

constexpr std::string_view select_event_hotels = R"sql(
SELECT id, event_id, name, address, map_url, distance, notes FROM hotels WHERE event_id = ?1 ORDER BY name, id
)sql";

constexpr std::string_view select_hotel_blocks = R"sql(
SELECT b.id, b.hotel_id, b.night, b.room_type, b.room_label, b.held, b.allotted, b.waitlisted, b.rate_minor,
       b.currency, b.release_at
FROM room_blocks b WHERE b.hotel_id = ?1 ORDER BY b.night, b.room_type
)sql";

constexpr std::string_view select_block = R"sql(
SELECT b.id, b.hotel_id, b.night, b.room_type, b.room_label, b.held, b.allotted, b.waitlisted, b.rate_minor,
       b.currency, b.release_at
FROM room_blocks b WHERE b.id = ?1
)sql";

constexpr std::string_view select_block_of_night = R"sql(
SELECT b.id, b.hotel_id, b.night, b.room_type, b.room_label, b.held, b.allotted, b.waitlisted, b.rate_minor,
       b.currency, b.release_at
FROM room_blocks b WHERE b.hotel_id = ?1 AND b.night = ?2 AND b.room_type = ?3
)sql";

constexpr std::string_view select_room_type_exists = "SELECT 1 FROM room_blocks WHERE hotel_id = ?1 AND room_type = ?2 LIMIT 1";

constexpr std::string_view insert_block = R"sql(
INSERT INTO room_blocks (hotel_id, night, room_type, room_label, held, rate_minor, currency, release_at, created_at,
                         updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
)sql";

constexpr std::string_view update_block_row = R"sql(
UPDATE room_blocks SET room_label = ?2, held = ?3, rate_minor = ?4, currency = ?5, release_at = ?6, updated_at = ?7
WHERE id = ?1
)sql";

constexpr std::string_view select_registration = "SELECT id, event_id, status FROM registrations WHERE code = ?1";

constexpr std::string_view select_active_request_id = R"sql(
SELECT id FROM accommodation_requests WHERE registration_id = ?1 AND status <> 'cancelled'
)sql";

constexpr std::string_view insert_request = R"sql(
INSERT INTO accommodation_requests (registration_id, hotel_id, room_type, first_night, last_night, sharing_with, status,
                                    created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
)sql";

constexpr std::string_view insert_night = "INSERT INTO accommodation_nights (request_id, block_id, status) VALUES (?1, ?2, ?3)";

constexpr std::string_view update_request_status = R"sql(
UPDATE accommodation_requests SET status = ?2, updated_at = ?3 WHERE id = ?1
)sql";

constexpr std::string_view update_nights_status = "UPDATE accommodation_nights SET status = ?2 WHERE request_id = ?1";

constexpr std::string_view select_request = R"sql(
SELECT q.id, q.registration_id, h.event_id, q.hotel_id, h.name, q.room_type, q.sharing_with, q.status, q.created_at,
       q.updated_at
FROM accommodation_requests q JOIN hotels h ON h.id = q.hotel_id WHERE q.id = ?1
)sql";

constexpr std::string_view select_request_nights = R"sql(
SELECT b.id, b.night, b.room_label, b.rate_minor, b.currency, b.held, b.allotted, b.release_at
FROM accommodation_nights n JOIN room_blocks b ON b.id = n.block_id WHERE n.request_id = ?1 ORDER BY b.night
)sql";

// Requests ahead on the request's most contested night, counting itself.
constexpr std::string_view select_waitlist_position = R"sql(
SELECT max((SELECT count(*) FROM accommodation_nights o
            WHERE o.block_id = n.block_id AND o.status = 'waitlisted' AND o.request_id <= n.request_id))
FROM accommodation_nights n WHERE n.request_id = ?1
)sql";

constexpr std::string_view select_waiting_on_blocks = R"sql(
SELECT DISTINCT n.request_id FROM accommodation_nights n WHERE n.status = 'waitlisted' AND n.block_id IN (SELECT value FROM json_each(?1))
ORDER BY n.request_id
)sql";

constexpr std::string_view select_rooming = R"sql(
SELECT q.id, r.id, r.name, r.email, r.organisation, q.status, q.room_type,
       (SELECT b.room_label FROM room_blocks b WHERE b.hotel_id = q.hotel_id AND b.room_type = q.room_type
        ORDER BY b.night LIMIT 1),
       q.first_night, q.last_night, (SELECT count(*) FROM accommodation_nights n WHERE n.request_id = q.id),
       q.sharing_with, q.created_at
FROM accommodation_requests q JOIN registrations r ON r.id = q.registration_id
WHERE q.hotel_id = ?1 AND q.status <> 'cancelled'
ORDER BY q.status = 'waitlisted', q.id
)sql";

constexpr std::string_view select_counts_of_blocks = R"sql(
SELECT h.event_id, b.hotel_id, b.id, b.night, b.room_type, b.held, b.allotted, b.waitlisted, b.release_at
FROM room_blocks b JOIN hotels h ON h.id = b.hotel_id WHERE b.id IN (SELECT value FROM json_each(?1))
ORDER BY b.hotel_id, b.night, b.room_type
)sql";

constexpr std::string_view select_counts_of_event = R"sql(
SELECT h.event_id, b.hotel_id, b.id, b.night, b.room_type, b.held, b.allotted, b.waitlisted, b.release_at
FROM room_blocks b JOIN hotels h ON h.id = b.hotel_id WHERE h.event_id = ?1
ORDER BY b.hotel_id, b.night, b.room_type
)sql";

// ---- helpers -----------------------------------------------------------------------------

std::optional<Instant> optional_instant(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    const auto parsed = domain::parse_utc(*text);
    if (!parsed) throw SqliteError(0, "a stored time is not readable: " + *text);
    return parsed;
}

Instant instant_at(const Statement& row, int column) {
    const auto text = row.text(column);
    const auto parsed = domain::parse_utc(text);
    if (!parsed) throw SqliteError(0, "a stored time is not readable: " + text);
    return *parsed;
}

AccommodationStatus status_at(const Statement& row, int column) {
    const auto text = row.text(column);
    const auto status = domain::parse_accommodation_status(text);
    if (!status) throw SqliteError(0, "unknown accommodation status " + text);
    return *status;
}

Hotel hotel_at(const Statement& row) {
    return Hotel{row.int64(0),         row.int64(1),         row.text(2),         row.text(3),
                 row.optional_text(4), row.optional_text(5), row.optional_text(6)};
}

RoomBlock block_at(const Statement& row) {
    RoomBlock b;
    b.id = row.int64(0);
    b.hotel_id = row.int64(1);
    b.night = row.text(2);
    b.room_type = row.text(3);
    b.room_label = row.text(4);
    b.held = row.int32(5);
    b.allotted = row.int32(6);
    b.waitlisted = row.int32(7);
    b.rate_minor = row.int64(8);
    b.currency = row.text(9);
    b.release_at = optional_instant(row.optional_text(10));
    return b;
}

json hotel_json(const Hotel& h) {
    return {{"name", h.name},
            {"address", h.address},
            {"map_url", h.map_url ? json(*h.map_url) : json(nullptr)},
            {"distance", h.distance ? json(*h.distance) : json(nullptr)},
            {"notes", h.notes ? json(*h.notes) : json(nullptr)}};
}

json block_json(const RoomBlock& b) {
    return {{"hotel_id", b.hotel_id},
            {"night", b.night},
            {"room_type", b.room_type},
            {"room_label", b.room_label},
            {"held", b.held},
            {"rate_minor", b.rate_minor},
            {"currency", b.currency},
            {"release_at", b.release_at ? json(domain::format_utc(*b.release_at)) : json(nullptr)}};
}

std::optional<Hotel> find_hotel(Connection& conn, Id hotel_id) {
    auto row = conn.cached(select_hotel);
    row.bind(1, hotel_id);
    if (!row.step()) return std::nullopt;
    return hotel_at(row);
}

Hotel require_hotel(Connection& conn, Id event_id, Id hotel_id) {
    auto hotel = find_hotel(conn, hotel_id);
    if (!hotel || hotel->event_id != event_id)
        throw domain::NotFound("hotel_not_found", "There is no hotel " + std::to_string(hotel_id) + " for this event.");
    return std::move(*hotel);
}

std::optional<RoomBlock> find_block(Connection& conn, Id block_id) {
    auto row = conn.cached(select_block);
    row.bind(1, block_id);
    if (!row.step()) return std::nullopt;
    return block_at(row);
}

std::optional<std::string> empty_as_null(const std::optional<std::string>& text) {
    if (!text || text->empty()) return std::nullopt;
    return text;
}

struct RegistrationKey {
    Id id = 0;
    Id event_id = 0;
    std::string status;
};

RegistrationKey require_registration(Connection& conn, const std::string& code) {
    if (util::looks_like_code(code)) {
        auto row = conn.cached(select_registration);
        row.bind(1, code);
        if (row.step()) return RegistrationKey{row.int64(0), row.int64(1), row.text(2)};
    }
    throw domain::NotFound("registration_not_found", "There is no registration with this code.");
}

std::optional<Id> active_request_id(Connection& conn, Id registration_id) {
    auto row = conn.cached(select_active_request_id);
    row.bind(1, registration_id);
    if (!row.step()) return std::nullopt;
    return row.int64(0);
}

void set_request_status(Connection& conn, Id request_id, AccommodationStatus status, Instant now) {
    const auto text = domain::to_string(status);
    conn.cached(update_request_status).bind(1, request_id).bind(2, text).bind(3, domain::format_utc(now)).run();
    conn.cached(update_nights_status).bind(1, request_id).bind(2, text).run();
}

struct NightOfRequest {
    Id block = 0;
    std::string night;
    std::string room_label;
    std::int64_t rate_minor = 0;
    std::string currency;
    int held = 0;
    int allotted = 0;
    std::optional<Instant> release_at;
};

std::vector<NightOfRequest> request_nights(Connection& conn, Id request_id) {
    auto rows = conn.cached(select_request_nights);
    rows.bind(1, request_id);
    std::vector<NightOfRequest> out;
    while (rows.step())
        out.push_back({rows.int64(0), rows.text(1), rows.text(2), rows.int64(3), rows.text(4), rows.int32(5), rows.int32(6),
                       optional_instant(rows.optional_text(7))});
    return out;
}

AccommodationView load_request(Connection& conn, Id request_id) {
    AccommodationView v;
    {
        auto row = conn.cached(select_request);
        row.bind(1, request_id);
        if (!row.step()) throw domain::NotFound("accommodation_not_found", "There is no such accommodation request.");
        v.id = row.int64(0);
        v.registration_id = row.int64(1);
        v.event_id = row.int64(2);
        v.hotel_id = row.int64(3);
        v.hotel_name = row.text(4);
        v.room_type = row.text(5);
        v.sharing_with = row.optional_text(6);
        v.status = status_at(row, 7);
        v.requested_at = instant_at(row, 8);
        v.updated_at = instant_at(row, 9);
    }
    for (const auto& n : request_nights(conn, request_id)) {
        v.nights.push_back(n.night);
        if (v.room_label.empty()) v.room_label = n.room_label;
        if (v.currency.empty()) v.currency = n.currency;
        v.total_minor += n.rate_minor;
    }
    if (v.status == AccommodationStatus::waitlisted) {
        auto row = conn.cached(select_waitlist_position);
        row.bind(1, request_id);
        if (row.step() && !row.is_null(0)) v.waitlist_position = row.int32(0);
    }
    return v;
}

std::string ids_json(const std::set<Id>& ids) {
    json list = json::array();
    for (const auto id : ids) list.push_back(id);
    return list.dump();
}

RoomCount count_at(const Statement& row, Instant now) {
    RoomCount c;
    c.event = row.int64(0);
    c.hotel = row.int64(1);
    c.block = row.int64(2);
    c.night = row.text(3);
    c.room_type = row.text(4);
    c.held = row.int32(5);
    c.allotted = row.int32(6);
    c.waitlisted = row.int32(7);
    c.remaining = domain::rooms_remaining(c.held, c.allotted, optional_instant(row.optional_text(8)), now);
    return c;
}

// Frees a request's rooms (or its places in the queues) and hands the rooms on.
AccommodationView cancel_request(Connection& conn, ChangeSet& changes, Id request_id, Instant now) {
    const auto nights = request_nights(conn, request_id);
    set_request_status(conn, request_id, AccommodationStatus::cancelled, now);
    std::set<Id> blocks;
    for (const auto& n : nights) blocks.insert(n.block);
    changes.room_blocks.insert(blocks.begin(), blocks.end());
    promote_room_waitlists(conn, changes, blocks, now);
    return load_request(conn, request_id);
}

}  // namespace

// ---- hotels and blocks --------------------------------------------------------------------

Hotel create_hotel(Connection& conn, Id event_id, const HotelInput& input, const AuditContext& context, Instant now) {
    require_event(conn, event_id);
    if (!input.name || input.name->empty()) throw domain::InvalidField("name", "A hotel needs a name.");
    conn.cached(insert_hotel)
        .bind(1, event_id)
        .bind(2, *input.name)
        .bind(3, input.address.value_or(""))
        .bind(4, empty_as_null(input.map_url))
        .bind(5, empty_as_null(input.distance))
        .bind(6, empty_as_null(input.notes))
        .bind(7, domain::format_utc(now))
        .run();
    const auto id = conn.last_insert_rowid();
    auto hotel = require_hotel(conn, event_id, id);
    append_audit_change(conn, context, "hotel.create", "hotel", id, event_id, nullptr, hotel_json(hotel), now);
    return hotel;
}

Hotel update_hotel(Connection& conn, Id event_id, Id hotel_id, const HotelInput& input, const AuditContext& context,
                   Instant now) {
    const auto before = require_hotel(conn, event_id, hotel_id);
    auto after = before;
    if (input.name) after.name = *input.name;
    if (input.address) after.address = *input.address;
    if (input.map_url) after.map_url = empty_as_null(input.map_url);
    if (input.distance) after.distance = empty_as_null(input.distance);
    if (input.notes) after.notes = empty_as_null(input.notes);
    if (after.name.empty()) throw domain::InvalidField("name", "A hotel needs a name.");
    conn.cached(update_hotel_row)
        .bind(1, hotel_id)
        .bind(2, after.name)
        .bind(3, after.address)
        .bind(4, after.map_url)
        .bind(5, after.distance)
        .bind(6, after.notes)
        .bind(7, domain::format_utc(now))
        .run();
    append_audit_change(conn, context, "hotel.update", "hotel", hotel_id, event_id, hotel_json(before),
                        hotel_json(after), now);
    return after;
}

std::vector<RoomBlock> create_blocks(Connection& conn, ChangeSet& changes, Id event_id, Id hotel_id,
                                     const BlockInput& input, const AuditContext& context, Instant now) {
    const auto event = require_event(conn, event_id);
    require_hotel(conn, event_id, hotel_id);
    if (!input.room_type || !input.room_label || !input.held || !input.rate_minor || !input.currency || input.nights.empty())
        throw domain::InvalidField("room_type", "A block needs nights, room_type, room_label, held, rate_minor and currency.");
    const auto span = domain::event_nights(event);
    std::optional<std::string> release;
    if (input.release_at && *input.release_at) release = domain::format_utc(domain::to_instant(**input.release_at, event.timezone));
    std::vector<RoomBlock> made;
    for (const auto night : input.nights) {
        if (!span.contains(night))
            throw domain::InvalidField("nights", "The night of " + domain::format_night(night) + " is outside the event's nights (" +
                                                     domain::format_night(span.first) + " to " +
                                                     domain::format_night(span.last) + ").");
        const auto text = domain::format_night(night);
        {
            auto existing = conn.cached(select_block_of_night);
            existing.bind(1, hotel_id).bind(2, text).bind(3, *input.room_type);
            if (existing.step())
                throw domain::Refusal("block_exists", "This hotel already has a block of " + *input.room_type +
                                                          " rooms on the night of " + text + ": change that one.");
        }
        conn.cached(insert_block)
            .bind(1, hotel_id)
            .bind(2, text)
            .bind(3, *input.room_type)
            .bind(4, *input.room_label)
            .bind(5, *input.held)
            .bind(6, *input.rate_minor)
            .bind(7, *input.currency)
            .bind(8, release)
            .bind(9, domain::format_utc(now))
            .run();
        auto block = *find_block(conn, conn.last_insert_rowid());
        append_audit_change(conn, context, "room_block.create", "room_block", block.id, event_id, nullptr,
                            block_json(block), now);
        changes.room_blocks.insert(block.id);
        made.push_back(std::move(block));
    }
    return made;
}

RoomBlock update_block(Connection& conn, ChangeSet& changes, Id event_id, Id hotel_id, Id block_id,
                       const BlockInput& input, const AuditContext& context, Instant now) {
    const auto event = require_event(conn, event_id);
    require_hotel(conn, event_id, hotel_id);
    const auto before = find_block(conn, block_id);
    if (!before || before->hotel_id != hotel_id)
        throw domain::NotFound("block_not_found", "There is no room block " + std::to_string(block_id) + " at this hotel.");
    auto after = *before;
    if (input.room_label) after.room_label = *input.room_label;
    if (input.held) after.held = *input.held;
    if (input.rate_minor) after.rate_minor = *input.rate_minor;
    if (input.currency) after.currency = *input.currency;
    if (input.release_at) {
        after.release_at.reset();
        if (*input.release_at) after.release_at = domain::to_instant(**input.release_at, event.timezone);
    }
    if (after.held < after.allotted)
        throw domain::Refusal("held_below_allotted", std::to_string(after.allotted) + " rooms of this block are allotted: it cannot hold fewer.");
    std::optional<std::string> release;
    if (after.release_at) release = domain::format_utc(*after.release_at);
    conn.cached(update_block_row)
        .bind(1, block_id)
        .bind(2, after.room_label)
        .bind(3, after.held)
        .bind(4, after.rate_minor)
        .bind(5, after.currency)
        .bind(6, release)
        .bind(7, domain::format_utc(now))
        .run();
    append_audit_change(conn, context, "room_block.update", "room_block", block_id, event_id, block_json(*before),
                        block_json(after), now);
    changes.room_blocks.insert(block_id);
    promote_room_waitlists(conn, changes, {block_id}, now);
    return *find_block(conn, block_id);
}

std::optional<HotelWithBlocks> load_hotel(Connection& conn, Id event_id, Id hotel_id) {
    auto hotel = find_hotel(conn, hotel_id);
    if (!hotel || hotel->event_id != event_id) return std::nullopt;
    HotelWithBlocks out{std::move(*hotel), {}};
    auto rows = conn.cached(select_hotel_blocks);
    rows.bind(1, hotel_id);
    while (rows.step()) out.blocks.push_back(block_at(rows));
    return out;
}

std::vector<HotelWithBlocks> list_hotels(Connection& conn, Id event_id) {
    require_event(conn, event_id);
    std::vector<Hotel> hotels;
    {
        auto rows = conn.cached(select_event_hotels);
        rows.bind(1, event_id);
        while (rows.step()) hotels.push_back(hotel_at(rows));
    }
    std::vector<HotelWithBlocks> out;
    for (auto& hotel : hotels) {
        HotelWithBlocks entry{std::move(hotel), {}};
        auto rows = conn.cached(select_hotel_blocks);
        rows.bind(1, entry.hotel.id);
        while (rows.step()) entry.blocks.push_back(block_at(rows));
        out.push_back(std::move(entry));
    }
    return out;
}

// ---- accommodation ----------------------------------------------------------------------------

AccommodationView request_accommodation(Connection& conn, ChangeSet& changes, const std::string& code,
                                        const AccommodationInput& input, Instant now) {
    const auto registration = require_registration(conn, code);
    if (registration.status == "cancelled")
        throw domain::Refusal("registration_cancelled", "This registration is cancelled.");
    if (registration.status != "confirmed")
        throw domain::Refusal("registration_not_confirmed",
                              "Only a confirmed registration can ask for a hotel room; you are still on the waiting list.");
    const auto event = require_event(conn, registration.event_id);
    const auto hotel = find_hotel(conn, input.hotel_id);
    if (!hotel || hotel->event_id != event.id)
        throw domain::InvalidField("hotel_id", "There is no such official hotel for this event.");
    if (input.nights.empty()) throw domain::InvalidField("nights", "Ask for at least one night.");
    const auto span = domain::event_nights(event);
    for (const auto night : input.nights)
        if (!span.contains(night))
            throw domain::InvalidField("nights", "The night of " + domain::format_night(night) +
                                                     " is outside the event's nights (" + domain::format_night(span.first) +
                                                     " to " + domain::format_night(span.last) + ").");
    {
        auto exists = conn.cached(select_room_type_exists);
        exists.bind(1, hotel->id).bind(2, input.room_type);
        if (!exists.step())
            throw domain::InvalidField("room_type", hotel->name + " has no rooms of type \"" + input.room_type + "\".");
    }
    std::vector<RoomBlock> blocks;
    for (const auto night : input.nights) {
        auto row = conn.cached(select_block_of_night);
        row.bind(1, hotel->id).bind(2, domain::format_night(night)).bind(3, input.room_type);
        if (!row.step())
            throw domain::InvalidField("nights", hotel->name + " holds no " + input.room_type + " rooms on the night of " +
                                                     domain::format_night(night) + ".");
        blocks.push_back(block_at(row));
    }
    if (active_request_id(conn, registration.id))
        throw domain::Refusal("accommodation_exists",
                              "You already have a hotel room or a place on a waiting list; cancel it first to ask for another.");
    for (const auto& b : blocks)
        if (b.released(now))
            throw domain::Refusal("rooms_released", "The rooms of " + hotel->name + " for the night of " + b.night +
                                                        " have gone back to the hotel: book with the hotel directly.");

    const bool allot = std::all_of(blocks.begin(), blocks.end(), [now](const RoomBlock& b) { return b.remaining(now) > 0; });
    const auto status = allot ? AccommodationStatus::allotted : AccommodationStatus::waitlisted;
    conn.cached(insert_request)
        .bind(1, registration.id)
        .bind(2, hotel->id)
        .bind(3, input.room_type)
        .bind(4, blocks.front().night)
        .bind(5, blocks.back().night)
        .bind(6, input.sharing_with)
        .bind(7, domain::to_string(status))
        .bind(8, domain::format_utc(now))
        .run();
    const auto request_id = conn.last_insert_rowid();
    for (const auto& b : blocks) {
        conn.cached(insert_night).bind(1, request_id).bind(2, b.id).bind(3, domain::to_string(status)).run();
        changes.room_blocks.insert(b.id);
    }
    return load_request(conn, request_id);
}

std::optional<AccommodationView> load_accommodation(Connection& conn, const std::string& code) {
    const auto registration = require_registration(conn, code);
    const auto id = active_request_id(conn, registration.id);
    if (!id) return std::nullopt;
    return load_request(conn, *id);
}

AccommodationView cancel_accommodation(Connection& conn, ChangeSet& changes, const std::string& code, Instant now) {
    const auto registration = require_registration(conn, code);
    const auto id = active_request_id(conn, registration.id);
    if (!id) throw domain::NotFound("accommodation_not_found", "You have no hotel room or waiting-list place to cancel.");
    return cancel_request(conn, changes, *id, now);
}

void release_accommodation_of(Connection& conn, ChangeSet& changes, Id registration_id, Instant now) {
    if (const auto id = active_request_id(conn, registration_id)) cancel_request(conn, changes, *id, now);
}

int promote_room_waitlists(Connection& conn, ChangeSet& changes, const std::set<Id>& blocks, Instant now) {
    if (blocks.empty()) return 0;
    std::vector<Id> waiting;
    {
        auto rows = conn.cached(select_waiting_on_blocks);
        rows.bind(1, ids_json(blocks));
        while (rows.step()) waiting.push_back(rows.int64(0));
    }
    int promoted = 0;
    // In request order; a request that cannot have all its nights does not hold up the
    // ones behind it (they may want other nights).
    for (const auto request_id : waiting) {
        const auto nights = request_nights(conn, request_id);
        const bool fits = !nights.empty() && std::all_of(nights.begin(), nights.end(), [now](const NightOfRequest& n) {
            return domain::rooms_remaining(n.held, n.allotted, n.release_at, now) > 0;
        });
        if (!fits) continue;
        set_request_status(conn, request_id, AccommodationStatus::allotted, now);
        for (const auto& n : nights) changes.room_blocks.insert(n.block);
        ++promoted;
    }
    return promoted;
}

// ---- lists ------------------------------------------------------------------------------------

std::vector<RoomingEntry> rooming_list(Connection& conn, Id event_id, Id hotel_id) {
    require_hotel(conn, event_id, hotel_id);
    std::vector<RoomingEntry> out;
    {
        auto rows = conn.prepare(select_rooming);
        rows.bind(1, hotel_id);
        while (rows.step()) {
            RoomingEntry e;
            e.request_id = rows.int64(0);
            e.registration_id = rows.int64(1);
            e.name = rows.text(2);
            e.email = rows.text(3);
            e.organisation = rows.optional_text(4);
            e.status = status_at(rows, 5);
            e.room_type = rows.text(6);
            e.room_label = rows.optional_text(7).value_or(e.room_type);
            e.first_night = rows.text(8);
            e.last_night = rows.text(9);
            e.nights = rows.int32(10);
            e.sharing_with = rows.optional_text(11);
            e.requested_at = instant_at(rows, 12);
            out.push_back(std::move(e));
        }
    }
    for (auto& e : out) {
        if (e.status != AccommodationStatus::waitlisted) continue;
        auto row = conn.cached(select_waitlist_position);
        row.bind(1, e.request_id);
        if (row.step() && !row.is_null(0)) e.waitlist_position = row.int32(0);
    }
    return out;
}

std::vector<RoomCount> room_counts(Connection& conn, const std::set<Id>& blocks, Instant now) {
    std::vector<RoomCount> out;
    if (blocks.empty()) return out;
    auto rows = conn.cached(select_counts_of_blocks);
    rows.bind(1, ids_json(blocks));
    while (rows.step()) out.push_back(count_at(rows, now));
    return out;
}

std::vector<RoomCount> event_room_counts(Connection& conn, Id event_id, Instant now) {
    std::vector<RoomCount> out;
    auto rows = conn.cached(select_counts_of_event);
    rows.bind(1, event_id);
    while (rows.step()) out.push_back(count_at(rows, now));
    return out;
}

}  // namespace congress::storage
