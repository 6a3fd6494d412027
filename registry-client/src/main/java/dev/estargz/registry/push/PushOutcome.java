package dev.estargz.registry.push;

/** What pushing one blob took. */
public enum PushOutcome {
    /** The registry had it already: nothing was sent. */
    ALREADY_PRESENT,
    /** It was mounted from another repository on the same registry: nothing was sent. */
    MOUNTED,
    /** Its bytes were uploaded. */
    UPLOADED
}
