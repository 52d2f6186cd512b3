#include "storage/model_store.hpp"

#include <algorithm>
#include <map>

namespace electd::storage {

void save_model(connection& db, core::model const& m, core::reference_data const& ref, std::string const& source,
                std::string_view payload, std::int64_t loaded_at_ms)
{
    std::int64_t position = 0;
    {
        statement q(db, "SELECT COALESCE((SELECT position FROM models WHERE name = ?1), "
                        "(SELECT COALESCE(MAX(position) + 1, 0) FROM models))");
        q.bind(1, m.name);
        q.step();
        position = q.int64(0);
    }
    statement del_values(db, "DELETE FROM model_values WHERE model = ?1");
    del_values.bind(1, m.name).run();
    statement del_national(db, "DELETE FROM model_national WHERE model = ?1");
    del_national.bind(1, m.name).run();
    statement upsert(db, "INSERT INTO models (name, title, kind, headline, published, source, position, loaded_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (name) DO UPDATE SET title = excluded.title,"
                         " kind = excluded.kind, headline = excluded.headline, published = excluded.published,"
                         " source = excluded.source, loaded_at = excluded.loaded_at");
    upsert.bind(1, m.name).bind(2, m.title).bind(3, core::to_string(m.kind)).bind(4, m.headline ? 1 : 0)
        .bind(5, m.published).bind(6, m.source).bind(7, position).bind(8, loaded_at_ms).run();

    statement value(db, "INSERT INTO model_values (model, constituency, party, value) VALUES (?1, ?2, ?3, ?4)");
    for (core::seat_index i = 0; i < m.seats.size(); ++i) {
        if (!m.seats[i])
            continue;
        auto const& ons = ref.seat(i).ons_code;
        if (m.kind == core::model_kind::pick) {
            value.bind(1, m.name).bind(2, ons).bind(3, ref.parties[m.seats[i]->favourite].code).bind(4, 1.0).run();
            continue;
        }
        for (auto const& v : m.seats[i]->values)
            value.bind(1, m.name).bind(2, ons).bind(3, ref.parties[v.party].code).bind(4, v.value).run();
    }
    statement national(db, "INSERT INTO model_national (model, party, seats) VALUES (?1, ?2, ?3)");
    for (auto const& [p, seats] : m.national_seats)
        national.bind(1, m.name).bind(2, ref.parties[p].code).bind(3, seats).run();
    statement log(db, "INSERT INTO model_loads (model, loaded_at, source, payload) VALUES (?1, ?2, ?3, ?4)");
    log.bind(1, m.name).bind(2, loaded_at_ms).bind(3, source);
    payload.empty() ? log.bind_null(4) : log.bind_blob(4, payload);
    log.run();
}

std::vector<std::shared_ptr<core::model>> load_models(connection& db, core::reference_data const& ref)
{
    std::vector<std::shared_ptr<core::model>> out;
    std::map<std::string, std::shared_ptr<core::model>> by_name;
    {
        statement q(db, "SELECT name, title, kind, headline, published, source FROM models ORDER BY position");
        while (q.step()) {
            auto m = std::make_shared<core::model>();
            m->name = q.text(0);
            m->title = q.text(1);
            m->kind = core::model_kind_from(q.text_view(2)).value_or(core::model_kind::shares);
            m->headline = q.int64(3) != 0;
            m->published = q.text(4);
            m->source = q.text(5);
            m->seats.assign(ref.seat_count(), std::nullopt);
            by_name[m->name] = m;
            out.push_back(m);
        }
    }
    {
        statement q(db, "SELECT model, constituency, party, value FROM model_values ORDER BY model, constituency, party");
        while (q.step()) {
            auto& m = *by_name.at(q.text(0));
            auto seat = ref.find_ons(q.text_view(1));
            auto party = ref.parties.find_code(q.text_view(2));
            if (!seat || !party)
                continue; // a seat or party no longer in the reference data
            auto& f = m.seats[*seat];
            if (!f)
                f.emplace();
            if (m.kind == core::model_kind::pick)
                f->favourite = *party;
            else
                f->values.push_back({*party, q.real(3)});
            if (std::find(m.parties.begin(), m.parties.end(), *party) == m.parties.end())
                m.parties.push_back(*party);
        }
    }
    {
        statement q(db, "SELECT model, party, seats FROM model_national ORDER BY model, seats DESC");
        while (q.step())
            if (auto p = ref.parties.find_code(q.text_view(1)))
                by_name.at(q.text(0))->national_seats.emplace_back(*p, static_cast<int>(q.int64(2)));
    }
    for (auto& m : out)
        m->settle_favourites();
    return out;
}

} // namespace electd::storage
