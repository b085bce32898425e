package dev.dlpipe.core;

/** "12 s" left, from the steps done so far and how long they took: the ETA in every progress line. */
public final class Eta {

    private Eta() {
    }

    /** {@code done} of {@code total} steps finished since {@code startNanos} ({@link System#nanoTime()}). */
    public static String of(int done, int total, long startNanos) {
        if (done <= 0) {
            return "?";
        }
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        return Math.round(elapsed / done * Math.max(0, total - done)) + " s";
    }
}
