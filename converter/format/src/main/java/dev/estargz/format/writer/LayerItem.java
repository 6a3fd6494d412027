package dev.estargz.format.writer;

import dev.estargz.format.tar.TarRecord;

/** One entry of the output layer, in output order: copied from the input tar, or a landmark we add. */
sealed interface LayerItem {

    /** An entry whose header blocks and payload are copied from the input tar. */
    record FromTar(TarRecord record) implements LayerItem {
    }

    /** A landmark file: a regular file of one byte, 0x0f, in its own gzip member. */
    record Landmark(String name) implements LayerItem {
        static final byte CONTENT = 0x0f;
    }
}
