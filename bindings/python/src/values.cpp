// Programs, and the read-only records the engine gives back: outcomes and their effects, member
// views, tick and run summaries. Each record keeps its C++ value and converts a field when it
// is read: money to decimal.Decimal, times to aware datetimes in UTC, "none" to None. Their
// reprs and to_dict() are added in Python (loyalty/_records.py).

#include <pybind11/stl.h>

#include <span>
#include <string>
#include <utility>

#include "bindings.hpp"
#include "convert.hpp"
#include "heap.hpp"
#include "loyalty/member.hpp"
#include "loyalty/outcome.hpp"

namespace loyalty::python {

namespace {

std::string text_of(std::string_view view) { return std::string(view); }

template <class T>
py::list list_of(const std::vector<T>& values) {
  py::list out;
  for (const T& value : values) out.append(py::cast(value));
  return out;
}

// The value of a `set` effect or the data of an `emit` effect, decoded; None for the others.
py::object effect_value(const Effect& effect) {
  if (effect.kind != EffectKind::set && effect.kind != EffectKind::emit) return py::none();
  return from_json(effect.value);
}

void bind_program(py::module_& m) {
  py::class_<ProgramHandle>(m, "Program",
                            "A compiled program of rules: checked, immutable, shareable between "
                            "engines and threads. Made by compile() or compile_file().")
      .def_property_readonly(
          "name", [](const ProgramHandle& p) { return p.program->name(); },
          "The name given by `program \"...\"`.")
      .def_property_readonly(
          "file", [](const ProgramHandle& p) { return p.program->file(); },
          "The file name it was compiled from (as named in diagnostics).")
      .def_property_readonly(
          "text", [](const ProgramHandle& p) { return p.program->text(); },
          "Its source text, exactly as given.")
      .def_property_readonly(
          "rule_names", [](const ProgramHandle& p) { return p.program->rule_names(); },
          "Rule names in file order.")
      .def_property_readonly(
          "tier_names", [](const ProgramHandle& p) { return p.program->tier_names(); },
          "Tier names, lowest first (empty without a `tiers` section).")
      .def_property_readonly(
          "stage_names", [](const ProgramHandle& p) { return p.program->stage_names(); },
          "Lifecycle stage names in declaration order.");

  m.def(
      "compile",
      [](std::string_view text, std::string_view file, std::uint32_t max_expression_depth,
         std::uint32_t max_diagnostics) {
        CompileLimits limits{max_expression_depth, max_diagnostics};
        return ProgramHandle{compile(text, file, limits)};
      },
      py::arg("text"), py::arg("file") = "<rules>", py::kw_only(),
      py::arg("max_expression_depth") = CompileLimits{}.max_expression_depth,
      py::arg("max_diagnostics") = CompileLimits{}.max_diagnostics,
      "Compiles a program from its text; `file` names it in diagnostics. Raises RuleError with "
      "every diagnostic found.");
  m.def(
      "compile_file",
      [](const py::object& path, std::uint32_t max_expression_depth,
         std::uint32_t max_diagnostics) {
        const std::string name = py::str(py::module_::import("os").attr("fspath")(path));
        CompileLimits limits{max_expression_depth, max_diagnostics};
        return ProgramHandle{compile_file(name, limits)};
      },
      py::arg("path"), py::kw_only(),
      py::arg("max_expression_depth") = CompileLimits{}.max_expression_depth,
      py::arg("max_diagnostics") = CompileLimits{}.max_diagnostics,
      "Compiles the program in the file at `path` (a str or os.PathLike). Raises IoError when it "
      "cannot be read, RuleError when it does not compile.");
}

void bind_outcome(py::module_& m) {
  py::class_<Effect>(m, "Effect", "One effect of an event, with the rule that made it.")
      .def_property_readonly(
          "kind", [](const Effect& e) { return text_of(effect_kind_name(e.kind)); },
          "award, deduct, reverse, redeem, adjust, expire, tag, untag, set, emit, tier_change, "
          "stage_change or enroll.")
      .def_property_readonly(
          "rule", [](const Effect& e) { return str_or_none(e.rule); },
          "The rule that made it; None for effects no rule made.")
      .def_readonly("points", &Effect::points,
                    "Points given (positive) or taken (negative); 0 for effects without points.")
      .def_readonly("asked", &Effect::asked,
                    "Points asked; differs from `points` when a budget or clamp cut them.")
      .def_property_readonly(
          "label", [](const Effect& e) { return str_or_none(e.label); },
          "The action's `as \"...\"` label, or an adjustment's reason; None without one.")
      .def_property_readonly(
          "name", [](const Effect& e) { return str_or_none(e.name); },
          "tag/untag: the tag; set: the attribute; emit: the message's name; else None.")
      .def_property_readonly("value", &effect_value,
                             "set: the attribute's new value; emit: the message's data (a dict); "
                             "else None. Numbers with a fraction are decimal.Decimal.")
      .def_property_readonly(
          "from_", [](const Effect& e) { return str_or_none(e.from); },
          "tier_change, stage_change: the tier or stage left (None for none).")
      .def_property_readonly(
          "to", [](const Effect& e) { return str_or_none(e.to); },
          "tier_change, stage_change: the tier or stage entered (None for none).")
      .def_property_readonly(
          "available_at", [](const Effect& e) { return to_python(e.available_at); },
          "award: when the lot becomes usable (aware datetime, UTC); else None.")
      .def_property_readonly(
          "expires_at", [](const Effect& e) { return to_python(e.expires_at); },
          "award: when the lot expires; None when it never does.")
      .def_readonly("depth", &Effect::depth,
                    "0 for the event's own rules; n for the n-th chained tier or stage change.")
      .def("__eq__", [](const Effect& a, const Effect& b) { return a == b; });

  py::class_<RuleTrace>(m, "RuleTrace", "One rule considered for an event, and why it fired or not.")
      .def_readonly("rule", &RuleTrace::rule, "The rule's name.")
      .def_readonly("line", &RuleTrace::line, "Where the rule starts in its program.")
      .def_property_readonly(
          "verdict", [](const RuleTrace& t) { return text_of(verdict_text(t.verdict)); },
          "\"fired\", \"condition false\", \"outside active\", \"limit reached\", \"budget "
          "spent\", \"group taken\" or \"after stop\".")
      .def_property_readonly(
          "fired", [](const RuleTrace& t) { return t.verdict == Verdict::fired; },
          "True when the rule fired.")
      .def_readonly("depth", &RuleTrace::depth, "As Effect.depth.")
      .def("__eq__", [](const RuleTrace& a, const RuleTrace& b) { return a == b; });

  py::class_<Outcome>(m, "Outcome", "What happened to one event (or a redemption, an adjustment).")
      .def_property_readonly(
          "status",
          [](const Outcome& o) {
            switch (o.status) {
              case Status::applied: return "applied";
              case Status::duplicate: return "duplicate";
              case Status::rejected: break;
            }
            return "rejected";
          },
          "\"applied\" (its effects were written), \"duplicate\" (seen before with the same "
          "content: nothing changed) or \"rejected\" (see `reason`: nothing changed).")
      .def_readonly("event", &Outcome::event, "The event's id (a redemption's reference).")
      .def_readonly("member", &Outcome::member, "The member's id.")
      .def_property_readonly(
          "reason", [](const Outcome& o) { return str_or_none(o.reason); },
          "Why it was rejected (naming the rule and line if one failed); None otherwise.")
      .def_property_readonly(
          "effects", [](const Outcome& o) { return list_of(o.effects); },
          "Its effects (list of Effect), in the order they were made.")
      .def_property_readonly(
          "rules", [](const Outcome& o) { return list_of(o.rules); },
          "Every rule considered (list of RuleTrace), in the order tried.")
      .def_readonly("points", &Outcome::points, "The member's available balance after it.")
      .def_readonly("pending_points", &Outcome::pending_points, "Pending points after it.")
      .def_property_readonly(
          "tier", [](const Outcome& o) { return str_or_none(o.tier); },
          "The member's tier after it (None for none).")
      .def_property_readonly(
          "stage", [](const Outcome& o) { return str_or_none(o.stage); },
          "The member's lifecycle stage after it (None for none).")
      .def_readonly("program_version", &Outcome::program_version,
                    "The version of the program that processed it.")
      .def("__eq__", [](const Outcome& a, const Outcome& b) { return a == b; });
}

void bind_member(py::module_& m) {
  py::class_<LotView>(m, "Lot", "A lot of points with points left.")
      .def_readonly("id", &LotView::id)
      .def_readonly("points", &LotView::points, "As awarded.")
      .def_readonly("remaining", &LotView::remaining, "What is left of it.")
      .def_property_readonly("created_at", [](const LotView& l) { return to_python(l.created_at); })
      .def_property_readonly("available_at",
                             [](const LotView& l) { return to_python(l.available_at); })
      .def_property_readonly(
          "expires_at", [](const LotView& l) { return to_python(l.expires_at); },
          "None when it never expires.")
      .def_readonly("event", &LotView::event, "The event that awarded it.")
      .def_property_readonly(
          "rule", [](const LotView& l) { return str_or_none(l.rule); },
          "The rule that did; None for an adjustment.")
      .def_readonly("program_version", &LotView::program_version);

  py::class_<LedgerLine>(m, "LedgerEntry", "One line of a member's ledger.")
      .def_readonly("kind", &LedgerLine::kind,
                    "award, deduct, reverse, redeem, adjust or expire.")
      .def_readonly("points", &LedgerLine::points, "Signed: given (+) or taken (-).")
      .def_readonly("asked", &LedgerLine::asked, "Signed: asked (differs when a cut applied).")
      .def_property_readonly("time", [](const LedgerLine& l) { return to_python(l.time); })
      .def_property_readonly(
          "event", [](const LedgerLine& l) { return str_or_none(l.event); },
          "The event's id (a redemption's reference); None for an adjustment.")
      .def_property_readonly(
          "rule", [](const LedgerLine& l) { return str_or_none(l.rule); },
          "The rule that made it, or None.")
      .def_property_readonly(
          "label", [](const LedgerLine& l) { return str_or_none(l.label); },
          "The action's label, or the adjustment's reason; None without one.")
      .def_readonly("program_version", &LedgerLine::program_version);

  py::class_<OutboxLine>(m, "OutboxMessage", "A message the member's events wrote to the outbox.")
      .def_readonly("sequence", &OutboxLine::sequence)
      .def_readonly("event", &OutboxLine::event)
      .def_readonly("rule", &OutboxLine::rule)
      .def_readonly("name", &OutboxLine::name)
      .def_property_readonly(
          "data", [](const OutboxLine& o) { return from_json(o.data); },
          "The message's data (a dict; numbers with a fraction as decimal.Decimal).")
      .def_property_readonly("time", [](const OutboxLine& o) { return to_python(o.time); });

  py::class_<MemberView>(m, "Member",
                         "A member as Engine.member() sees it: figures judged at `at`, names "
                         "instead of indices, money as decimal.Decimal, times in UTC.")
      .def_readonly("id", &MemberView::id)
      .def_property_readonly(
          "at", [](const MemberView& v) { return to_python(v.at); },
          "When balances and expiry were judged.")
      .def_property_readonly("enrolled_at",
                             [](const MemberView& v) { return to_python(v.enrolled_at); })
      .def_property_readonly(
          "tier", [](const MemberView& v) { return str_or_none(v.tier); }, "None for none.")
      .def_property_readonly("tier_since",
                             [](const MemberView& v) { return to_python(v.tier_since); })
      .def_property_readonly(
          "tier_kept_until", [](const MemberView& v) { return to_python(v.tier_kept_until); },
          "An upgrade kept under `keep` until then, or None.")
      .def_property_readonly(
          "stage", [](const MemberView& v) { return str_or_none(v.stage); }, "None for none.")
      .def_property_readonly("stage_since",
                             [](const MemberView& v) { return to_python(v.stage_since); })
      .def_readonly("points", &MemberView::points, "Available points.")
      .def_readonly("pending_points", &MemberView::pending_points)
      .def_readonly("expiring_points", &MemberView::expiring_points,
                    "Available now, expired by at + expiring_window.")
      .def_property_readonly(
          "expiring_window", [](const MemberView& v) { return v.expiring_window.to_string(); },
          "The window of expiring_points, as \"30 days\".")
      .def_readonly("debt", &MemberView::debt)
      .def_readonly("earned", &MemberView::earned)
      .def_readonly("purchases", &MemberView::purchases)
      .def_property_readonly(
          "spend", [](const MemberView& v) { return to_python(v.spend); },
          "Lifetime spend (decimal.Decimal).")
      .def_property_readonly("last_purchase_at",
                             [](const MemberView& v) { return to_python(v.last_purchase_at); })
      .def_readonly("tags", &MemberView::tags, "Sorted.")
      .def_property_readonly(
          "attributes",
          [](const MemberView& v) {
            py::dict out;
            for (const MemberAttribute& a : v.attributes) out[py::str(a.name)] = from_json(a.json);
            return out;
          },
          "Profile attributes by name: the declared ones in order (None when absent), then the "
          "others by name. Values are unmasked, pii included.")
      .def_property_readonly(
          "pii",
          [](const MemberView& v) {
            py::list out;
            for (const MemberAttribute& a : v.attributes) {
              if (a.pii) out.append(a.name);
            }
            return out;
          },
          "Names of the attributes the program declares `pii`.")
      .def_property_readonly(
          "lots", [](const MemberView& v) { return list_of(v.lots); },
          "Lots with points left: soonest expiry first, then oldest.")
      .def_property_readonly(
          "ledger", [](const MemberView& v) { return list_of(v.ledger); },
          "The whole ledger, oldest first.")
      .def_property_readonly(
          "outbox", [](const MemberView& v) { return list_of(v.outbox); }, "Oldest first.")
      .def_readonly("program_version", &MemberView::program_version,
                    "The version whose names this view uses.");
}

void bind_summaries(py::module_& m) {
  py::class_<TickSummary>(m, "TickSummary", "What a tick did.")
      .def_property_readonly("time", [](const TickSummary& t) { return to_python(t.time); })
      .def_readonly("members", &TickSummary::members, "Members visited.")
      .def_readonly("expired_points", &TickSummary::expired_points)
      .def_readonly("tier_changes", &TickSummary::tier_changes)
      .def_readonly("stage_changes", &TickSummary::stage_changes)
      .def_readonly("daily_rules_fired", &TickSummary::daily_rules_fired)
      .def_property_readonly(
          "rejected", [](const TickSummary& t) { return list_of(t.rejected); },
          "Outcomes of the members whose day's work failed (nothing changed for them).");

  py::class_<RuleTally>(m, "RuleTally", "One rule's share of a run.")
      .def_readonly("fired", &RuleTally::fired, "Events it fired for (chained firings included).")
      .def_readonly("awarded", &RuleTally::awarded, "Points its awards gave.")
      .def_readonly("deducted", &RuleTally::deducted, "Points its deductions took (positive).");

  py::class_<Reject>(m, "Reject", "An event that was not applied, and why.")
      .def_readonly("index", &Reject::index,
                    "process_many: its 0-based position in the iterable; else None.")
      .def_readonly("line", &Reject::line, "process_file: its 1-based line number; else None.")
      .def_property_readonly(
          "event", [](const Reject& r) { return str_or_none(r.event); },
          "Its id, or None when it could not be read.")
      .def_readonly("reason", &Reject::reason)
      .def_property_readonly(
          "text", [](const Reject& r) { return str_or_none(r.text); },
          "process_file: the line as read; else None.");

  py::class_<RunSummary>(m, "Summary", "What process_many or process_file did.")
      .def_property_readonly(
          "events", [](const RunSummary& s) { return s.tally.events; },
          "Events counted (applied, duplicates and rejects).")
      .def_property_readonly("applied", [](const RunSummary& s) { return s.tally.applied; })
      .def_property_readonly("duplicates",
                             [](const RunSummary& s) { return s.tally.duplicates; })
      .def_property_readonly(
          "rejected", [](const RunSummary& s) { return s.tally.rejected; },
          "Events not applied: unreadable ones and those the engine rejected.")
      .def_property_readonly(
          "rejected_by_reason", [](const RunSummary& s) { return s.tally.rejected_by_reason; },
          "Rejections counted by reason, quoted ids and values left out.")
      .def_property_readonly(
          "points_awarded", [](const RunSummary& s) { return s.tally.points_awarded; },
          "Points given by awards and positive adjustments.")
      .def_property_readonly(
          "points_taken", [](const RunSummary& s) { return s.tally.points_taken; },
          "Points taken by deductions, reversals, redemptions and expiry (positive).")
      .def_property_readonly(
          "rules", [](const RunSummary& s) { return s.tally.rules(); },
          "Each rule that fired, by name (dict of RuleTally).")
      .def_property_readonly(
          "rejects", [](const RunSummary& s) { return list_of(s.rejects); },
          "Every event not applied (list of Reject), in order.")
      .def_property_readonly(
          "latest_time", [](const RunSummary& s) { return to_python(s.latest_time); },
          "The latest time of the events read (aware datetime), or None when none was.");
}

}  // namespace

void EventBatch::hold(Engine& engine, RunSummary& summary, Reject where) {
  where_[held_++] = std::move(where);
  if (held_ == size) send(engine, summary);
}

void EventBatch::unreadable(Engine& engine, RunSummary& summary, Reject reject) {
  send(engine, summary);
  summary.add_unreadable(std::move(reject));
}

void EventBatch::send(Engine& engine, RunSummary& summary) {
  const std::span<const Event> events(events_.data(), held_);
  held_ = 0;  // sent, even when the store fails: a failed batch is not tried again
  heap::advise();  // what the last batch grew of the heap, before more of it is touched
  engine.process(events, summary.tally, [&](std::size_t i, const std::string& reason) {
    Reject& where = where_[i];
    where.event = events[i].id;
    where.reason = reason;
    summary.rejects.push_back(std::move(where));
  });
  for (const Event& event : events) {
    if (!summary.latest_time || event.time > *summary.latest_time) {
      summary.latest_time = event.time;
    }
  }
  // An event read into slot() and not yet held stays in slot().
  if (!events.empty() && events.size() < size) std::swap(events_[events.size()], events_[0]);
}

void RunSummary::add_unreadable(Reject reject) {
  Outcome outcome;
  outcome.status = Status::rejected;
  outcome.event = reject.event;
  outcome.reason = reject.reason;
  tally.add(outcome);
  rejects.push_back(std::move(reject));
}

void bind_values(py::module_& module) {
  bind_program(module);
  bind_outcome(module);
  bind_member(module);
  bind_summaries(module);
}

}  // namespace loyalty::python
