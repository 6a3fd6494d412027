package dev.estargz.cli;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/** Switches logback's root logger (stderr, WARN by default, see logback.xml) to DEBUG for {@code --debug}. */
final class Logging {
    private Logging() {
    }

    static void enableDebug() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.DEBUG);
        }
    }
}
