#include "daemon/hub.hpp"

#include "core/json_views.hpp"
#include "support/log.hpp"

#include <boost/asio/post.hpp>

namespace electd::daemon {
namespace asio = boost::asio;

namespace {

shared_text freeze(std::string&& s)
{
    return std::make_shared<std::string const>(std::move(s));
}

// The seat-level facts a result filter looks at.
struct result_facts {
    std::string ons, region;
    bool watched = false;
    std::vector<std::string> parties;
};

result_facts facts_of(seat_view const& s, core::reference_data const& ref)
{
    result_facts f;
    auto const& c = ref.seat(s.seat());
    f.ons = c.ons_code;
    f.region = c.region;
    for (auto const& w : ref.watchlist())
        f.watched = f.watched || w.seat == s.seat();
    if (auto const& r = s.result()) {
        f.parties.push_back(ref.parties[r->winner].code);
        if (r->previous_winner)
            f.parties.push_back(ref.parties[*r->previous_winner].code);
    }
    return f;
}

} // namespace

shared_text hub::alert_message(alert_entry const& a)
{
    std::string out;
    out.reserve(a.json->size() + 48);
    core::json_writer w(out);
    w.begin_object().field("type", "alert").field("seq", a.seq).key("alert").raw(*a.json).end_object();
    return freeze(std::move(out));
}

shared_text hub::result_message(seat_view const& s, snapshot const& snap)
{
    std::string out;
    core::json_writer w(out);
    auto const& ref = *snap.reference();
    w.begin_object().field("type", "result").field("seq", snap.last_alert_seq());
    w.field("constituency", ref.seat(s.seat()).ons_code).field("name", ref.seat(s.seat()).name);
    w.field("status", s.status()).field("revision", s.revision());
    w.key("result");
    s.result() ? core::write_result(w, *s.result(), ref) : void(w.null());
    w.end_object();
    return freeze(std::move(out));
}

shared_text hub::totals_message(snapshot const& snap)
{
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("type", "totals").field("seq", snap.last_alert_seq()).key("totals").raw(*snap.totals_object_json());
    w.end_object();
    return freeze(std::move(out));
}

hub::hub(asio::io_context& ioc, hub_config cfg, unsigned shards) : ioc_(ioc), cfg_(cfg), heartbeat_(ioc)
{
    for (unsigned i = 0; i < std::max(1u, shards); ++i)
        shards_.push_back(std::make_unique<shard>(ioc));
}

std::shared_ptr<subscriber> hub::join(std::string const& address, asio::any_io_executor ex, std::string& refusal)
{
    {
        std::lock_guard lock(counts_mutex_);
        if (stopped_) {
            refusal = "electd is shutting down";
        } else if (static_cast<std::size_t>(stats_.subscribers.load()) >= cfg_.max_subscribers) {
            refusal = "too many subscribers (limit " + std::to_string(cfg_.max_subscribers) + ")";
        } else if (per_address_[address] >= cfg_.max_per_address) {
            refusal = "too many subscribers from " + address + " (limit " + std::to_string(cfg_.max_per_address) + ")";
        }
        if (!refusal.empty()) {
            ++stats_.refused;
            return nullptr;
        }
        ++per_address_[address];
        ++stats_.subscribers;
        ++stats_.joined;
    }
    auto s = std::make_shared<subscriber>(std::move(ex), address, cfg_.max_queue);
    auto& sh = *shards_[next_shard_++ % shards_.size()];
    std::lock_guard lock(sh.mutex);
    sh.members.push_back(s);
    return s;
}

void hub::leave(std::shared_ptr<subscriber> const& s)
{
    for (auto& sh : shards_) {
        std::lock_guard lock(sh->mutex);
        auto it = std::find(sh->members.begin(), sh->members.end(), s);
        if (it == sh->members.end())
            continue;
        sh->members.erase(it);
        break;
    }
    std::lock_guard lock(counts_mutex_);
    if (--per_address_[s->address()] == 0)
        per_address_.erase(s->address());
    --stats_.subscribers;
}

void hub::publish(commit_event ev)
{
    if (!ev.alerts.empty())
        last_alert_seq_ = ev.alerts.back()->seq;
    // Serialise each message once, on a network thread, then fan out shard by shard.
    auto shared = std::make_shared<commit_event const>(std::move(ev));
    asio::post(shards_[0]->strand, [this, shared] {
        auto items = std::make_shared<std::vector<stream_item>>();
        for (auto const& a : shared->alerts)
            items->push_back({stream_kind::alert, a->seq, -1, alert_message(*a)});
        for (auto const& s : shared->seats)
            items->push_back({stream_kind::result, shared->snap->last_alert_seq(), static_cast<std::int64_t>(s->seat()),
                              result_message(*s, *shared->snap)});
        if (!shared->seats.empty())
            items->push_back({stream_kind::totals, shared->snap->last_alert_seq(), 0, totals_message(*shared->snap)});
        std::shared_ptr<std::vector<stream_item> const> frozen = std::move(items);
        fan_out(*shards_[0], frozen, shared);
        for (std::size_t i = 1; i < shards_.size(); ++i)
            asio::post(shards_[i]->strand, [this, i, frozen, shared] { fan_out(*shards_[i], frozen, shared); });
    });
}

void hub::fan_out(shard& sh, std::shared_ptr<std::vector<stream_item> const> items,
                  std::shared_ptr<commit_event const> ev)
{
    auto const members = sh.copy_members();
    auto const& ref = *ev->snap->reference();
    std::vector<result_facts> seat_facts;
    for (auto const& s : ev->seats)
        seat_facts.push_back(facts_of(*s, ref));
    for (auto const& sub : members) {
        auto filter = sub->filter();
        if (!filter)
            continue; // not subscribed yet
        std::size_t i = 0;
        bool ok = true;
        for (auto const& a : ev->alerts) {
            auto const& item = (*items)[i++];
            if (ok && filter->alerts && filter->alert.matches(*a))
                ok = offer(*sub, item);
        }
        for (std::size_t s = 0; s < ev->seats.size(); ++s) {
            auto const& item = (*items)[i++];
            auto const& f = seat_facts[s];
            if (ok && filter->wants_result(f.ons, f.region, f.watched, f.parties))
                ok = offer(*sub, item);
        }
        if (i < items->size() && ok && filter->totals)
            ok = offer(*sub, (*items)[i]);
        if (!ok) {
            ++stats_.slow_closed;
            module_logger("hub")->warn("closing slow subscriber {}: more than {} messages waiting", sub->address(),
                                       cfg_.max_queue);
            sub->close(4008, "slow consumer: more than " + std::to_string(cfg_.max_queue)
                                 + " messages waiting; reconnect with since=<the last seq you received>");
        }
    }
}

bool hub::offer(subscriber& sub, stream_item const& item)
{
    switch (sub.push(item)) {
    case subscriber::pushed::queued: ++stats_.messages_queued; return true;
    case subscriber::pushed::coalesced: ++stats_.messages_coalesced; return true;
    case subscriber::pushed::overflow: break;
    }
    return false;
}

void hub::start()
{
    heartbeat_.expires_after(cfg_.heartbeat);
    heartbeat_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !stopped_)
            on_heartbeat();
    });
}

void hub::on_heartbeat()
{
    auto seq = last_alert_seq_.load();
    std::string out;
    core::json_writer w(out);
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    w.begin_object().field("type", "heartbeat").field("seq", seq).field("time", core::format_rfc3339(now)).end_object();
    stream_item item{stream_kind::heartbeat, seq, 1, freeze(std::move(out))};
    for (auto& sh : shards_) {
        asio::post(sh->strand, [this, &sh = *sh, item] {
            for (auto const& sub : sh.copy_members())
                if (sub->filter())
                    offer(*sub, item);
        });
    }
    start();
}

void hub::shutdown()
{
    stopped_ = true;
    heartbeat_.cancel();
    for (auto& sh : shards_) {
        std::lock_guard lock(sh->mutex);
        for (auto const& sub : sh->members)
            sub->close(1001, "electd is shutting down");
    }
}

} // namespace electd::daemon
