package dev.estargz.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository checkout from a test's working directory (the module directory under Maven). */
public final class Checkout {
    private Checkout() {
    }

    /** The checkout root: the nearest ancestor holding {@code mvnw} and {@code converter/}. */
    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        for (Path d = p; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isDirectory(d.resolve("converter"))) {
                return d;
            }
        }
        throw new IllegalStateException("no estargz checkout above " + p);
    }

    /** A path inside the checkout. */
    public static Path resolve(String relative) {
        return root().resolve(relative);
    }
}
