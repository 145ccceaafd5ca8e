// The checker: resolves every name of a syntax tree, gives every expression a type, reads the
// literals and settings, and reports each load-time error of LANGUAGE.md once. An expression
// whose operand already failed gets TypeKind::unknown and is not reported again, so one
// mistake gives one diagnostic.

#include "language/checker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "language/builtins.hpp"

namespace loyalty::language {

namespace {

// ---- words for messages ----------------------------------------------------------------

std::string plural(TypeKind kind) {
  switch (kind) {
    case TypeKind::number: return "numbers";
    case TypeKind::string: return "strings";
    case TypeKind::boolean: return "true or false values";
    case TypeKind::date: return "dates";
    case TypeKind::time: return "times";
    case TypeKind::duration: return "durations";
    case TypeKind::tier: return "tiers";
    case TypeKind::stage: return "stages";
    case TypeKind::weekday: return "weekdays";
    case TypeKind::list: return "lists";
    case TypeKind::item: return "items";
    case TypeKind::tags: return "tag sets";
    case TypeKind::none: return "none values";
    case TypeKind::event: return "events";
    case TypeKind::member: return "members";
    case TypeKind::unknown: break;
  }
  return "values";
}

/// "a number", "a list of strings", "the member's tags": a type as a marketer reads it.
std::string phrase(Type type) {
  switch (type.kind) {
    case TypeKind::number: return "a number";
    case TypeKind::string: return "a string";
    case TypeKind::boolean: return "true or false";
    case TypeKind::date: return "a date";
    case TypeKind::time: return "a time";
    case TypeKind::duration: return "a duration";
    case TypeKind::tier: return "a tier";
    case TypeKind::stage: return "a stage";
    case TypeKind::weekday: return "a weekday";
    case TypeKind::list: return "a list of " + plural(type.element);
    case TypeKind::item: return "an item";
    case TypeKind::tags: return "the member's tags";
    case TypeKind::none: return "none";
    case TypeKind::event: return "the event itself";
    case TypeKind::member: return "the member itself";
    case TypeKind::unknown: break;
  }
  return "an unknown value";
}

std::string_view op_word(Op op) { return op_text(op); }

/// "a", "a and b", "a, b and c".
std::string join_and(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " and " : ", ";
    out += words[i];
  }
  return out;
}

/// "a, b or c".
std::string join_or(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

template <std::size_t N>
std::vector<std::string_view> as_vector(const std::array<std::string_view, N>& table) {
  return {table.begin(), table.end()};
}

template <std::size_t N>
std::vector<std::string_view> field_names(const std::array<BuiltinField, N>& table) {
  std::vector<std::string_view> names;
  for (const BuiltinField& field : table) names.push_back(field.name);
  return names;
}

bool is_reserved(std::string_view word) {
  return find_name(kReservedWords, word).has_value();
}

bool comparable(TypeKind kind) {
  switch (kind) {
    case TypeKind::number:
    case TypeKind::string:
    case TypeKind::boolean:
    case TypeKind::date:
    case TypeKind::time:
    case TypeKind::tier:
    case TypeKind::stage:
    case TypeKind::weekday: return true;
    default: return false;
  }
}

// ---- durations -----------------------------------------------------------------------------

struct UnitWord {
  std::string_view singular;
  std::string_view plural;
  Duration::Unit unit;
};

constexpr std::array<UnitWord, 5> kUnits = {{
    {"minute", "minutes", Duration::Unit::minutes},
    {"hour", "hours", Duration::Unit::hours},
    {"day", "days", Duration::Unit::days},
    {"month", "months", Duration::Unit::months},
    {"year", "years", Duration::Unit::years},
}};

std::string_view unit_plural(Duration::Unit unit) {
  for (const UnitWord& word : kUnits) {
    if (word.unit == unit) return word.plural;
  }
  return "units";
}

bool is_calendar(Duration::Unit unit) {
  return unit == Duration::Unit::months || unit == Duration::Unit::years;
}

constexpr std::int64_t kDay = 86'400;

/// The shortest and longest a duration can be, in seconds (months and years vary).
std::pair<std::int64_t, std::int64_t> seconds_range(Duration d) {
  const std::int64_t n = d.count();
  switch (d.unit()) {
    case Duration::Unit::minutes: return {n * 60, n * 60};
    case Duration::Unit::hours: return {n * 3'600, n * 3'600};
    case Duration::Unit::days: return {n * kDay, n * kDay};
    case Duration::Unit::months: return {n * 28 * kDay, n * 31 * kDay};
    case Duration::Unit::years: return {n * 365 * kDay, n * 366 * kDay};
  }
  return {0, 0};
}

struct WaitVersusLife {
  bool unusable = false;  // the wait may be as long as the life, or longer
  std::string hint;       // why, where months or years make it depend on the date
};

/// Whether a lot that waits `pending` and lives `life` (both from the event's time) might
/// never be usable.
WaitVersusLife compare_wait_and_life(Duration pending, Duration life) {
  if (is_calendar(pending.unit()) && is_calendar(life.unit())) {
    auto months = [](Duration d) {
      return d.unit() == Duration::Unit::years ? d.count() * 12 : d.count();
    };
    return {months(pending) >= months(life), {}};
  }
  auto [pending_min, pending_max] = seconds_range(pending);
  auto [life_min, life_max] = seconds_range(life);
  if (pending_max < life_min) return {};
  std::string hint;
  if (pending_min < life_max) {  // it depends on the calendar
    if (life.unit() == Duration::Unit::months) hint = "a month can be as short as 28 days";
    if (life.unit() == Duration::Unit::years) hint = "a year can be as short as 365 days";
    if (pending.unit() == Duration::Unit::months) hint = "a month can be as long as 31 days";
    if (pending.unit() == Duration::Unit::years) hint = "a year can be as long as 366 days";
  }
  return {true, hint};
}

// ---- the checker ---------------------------------------------------------------------------

enum class Context : std::uint8_t { rule, tiers, lifecycle };

struct Scope {
  Context context = Context::rule;
  TriggerKind trigger = TriggerKind::purchase;
  bool trigger_known = true;
  std::uint32_t custom_event = 0;
  std::uint32_t item_depth = 0;  // > 0 inside the condition or value of an item function
};

struct FieldHit {
  Type type;
  Ref ref;
};

enum Accept : unsigned {
  kNumber = 1U << 0,
  kString = 1U << 1,
  kDate = 1U << 2,
  kTime = 1U << 3,
  kDuration = 1U << 4,
  kAnything = 0xFFFFU,
};

struct Signature {
  std::uint8_t min_args;
  std::uint8_t max_args;
  std::array<unsigned, 2> params;
  TypeKind result;
  std::string_view usage;
};

// Indexed by Function; count, any, all and sum are checked on their own.
constexpr std::array<Signature, 27> kSignatures = {{
    {1, 1, {kNumber, 0}, TypeKind::number, "floor(x)"},
    {1, 1, {kNumber, 0}, TypeKind::number, "ceil(x)"},
    {1, 2, {kNumber, kNumber}, TypeKind::number, "round(x) or round(x, digits)"},
    {2, 2, {kNumber, kNumber}, TypeKind::number, "min(a, b)"},
    {2, 2, {kNumber, kNumber}, TypeKind::number, "max(a, b)"},
    {1, 1, {kNumber, 0}, TypeKind::number, "abs(x)"},
    {1, 1, {kTime | kDate, 0}, TypeKind::number, "days_since(member.enrolled_at)"},
    {1, 1, {kTime | kDate, 0}, TypeKind::number, "hours_since(member.last_purchase_at)"},
    {1, 1, {kTime | kDate, 0}, TypeKind::date, "date(event.time)"},
    {1, 1, {kTime | kDate, 0}, TypeKind::weekday, "weekday(event.time)"},
    {1, 1, {kTime, 0}, TypeKind::number, "hour(event.time)"},
    {1, 1, {kTime | kDate, 0}, TypeKind::number, "day(event.time)"},
    {1, 1, {kTime | kDate, 0}, TypeKind::number, "month(event.time)"},
    {1, 1, {kTime | kDate, 0}, TypeKind::number, "year(event.time)"},
    {1, 1, {kDate, 0}, TypeKind::boolean, "is_birthday(member.birthday)"},
    {1, 1, {kString, 0}, TypeKind::string, "lower(s)"},
    {1, 1, {kString, 0}, TypeKind::string, "upper(s)"},
    {2, 2, {kString, kString}, TypeKind::boolean, "contains(s, part)"},
    {2, 2, {kString, kString}, TypeKind::boolean, "starts_with(s, part)"},
    {1, 1, {kAnything, 0}, TypeKind::boolean, "has(x)"},
    {1, 1, {0, 0}, TypeKind::number, "count(event.items) or count(event.items where C)"},
    {1, 1, {0, 0}, TypeKind::boolean, "any(event.items where C)"},
    {1, 1, {0, 0}, TypeKind::boolean, "all(event.items where C)"},
    {2, 2, {0, 0}, TypeKind::number, "sum(event.items, X) or sum(event.items, X where C)"},
    {1, 1, {kDuration, 0}, TypeKind::number, "spend(30 days)"},
    {1, 1, {kDuration, 0}, TypeKind::number, "purchases(30 days)"},
    {1, 1, {kDuration, 0}, TypeKind::number, "earned(12 months)"},
}};

bool accepts(unsigned mask, TypeKind kind) {
  switch (kind) {
    case TypeKind::number: return (mask & kNumber) != 0;
    case TypeKind::string: return (mask & kString) != 0;
    case TypeKind::date: return (mask & kDate) != 0;
    case TypeKind::time: return (mask & kTime) != 0;
    case TypeKind::duration: return (mask & kDuration) != 0;
    default: return mask == kAnything;
  }
}

std::string accepted_phrase(unsigned mask) {
  if (mask == kNumber) return "a number";
  if (mask == kString) return "a string";
  if (mask == kDate) return "a date";
  if (mask == kTime) return "a time";
  if (mask == (kTime | kDate)) return "a time or a date";
  if (mask == kDuration) return "a duration, such as 30 days";
  return "a value";
}

bool is_item_function(Function f) {
  return f == Function::count || f == Function::any || f == Function::all || f == Function::sum;
}

bool is_window_function(Function f) {
  return f == Function::spend || f == Function::purchases || f == Function::earned;
}

constexpr std::array<std::string_view, 6> kSettingNames = {"timezone",       "points_expire",
                                                           "points_pending", "rounding",
                                                           "unknown_member", "negative_balance"};

constexpr std::array<std::string_view, 5> kTypeNames = {"number", "string", "bool", "date", "time"};

constexpr std::array<std::string_view, 7> kSectionNames = {
    "program", "settings", "member", "event", "tiers", "lifecycle", "rule"};

constexpr std::array<std::string_view, 5> kOptionNames = {"active", "limit", "budget", "group",
                                                          "priority"};

// The most actions one rule may have: a lot keeps its action's index in 16 bits
// (engine::LotOrigin::kMaxActions).
constexpr std::size_t kMaxActions = 0xFFFF;

class Checker {
 public:
  Checker(const SourceFile& source, Diagnostics& diagnostics, CheckedProgram& out)
      : source_(source), diagnostics_(diagnostics), out_(out), tree_(out.tree) {}

  void run() {
    parse_failed_ = !diagnostics_.empty();
    note_broken_sections();
    check_sections();
    check_settings();
    check_attributes(tree_.member_attributes, nullptr);
    check_events();
    check_tiers();
    check_lifecycle();
    check_rules();
  }

 private:
  // ---- plumbing ----------------------------------------------------------------------------

  void error(Span span, std::string message, std::string hint = {}) {
    if (quiet_) return;
    diagnostics_.error(span, std::move(message), std::move(hint));
  }

  std::uint32_t line_of(Span span) const { return source_.locate(span.begin).line; }

  std::string_view text_of(Span span) const {
    std::string_view text = source_.text();
    if (span.begin > span.end || span.end > text.size()) return {};
    return text.substr(span.begin, span.end - span.begin);
  }

  /// The span of the last `length` bytes of `span` when they read `word` (the field of
  /// `event.amout`, the unit of `3 weeks`); else the whole span.
  Span tail_span(Span span, std::string_view word) const {
    const auto length = static_cast<std::uint32_t>(word.size());
    if (span.end >= span.begin + length) {
      Span tail{span.end - length, span.end};
      if (text_of(tail) == word) return tail;
    }
    return span;
  }

  bool was_quoted(const Identifier& id) const {
    std::string_view text = source_.text();
    return id.span.begin < text.size() && text[id.span.begin] == '"';
  }

  /// True when a syntax error left a hole in `e` (a missing operand): it was reported.
  static bool has_holes(const Expr& e) {
    for (const ExprPtr& child : e.children) {
      if (!child || has_holes(*child)) return true;
    }
    return e.where && has_holes(*e.where);
  }

  /// Reports `message` at `e`, unless a syntax error already spoiled it.
  void wrong_kind(const Expr& e, std::string message) {
    if (!has_holes(e)) error(e.span, std::move(message));
  }

  std::string first_on_line(Span first) const {
    return fmt::format("the first is on line {}", line_of(first));
  }

  // A declaration section with a syntax error in it may have lost some of its entries: the
  // names they would have declared are not reported as unknown (the syntax error already was).
  void note_broken_sections() {
    if (!parse_failed_) return;
    if (tree_.sections.empty()) {
      tiers_broken_ = lifecycle_broken_ = member_broken_ = events_broken_ = true;
      return;
    }
    std::vector<SourceFile::Location> errors;
    for (const Diagnostic& d : diagnostics_.sorted()) errors.push_back({d.line, d.column});
    auto before = [](SourceFile::Location a, SourceFile::Location b) {
      return a.line < b.line || (a.line == b.line && a.column < b.column);
    };
    // Whether a syntax error lies in [begin, end), or after begin when end is nullopt.
    auto broken = [&](std::uint32_t begin, std::optional<std::uint32_t> end) {
      const SourceFile::Location first = source_.locate(begin);
      // Past every position when the section runs to the end of the file.
      const SourceFile::Location last =
          end ? source_.locate(*end) : SourceFile::Location{UINT32_MAX, UINT32_MAX};
      return std::any_of(errors.begin(), errors.end(), [&](SourceFile::Location at) {
        return !before(at, first) && before(at, last);
      });
    };
    event_broken_.assign(tree_.events.size(), false);
    for (std::size_t i = 0; i < tree_.sections.size(); ++i) {
      const SectionRef& section = tree_.sections[i];
      const std::uint32_t begin = section.span.begin;
      const std::optional<std::uint32_t> end = i + 1 < tree_.sections.size()
                                                   ? std::optional(tree_.sections[i + 1].span.begin)
                                                   : std::nullopt;
      const bool has_error = broken(begin, end);
      switch (section.kind) {
        case SectionKind::tiers: tiers_broken_ = tiers_broken_ || has_error || !tree_.tiers; break;
        case SectionKind::lifecycle:
          lifecycle_broken_ = lifecycle_broken_ || has_error || !tree_.lifecycle;
          break;
        case SectionKind::member: member_broken_ = member_broken_ || has_error; break;
        case SectionKind::event: {
          bool found = false;
          for (std::size_t e = 0; e < tree_.events.size(); ++e) {
            const Span span = tree_.events[e].name.span;
            if (span.begin >= begin && (!end || span.begin < *end)) {
              found = true;
              if (has_error) event_broken_[e] = true;
            }
          }
          if (!found) events_broken_ = true;
          break;
        }
        default: break;
      }
    }
  }

  // ---- sections ----------------------------------------------------------------------------

  void check_sections() {
    std::array<std::optional<Span>, 7> first{};
    std::optional<SectionKind> latest;
    for (const SectionRef& section : tree_.sections) {
      const auto rank = static_cast<std::size_t>(section.kind);
      if (rank >= kSectionNames.size()) continue;
      const std::string_view name = kSectionNames[rank];
      const bool once = section.kind != SectionKind::event && section.kind != SectionKind::rule;
      if (once && first[rank]) {
        if (section.kind == SectionKind::program) {
          error(section.span, "a second 'program' name", first_on_line(*first[rank]));
        } else {
          error(section.span, fmt::format("a second '{}' section", name),
                first_on_line(*first[rank]) + "; a program has at most one");
        }
        continue;
      }
      if (!first[rank]) first[rank] = section.span;
      if (latest && static_cast<std::size_t>(*latest) > rank) {
        constexpr std::string_view kOrder =
            "sections go in this order: program, settings, member, event, tiers, lifecycle, "
            "then the rules";
        if (section.kind == SectionKind::program) {
          error(section.span, "'program' must come first", std::string(kOrder));
        } else {
          std::string later =
              *latest == SectionKind::rule ? std::string("the rules")
              : *latest == SectionKind::event
                  ? std::string("'event' sections")
                  : fmt::format("'{}'", kSectionNames[static_cast<std::size_t>(*latest)]);
          error(section.span, fmt::format("'{}' must come before {}", name, later),
                std::string(kOrder));
        }
        continue;
      }
      latest = section.kind;
    }
    if (tree_.program_name) {
      out_.name = tree_.program_name->name;
      if (tree_.program_name->name.empty()) {
        error(tree_.program_name->span, "the program's name is empty",
              "write a name people will recognise, such as program \"Acme Rewards\"");
      }
    } else if (!parse_failed_) {
      Span at = tree_.sections.empty() ? Span{} : tree_.sections.front().span;
      error(at, "a program must start with its name",
            "write program \"Acme Rewards\" on the first line");
    }
  }

  // ---- settings ----------------------------------------------------------------------------

  /// The bare word of a setting's value (`floor`, `never`), if it is one.
  static std::optional<std::string_view> word_of(const Expr& value) {
    if (value.kind == ExprKind::name) return value.text;
    return std::nullopt;
  }

  /// Reads a setting that is one of `choices`; returns its index.
  template <std::size_t N>
  std::optional<std::size_t> choose(const Setting& setting,
                                    const std::array<std::string_view, N>& choices) {
    const Expr& value = *setting.value;
    const std::string choices_text = join_or(as_vector(choices));
    if (auto word = word_of(value)) {
      if (auto index = find_name(choices, *word)) return *index;
      std::string hint = did_you_mean(*word, as_vector(choices));
      error(value.span, fmt::format("unknown {} '{}'", setting.key.name, *word),
            hint.empty() ? fmt::format("choose {}", choices_text) : hint);
      return std::nullopt;
    }
    std::string hint;
    if (value.kind == ExprKind::string && find_name(choices, value.text)) {
      hint = fmt::format("write {} without quotes", value.text);
    }
    error(value.span, fmt::format("{} must be {}", setting.key.name, choices_text), hint);
    return std::nullopt;
  }

  /// A duration literal setting's value, checked; nullopt after reporting.
  std::optional<Duration> duration_setting(Setting& setting, std::string_view example) {
    Expr& value = *setting.value;
    if (value.kind == ExprKind::duration) {
      if (check_expr(value, Scope{}).kind == TypeKind::duration) return value.duration;
      return std::nullopt;
    }
    std::string hint;
    if (auto word = word_of(value); word && setting.key.name == "points_expire") {
      hint = did_you_mean(*word, {"never"});
    }
    error(value.span, fmt::format("{} must be a duration, such as {}", setting.key.name, example),
          hint);
    return std::nullopt;
  }

  void check_settings() {
    std::array<std::optional<Span>, kSettingNames.size()> seen{};
    Settings& settings = out_.settings;
    std::optional<Span> pending_span;
    bool pending_given = false;
    for (Setting& setting : tree_.settings) {
      const std::string& key = setting.key.name;
      auto index = find_name(kSettingNames, key);
      if (!index) {
        std::string hint = did_you_mean(key, as_vector(kSettingNames));
        error(setting.key.span, fmt::format("unknown setting '{}'", key),
              hint.empty() ? fmt::format("the settings are {}", join_and(as_vector(kSettingNames)))
                           : hint);
        continue;
      }
      if (seen[*index]) {
        error(setting.key.span, fmt::format("'{}' is set twice", key),
              first_on_line(*seen[*index]));
        continue;
      }
      seen[*index] = setting.key.span;
      if (!setting.value || has_holes(*setting.value)) continue;
      Expr& value = *setting.value;
      switch (*index) {
        case 0: {  // timezone
          if (value.kind != ExprKind::string) {
            error(value.span, "timezone must be a UTC offset in quotes, such as \"+08:00\"");
            break;
          }
          value.type = {TypeKind::string};
          try {
            settings.timezone = UtcOffset::parse(value.text);
          } catch (const Error&) {
            error(value.span, fmt::format("invalid timezone \"{}\"", value.text),
                  "write a fixed offset from UTC, such as \"+08:00\" or \"-05:30\"");
          }
          break;
        }
        case 1: {  // points_expire
          if (auto word = word_of(value); word && *word == "never") {
            settings.points_expire.reset();
            break;
          }
          if (auto life = duration_setting(setting, "12 months, or never")) {
            if (life->count() == 0) {
              error(value.span, "points_expire must be longer than zero",
                    "write never for points that do not expire");
            } else {
              settings.points_expire = *life;
            }
          }
          break;
        }
        case 2: {  // points_pending
          if (auto wait = duration_setting(setting, "14 days")) {
            settings.points_pending = *wait;
            pending_span = value.span;
            pending_given = true;
          }
          break;
        }
        case 3: {  // rounding
          constexpr std::array<std::string_view, 4> kChoices = {"floor", "ceil", "half_up",
                                                                "half_even"};
          constexpr std::array<Rounding, 4> kModes = {Rounding::floor, Rounding::ceil,
                                                      Rounding::half_up, Rounding::half_even};
          if (auto choice = choose(setting, kChoices)) settings.rounding = kModes[*choice];
          break;
        }
        case 4: {  // unknown_member
          constexpr std::array<std::string_view, 2> kChoices = {"reject", "enroll"};
          if (auto choice = choose(setting, kChoices)) {
            settings.unknown_member = *choice == 0 ? UnknownMember::reject : UnknownMember::enroll;
          }
          break;
        }
        case 5: {  // negative_balance
          constexpr std::array<std::string_view, 2> kChoices = {"allow", "clamp"};
          if (auto choice = choose(setting, kChoices)) {
            settings.negative_balance =
                *choice == 0 ? NegativeBalance::allow : NegativeBalance::clamp;
          }
          break;
        }
        default: break;
      }
    }
    if (pending_given && settings.points_expire) {
      WaitVersusLife verdict =
          compare_wait_and_life(settings.points_pending, *settings.points_expire);
      if (verdict.unusable) {
        error(*pending_span,
              fmt::format("awarded points could never be spent: points_pending of {} is not "
                          "shorter than points_expire of {}",
                          settings.points_pending.to_string(), settings.points_expire->to_string()),
              verdict.hint);
      }
    }
  }

  // ---- member and event declarations -------------------------------------------------------

  /// Checks the attributes of the `member` section (event == null) or of a custom event.
  void check_attributes(std::vector<AttributeDecl>& attributes, const EventDecl* event) {
    for (std::size_t i = 0; i < attributes.size(); ++i) {
      AttributeDecl& attribute = attributes[i];
      const std::string& name = attribute.name.name;
      if (is_reserved(name)) {
        error(attribute.name.span,
              fmt::format("'{}' is a reserved word and cannot name an attribute", name));
      } else if (event == nullptr && find_field(kMemberFields, name)) {
        error(attribute.name.span, fmt::format("'{}' is a built-in member field", name),
              fmt::format("member.{} is always there; choose another name", name));
      } else if (event == nullptr && (name == "time" || name == "type")) {
        error(attribute.name.span, fmt::format("'{}' cannot name a member attribute", name),
              fmt::format("it would hide event.{} in enroll and profile rules", name));
      } else if (event != nullptr &&
                 (name == "id" || name == "time" || name == "type" || name == "member")) {
        error(attribute.name.span, fmt::format("'{}' is a field of every event", name),
              "choose another name for the attribute");
      } else {
        for (std::size_t j = 0; j < i; ++j) {
          if (attributes[j].name.name == name) {
            error(attribute.name.span, fmt::format("attribute '{}' is declared twice", name),
                  first_on_line(attributes[j].name.span));
            break;
          }
        }
      }
      check_attribute_type(attribute);
      check_modifiers(attribute, event);
    }
  }

  void check_attribute_type(AttributeDecl& attribute) {
    const std::string& word = attribute.type.name;
    constexpr std::array<TypeKind, 5> kKinds = {TypeKind::number, TypeKind::string,
                                                TypeKind::boolean, TypeKind::date, TypeKind::time};
    if (auto index = find_name(kTypeNames, word)) {
      attribute.resolved = {kKinds[*index]};
      return;
    }
    struct Alias {
      std::string_view word;
      std::string_view type;
    };
    constexpr std::array<Alias, 11> kAliases = {{{"boolean", "bool"},
                                                 {"int", "number"},
                                                 {"integer", "number"},
                                                 {"decimal", "number"},
                                                 {"float", "number"},
                                                 {"money", "number"},
                                                 {"text", "string"},
                                                 {"datetime", "time"},
                                                 {"timestamp", "time"},
                                                 {"instant", "time"},
                                                 {"str", "string"}}};
    std::string hint = did_you_mean(word, as_vector(kTypeNames));
    for (const Alias& alias : kAliases) {
      if (alias.word == word) hint = fmt::format("did you mean '{}'?", alias.type);
    }
    if (hint.empty()) {
      hint = fmt::format("the types are {}", join_or(as_vector(kTypeNames)));
    }
    error(attribute.type.span, fmt::format("unknown type '{}'", word), hint);
  }

  void check_modifiers(AttributeDecl& attribute, const EventDecl* event) {
    for (const Identifier& modifier : attribute.modifiers) {
      bool* flag = nullptr;
      if (modifier.name == "pii") {
        flag = &attribute.pii;
      } else if (modifier.name == "optional") {
        flag = &attribute.optional;
      } else {
        std::string hint = did_you_mean(modifier.name, {"pii", "optional"});
        error(modifier.span, fmt::format("unknown modifier '{}'", modifier.name),
              hint.empty() ? "an attribute may be marked pii or optional" : hint);
        continue;
      }
      if (*flag) {
        error(modifier.span, fmt::format("'{}' is given twice", modifier.name));
        continue;
      }
      if (event != nullptr && flag == &attribute.pii) {
        error(modifier.span, "'pii' applies to member attributes only",
              "event attributes are not kept in the member's profile");
        continue;
      }
      *flag = true;
    }
  }

  void check_events() {
    for (std::size_t i = 0; i < tree_.events.size(); ++i) {
      EventDecl& event = tree_.events[i];
      const std::string& name = event.name.name;
      if (find_name(kTriggerNames, name)) {
        error(event.name.span, fmt::format("'{}' is a built-in event type", name),
              "give the custom event another name");
      } else if (is_reserved(name)) {
        error(event.name.span,
              fmt::format("'{}' is a reserved word and cannot name an event type", name));
      } else {
        for (std::size_t j = 0; j < i; ++j) {
          if (tree_.events[j].name.name == name) {
            error(event.name.span, fmt::format("event type '{}' is declared twice", name),
                  first_on_line(tree_.events[j].name.span));
            break;
          }
        }
      }
      check_attributes(event.attributes, &event);
    }
  }

  std::optional<std::uint32_t> find_custom_event(std::string_view name) const {
    if (find_name(kTriggerNames, name)) return std::nullopt;
    for (std::size_t i = 0; i < tree_.events.size(); ++i) {
      if (tree_.events[i].name.name == name) return static_cast<std::uint32_t>(i);
    }
    return std::nullopt;
  }

  // ---- tiers and lifecycle -----------------------------------------------------------------

  std::vector<std::string_view> tier_names() const {
    std::vector<std::string_view> names;
    if (tree_.tiers) {
      for (const TierDecl& tier : tree_.tiers->tiers) names.push_back(tier.name.name);
    }
    return names;
  }

  std::vector<std::string_view> stage_names() const {
    std::vector<std::string_view> names;
    if (tree_.lifecycle) {
      for (const StageDecl& stage : tree_.lifecycle->stages) names.push_back(stage.name.name);
    }
    return names;
  }

  std::optional<std::uint32_t> find_tier(std::string_view name) const {
    if (!tree_.tiers) return std::nullopt;
    const auto& tiers = tree_.tiers->tiers;
    for (std::size_t i = 0; i < tiers.size(); ++i) {
      if (tiers[i].name.name == name) return static_cast<std::uint32_t>(i);
    }
    return std::nullopt;
  }

  std::optional<std::uint32_t> find_stage(std::string_view name) const {
    if (!tree_.lifecycle) return std::nullopt;
    const auto& stages = tree_.lifecycle->stages;
    for (std::size_t i = 0; i < stages.size(); ++i) {
      if (stages[i].name.name == name) return static_cast<std::uint32_t>(i);
    }
    return std::nullopt;
  }

  /// The value of a number literal, possibly negated (`2000`, `-3`), after checking it.
  std::optional<Decimal> literal_number(Expr& e, const Scope& scope) {
    const bool literal = e.kind == ExprKind::number ||
                         (e.kind == ExprKind::unary && e.op == Op::neg && e.children.size() == 1 &&
                          e.children[0] && e.children[0]->kind == ExprKind::number);
    if (check_expr(e, scope).kind != TypeKind::number || !literal) return std::nullopt;
    return constant(e);
  }

  /// The value of a constant number expression (literals and + - * of them), if it is one.
  static std::optional<Decimal> constant(const Expr& e) {
    if (e.type.kind != TypeKind::number) return std::nullopt;
    if (e.kind == ExprKind::number) return e.number;
    if (e.kind == ExprKind::unary && e.op == Op::neg && e.children.size() == 1 && e.children[0]) {
      if (auto value = constant(*e.children[0])) return -*value;
      return std::nullopt;
    }
    if (e.kind == ExprKind::binary && e.children.size() == 2 && e.children[0] && e.children[1] &&
        (e.op == Op::add || e.op == Op::sub || e.op == Op::mul)) {
      auto a = constant(*e.children[0]);
      auto b = constant(*e.children[1]);
      if (!a || !b) return std::nullopt;
      try {
        return e.op == Op::add ? *a + *b : e.op == Op::sub ? *a - *b : *a * *b;
      } catch (const Error&) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  /// True when `e` reads the member: a member field, or a window over its history.
  static bool measures_member(const Expr& e) {
    if (e.ref.kind == RefKind::member_builtin || e.ref.kind == RefKind::member_attribute) {
      return true;
    }
    if (e.kind == ExprKind::call && e.ref.kind == RefKind::function &&
        is_window_function(static_cast<Function>(e.ref.index))) {
      return true;
    }
    for (const ExprPtr& child : e.children) {
      if (child && measures_member(*child)) return true;
    }
    return e.where && measures_member(*e.where);
  }

  void check_tiers() {
    if (!tree_.tiers) return;
    TiersDecl& tiers = *tree_.tiers;
    const Scope scope{Context::tiers};
    for (std::size_t i = 0; i < tiers.tiers.size(); ++i) {
      const Identifier& name = tiers.tiers[i].name;
      if (is_reserved(name.name)) {
        error(name.span, fmt::format("'{}' is a reserved word and cannot name a tier", name.name));
        continue;
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (tiers.tiers[j].name.name == name.name) {
          error(name.span, fmt::format("tier '{}' is declared twice", name.name),
                first_on_line(tiers.tiers[j].name.span));
          break;
        }
      }
    }
    // In a section with a syntax error, what parsed may be a fragment: its names are checked,
    // its expressions only resolved.
    quiet_ = tiers_broken_;
    if (tiers.metric) {
      Type type = check_expr(*tiers.metric, scope);
      if (type.kind != TypeKind::unknown && type.kind != TypeKind::number) {
        error(tiers.metric->span,
              fmt::format("tiers must be measured by a number, such as member.earned, not {}",
                          phrase(type)));
      } else if (type.kind == TypeKind::number && !measures_member(*tiers.metric)) {
        error(tiers.metric->span, "tiers must be measured on the member",
              "use a member figure, such as member.earned or earned(12 months)");
      }
    }
    std::optional<Decimal> previous;
    std::string_view previous_name;
    for (std::size_t i = 0; i < tiers.tiers.size(); ++i) {
      TierDecl& tier = tiers.tiers[i];
      const std::string& name = tier.name.name;
      out_.tier_thresholds.emplace_back();
      if (!tier.from) continue;
      auto value = literal_number(*tier.from, scope);
      if (!value) {
        if (tier.from->type.kind == TypeKind::unknown) continue;  // reported
        error(tier.from->span, "a tier's threshold must be a number, such as 2000");
        continue;
      }
      out_.tier_thresholds.back() = *value;
      if (previous && *value <= *previous) {
        error(tier.from->span,
              fmt::format("tier thresholds must increase: {} from {} is not above {} from {}", name,
                          value->to_string(), previous_name, previous->to_string()),
              "list the tiers lowest first");
      }
      previous = *value;
      previous_name = name;
    }
    quiet_ = false;
    if (tiers.keep) {
      if (tiers.keep->kind == ExprKind::duration) {
        if (check_expr(*tiers.keep, scope).kind == TypeKind::duration) {
          out_.tier_keep = tiers.keep->duration;
        }
      } else {
        wrong_kind(*tiers.keep, "keep needs a duration, such as 12 months");
      }
    }
  }

  void check_lifecycle() {
    if (!tree_.lifecycle) return;
    auto& stages = tree_.lifecycle->stages;
    const Scope scope{Context::lifecycle};
    for (std::size_t i = 0; i < stages.size(); ++i) {
      StageDecl& stage = stages[i];
      const std::string& name = stage.name.name;
      if (is_reserved(name)) {
        error(stage.name.span,
              fmt::format("'{}' is a reserved word and cannot name a stage", name));
      } else if (auto tier = find_tier(name)) {
        error(stage.name.span, fmt::format("'{}' is already the name of a tier", name),
              "tier and stage names must differ");
      } else {
        for (std::size_t j = 0; j < i; ++j) {
          if (stages[j].name.name == name) {
            error(stage.name.span, fmt::format("stage '{}' is declared twice", name),
                  first_on_line(stages[j].name.span));
            break;
          }
        }
      }
      if (!stage.when) {
        if (i + 1 < stages.size()) {
          error(stage.span, "'otherwise' must be the last stage",
                "the stages after it could never be reached");
        }
        continue;
      }
      quiet_ = lifecycle_broken_;  // see check_tiers
      Type type = check_expr(*stage.when, scope);
      if (type.kind != TypeKind::unknown && type.kind != TypeKind::boolean) {
        error(stage.when->span,
              fmt::format("a stage's condition must be true or false, not {}", phrase(type)));
      }
      quiet_ = false;
    }
  }

  // ---- rules -------------------------------------------------------------------------------

  void check_rules() {
    out_.rules.resize(tree_.rules.size());
    for (std::size_t i = 0; i < tree_.rules.size(); ++i) {
      RuleDecl& rule = tree_.rules[i];
      check_rule_name(i);
      check_rule(rule, out_.rules[i]);
    }
    out_.rule_order.resize(out_.rules.size());
    for (std::size_t i = 0; i < out_.rule_order.size(); ++i) {
      out_.rule_order[i] = static_cast<std::uint32_t>(i);
    }
    std::stable_sort(out_.rule_order.begin(), out_.rule_order.end(),
                     [&](std::uint32_t a, std::uint32_t b) {
                       return out_.rules[a].priority > out_.rules[b].priority;
                     });
  }

  void check_rule_name(std::size_t index) {
    const Identifier& name = tree_.rules[index].name;
    if (name.name.empty()) {
      error(name.span, "a rule needs a name");
      return;
    }
    if (!was_quoted(name) && is_reserved(name.name)) {
      error(name.span, fmt::format("'{}' is a reserved word and cannot name a rule", name.name),
            fmt::format("write the name in quotes: rule \"{}\"", name.name));
      return;
    }
    for (std::size_t j = 0; j < index; ++j) {
      if (tree_.rules[j].name.name == name.name) {
        error(name.span, fmt::format("rule '{}' is defined twice", name.name),
              first_on_line(tree_.rules[j].name.span) + "; rule names must be unique");
        return;
      }
    }
  }

  void check_rule(RuleDecl& rule, CheckedRule& checked) {
    Scope scope = check_trigger(rule.trigger, checked.trigger);
    if (rule.when) {
      Type type = check_expr(*rule.when, scope);
      if (type.kind != TypeKind::unknown && type.kind != TypeKind::boolean) {
        error(rule.when->span,
              fmt::format("a rule's condition must be true or false, not {}", phrase(type)));
      }
    }
    check_options(rule, checked, scope);
    if (rule.actions.size() > kMaxActions) {
      error(rule.actions[kMaxActions].span,
            fmt::format("rule '{}' has {} actions", rule.name.name, rule.actions.size()),
            fmt::format("a rule has at most {} actions", kMaxActions));
    }
    checked.actions.resize(rule.actions.size());
    for (std::size_t i = 0; i < rule.actions.size(); ++i) {
      check_action(rule.actions[i], checked.actions[i], checked, scope);
    }
  }

  Scope check_trigger(const Trigger& trigger, CheckedTrigger& checked) {
    Scope scope;
    const std::string& name = trigger.event.name;
    if (auto builtin = find_name(kTriggerNames, name)) {
      scope.trigger = static_cast<TriggerKind>(*builtin);
    } else if (auto custom = find_custom_event(name)) {
      scope.trigger = TriggerKind::custom;
      scope.custom_event = *custom;
    } else {
      scope.trigger_known = false;
      if (!events_broken_ && !name.empty()) {
        std::vector<std::string_view> candidates = as_vector(kTriggerNames);
        for (const EventDecl& event : tree_.events) candidates.push_back(event.name.name);
        std::string hint = did_you_mean(name, candidates);
        if (hint.empty()) {
          hint =
              "a rule runs on " + join_or(candidates) + " (or an event type declared with event)";
        }
        error(trigger.event.span, fmt::format("unknown trigger '{}'", name), hint);
      }
      return scope;
    }
    checked.kind = scope.trigger;
    checked.custom_event = scope.custom_event;

    const bool on_tier = scope.trigger == TriggerKind::tier_changed;
    const bool on_stage = scope.trigger == TriggerKind::stage_changed;
    if (on_tier && !tiers_broken_ && tier_names().empty()) {
      error(trigger.event.span, "this rule can never fire: the program has no tiers",
            "declare them in a tiers section");
    }
    if (on_stage && !lifecycle_broken_ && stage_names().empty()) {
      error(trigger.event.span, "this rule can never fire: the program has no lifecycle stages",
            "declare them in a lifecycle section");
    }
    if (!trigger.to) return scope;
    const Identifier& to = *trigger.to;
    if (!on_tier && !on_stage) {
      error(to.span,
            fmt::format("'to' applies only to tier_changed and stage_changed, not {}", name));
      return scope;
    }
    if (on_tier) {
      if (auto tier = find_tier(to.name)) {
        checked.to = *tier;
      } else if (find_stage(to.name)) {
        error(to.span, fmt::format("'{}' is a stage, not a tier", to.name),
              "did you mean stage_changed?");
      } else if (!tiers_broken_ && !tier_names().empty()) {
        report_unknown_declared(to, "tier", tier_names());
      }
    } else {
      if (auto stage = find_stage(to.name)) {
        checked.to = *stage;
      } else if (find_tier(to.name)) {
        error(to.span, fmt::format("'{}' is a tier, not a stage", to.name),
              "did you mean tier_changed?");
      } else if (!lifecycle_broken_ && !stage_names().empty()) {
        report_unknown_declared(to, "stage", stage_names());
      }
    }
    return scope;
  }

  /// "unknown tier 'platnum'; did you mean 'platinum'?" or "...; the tiers are a, b and c".
  void report_unknown_declared(const Identifier& id, std::string_view what,
                               const std::vector<std::string_view>& declared) {
    std::string hint = did_you_mean(id.name, declared);
    if (hint.empty()) {
      hint = declared.empty() ? fmt::format("this program declares no {}s", what)
                              : fmt::format("the {}s are {}", what, join_and(declared));
    }
    error(id.span, fmt::format("unknown {} '{}'", what, id.name), hint);
  }

  void check_options(RuleDecl& rule, CheckedRule& checked, const Scope& scope) {
    std::array<std::optional<Span>, kOptionNames.size()> seen{};
    for (RuleOption& option : rule.options) {
      const auto kind = static_cast<std::size_t>(option.kind);
      if (kind >= kOptionNames.size()) continue;
      if (seen[kind]) {
        error(option.span, fmt::format("'{}' is given twice in this rule", kOptionNames[kind]),
              "a rule takes each option at most once");
        continue;
      }
      seen[kind] = option.span;
      switch (option.kind) {
        case OptionKind::active: check_active(option, checked, scope); break;
        case OptionKind::limit: {
          auto count =
              whole_number_option(option.first.get(), scope,
                                  "a limit must be a whole number above zero, such as 3", true);
          if (!count) break;
          RuleLimit limit{*count, std::nullopt};
          if (option.second) {
            Expr& window = *option.second;
            if (window.kind != ExprKind::duration) {
              wrong_kind(window, "a limit's window must be a duration, such as 30 days");
              break;
            }
            if (check_expr(window, scope).kind != TypeKind::duration) break;
            if (window.duration.count() == 0) {
              error(window.span, "a limit's window must be longer than zero");
              break;
            }
            limit.window = window.duration;
          }
          checked.limit = limit;
          break;
        }
        case OptionKind::budget:
          checked.budget = whole_number_option(
              option.first.get(), scope,
              "a budget must be a whole number of points above zero, such as 100000", true);
          break;
        case OptionKind::group:
          if (option.group.name.empty()) {
            error(option.group.span, "a group needs a name");
          } else {
            checked.group = option.group.name;
          }
          break;
        case OptionKind::priority:
          if (auto priority = whole_number_option(
                  option.first.get(), scope, "a priority must be a whole number, such as 10 or -1",
                  false)) {
            checked.priority = *priority;
          }
          break;
      }
    }
  }

  std::optional<std::int64_t> whole_number_option(Expr* e, const Scope& scope,
                                                  std::string_view message, bool positive) {
    if (e == nullptr) return std::nullopt;
    auto value = literal_number(*e, scope);
    if (!value) {
      if (e->type.kind == TypeKind::unknown) return std::nullopt;  // reported
      error(e->span, std::string(message));
      return std::nullopt;
    }
    if (!value->is_integer() || (positive && value->sign() <= 0)) {
      error(e->span, std::string(message));
      return std::nullopt;
    }
    try {
      return value->to_int64(Rounding::floor);
    } catch (const Error&) {
      error(e->span, std::string(message), "this number is too large");
      return std::nullopt;
    }
  }

  void check_active(RuleOption& option, CheckedRule& checked, const Scope& scope) {
    std::optional<Date> ends[2];
    Expr* parts[2] = {option.first.get(), option.second.get()};
    for (int i = 0; i < 2; ++i) {
      Expr* part = parts[i];
      if (part == nullptr) continue;
      if (part->kind != ExprKind::date) {
        wrong_kind(*part, "active needs dates, such as active from 2026-12-01 to 2026-12-31");
        continue;
      }
      if (check_expr(*part, scope).kind == TypeKind::date) ends[i] = part->date;
    }
    if (!ends[0] || !ends[1]) return;
    if (*ends[1] < *ends[0]) {
      error(Span{parts[0]->span.begin, parts[1]->span.end},
            fmt::format("this rule can never fire: its active range ends on {}, before it "
                        "starts on {}",
                        ends[1]->to_string(), ends[0]->to_string()));
      return;
    }
    checked.active_from = ends[0];
    checked.active_to = ends[1];
  }

  void check_action(Action& action, CheckedAction& checked, const CheckedRule& rule,
                    const Scope& scope) {
    switch (action.kind) {
      case ActionKind::award:
      case ActionKind::deduct: check_points_action(action, checked, rule, scope); break;
      case ActionKind::tag:
      case ActionKind::untag:
        if (action.name.name.empty()) error(action.name.span, "a tag cannot be empty");
        break;
      case ActionKind::set: check_set(action, checked, scope); break;
      case ActionKind::emit: check_emit(action, scope); break;
      case ActionKind::stop: break;
    }
  }

  void check_points_action(Action& action, CheckedAction& checked, const CheckedRule& rule,
                           const Scope& scope) {
    const bool award = action.kind == ActionKind::award;
    const std::string_view verb = award ? "award" : "deduct";
    if (action.amount) {
      Expr& amount = *action.amount;
      Type type = check_expr(amount, scope);
      if (type.kind != TypeKind::unknown && type.kind != TypeKind::number) {
        error(amount.span, fmt::format("{} needs a number of points, not {}", verb, phrase(type)),
              literal_hint(amount, TypeKind::number));
      } else if (auto value = constant(amount); value && value->sign() < 0) {
        error(amount.span,
              fmt::format("cannot {} a negative number of points ({})", verb, value->to_string()),
              award ? "use deduct to take points away" : "use award to give points");
      }
    }
    for (Span span : action.repeated_clauses) {
      std::string_view text = text_of(span);
      std::string_view word = text.substr(0, text.find_first_of(" \t\r\n"));
      if (word == "expiring" || word == "never") {
        error(span, "this award already says when its points expire");
      } else if (!word.empty()) {
        error(span, fmt::format("'{}' is given twice in this award", word));
      } else {
        error(span, "this clause is given twice in this award");
      }
    }
    if (action.label) checked.label = action.label->name;
    if (!award) {
      if (action.pending || action.expiry != ExpiryKind::program_default) {
        error(action.span, "deduct takes no pending or expiry");
      }
      return;
    }

    const Settings& settings = out_.settings;
    checked.pending = settings.points_pending;
    std::optional<Duration> pending;  // given in this award and valid
    if (action.pending) {
      Expr& wait = *action.pending;
      if (wait.kind != ExprKind::duration) {
        wrong_kind(wait, "pending needs a duration, such as 14 days");
      } else if (check_expr(wait, scope).kind == TypeKind::duration) {
        pending = wait.duration;
        checked.pending = wait.duration;
      }
    }
    std::optional<Duration> life;  // given in this award and valid
    bool life_known = false;
    switch (action.expiry) {
      case ExpiryKind::program_default:
        if (settings.points_expire) {
          checked.expiry = ExpiryKind::in;
          checked.expires_in = *settings.points_expire;
          life_known = true;
        } else {
          checked.expiry = ExpiryKind::never;
        }
        break;
      case ExpiryKind::never: checked.expiry = ExpiryKind::never; break;
      case ExpiryKind::in: {
        checked.expiry = ExpiryKind::in;
        if (!action.expiry_value) break;
        Expr& value = *action.expiry_value;
        if (value.kind != ExprKind::duration) {
          wrong_kind(value, "expiring in needs a duration, such as 90 days");
        } else if (check_expr(value, scope).kind == TypeKind::duration) {
          if (value.duration.count() == 0) {
            error(value.span, "points expiring in 0 days could never be spent");
            return;
          }
          life = value.duration;
          life_known = true;
          checked.expires_in = value.duration;
        }
        break;
      }
      case ExpiryKind::on: {
        checked.expiry = ExpiryKind::on;
        if (!action.expiry_value) break;
        Expr& value = *action.expiry_value;
        if (value.kind != ExprKind::date) {
          wrong_kind(value, "expiring on needs a date, such as 2026-12-31");
        } else if (check_expr(value, scope).kind == TypeKind::date) {
          checked.expires_on = value.date;
          if (rule.active_from && value.date < *rule.active_from) {
            error(value.span,
                  fmt::format("these points would expire on {}, before the rule is active "
                              "(from {})",
                              value.date.to_string(), rule.active_from->to_string()));
          }
        }
        break;
      }
    }
    if (!life_known) return;
    const Duration wait_used = pending ? *pending : settings.points_pending;
    const Duration life_used = life ? *life : checked.expires_in;
    if (!pending && !life) return;           // both defaults: reported at the settings
    if (!pending && action.pending) return;  // a bad pending clause, reported
    WaitVersusLife verdict = compare_wait_and_life(wait_used, life_used);
    if (!verdict.unusable) return;
    if (pending && life) {
      error(Span{action.pending->span.begin,
                 std::max(action.pending->span.end, action.expiry_value->span.end)},
            fmt::format("these points could never be spent: pending {} is not shorter than "
                        "expiring in {}",
                        wait_used.to_string(), life_used.to_string()),
            verdict.hint);
    } else if (pending) {
      error(action.pending->span,
            fmt::format("these points could never be spent: pending {} is not shorter than "
                        "the program's points_expire of {}",
                        wait_used.to_string(), life_used.to_string()),
            verdict.hint);
    } else {
      error(action.expiry_value->span,
            fmt::format("these points could never be spent: expiring in {} is not longer than "
                        "the program's points_pending of {}",
                        life_used.to_string(), wait_used.to_string()),
            verdict.hint);
    }
  }

  void check_set(Action& action, CheckedAction& checked, const Scope& scope) {
    const std::string& name = action.name.name;
    std::optional<std::uint32_t> index;
    for (std::size_t i = 0; i < tree_.member_attributes.size(); ++i) {
      if (tree_.member_attributes[i].name.name == name) {
        index = static_cast<std::uint32_t>(i);
        break;
      }
    }
    if (!index) {
      if (auto builtin = find_field(kMemberFields, name)) {
        const auto field = static_cast<MemberField>(*builtin);
        std::string hint = "the engine keeps it";
        if (field == MemberField::points || field == MemberField::pending_points ||
            field == MemberField::earned) {
          hint = "use award or deduct to change points";
        } else if (field == MemberField::tier) {
          hint = "the tier follows from the tiers section";
        } else if (field == MemberField::stage) {
          hint = "the stage follows from the lifecycle section";
        } else if (field == MemberField::tags) {
          hint = "use tag or untag";
        }
        error(action.name.span, fmt::format("member.{} cannot be set", name), hint);
      } else if (!member_broken_) {
        std::vector<std::string_view> declared;
        for (const AttributeDecl& attribute : tree_.member_attributes) {
          declared.push_back(attribute.name.name);
        }
        std::string hint = did_you_mean(name, declared);
        error(action.name.span,
              fmt::format("cannot set member.{}: the member section declares no such attribute",
                          name),
              hint.empty() ? fmt::format("declare it first, such as {}: string", name) : hint);
      }
      if (action.amount) check_expr(*action.amount, scope);
      return;
    }
    checked.attribute = *index;
    const AttributeDecl& attribute = tree_.member_attributes[*index];
    if (!action.amount) return;
    Expr& value = *action.amount;
    Type type = check_expr(value, scope, attribute.resolved);
    if (type.kind == TypeKind::unknown || attribute.resolved.kind == TypeKind::unknown) return;
    if (type.kind == TypeKind::none) {
      if (!attribute.optional) {
        error(value.span, fmt::format("member.{} is not optional and cannot be set to none", name),
              "mark it optional in the member section");
      }
      return;
    }
    if (type != attribute.resolved) {
      std::string hint;
      if (attribute.resolved.kind == TypeKind::date && type.kind == TypeKind::time) {
        hint = "use date(...) to take the date of a time";
      } else {
        hint = literal_hint(value, attribute.resolved.kind);
      }
      error(value.span,
            fmt::format("member.{} is {}; it cannot be set to {}", name, phrase(attribute.resolved),
                        phrase(type)),
            hint);
    }
  }

  void check_emit(Action& action, const Scope& scope) {
    if (action.name.name.empty()) error(action.name.span, "a message needs a name");
    for (std::size_t i = 0; i < action.fields.size(); ++i) {
      EmitField& field = action.fields[i];
      if (!was_quoted(field.key) && is_reserved(field.key.name)) {
        error(
            field.key.span,
            fmt::format("'{}' is a reserved word and cannot name a message field", field.key.name),
            "choose another key");
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (action.fields[j].key.name == field.key.name) {
          error(field.key.span, fmt::format("'{}' is given twice in this message", field.key.name));
          break;
        }
      }
      if (field.value) check_expr(*field.value, scope);
    }
  }

  // ---- expressions -------------------------------------------------------------------------

  Type check_expr(Expr& e, const Scope& scope, Type hint = {}) {
    e.type = check_inner(e, scope, hint);
    return e.type;
  }

  Type check_inner(Expr& e, const Scope& scope, Type hint) {
    switch (e.kind) {
      case ExprKind::number: return check_number(e);
      case ExprKind::string: return {TypeKind::string};
      case ExprKind::boolean: return {TypeKind::boolean};
      case ExprKind::none: return {TypeKind::none};
      case ExprKind::date:
        try {
          e.date = Date::parse(e.text);
          return {TypeKind::date};
        } catch (const Error& failure) {
          error(e.span, failure.what());
          return {};
        }
      case ExprKind::time:
        try {
          e.time = Instant::parse(e.text);
          return {TypeKind::time};
        } catch (const Error& failure) {
          error(e.span, failure.what());
          return {};
        }
      case ExprKind::duration: return check_duration(e);
      case ExprKind::list: return check_list(e, scope, hint);
      case ExprKind::name: return check_name(e, scope, hint);
      case ExprKind::field: return check_field(e, scope);
      case ExprKind::call: return check_call(e, scope);
      case ExprKind::unary: return check_unary(e, scope);
      case ExprKind::binary: return check_binary(e, scope);
    }
    return {};
  }

  Type check_number(Expr& e) {
    try {
      e.number = Decimal::parse(e.text);
      return {TypeKind::number};
    } catch (const Error& failure) {
      if (failure.code() == ErrorCode::number_overflow) {
        error(e.span, fmt::format("the number {} is out of range", e.text),
              "numbers have at most 64 digits before and 64 after the decimal point");
      } else {
        error(e.span, fmt::format("invalid number '{}'", e.text));
      }
      return {};
    }
  }

  Type check_duration(Expr& e) {
    const UnitWord* unit = nullptr;
    for (const UnitWord& word : kUnits) {
      if (e.unit == word.singular || e.unit == word.plural) unit = &word;
    }
    auto count = Decimal::try_parse(e.text);
    if (unit == nullptr) {
      std::vector<std::string_view> words;
      for (const UnitWord& word : kUnits) {
        words.push_back(word.singular);
        words.push_back(word.plural);
      }
      std::string hint = did_you_mean(e.unit, words);
      if ((e.unit == "week" || e.unit == "weeks") && count && count->is_integer()) {
        hint = fmt::format("write {} days", (*count * Decimal(7)).to_string());
      }
      if (hint.empty()) hint = "the units are minutes, hours, days, months and years";
      error(tail_span(e.span, e.unit), fmt::format("unknown unit '{}'", e.unit), hint);
      return {};
    }
    if (!count) {
      error(e.span, fmt::format("invalid number '{}'", e.text));
      return {};
    }
    e.number = *count;
    if (!count->is_integer() || count->sign() < 0) {
      std::string hint = "use a smaller unit";
      std::optional<std::pair<std::int64_t, std::string_view>> smaller;
      if (unit->unit == Duration::Unit::years) smaller = {{12, "months"}};
      if (unit->unit == Duration::Unit::days) smaller = {{24, "hours"}};
      if (unit->unit == Duration::Unit::hours) smaller = {{60, "minutes"}};
      if (smaller && count->sign() >= 0) {
        Decimal scaled = *count * Decimal(smaller->first);
        if (scaled.is_integer()) {
          hint = fmt::format("write {} {}", scaled.normalized().to_string(), smaller->second);
        }
      }
      error(e.span, fmt::format("a duration counts whole {}", unit_plural(unit->unit)), hint);
      return {};
    }
    try {
      e.duration = Duration(count->to_int64(Rounding::floor), unit->unit);
    } catch (const Error&) {
      error(e.span, fmt::format("the duration {} {} is too long", e.text, e.unit),
            "durations reach at most 10000 years");
      return {};
    }
    return {TypeKind::duration};
  }

  Type check_list(Expr& e, const Scope& scope, Type hint) {
    if (e.children.empty()) {
      error(e.span, "an empty list matches nothing", "list at least one value");
      return {};
    }
    const Type element_hint = hint.kind == TypeKind::list ? Type{hint.element} : Type{};
    std::optional<Type> element;
    bool failed = false;
    for (ExprPtr& child : e.children) {
      if (!child) {
        failed = true;
        continue;
      }
      Type type = check_expr(*child, scope, element_hint);
      if (type.kind == TypeKind::unknown) {
        failed = true;
        continue;
      }
      if (!comparable(type.kind)) {
        error(child->span, fmt::format("a list cannot hold {}", phrase(type)));
        failed = true;
        continue;
      }
      if (!element) {
        element = type;
      } else if (type != *element) {
        error(child->span,
              fmt::format("a list holds values of one type: this is {}, the first "
                          "is {}",
                          phrase(type), phrase(*element)),
              literal_hint(*child, element->kind));
        failed = true;
      }
    }
    if (failed || !element) return {};
    return {TypeKind::list, element->kind};
  }

  // ---- names -------------------------------------------------------------------------------

  Type check_name(Expr& e, const Scope& scope, Type hint) {
    const std::string& name = e.text;
    if (name == "true" || name == "false") {
      e.boolean = name == "true";
      return {TypeKind::boolean};
    }
    if (name == "none") return {TypeKind::none};
    if (name == "item" && scope.item_depth > 0) {
      error(e.span, "'item' is not a value by itself",
            "use one of its fields: item.sku, item.category, item.qty or item.price");
      return {};
    }
    if (auto day = find_name(kWeekdayNames, name)) {
      e.ref = {RefKind::weekday, *day + 1};
      return {TypeKind::weekday};
    }
    if (auto tier = find_tier(name)) {
      e.ref = {RefKind::tier, *tier};
      return {TypeKind::tier};
    }
    if (auto stage = find_stage(name)) {
      e.ref = {RefKind::stage, *stage};
      return {TypeKind::stage};
    }
    if (name == "event" || name == "member") {
      if (name == "event" && scope.context != Context::rule) {
        report_no_event(e.span, scope);
      } else {
        error(e.span, fmt::format("'{}' is not a value by itself", name),
              fmt::format("use one of its attributes, such as {}",
                          name == "event" ? "event.time" : "member.points"));
      }
      return {};
    }
    if (name == "item") {
      error(e.span, "'item' can only be used inside count, any, all or sum over event.items");
      return {};
    }
    report_unknown_name(e, scope, hint);
    return {};
  }

  void report_no_event(Span span, const Scope& scope) {
    if (scope.context == Context::tiers) {
      error(span, "tiers are measured on the member alone; there is no event here");
    } else {
      error(span, "stage conditions see the member alone; there is no event here");
    }
  }

  void report_unknown_name(const Expr& e, const Scope& scope, Type hint) {
    const std::string& name = e.text;
    if (hint.kind == TypeKind::tier) {
      if (tiers_broken_) return;
      Identifier id{name, e.span};
      report_unknown_declared(id, "tier", tier_names());
      return;
    }
    if (hint.kind == TypeKind::stage) {
      if (lifecycle_broken_) return;
      Identifier id{name, e.span};
      report_unknown_declared(id, "stage", stage_names());
      return;
    }
    if (hint.kind == TypeKind::weekday) {
      constexpr std::array<std::string_view, 7> kLong = {
          "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
      std::string hint_text = did_you_mean(name, as_vector(kWeekdayNames));
      if (auto day = find_name(kLong, name)) {
        hint_text = fmt::format("did you mean '{}'?", kWeekdayNames[*day]);
      }
      if (hint_text.empty()) hint_text = "the weekdays are mon, tue, wed, thu, fri, sat and sun";
      error(e.span, fmt::format("unknown weekday '{}'", name), hint_text);
      return;
    }
    if ((tiers_broken_ || lifecycle_broken_) && hint.kind == TypeKind::unknown) return;
    std::string hint_text;
    if (scope.context == Context::rule && find_event_field(name, scope)) {
      hint_text = fmt::format("did you mean 'event.{}'?", name);
    } else if (find_member_field(name)) {
      hint_text = fmt::format("did you mean 'member.{}'?", name);
    } else if (hint.kind == TypeKind::string) {
      hint_text = fmt::format("write text in quotes: \"{}\"", name);
    } else {
      std::vector<std::string_view> candidates = {"member", "true", "false", "none"};
      if (scope.context == Context::rule) candidates.push_back("event");
      if (scope.item_depth > 0) candidates.push_back("item");
      for (std::string_view day : kWeekdayNames) candidates.push_back(day);
      for (std::string_view tier : tier_names()) candidates.push_back(tier);
      for (std::string_view stage : stage_names()) candidates.push_back(stage);
      hint_text = did_you_mean(name, candidates);
    }
    error(e.span, fmt::format("unknown name '{}'", name), hint_text);
  }

  /// A hint for a string literal written where a bare name or a number was meant.
  std::string literal_hint(const Expr& e, TypeKind wanted) const {
    if (e.kind != ExprKind::string) return {};
    const std::string& text = e.text;
    switch (wanted) {
      case TypeKind::tier:
        if (find_tier(text)) return fmt::format("write tier names without quotes: {}", text);
        break;
      case TypeKind::stage:
        if (find_stage(text)) return fmt::format("write stage names without quotes: {}", text);
        break;
      case TypeKind::weekday:
        if (find_name(kWeekdayNames, text)) {
          return fmt::format("write weekdays without quotes: {}", text);
        }
        break;
      case TypeKind::number:
        if (Decimal::try_parse(text)) return fmt::format("write numbers without quotes: {}", text);
        break;
      case TypeKind::date:
        if (Date::try_parse(text)) return fmt::format("write dates without quotes: {}", text);
        break;
      case TypeKind::duration:
        try {
          Duration::parse(text);
          return fmt::format("write durations without quotes: {}", text);
        } catch (const Error&) {
          break;
        }
      case TypeKind::boolean:
        if (text == "true" || text == "false") {
          return fmt::format("write {} without quotes", text);
        }
        break;
      default: break;
    }
    return {};
  }

  // ---- fields ------------------------------------------------------------------------------

  std::string trigger_name(const Scope& scope) const {
    if (scope.trigger == TriggerKind::custom) return tree_.events[scope.custom_event].name.name;
    return std::string(kTriggerNames[static_cast<std::size_t>(scope.trigger)]);
  }

  /// The field `name` of the scope's trigger event, if it has one.
  std::optional<FieldHit> find_event_field(std::string_view name, const Scope& scope) const {
    if (auto index = find_field(kEventFields, name)) {
      const auto field = static_cast<EventField>(*index);
      if (!scope.trigger_known && *index > 2) return std::nullopt;
      if (event_has_field(scope.trigger, field)) {
        Type type = kEventFields[*index].type;
        if (field == EventField::from || field == EventField::to) {
          type = {scope.trigger == TriggerKind::tier_changed ? TypeKind::tier : TypeKind::stage};
        }
        return FieldHit{type, {RefKind::event_builtin, *index}};
      }
    }
    if (!scope.trigger_known) return std::nullopt;
    const std::vector<AttributeDecl>* attributes = nullptr;
    if (scope.trigger == TriggerKind::enroll || scope.trigger == TriggerKind::profile) {
      attributes = &tree_.member_attributes;
    } else if (scope.trigger == TriggerKind::custom) {
      attributes = &tree_.events[scope.custom_event].attributes;
    }
    if (attributes != nullptr) {
      for (std::size_t i = 0; i < attributes->size(); ++i) {
        const AttributeDecl& attribute = (*attributes)[i];
        if (attribute.name.name == name) {
          return FieldHit{attribute.resolved,
                          {RefKind::event_attribute, static_cast<std::uint32_t>(i)}};
        }
      }
    }
    return std::nullopt;
  }

  std::vector<std::string_view> event_field_names(const Scope& scope) const {
    std::vector<std::string_view> names;
    for (std::size_t i = 0; i < kEventFields.size(); ++i) {
      if (event_has_field(scope.trigger, static_cast<EventField>(i))) {
        names.push_back(kEventFields[i].name);
      }
    }
    if (scope.trigger == TriggerKind::enroll || scope.trigger == TriggerKind::profile) {
      for (const AttributeDecl& attribute : tree_.member_attributes) {
        names.push_back(attribute.name.name);
      }
    } else if (scope.trigger == TriggerKind::custom) {
      for (const AttributeDecl& attribute : tree_.events[scope.custom_event].attributes) {
        names.push_back(attribute.name.name);
      }
    }
    return names;
  }

  std::optional<FieldHit> find_member_field(std::string_view name) const {
    if (auto index = find_field(kMemberFields, name)) {
      return FieldHit{kMemberFields[*index].type, {RefKind::member_builtin, *index}};
    }
    for (std::size_t i = 0; i < tree_.member_attributes.size(); ++i) {
      const AttributeDecl& attribute = tree_.member_attributes[i];
      if (attribute.name.name == name) {
        return FieldHit{attribute.resolved,
                        {RefKind::member_attribute, static_cast<std::uint32_t>(i)}};
      }
    }
    return std::nullopt;
  }

  Type check_field(Expr& e, const Scope& scope) {
    if (e.children.empty() || !e.children[0]) return {};
    Expr& object = *e.children[0];
    const Span field_span = tail_span(e.span, e.text);
    if (object.kind == ExprKind::name) {
      if (object.text == "event") {
        if (scope.context != Context::rule) {
          report_no_event(object.span, scope);
          return {};
        }
        object.type = {TypeKind::event};
        object.ref = {RefKind::event};
        return event_field(e, field_span, scope);
      }
      if (object.text == "member") {
        object.type = {TypeKind::member};
        object.ref = {RefKind::member};
        return member_field(e, field_span, scope);
      }
      if (object.text == "item") {
        if (scope.item_depth == 0) {
          error(object.span,
                "'item' can only be used inside count, any, all or sum over event.items");
          return {};
        }
        object.type = {TypeKind::item};
        object.ref = {RefKind::item};
        if (auto index = find_field(kItemFields, e.text)) {
          e.ref = {RefKind::item_field, *index};
          return kItemFields[*index].type;
        }
        std::string hint = e.text == "quantity" ? "did you mean 'qty'?"
                                                : did_you_mean(e.text, field_names(kItemFields));
        if (hint.empty()) hint = "an item has sku, category, qty and price";
        error(field_span, fmt::format("unknown item field '{}'", e.text), hint);
        return {};
      }
    }
    Type type = check_expr(object, scope);
    if (type.kind == TypeKind::unknown) return {};
    error(field_span, fmt::format("{} has no attribute '{}'", phrase(type), e.text));
    return {};
  }

  /// True when the declaration of the scope's trigger's attributes has a syntax error.
  bool trigger_declaration_broken(const Scope& scope) const {
    if (scope.trigger == TriggerKind::enroll || scope.trigger == TriggerKind::profile) {
      return member_broken_;
    }
    return scope.trigger == TriggerKind::custom && scope.custom_event < event_broken_.size() &&
           event_broken_[scope.custom_event];
  }

  Type event_field(Expr& e, Span field_span, const Scope& scope) {
    const std::string& name = e.text;
    if (auto hit = find_event_field(name, scope)) {
      e.ref = hit->ref;
      return hit->type;
    }
    if (!scope.trigger_known) return {};
    // With a syntax error in the event's declaration, an unknown name may be one it lost.
    if (trigger_declaration_broken(scope) && did_you_mean(name, event_field_names(scope)).empty()) {
      return {};
    }
    const std::string current = trigger_name(scope);
    // Another event type's attribute?
    std::vector<std::string_view> owners;
    if (auto index = find_field(kEventFields, name)) {
      for (TriggerKind kind : {TriggerKind::purchase, TriggerKind::refund,
                               TriggerKind::tier_changed, TriggerKind::stage_changed}) {
        if (kind != scope.trigger && event_has_field(kind, static_cast<EventField>(*index))) {
          owners.push_back(kTriggerNames[static_cast<std::size_t>(kind)]);
        }
      }
    }
    for (std::size_t i = 0; i < tree_.events.size(); ++i) {
      if (scope.trigger == TriggerKind::custom && i == scope.custom_event) continue;
      const EventDecl& event = tree_.events[i];
      if (find_name(kTriggerNames, event.name.name)) continue;
      for (const AttributeDecl& attribute : event.attributes) {
        if (attribute.name.name == name) {
          owners.push_back(event.name.name);
          break;
        }
      }
    }
    if (!owners.empty()) {
      error(field_span, fmt::format("'{}' is an attribute of event{} {}, not of {}", name,
                                    owners.size() > 1 ? "s" : "", join_and(owners), current));
      return {};
    }
    std::string hint;
    if (find_member_field(name)) {
      hint = fmt::format("did you mean 'member.{}'?", name);
    } else {
      hint = did_you_mean(name, event_field_names(scope));
    }
    if (hint.empty()) {
      hint = fmt::format("{} events have {}", current, join_and(event_field_names(scope)));
    }
    error(field_span, fmt::format("unknown attribute '{}' of event {}", name, current), hint);
    return {};
  }

  Type member_field(Expr& e, Span field_span, const Scope& scope) {
    const std::string& name = e.text;
    if (auto hit = find_member_field(name)) {
      e.ref = hit->ref;
      return hit->type;
    }
    std::string hint;
    if (scope.context == Context::rule && scope.trigger_known && find_event_field(name, scope)) {
      hint = fmt::format("did you mean 'event.{}'?", name);
    } else {
      std::vector<std::string_view> names = field_names(kMemberFields);
      for (const AttributeDecl& attribute : tree_.member_attributes) {
        names.push_back(attribute.name.name);
      }
      hint = did_you_mean(name, names);
    }
    // With a syntax error in the member section, an unknown name may be an attribute it lost.
    if (member_broken_ && hint.empty()) return {};
    if (hint.empty()) {
      hint = fmt::format("a member has {}", join_and(field_names(kMemberFields)));
      std::vector<std::string_view> declared;
      for (const AttributeDecl& attribute : tree_.member_attributes) {
        declared.push_back(attribute.name.name);
      }
      hint += declared.empty() ? std::string("; declare others in a member section")
                               : fmt::format("; this program declares {}", join_and(declared));
    }
    error(field_span, fmt::format("unknown member attribute '{}'", name), hint);
    return {};
  }

  // ---- calls -------------------------------------------------------------------------------

  static std::string_view ordinal(std::size_t index) {
    return index == 0 ? "first" : index == 1 ? "second" : "third";
  }

  Type check_call(Expr& e, const Scope& scope) {
    const std::string& name = e.text;
    auto index = find_name(kFunctionNames, name);
    if (!index) {
      std::string hint = did_you_mean(name, as_vector(kFunctionNames));
      if (hint.empty() && find_member_field(name)) {
        hint = fmt::format("did you mean 'member.{}'?", name);
      }
      if (hint.empty()) {
        hint = fmt::format("the functions are {}", join_and(as_vector(kFunctionNames)));
      }
      error(tail_span(Span{e.span.begin, static_cast<std::uint32_t>(e.span.begin + name.size())},
                      name),
            fmt::format("unknown function '{}'", name), hint);
      return {};
    }
    e.ref = {RefKind::function, *index};
    const auto function = static_cast<Function>(*index);
    const Signature& signature = kSignatures[*index];
    if (is_item_function(function)) return check_item_function(e, function, scope);
    if (e.where) {
      error(e.where->span, "'where' can only be used in count, any, all and sum");
    }
    const std::size_t arity = e.children.size();
    if (arity < signature.min_args || arity > signature.max_args) {
      report_arity(e, signature);
      for (ExprPtr& argument : e.children) {
        if (argument) check_expr(*argument, scope);
      }
      return {};
    }
    bool failed = e.where != nullptr;
    for (std::size_t i = 0; i < arity; ++i) {
      if (!e.children[i]) {
        failed = true;
        continue;
      }
      Expr& argument = *e.children[i];
      Type type = check_expr(argument, scope);
      if (type.kind == TypeKind::unknown) {
        failed = true;
        continue;
      }
      const unsigned mask = signature.params[i];
      if (!accepts(mask, type.kind)) {
        std::string hint = literal_hint(argument, (mask & kDuration) != 0 ? TypeKind::duration
                                                  : (mask & kDate) != 0   ? TypeKind::date
                                                                          : TypeKind::number);
        if (function == Function::hour && type.kind == TypeKind::date) {
          hint = "a date has no hour; use a time, such as event.time";
        } else if (function == Function::contains && type.kind == TypeKind::tags) {
          hint = "to test a tag, write \"vip\" in member.tags";
        } else if (function == Function::is_birthday && type.kind == TypeKind::time) {
          hint = "use date(...) to take the date of a time";
        }
        if (signature.max_args == 1) {
          error(argument.span,
                fmt::format("{} needs {}, not {}", name, accepted_phrase(mask), phrase(type)),
                hint);
        } else {
          error(argument.span,
                fmt::format("{} needs {} as its {} argument, not {}", name, accepted_phrase(mask),
                            ordinal(i), phrase(type)),
                hint);
        }
        failed = true;
        continue;
      }
      if (function == Function::round && i == 1) {
        if (auto digits = constant(argument); digits && !digits->is_integer()) {
          error(argument.span, "round's digits must be a whole number");
          failed = true;
        }
      }
      if (is_window_function(function) && argument.kind == ExprKind::duration &&
          argument.duration.count() == 0) {
        error(argument.span, fmt::format("the window of {} must be longer than zero", name));
        failed = true;
      }
    }
    if (failed) return {};
    return {signature.result};
  }

  void report_arity(const Expr& e, const Signature& signature) {
    const std::size_t arity = e.children.size();
    std::string takes =
        signature.min_args == signature.max_args
            ? fmt::format("{} argument{}", signature.min_args, signature.min_args == 1 ? "" : "s")
            : fmt::format("{} or {} arguments", signature.min_args, signature.max_args);
    error(e.span, fmt::format("{} takes {}, not {}", e.text, takes, arity),
          fmt::format("write {}", signature.usage));
  }

  Type check_item_function(Expr& e, Function function, const Scope& scope) {
    const Signature& signature = kSignatures[static_cast<std::size_t>(function)];
    const std::string& name = e.text;
    Scope inner = scope;
    ++inner.item_depth;
    bool failed = false;
    if (e.children.size() < signature.min_args || e.children.size() > signature.max_args) {
      report_arity(e, signature);
      failed = true;
    }
    if (!e.children.empty() && e.children[0]) {
      Expr& items = *e.children[0];
      Type type = check_expr(items, scope);
      if (type.kind == TypeKind::unknown) {
        failed = true;
      } else if (type != Type{TypeKind::list, TypeKind::item}) {
        error(items.span, fmt::format("{} works over event.items, not {}", name, phrase(type)),
              fmt::format("write {}", signature.usage));
        failed = true;
      }
    }
    for (std::size_t i = 1; i < e.children.size(); ++i) {
      if (!e.children[i]) continue;
      Expr& value = *e.children[i];
      Type type = check_expr(value, inner);
      if (i == 1 && function == Function::sum && type.kind != TypeKind::unknown &&
          type.kind != TypeKind::number) {
        error(value.span, fmt::format("sum adds up numbers, not {}", phrase(type)),
              literal_hint(value, TypeKind::number));
        failed = true;
      }
      if (type.kind == TypeKind::unknown) failed = true;
    }
    if (e.where) {
      Type type = check_expr(*e.where, inner);
      if (type.kind == TypeKind::unknown) {
        failed = true;
      } else if (type.kind != TypeKind::boolean) {
        error(e.where->span, fmt::format("'where' needs true or false, not {}", phrase(type)));
        failed = true;
      }
    } else if (function == Function::any || function == Function::all) {
      error(e.span, fmt::format("{} needs a condition", name),
            fmt::format("write {}", signature.usage));
      failed = true;
    }
    if (failed) return {};
    return {signature.result};
  }

  // ---- operators ---------------------------------------------------------------------------

  Type check_unary(Expr& e, const Scope& scope) {
    if (e.children.size() != 1 || !e.children[0]) return {};
    Expr& operand = *e.children[0];
    Type type = check_expr(operand, scope);
    if (type.kind == TypeKind::unknown) return {};
    if (e.op == Op::not_) {
      if (type.kind != TypeKind::boolean) {
        error(operand.span, fmt::format("'not' needs true or false, not {}", phrase(type)));
        return {};
      }
      return {TypeKind::boolean};
    }
    if (type.kind != TypeKind::number) {
      error(operand.span, fmt::format("'-' needs a number, not {}", phrase(type)),
            literal_hint(operand, TypeKind::number));
      return {};
    }
    return {TypeKind::number};
  }

  static bool name_like(const Expr& e) {
    return e.kind == ExprKind::name || e.kind == ExprKind::list;
  }

  /// Checks both operands; a bare name (or a list of them) is checked after the other side,
  /// knowing what type it should have (`member.tier == golld`: an unknown tier).
  std::pair<Type, Type> check_operands(Expr& left, Expr& right, const Scope& scope) {
    if (name_like(left) && !name_like(right)) {
      Type r = check_expr(right, scope);
      Type l = check_expr(left, scope, r);
      return {l, r};
    }
    Type l = check_expr(left, scope);
    Type r = check_expr(right, scope, l);
    return {l, r};
  }

  Type check_binary(Expr& e, const Scope& scope) {
    if (e.children.size() != 2 || !e.children[0] || !e.children[1]) return {};
    Expr& left = *e.children[0];
    Expr& right = *e.children[1];
    switch (e.op) {
      case Op::or_:
      case Op::and_: {
        Type l = check_expr(left, scope);
        Type r = check_expr(right, scope);
        bool failed = false;
        for (auto [type, side] : {std::pair<Type, Expr*>{l, &left}, {r, &right}}) {
          if (type.kind == TypeKind::unknown) {
            failed = true;
          } else if (type.kind != TypeKind::boolean) {
            error(side->span, fmt::format("'{}' needs true or false on each side, not {}",
                                          op_word(e.op), phrase(type)));
            failed = true;
          }
        }
        return failed ? Type{} : Type{TypeKind::boolean};
      }
      case Op::add:
      case Op::sub:
      case Op::mul:
      case Op::div:
      case Op::mod: return check_arithmetic(e, left, right, scope);
      case Op::eq:
      case Op::ne:
      case Op::lt:
      case Op::le:
      case Op::gt:
      case Op::ge: return check_comparison(e, left, right, scope);
      case Op::in:
      case Op::not_in: return check_in(e, left, right, scope);
      default: return {};
    }
  }

  Type check_arithmetic(Expr& e, Expr& left, Expr& right, const Scope& scope) {
    Type l = check_expr(left, scope);
    Type r = check_expr(right, scope);
    if (l.kind == TypeKind::unknown || r.kind == TypeKind::unknown) return {};
    if (l.kind == TypeKind::number && r.kind == TypeKind::number) {
      if (e.op == Op::div || e.op == Op::mod) {
        if (auto divisor = constant(right); divisor && divisor->is_zero()) {
          error(right.span, "division by zero");
          return {};
        }
      }
      return {TypeKind::number};
    }
    const bool additive = e.op == Op::add || e.op == Op::sub;
    if (additive) {
      // time ± duration, date ± duration (of days, months or years), duration + time or date.
      Expr* moment = nullptr;
      Expr* length = nullptr;
      Type moment_type;
      if ((l.kind == TypeKind::time || l.kind == TypeKind::date) && r.kind == TypeKind::duration) {
        moment = &left;
        length = &right;
        moment_type = l;
      } else if (e.op == Op::add && l.kind == TypeKind::duration &&
                 (r.kind == TypeKind::time || r.kind == TypeKind::date)) {
        moment = &right;
        length = &left;
        moment_type = r;
      }
      if (moment != nullptr) {
        if (moment_type.kind == TypeKind::date && length->kind == ExprKind::duration &&
            (length->duration.unit() == Duration::Unit::hours ||
             length->duration.unit() == Duration::Unit::minutes)) {
          error(e.span,
                fmt::format("cannot {} a date", e.op == Op::add ? "add hours or minutes to"
                                                                : "subtract hours or minutes from"),
                "a date has no time of day; use days, months or years, or a time");
          return {};
        }
        return moment_type;
      }
    }
    std::string message;
    switch (e.op) {
      case Op::add: message = fmt::format("cannot add {} and {}", phrase(l), phrase(r)); break;
      case Op::sub:
        message = fmt::format("cannot subtract {} from {}", phrase(r), phrase(l));
        break;
      case Op::mul: message = fmt::format("cannot multiply {} by {}", phrase(l), phrase(r)); break;
      case Op::div: message = fmt::format("cannot divide {} by {}", phrase(l), phrase(r)); break;
      default:
        message =
            fmt::format("cannot take the remainder of {} divided by {}", phrase(l), phrase(r));
        break;
    }
    std::string hint;
    if (e.op == Op::sub && (l.kind == TypeKind::time || l.kind == TypeKind::date) &&
        (r.kind == TypeKind::time || r.kind == TypeKind::date)) {
      hint = "use days_since(...) or hours_since(...) to measure the time between";
    } else if (l.kind == TypeKind::number) {
      hint = literal_hint(right, TypeKind::number);
    } else if (r.kind == TypeKind::number) {
      hint = literal_hint(left, TypeKind::number);
    }
    if (hint.empty() && (l.kind == TypeKind::time || l.kind == TypeKind::date) &&
        r.kind == TypeKind::number) {
      hint = "write a duration, such as 7 days";
    }
    error(e.span, message, hint);
    return {};
  }

  Type check_comparison(Expr& e, Expr& left, Expr& right, const Scope& scope) {
    auto [l, r] = check_operands(left, right, scope);
    if (l.kind == TypeKind::unknown || r.kind == TypeKind::unknown) return {};
    // LANGUAGE.md: "none compared with anything is false" (== and != alike). Legal, if
    // rarely what a writer means; docs/language.md recommends has(x).
    if (l.kind == TypeKind::none || r.kind == TypeKind::none) return {TypeKind::boolean};
    if (l.kind != r.kind || l != r) {
      std::string hint = literal_hint(right, l.kind);
      if (hint.empty()) hint = literal_hint(left, r.kind);
      if ((l.kind == TypeKind::date && r.kind == TypeKind::time) ||
          (l.kind == TypeKind::time && r.kind == TypeKind::date)) {
        hint = "use date(...) to take the date of a time";
      }
      error(e.span, fmt::format("cannot compare {} with {}", phrase(l), phrase(r)), hint);
      return {};
    }
    const bool ordering = e.op != Op::eq && e.op != Op::ne;
    if (!comparable(l.kind) || (ordering && l.kind == TypeKind::boolean)) {
      if (l.kind == TypeKind::boolean) {
        error(e.span,
              fmt::format("true or false values cannot be ordered with '{}'", op_word(e.op)));
      } else {
        error(e.span, fmt::format("{} cannot be compared", plural(l.kind)));
      }
      return {};
    }
    return {TypeKind::boolean};
  }

  Type check_in(Expr& e, Expr& left, Expr& right, const Scope& scope) {
    Type l;
    Type r;
    if (left.kind == ExprKind::name && right.kind != ExprKind::list) {
      // `vip in member.tags`: the name is checked knowing what the right side holds.
      r = check_expr(right, scope);
      l = check_expr(
          left, scope,
          Type{r.kind == TypeKind::tags                                  ? TypeKind::string
               : r.kind == TypeKind::list && r.element != TypeKind::item ? r.element
                                                                         : TypeKind::unknown});
    } else {
      l = check_expr(left, scope);
      r = check_expr(right, scope, Type{TypeKind::list, l.kind});
    }
    if (l.kind == TypeKind::unknown || r.kind == TypeKind::unknown) return {};
    if (l.kind == TypeKind::none) return {TypeKind::boolean};  // none is in nothing: false
    TypeKind element = TypeKind::unknown;
    if (r.kind == TypeKind::tags) {
      element = TypeKind::string;
    } else if (r.kind == TypeKind::list && r.element == TypeKind::item) {
      error(right.span, fmt::format("'{}' cannot look among event.items", op_word(e.op)),
            "use any(event.items where ...)");
      return {};
    } else if (r.kind == TypeKind::list) {
      element = r.element;
    } else {
      error(right.span,
            fmt::format("'{}' needs a list, such as [\"a\", \"b\"], or member.tags on its right, "
                        "not {}",
                        op_word(e.op), phrase(r)));
      return {};
    }
    if (l.kind != element) {
      std::string hint = literal_hint(left, element);
      if (hint.empty() && right.kind == ExprKind::list && !right.children.empty() &&
          right.children[0]) {
        hint = literal_hint(*right.children[0], l.kind);
      }
      error(e.span, fmt::format("cannot look for {} in {}", phrase(l), phrase(r)), hint);
      return {};
    }
    return {TypeKind::boolean};
  }

  const SourceFile& source_;
  Diagnostics& diagnostics_;
  CheckedProgram& out_;
  SyntaxTree& tree_;
  bool parse_failed_ = false;
  bool tiers_broken_ = false;
  bool lifecycle_broken_ = false;
  bool quiet_ = false;              // drop errors (expressions of a broken section)
  bool events_broken_ = false;      // an event declaration was lost
  bool member_broken_ = false;      // the member section has a syntax error
  std::vector<bool> event_broken_;  // per event declaration: it has a syntax error
};

}  // namespace

CheckedProgram check(SyntaxTree tree, const SourceFile& source, Diagnostics& diagnostics) {
  CheckedProgram program;
  program.tree = std::move(tree);
  Checker(source, diagnostics, program).run();
  return program;
}

}  // namespace loyalty::language
