#include "storage/alert_store.hpp"

#include "core/json_writer.hpp"

#include <boost/json.hpp>

namespace electd::storage {

alert_writer::alert_writer(connection& db)
    : insert_(db, "INSERT INTO alerts (seq, type, severity, constituency, parties, text, at, at_ms, data, "
                  "declaration_seq, retracts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
{
}

void alert_writer::append(core::alert const& a, core::reference_data const& ref)
{
    std::string parties;
    core::json_writer w(parties);
    w.begin_array();
    for (auto p : a.parties)
        w.value(ref.parties[p].code);
    w.end_array();
    auto& s = insert_;
    s.bind(1, a.seq).bind(2, a.type).bind(3, core::to_string(a.level));
    a.seat ? s.bind(4, ref.seat(*a.seat).ons_code) : s.bind_null(4);
    s.bind(5, parties).bind(6, a.text).bind(7, core::format_rfc3339(a.at.utc, a.at.offset_minutes));
    s.bind(8, core::to_unix_ms(a.at.utc)).bind(9, a.data.empty() ? std::string_view("{}") : std::string_view(a.data));
    a.declaration_seq ? s.bind(10, a.declaration_seq) : s.bind_null(10);
    s.bind(11, a.retracts);
    s.run();
}

void for_each_alert(connection& db, core::reference_data const& ref, std::function<void(core::alert&&)> const& fn)
{
    statement q(db, "SELECT seq, type, severity, constituency, parties, text, at, data, declaration_seq, retracts "
                    "FROM alerts ORDER BY seq");
    while (q.step()) {
        core::alert a;
        a.seq = q.int64(0);
        a.type = q.text(1);
        a.level = core::severity_from(q.text_view(2)).value_or(core::severity::info);
        if (!q.is_null(3))
            a.seat = ref.find_ons(q.text_view(3));
        auto parties = boost::json::parse(q.text_view(4));
        for (auto const& p : parties.as_array())
            if (auto id = ref.parties.find_code(std::string_view(p.as_string())))
                a.parties.push_back(*id);
        a.text = q.text(5);
        if (auto t = core::parse_rfc3339(q.text_view(6)))
            a.at = *t;
        a.data = q.text(7);
        a.declaration_seq = q.optional_int64(8).value_or(0);
        a.retracts = q.optional_int64(9);
        fn(std::move(a));
    }
}

} // namespace electd::storage
