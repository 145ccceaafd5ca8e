#include "errors.hpp"

#include <pybind11/stl.h>

#include <exception>
#include <string>

#include "loyalty/error.hpp"
#include "loyalty/program.hpp"

namespace loyalty::python {

namespace py = pybind11;

namespace {

// The Python classes, kept for the life of the process (see convert.cpp on why not statics).
struct Classes {
  PyObject* error = nullptr;
  PyObject* number = nullptr;
  PyObject* time = nullptr;
  PyObject* event = nullptr;
  PyObject* io = nullptr;
  PyObject* store = nullptr;
  PyObject* insufficient_points = nullptr;
  PyObject* rule = nullptr;
};
Classes classes;

// Sets the Python error: an instance of `cls` made from the message, the stable code and, for
// RuleError, the diagnostics.
void raise(PyObject* cls, const Error& error, const py::object& diagnostics = py::none()) {
  py::handle type(cls);
  py::str code(std::string(error_code_name(error.code())));
  py::object instance = diagnostics.is_none() ? type(error.what(), code)
                                              : type(error.what(), code, diagnostics);
  PyErr_SetObject(cls, instance.ptr());
}

void translate(std::exception_ptr exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const RuleError& e) {
    raise(classes.rule, e, py::cast(e.diagnostics()));
  } catch (const EventError& e) {
    raise(classes.event, e);
  } catch (const InsufficientPoints& e) {
    raise(classes.insufficient_points, e);
  } catch (const StoreError& e) {
    raise(classes.store, e);
  } catch (const IoError& e) {
    raise(classes.io, e);
  } catch (const TimeError& e) {
    raise(classes.time, e);
  } catch (const NumberError& e) {
    raise(classes.number, e);
  } catch (const Error& e) {
    raise(classes.error, e);
  }
}

std::string diagnostic_repr(const Diagnostic& d) {
  std::string text = "Diagnostic(line=" + std::to_string(d.line) +
                     ", column=" + std::to_string(d.column) + ", message=" +
                     py::repr(py::str(d.message)).cast<std::string>();
  if (!d.hint.empty()) text += ", hint=" + py::repr(py::str(d.hint)).cast<std::string>();
  return text + ")";
}

}  // namespace

void register_errors(py::module_& module) {
  py::module_ errors = py::module_::import("loyalty._errors");
  auto load = [&](const char* name) { return py::object(errors.attr(name)).release().ptr(); };
  classes = Classes{load("Error"),     load("NumberError"), load("TimeError"),
                    load("EventError"), load("IoError"),     load("StoreError"),
                    load("InsufficientPoints"), load("RuleError")};

  py::class_<Diagnostic>(module, "Diagnostic",
                         "One problem found while compiling a program, with where it is.")
      .def_readonly("file", &Diagnostic::file, "The file name given to compile().")
      .def_readonly("line", &Diagnostic::line, "1-based line.")
      .def_readonly("column", &Diagnostic::column, "1-based column, in bytes.")
      .def_readonly("length", &Diagnostic::length, "Bytes the problem spans on its line (>= 1).")
      .def_readonly("message", &Diagnostic::message, "What is wrong.")
      .def_readonly("hint", &Diagnostic::hint, "A suggestion (\"did you mean 'amount'?\") or ''.")
      .def(
          "to_dict",
          [](const Diagnostic& d) {
            py::dict out;
            out["file"] = d.file;
            out["line"] = d.line;
            out["column"] = d.column;
            out["length"] = d.length;
            out["message"] = d.message;
            out["hint"] = d.hint;
            return out;
          },
          "The diagnostic as a dict of plain values.")
      .def("__repr__", &diagnostic_repr)
      .def("__str__",
           [](const Diagnostic& d) {
             std::string text = d.file + ":" + std::to_string(d.line) + ":" +
                                std::to_string(d.column) + ": error: " + d.message;
             return d.hint.empty() ? text : text + "; " + d.hint;
           })
      .def("__eq__", [](const Diagnostic& a, const Diagnostic& b) { return a == b; });

  py::register_exception_translator(&translate);

  // For the tests: throws the C++ exception of a kind, so that every translation can be
  // checked, including those (NumberError) that no call of the API raises today.
  module.def(
      "_raise_error",
      [](const std::string& kind, const std::string& message) {
        if (kind == "number") throw NumberError(ErrorCode::invalid_number, message);
        if (kind == "time") throw TimeError(ErrorCode::invalid_time, message);
        if (kind == "event") throw EventError(message);
        if (kind == "io") throw IoError(message);
        if (kind == "store") throw StoreError(message);
        if (kind == "insufficient_points") throw InsufficientPoints(message);
        if (kind == "rule") throw RuleError({Diagnostic{"t.rules", 1, 2, 3, message, {}}}, "x");
        throw Error(ErrorCode::invalid_event, message);
      },
      py::arg("kind"), py::arg("message"));
}

}  // namespace loyalty::python
