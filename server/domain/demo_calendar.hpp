// Moving the demo calendar forward so that it is usable today: the report's events
// happened in 2014, and a demo whose events are all past cannot take registrations.
#pragma once

#include <chrono>

#include "domain/time.hpp"

namespace congress::domain {

// Whole weeks to add so that the earliest event starts at least `lead` after `now`.
// Zero when it already does. Whole weeks keep every weekday.
int demo_shift_weeks(Instant earliest_start, Instant now, std::chrono::days lead = std::chrono::days{21});

// Shifts a wall-clock time by whole weeks. Shifting local times (not instants) keeps
// each session's local start time even when the shift crosses a daylight-saving change.
LocalTime shift_by_weeks(LocalTime local, int weeks);

}  // namespace congress::domain
