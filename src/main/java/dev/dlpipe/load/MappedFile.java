package dev.dlpipe.load;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Read-only mappings of file regions that can be unmapped as soon as a block is done. Left to the garbage collector,
 * mapped row groups stay resident (and in RSS) for as long as the heap is quiet, which on a large dataset is most of
 * an epoch.
 */
final class MappedFile {

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method cleaner = null;
        try { // sun.misc.Unsafe is exported by jdk.unsupported: no --add-opens needed
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            cleaner = c.getMethod("invokeCleaner", java.nio.ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // without it, mappings are released at GC; still correct
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    private MappedFile() {
    }

    /** Maps {@code length} bytes at {@code position}, little-endian. */
    static MappedByteBuffer map(Path file, long position, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (position + length > size) {
                throw new IOException(file + ": needs bytes " + position + ".." + (position + length) + " but the file has "
                        + size + " (truncated?)");
            }
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, position, length);
            b.order(ByteOrder.LITTLE_ENDIAN);
            return b;
        }
    }

    /** An action that unmaps {@code buffer} now; the buffer and every view of it must not be touched afterwards. */
    static Runnable unmapper(MappedByteBuffer buffer) {
        return () -> {
            if (INVOKE_CLEANER != null) {
                try {
                    INVOKE_CLEANER.invoke(UNSAFE, buffer);
                } catch (ReflectiveOperationException e) {
                    // leave it to the GC
                }
            }
        };
    }
}
