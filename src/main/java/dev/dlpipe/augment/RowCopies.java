package dev.dlpipe.augment;

import dev.dlpipe.sampledata.Seeds;
import java.nio.charset.StandardCharsets;

/**
 * The determinism contract of augmentation, shared by every data kind: copy {@code k} of the row with key
 * {@code id} is drawn from a random stream that depends on (seed, id, k) only, and its id is {@code id~augk}.
 */
public final class RowCopies {

    public static final String COPY_MARK = "~aug";

    private RowCopies() {
    }

    public static long seed(long seed, String id, int k) {
        long h = 0xcbf29ce484222325L; // FNV-1a over the UTF-8 key: stable across JVMs, unlike identity hashes
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return Seeds.mix(Seeds.mix(seed, h), k);
    }

    public static String copyId(String id, int k) {
        return id + COPY_MARK + k;
    }
}
