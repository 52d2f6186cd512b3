#include "storage/archive.hpp"

#include "storage/alert_store.hpp"
#include "storage/declaration_store.hpp"
#include "storage/reference_store.hpp"

#include <stdexcept>

namespace electd::storage {
namespace {

std::unique_ptr<connection> open_read_only(std::string const& db_path)
{
    auto db = std::make_unique<connection>(db_path, connection::mode::read_only);
    statement q(*db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'declarations'");
    if (!q.step() || q.int64(0) == 0)
        throw std::runtime_error("'" + db_path + "' is not an electd database");
    return db;
}

} // namespace

archived_night load_night(std::string const& db_path, std::optional<core::timestamp> as_of)
{
    auto conn = open_read_only(db_path);
    auto& db = *conn;
    archived_night night;
    night.as_of = as_of;
    auto ref = load_reference(db);
    if (!ref)
        throw std::runtime_error("'" + db_path + "' holds no election yet");
    night.ref = ref;
    night.state = std::make_unique<core::election_state>(ref);
    auto& state = *night.state;
    // Replayed in the order electd stored them, keeping those declared by as_of: the same rules
    // as on the night, so an archived state is exactly what the live one was.
    for_each_revision(db, *ref, [&](stored_revision&& r) {
        if (as_of && r.value.declared_at.utc > *as_of)
            return;
        auto canonical = core::canonical_form(r.value, *ref);
        auto v = state.classify(r.value, canonical);
        if (v == core::verdict::accepted)
            state.apply(r.value, std::move(canonical), r.seq, core::from_unix_ms(r.received_at_ms));
        else if (v == core::verdict::stale)
            state.record_late(r.value, std::move(canonical), r.seq, core::from_unix_ms(r.received_at_ms));
    });
    for_each_alert(db, *ref, [&](core::alert&& a) {
        if (!as_of || a.at.utc <= *as_of)
            night.alerts.push_back(std::move(a));
    });
    return night;
}

std::vector<archived_revision> seat_history(std::string const& db_path, std::string const& ons_code)
{
    auto conn = open_read_only(db_path);
    auto& db = *conn;
    auto ref = load_reference(db);
    if (!ref)
        throw std::runtime_error("'" + db_path + "' holds no election yet");
    auto seat = ref->find_ons(ons_code);
    if (!seat)
        throw std::invalid_argument("no constituency with ONS code '" + ons_code + "'");
    std::vector<archived_revision> out;
    core::election_state state(ref);
    for_each_revision(db, *ref, [&](stored_revision&& r) {
        if (r.value.seat != *seat)
            return;
        auto canonical = core::canonical_form(r.value, *ref);
        auto v = state.classify(r.value, canonical);
        if (v == core::verdict::accepted)
            state.apply(r.value, canonical, r.seq, core::from_unix_ms(r.received_at_ms));
        else if (v == core::verdict::stale)
            state.record_late(r.value, canonical, r.seq, core::from_unix_ms(r.received_at_ms));
        out.push_back({r.seq, r.value, core::compute_result(r.value, *ref), false, {}, r.received_at_ms});
    });
    statement src(db, "SELECT seq, source FROM declarations WHERE constituency = ?1");
    src.bind(1, ons_code);
    while (src.step())
        for (auto& h : out)
            if (h.seq == src.int64(0))
                h.source = src.text(1);
    auto const& s = state.seat(*seat);
    for (auto& h : out)
        h.current = h.value.revision == s.current_revision && core::revision_order(h.value.revision, h.value.kind) == s.current_order;
    std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) {
        return core::revision_order(a.value.revision, a.value.kind) < core::revision_order(b.value.revision, b.value.kind);
    });
    return out;
}

} // namespace electd::storage
