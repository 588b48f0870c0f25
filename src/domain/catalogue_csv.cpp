#include "domain/catalogue_csv.hpp"

#include <algorithm>
#include <charconv>

#include "domain/error.hpp"
#include "domain/text.hpp"

namespace gp::domain {

const char* const kCatalogueCsvHeader =
    "pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,game_type,secondary_type";

namespace {

constexpr std::size_t kColumns = 9;

// Splits RFC 4180 text into records; `lines` gets the 1-based line each record starts on.
std::vector<std::vector<std::string>> split_records(std::string_view text, std::vector<int>& lines) {
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false, field_started = false;
    int line = 1, record_line = 1;
    auto end_field = [&] {
        fields.push_back(std::move(field));
        field.clear();
        field_started = false;
    };
    auto end_record = [&] {
        end_field();
        bool blank = fields.size() == 1 && fields[0].empty();
        if (!blank) {
            records.push_back(std::move(fields));
            lines.push_back(record_line);
        }
        fields.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"' && !field_started) {
            quoted = field_started = true;
        } else if (c == ',') {
            end_field();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            end_record();
            record_line = ++line;
        } else {
            field += c;
            field_started = true;
        }
    }
    if (quoted) bad_request("CSV line " + std::to_string(record_line) + ": unterminated quoted field");
    if (!field.empty() || !fields.empty()) end_record();
    return records;
}

std::string trim(std::string s) {
    auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

int to_int(const std::string& s, int line, const char* column, int min, int max) {
    int n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || n < min || n > max)
        bad_request("CSV line " + std::to_string(line) + ": " + column + " must be an integer between " +
                    std::to_string(min) + " and " + std::to_string(max) + ", got '" + s + "'");
    return n;
}

bool to_flag(const std::string& s, int line, const char* column) {
    if (s == "1" || s == "true" || s == "TRUE" || s == "yes") return true;
    if (s.empty() || s == "0" || s == "false" || s == "FALSE" || s == "no") return false;
    bad_request("CSV line " + std::to_string(line) + ": " + column + " must be 0 or 1, got '" + s + "'");
}

void quote_into(std::string& out, const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) {
        out += v;
        return;
    }
    out += '"';
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

}  // namespace

std::vector<GameFields> parse_catalogue_csv(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
    if (const auto at = invalid_utf8_at(text); at != std::string_view::npos)
        bad_request("CSV line " + std::to_string(1 + std::count(text.begin(), text.begin() + at, '\n')) +
                    ": not valid UTF-8");
    std::vector<int> lines;
    auto records = split_records(text, lines);
    if (records.empty()) bad_request("CSV is empty");
    std::vector<std::string> header;
    for (auto& h : records[0]) header.push_back(trim(h));
    const std::vector<std::string> expected = {"pack_name", "title", "min_players", "max_players", "length_minutes",
                                               "has_audience", "family_friendly", "game_type", "secondary_type"};
    if (header != expected)
        bad_request(std::string("CSV line 1: header must be: ") + kCatalogueCsvHeader);
    std::vector<GameFields> rows;
    for (std::size_t r = 1; r < records.size(); ++r) {
        auto& f = records[r];
        const int line = lines[r];
        if (f.size() != kColumns)
            bad_request("CSV line " + std::to_string(line) + ": expected " + std::to_string(kColumns) +
                        " columns, got " + std::to_string(f.size()));
        for (auto& v : f) v = trim(std::move(v));
        GameFields g;
        g.pack_name = f[0];
        g.title = f[1];
        if (g.pack_name.empty()) bad_request("CSV line " + std::to_string(line) + ": pack_name is required");
        if (g.title.empty()) bad_request("CSV line " + std::to_string(line) + ": title is required");
        g.min_players = to_int(f[2], line, "min_players", 1, kMaxPlayers);
        g.max_players = to_int(f[3], line, "max_players", 1, kMaxPlayers);
        if (g.min_players > g.max_players)
            bad_request("CSV line " + std::to_string(line) + ": min_players is greater than max_players");
        if (!f[4].empty()) g.length_minutes = to_int(f[4], line, "length_minutes", 0, kMaxLengthMinutes);
        g.has_audience = to_flag(f[5], line, "has_audience");
        g.family_friendly = to_flag(f[6], line, "family_friendly");
        if (!f[7].empty()) g.game_type = f[7];
        if (!f[8].empty()) g.secondary_type = f[8];
        try {
            check_text_lengths(g);
        } catch (const Error& e) {
            bad_request("CSV line " + std::to_string(line) + ": " + e.what());
        }
        rows.push_back(std::move(g));
    }
    return rows;
}

std::string write_catalogue_csv(const std::vector<Game>& games) {
    std::string out = kCatalogueCsvHeader;
    out += '\n';
    for (const auto& g : games) {
        quote_into(out, g.pack_name);
        out += ',';
        quote_into(out, g.title);
        out += ',' + std::to_string(g.min_players) + ',' + std::to_string(g.max_players) + ',';
        if (g.length_minutes) out += std::to_string(*g.length_minutes);
        out += ',';
        out += g.has_audience ? '1' : '0';
        out += ',';
        out += g.family_friendly ? '1' : '0';
        out += ',';
        quote_into(out, g.game_type.value_or(""));
        out += ',';
        quote_into(out, g.secondary_type.value_or(""));
        out += '\n';
    }
    return out;
}

}  // namespace gp::domain
