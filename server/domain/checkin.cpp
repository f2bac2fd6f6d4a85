#include "domain/checkin.hpp"

namespace congress::domain {

namespace {

CheckinVerdict refusal(std::string code, std::string message) {
    return CheckinVerdict{CheckinDecision::refuse, std::move(code), std::move(message)};
}

}  // namespace

CheckinVerdict decide_checkin(const CheckinCase& c) {
    if (c.cancelled_session_title)
        return refusal("session_cancelled", "The session \"" + *c.cancelled_session_title + "\" was cancelled.");
    if (!c.holder) return refusal("not_registered", "This badge is genuine, but its registration no longer exists.");
    const auto& holder = *c.holder;
    if (holder.status == RegistrationStatus::cancelled)
        return refusal("registration_cancelled", holder.name + "'s registration was cancelled.");
    if (holder.status == RegistrationStatus::waitlisted)
        return refusal("registration_waitlisted", holder.name + " is on the waiting list, not confirmed.");
    if (c.session_door && !c.enrolled)
        return refusal("not_enrolled", holder.name + " has no confirmed place in this session.");
    if (!c.earlier) return CheckinVerdict{CheckinDecision::admit, {}, {}};

    const std::string already = holder.name + " was already checked in at " + c.earlier->desk + ".";
    if (!c.offline) return CheckinVerdict{CheckinDecision::already_checked_in, "already_checked_in", already};
    // A desk that was offline admitted a delegate another desk admitted too: both let them
    // in. The earlier admission is the check-in; the later one is the duplicate report.
    if (c.scanned_at < c.earlier->scanned_at) return CheckinVerdict{CheckinDecision::take_over, {}, {}};
    return CheckinVerdict{CheckinDecision::duplicate, "already_checked_in", already};
}

}  // namespace congress::domain
