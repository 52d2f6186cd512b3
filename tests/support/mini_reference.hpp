#pragma once
// A three-seat election built in code, for unit tests that want to work figures out by hand.
#include "core/reference.hpp"

#include <memory>

namespace electd::test {

// Seats: "E1" (baseline Con 500, Lab 300, LD 200; electorate 2000), "E2" (Lab 600, Con 400;
// electorate 1500), "E3" (no baseline; electorate unknown). Parties Con, Lab, LD, RUK, Oth;
// aliases "C" -> Con, "Brexit" -> RUK.
inline std::shared_ptr<core::reference_data> mini_reference()
{
    auto ref = std::make_shared<core::reference_data>();
    ref->info = {"Test election", "test", "2024-07-04", 1, "test notionals"};
    auto con = ref->parties.add({"Con", "Conservative", "#0087DC"});
    auto lab = ref->parties.add({"Lab", "Labour", "#E4003B"});
    auto ld = ref->parties.add({"LD", "Liberal Democrat", "#FAA61A"});
    ref->parties.add({"RUK", "Reform UK", "#12B6CF"});
    auto oth = ref->parties.add({"Oth", "Others", "#CCCCCC"});
    ref->others_lump = oth;
    ref->parties.add_alias("C", con);
    ref->parties.add_alias("Brexit", *ref->parties.find_code("RUK"));
    ref->add_constituency({"E1", 1, "Seat One", "Region A", "England", 2000},
                          core::baseline::from_votes({{con, 500}, {lab, 300}, {ld, 200}}, oth));
    ref->add_constituency({"E2", 2, "Seat Two", "Region A", "England", 1500},
                          core::baseline::from_votes({{lab, 600}, {con, 400}}, oth));
    ref->add_constituency({"E3", 3, "Seat Three", "Region B", "Wales", 0});
    return ref;
}

} // namespace electd::test
