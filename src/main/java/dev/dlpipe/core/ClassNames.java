package dev.dlpipe.core;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import java.util.ArrayList;
import java.util.List;

/**
 * What each class index means to a person: {@code pipeline.class-names} in label order, or the label numbers
 * when it is empty. Reports, the confusion matrix and the export manifest show these names.
 */
public final class ClassNames {

    public static final String KEY = "pipeline.class-names";

    private ClassNames() {
    }

    /**
     * The names of {@code numClasses} classes: configured, else those clean found in the data ({@code dataDir}'s
     * labels.json, carried from stage to stage), else the numbers.
     */
    public static List<String> of(Config config, int numClasses, String dataDir) {
        if (config.list(KEY).isEmpty() && dataDir != null && Fs.exists(Fs.child(dataDir, Labels.FILE))) {
            List<String> found = Json.readStrings(Fs.readString(Fs.child(dataDir, Labels.FILE)));
            if (found.size() == numClasses) {
                return List.copyOf(found);
            }
        }
        return of(config, numClasses);
    }

    /** The names of {@code numClasses} classes; a configured list of another length is an error naming the key. */
    public static List<String> of(Config config, int numClasses) {
        List<String> names = config.list(KEY);
        if (names.isEmpty()) {
            List<String> numbers = new ArrayList<>();
            for (int c = 0; c < numClasses; c++) {
                numbers.add(String.valueOf(c));
            }
            return numbers;
        }
        if (names.size() != numClasses) {
            throw new UserError(KEY + " (" + config.origin(KEY) + ") names " + names.size() + " classes, but the data has "
                    + numClasses + " (labels 0.." + (numClasses - 1) + ")");
        }
        return List.copyOf(names);
    }
}
