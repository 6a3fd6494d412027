package dev.estargz.registry;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to reach one registry host (keyed by the name in image references, e.g. {@code docker.io} or
 * {@code 10.0.0.5:5000}).
 *
 * @param mirrors        tried in order before the host itself, for pulls
 * @param plainHttp      talk HTTP instead of HTTPS (loopback hosts do so without this)
 * @param caCertificates PEM files of extra CAs trusted for this host, in addition to the system's
 * @param header         extra headers sent to this host (not to mirrors, not across redirects)
 */
public record HostConfig(List<MirrorConfig> mirrors, boolean plainHttp, List<Path> caCertificates,
                         Map<String, List<String>> header) {
    public static final HostConfig DEFAULT = new HostConfig(List.of(), false, List.of(), Map.of());

    public HostConfig {
        mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
        caCertificates = caCertificates == null ? List.of() : List.copyOf(caCertificates);
        header = MirrorConfig.copyHeaders(header);
    }

    public HostConfig withMirrors(List<MirrorConfig> m) {
        return new HostConfig(m, plainHttp, caCertificates, header);
    }

    public HostConfig withPlainHttp(boolean p) {
        return new HostConfig(mirrors, p, caCertificates, header);
    }

    public HostConfig withCaCertificates(List<Path> cas) {
        return new HostConfig(mirrors, plainHttp, cas, header);
    }

    public HostConfig withHeader(Map<String, List<String>> h) {
        return new HostConfig(mirrors, plainHttp, caCertificates, h);
    }
}
