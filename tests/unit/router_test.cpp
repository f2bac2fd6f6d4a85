#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.hpp"
#include "api/router.hpp"

using namespace congress::api;

namespace {

Response call(const Router& router, const std::string& method, const std::string& target) {
    Request request;
    request.method = method;
    request.target = target;
    split_target(target, request.path, request.query);
    Response answer;
    int calls = 0;
    router.handle(request, [&](Response r) {
        answer = std::move(r);
        ++calls;
    });
    EXPECT_EQ(calls, 1) << "a request must be answered exactly once";
    return answer;
}

nlohmann::json body(const Response& r) { return nlohmann::json::parse(*r.body); }

Router sample_router() {
    Router router;
    router.add("GET", "/api/events/{id}", Access::public_read, [](const Request&, const RouteParams& p, Responder respond) {
        respond(json_response(200, nlohmann::json{{"id", std::string(p.get("id"))}}.dump()));
    });
    router.add("GET", "/api/fails", Access::public_read, [](const Request&, const RouteParams&, Responder) {
        throw ApiError(409, "event_full", "The event is full.");
    });
    router.add("GET", "/api/crashes", Access::public_read, [](const Request&, const RouteParams&, Responder) {
        throw std::runtime_error("secret internal detail");
    });
    router.set_fallback([](const Request&, const RouteParams&, Responder respond) {
        respond(text_response(200, "text/html", "page"));
    });
    return router;
}

}  // namespace

TEST(RouterTest, PathParametersReachTheHandler) {
    const auto router = sample_router();
    const auto r = call(router, "GET", "/api/events/42?x=1");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(body(r)["id"], "42");
}

TEST(RouterTest, UnknownApiRoutesAreJson404s) {
    const auto router = sample_router();
    const auto r = call(router, "GET", "/api/nothing/here");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(body(r)["error"]["code"], "not_found");
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
    const auto router = sample_router();
    const auto r = call(router, "DELETE", "/api/events/42");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD");
    EXPECT_EQ(body(r)["error"]["code"], "method_not_allowed");
}

TEST(RouterTest, HeadIsAnsweredByTheGetRoute) {
    const auto router = sample_router();
    EXPECT_EQ(call(router, "HEAD", "/api/events/7").status, 200);
}

TEST(RouterTest, ClientErrorsKeepTheirStatusAndCode) {
    const auto router = sample_router();
    const auto r = call(router, "GET", "/api/fails");
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(body(r)["error"]["code"], "event_full");
}

TEST(RouterTest, UnexpectedErrorsAre500sWithoutInternals) {
    const auto router = sample_router();
    const auto r = call(router, "GET", "/api/crashes");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(body(r)["error"]["code"], "internal_error");
    EXPECT_EQ(r.body->find("secret"), std::string::npos);
}

TEST(RouterTest, NonApiGetsGoToTheWebUiAndOtherMethodsAreRefused) {
    const auto router = sample_router();
    EXPECT_EQ(call(router, "GET", "/events/3").content_type, "text/html");
    EXPECT_EQ(call(router, "POST", "/events/3").status, 405);
}

TEST(RouterTest, NonAbsoluteTargetsAreBadRequests) {
    const auto router = sample_router();
    EXPECT_EQ(call(router, "GET", "*").status, 400);
}

TEST(RouterTest, ErrorMessagesWithInvalidUtf8StillProduceValidJson) {
    const auto r = error_response(404, "not_found", "bad \xff\xfe bytes");
    EXPECT_NO_THROW(nlohmann::json::parse(*r.body));
}
