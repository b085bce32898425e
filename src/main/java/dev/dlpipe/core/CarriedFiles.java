package dev.dlpipe.core;

import java.util.List;

/**
 * What clean learned about the data that later stages need and the export publishes: the class names it found
 * (labels.json, from folder or label names) and a table's fitted statistics (stats.json, which preprocessing.json
 * lists so a client can turn raw rows into the model's input), and pack's vocabulary and tokenizer description for
 * text. Each stage over the data hands them on.
 */
public final class CarriedFiles {

    public static final List<String> FILES = List.of(Labels.FILE, "stats.json", "vocabulary.txt", "tokenizer.json");

    private CarriedFiles() {
    }

    /** Copies each of {@link #FILES} that {@code fromDir} has into {@code toDir}. */
    public static void carry(String fromDir, String toDir) {
        for (String name : FILES) {
            String from = Fs.child(fromDir, name);
            if (Fs.exists(from)) {
                Fs.copy(from, Fs.child(toDir, name));
            }
        }
    }
}
