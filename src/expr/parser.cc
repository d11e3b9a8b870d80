// Recursive-descent (precedence climbing) parser for the Milvus filter grammar.
//
// Precedence, loosest first:
//   or (||, or, OR)  <  and (&&, and, AND)  <  not (not, NOT, !)  <  comparison (== != < <= > >=,
//   chained: a < b <= c)  <  in / not in / like / is [not] null  <  |  <  ^  <  &  <  << >>  <
//   + -  <  * / %  <  ** (right-associative)  <  unary - + ~  <  primary.
// `not` binds looser than comparisons so `not a > 1` means `not (a > 1)`, as users expect.

#include "expr/parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

namespace quiver::expr {

std::string_view BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kPow: return "**";
    case BinaryOp::kBitAnd: return "&";
    case BinaryOp::kBitOr: return "|";
    case BinaryOp::kBitXor: return "^";
    case BinaryOp::kShl: return "<<";
    case BinaryOp::kShr: return ">>";
    case BinaryOp::kEq: return "==";
    case BinaryOp::kNe: return "!=";
    case BinaryOp::kLt: return "<";
    case BinaryOp::kLe: return "<=";
    case BinaryOp::kGt: return ">";
    case BinaryOp::kGe: return ">=";
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kOr: return "or";
  }
  return "?";
}

std::string Literal::ToString() const {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.15g", d);  // shortest form that round-trips
      if (std::strtod(buf, nullptr) != d) std::snprintf(buf, sizeof(buf), "%.17g", d);
      std::string out = buf;
      if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
      return out;
    }
    std::string operator()(const std::string& s) const {
      std::string out = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      return out + "\"";
    }
    std::string operator()(const LiteralArray& a) const {
      std::string out = "[";
      for (size_t i = 0; i < a.size(); ++i) out += (i ? ", " : "") + a[i].ToString();
      return out + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

std::string Node::ToString() const {
  switch (kind) {
    case Kind::kLiteral: return literal.ToString();
    case Kind::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < children.size(); ++i) out += (i ? ", " : "") + children[i]->ToString();
      return out + "]";
    }
    case Kind::kIdentifier: {
      std::string out = name;
      for (const auto& sub : children) out += "[" + sub->ToString() + "]";
      return out;
    }
    case Kind::kTemplate: return "{" + name + "}";
    case Kind::kUnary: {
      const char* op = unary_op == UnaryOp::kNeg ? "-" : unary_op == UnaryOp::kPlus ? "+"
                     : unary_op == UnaryOp::kNot ? "not " : "~";
      return std::string("(") + op + children[0]->ToString() + ")";
    }
    case Kind::kBinary:
      return "(" + children[0]->ToString() + " " + std::string(BinaryOpName(binary_op)) + " " +
             children[1]->ToString() + ")";
    case Kind::kIn:
      return "(" + children[0]->ToString() + (negated ? " not in " : " in ") + children[1]->ToString() + ")";
    case Kind::kLike: return "(" + children[0]->ToString() + " like " + children[1]->ToString() + ")";
    case Kind::kIsNull: return "(" + children[0]->ToString() + (negated ? " is not null)" : " is null)");
    case Kind::kExists: return "(exists " + children[0]->ToString() + ")";
    case Kind::kCall: {
      std::string out = name + "(";
      for (size_t i = 0; i < children.size(); ++i) out += (i ? ", " : "") + children[i]->ToString();
      return out + ")";
    }
  }
  return "?";
}

namespace {

enum class Tok {
  kEnd, kIdent, kInt, kFloat, kString, kTrue, kFalse, kNull,
  kLParen, kRParen, kLBracket, kRBracket, kLBrace, kRBrace, kComma,
  kPlus, kMinus, kStar, kSlash, kPercent, kPow,
  kAmp, kPipe, kCaret, kTilde, kShl, kShr,
  kEq, kNe, kLt, kLe, kGt, kGe,
  kAnd, kOr, kNot, kIn, kLike, kIs, kExists,
};

struct Token {
  Tok type = Tok::kEnd;
  size_t pos = 0;
  std::string text;  // identifier name or decoded string
  int64_t int_value = 0;
  double float_value = 0;
};

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

bool KeywordEquals(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(word[i])) != keyword[i]) return false;
  }
  return true;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Status Next(Token* token) {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    *token = Token();
    token->pos = pos_;
    if (pos_ >= text_.size()) return Status::OK();
    char c = text_[pos_];
    if (IsIdentStart(c)) return Identifier(token);
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos_ + 1 < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
      return Number(token);
    }
    if (c == '"' || c == '\'') return String(token);
    auto two = text_.substr(pos_, 2);
    struct Op {
      std::string_view text;
      Tok tok;
    };
    static constexpr Op kOps[] = {
        {"**", Tok::kPow}, {"==", Tok::kEq}, {"!=", Tok::kNe}, {"<=", Tok::kLe}, {">=", Tok::kGe},
        {"<<", Tok::kShl}, {">>", Tok::kShr}, {"&&", Tok::kAnd}, {"||", Tok::kOr},
    };
    for (const Op& op : kOps) {
      if (two == op.text) {
        token->type = op.tok;
        pos_ += 2;
        return Status::OK();
      }
    }
    Tok single;
    switch (c) {
      case '(': single = Tok::kLParen; break;
      case ')': single = Tok::kRParen; break;
      case '[': single = Tok::kLBracket; break;
      case ']': single = Tok::kRBracket; break;
      case '{': single = Tok::kLBrace; break;
      case '}': single = Tok::kRBrace; break;
      case ',': single = Tok::kComma; break;
      case '+': single = Tok::kPlus; break;
      case '-': single = Tok::kMinus; break;
      case '*': single = Tok::kStar; break;
      case '/': single = Tok::kSlash; break;
      case '%': single = Tok::kPercent; break;
      case '&': single = Tok::kAmp; break;
      case '|': single = Tok::kPipe; break;
      case '^': single = Tok::kCaret; break;
      case '~': single = Tok::kTilde; break;
      case '<': single = Tok::kLt; break;
      case '>': single = Tok::kGt; break;
      case '!': single = Tok::kNot; break;
      case '=': return Error("'=' is not an operator, use '=='");
      default: return Error(std::string("unexpected character '") + c + "'");
    }
    token->type = single;
    ++pos_;
    return Status::OK();
  }

  size_t pos() const { return pos_; }

 private:
  Status Error(const std::string& message) const {
    return Status::InvalidArgument("syntax error at position " + std::to_string(pos_) + ": " + message);
  }

  Status Identifier(Token* token) {
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    std::string_view word = text_.substr(start, pos_ - start);
    token->text = std::string(word);
    struct Keyword {
      std::string_view word;
      Tok tok;
    };
    static constexpr Keyword kKeywords[] = {
        {"and", Tok::kAnd}, {"or", Tok::kOr}, {"not", Tok::kNot}, {"in", Tok::kIn},
        {"like", Tok::kLike}, {"is", Tok::kIs}, {"null", Tok::kNull}, {"exists", Tok::kExists},
        {"true", Tok::kTrue}, {"false", Tok::kFalse},
    };
    token->type = Tok::kIdent;
    for (const Keyword& k : kKeywords) {
      if (KeywordEquals(word, k.word)) token->type = k.tok;
    }
    return Status::OK();
  }

  Status Number(Token* token) {
    size_t start = pos_;
    std::string_view rest = text_.substr(pos_);
    auto parse_int = [&](std::string_view digits, int base) -> Status {
      if (digits.empty()) return Error("malformed number");
      uint64_t value = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
      if (ec == std::errc::result_out_of_range || value > static_cast<uint64_t>(INT64_MAX) + 1) {
        return Error("integer out of range");
      }
      if (ec != std::errc() || ptr != digits.data() + digits.size()) return Error("malformed number");
      token->type = Tok::kInt;
      // INT64_MIN's magnitude only parses as the operand of a unary minus; the parser folds it.
      token->int_value = static_cast<int64_t>(value);
      return Status::OK();
    };
    if (rest.size() > 1 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X' || rest[1] == 'b' ||
                                              rest[1] == 'B')) {
      int base = (rest[1] == 'x' || rest[1] == 'X') ? 16 : 2;
      pos_ += 2;
      size_t digits_start = pos_;
      while (pos_ < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      return parse_int(text_.substr(digits_start, pos_ - digits_start), base);
    }
    bool is_float = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '.' && !is_float) {
        is_float = true;
        ++pos_;
      } else if ((c == 'e' || c == 'E') && pos_ + 1 < text_.size()) {
        size_t save = pos_;
        ++pos_;
        if (text_[pos_] == '+' || text_[pos_] == '-') ++pos_;
        if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
          is_float = true;
          while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
        } else {
          pos_ = save;
        }
        break;
      } else {
        break;
      }
    }
    if (pos_ < text_.size() && IsIdentChar(text_[pos_])) {
      return Error("malformed number");
    }
    std::string_view number = text_.substr(start, pos_ - start);
    if (is_float) {
      std::string copy(number);
      char* end = nullptr;
      double value = std::strtod(copy.c_str(), &end);
      if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return Error("malformed number");
      token->type = Tok::kFloat;
      token->float_value = value;
      return Status::OK();
    }
    if (number.size() > 1 && number[0] == '0') return parse_int(number.substr(1), 8);
    return parse_int(number, 10);
  }

  Status String(Token* token) {
    char quote = text_[pos_++];
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return Error("unterminated string");
      char c = text_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Error("unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '0': out.push_back('\0'); break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return Error("bad \\u escape");
          unsigned code = 0;
          for (int i = 0; i < 4; ++i) {
            char h = text_[pos_++];
            if (!std::isxdigit(static_cast<unsigned char>(h))) return Error("bad \\u escape");
            code = code * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
          }
          if (code < 0x80) {
            out.push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default: out.push_back(e); break;  // \" \' \\ \% \_ and anything else: the character itself
      }
      if (e == '%' || e == '_') out.insert(out.size() - 1, "\\");  // keep LIKE escapes visible
    }
    token->type = Tok::kString;
    token->text = std::move(out);
    return Status::OK();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  Result<NodePtr> ParseAll() {
    QUIVER_RETURN_IF_ERROR(Advance());
    QUIVER_ASSIGN_OR_RETURN(NodePtr node, ParseOr());
    if (current_.type != Tok::kEnd) return Error("unexpected token after the end of the expression");
    return node;
  }

 private:
  Status Advance() { return lexer_.Next(&current_); }

  Status Error(const std::string& message) const {
    return Status::InvalidArgument("syntax error at position " + std::to_string(current_.pos) + ": " + message);
  }

  Status Expect(Tok type, const char* what) {
    if (current_.type != type) return Error(std::string("expected ") + what);
    return Advance();
  }

  struct DepthGuard {
    explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthGuard() { --*depth_; }
    int* depth_;
  };

  // Sets `node`'s height from its children and refuses a tree taller than kMaxDepth. Every node
  // with children passes through here as it is built, so a long flat chain (a + 1 + 1 + ...,
  // x is null is null ...) is refused at the level that breaks the budget, never built whole.
  Result<NodePtr> Sealed(NodePtr node) const {
    int tallest = 0;
    for (const auto& child : node->children) tallest = std::max(tallest, child->height);
    node->height = tallest + 1;
    if (node->height > kMaxDepth) {
      return Status::InvalidArgument("syntax error at position " + std::to_string(node->pos) +
                                     ": expression nested too deeply (more than " +
                                     std::to_string(kMaxDepth) + " levels)");
    }
    return node;
  }

  Result<NodePtr> MakeBinary(BinaryOp op, NodePtr lhs, NodePtr rhs, size_t pos) const {
    auto node = std::make_unique<Node>(Node::Kind::kBinary, pos);
    node->binary_op = op;
    node->children.push_back(std::move(lhs));
    node->children.push_back(std::move(rhs));
    return Sealed(std::move(node));
  }

  Result<NodePtr> MakeUnary(UnaryOp op, NodePtr operand, size_t pos) const {
    auto node = std::make_unique<Node>(Node::Kind::kUnary, pos);
    node->unary_op = op;
    node->children.push_back(std::move(operand));
    return Sealed(std::move(node));
  }

  // `and` and `or` are associative (also in three-valued logic), so a chain of n operands becomes
  // a balanced tree of height log2(n) instead of a left-deep one of height n: a filter of tens of
  // thousands of `or`ed terms is fine. operands[i] and operands[i+1] are joined by the operator
  // at positions[i]. Chains of up to three operands keep the left-deep shape.
  Result<NodePtr> Balanced(BinaryOp op, std::vector<NodePtr>& operands, const std::vector<size_t>& positions,
                           size_t lo, size_t hi) const {
    if (hi - lo == 1) return std::move(operands[lo]);
    size_t mid = lo + (hi - lo + 1) / 2;
    QUIVER_ASSIGN_OR_RETURN(NodePtr lhs, Balanced(op, operands, positions, lo, mid));
    QUIVER_ASSIGN_OR_RETURN(NodePtr rhs, Balanced(op, operands, positions, mid, hi));
    return MakeBinary(op, std::move(lhs), std::move(rhs), positions[mid - 1]);
  }

  template <typename Next>
  Result<NodePtr> ParseLogicChain(Next next, Tok tok, BinaryOp op) {
    std::vector<NodePtr> operands;
    std::vector<size_t> positions;
    QUIVER_ASSIGN_OR_RETURN(NodePtr first, (this->*next)());
    operands.push_back(std::move(first));
    while (current_.type == tok) {
      positions.push_back(current_.pos);
      QUIVER_RETURN_IF_ERROR(Advance());
      QUIVER_ASSIGN_OR_RETURN(NodePtr operand, (this->*next)());
      operands.push_back(std::move(operand));
    }
    return Balanced(op, operands, positions, 0, operands.size());
  }

  Result<NodePtr> ParseOr() { return ParseLogicChain(&Parser::ParseAnd, Tok::kOr, BinaryOp::kOr); }

  Result<NodePtr> ParseAnd() { return ParseLogicChain(&Parser::ParseNot, Tok::kAnd, BinaryOp::kAnd); }

  Result<NodePtr> ParseNot() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxDepth) return Error("expression nested too deeply");
    if (current_.type == Tok::kNot) {
      size_t pos = current_.pos;
      QUIVER_RETURN_IF_ERROR(Advance());
      QUIVER_ASSIGN_OR_RETURN(NodePtr operand, ParseNot());
      return MakeUnary(UnaryOp::kNot, std::move(operand), pos);
    }
    return ParseComparison();
  }

  static bool ComparisonOp(Tok t, BinaryOp* op) {
    switch (t) {
      case Tok::kEq: *op = BinaryOp::kEq; return true;
      case Tok::kNe: *op = BinaryOp::kNe; return true;
      case Tok::kLt: *op = BinaryOp::kLt; return true;
      case Tok::kLe: *op = BinaryOp::kLe; return true;
      case Tok::kGt: *op = BinaryOp::kGt; return true;
      case Tok::kGe: *op = BinaryOp::kGe; return true;
      default: return false;
    }
  }

  // a op b [op c ...]: a chain becomes (a op b) and (b op c); the middle operand is cloned by
  // re-parsing its text position-free, so we keep a copy via ToString-free duplication.
  Result<NodePtr> ParseComparison() {
    QUIVER_ASSIGN_OR_RETURN(NodePtr lhs, ParsePostfixPredicates());
    BinaryOp op;
    if (!ComparisonOp(current_.type, &op)) return lhs;
    size_t pos = current_.pos;
    QUIVER_RETURN_IF_ERROR(Advance());
    QUIVER_ASSIGN_OR_RETURN(NodePtr mid, ParsePostfixPredicates());
    BinaryOp op2;
    if (!ComparisonOp(current_.type, &op2)) return MakeBinary(op, std::move(lhs), std::move(mid), pos);
    size_t pos2 = current_.pos;
    QUIVER_RETURN_IF_ERROR(Advance());
    QUIVER_ASSIGN_OR_RETURN(NodePtr rhs, ParsePostfixPredicates());
    BinaryOp op3;
    if (ComparisonOp(current_.type, &op3)) return Error("a range has at most two comparisons");
    bool ascending = (op == BinaryOp::kLt || op == BinaryOp::kLe) && (op2 == BinaryOp::kLt || op2 == BinaryOp::kLe);
    bool descending = (op == BinaryOp::kGt || op == BinaryOp::kGe) && (op2 == BinaryOp::kGt || op2 == BinaryOp::kGe);
    if (!ascending && !descending) {
      return Status::InvalidArgument("syntax error at position " + std::to_string(pos2) +
                                     ": a range needs two comparisons in the same direction");
    }
    NodePtr mid_copy = Clone(*mid);
    QUIVER_ASSIGN_OR_RETURN(NodePtr left, MakeBinary(op, std::move(lhs), std::move(mid), pos));
    QUIVER_ASSIGN_OR_RETURN(NodePtr right, MakeBinary(op2, std::move(mid_copy), std::move(rhs), pos2));
    return MakeBinary(BinaryOp::kAnd, std::move(left), std::move(right), pos);
  }

  static NodePtr Clone(const Node& node) {
    auto copy = std::make_unique<Node>(node.kind, node.pos);
    copy->literal = node.literal;
    copy->name = node.name;
    copy->binary_op = node.binary_op;
    copy->unary_op = node.unary_op;
    copy->negated = node.negated;
    copy->height = node.height;
    for (const auto& child : node.children) copy->children.push_back(Clone(*child));
    return copy;
  }

  // x in [...], x not in [...], x like "p", x is [not] null
  Result<NodePtr> ParsePostfixPredicates() {
    QUIVER_ASSIGN_OR_RETURN(NodePtr lhs, ParseBitOr());
    while (true) {
      size_t pos = current_.pos;
      if (current_.type == Tok::kIn) {
        QUIVER_RETURN_IF_ERROR(Advance());
        QUIVER_ASSIGN_OR_RETURN(NodePtr rhs, ParseBitOr());
        auto node = std::make_unique<Node>(Node::Kind::kIn, pos);
        node->children.push_back(std::move(lhs));
        node->children.push_back(std::move(rhs));
        QUIVER_ASSIGN_OR_RETURN(lhs, Sealed(std::move(node)));
      } else if (current_.type == Tok::kNot) {
        // Only "not in" may follow an operand.
        QUIVER_RETURN_IF_ERROR(Advance());
        if (current_.type != Tok::kIn) return Error("expected 'in' after 'not'");
        QUIVER_RETURN_IF_ERROR(Advance());
        QUIVER_ASSIGN_OR_RETURN(NodePtr rhs, ParseBitOr());
        auto node = std::make_unique<Node>(Node::Kind::kIn, pos);
        node->negated = true;
        node->children.push_back(std::move(lhs));
        node->children.push_back(std::move(rhs));
        QUIVER_ASSIGN_OR_RETURN(lhs, Sealed(std::move(node)));
      } else if (current_.type == Tok::kLike) {
        QUIVER_RETURN_IF_ERROR(Advance());
        QUIVER_ASSIGN_OR_RETURN(NodePtr rhs, ParseBitOr());
        auto node = std::make_unique<Node>(Node::Kind::kLike, pos);
        node->children.push_back(std::move(lhs));
        node->children.push_back(std::move(rhs));
        QUIVER_ASSIGN_OR_RETURN(lhs, Sealed(std::move(node)));
      } else if (current_.type == Tok::kIs) {
        QUIVER_RETURN_IF_ERROR(Advance());
        auto node = std::make_unique<Node>(Node::Kind::kIsNull, pos);
        if (current_.type == Tok::kNot) {
          node->negated = true;
          QUIVER_RETURN_IF_ERROR(Advance());
        }
        QUIVER_RETURN_IF_ERROR(Expect(Tok::kNull, "'null' after 'is'"));
        node->children.push_back(std::move(lhs));
        QUIVER_ASSIGN_OR_RETURN(lhs, Sealed(std::move(node)));
      } else {
        return lhs;
      }
    }
  }

  template <typename Next>
  Result<NodePtr> ParseLeftAssoc(Next next, std::initializer_list<std::pair<Tok, BinaryOp>> ops) {
    QUIVER_ASSIGN_OR_RETURN(NodePtr lhs, (this->*next)());
    while (true) {
      bool matched = false;
      for (const auto& [tok, op] : ops) {
        if (current_.type == tok) {
          size_t pos = current_.pos;
          QUIVER_RETURN_IF_ERROR(Advance());
          QUIVER_ASSIGN_OR_RETURN(NodePtr rhs, (this->*next)());
          QUIVER_ASSIGN_OR_RETURN(lhs, MakeBinary(op, std::move(lhs), std::move(rhs), pos));
          matched = true;
          break;
        }
      }
      if (!matched) return lhs;
    }
  }

  Result<NodePtr> ParseBitOr() { return ParseLeftAssoc(&Parser::ParseBitXor, {{Tok::kPipe, BinaryOp::kBitOr}}); }
  Result<NodePtr> ParseBitXor() { return ParseLeftAssoc(&Parser::ParseBitAnd, {{Tok::kCaret, BinaryOp::kBitXor}}); }
  Result<NodePtr> ParseBitAnd() { return ParseLeftAssoc(&Parser::ParseShift, {{Tok::kAmp, BinaryOp::kBitAnd}}); }
  Result<NodePtr> ParseShift() {
    return ParseLeftAssoc(&Parser::ParseAdditive, {{Tok::kShl, BinaryOp::kShl}, {Tok::kShr, BinaryOp::kShr}});
  }
  Result<NodePtr> ParseAdditive() {
    return ParseLeftAssoc(&Parser::ParseMultiplicative, {{Tok::kPlus, BinaryOp::kAdd}, {Tok::kMinus, BinaryOp::kSub}});
  }
  Result<NodePtr> ParseMultiplicative() {
    return ParseLeftAssoc(&Parser::ParsePower, {{Tok::kStar, BinaryOp::kMul},
                                                {Tok::kSlash, BinaryOp::kDiv},
                                                {Tok::kPercent, BinaryOp::kMod}});
  }

  Result<NodePtr> ParsePower() {
    QUIVER_ASSIGN_OR_RETURN(NodePtr base, ParseUnary());
    if (current_.type != Tok::kPow) return base;
    size_t pos = current_.pos;
    QUIVER_RETURN_IF_ERROR(Advance());
    DepthGuard guard(&depth_);
    if (depth_ > kMaxDepth) return Error("expression nested too deeply");
    QUIVER_ASSIGN_OR_RETURN(NodePtr exponent, ParsePower());  // right-associative
    return MakeBinary(BinaryOp::kPow, std::move(base), std::move(exponent), pos);
  }

  Result<NodePtr> ParseUnary() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxDepth) return Error("expression nested too deeply");
    Tok t = current_.type;
    if (t == Tok::kMinus || t == Tok::kPlus || t == Tok::kTilde) {
      size_t pos = current_.pos;
      QUIVER_RETURN_IF_ERROR(Advance());
      // Fold -<integer literal> so INT64_MIN parses.
      if (t == Tok::kMinus && (current_.type == Tok::kInt || current_.type == Tok::kFloat)) {
        Token number = current_;
        QUIVER_RETURN_IF_ERROR(Advance());
        if (current_.type != Tok::kPow) {
          auto node = std::make_unique<Node>(Node::Kind::kLiteral, pos);
          if (number.type == Tok::kInt) {
            node->literal = static_cast<int64_t>(0 - static_cast<uint64_t>(number.int_value));
          } else {
            node->literal = -number.float_value;
          }
          return node;
        }
        // -x ** y is -(x ** y)
        QUIVER_ASSIGN_OR_RETURN(NodePtr literal, LiteralFromToken(number));
        QUIVER_RETURN_IF_ERROR(Advance());
        QUIVER_ASSIGN_OR_RETURN(NodePtr exponent, ParsePower());
        QUIVER_ASSIGN_OR_RETURN(NodePtr power, MakeBinary(BinaryOp::kPow, std::move(literal), std::move(exponent), pos));
        return MakeUnary(UnaryOp::kNeg, std::move(power), pos);
      }
      QUIVER_ASSIGN_OR_RETURN(NodePtr operand, ParsePower());  // -x ** 2 is -(x ** 2)
      UnaryOp op = t == Tok::kMinus ? UnaryOp::kNeg : t == Tok::kPlus ? UnaryOp::kPlus : UnaryOp::kBitNot;
      return MakeUnary(op, std::move(operand), pos);
    }
    if (t == Tok::kNot) {
      // `!` or `not` inside an arithmetic operand, e.g. a == !b: parse as a predicate.
      return ParseNot();
    }
    return ParsePrimary();
  }

  Result<NodePtr> LiteralFromToken(const Token& token) {
    auto node = std::make_unique<Node>(Node::Kind::kLiteral, token.pos);
    if (token.type == Tok::kInt) {
      if (static_cast<uint64_t>(token.int_value) > static_cast<uint64_t>(INT64_MAX)) {
        return Status::InvalidArgument("syntax error at position " + std::to_string(token.pos) +
                                       ": integer out of range");
      }
      node->literal = token.int_value;
    } else {
      node->literal = token.float_value;
    }
    return node;
  }

  Result<NodePtr> ParsePrimary() {
    Token token = current_;
    switch (token.type) {
      case Tok::kInt:
      case Tok::kFloat: {
        QUIVER_RETURN_IF_ERROR(Advance());
        return LiteralFromToken(token);
      }
      case Tok::kString: {
        QUIVER_RETURN_IF_ERROR(Advance());
        auto node = std::make_unique<Node>(Node::Kind::kLiteral, token.pos);
        node->literal = token.text;
        return node;
      }
      case Tok::kTrue:
      case Tok::kFalse: {
        QUIVER_RETURN_IF_ERROR(Advance());
        auto node = std::make_unique<Node>(Node::Kind::kLiteral, token.pos);
        node->literal = token.type == Tok::kTrue;
        return node;
      }
      case Tok::kNull: {
        QUIVER_RETURN_IF_ERROR(Advance());
        return std::make_unique<Node>(Node::Kind::kLiteral, token.pos);
      }
      case Tok::kLParen: {
        QUIVER_RETURN_IF_ERROR(Advance());
        DepthGuard guard(&depth_);
        if (depth_ > kMaxDepth) return Error("expression nested too deeply");
        QUIVER_ASSIGN_OR_RETURN(NodePtr inner, ParseOr());
        QUIVER_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
        return inner;
      }
      case Tok::kLBracket: {
        QUIVER_RETURN_IF_ERROR(Advance());
        auto node = std::make_unique<Node>(Node::Kind::kArray, token.pos);
        if (current_.type != Tok::kRBracket) {
          while (true) {
            DepthGuard guard(&depth_);
            if (depth_ > kMaxDepth) return Error("expression nested too deeply");
            QUIVER_ASSIGN_OR_RETURN(NodePtr element, ParseOr());
            node->children.push_back(std::move(element));
            if (current_.type == Tok::kComma) {
              QUIVER_RETURN_IF_ERROR(Advance());
              if (current_.type == Tok::kRBracket) break;  // trailing comma
              continue;
            }
            break;
          }
        }
        QUIVER_RETURN_IF_ERROR(Expect(Tok::kRBracket, "']' to close the array"));
        return Sealed(std::move(node));
      }
      case Tok::kLBrace: {
        QUIVER_RETURN_IF_ERROR(Advance());
        if (current_.type != Tok::kIdent) return Error("expected a template parameter name");
        auto node = std::make_unique<Node>(Node::Kind::kTemplate, token.pos);
        node->name = current_.text;
        QUIVER_RETURN_IF_ERROR(Advance());
        QUIVER_RETURN_IF_ERROR(Expect(Tok::kRBrace, "'}'"));
        return node;
      }
      case Tok::kExists: {
        QUIVER_RETURN_IF_ERROR(Advance());
        auto node = std::make_unique<Node>(Node::Kind::kExists, token.pos);
        QUIVER_ASSIGN_OR_RETURN(NodePtr operand, ParseUnary());
        node->children.push_back(std::move(operand));
        return Sealed(std::move(node));
      }
      case Tok::kIdent: {
        QUIVER_RETURN_IF_ERROR(Advance());
        if (current_.type == Tok::kLParen) return ParseCall(token);
        auto node = std::make_unique<Node>(Node::Kind::kIdentifier, token.pos);
        node->name = token.text;
        while (current_.type == Tok::kLBracket) {
          size_t pos = current_.pos;
          QUIVER_RETURN_IF_ERROR(Advance());
          Token sub = current_;
          if (sub.type != Tok::kString && sub.type != Tok::kInt) {
            return Error("a subscript must be a string key or an integer index");
          }
          QUIVER_RETURN_IF_ERROR(Advance());
          auto key = std::make_unique<Node>(Node::Kind::kLiteral, pos);
          if (sub.type == Tok::kString) key->literal = sub.text;
          else key->literal = sub.int_value;
          node->children.push_back(std::move(key));
          QUIVER_RETURN_IF_ERROR(Expect(Tok::kRBracket, "']'"));
        }
        return Sealed(std::move(node));
      }
      case Tok::kEnd: return Error("unexpected end of expression");
      default: return Error("unexpected token");
    }
  }

  Result<NodePtr> ParseCall(const Token& name) {
    auto node = std::make_unique<Node>(Node::Kind::kCall, name.pos);
    node->name = name.text;
    for (char& c : node->name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    QUIVER_RETURN_IF_ERROR(Advance());  // (
    if (current_.type != Tok::kRParen) {
      while (true) {
        DepthGuard guard(&depth_);
        if (depth_ > kMaxDepth) return Error("expression nested too deeply");
        QUIVER_ASSIGN_OR_RETURN(NodePtr arg, ParseOr());
        node->children.push_back(std::move(arg));
        if (current_.type != Tok::kComma) break;
        QUIVER_RETURN_IF_ERROR(Advance());
      }
    }
    QUIVER_RETURN_IF_ERROR(Expect(Tok::kRParen, "')' to close the call"));
    return Sealed(std::move(node));
  }

  Lexer lexer_;
  Token current_;
  int depth_ = 0;
};

}  // namespace

Result<NodePtr> Parse(std::string_view text) {
  if (text.size() > kMaxExpressionBytes) return Status::InvalidArgument("expression too long");
  Parser parser(text);
  return parser.ParseAll();
}

}  // namespace quiver::expr
