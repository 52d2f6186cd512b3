#include "feeds/pa_xml.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

using namespace electd;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// A handful of PA's own files, copied from the shared sample set (FEEDS.md) so that a clean
// clone can run them.
std::string const samples = ELECTD_SOURCE_DIR "/tests/feeds/pa_samples/";

std::string read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

feeds::pa_parse_result parse_sample(std::string const& name)
{
    auto r = feeds::parse_pa_xml(read_file(samples + name));
    INFO(name << ": " << r.error);
    REQUIRE(r.error.empty());
    REQUIRE(r.message);
    CHECK(r.warnings.empty());
    return r;
}

feeds::pa_result sample_result(std::string const& name)
{
    auto r = parse_sample(name);
    REQUIRE(std::holds_alternative<feeds::pa_result>(*r.message));
    return std::get<feeds::pa_result>(*r.message);
}

feeds::pa_state_of_parties sample_sop(std::string const& name)
{
    auto r = parse_sample(name);
    REQUIRE(std::holds_alternative<feeds::pa_state_of_parties>(*r.message));
    return std::get<feeds::pa_state_of_parties>(*r.message);
}

// A result with one candidate; `seat` and `party` are spliced into the attributes.
std::string one_candidate_result(std::string const& seat = R"(number="7" name="Seat")",
                                 std::string const& party = R"(votes="100")")
{
    return R"(<FirstPastThePostResult revision="1"><Election name="E" date="2026-05-06" type="S">)"
           "<Constituency " +
           seat + R"(><Candidate elected="*" firstName="A" surname="B"><Party abbreviation="Lab" )" + party +
           "/></Candidate></Constituency></Election></FirstPastThePostResult>";
}

feeds::pa_result parse_result(std::string const& xml)
{
    auto r = feeds::parse_pa_xml(xml);
    INFO(r.error);
    REQUIRE(r.error.empty());
    REQUIRE(std::holds_alternative<feeds::pa_result>(*r.message));
    return std::get<feeds::pa_result>(*r.message);
}

std::string error_of(std::string const& xml)
{
    auto r = feeds::parse_pa_xml(xml);
    CHECK_FALSE(r.message);
    CHECK_FALSE(r.error.empty());
    return r.error;
}

} // namespace

TEST_CASE("PA result: Aberdeen Central, revision 1, with its previous election", "[feeds][pa]")
{
    auto m = sample_result("Test_Scottish_Parliament_result_Aberdeen_Central_1.xml");
    CHECK_FALSE(m.rush);
    CHECK(m.revision == 1);
    CHECK(m.declaration_time == "2026-04-01T11:24:37+00:00");
    CHECK(m.election.name == "Scottish Parliament Test");
    CHECK(m.election.date == "2026-05-06");
    CHECK(m.election.type == "S");

    auto const& c = m.constituency;
    CHECK(c.number == 1);
    CHECK(c.name == "Aberdeen Central");
    CHECK(c.electorate == 56817);
    CHECK(c.turnout == 36931);
    CHECK(c.percentage_turnout == Approx(65.00));
    CHECK(c.percentage_change_turnout == Approx(9.32)); // written "+9.32"
    CHECK(c.winning_party == "Reform");
    CHECK(c.sitting_party == "SNP");
    CHECK(c.gain_or_hold == "gain");
    CHECK(c.majority == 5059);
    CHECK(c.percentage_majority == Approx(13.70));
    CHECK(c.percentage_change_majority == Approx(-7.14));
    CHECK_FALSE(c.swing); // the one result without a swing
    CHECK(c.swing_to.empty());

    REQUIRE(c.candidates.size() == 6);
    auto const& winner = c.candidates[0];
    CHECK(winner.elected);
    CHECK(winner.first_name == "Keith");
    CHECK(winner.surname == "Williams Test");
    CHECK(winner.ballot_name == "Williams Test, Keith");
    CHECK(winner.pa_id == 301018);
    CHECK(winner.party.abbreviation == "Reform");
    CHECK(winner.party.name == "Reform UK");
    CHECK(winner.party.pa_id == 13813);
    CHECK(winner.votes == 12368);
    CHECK(winner.share == Approx(33.49));
    CHECK_FALSE(winner.share_change); // a new party has no change
    CHECK(c.candidates[1].share_change == Approx(-4.30));
    CHECK(c.candidates[3].previous_sitting_member);
    CHECK_FALSE(c.candidates[3].elected);
    CHECK(std::count_if(c.candidates.begin(), c.candidates.end(), [](auto const& x) { return x.elected; }) == 1);
    auto votes = std::accumulate(c.candidates.begin(), c.candidates.end(), std::int64_t{0},
                                 [](std::int64_t s, auto const& x) { return s + *x.votes; });
    CHECK(votes == *c.turnout);

    REQUIRE(m.previous_election);
    CHECK(m.previous_election->name == "Scottish Parliament");
    CHECK(m.previous_election->date == "2021-05-06");
    REQUIRE(m.previous);
    CHECK(m.previous->winning_party == "SNP");
    CHECK(m.previous->majority == 6594);
    CHECK_FALSE(m.previous->electorate);
    REQUIRE(m.previous->candidates.size() == 5);
    CHECK(m.previous->candidates[0].surname == "Stewart");
    CHECK(m.previous->candidates[0].sex == "M");
    CHECK(m.previous->candidates[0].party.abbreviation == "SNP");
    CHECK(m.previous->candidates[0].votes == 14217);
    CHECK_FALSE(m.previous_notional_election);
    CHECK_FALSE(m.previous_notional);
}

TEST_CASE("PA result revisions 2 and 3, and notional baselines", "[feeds][pa]")
{
    auto inverclyde = sample_result("Test_Scottish_Parliament_result_Inverclyde_2.xml");
    CHECK(inverclyde.revision == 2);
    CHECK(inverclyde.constituency.number == 52);
    CHECK(inverclyde.constituency.turnout == 35332);
    CHECK(inverclyde.constituency.swing == Approx(10.40));
    CHECK(inverclyde.constituency.swing_to == "Lab");
    CHECK(inverclyde.constituency.swing_from == "SNP");
    CHECK(inverclyde.constituency.percentage_boundary_change == Approx(6.20));
    CHECK(inverclyde.constituency.candidates.size() == 6);
    CHECK_FALSE(inverclyde.previous_election);
    REQUIRE(inverclyde.previous_notional_election);
    CHECK(inverclyde.previous_notional_election->date == "2021-05-06");
    REQUIRE(inverclyde.previous_notional);
    CHECK(inverclyde.previous_notional->majority == 9406);
    REQUIRE(inverclyde.previous_notional->candidates.size() == 8);
    CHECK(inverclyde.previous_notional->candidates[0].party.abbreviation == "SNP");
    CHECK(inverclyde.previous_notional->candidates[0].votes == 18659);

    auto banff = sample_result("Test_Scottish_Parliament_result_Banffshire_Buchan_Coast_3.xml");
    CHECK(banff.revision == 3);
    CHECK(banff.declaration_time == "2026-04-01T12:40:00+00:00");
    CHECK(banff.constituency.name == "Banffshire & Buchan Coast"); // &amp; decoded
    CHECK(banff.constituency.gain_or_hold == "hold");
    REQUIRE(banff.previous_notional);
    CHECK(banff.previous_notional->winning_party == "C");
    CHECK(banff.previous_notional->majority == 338);
    REQUIRE(banff.previous_notional->candidates.size() == 8);
    auto const& first = banff.previous_notional->candidates[0];
    CHECK(first.surname.empty());
    CHECK(first.party.abbreviation == "C");
    CHECK(first.votes == 13923);
    CHECK(first.share == Approx(39.82));
    CHECK(banff.previous_notional->candidates[3].party.name == "Others");
}

TEST_CASE("PA result after a by-election: the first PreviousElection is the baseline", "[feeds][pa]")
{
    auto m = sample_result("Test_Scottish_Parliament_result_Hamilton_Larkhall_Stonehouse_1.xml");
    CHECK(m.constituency.name == "Hamilton, Larkhall & Stonehouse");
    CHECK(m.constituency.sitting_party == "SNP"); // PA compares with 2021, not the by-election Labour won
    REQUIRE(m.previous_election);
    CHECK(m.previous_election->type == "S"); // not the by-election ("B")
    CHECK(m.previous_election->date == "2021-05-06");
    REQUIRE(m.previous);
    CHECK(m.previous->winning_party == "SNP");
    REQUIRE(m.previous->candidates.size() == 4);
    CHECK(m.previous->candidates[0].sex == "F");
    CHECK(m.previous->candidates[0].votes == 16761);
    REQUIRE_FALSE(m.constituency.candidates.empty());
    auto const& winner = m.constituency.candidates[0];
    CHECK(winner.elected);
    CHECK(winner.previous_sitting_member); // marked "+"
}

TEST_CASE("PA rush: the winner flash, without votes", "[feeds][pa]")
{
    auto m = sample_result("Test_Scottish_Parliament_rush_Aberdeen_Central_1.xml");
    CHECK(m.rush);
    CHECK(m.revision == 1);
    CHECK_FALSE(m.declaration_time);
    auto const& c = m.constituency;
    CHECK(c.number == 1);
    CHECK(c.winning_party == "Reform");
    CHECK(c.winning_party_name == "Reform UK");
    CHECK(c.sitting_party == "SNP");
    CHECK(c.sitting_party_name == "Scottish National Party");
    CHECK(c.gain_or_hold == "gain");
    CHECK(c.change == true);
    CHECK(c.pa_style_text == "Reform UK gain from Scottish National Party in Aberdeen Central");
    CHECK(c.electorate == 56817);
    CHECK_FALSE(c.turnout);
    REQUIRE(c.candidates.size() == 6);
    for (auto const& x : c.candidates)
        CHECK_FALSE(x.votes);
    CHECK(c.candidates[5].elected);
    CHECK(c.candidates[5].party.abbreviation == "Reform");
    CHECK_FALSE(m.previous_election);

    auto correction = sample_result("Test_Scottish_Parliament_rush_Banffshire_Buchan_Coast_2.xml");
    CHECK(correction.rush);
    CHECK(correction.revision == 2);
    CHECK(correction.constituency.change == false);
    CHECK_THAT(correction.constituency.pa_style_text, StartsWith("Correction: "));
}

TEST_CASE("PA state of parties: the last Scottish SOP and a Westminster one", "[feeds][pa]")
{
    auto s = sample_sop("Test_Scottish_Parliament_SOP_73.xml");
    CHECK(s.number_of_results == 73);
    CHECK(s.total_constituencies == 73);
    CHECK(s.total_votes == 2736304);
    CHECK(s.election.type == "S");
    CHECK(s.forecast_winning_party.empty());
    CHECK_FALSE(s.forecast_majority);
    REQUIRE(s.parties.size() == 12);
    auto const& snp = s.parties[0];
    CHECK(snp.party.abbreviation == "SNP");
    CHECK(snp.seats == 31);
    CHECK(snp.gains == 0); // omitted in the XML
    CHECK(snp.losses == 32);
    CHECK(snp.votes == 902246);
    CHECK(snp.share == Approx(32.97));
    CHECK(snp.share_change == Approx(-11.44));
    CHECK_FALSE(snp.forecast_seats);
    CHECK(s.parties[11].party.pa_id == -9999); // PA's "Others"
    CHECK(s.parties[11].party.name == "Others");
    CHECK_FALSE(s.parties[11].share_change);
    auto seats = std::accumulate(s.parties.begin(), s.parties.end(), 0,
                                 [](int n, auto const& p) { return n + p.seats; });
    CHECK(seats == 73);
    CHECK(s.constituencies.size() == 73);

    auto ge = sample_sop("Test_General_Election_SOP_650.xml");
    CHECK(ge.number_of_results == 650);
    CHECK(ge.total_votes == 29080946);
    CHECK(ge.forecast_winning_party == "No overall majority");
    CHECK_THAT(ge.note, StartsWith("Votes cast for the Speaker at Buckingham"));
    CHECK(ge.election.name == "Test General Election");
    CHECK(ge.election.date == "2015-05-06");
    CHECK(ge.election.type == "G");
    REQUIRE(ge.parties.size() >= 2);
    CHECK(ge.parties[0].party.abbreviation == "Lab");
    CHECK(ge.parties[0].seats == 285);
    CHECK(ge.parties[0].gains == 160);
    CHECK(ge.parties[0].losses == 132);
    CHECK(ge.parties[0].share_change == Approx(7.99));
    REQUIRE(ge.constituencies.size() == 650);
    CHECK(ge.constituencies.back() == std::pair<int, std::string>{650, "Yorkshire East"});
    CHECK(ge.constituencies[636].second == "Worsley & Eccles South");
}

TEST_CASE("Every copied PA sample parses cleanly and agrees with its file name", "[feeds][pa]")
{
    int files = 0;
    for (auto const& entry : std::filesystem::directory_iterator(samples)) {
        auto name = entry.path().filename().string();
        INFO(name);
        auto r = parse_sample(name);
        auto file = feeds::parse_pa_file_name(name);
        REQUIRE(file);
        CHECK(file->test);
        if (auto const* m = std::get_if<feeds::pa_result>(&*r.message)) {
            CHECK(file->kind == (m->rush ? "rush" : "result"));
            CHECK(file->number == m->revision);
        } else {
            auto const& s = std::get<feeds::pa_state_of_parties>(*r.message);
            CHECK(file->kind == "SOP");
            CHECK(file->number == s.number_of_results);
            CHECK(s.constituencies.size() == static_cast<std::size_t>(s.number_of_results));
        }
        ++files;
    }
    CHECK(files == 8);
}

TEST_CASE("PA recount: a flag for a seat, in either shape", "[feeds][pa]")
{
    auto r = feeds::parse_pa_xml(R"(<?xml version="1.0"?>
        <Recount revision="2" declarationTime="2026-05-07T03:10:00+01:00">
          <Election name="Scottish Parliament" date="2026-05-06" type="S">
            <Constituency number="52" name="Inverclyde"/>
          </Election>
        </Recount>)");
    INFO(r.error);
    REQUIRE(r.message);
    auto const& m = std::get<feeds::pa_recount>(*r.message);
    CHECK(m.revision == 2);
    CHECK(m.number == 52);
    CHECK(m.name == "Inverclyde");
    CHECK(m.election.type == "S");
    CHECK(m.declaration_time == "2026-05-07T03:10:00+01:00");
    CHECK(r.warnings.empty());

    auto flat = feeds::parse_pa_xml(
        R"(<FirstPastThePostRecount><Constituency number="9" name="Ayr"/></FirstPastThePostRecount>)");
    REQUIRE(flat.message);
    CHECK(std::get<feeds::pa_recount>(*flat.message).number == 9);
    CHECK(std::get<feeds::pa_recount>(*flat.message).revision == 1);

    CHECK_THAT(error_of(R"(<Recount><Election name="E"/></Recount>)"), Contains("Constituency is required"));
    CHECK_THAT(error_of(R"(<Recount><Constituency name="Ayr"/></Recount>)"), Contains("@number: is required"));
}

TEST_CASE("Malformed, empty, oversized and foreign input is refused with a reason", "[feeds][pa]")
{
    CHECK_THAT(error_of(""), Contains("empty"));
    CHECK_THAT(error_of(" \n\t"), Contains("empty"));
    CHECK_THAT(error_of("<FirstPastThePostResult revision=\"1\">\n  <Election name=\"E\">\n"),
               StartsWith("malformed XML at line 2"));
    CHECK_THAT(error_of("<FirstPastThePostResult revision=\"1>"), StartsWith("malformed XML"));
    CHECK_THAT(error_of("not xml at all"), StartsWith("malformed XML"));
    CHECK_THAT(error_of("<?xml version=\"1.0\"?><!-- only a comment -->"), StartsWith("malformed XML"));
    CHECK_THAT(error_of("<a/><b/>"), Contains("more than one root element"));
    CHECK_THAT(error_of("<Declaration/>"), Contains("unknown root element 'Declaration'"));
    CHECK_THAT(error_of("<Foo\x01/>"), StartsWith("malformed XML"));

    // Bigger than any PA message: refused before parsing.
    std::string huge = one_candidate_result();
    huge += std::string(feeds::pa_max_bytes, ' ');
    CHECK_THAT(error_of(huge), Contains("more than the 4194304"));
    // Just under the limit is fine.
    std::string big = one_candidate_result();
    big += std::string(feeds::pa_max_bytes - big.size(), '\n');
    CHECK(feeds::parse_pa_xml(big).message);
}

TEST_CASE("Required parts of a PA message", "[feeds][pa]")
{
    CHECK_THAT(error_of("<FirstPastThePostResult/>"), Contains("an Election is required"));
    CHECK_THAT(error_of(R"(<FirstPastThePostRush><Election/></FirstPastThePostRush>)"),
               Contains("a Constituency is required"));
    CHECK_THAT(error_of(one_candidate_result(R"(name="Seat")")),
               Contains("FirstPastThePostResult/Election/Constituency@number: is required"));
    CHECK_THAT(error_of(one_candidate_result(R"(number="" name="Seat")")), Contains("@number: is empty"));
    CHECK_THAT(error_of(one_candidate_result(R"(number="seven")")), Contains("must be a whole number, not \"seven\""));
    CHECK_THAT(error_of(one_candidate_result(R"(number="0")")), Contains("must be between 1 and"));
    CHECK_THAT(error_of(one_candidate_result(R"(number="7.5")")), Contains("whole number"));
    CHECK_THAT(error_of(one_candidate_result(R"(number="99999999999999999999")")), Contains("must be between"));

    // A result's candidates need votes; a rush's do not.
    CHECK_THAT(error_of(one_candidate_result(R"(number="7")", "")),
               Contains("Constituency/Candidate[1]/Party@votes: is required"));
    CHECK_THAT(error_of(one_candidate_result(R"(number="7")", R"(votes="12,368")")),
               Contains("Candidate[1]/Party@votes: must be a whole number, not \"12,368\""));
    CHECK_THAT(error_of(one_candidate_result(R"(number="7")", R"(votes="-5")")), Contains("must be between 0"));
    CHECK_THAT(error_of(R"(<FirstPastThePostResult><Election><Constituency number="1"><Candidate surname="X"/>)"
                        R"(</Constituency></Election></FirstPastThePostResult>)"),
               Contains("Candidate[1]: a candidate in a result needs a Party"));
    auto rush = feeds::parse_pa_xml(R"(<FirstPastThePostRush revision="1"><Election><Constituency number="1">)"
                                    R"(<Candidate elected="*"><Party abbreviation="Lab"/></Candidate><Candidate/>)"
                                    R"(</Constituency></Election></FirstPastThePostRush>)");
    INFO(rush.error);
    REQUIRE(rush.message);
    CHECK(std::get<feeds::pa_result>(*rush.message).constituency.candidates.size() == 2);

    CHECK_THAT(error_of(R"(<FirstPastThePostStateOfParties totalNumberOfConstituencies="650"><Election/>)"
                        R"(</FirstPastThePostStateOfParties>)"),
               Contains("@numberOfResults: is required"));
    CHECK_THAT(error_of(R"(<FirstPastThePostStateOfParties numberOfResults="1" totalNumberOfConstituencies="650">)"
                        R"(<Election/><Parties><Party abbreviation="Lab" totalSeats="many"/></Parties>)"
                        R"(</FirstPastThePostStateOfParties>)"),
               Contains("Parties/Party[1]@totalSeats: must be a whole number"));
    CHECK_THAT(error_of(R"(<FirstPastThePostResult revision="0"><Election/></FirstPastThePostResult>)"),
               Contains("@revision: must be between 1"));
}

TEST_CASE("Numbers: signs, blanks and non-numbers", "[feeds][pa]")
{
    auto m = parse_result(one_candidate_result(
        R"(number=" 7 " swing="+12.05" percentageMajority="-3" percentageTurnout="" majority="+1392")",
        R"(votes="100" percentageShare="100.00" percentageShareChange="+0.5")"));
    CHECK(m.constituency.number == 7);
    CHECK(m.constituency.swing == Approx(12.05));
    CHECK(m.constituency.percentage_majority == Approx(-3.0));
    CHECK_FALSE(m.constituency.percentage_turnout); // blank reads as absent
    CHECK(m.constituency.majority == 1392);
    CHECK(m.constituency.candidates[0].share_change == Approx(0.5));

    // Figures beyond any election are garbled, and would overflow sums later.
    CHECK_THAT(error_of(one_candidate_result(R"(number="7")", R"(votes="1000000000001")")),
               Contains("@votes: must be between 0 and 1000000000000"));
    CHECK_THAT(error_of(one_candidate_result(R"(number="7")", R"(votes="100" percentageShare=")" +
                                             std::string(100, '7') + ".13\"")),
               Contains("@percentageShare: must be between -1000 and 1000"));
    CHECK_THAT(error_of(one_candidate_result(R"(number="1000001")")), Contains("must be between 1 and 1000000"));
    CHECK(parse_result(one_candidate_result(R"(number="7" swing="-999.99")")).constituency.swing == Approx(-999.99));

    for (auto bad : {"++1", "+-1", "-+1", "+", "1e3", "inf", "nan", "-nan", "0x10", "1.2.3", "12%", "1 2"}) {
        INFO(bad);
        CHECK_THAT(error_of(one_candidate_result(std::string(R"(number="7" swing=")") + bad + "\"")),
                   Contains("@swing: must be a number"));
    }
}

TEST_CASE("Unknown elements and attributes are ignored with a warning, a few at most", "[feeds][pa]")
{
    auto r = feeds::parse_pa_xml(R"(<FirstPastThePostResult revision="1" source="PA">
        <Election name="E"><Constituency number="7" colour="red">
          <Candidate mood="happy"><Party abbreviation="Lab" votes="10"/><Photo/></Candidate>
          <Candidate mood="sad"><Party abbreviation="C" votes="5"/></Candidate>
          <Party abbreviation="LD" votes="1"/>
        </Constituency></Election>
        <Commentary>text</Commentary>
      </FirstPastThePostResult>)");
    INFO(r.error);
    REQUIRE(r.message);
    CHECK(std::get<feeds::pa_result>(*r.message).constituency.candidates.size() == 2);
    REQUIRE(r.warnings.size() == 6); // "mood" twice is one warning; the sixth is counted, not shown
    CHECK_THAT(r.warnings[0], Contains("unknown attribute 'source' on FirstPastThePostResult ignored"));
    auto all = std::accumulate(r.warnings.begin(), r.warnings.end(), std::string(),
                               [](auto a, auto const& b) { return a + b + "\n"; });
    CHECK_THAT(all, Contains("unknown element 'Commentary' in FirstPastThePostResult ignored"));
    CHECK_THAT(all, Contains("'colour' on FirstPastThePostResult/Election/Constituency"));
    CHECK_THAT(all, Contains("'mood' on FirstPastThePostResult/Election/Constituency/Candidate ignored"));
    // Party totals without a candidate belong to a notional baseline, not to this election.
    CHECK_THAT(all, Contains("unknown element 'Party' in FirstPastThePostResult/Election/Constituency ignored"));
    CHECK(r.warnings.back() == "and 1 more warning(s)"); // <Photo/>

    std::string many = "<FirstPastThePostRecount";
    for (int i = 0; i < 12; ++i)
        many += " extra" + std::to_string(i) + "=\"x\"";
    many += R"(><Constituency number="1"/></FirstPastThePostRecount>)";
    auto capped = feeds::parse_pa_xml(many);
    REQUIRE(capped.message);
    REQUIRE(capped.warnings.size() == feeds::pa_max_warnings + 1);
    CHECK(capped.warnings.back() == "and 7 more warning(s)");
}

TEST_CASE("A broken baseline is a warning, not a refusal", "[feeds][pa]")
{
    auto r = feeds::parse_pa_xml(R"(<FirstPastThePostResult revision="1">
        <Election name="E"><Constituency number="7">
          <Candidate><Party abbreviation="Lab" votes="10"/></Candidate>
        </Constituency></Election>
        <PreviousElection name="Old"><Constituency number="x">
          <Candidate><Party abbreviation="Lab" votes="lots"/></Candidate>
        </Constituency></PreviousElection>
      </FirstPastThePostResult>)");
    INFO(r.error);
    REQUIRE(r.message);
    auto const& m = std::get<feeds::pa_result>(*r.message);
    REQUIRE(m.previous);
    CHECK(m.previous->number == 0);
    REQUIRE(m.previous->candidates.size() == 1);
    CHECK_FALSE(m.previous->candidates[0].votes);
    REQUIRE(r.warnings.size() == 2);
    CHECK_THAT(r.warnings[0], Contains("PreviousElection/Constituency@number must be a whole number"));
    CHECK_THAT(r.warnings[1], Contains("Candidate[1]/Party@votes must be a whole number, not \"lots\" (ignored)"));
}

TEST_CASE("Entities stay inert; encodings are converted; invalid UTF-8 is refused", "[feeds][pa]")
{
    // No DTD is read and no external entity fetched: the reference stays as text.
    auto r = feeds::parse_pa_xml(R"(<?xml version="1.0"?>
        <!DOCTYPE Recount [ <!ENTITY x SYSTEM "file:///etc/passwd"> <!ENTITY y "&x;&x;&x;&x;"> ]>
        <Recount><Constituency number="3" name="&y;&#65;&amp;"/></Recount>)");
    INFO(r.error);
    REQUIRE(r.message);
    CHECK(std::get<feeds::pa_recount>(*r.message).name == "&y;A&");

    auto latin1 = feeds::parse_pa_xml("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                                      "<Recount><Constituency number=\"647\" name=\"Ynys M\xF4n\"/></Recount>");
    INFO(latin1.error);
    REQUIRE(latin1.message);
    CHECK(std::get<feeds::pa_recount>(*latin1.message).name == "Ynys M\xC3\xB4n");

    auto bad = error_of("<Recount><Constituency number=\"647\" name=\"Ynys M\xF4n\"/></Recount>");
    CHECK_THAT(bad, Contains("@name: is not valid UTF-8: \"Ynys M\\xf4n\""));
}

TEST_CASE("PA file names", "[feeds][pa]")
{
    auto r = feeds::parse_pa_file_name("Test_Snap_General_Election_result_Derby_North_2.xml");
    REQUIRE(r);
    CHECK(r->test);
    CHECK(r->kind == "result");
    CHECK(r->number == 2);
    CHECK(r->election == "Snap_General_Election");
    CHECK(r->constituency == "Derby_North");

    r = feeds::parse_pa_file_name("/srv/pa/live/Snap_General_Election_rush_Ynys_Mon_1.xml");
    REQUIRE(r);
    CHECK_FALSE(r->test);
    CHECK(r->kind == "rush");
    CHECK(r->constituency == "Ynys_Mon");

    r = feeds::parse_pa_file_name("Test_General_Election_SOP_650.xml");
    REQUIRE(r);
    CHECK(r->kind == "SOP");
    CHECK(r->number == 650);
    CHECK(r->election == "General_Election");
    CHECK(r->constituency.empty());

    r = feeds::parse_pa_file_name("Snap_General_Election_recount_Hendon.xml");
    REQUIRE(r);
    CHECK(r->kind == "recount");
    CHECK_FALSE(r->number);
    CHECK(r->constituency == "Hendon");

    for (auto bad : {"", ".timestamp", "Test_General_Election_SOP_650.json", "notes.xml", "Test_result_Derby_1.xml",
                     "General_Election_result_2.xml", "General_Election_SOP_Derby_2.xml", ".xml", "Test_.xml"}) {
        INFO(bad);
        CHECK_FALSE(feeds::parse_pa_file_name(bad));
    }
}
