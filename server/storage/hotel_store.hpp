// Official hotels, their room blocks and delegates' accommodation (docs/hotels.md): the SQL,
// and the commands the single writer runs.
//
// A block is one hotel, one night and one room type. A request asks for one room type at one
// hotel for contiguous nights; it is allotted when every one of its nights has a room left,
// else it waits, in request order, on each of its nights' blocks. Because only the writer
// allots, two delegates never get the last room; CHECK (allotted <= held) repeats it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/accommodation.hpp"
#include "domain/event.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

// ---- hotels and blocks (organisers) ----------------------------------------------------

struct HotelInput {
    std::optional<std::string> name;  // required to create
    std::optional<std::string> address;
    std::optional<std::string> map_url;  // "" clears
    std::optional<std::string> distance;
    std::optional<std::string> notes;
};

struct Hotel {
    domain::Id id = 0;
    domain::Id event_id = 0;
    std::string name;
    std::string address;
    std::optional<std::string> map_url;
    std::optional<std::string> distance;
    std::optional<std::string> notes;
};

struct RoomBlock {
    domain::Id id = 0;
    domain::Id hotel_id = 0;
    std::string night;  // "2014-10-07"
    std::string room_type;
    std::string room_label;
    int held = 0;
    int allotted = 0;
    int waitlisted = 0;
    std::int64_t rate_minor = 0;
    std::string currency;
    std::optional<domain::Instant> release_at;

    bool released(domain::Instant now) const { return domain::is_released(release_at, now); }
    int remaining(domain::Instant now) const { return domain::rooms_remaining(held, allotted, release_at, now); }
};

struct HotelWithBlocks {
    Hotel hotel;
    std::vector<RoomBlock> blocks;  // by night, then room type
};

// Throws NotFound("event_not_found").
Hotel create_hotel(Connection& conn, domain::Id event_id, const HotelInput& input, const AuditContext& audit,
                   domain::Instant now);
// Throws NotFound("hotel_not_found") for a hotel not of the event.
Hotel update_hotel(Connection& conn, domain::Id event_id, domain::Id hotel_id, const HotelInput& input,
                   const AuditContext& audit, domain::Instant now);

struct BlockInput {
    std::vector<domain::Night> nights;  // to create: one block per night
    std::optional<std::string> room_type;
    std::optional<std::string> room_label;
    std::optional<int> held;
    std::optional<std::int64_t> rate_minor;
    std::optional<std::string> currency;
    // A wall-clock time in the event's zone; inner nullopt clears it.
    std::optional<std::optional<domain::LocalTime>> release_at;
};

// One block per night. Throws InvalidField("nights") for a night outside the event's,
// Refusal("block_exists") when the hotel already holds that room type that night.
std::vector<RoomBlock> create_blocks(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id hotel_id,
                                     const BlockInput& input, const AuditContext& audit, domain::Instant now);
// Changes label, rooms held, rate, currency or release date (not the night or type). Fewer
// rooms than are allotted: Refusal("held_below_allotted"). More rooms (or a later release)
// promote the block's waiting list.
RoomBlock update_block(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id hotel_id,
                       domain::Id block_id, const BlockInput& input, const AuditContext& audit, domain::Instant now);

// Every hotel of the event with its blocks. Throws NotFound("event_not_found").
std::vector<HotelWithBlocks> list_hotels(Connection& conn, domain::Id event_id);
std::optional<HotelWithBlocks> load_hotel(Connection& conn, domain::Id event_id, domain::Id hotel_id);

// ---- accommodation (delegates) ------------------------------------------------------------

struct AccommodationInput {
    domain::Id hotel_id = 0;
    std::string room_type;
    std::vector<domain::Night> nights;  // contiguous, checked at the edge
    std::optional<std::string> sharing_with;
};

struct AccommodationView {
    domain::Id id = 0;
    domain::Id registration_id = 0;
    domain::Id event_id = 0;
    domain::Id hotel_id = 0;
    std::string hotel_name;
    std::string room_type;
    std::string room_label;
    std::vector<std::string> nights;
    std::optional<std::string> sharing_with;
    domain::AccommodationStatus status = domain::AccommodationStatus::waitlisted;
    std::optional<int> waitlist_position;  // while waiting: requests ahead on its most contested night, plus one
    std::int64_t total_minor = 0;          // the nights' rates added up
    std::string currency;
    domain::Instant requested_at{};
    domain::Instant updated_at{};
};

// The writer's command. Throws NotFound("registration_not_found"); Refusal
// ("registration_not_confirmed", "registration_cancelled", "accommodation_exists",
// "rooms_released"); InvalidField ("hotel_id", "room_type", "nights").
AccommodationView request_accommodation(Connection& conn, ChangeSet& changes, const std::string& code,
                                        const AccommodationInput& input, domain::Instant now);
// The registration's active request (allotted or waiting), if any. Throws
// NotFound("registration_not_found").
std::optional<AccommodationView> load_accommodation(Connection& conn, const std::string& code);
// Cancels the active request, frees its rooms and promotes the waiting lists. Throws
// NotFound("registration_not_found" / "accommodation_not_found").
AccommodationView cancel_accommodation(Connection& conn, ChangeSet& changes, const std::string& code,
                                       domain::Instant now);
// For a registration being cancelled: cancels its request, if any, and hands the rooms on.
void release_accommodation_of(Connection& conn, ChangeSet& changes, domain::Id registration_id, domain::Instant now);

// Allots rooms of these blocks to the requests waiting on them, in request order: each
// request whose nights all have a room left (and are not released) gets them. Returns how
// many requests were allotted.
int promote_room_waitlists(Connection& conn, ChangeSet& changes, const std::set<domain::Id>& blocks,
                           domain::Instant now);

// ---- what organisers and the live feed read ----------------------------------------------

struct RoomingEntry {
    domain::Id request_id = 0;
    domain::Id registration_id = 0;
    std::string name;
    std::string email;
    std::optional<std::string> organisation;
    domain::AccommodationStatus status = domain::AccommodationStatus::allotted;
    std::string room_type;
    std::string room_label;
    std::string first_night;
    std::string last_night;
    int nights = 0;
    std::optional<std::string> sharing_with;
    std::optional<int> waitlist_position;
    domain::Instant requested_at{};
};
// Allotted then waiting requests of the hotel, each in request order. Throws
// NotFound("hotel_not_found").
std::vector<RoomingEntry> rooming_list(Connection& conn, domain::Id event_id, domain::Id hotel_id);

struct RoomCount {
    domain::Id event = 0;
    domain::Id hotel = 0;
    domain::Id block = 0;
    std::string night;
    std::string room_type;
    int held = 0;
    int allotted = 0;
    int waitlisted = 0;
    int remaining = 0;

    bool operator==(const RoomCount&) const = default;
};
std::vector<RoomCount> room_counts(Connection& conn, const std::set<domain::Id>& blocks, domain::Instant now);
std::vector<RoomCount> event_room_counts(Connection& conn, domain::Id event_id, domain::Instant now);

}  // namespace congress::storage
