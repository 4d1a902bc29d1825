// A minimal XML reader for Pascal VOC annotations: elements, text, attributes (kept),
// comments, processing instructions, DOCTYPE, CDATA and the standard entities. Not a
// validating parser; it rejects unbalanced or truncated documents.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinydet::data::xml {

struct Element {
  std::string name;
  std::string text;  // concatenated character data directly inside this element
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::unique_ptr<Element>> children;

  /// First child with this name, or nullptr.
  const Element* child(std::string_view child_name) const;
  std::vector<const Element*> children_named(std::string_view child_name) const;
  /// Trimmed text of the first child with this name ("" when absent).
  std::string child_text(std::string_view child_name) const;
};

/// Parses a document and returns its root element. Throws std::runtime_error with a
/// message giving the byte offset of the problem.
std::unique_ptr<Element> parse(std::string_view document);

std::string trim(std::string_view s);

}  // namespace tinydet::data::xml
