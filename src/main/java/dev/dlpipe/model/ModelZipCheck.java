package dev.dlpipe.model;

import dev.dlpipe.UserError;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * What a DL4J model zip may hold before DL4J reads it. {@code ModelSerializer.restore*} runs
 * {@code ObjectInputStream.readObject} on a {@code preprocessor.bin} entry, so a hostile zip reached Java
 * deserialization (a 1.6 KB JDK-only object graph already costs 25 s). dlpipe writes only the configuration
 * (JSON), the parameters and the updater state (ND4J's binary array format), so any other entry is refused by
 * name before any of it is parsed, and sizes are bounded against zip bombs.
 */
public final class ModelZipCheck {

    /** The entries {@code ModelSerializer.writeModel} writes for us; noParams.marker for a model without parameters. */
    static final Set<String> ALLOWED = Set.of("configuration.json", "coefficients.bin", "updaterState.bin",
            "noParams.marker");
    /** A configuration is kilobytes; a 64 MB one is a bomb. */
    static final long MAX_CONFIGURATION_BYTES = 64L << 20;
    /** 4 GiB of parameters is a billion floats, beyond any model this pipeline trains on a CPU cluster. */
    static final long MAX_ENTRY_BYTES = 4L << 30;

    private ModelZipCheck() {
    }

    /** Refuses {@code zip} unless it holds only our entries within the size bounds; {@code name} names it in errors. */
    public static void verify(byte[] zip, String name) {
        int entries = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries++;
                if (!ALLOWED.contains(e.getName())) {
                    throw new UserError(name + ": model zip holds an entry '" + e.getName() + "' that dlpipe never writes "
                            + "(only " + String.join(", ", ALLOWED.stream().sorted().toList()) + "); refusing to load it");
                }
                long limit = e.getName().equals("configuration.json") ? MAX_CONFIGURATION_BYTES : MAX_ENTRY_BYTES;
                if (drain(in, limit) < 0) { // streamed, never held: a bomb costs time, not memory
                    throw new UserError(name + ": model zip entry '" + e.getName() + "' unpacks to more than " + limit
                            + " bytes (" + zip.length + " bytes packed); refusing to load it");
                }
            }
        } catch (IOException e) {
            throw new UserError(name + ": not a readable model zip (corrupt or truncated?): " + e.getMessage(), e);
        }
        if (entries == 0) {
            throw new UserError(name + ": not a model zip (no entries)");
        }
    }

    /** Bytes in the current entry, or -1 past {@code limit}. */
    private static long drain(InputStream in, long limit) throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        for (int r; (r = in.read(buf)) > 0; ) {
            n += r;
            if (n > limit) {
                return -1;
            }
        }
        return n;
    }
}
