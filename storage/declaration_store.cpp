#include "storage/declaration_store.hpp"

#include <stdexcept>

namespace electd::storage {
namespace {

constexpr char const* insert_declaration_sql = R"sql(
INSERT INTO declarations (seq, constituency, revision, kind, declared_at, declared_at_ms, received_at_ms,
    source, content_type, payload, electorate, invalid_votes, valid_votes, winner, runner_up,
    majority, majority_share, turnout, swing, gain, previous_winner, result_text, analysis_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23))sql";

constexpr char const* insert_candidate_sql =
    "INSERT INTO declaration_candidates (seq, position, name, party, votes, elected) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

constexpr char const* select_revisions_sql = R"sql(
SELECT d.seq, d.constituency, d.revision, d.kind, d.declared_at, d.received_at_ms,
       d.electorate, d.invalid_votes, c.name, c.party, c.votes, c.elected
FROM declarations d JOIN declaration_candidates c ON c.seq = d.seq
ORDER BY d.seq, c.position)sql";

} // namespace

declaration_writer::declaration_writer(connection& db)
    : insert_declaration_(db, insert_declaration_sql), insert_candidate_(db, insert_candidate_sql)
{
}

void declaration_writer::append(revision_row const& row, core::reference_data const& ref)
{
    auto const& d = *row.value;
    auto const& r = *row.result;
    auto code = [&](core::party_id p) { return std::string_view(ref.parties[p].code); };
    auto& s = insert_declaration_;
    s.bind(1, row.seq).bind(2, ref.seat(d.seat).ons_code).bind(3, d.revision);
    s.bind(4, d.kind == core::declaration_kind::rush ? "rush" : "result");
    s.bind(5, row.declared_at_text).bind(6, core::to_unix_ms(d.declared_at.utc)).bind(7, row.received_at_ms);
    s.bind(8, row.source).bind(9, row.content_type).bind_blob(10, row.payload);
    s.bind(11, d.electorate).bind(12, d.invalid_votes).bind(13, r.valid_votes).bind(14, code(r.winner));
    r.runner_up ? s.bind(15, code(*r.runner_up)) : s.bind_null(15);
    s.bind(16, r.majority).bind(17, r.majority_share).bind(18, r.turnout);
    r.swing_between_top_two ? s.bind(19, r.swing_between_top_two->points) : s.bind_null(19);
    s.bind(20, r.gain ? 1 : 0);
    r.previous_winner ? s.bind(21, code(*r.previous_winner)) : s.bind_null(21);
    s.bind(22, r.text);
    row.analysis_json.empty() ? s.bind_null(23) : s.bind(23, row.analysis_json);
    s.run();
    for (std::size_t i = 0; i < d.candidates.size(); ++i) {
        auto const& c = d.candidates[i];
        insert_candidate_.bind(1, row.seq).bind(2, static_cast<std::int64_t>(i)).bind(3, c.name)
            .bind(4, code(c.party)).bind(5, c.votes).bind(6, c.elected ? 1 : 0).run();
    }
}

void for_each_revision(connection& db, core::reference_data const& ref, std::function<void(stored_revision&&)> const& fn)
{
    statement q(db, select_revisions_sql);
    std::optional<stored_revision> pending;
    while (q.step()) {
        auto seq = q.int64(0);
        if (!pending || pending->seq != seq) {
            if (pending)
                fn(std::move(*pending));
            pending.emplace();
            pending->seq = seq;
            auto seat = ref.find_ons(q.text_view(1));
            if (!seat)
                throw std::runtime_error("declaration " + std::to_string(seq) + " names constituency "
                                         + q.text(1) + ", which the reference data lacks");
            auto& d = pending->value;
            d.seat = *seat;
            d.revision = static_cast<int>(q.int64(2));
            d.kind = q.text_view(3) == "rush" ? core::declaration_kind::rush : core::declaration_kind::result;
            auto when = core::parse_rfc3339(q.text_view(4));
            if (!when)
                throw std::runtime_error("declaration " + std::to_string(seq) + " has an unreadable declared_at");
            d.declared_at = *when;
            pending->received_at_ms = q.int64(5);
            d.electorate = q.optional_int64(6);
            d.invalid_votes = q.optional_int64(7);
        }
        auto party = ref.parties.find_code(q.text_view(9));
        if (!party)
            throw std::runtime_error("declaration " + std::to_string(seq) + " names party " + q.text(9)
                                     + ", which the database does not hold");
        pending->value.candidates.push_back({q.text(8), *party, q.int64(10), q.int64(11) != 0});
    }
    if (pending)
        fn(std::move(*pending));
}

std::int64_t last_declaration_seq(connection& db)
{
    statement q(db, "SELECT COALESCE(MAX(seq), 0) FROM declarations");
    q.step();
    return q.int64(0);
}

} // namespace electd::storage
