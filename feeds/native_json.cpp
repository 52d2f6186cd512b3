#include "feeds/native_json.hpp"

#include <boost/json.hpp>

#include <cmath>

namespace electd::feeds {
namespace json = boost::json;
namespace {

std::string describe(json::value const& v)
{
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a number with a fraction";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
    }
    return "a value";
}

struct field_reader {
    core::problem_list& problems;

    std::optional<std::string> text(json::object const& o, std::string const& path, char const* key, bool required)
    {
        auto const* v = o.if_contains(key);
        if (!v || v->is_null()) {
            if (required)
                problems.push_back({path, "is required"});
            return std::nullopt;
        }
        if (!v->is_string()) {
            problems.push_back({path, "must be a string, not " + describe(*v)});
            return std::nullopt;
        }
        auto const& s = v->get_string();
        if (s.size() > max_text_length) {
            problems.push_back({path, "is longer than " + std::to_string(max_text_length) + " characters"});
            return std::nullopt;
        }
        return std::string(s);
    }

    // Integers only: 12.0 and "12" are refused, because a feed that sends them is confused.
    std::optional<std::int64_t> integer(json::object const& o, std::string const& path, char const* key,
                                        bool required)
    {
        auto const* v = o.if_contains(key);
        if (!v || v->is_null()) {
            if (required)
                problems.push_back({path, "is required"});
            return std::nullopt;
        }
        if (v->is_int64())
            return v->get_int64();
        if (v->is_uint64()) {
            problems.push_back({path, "is too large"});
            return std::nullopt;
        }
        problems.push_back({path, "must be an integer, not " + describe(*v)});
        return std::nullopt;
    }
};

std::string locate(std::string_view body, std::size_t offset)
{
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < body.size(); ++i) {
        if (body[i] == '\n')
            ++line, col = 1;
        else
            ++col;
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

} // namespace

native_parse_result parse_native_json(std::string_view body)
{
    native_parse_result out;
    unsigned char buffer[4096];
    json::monotonic_resource mr(buffer, sizeof buffer);
    json::parse_options opts;
    opts.max_depth = 16;
    json::stream_parser p(&mr, opts);
    boost::system::error_code ec;
    auto consumed = p.write(body.data(), body.size(), ec);
    if (!ec)
        p.finish(ec);
    if (ec) {
        out.malformed = "malformed JSON at " + locate(body, consumed) + ": " + ec.message();
        return out;
    }
    json::value root = p.release();
    if (!root.is_object()) {
        out.malformed = "the body must be a JSON object, not " + describe(root);
        return out;
    }
    auto const& o = root.get_object();
    auto& in = out.input;
    field_reader read{out.problems};

    in.constituency = read.text(o, "constituency", "constituency", true);
    if (o.contains("revision") && !o.at("revision").is_null()) {
        if (auto r = read.integer(o, "revision", "revision", false)) {
            if (*r < 1 || *r > 1'000'000)
                out.problems.push_back({"revision", "must be between 1 and 1000000"});
            else
                in.revision = static_cast<int>(*r);
        }
    }
    in.declared_at = read.text(o, "declared_at", "declared_at", true);
    in.electorate = read.integer(o, "electorate", "electorate", false);
    in.invalid_votes = read.integer(o, "invalid_votes", "invalid_votes", false);

    auto const* cands = o.if_contains("candidates");
    if (!cands || cands->is_null()) {
        out.problems.push_back({"candidates", "is required"});
    } else if (!cands->is_array()) {
        in.candidates_present = true;
        out.problems.push_back({"candidates", "must be an array, not " + describe(*cands)});
    } else if (cands->get_array().size() > max_candidates) {
        in.candidates_present = true;
        out.problems.push_back({"candidates", "more than " + std::to_string(max_candidates) + " candidates"});
    } else {
        in.candidates_present = true;
        auto const& arr = cands->get_array();
        for (std::size_t i = 0; i < arr.size(); ++i) {
            auto path = "candidates[" + std::to_string(i) + "]";
            core::candidate_input c;
            if (!arr[i].is_object()) {
                out.problems.push_back({path, "must be an object, not " + describe(arr[i])});
                in.candidates.push_back(c);
                continue;
            }
            auto const& co = arr[i].get_object();
            c.name = read.text(co, path + ".name", "name", true);
            c.party = read.text(co, path + ".party", "party", true);
            c.votes = read.integer(co, path + ".votes", "votes", true);
            if (auto const* e = co.if_contains("elected"); e && !e->is_null()) {
                if (e->is_bool())
                    c.elected = e->get_bool();
                else
                    out.problems.push_back({path + ".elected", "must be true or false, not " + describe(*e)});
            }
            in.candidates.push_back(std::move(c));
        }
    }

    static constexpr std::string_view known[] = {"constituency", "revision", "declared_at", "electorate",
                                                 "invalid_votes", "candidates"};
    for (auto const& kv : o) {
        if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
            out.warnings.push_back("unknown field '" + std::string(kv.key()) + "' ignored");
    }
    return out;
}

} // namespace electd::feeds
