package dev.estargz.registry.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header, e.g.
 * {@code Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"}.
 *
 * @param scheme lower-case scheme ({@code bearer}, {@code basic})
 * @param params parameter names in lower case
 */
public record AuthChallenge(String scheme, Map<String, String> params) {
    public AuthChallenge {
        params = Map.copyOf(params);
    }

    public String realm() {
        return params.get("realm");
    }

    public boolean isBearer() {
        return "bearer".equals(scheme);
    }

    public boolean isBasic() {
        return "basic".equals(scheme);
    }

    /** Parses every challenge in the given header values; malformed parts are skipped, not guessed at. */
    public static List<AuthChallenge> parse(List<String> headerValues) {
        List<AuthChallenge> out = new ArrayList<>();
        for (String h : headerValues) {
            parseOne(h, out);
        }
        return out;
    }

    private static void parseOne(String h, List<AuthChallenge> out) {
        int i = 0;
        int n = h.length();
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (i < n) {
            while (i < n && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && h.charAt(i) != ' ' && h.charAt(i) != '=' && h.charAt(i) != ',') {
                i++;
            }
            if (start == i) {
                break;
            }
            String token = h.substring(start, i);
            int j = i;
            while (j < n && h.charAt(j) == ' ') {
                j++;
            }
            if (j < n && h.charAt(j) == '=') {
                // name=value parameter of the current challenge
                i = j + 1;
                while (i < n && h.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder v = new StringBuilder();
                if (i < n && h.charAt(i) == '"') {
                    i++;
                    while (i < n && h.charAt(i) != '"') {
                        if (h.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        v.append(h.charAt(i++));
                    }
                    i++;
                } else {
                    while (i < n && h.charAt(i) != ',' && h.charAt(i) != ' ') {
                        v.append(h.charAt(i++));
                    }
                }
                if (scheme != null) {
                    params.put(token.toLowerCase(Locale.ROOT), v.toString());
                }
            } else {
                // a new scheme begins
                if (scheme != null) {
                    out.add(new AuthChallenge(scheme, params));
                    params = new LinkedHashMap<>();
                }
                scheme = token.toLowerCase(Locale.ROOT);
                i = j;
            }
        }
        if (scheme != null) {
            out.add(new AuthChallenge(scheme, params));
        }
    }
}
