#pragma once
// Boost.Fusion adaptation of the X3 parse tree (ast.hpp), so that sequences of parsers fill
// the members in order. Word and Token are made whole by the token parsers, Binary and Field
// by the grammar's semantic actions, and are not adapted; Stop and BrokenAction have no
// members.

#include <boost/fusion/include/adapt_struct.hpp>

#include "language/ast.hpp"

// clang-format off
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Operation, op, operand)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Unary, op, operand)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Arguments, args, where)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Call, name, arguments)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::List, elements)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::ProgramDecl, keyword, name)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Setting, key, value)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::SettingsDecl, keyword, settings)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Attribute, name, type, modifiers)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::MemberDecl, keyword, attributes)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::EventDecl, keyword, name, attributes)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::TierEntry, keep, name, value)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::TiersDecl, keyword, metric, entries)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Stage, name, when)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::LifecycleDecl, keyword, stages)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Trigger, event, to)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::ActiveOption, from, to)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::LimitOption, count, window)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::BudgetOption, amount)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::GroupOption, name)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::PriorityOption, value)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::AwardClause, kind, value, label)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Award, amount, clauses)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Deduct, amount, label)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::TagAction, untag, tag)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::SetAction, attribute, value)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::EmitField, key, value)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::Emit, name, fields)
BOOST_FUSION_ADAPT_STRUCT(loyalty::language::ast::RuleDecl, keyword, name, trigger, when, options, actions)
// clang-format on
