#pragma once
// The library's exceptions as Python's: loyalty::Error and its subclasses become the classes
// of loyalty._errors (loyalty.Error, loyalty.RuleError, ...), with their code and data.

#include <pybind11/pybind11.h>

namespace loyalty::python {

/// Registers the translator from the library's exceptions to loyalty's Python exceptions.
void register_errors(pybind11::module_& module);

}  // namespace loyalty::python
