// Text to syntax tree: runs the X3 grammar (grammar.hpp) one section at a time, turns its
// syntax failures into diagnostics and recovers after them, and lowers each parsed section
// into syntax.hpp's tree.

#include "language/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "language/ast.hpp"
#include "language/grammar.hpp"

namespace loyalty::language {

namespace parser {

namespace {

constexpr std::array<std::string_view, 7> kSectionWords = {
    "program", "settings", "member", "event", "tiers", "lifecycle", "rule"};
constexpr std::array<std::string_view, 7> kActionWords = {"award", "deduct", "tag", "untag",
                                                          "set",   "emit",   "stop"};
constexpr std::array<std::string_view, 4> kClauseWords = {"pending", "expiring", "never", "as"};
constexpr std::array<std::string_view, 5> kOptionWords = {"active", "limit", "budget", "group",
                                                          "priority"};

template <std::size_t N>
std::vector<std::string_view> as_vector(const std::array<std::string_view, N>& words) {
  return {words.begin(), words.end()};
}

template <std::size_t N>
bool is_one_of(std::string_view word, const std::array<std::string_view, N>& words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

/// The end of the token at `p` (p != end), to underline it.
Iterator token_end(Iterator p, Iterator end) {
  const char c = *p;
  if (lex::is_ident_start(c)) return lex::word_end(p, end);
  if (lex::is_digit(c)) {
    while (p != end && (lex::is_ident_char(*p) || *p == '.' || *p == ':' || *p == '-')) ++p;
    return p;
  }
  if (c == '"') {
    Iterator q = p + 1;
    while (q != end && *q != '"' && *q != '\n' && *q != '\r')
      q += (*q == '\\' && q + 1 != end) ? 2 : 1;
    return q != end && *q == '"' ? q + 1 : q;
  }
  if (end - p >= 2 && p[1] == '=' && (c == '=' || c == '!' || c == '<' || c == '>')) return p + 2;
  ++p;
  while (p != end && (static_cast<unsigned char>(*p) & 0xC0) == 0x80) ++p;
  return p;
}

/// True when an action comes before `p` on its line (not just the block's '{').
bool after_action_on_line(Iterator begin, Iterator p) {
  while (p != begin) {
    --p;
    if (*p == '\n' || *p == '{') return false;
    if (!lex::is_blank(*p)) return true;
  }
  return false;
}

/// Just past the last code (not white space, not a comment) on the line [start, end), or
/// `start` when there is none.
Iterator code_end(Iterator start, Iterator end) {
  Iterator last = start;
  for (Iterator p = start; p < end;) {
    if (*p == '#') break;
    if (*p == '"') {
      ++p;
      while (p < end && *p != '"') p += (*p == '\\' && p + 1 < end) ? 2 : 1;
      p = std::min(p + 1, end);
      last = p;
      continue;
    }
    if (!lex::is_blank(*p) && *p != '\n') last = p + 1;
    ++p;
  }
  return last;
}

/// Just past the last code before `p` (which starts a line, or is the end), or `p` when none.
Iterator after_previous_code(Iterator begin, Iterator p) {
  Iterator line_end = p;
  for (;;) {
    Iterator line_start = line_end;
    while (line_start != begin && line_start[-1] != '\n') --line_start;
    const Iterator last = code_end(line_start, line_end);
    if (last != line_start) return last;
    if (line_start == begin) return p;
    line_end = line_start - 1;
  }
}

struct Described {
  Span span;
  std::string message;
  std::string hint;
};

/// "unexpected character 'é'" when `token` is a character that no token starts with (not
/// ASCII, or a control character), else nullopt.
std::optional<Described> odd_character(Span span, std::string_view token) {
  const auto lead = static_cast<unsigned char>(token.front());
  if (lead >= 0x20 && lead < 0x7F) return std::nullopt;
  // A well-formed UTF-8 sequence is quoted as it is; anything else by its byte value.
  const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  const bool well_formed = lead < 0xF5 && length == token.size() &&
                           std::all_of(token.begin() + 1, token.end(), [](char c) {
                             return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
                           });
  if (well_formed) {
    return Described{span, fmt::format("unexpected character '{}'", token),
                     "names use the letters a-z and A-Z, digits and '_'; other text goes in "
                     "quotes"};
  }
  return Described{span, fmt::format("unexpected byte 0x{:02X}", lead),
                   "a program is UTF-8 text; remove this byte"};
}

/// True when the rule being parsed has a `when` before `where`.
bool has_condition(const ParseState& state, Iterator where) {
  for (Iterator p = state.section_start; p != nullptr && p < where;) {
    if (*p == '"' || *p == '#') {
      p = *p == '#' ? lex::line_end(p, where) : token_end(p, where);
    } else if (lex::is_ident_start(*p)) {
      if (lex::starts_word(p, where, "when")) return true;
      p = lex::word_end(p, where);
    } else {
      ++p;
    }
  }
  return false;
}

/// The diagnostic for a failure: its span, and its message sharpened by the text there.
Described describe(const ParseState& state, const SyntaxFailure& failure) {
  const Iterator begin = state.begin();
  const Iterator end = state.end();
  const auto after_previous = [&] {
    // What is missing belongs at the end of the code before: point there.
    const Iterator p = after_previous_code(begin, failure.where);
    return Described{Span{state.offset(p), state.offset(p)}, failure.message, failure.hint};
  };
  if (failure.where == end) return after_previous();
  const Iterator until = failure.until != nullptr ? failure.until : token_end(failure.where, end);
  const Span span{state.offset(failure.where), state.offset(until)};
  const std::string_view token(failure.where, static_cast<std::size_t>(until - failure.where));
  const bool is_word = lex::is_ident_start(*failure.where);
  if (failure.until == nullptr) {
    if (auto odd = odd_character(span, token)) return std::move(*odd);
  }
  switch (failure.refine) {
    case Refine::none: break;
    case Refine::section: {
      std::string hint(
          "a section starts with program, settings, member, event, tiers, lifecycle or rule");
      if (is_word) {
        if (std::string close = did_you_mean(token, as_vector(kSectionWords)); !close.empty()) {
          hint = std::move(close);
        }
        return {span, fmt::format("unknown section '{}'", token), std::move(hint)};
      }
      if (token.size() == 1 && token[0] > ' ' && token[0] < 0x7F) {
        return {span, fmt::format("unexpected '{}' outside a section", token), std::move(hint)};
      }
      return {span, "expected a section", std::move(hint)};
    }
    case Refine::action:
      if (is_word) {
        std::string action_hint = did_you_mean(token, as_vector(kActionWords));
        std::string clause_hint = did_you_mean(token, as_vector(kClauseWords));
        // A word close to a clause (`expring`) after an action, or close to no action, is
        // taken for a misspelled clause of the action before.
        if (!clause_hint.empty() &&
            (after_action_on_line(begin, failure.where) || action_hint.empty())) {
          return {span, fmt::format("unexpected '{}' after the action", token),
                  std::move(clause_hint)};
        }
        if (action_hint.empty()) {
          action_hint = "the actions are award, deduct, tag, untag, set, emit and stop";
        }
        return {span, fmt::format("unknown action '{}'", token), std::move(action_hint)};
      }
      return {span, failure.message,
              "the actions are award, deduct, tag, untag, set, emit and stop"};
    case Refine::rule_body:
      if (is_word && !is_one_of(token, kActionWords)) {
        if (std::string hint = did_you_mean(token, as_vector(kOptionWords)); !hint.empty()) {
          return {span, fmt::format("unknown rule option '{}'", token), std::move(hint)};
        }
        if (std::string hint = did_you_mean(token, {"when", "to"}); !hint.empty()) {
          return {span, fmt::format("unexpected '{}'", token), std::move(hint)};
        }
        constexpr std::string_view kOptions =
            "the options are active, limit, budget, group and priority";
        return {span, failure.message,
                has_condition(state, failure.where)
                    ? std::string(kOptions)
                    : fmt::format("a condition starts with 'when'; {}", kOptions)};
      }
      break;
  }
  if (failure.expected_before && lex::first_on_line(begin, failure.where)) return after_previous();
  return {span, failure.message, failure.hint};
}

/// Counts the braces in [p, stop) outside strings and comments into `depth`; returns the '}'
/// that takes it below zero (one that closes the enclosing block), or null.
Iterator count_braces(Iterator p, Iterator stop, int& depth) {
  while (p < stop) {
    const char c = *p;
    if (c == '#') {
      p = lex::line_end(p, stop);
    } else if (c == '"') {
      ++p;
      while (p < stop && *p != '"' && *p != '\n') p += (*p == '\\' && p + 1 < stop) ? 2 : 1;
      if (p < stop && *p == '"') ++p;
    } else {
      if (c == '{') ++depth;
      if (c == '}' && --depth < 0) return p;
      ++p;
    }
  }
  return nullptr;
}

bool starts_action(Iterator p, Iterator end) {
  return std::any_of(kActionWords.begin(), kActionWords.end(),
                     [&](std::string_view word) { return lex::starts_word(p, end, word); });
}

/// Past the blanks at the start of the line after the one `p` is on, or `end`.
Iterator next_line(Iterator p, Iterator end) {
  p = lex::line_end(p, end);
  if (p == end) return end;
  ++p;
  while (p != end && lex::is_blank(*p)) ++p;
  return p;
}

/// Where the next section starts at or after `where` (at the start of a line), or `end`.
Iterator resume_at_section(const ParseState& state, Iterator start, Iterator where) {
  const Iterator end = state.end();
  if (where > start && lex::first_on_line(state.begin(), where) &&
      lex::at_section_start(where, end)) {
    return where;
  }
  for (Iterator p = next_line(where, end); p != end; p = next_line(p, end)) {
    if (lex::at_section_start(p, end)) return p;
  }
  return end;
}

/// The section keyword at `p`, if there is one.
std::optional<SectionKind> section_keyword(Iterator p, Iterator end) {
  for (std::size_t i = 0; i < kSectionWords.size(); ++i) {
    if (lex::starts_word(p, end, kSectionWords[i])) return static_cast<SectionKind>(i);
  }
  return std::nullopt;
}

}  // namespace

void report(ParseState& state, const SyntaxFailure& failure) {
  Diagnostics& diagnostics = *state.diagnostics;
  const bool was_full = diagnostics.full();
  Described described = describe(state, failure);
  diagnostics.error(described.span, std::move(described.message), std::move(described.hint));
  // One more than fits is counted ("1 more error not shown"); then there is no point going on.
  if (was_full) throw StopParsing{};
}

Iterator resume_in_block(const ParseState& state, Block block, Iterator entry, Iterator where,
                         bool& abandon) {
  const Iterator end = state.end();
  // Braces the entry opened before the error (an emit's fields), and on the rest of its line.
  int depth = 0;
  if (count_braces(entry, where, depth) != nullptr) depth = 0;
  Iterator line = lex::line_end(where, end);
  // What was missing belonged to an earlier line: the line of `where` may start the next entry.
  const bool where_starts_line = where > entry && lex::first_on_line(state.begin(), where);
  if (!where_starts_line) {
    if (const Iterator close = count_braces(where, line, depth)) return close;
  }
  for (Iterator p = where_starts_line ? where : next_line(where, end); p != end;
       p = next_line(p, end)) {
    line = lex::line_end(p, end);
    if (lex::at_section_start(p, end)) break;
    if (depth <= 0) {
      if (*p == '}') return p;
      if (block == Block::lines && p != line && *p != '#') return p;
      if (block == Block::actions && starts_action(p, end)) return p;
    }
    if (const Iterator close = count_braces(p, line, depth)) return close;
  }
  abandon = true;
  // The block never closed: go on at the next section (or the end).
  for (Iterator p = lex::first_on_line(state.begin(), where) ? where : next_line(where, end);
       p != end; p = next_line(p, end)) {
    if (lex::at_section_start(p, end)) return p;
  }
  return end;
}

}  // namespace parser

namespace {

Span span_of(const ast::Tagged& node) {
  return {node.begin, node.end};
}

Identifier identifier(const ast::Word& word) {
  return {word.text, span_of(word)};
}

/// Lowers parsed sections into the syntax tree.
class Lowering {
 public:
  explicit Lowering(SyntaxTree& tree, Diagnostics& diagnostics)
      : tree_(tree), diagnostics_(diagnostics) {}

  /// Adds `section` to the tree (of the sections a program has once, the first).
  void add(const ast::Section& section) {
    boost::apply_visitor([this](const auto& decl) { add(decl); }, section.get());
  }

 private:
  // ---- expressions (their depth is bounded by the grammar) ----

  ExprPtr optional_expression(const boost::optional<ast::Expression>& expression) {
    return expression ? lower(*expression) : nullptr;
  }

  ExprPtr lower(const ast::Expression& expression) {
    return boost::apply_visitor(
        [this](const auto& alternative) -> ExprPtr {
          using T = std::decay_t<decltype(alternative)>;
          if constexpr (std::is_same_v<T, ast::Token>) {
            return lower(alternative);
          } else {
            return lower(alternative.get());
          }
        },
        expression.get());
  }

  static ExprPtr make(ExprKind kind, const ast::Node& node) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->span = span_of(node);
    return expr;
  }

  ExprPtr lower(const ast::Token& token) {
    ExprPtr expr = make(token.kind, token);
    expr->text = token.text;
    expr->unit = token.unit;
    expr->boolean = token.boolean;
    return expr;
  }

  ExprPtr lower(const ast::Binary& binary) {
    ExprPtr expr = make(ExprKind::binary, binary);
    expr->op = binary.op;
    expr->children.push_back(lower(binary.left));
    expr->children.push_back(lower(binary.right));
    return expr;
  }

  ExprPtr lower(const ast::Unary& unary) {
    ExprPtr expr = make(ExprKind::unary, unary);
    expr->op = unary.op;
    expr->children.push_back(lower(unary.operand));
    return expr;
  }

  ExprPtr lower(const ast::Field& field) {
    ExprPtr expr = make(ExprKind::field, field);
    expr->text = field.name.text;
    expr->children.push_back(lower(field.object));
    return expr;
  }

  ExprPtr lower(const ast::Call& call) {
    ExprPtr expr = make(ExprKind::call, call);
    expr->text = call.name.text;
    for (const ast::Expression& argument : call.arguments.args) {
      expr->children.push_back(lower(argument));
    }
    expr->where = optional_expression(call.arguments.where);
    return expr;
  }

  ExprPtr lower(const ast::List& list) {
    ExprPtr expr = make(ExprKind::list, list);
    for (const ast::Expression& element : list.elements) expr->children.push_back(lower(element));
    return expr;
  }

  // ---- declarations ----

  std::vector<AttributeDecl> attributes(const std::vector<ast::Attribute>& parsed) {
    std::vector<AttributeDecl> out;
    for (const ast::Attribute& attribute : parsed) {
      if (attribute.broken) continue;
      AttributeDecl decl;
      decl.name = identifier(attribute.name);
      decl.type = identifier(attribute.type);
      for (const ast::Word& modifier : attribute.modifiers) {
        decl.modifiers.push_back(identifier(modifier));
      }
      decl.span = span_of(attribute);
      out.push_back(std::move(decl));
    }
    return out;
  }

  void add(const ast::ProgramDecl& program) {
    if (!tree_.program_name) tree_.program_name = identifier(program.name);
  }

  void add(const ast::SettingsDecl& settings) {
    if (settings_seen_) return;
    std::vector<Setting> out;
    for (const ast::Setting& setting : settings.settings) {
      if (setting.broken) continue;
      out.push_back({identifier(setting.key), lower(setting.value), span_of(setting)});
    }
    tree_.settings = std::move(out);
    settings_seen_ = true;
  }

  void add(const ast::MemberDecl& member) {
    if (member_seen_) return;
    tree_.member_attributes = attributes(member.attributes);
    member_seen_ = true;
  }

  void add(const ast::EventDecl& event) {
    EventDecl decl;
    decl.name = identifier(event.name);
    decl.attributes = attributes(event.attributes);
    decl.span = span_of(event);
    tree_.events.push_back(std::move(decl));
  }

  void add(const ast::TiersDecl& tiers) {
    if (tree_.tiers) return;
    TiersDecl decl;
    decl.metric = lower(tiers.metric);
    decl.span = span_of(tiers);
    for (const ast::TierEntry& entry : tiers.entries) {
      if (entry.broken) continue;
      if (!entry.keep) {
        decl.tiers.push_back({identifier(entry.name), lower(entry.value), span_of(entry)});
      } else if (decl.keep) {
        diagnostics_.error(span_of(entry), "'keep' is given twice in the tiers",
                           "a tier is kept for one duration; remove one of them");
      } else {
        decl.keep = lower(entry.value);
      }
    }
    tree_.tiers = std::move(decl);
  }

  void add(const ast::LifecycleDecl& lifecycle) {
    if (tree_.lifecycle) return;
    LifecycleDecl decl;
    decl.span = span_of(lifecycle);
    for (const ast::Stage& stage : lifecycle.stages) {
      if (stage.broken) continue;
      decl.stages.push_back(
          {identifier(stage.name), optional_expression(stage.when), span_of(stage)});
    }
    tree_.lifecycle = std::move(decl);
  }

  RuleOption option(const ast::Option& parsed) {
    RuleOption out;
    boost::apply_visitor(
        [&](const auto& option) {
          using T = std::decay_t<decltype(option)>;
          out.span = span_of(option);
          if constexpr (std::is_same_v<T, ast::ActiveOption>) {
            out.kind = OptionKind::active;
            out.first = lower(option.from);
            out.second = lower(option.to);
          } else if constexpr (std::is_same_v<T, ast::LimitOption>) {
            out.kind = OptionKind::limit;
            out.first = lower(option.count);
            out.second = optional_expression(option.window);
          } else if constexpr (std::is_same_v<T, ast::BudgetOption>) {
            out.kind = OptionKind::budget;
            out.first = lower(option.amount);
          } else if constexpr (std::is_same_v<T, ast::GroupOption>) {
            out.kind = OptionKind::group;
            out.group = identifier(option.name);
          } else {
            out.kind = OptionKind::priority;
            out.first = lower(option.value);
          }
        },
        parsed.get());
    return out;
  }

  void award_clause(const ast::AwardClause& clause, Action& out) {
    const Span span = span_of(clause);
    switch (clause.kind) {
      case ast::ClauseKind::pending:
        if (out.pending) {
          out.repeated_clauses.push_back(span);
        } else {
          out.pending = lower(*clause.value);
        }
        return;
      case ast::ClauseKind::expiring_in:
      case ast::ClauseKind::expiring_on:
      case ast::ClauseKind::never_expiring:
        if (out.expiry != ExpiryKind::program_default) {
          out.repeated_clauses.push_back(span);
        } else if (clause.kind == ast::ClauseKind::never_expiring) {
          out.expiry = ExpiryKind::never;
        } else {
          out.expiry =
              clause.kind == ast::ClauseKind::expiring_in ? ExpiryKind::in : ExpiryKind::on;
          out.expiry_value = lower(*clause.value);
        }
        return;
      case ast::ClauseKind::label:
        if (out.label) {
          out.repeated_clauses.push_back(span);
        } else {
          out.label = identifier(*clause.label);
        }
        return;
    }
  }

  /// The action, or nullopt for one that failed to parse.
  std::optional<Action> action(const ast::Action& parsed) {
    std::optional<Action> result;
    boost::apply_visitor(
        [&](const auto& action) {
          using T = std::decay_t<decltype(action)>;
          if constexpr (std::is_same_v<T, ast::BrokenAction>)
            return;
          else {
            Action& out = result.emplace();
            out.span = span_of(action);
            if constexpr (std::is_same_v<T, ast::Award>) {
              out.kind = ActionKind::award;
              out.amount = lower(action.amount);
              for (const ast::AwardClause& clause : action.clauses) award_clause(clause, out);
            } else if constexpr (std::is_same_v<T, ast::Deduct>) {
              out.kind = ActionKind::deduct;
              out.amount = lower(action.amount);
              if (action.label) out.label = identifier(*action.label);
            } else if constexpr (std::is_same_v<T, ast::TagAction>) {
              out.kind = action.untag ? ActionKind::untag : ActionKind::tag;
              out.name = identifier(action.tag);
            } else if constexpr (std::is_same_v<T, ast::SetAction>) {
              out.kind = ActionKind::set;
              out.name = identifier(action.attribute);
              out.amount = lower(action.value);
            } else if constexpr (std::is_same_v<T, ast::Emit>) {
              out.kind = ActionKind::emit;
              out.name = identifier(action.name);
              for (const ast::EmitField& field : action.fields) {
                out.fields.push_back({identifier(field.key), lower(field.value)});
              }
            } else if constexpr (std::is_same_v<T, ast::Stop>) {
              out.kind = ActionKind::stop;
            }
          }
        },
        parsed.get());
    return result;
  }

  void add(const ast::RuleDecl& rule) {
    RuleDecl decl;
    decl.name = identifier(rule.name);
    decl.trigger.event = identifier(rule.trigger.event);
    if (rule.trigger.to) decl.trigger.to = identifier(*rule.trigger.to);
    decl.trigger.span = span_of(rule.trigger);
    decl.when = optional_expression(rule.when);
    for (const ast::Option& parsed : rule.options) decl.options.push_back(option(parsed));
    for (const ast::Action& parsed : rule.actions) {
      if (auto lowered = action(parsed)) decl.actions.push_back(std::move(*lowered));
    }
    decl.span = span_of(rule);
    tree_.rules.push_back(std::move(decl));
  }

  SyntaxTree& tree_;
  Diagnostics& diagnostics_;
  bool settings_seen_ = false;
  bool member_seen_ = false;
};

}  // namespace

SyntaxTree parse(const SourceFile& source, Diagnostics& diagnostics, const CompileLimits& limits) {
  using parser::Iterator;
  SyntaxTree tree;
  parser::ParseState state;
  state.source = &source;
  state.diagnostics = &diagnostics;
  state.max_depth = limits.max_expression_depth;
  Lowering lowering(tree, diagnostics);

  const parser::Skipper skipper{};
  const parser::phrase_context_type phrase(skipper);
  const parser::context_type context(state, phrase);
  const Iterator end = state.end();
  Iterator first = state.begin();
  // A UTF-8 byte order mark, as some editors write one, is not part of the program.
  if (source.text().substr(0, 3) == "\xEF\xBB\xBF") first += 3;
  try {
    for (;;) {
      first = parser::lex::skip(first, end);
      if (first == end) break;
      const Iterator start = first;
      if (auto kind = parser::section_keyword(start, end)) {
        const Iterator keyword_end = parser::lex::word_end(start, end);
        tree.sections.push_back({*kind, Span{state.offset(start), state.offset(keyword_end)}});
      }
      state.depth = 0;
      state.section_start = start;
      try {
        ast::Section section;
        if (parser::section().parse(first, end, context, boost::spirit::x3::unused, section)) {
          lowering.add(section);
        } else {
          parser::report(
              state, {start, nullptr, "expected a section", {}, parser::Refine::section, false});
          first = parser::resume_at_section(state, start, start);
        }
      } catch (const parser::SyntaxFailure& failure) {
        parser::report(state, failure);
        first = parser::resume_at_section(state, start, failure.where);
      } catch (const parser::Abandon& abandon) {
        first = abandon.resume;
      }
    }
  } catch (const parser::StopParsing&) {
    // The diagnostics are full.
  }
  return tree;
}

}  // namespace loyalty::language
