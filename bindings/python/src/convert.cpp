#include "convert.hpp"

// datetime.h defines its C API through a static pointer per translation unit, so every use of
// it stays in this file.
#include <datetime.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "loyalty/error.hpp"

namespace loyalty::python {

namespace {

// Looked up once at import and kept for the life of the process: a py::object held in a
// static would be released after the interpreter is gone.
PyObject* decimal_class = nullptr;  // decimal.Decimal
PyObject* mapping_class = nullptr;  // collections.abc.Mapping
PyObject* exact_json = nullptr;     // loyalty._records.from_json: json.loads, numbers exact

PyObject* imported(const char* module, const char* name) {
  py::object object = py::module_::import(module).attr(name);
  return object.release().ptr();
}

// Deeper than any event needs; it also stops a list that contains itself.
constexpr int max_depth = 64;

// Where a value sits in an event, for messages: "items[1].price", "profile.birthday".
struct Path {
  const Path* parent = nullptr;
  std::string_view key;   // the key in a mapping, or
  Py_ssize_t index = -1;  // the index in a list

  [[nodiscard]] std::string text() const {
    std::vector<const Path*> steps;
    for (const Path* p = this; p != nullptr && (!p->key.empty() || p->index >= 0); p = p->parent) {
      steps.push_back(p);
    }
    std::string out;
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
      if ((*it)->index >= 0) {
        out += "[" + std::to_string((*it)->index) + "]";
      } else {
        if (!out.empty()) out += '.';
        out += (*it)->key;
      }
    }
    return out;
  }
};

[[noreturn]] void fail(const Path& path, const std::string& problem) {
  const std::string where = path.text();
  throw EventError(where.empty() ? problem : "field '" + where + "': " + problem);
}

std::string type_name(PyObject* value) { return Py_TYPE(value)->tp_name; }

// The JSON text being written, appended to a std::string whose spare room is filled directly:
// std::string::push_back on every byte is measurable in process_many's hot loop. The string
// is trimmed to what was written when the writer goes, on an exception too.
class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out), size_(out.size()) {}
  ~JsonText() { out_.resize(size_); }
  JsonText(const JsonText&) = delete;
  JsonText& operator=(const JsonText&) = delete;

  void put(char c) {
    room(1);
    out_[size_++] = c;
  }
  void put(std::string_view text) {
    room(text.size());
    std::memcpy(out_.data() + size_, text.data(), text.size());
    size_ += text.size();
  }
  // `text` as a JSON string, quoted and escaped.
  void put_string(std::string_view text);

 private:
  // Spare room for `bytes` more. The string grows its capacity geometrically by itself; the
  // slack only bounds how often resize() zero-fills a few hundred bytes.
  void room(std::size_t bytes) {
    if (size_ + bytes > out_.size()) out_.resize(size_ + bytes + 512);
  }

  std::string& out_;
  std::size_t size_;  // bytes written; out_ beyond them is spare room
};

// The bytes a JSON string must escape: '"', '\\' and the control characters.
constexpr std::array<bool, 256> escaped = [] {
  std::array<bool, 256> table{};
  for (std::size_t byte = 0; byte < 0x20; ++byte) table[byte] = true;
  table['"'] = table['\\'] = true;
  return table;
}();

void JsonText::put_string(std::string_view text) {
  static constexpr std::string_view hex = "0123456789abcdef";
  put('"');
  std::size_t plain = 0;  // start of the run of bytes that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (!escaped[byte]) continue;
    put(text.substr(plain, i - plain));
    switch (byte) {
      case '"': put("\\\""); break;
      case '\\': put("\\\\"); break;
      case '\n': put("\\n"); break;
      case '\r': put("\\r"); break;
      case '\t': put("\\t"); break;
      default:
        put("\\u00");
        put(hex[byte >> 4]);
        put(hex[byte & 0xf]);
    }
    plain = i + 1;
  }
  put(text.substr(plain));
  put('"');
}

std::optional<std::string_view> ascii_of(PyObject* text);

std::string_view utf8(PyObject* text, const Path& path) {
  if (auto ascii = ascii_of(text)) return *ascii;  // most keys and values: no call, no copy
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text, &size);
  if (data == nullptr) {
    PyErr_Clear();
    fail(path, "a str that is not valid Unicode (a lone surrogate)");
  }
  return {data, static_cast<std::size_t>(size)};
}

void append_int(JsonText& out, PyObject* value) {
  int overflow = 0;
  const long long small = PyLong_AsLongLongAndOverflow(value, &overflow);
  if (overflow == 0 && !(small == -1 && PyErr_Occurred() != nullptr)) {
    std::array<char, 24> digits{};
    auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), small);
    out.put(std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())));
    return;
  }
  PyErr_Clear();
  // Wider than 64 bits: its decimal text, which the library reads (or refuses) exactly.
  out.put(py::str(value).cast<std::string>());
}

// isinstance(value, cls), an error in it (a broken __instancecheck__) taken as false.
bool is_instance(PyObject* value, PyObject* cls) {
  const int result = PyObject_IsInstance(value, cls);
  if (result < 0) PyErr_Clear();
  return result == 1;
}

bool is_decimal(PyObject* value) {
  return Py_TYPE(value) == reinterpret_cast<PyTypeObject*>(decimal_class) ||
         is_instance(value, decimal_class);
}

void append_decimal(JsonText& out, PyObject* value, const Path& path) {
  const std::string text = py::str(value).cast<std::string>();
  // str(Decimal) is JSON's number grammar for finite values; "NaN", "sNaN", "Infinity" are not.
  if (text.find_first_of("NnIi") != std::string::npos) {
    fail(path, "decimal.Decimal('" + text + "') is not a finite number");
  }
  out.put(text);
}

// CPython's accessors of datetime fields and of a str's storage are macros made of C casts:
// they are used here, and only here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
Date date_of(PyObject* date) {
  return Date::from_ymd(PyDateTime_GET_YEAR(date), PyDateTime_GET_MONTH(date),
                        PyDateTime_GET_DAY(date));
}
// Microseconds since the datetime's local midnight.
std::int64_t time_of_day_microseconds(PyObject* datetime) {
  return (std::int64_t{PyDateTime_DATE_GET_HOUR(datetime)} * 3'600 +
          PyDateTime_DATE_GET_MINUTE(datetime) * 60 + PyDateTime_DATE_GET_SECOND(datetime)) *
             1'000'000 +
         PyDateTime_DATE_GET_MICROSECOND(datetime);
}
std::int64_t timedelta_microseconds(PyObject* delta) {
  return (std::int64_t{PyDateTime_DELTA_GET_DAYS(delta)} * 86'400 +
          PyDateTime_DELTA_GET_SECONDS(delta)) * 1'000'000 +
         PyDateTime_DELTA_GET_MICROSECONDS(delta);
}
// The text of a compact ASCII str, which CPython stores as its UTF-8 already.
std::optional<std::string_view> ascii_of(PyObject* text) {
  if (!PyUnicode_IS_COMPACT_ASCII(text)) return std::nullopt;
  return std::string_view(static_cast<const char*>(PyUnicode_DATA(text)),
                          static_cast<std::size_t>(PyUnicode_GET_LENGTH(text)));
}
#pragma GCC diagnostic pop

// An aware datetime as an instant; nullopt when it is naive (its utcoffset() is None).
std::optional<Instant> instant_of(PyObject* datetime) {
  py::object offset = py::reinterpret_borrow<py::object>(datetime).attr("utcoffset")();
  if (offset.is_none()) return std::nullopt;
  const std::int64_t micros = date_of(datetime).days() * 86'400'000'000 +
                              time_of_day_microseconds(datetime) -
                              timedelta_microseconds(offset.ptr());
  // Floor division: fractions of a second go toward the earlier second, as Instant::parse.
  std::int64_t seconds = micros / 1'000'000;
  if (micros % 1'000'000 < 0) --seconds;
  return Instant::from_seconds(seconds);
}

void append_value(JsonText& out, PyObject* value, const Path& path, int depth);

void append_mapping(JsonText& out, PyObject* mapping, const Path& path, int depth) {
  if (depth > max_depth) fail(path, "nested too deeply");
  out.put('{');
  bool first = true;
  auto member = [&](PyObject* key, PyObject* value) {
    if (!PyUnicode_Check(key)) fail(path, "a key of type '" + type_name(key) + "' (keys are str)");
    const std::string_view name = utf8(key, path);
    if (!first) out.put(',');
    first = false;
    out.put_string(name);
    out.put(':');
    append_value(out, value, Path{&path, name}, depth + 1);
  };
  if (PyDict_Check(mapping)) {
    Py_ssize_t position = 0;
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    while (PyDict_Next(mapping, &position, &key, &value)) member(key, value);
  } else {
    py::object items = py::reinterpret_borrow<py::object>(mapping).attr("items")();
    for (py::handle pair : items) {
      py::tuple key_value = py::reinterpret_borrow<py::tuple>(pair);
      member(key_value[0].ptr(), key_value[1].ptr());
    }
  }
  out.put('}');
}

void append_list(JsonText& out, PyObject* list, const Path& path, int depth) {
  if (depth > max_depth) fail(path, "nested too deeply");
  out.put('[');
  const Py_ssize_t size = PySequence_Fast_GET_SIZE(list);
  PyObject** items = PySequence_Fast_ITEMS(list);
  for (Py_ssize_t i = 0; i < size; ++i) {
    if (i > 0) out.put(',');
    Path element{&path, {}, i};
    append_value(out, items[i], element, depth + 1);
  }
  out.put(']');
}

bool is_mapping(PyObject* value) {
  return PyDict_Check(value) || is_instance(value, mapping_class);
}

void append_value(JsonText& out, PyObject* value, const Path& path, int depth) {
  // The common types first; subclasses and the rarer types after.
  if (PyUnicode_Check(value)) {
    out.put_string(utf8(value, path));
  } else if (PyBool_Check(value)) {
    out.put(value == Py_True ? "true" : "false");
  } else if (PyLong_Check(value)) {
    append_int(out, value);
  } else if (value == Py_None) {
    out.put("null");
  } else if (is_decimal(value)) {
    append_decimal(out, value, path);
  } else if (PyList_Check(value) || PyTuple_Check(value)) {
    append_list(out, value, path, depth);
  } else if (PyDateTime_Check(value)) {
    const auto instant = instant_of(value);
    if (!instant) fail(path, "a naive datetime: give it a time zone (tzinfo=datetime.timezone.utc)");
    out.put_string(instant->to_string());
  } else if (PyDate_Check(value)) {
    out.put_string(date_of(value).to_string());
  } else if (is_mapping(value)) {
    append_mapping(out, value, path, depth);
  } else if (PyNumber_Check(value)) {
    // A binary fraction cannot carry most amounts of money exactly: the caller must choose
    // the digits (str or decimal.Decimal).
    fail(path, "a number of type '" + type_name(value) +
                   "' is not exact: send numbers as int, str or decimal.Decimal");
  } else {
    fail(path, "a value of type '" + type_name(value) +
                   "' (send str, int, decimal.Decimal, bool, None, datetime, date, dict or list)");
  }
}

}  // namespace

void init_conversions() {
  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) throw py::error_already_set();
  decimal_class = imported("decimal", "Decimal");
  mapping_class = imported("collections.abc", "Mapping");
}

py::object to_python(const Decimal& value) {
  return py::reinterpret_borrow<py::object>(decimal_class)(value.to_string());
}

py::object to_python(Instant instant) {
  const Date date = instant.date(UtcOffset{});
  const std::int64_t second_of_day = instant.seconds() - date.days() * 86'400;
  PyObject* datetime = PyDateTimeAPI->DateTime_FromDateAndTime(
      date.year(), date.month(), date.day(), static_cast<int>(second_of_day / 3'600),
      static_cast<int>(second_of_day / 60 % 60), static_cast<int>(second_of_day % 60), 0,
      PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
  if (datetime == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(datetime);
}

py::object to_python(const std::optional<Instant>& instant) {
  return instant ? to_python(*instant) : py::none();
}

py::object str_or_none(const std::string& text) {
  if (text.empty()) return py::none();
  return py::str(text);
}

py::object from_json(std::string_view json) {
  // Looked up on first use: loyalty._records imports this module, so it cannot be imported
  // while this module is.
  if (exact_json == nullptr) exact_json = imported("loyalty._records", "from_json");
  return py::reinterpret_borrow<py::object>(exact_json)(py::str(json.data(), json.size()));
}

Instant now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Instant::from_seconds(std::chrono::floor<std::chrono::seconds>(since_epoch).count());
}

Instant to_instant(py::handle time) {
  if (PyUnicode_Check(time.ptr())) return Instant::parse(time.cast<std::string>());
  if (PyDateTime_Check(time.ptr())) {
    if (auto instant = instant_of(time.ptr())) return *instant;
    throw py::type_error(
        "a naive datetime has no time zone: give it one (tzinfo=datetime.timezone.utc)");
  }
  throw py::type_error("expected an aware datetime or an RFC 3339 str, got " +
                       type_name(time.ptr()));
}

Instant to_instant_or_now(py::handle time) { return time.is_none() ? now() : to_instant(time); }

void append_event_json(std::string& out, py::handle event) {
  if (!is_mapping(event.ptr())) {
    throw py::type_error("an event is a dict (a mapping of str keys), got " +
                         type_name(event.ptr()));
  }
  JsonText text(out);
  append_mapping(text, event.ptr(), Path{}, 0);
}

std::string event_id_of(py::handle event) {
  if (!PyDict_Check(event.ptr())) return {};
  PyObject* id = PyDict_GetItemString(event.ptr(), "id");
  if (id == nullptr || !PyUnicode_Check(id)) return {};
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(id, &size);
  if (data == nullptr) {
    PyErr_Clear();
    return {};
  }
  return {data, static_cast<std::size_t>(size)};
}

}  // namespace loyalty::python
