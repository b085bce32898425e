package dev.dlpipe.pipeline;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.load.Hdf5Shard;
import dev.dlpipe.tensor.TensorSpec;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code pipeline.data-kind: auto}: the kind told from the input itself, where that is unambiguous, before Spark
 * starts. HDF5 files or a train/ split of tensor shards are tensors; image files (class folders) or a Parquet table
 * with encoded images are images; JSON Lines, or a CSV or Parquet table with the text column, are text; any other
 * CSV is a table. A clean output says what it is by the files beside its data (tensor.json, stats.json,
 * labels.json). Anything else is a one-line error naming the key.
 */
public final class DataKinds {

    public static final String AUTO = "auto";

    private DataKinds() {
    }

    /** The configuration with the kind resolved for this input (unchanged when the kind is set). */
    public static Config resolve(Config config, String input) {
        if (!AUTO.equals(config.string("pipeline.data-kind"))) {
            return config;
        }
        String kind = infer(input, config.string("clean.text.text-column")).orElseThrow(() -> new UserError(
                "pipeline.data-kind is auto and " + input + " does not say which kind it is; set pipeline.data-kind"
                        + " to image, text, tabular or tensor"));
        return config.with("pipeline.data-kind", kind, "inferred from " + input);
    }

    /** For one stage: a stage over tensor shards works for every kind and needs none; the others resolve it. */
    public static Config resolveFor(PipelineStage stage, Config config, String input) {
        return stage.dataKinds().contains("tensor") ? config : resolve(config, input);
    }

    static Optional<String> infer(String input, String textColumn) {
        if (input == null || input.isEmpty() || !Fs.exists(input)) {
            return Optional.empty();
        }
        if (!Fs.isFile(input)) {
            if (Fs.exists(Fs.child(input, "stats.json")) && Fs.exists(Fs.child(input, "data"))) {
                return Optional.of("tabular");
            }
            if (Fs.exists(Fs.child(input, TensorSpec.FILE)) && Fs.exists(Fs.child(input, "data"))) {
                return Optional.of("image");
            }
            if (Fs.exists(Fs.child(input, "labels.json")) && Fs.exists(Fs.child(input, "data"))) {
                return Optional.of("text");
            }
            String train = Fs.child(input, "train");
            if (Fs.exists(train)) {
                Optional<String> inTrain = ofFile(Fs.firstDataFile(train), textColumn);
                if (inTrain.isPresent() && !inTrain.get().equals("image")) {
                    return inTrain; // split/ of tensors, tables or text; split/<label>/ images fall through
                }
            }
        }
        return ofFile(Fs.firstDataFile(input), textColumn);
    }

    private static Optional<String> ofFile(String file, String textColumn) {
        if (file == null) {
            return Optional.empty();
        }
        String lower = file.toLowerCase(Locale.ROOT);
        if (Hdf5Shard.isHdf5(lower)) {
            return Optional.of("tensor");
        }
        if (dev.dlpipe.image.ImageFolders.EXTENSIONS.stream().anyMatch(e -> lower.endsWith("." + e))) {
            return Optional.of("image");
        }
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json")) {
            return Optional.of("text");
        }
        if (lower.endsWith(".csv") || lower.endsWith(".csv.gz")) {
            return Optional.of(dev.dlpipe.tabular.CsvHeader.of(file).contains(textColumn) ? "text" : "tabular");
        }
        if (lower.endsWith(".parquet")) {
            List<String> columns = dev.dlpipe.load.TensorShardReader.columns(file);
            if (columns.contains("data") && columns.contains("format")) {
                return Optional.of("image");
            }
            if (columns.contains("features")) {
                return Optional.of("tensor");
            }
            if (columns.contains(textColumn)) {
                return Optional.of("text");
            }
        }
        return Optional.empty();
    }
}
