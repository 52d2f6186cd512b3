#include "core/json_writer.hpp"

#include <catch2/catch.hpp>

using namespace electd::core;

TEST_CASE("The JSON writer escapes text and writes numbers the way people read them", "[core][json]")
{
    std::string out;
    json_writer w(out);
    w.begin_object().field("name", "Strathkelvin & \"Bearsden\"\n").field("share", 33.7, 2);
    w.field("whole", 12.0, 2).field("small", -0.001, 2).field("n", std::int64_t{-5});
    w.key("list").begin_array().value(1).null().value(true).end_array();
    w.field("opt", std::optional<double>{}, 1).end_object();
    CHECK(out == R"({"name":"Strathkelvin & \"Bearsden\"\n","share":33.7,"whole":12,"small":0,"n":-5,)"
                 R"("list":[1,null,true],"opt":null})");
    CHECK(format_decimal(8915.0 / 40919 * 100, 2) == "21.79");
}
