package dev.estargz.snapshotter.config;

import java.nio.file.Path;

/** The config file cannot be read or does not parse; the message names the file and the problem. */
public final class ConfigException extends Exception {
    public ConfigException(Path file, String problem, Throwable cause) {
        super("config " + file + ": " + problem, cause);
    }
}
