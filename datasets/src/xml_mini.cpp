#include "xml_mini.h"

#include <cctype>
#include <stdexcept>

namespace tinydet::data::xml {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view d) : d_(d) {}

  std::unique_ptr<Element> document() {
    skip_misc();
    if (pos_ >= d_.size() || d_[pos_] != '<') fail("expected the root element");
    auto root = element();
    skip_misc();
    if (pos_ < d_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("XML error at byte " + std::to_string(pos_) + ": " + what);
  }
  bool starts(std::string_view s) const { return d_.substr(pos_, s.size()) == s; }
  void skip_until(std::string_view end) {
    const size_t p = d_.find(end, pos_);
    if (p == std::string_view::npos) fail("unterminated '" + std::string(end) + "' construct");
    pos_ = p + end.size();
  }
  void skip_space() {
    while (pos_ < d_.size() && std::isspace(static_cast<unsigned char>(d_[pos_]))) ++pos_;
  }
  // Whitespace, comments, processing instructions and DOCTYPE between elements.
  void skip_misc() {
    while (true) {
      skip_space();
      if (starts("\xEF\xBB\xBF")) pos_ += 3;  // UTF-8 BOM
      else if (starts("<?")) skip_until("?>");
      else if (starts("<!--")) skip_until("-->");
      else if (starts("<!DOCTYPE")) skip_until(">");
      else return;
    }
  }
  std::string name() {
    const size_t start = pos_;
    while (pos_ < d_.size()) {
      const char c = d_[pos_];
      if (std::isspace(static_cast<unsigned char>(c)) || c == '>' || c == '/' || c == '=') break;
      ++pos_;
    }
    if (pos_ == start) fail("expected a name");
    return std::string(d_.substr(start, pos_ - start));
  }
  std::string decode(std::string_view raw) const {
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      const size_t semi = raw.find(';', i);
      if (semi == std::string_view::npos) {
        out += raw[i];
        continue;
      }
      const std::string_view ent = raw.substr(i + 1, semi - i - 1);
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else if (!ent.empty() && ent[0] == '#') {
        unsigned long cp = 0;
        try {
          cp = (ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X'))
                   ? std::stoul(std::string(ent.substr(2)), nullptr, 16)
                   : std::stoul(std::string(ent.substr(1)));
        } catch (const std::exception&) {
          out += raw.substr(i, semi - i + 1);
          i = semi;
          continue;
        }
        // UTF-8 encode.
        if (cp < 0x80) out += char(cp);
        else if (cp < 0x800) { out += char(0xC0 | (cp >> 6)); out += char(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
          out += char(0xE0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 0x3F));
          out += char(0x80 | (cp & 0x3F));
        } else {
          out += char(0xF0 | (cp >> 18)); out += char(0x80 | ((cp >> 12) & 0x3F));
          out += char(0x80 | ((cp >> 6) & 0x3F)); out += char(0x80 | (cp & 0x3F));
        }
      } else {
        out += raw.substr(i, semi - i + 1);
      }
      i = semi;
    }
    return out;
  }
  std::unique_ptr<Element> element() {
    if (++depth_ > 256) fail("elements nested too deeply");
    ++pos_;  // '<'
    auto e = std::make_unique<Element>();
    e->name = name();
    // Attributes.
    while (true) {
      skip_space();
      if (pos_ >= d_.size()) fail("unterminated start tag <" + e->name + ">");
      if (starts("/>")) {
        pos_ += 2;
        --depth_;
        return e;
      }
      if (d_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string key = name();
      skip_space();
      if (pos_ >= d_.size() || d_[pos_] != '=') fail("expected '=' after attribute " + key);
      ++pos_;
      skip_space();
      if (pos_ >= d_.size() || (d_[pos_] != '"' && d_[pos_] != '\'')) fail("expected a quote");
      const char q = d_[pos_++];
      const size_t end = d_.find(q, pos_);
      if (end == std::string_view::npos) fail("unterminated attribute value");
      e->attributes.emplace_back(std::move(key), decode(d_.substr(pos_, end - pos_)));
      pos_ = end + 1;
    }
    // Content.
    while (true) {
      if (pos_ >= d_.size()) fail("element <" + e->name + "> is not closed");
      if (starts("</")) {
        pos_ += 2;
        const std::string close = name();
        if (close != e->name)
          fail("closing tag </" + close + "> does not match <" + e->name + ">");
        skip_space();
        if (pos_ >= d_.size() || d_[pos_] != '>') fail("unterminated end tag");
        ++pos_;
        --depth_;
        return e;
      }
      if (starts("<!--")) { skip_until("-->"); continue; }
      if (starts("<?")) { skip_until("?>"); continue; }
      if (starts("<![CDATA[")) {
        const size_t start = pos_ + 9;
        skip_until("]]>");
        e->text += d_.substr(start, pos_ - 3 - start);
        continue;
      }
      if (d_[pos_] == '<') {
        e->children.push_back(element());
        continue;
      }
      const size_t next = d_.find('<', pos_);
      const size_t end = next == std::string_view::npos ? d_.size() : next;
      e->text += decode(d_.substr(pos_, end - pos_));
      pos_ = end;
    }
  }

  std::string_view d_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

const Element* Element::child(std::string_view child_name) const {
  for (const auto& c : children)
    if (c->name == child_name) return c.get();
  return nullptr;
}

std::vector<const Element*> Element::children_named(std::string_view child_name) const {
  std::vector<const Element*> out;
  for (const auto& c : children)
    if (c->name == child_name) out.push_back(c.get());
  return out;
}

std::string Element::child_text(std::string_view child_name) const {
  const Element* c = child(child_name);
  return c ? trim(c->text) : std::string();
}

std::unique_ptr<Element> parse(std::string_view document) { return Parser(document).document(); }

}  // namespace tinydet::data::xml
