#pragma once
// Forecast models from files (a reference directory's models/: models.csv, one CSV per model,
// exit_poll_national.csv, scenarios.csv) and from the admin API's JSON. Pure.
#include "core/declaration.hpp"
#include "core/model.hpp"
#include "feeds/reference_csv.hpp"

#include <memory>
#include <vector>

namespace electd::feeds {

/// Reads models/models.csv and the files it lists, plus models/scenarios.csv (uniform-swing
/// scenarios computed from the baseline). Returns nothing if there is no models/models.csv.
/// Throws reference_error naming the file and line.
std::vector<std::shared_ptr<core::model>> read_models(file_source const& files, core::reference_data const& ref);

struct model_parse_result {
    std::shared_ptr<core::model> value; // set when problems is empty
    core::problem_list problems;
    std::optional<std::string> malformed;
};

/// The admin upload: {"title", "kind": "shares"|"probabilities"|"pick", "headline", "published",
/// "national": {"Lab": 410, ...}, "seats": {"E14001063": {"Con": 62, "Lab": 38} | "Lab", ...}}.
model_parse_result parse_model_json(std::string const& name, std::string_view body, core::reference_data const& ref);

/// A uniform-swing scenario from {"title", "changes": {"RUK": 10.6, "Con": -10.6}}.
model_parse_result parse_scenario_json(std::string const& name, std::string_view body, core::reference_data const& ref);

} // namespace electd::feeds
