package dev.dlpipe.onnx;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's ONNX Runtime environment, created once on a thread whose stack fits the process's command line.
 *
 * <p>Why: onnxruntime-java 1.29.0 walks the JVM's command line recursively while it creates its environment, about
 * 260 bytes of stack per character: on a Java thread's default 1 MB stack a command line of 3,900 characters ends in
 * a segmentation fault (no hs_err file: the stack overflows in native code), and every Spark JVM's command line is
 * longer (classpath, Java 17 flags). A 4 MB stack survives 8,000 characters, 16 MB 20,000 (measured with
 * {@code java -Xss... -Dpad=<n characters>}). Once created, sessions and runs on ordinary threads are fine.
 */
public final class OnnxRuntimeEnvironment {

    /** Stack bytes per command-line character, with a wide margin over the ~260 measured. */
    private static final long STACK_PER_CHAR = 2048;
    private static final long MIN_STACK = 64L << 20;

    private static volatile OrtEnvironment env;

    private OnnxRuntimeEnvironment() {
    }

    /** The environment (created on first use; every later call returns the same one). */
    public static OrtEnvironment get() {
        OrtEnvironment e = env;
        if (e != null) {
            return e;
        }
        synchronized (OnnxRuntimeEnvironment.class) {
            if (env == null) {
                env = createOnLargeStack();
            }
            return env;
        }
    }

    private static OrtEnvironment createOnLargeStack() {
        long stack = Math.max(MIN_STACK, commandLineLength() * STACK_PER_CHAR);
        OrtEnvironment[] created = new OrtEnvironment[1];
        Throwable[] failed = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                created[0] = OrtEnvironment.getEnvironment();
            } catch (Throwable x) {
                failed[0] = x;
            }
        }, "dlpipe-onnxruntime-environment", stack);
        t.start();
        try {
            t.join();
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ONNX Runtime created its environment", x);
        }
        if (failed[0] != null) {
            throw new IllegalStateException("ONNX Runtime could not create its environment: " + failed[0], failed[0]);
        }
        return created[0];
    }

    /** Characters of this process's command line (Linux), or a generous guess where it cannot be read. */
    static long commandLineLength() {
        try {
            return Files.readAllBytes(Path.of("/proc/self/cmdline")).length; // proc files report size 0
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return 64 * 1024;
        }
    }
}
