// Visa invitation letters (docs/letters.md).
#pragma once

#include "api/router.hpp"
#include "api/routes.hpp"

namespace congress::api {

// Registers the delegate's /api/registrations/{code}/letter, the organisers'
// /api/events/{id}/letters routes and the public /api/letters/verify/{verification_code}.
// Without services.letters_key every one of them answers 503 letters_unavailable.
void add_letter_routes(Router& router, Services& services);

}  // namespace congress::api
