package dev.estargz.snapshotter.runtime;

import ch.qos.logback.classic.Level;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The reference's {@code -log-level} names, applied to the root logger by each of our commands. */
public final class LogLevels {
    private LogLevels() {
    }

    /** The logback level of a reference {@code -log-level} name, or null. */
    public static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.TRACE;
            case "debug" -> Level.DEBUG;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARN;
            case "error", "fatal", "panic" -> Level.ERROR;
            default -> null;
        };
    }

    /**
     * Sets the root logger to {@code name}'s level; false (after telling stderr, as {@code command}) when the name is
     * not one of the reference's.
     */
    public static boolean apply(String command, String name) {
        Level level = level(name);
        if (level == null) {
            System.err.println(command + ": invalid -log-level " + name);
            return false;
        }
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(level);
        return true;
    }
}
