package dev.estargz.snapshotter.filter;

import dev.estargz.snapshotter.model.SnapshotException;
import dev.estargz.snapshotter.model.SnapshotInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * containerd's filter language applied to snapshots: {@code kind==committed,labels."a.b"==x} and so on.
 * Selectors in one filter are ANDed; a list of filters is ORed ({@code filters.ParseAll}).
 * The fields are those of containerd's snapshot adaptor: kind, name, parent, labels.&lt;key&gt;.
 */
public final class SnapshotFilter {
    private final List<List<Selector>> alternatives;

    private SnapshotFilter(List<List<Selector>> alternatives) {
        this.alternatives = alternatives;
    }

    /** Parses each filter; an empty list (or an empty string) matches everything. INVALID_ARGUMENT on bad syntax. */
    public static SnapshotFilter parseAll(List<String> filters) {
        List<List<Selector>> alts = new ArrayList<>();
        for (String f : filters) {
            alts.add(new Parser(f).parse());
        }
        return new SnapshotFilter(alts);
    }

    /** True when {@code info} matches any of the filters (or there are none). */
    public boolean matches(SnapshotInfo info) {
        if (alternatives.isEmpty()) {
            return true;
        }
        for (List<Selector> all : alternatives) {
            if (all.stream().allMatch(s -> s.matches(info))) {
                return true;
            }
        }
        return false;
    }

    enum Op { PRESENT, EQUAL, NOT_EQUAL, MATCHES }

    record Selector(List<String> fieldPath, Op op, String value, Pattern regex) {
        boolean matches(SnapshotInfo info) {
            Optional<String> v = field(info);
            return switch (op) {
                case PRESENT -> v.isPresent();
                case EQUAL -> v.isPresent() && v.get().equals(value);
                case NOT_EQUAL -> v.isEmpty() || !v.get().equals(value);
                case MATCHES -> v.isPresent() && regex.matcher(v.get()).find();
            };
        }

        private Optional<String> field(SnapshotInfo info) {
            return switch (fieldPath.get(0)) {
                case "kind" -> Optional.of(info.kind().filterName());
                case "name" -> Optional.of(info.name());
                case "parent" -> Optional.of(info.parent());
                case "labels" -> info.labels().isEmpty() ? Optional.empty()
                        : Optional.ofNullable(info.labels().get(String.join(".", fieldPath.subList(1, fieldPath.size()))));
                default -> Optional.empty();
            };
        }
    }

    /** Recursive-descent parser for the grammar in containerd's filters/parser.go. */
    private static final class Parser {
        private final String in;
        private int pos;

        Parser(String in) {
            this.in = in;
        }

        List<Selector> parse() {
            List<Selector> selectors = new ArrayList<>();
            if (in.isEmpty()) {
                return selectors;
            }
            while (true) {
                selectors.add(selector());
                skipSpace();
                if (pos >= in.length()) {
                    return selectors;
                }
                expect(',');
            }
        }

        private Selector selector() {
            List<String> path = new ArrayList<>();
            path.add(field());
            while (pos < in.length() && in.charAt(pos) == '.') {
                pos++;
                path.add(field());
            }
            skipSpace();
            if (pos >= in.length() || in.charAt(pos) == ',') {
                return new Selector(path, Op.PRESENT, null, null);
            }
            Op op = operator();
            skipSpace();
            String value = value();
            Pattern regex = null;
            if (op == Op.MATCHES) {
                try {
                    regex = Pattern.compile(value);
                } catch (PatternSyntaxException e) {
                    throw error("bad regular expression " + value);
                }
            }
            return new Selector(path, op, value, regex);
        }

        private String field() {
            skipSpace();
            if (pos < in.length() && isQuote(in.charAt(pos))) {
                return quoted();
            }
            int start = pos;
            while (pos < in.length() && (Character.isLetterOrDigit(in.charAt(pos)) || in.charAt(pos) == '_')) {
                pos++;
            }
            if (start == pos || !Character.isLetter(in.charAt(start))) {
                throw error("expected field");
            }
            return in.substring(start, pos);
        }

        private Op operator() {
            if (in.startsWith("==", pos)) {
                pos += 2;
                return Op.EQUAL;
            }
            if (in.startsWith("!=", pos)) {
                pos += 2;
                return Op.NOT_EQUAL;
            }
            if (in.startsWith("~=", pos)) {
                pos += 2;
                return Op.MATCHES;
            }
            throw error("expected operator");
        }

        private String value() {
            if (pos < in.length() && isQuote(in.charAt(pos))) {
                return quoted();
            }
            int start = pos;
            while (pos < in.length() && in.charAt(pos) != ',' && !Character.isWhitespace(in.charAt(pos))) {
                pos++;
            }
            if (start == pos) {
                throw error("expected value");
            }
            return in.substring(start, pos);
        }

        private static boolean isQuote(char c) {
            return c == '"' || c == '/' || c == '|';
        }

        private String quoted() {
            char q = in.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (pos < in.length()) {
                char ch = in.charAt(pos++);
                if (ch == q) {
                    return sb.toString();
                }
                if (ch == '\\' && pos < in.length()) {
                    char e = in.charAt(pos++);
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        default -> {
                            // a regex quote keeps escapes other than its own delimiter for the regex engine
                            if (q != '"' && e != q) {
                                sb.append('\\');
                            }
                            sb.append(e);
                        }
                    }
                } else {
                    sb.append(ch);
                }
            }
            throw error("unterminated quoted string");
        }

        private void expect(char c) {
            if (pos >= in.length() || in.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
                pos++;
            }
        }

        private SnapshotException error(String what) {
            return SnapshotException.invalidArgument("filters: parse error: [" + in + " >|" + pos + "|<]: " + what);
        }
    }
}
