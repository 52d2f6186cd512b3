#include "storage/reference_store.hpp"

#include <chrono>
#include <map>
#include <set>

namespace electd::storage {
namespace {

std::int64_t now_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::map<std::string, std::string> election_keys(core::reference_data const& ref)
{
    std::map<std::string, std::string> kv{{"name", ref.info.name},
                                          {"short_name", ref.info.short_name},
                                          {"date", ref.info.date},
                                          {"data_version", std::to_string(ref.info.data_version)},
                                          {"baseline", ref.info.baseline_name}};
    if (ref.others_lump)
        kv["others_party"] = ref.parties[*ref.others_lump].code;
    return kv;
}

} // namespace

std::optional<std::pair<std::string, int>> stored_reference_version(connection& db)
{
    statement q(db, "SELECT (SELECT value FROM election WHERE key = 'short_name'),"
                    "       (SELECT value FROM election WHERE key = 'data_version')");
    if (!q.step() || q.is_null(0))
        return std::nullopt;
    return std::make_pair(q.text(0), std::stoi(q.text(1)));
}

reference_outcome save_reference(connection& db, core::reference_data const& ref, std::string const& source)
{
    transaction tx(db);
    auto stored = stored_reference_version(db);
    if (stored && stored->first != ref.info.short_name)
        throw std::runtime_error("the database holds the election '" + stored->first + "', not '" + ref.info.short_name
                                 + "': use a new --db for a different election");
    if (stored && stored->second >= ref.info.data_version)
        return reference_outcome::already_current;

    std::set<std::string> codes;
    for (auto const& c : ref.constituencies())
        codes.insert(c.ons_code);
    {
        statement q(db, "SELECT DISTINCT constituency FROM declarations");
        while (q.step())
            if (!codes.contains(q.text(0)))
                throw std::runtime_error("reference data version " + std::to_string(ref.info.data_version)
                                         + " drops constituency " + q.text(0) + ", which already has declarations");
    }

    // Parties named by feeds on the night stay, after the reference's own.
    std::vector<std::pair<core::party, std::int64_t>> feed_parties;
    {
        statement q(db, "SELECT code, name, colour, registered_at FROM parties WHERE from_feed = 1 ORDER BY position");
        while (q.step())
            if (!ref.parties.find_code(q.text_view(0)))
                feed_parties.push_back({{q.text(0), q.text(1), q.text(2), true}, q.optional_int64(3).value_or(now_ms())});
    }
    db.exec("DELETE FROM nominations; DELETE FROM watchlist; DELETE FROM bellwethers; DELETE FROM notables;"
            "DELETE FROM baseline_votes; DELETE FROM party_aliases;"
            "DELETE FROM parties;"
            "DELETE FROM election;");
    statement party_ins(db, "INSERT INTO parties (code, position, name, colour, from_feed, registered_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    core::party_id pos = 0;
    for (auto const& p : ref.parties.all())
        party_ins.bind(1, p.code).bind(2, static_cast<std::int64_t>(pos++)).bind(3, p.name).bind(4, p.colour)
            .bind(5, 0).bind_null(6).run();
    for (auto const& [p, registered_at] : feed_parties)
        party_ins.bind(1, p.code).bind(2, static_cast<std::int64_t>(pos++)).bind(3, p.name).bind(4, p.colour)
            .bind(5, 1).bind(6, registered_at).run();

    statement alias_ins(db, "INSERT INTO party_aliases (alias, party) VALUES (?1, ?2)");
    for (auto const& [alias, id] : ref.parties.aliases())
        alias_ins.bind(1, alias).bind(2, ref.parties[id].code).run();

    statement seat_ins(db, "INSERT INTO constituencies (ons_code, position, pa_number, name, region, nation, electorate) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                           "ON CONFLICT (ons_code) DO UPDATE SET position = excluded.position, pa_number = excluded.pa_number,"
                           " name = excluded.name, region = excluded.region, nation = excluded.nation,"
                           " electorate = excluded.electorate");
    // Clear positions and PA numbers first: a new version may reorder seats.
    db.exec("UPDATE constituencies SET position = -rowid_position, pa_number = NULL FROM "
            "(SELECT ons_code AS c, row_number() OVER () AS rowid_position FROM constituencies) WHERE ons_code = c");
    statement base_ins(db, "INSERT INTO baseline_votes (constituency, party, votes) VALUES (?1, ?2, ?3)");
    for (core::seat_index i = 0; i < ref.seat_count(); ++i) {
        auto const& c = ref.seat(i);
        seat_ins.bind(1, c.ons_code).bind(2, static_cast<std::int64_t>(i));
        c.pa_number > 0 ? seat_ins.bind(3, c.pa_number) : seat_ins.bind_null(3);
        seat_ins.bind(4, c.name).bind(5, c.region).bind(6, c.nation);
        c.electorate > 0 ? seat_ins.bind(7, c.electorate) : seat_ins.bind_null(7);
        seat_ins.run();
        for (auto const& v : ref.baseline_of(i).votes())
            base_ins.bind(1, c.ons_code).bind(2, ref.parties[v.party].code).bind(3, v.votes).run();
    }
    {
        statement del(db, "DELETE FROM constituencies WHERE position < 0");
        del.run();
    }

    save_watchlist(db, ref);

    statement bell_ins(db, "INSERT INTO bellwethers (constituency, position, note) VALUES (?1, ?2, ?3)");
    int bpos = 0;
    for (auto const& b : ref.bellwethers())
        bell_ins.bind(1, ref.seat(b.seat).ons_code).bind(2, bpos++).bind(3, b.note).run();
    statement notable_ins(db, "INSERT INTO notables (constituency, name, note, critical) VALUES (?1, ?2, ?3, ?4)");
    for (auto const& n : ref.notables())
        notable_ins.bind(1, ref.seat(n.seat).ons_code).bind(2, n.name).bind(3, n.note).bind(4, n.critical ? 1 : 0).run();

    statement nom_ins(db, "INSERT INTO nominations (constituency, name, party, sitting_mp) VALUES (?1, ?2, ?3, ?4)");
    for (auto const& n : ref.nominations())
        nom_ins.bind(1, ref.seat(n.seat).ons_code).bind(2, n.name).bind(3, ref.parties[n.party].code)
            .bind(4, n.sitting_mp ? 1 : 0).run();

    statement kv_ins(db, "INSERT INTO election (key, value) VALUES (?1, ?2)");
    for (auto const& [k, v] : election_keys(ref))
        kv_ins.bind(1, k).bind(2, v).run();

    statement ver_ins(db, "INSERT INTO reference_versions (data_version, short_name, source, applied_at) "
                          "VALUES (?1, ?2, ?3, ?4)");
    ver_ins.bind(1, ref.info.data_version).bind(2, ref.info.short_name).bind(3, source).bind(4, now_ms()).run();
    tx.commit();
    return stored ? reference_outcome::upgraded : reference_outcome::loaded;
}

std::shared_ptr<core::reference_data> load_reference(connection& db)
{
    std::map<std::string, std::string> kv;
    {
        statement q(db, "SELECT key, value FROM election");
        while (q.step())
            kv[q.text(0)] = q.text(1);
    }
    if (kv.empty())
        return nullptr;
    auto ref = std::make_shared<core::reference_data>();
    ref->info.name = kv["name"];
    ref->info.short_name = kv["short_name"];
    ref->info.date = kv["date"];
    ref->info.data_version = std::stoi(kv["data_version"]);
    ref->info.baseline_name = kv["baseline"];
    {
        statement q(db, "SELECT code, name, colour, from_feed FROM parties ORDER BY position");
        while (q.step())
            ref->parties.add({q.text(0), q.text(1), q.text(2), q.int64(3) != 0});
    }
    if (auto it = kv.find("others_party"); it != kv.end())
        ref->others_lump = ref->parties.find_code(it->second);
    {
        statement q(db, "SELECT alias, party FROM party_aliases");
        while (q.step())
            ref->parties.add_alias(q.text_view(0), *ref->parties.find_code(q.text_view(1)));
    }
    {
        statement q(db, "SELECT ons_code, pa_number, name, region, nation, electorate FROM constituencies ORDER BY position");
        while (q.step())
            ref->add_constituency({q.text(0), static_cast<int>(q.optional_int64(1).value_or(0)), q.text(2), q.text(3),
                                   q.text(4), q.optional_int64(5).value_or(0)});
    }
    {
        std::vector<std::vector<core::party_votes>> votes(ref->seat_count());
        statement q(db, "SELECT constituency, party, votes FROM baseline_votes");
        while (q.step())
            votes[*ref->find_ons(q.text_view(0))].push_back({*ref->parties.find_code(q.text_view(1)), q.int64(2)});
        for (core::seat_index i = 0; i < votes.size(); ++i) {
            auto b = core::baseline::from_votes(std::move(votes[i]), ref->others_lump);
            // Seats learnt from a feed keep the holder the feed named (PA's sittingParty).
            if (auto h = kv.find("holder:" + ref->seat(i).ons_code); h != kv.end())
                if (auto p = ref->parties.find_code(h->second))
                    b.set_holder(*p);
            ref->set_baseline(i, std::move(b));
        }
    }
    {
        statement q(db, "SELECT constituency, note FROM watchlist ORDER BY position");
        while (q.step())
            ref->add_watch({*ref->find_ons(q.text_view(0)), q.text(1)});
    }
    {
        statement q(db, "SELECT constituency, note FROM bellwethers ORDER BY position");
        while (q.step())
            ref->add_bellwether({*ref->find_ons(q.text_view(0)), q.text(1)});
    }
    {
        statement q(db, "SELECT constituency, name, note, critical FROM notables ORDER BY constituency, name");
        while (q.step())
            ref->add_notable({*ref->find_ons(q.text_view(0)), q.text(1), q.text(2), q.int64(3) != 0});
    }
    {
        statement q(db, "SELECT constituency, name, party, sitting_mp FROM nominations ORDER BY rowid");
        while (q.step())
            ref->add_nomination({*ref->find_ons(q.text_view(0)), q.text(1), *ref->parties.find_code(q.text_view(2)),
                                 q.int64(3) != 0});
    }
    return ref;
}

void save_watchlist(connection& db, core::reference_data const& ref)
{
    db.exec("DELETE FROM watchlist");
    statement ins(db, "INSERT INTO watchlist (constituency, position, note) VALUES (?1, ?2, ?3)");
    int position = 0;
    for (auto const& w : ref.watchlist())
        ins.bind(1, ref.seat(w.seat).ons_code).bind(2, position++).bind(3, w.note).run();
}

void insert_feed_party(connection& db, core::party const& p, core::party_id position, std::int64_t registered_at_ms)
{
    statement ins(db, "INSERT INTO parties (code, position, name, colour, from_feed, registered_at) "
                      "VALUES (?1, ?2, ?3, ?4, 1, ?5)");
    ins.bind(1, p.code).bind(2, static_cast<std::int64_t>(position)).bind(3, p.name).bind(4, p.colour)
        .bind(5, registered_at_ms).run();
}

} // namespace electd::storage

namespace electd::storage {

void insert_feed_constituency(connection& db, core::reference_data const& ref, core::seat_index i)
{
    auto const& c = ref.seat(i);
    statement ins(db, "INSERT INTO constituencies (ons_code, position, pa_number, name, region, nation, electorate) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    ins.bind(1, c.ons_code).bind(2, static_cast<std::int64_t>(i));
    c.pa_number > 0 ? ins.bind(3, c.pa_number) : ins.bind_null(3);
    ins.bind(4, c.name).bind(5, c.region).bind(6, c.nation);
    c.electorate > 0 ? ins.bind(7, c.electorate) : ins.bind_null(7);
    ins.run();
    statement base(db, "INSERT INTO baseline_votes (constituency, party, votes) VALUES (?1, ?2, ?3)");
    for (auto const& v : ref.baseline_of(i).votes())
        base.bind(1, c.ons_code).bind(2, ref.parties[v.party].code).bind(3, v.votes).run();
    if (auto holder = ref.baseline_of(i).winner()) {
        statement h(db, "INSERT INTO election (key, value) VALUES (?1, ?2) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        h.bind(1, "holder:" + c.ons_code).bind(2, ref.parties[*holder].code).run();
    }
}

void ensure_open_election(connection& db, std::string const& name)
{
    auto stored = stored_reference_version(db);
    if (stored && stored->first != "open")
        throw std::runtime_error("the database holds the election '" + stored->first
                                 + "'; an election run from the feed (--open-election) needs a new --db");
    if (stored)
        return;
    core::reference_data ref;
    ref.info = {name, "open", "", 1, "the previous election, as the feed gives it"};
    save_reference(db, ref, "feed");
}

} // namespace electd::storage
