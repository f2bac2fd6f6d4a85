#include "domain/changes.hpp"

namespace congress::domain {

std::string_view to_string(ScheduleChangeKind kind) {
    switch (kind) {
        case ScheduleChangeKind::added: return "added";
        case ScheduleChangeKind::moved: return "moved";
        case ScheduleChangeKind::cancelled: return "cancelled";
        case ScheduleChangeKind::changed: break;
    }
    return "changed";
}

std::optional<ScheduleChangeKind> parse_schedule_change_kind(std::string_view text) {
    for (const auto kind : {ScheduleChangeKind::added, ScheduleChangeKind::changed, ScheduleChangeKind::moved,
                            ScheduleChangeKind::cancelled})
        if (to_string(kind) == text) return kind;
    return std::nullopt;
}

ScheduleChangeKind classify_session_change(const SessionState& before, const SessionState& after) {
    if (after.status == SessionStatus::cancelled && before.status != SessionStatus::cancelled)
        return ScheduleChangeKind::cancelled;
    const auto room_of = [](const SessionState& s) { return s.room ? s.room->id : Id{0}; };
    if (after.starts_at != before.starts_at || after.ends_at != before.ends_at || room_of(after) != room_of(before))
        return ScheduleChangeKind::moved;
    return ScheduleChangeKind::changed;
}

}  // namespace congress::domain
