package dev.estargz.snapshotter.model;

import java.util.List;

/** One mount for containerd to perform ({@code containerd.types.Mount} without a target). */
public record Mount(String type, String source, List<String> options) {
    public Mount {
        options = List.copyOf(options);
    }
}
