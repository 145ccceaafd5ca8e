// loyalty._loyalty: the compiled half of the `loyalty` Python package (loyalty/__init__.py
// re-exports it). DESIGN.md, "Python".

#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "errors.hpp"

PYBIND11_MODULE(_loyalty, module) {
  module.doc() = "The compiled core of the loyalty package; import loyalty, not this.";
  loyalty::python::init_conversions();
  loyalty::python::register_errors(module);
  loyalty::python::bind_values(module);
  loyalty::python::bind_engine(module);
}
