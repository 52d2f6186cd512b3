// libFuzzer target: feeds::parse_native_json on any bytes, then, for what parses, the path a
// declaration takes in the tracker: core::check_declaration against the bundled GE2024
// reference, registering unknown parties and checking again, then core::canonical_form.
#include "feeds/native_json.hpp"

#include "core/declaration.hpp"
#include "feeds/reference_csv.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

using namespace electd;

namespace {

std::shared_ptr<core::reference_data const> reference;

[[noreturn]] void broken(char const* promise)
{
    std::fprintf(stderr, "native JSON path broke a promise: %s\n", promise);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    // The reference the daemon bundles; ELECTD_REFERENCE_DIR may point at another.
    std::string dir = ELECTD_SOURCE_DIR "/data/ge2024/reference";
    if (char const* env = std::getenv("ELECTD_REFERENCE_DIR"))
        dir = env;
    reference = feeds::read_reference([&](std::string const& name) -> std::optional<std::string> {
        std::ifstream in(dir + "/" + name, std::ios::binary);
        if (!in)
            return std::nullopt;
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    auto parsed = feeds::parse_native_json(std::string_view(reinterpret_cast<char const*>(data), size));
    if (parsed.malformed)
        return 0;
    // As the ingest route does: the parser's problems and the check's are answered together.
    auto ref = reference;
    auto checked = core::check_declaration(parsed.input, *ref);
    if (!parsed.problems.empty() || !checked.problems.empty())
        return 0;
    if (!checked.new_parties.empty()) {
        // As tracker::decide and election_state::register_party do: add the parties the
        // reference does not know to a copy, then check again.
        auto copy = std::make_shared<core::reference_data>(*ref);
        for (auto const& label : checked.new_parties)
            if (!copy->parties.find(label))
                copy->parties.add(core::party{label, label, "#999999", true});
        ref = copy;
        checked = core::check_declaration(parsed.input, *ref);
    }
    // The tracker dereferences the value here without looking.
    if (!checked.value)
        broken("no problems and no new parties after registering them, yet no declaration");
    auto canonical = core::canonical_form(*checked.value, *ref);
    static volatile std::size_t sink = 0;
    sink = sink + canonical.size() + checked.value->candidates.size();
    return 0;
}
